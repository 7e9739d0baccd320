/* sf_stream.h - Salesforce's Streaming API (CometD/Bayeux over HTTPS long-polling) for the box:
 * handshake, subscribe with a replay id, one long-poll connect at a time, typed change events
 * out; and the PushTopic optsync creates where Change Data Capture is not on. */
#ifndef OPTSYNC_SF_STREAM_H
#define OPTSYNC_SF_STREAM_H

#include <stdint.h>

#include "err.h"
#include "sf.h"

#define SF_STREAM_IDS 8 /* record ids kept from one event (CDC merges same changes of one second) */

/* Replay positions a subscription can start from, besides a stored replay id. */
#define SF_REPLAY_NEW (-1) /* only events published after the subscription */
#define SF_REPLAY_ALL (-2) /* every event still retained (72 hours) */

/* Why the server said no; the caller decides what each means (rehandshake, resubscribe from -1,
 * fall back to a PushTopic or to polling). */
typedef enum {
	SF_STREAM_OK = 0,
	SF_STREAM_UNKNOWN_CLIENT, /* 403::Unknown client, or advice reconnect=handshake: handshake again */
	SF_STREAM_REPLAY_INVALID, /* 400::The replayId ... was invalid: outside retention */
	SF_STREAM_REFUSED,        /* the channel is refused (CDC not on, no such topic, no permission) */
	SF_STREAM_AUTH,           /* 401, or reconnect=none: a new token, then a new handshake */
	SF_STREAM_ALLOCATION,     /* 403::Organization total events daily limit exceeded: the org's daily
	                           * event delivery allocation is used up; the events wait on the bus */
	SF_STREAM_TRANSPORT       /* no usable answer (network, 5xx, not Bayeux) */
} sf_stream_refusal;

/* One change event, typed: CDC's ChangeEventHeader or a PushTopic's sobject. An Account event
 * (entityName Account, ids 001...) is typed SF_PERSON_ACCOUNT: optsync only subscribes to Account
 * where Person Accounts are on, and a business account's id then reads as no record. */
typedef struct {
	char channel[64];
	sf_object object;
	char ids[SF_STREAM_IDS][19];
	size_t n_ids;
	int more_ids;      /* recordIds held more than SF_STREAM_IDS, or a wildcard: read them all */
	char change[16];   /* CREATE UPDATE DELETE UNDELETE GAP_* (CDC); created updated ... (PushTopic) */
	int box_changed;   /* the event can move the box: changedFields names it, or no field list */
	int ours;          /* changeOrigin names optsync's client id: the echo of its own write */
	int64_t replay;    /* event.replayId */
	int64_t commit_ms; /* commitTimestamp (CDC) or createdDate (PushTopic); 0 unknown */
} sf_change_event;

typedef struct sf_stream sf_stream;

typedef int (*sf_change_cb)(const sf_change_event *ev, void *ud, err_t *e);

/* A stream over client c (which keeps the token and the instance URL); long_poll_s is the longest
 * one connect may take (Salesforce holds 110 s). c must outlive the stream. */
sf_stream *sf_stream_open(sf_client *c, long long_poll_s, err_t *e);
void sf_stream_close(sf_stream *st);

/* /meta/handshake: a new clientId, every subscription forgotten. */
int sf_stream_handshake(sf_stream *st, err_t *e);

/* /meta/subscribe to channel from replay (an id, SF_REPLAY_NEW or SF_REPLAY_ALL). */
int sf_stream_subscribe(sf_stream *st, const char *channel, int64_t replay, err_t *e);

/* One /meta/connect: waits for events (up to the server's hold) and calls cb for each, in order.
 * Returns how many events came, or -1 with e. */
int sf_stream_connect(sf_stream *st, sf_change_cb cb, void *ud, err_t *e);

/* What the last failed call met (SF_STREAM_OK after a success). */
sf_stream_refusal sf_stream_why(const sf_stream *st);

/* The advice interval of the last answer in ms (0 = connect again at once). */
long sf_stream_interval_ms(const sf_stream *st);

/* Creates the PushTopic name on object o's box (Query on Id and HasOptedOutOfEmail, for
 * SF_PERSON_ACCOUNT on Account's PersonHasOptedOutOfEmail of person accounts; notify on create and
 * update when a referenced field changes); an existing topic of that name is fine.
 * Returns 0, or -1 with e (sf_stream_why-like reasons are not kept: a refusal is ERR_AUTH or
 * ERR_INVALID_REQUEST). */
int sf_pushtopic_ensure(sf_client *c, const char *name, sf_object o, err_t *e);

/* Parses one Bayeux data message (tests and the fuzz target): 1 an event, 0 not one for the box. */
int sf_stream_parse_event(json_object *msg, sf_change_event *out);

#endif
