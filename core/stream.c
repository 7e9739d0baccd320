/* stream.c - the change-event listener thread: subscribe (CDC, else PushTopic, else polling only),
 * long-poll, gather the records events name; the replay positions and status in the store.
 * Account's channel joins Contact's and Lead's only where the engine has found Person Accounts
 * (the stored sf_person_accounts answer): elsewhere every business account's change would spend
 * the org's event delivery allocation for nothing. */
#include "stream.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "pa_detect.h"
#include "sf_conn.h"
#include "sf_stream.h"
#include "store_sync.h"
#include "timefmt.h"

#define NOTES 16
#define REFUSED_RETRY_S 300    /* a refused subscription is tried again this often */
#define ALLOCATION_RETRY_S 900 /* a used-up delivery allocation is tried again this often */

/* By sf_object: Contact, Lead, person Account. */
static const char *const cdc_channels[SF_OBJECTS] = {"/data/ContactChangeEvent", "/data/LeadChangeEvent",
                                                     "/data/AccountChangeEvent"};
static const char *const topics[SF_OBJECTS] = {"optsyncContactOptOut", "optsyncLeadOptOut",
                                               "optsyncPersonAcctOptOut"};

struct stream {
	char db_path[1024];
	char key_path[1024];
	int has_key;
	pthread_t th;
	int started;
	volatile int stop;
	volatile int finished;
	pthread_mutex_t mu;
	stream_batch pending;
	int64_t seen_replay[STREAM_CHANNELS]; /* newest replay received per channel (this process) */
	char channels[STREAM_CHANNELS][64];
	size_t n_channels;
	size_t watched; /* objects this session subscribed for (objects_watched) */
	char notes[NOTES][300];
	unsigned note_head, note_count;
};

static void note(stream *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(stream *st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&st->mu);
	if (st->note_count == NOTES) { /* the oldest goes */
		st->note_head = (st->note_head + 1) % NOTES;
		st->note_count--;
	}
	vsnprintf(st->notes[(st->note_head + st->note_count) % NOTES], sizeof st->notes[0], fmt, ap);
	st->note_count++;
	pthread_mutex_unlock(&st->mu);
	va_end(ap);
}

static void nap(stream *st, long ms)
{
	while (ms > 0 && !st->stop) {
		struct timespec ts = {0, (ms > 200 ? 200 : ms) * 1000L * 1000L};
		nanosleep(&ts, NULL);
		ms -= 200;
	}
}

static void set_state(store *s, const char *state, const char *detail)
{
	store_watermark_set(s, "sf_stream_state", state, NULL);
	store_watermark_set(s, "sf_stream_detail", detail, NULL);
}

static void mark_gap(stream *st, store *s, const char *why)
{
	char when[40], v[300];
	timefmt_iso_ms(timefmt_now_ms(), when, sizeof when);
	snprintf(v, sizeof v, "%s (%s)", why, when);
	store_watermark_set(s, "sf_stream_gap", v, NULL);
	pthread_mutex_lock(&st->mu);
	st->pending.poll = 1;
	snprintf(st->pending.why, sizeof st->pending.why, "%s", why);
	pthread_mutex_unlock(&st->mu);
	note(st, "change events: %s; falling back to a poll run", why);
}

static int64_t stored_replay(store *s, const char *channel)
{
	char key[96], v[32];
	snprintf(key, sizeof key, "sf_stream_replay:%s", channel);
	if (store_watermark_get(s, key, v, sizeof v, NULL) != 1 || !v[0])
		return SF_REPLAY_NEW;
	return strtoll(v, NULL, 10);
}

static int channel_slot(stream *st, const char *channel)
{
	for (size_t i = 0; i < st->n_channels; i++)
		if (strcmp(st->channels[i], channel) == 0)
			return (int)i;
	return -1;
}

static int on_event(const sf_change_event *ev, void *ud, err_t *e)
{
	(void)e;
	stream *st = ud;
	pthread_mutex_lock(&st->mu);
	stream_batch *b = &st->pending;
	b->events++;
	b->echoes += ev->ours;
	if (ev->commit_ms > b->last_ms)
		b->last_ms = ev->commit_ms;
	int slot = channel_slot(st, ev->channel);
	if (slot >= 0 && ev->replay > st->seen_replay[slot])
		st->seen_replay[slot] = ev->replay;
	size_t p = 0;
	while (p < b->n_pos && strcmp(b->pos[p].channel, ev->channel) != 0)
		p++;
	if (p == b->n_pos && p < STREAM_CHANNELS) {
		snprintf(b->pos[p].channel, sizeof b->pos[p].channel, "%s", ev->channel);
		b->pos[p].replay = 0;
		b->n_pos++;
	}
	if (p < b->n_pos && ev->replay > b->pos[p].replay)
		b->pos[p].replay = ev->replay;
	if (ev->box_changed) {
		if (ev->more_ids || strncmp(ev->change, "GAP_", 4) == 0) {
			b->poll = 1;
			snprintf(b->why, sizeof b->why, "a %s event named records it could not list",
			         ev->change);
		}
		for (size_t i = 0; i < ev->n_ids; i++) {
			size_t k = 0;
			while (k < b->n_ids && strcmp(b->ids[k], ev->ids[i]) != 0)
				k++;
			if (k < b->n_ids)
				continue; /* coalesced */
			if (b->n_ids == STREAM_BATCH_IDS) {
				b->poll = 1;
				snprintf(b->why, sizeof b->why, "more than %d records changed at once",
				         STREAM_BATCH_IDS);
				break;
			}
			snprintf(b->ids[b->n_ids++], sizeof b->ids[0], "%s", ev->ids[i]);
		}
	}
	pthread_mutex_unlock(&st->mu);
	return 0;
}

/* Subscribes to channel from where this process or the store left off; a replay id outside
 * retention is a gap: the poll covers it and the subscription starts at new events. */
static int subscribe_from(stream *st, store *s, sf_stream *ss, const char *channel, err_t *e)
{
	int slot = channel_slot(st, channel);
	int64_t from =
	    slot >= 0 && st->seen_replay[slot] > 0 ? st->seen_replay[slot] : stored_replay(s, channel);
	if (sf_stream_subscribe(ss, channel, from, e) == 0)
		return 0;
	if (sf_stream_why(ss) != SF_STREAM_REPLAY_INVALID)
		return -1;
	char why[300];
	snprintf(why, sizeof why, "replay id %lld of %s is no longer retained by Salesforce", (long long)from,
	         channel);
	mark_gap(st, s, why);
	if (slot >= 0)
		st->seen_replay[slot] = 0;
	char key[96];
	snprintf(key, sizeof key, "sf_stream_replay:%s", channel);
	store_watermark_set(s, key, "", NULL);
	err_clear(e);
	return sf_stream_subscribe(ss, channel, SF_REPLAY_NEW, e);
}

static void add_channel(stream *st, const char *ch)
{
	if (channel_slot(st, ch) < 0 && st->n_channels < STREAM_CHANNELS)
		snprintf(st->channels[st->n_channels++], sizeof st->channels[0], "%s", ch);
}

/* The objects whose box the stream listens to: Contact and Lead, and Account when the engine's
 * last detection found Person Accounts (read again after every connect: a change ends the session,
 * and the next one subscribes to match). */
static size_t objects_watched(store *s)
{
	pa_state pa;
	return pa_state_load(s, &pa, NULL) == 0 && pa.on ? SF_OBJECTS : 2;
}

/* "a, b, c" from names with prefix before each. */
static void join(char *out, size_t n, const char *prefix, const char *const *names, size_t k)
{
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < k && len < n; i++)
		len += (size_t)snprintf(out + len, n - len, "%s%s%s", i ? ", " : "", prefix, names[i]);
}

/* Subscribes to CDC, else to the PushTopics; returns 0 subscribed, -1 refused/failed (e). */
static int subscribe_all(stream *st, store *s, sf_client *sf, sf_stream *ss, char *detail, size_t n, err_t *e)
{
	int cdc = 1;
	size_t k = objects_watched(s);
	st->watched = k;
	for (size_t i = 0; i < k && cdc; i++) {
		add_channel(st, cdc_channels[i]);
		if (subscribe_from(st, s, ss, cdc_channels[i], e) < 0) {
			if (sf_stream_why(ss) != SF_STREAM_REFUSED)
				return -1;
			cdc = 0;
		}
	}
	if (cdc) {
		char list[200];
		join(list, sizeof list, "", cdc_channels, k);
		snprintf(detail, n, "Change Data Capture: %s", list);
		return 0;
	}
	char cdc_err[256];
	snprintf(cdc_err, sizeof cdc_err, "%s", e->msg);
	note(st, "change events: Change Data Capture refused (%s); trying a PushTopic", cdc_err);
	/* a CDC subscription that went through before the refusal must not deliver twice: a new
	 * handshake forgets it */
	err_clear(e);
	if (sf_stream_handshake(ss, e) < 0)
		return -1;
	for (size_t i = 0; i < k; i++) {
		char ch[64];
		snprintf(ch, sizeof ch, "/topic/%s", topics[i]);
		add_channel(st, ch);
		if (sf_pushtopic_ensure(sf, topics[i], (sf_object)i, e) < 0 ||
		    subscribe_from(st, s, ss, ch, e) < 0) {
			char m[300];
			snprintf(m, sizeof m, "%s", e->msg);
			return err_set(e, ERR_AUTH, "CDC refused (%s) and PushTopic refused (%s)", cdc_err,
			               m);
		}
	}
	char list[200];
	join(list, sizeof list, "/topic/", topics, k);
	snprintf(detail, n, "PushTopic: %s", list);
	return 0;
}

/* One session: handshake, subscribe, connect until something breaks. Returns the ms to wait
 * before the next session. */
static long session(stream *st, store *s)
{
	err_t e = {0};
	store_connection conn;
	int rc = store_connection_load(s, "sf", &conn, &e);
	if (rc <= 0) {
		set_state(s, "connecting", rc == 0 ? "Salesforce is not connected" : e.msg);
		return 5000;
	}
	sf_client *sf = sf_conn_open(s, &conn, NULL, &e);
	if (!sf) {
		set_state(s, "connecting", e.msg);
		note(st, "change events: %s", e.msg);
		return 10000;
	}
	long wait = 0;
	sf_stream *ss = sf_stream_open(sf, 110, &e);
	char detail[256] = "";
	if (!ss || sf_stream_handshake(ss, &e) < 0) {
		set_state(s, "connecting", e.msg);
		note(st, "change events: %s", e.msg);
		wait = 10000;
		goto out;
	}
	if (subscribe_all(st, s, sf, ss, detail, sizeof detail, &e) < 0) {
		char m[300];
		snprintf(m, sizeof m, "%s", e.msg);
		if (sf_stream_why(ss) == SF_STREAM_REFUSED || e.kind == ERR_AUTH) {
			set_state(s, "refused", m);
			note(st, "change events: refused, polling only (every interval): %s", m);
			wait = REFUSED_RETRY_S * 1000L;
		} else {
			set_state(s, "connecting", m);
			note(st, "change events: %s", m);
			wait = 10000;
		}
		goto out;
	}
	set_state(s, "subscribed", detail);
	note(st, "change events: subscribed (%s)", detail);
	while (!st->stop) {
		int n = sf_stream_connect(ss, on_event, st, &e);
		char now[40];
		timefmt_iso_ms(timefmt_now_ms(), now, sizeof now);
		store_watermark_set(s, "sf_stream_seen_at", now, NULL);
		if (n < 0) {
			sf_stream_refusal why = sf_stream_why(ss);
			if (why == SF_STREAM_ALLOCATION) {
				/* Salesforce keeps the events on the bus (retention): the next session
				 * resubscribes from the stored replay ids; until then the timer's poll
				 * carries every change */
				char m[300];
				snprintf(m, sizeof m, "%s", e.msg);
				set_state(s, "exhausted", m);
				note(st,
				     "change events: the org's daily event delivery allocation is used up "
				     "(%s); "
				     "falling back to polling (every interval) and trying the stream again "
				     "in %d "
				     "minutes",
				     m, ALLOCATION_RETRY_S / 60);
				wait = ALLOCATION_RETRY_S * 1000L;
			} else if (why == SF_STREAM_UNKNOWN_CLIENT) {
				/* the server forgot the client: a new handshake resubscribes from the last
				 * replay id; the poll run covers whatever the server may not replay */
				char m[300];
				snprintf(m, sizeof m, "Salesforce forgot the streaming client (%s)", e.msg);
				mark_gap(st, s, m);
			} else {
				note(st, "change events: %s; connecting again", e.msg);
				wait = why == SF_STREAM_AUTH ? 1000 : 5000;
			}
			break;
		}
		if (objects_watched(s) != st->watched) {
			/* the engine found Person Accounts turned on (or off) since this session
			 * subscribed: a new session subscribes to the channels that match, from the
			 * stored replay ids */
			note(st, "change events: Person Accounts are %s in Salesforce now; subscribing again",
			     st->watched < SF_OBJECTS ? "on" : "off");
			break;
		}
		long iv = sf_stream_interval_ms(ss);
		if (iv > 0)
			nap(st, iv > 60000 ? 60000 : iv);
	}
out:
	sf_stream_close(ss);
	sf_close(sf);
	return wait;
}

static void *listener(void *arg)
{
	stream *st = arg;
	store *s = NULL;
	err_t e = {0};
	while (!st->stop) {
		if (!s && store_open(&s, st->db_path, st->has_key ? st->key_path : NULL, &e) < 0) {
			note(st, "change events: %s", e.msg);
			s = NULL;
			nap(st, 10000);
			continue;
		}
		nap(st, session(st, s));
	}
	if (s) {
		store_watermark_set(s, "sf_stream_state", "stopped", NULL);
		store_close(s);
	}
	st->finished = 1;
	return NULL;
}

stream *stream_start(const char *db_path, const char *key_path, err_t *e)
{
	stream *st = calloc(1, sizeof *st);
	if (!st) {
		err_set(e, ERR_INTERNAL, "change events: out of memory");
		return NULL;
	}
	snprintf(st->db_path, sizeof st->db_path, "%s", db_path);
	if (key_path) {
		snprintf(st->key_path, sizeof st->key_path, "%s", key_path);
		st->has_key = 1;
	}
	pthread_mutex_init(&st->mu, NULL);
	/* libcurl's global init is not thread-safe: done here, before two threads can race to it */
	http_global_init();
	if (pthread_create(&st->th, NULL, listener, st) != 0) {
		pthread_mutex_destroy(&st->mu);
		free(st);
		err_set(e, ERR_INTERNAL, "change events: cannot start the listener thread");
		return NULL;
	}
	st->started = 1;
	return st;
}

int stream_take(stream *st, stream_batch *b)
{
	pthread_mutex_lock(&st->mu);
	int any = st->pending.n_ids > 0 || st->pending.poll || st->pending.n_pos > 0;
	if (any) {
		*b = st->pending;
		memset(&st->pending, 0, sizeof st->pending);
	}
	pthread_mutex_unlock(&st->mu);
	return any;
}

void stream_give_back(stream *st, const stream_batch *b)
{
	pthread_mutex_lock(&st->mu);
	stream_batch *p = &st->pending;
	if (b->poll && !p->poll) {
		p->poll = 1;
		snprintf(p->why, sizeof p->why, "%s", b->why);
	}
	p->events += b->events;
	p->echoes += b->echoes;
	if (b->last_ms > p->last_ms)
		p->last_ms = b->last_ms;
	for (size_t i = 0; i < b->n_ids; i++) {
		size_t k = 0;
		while (k < p->n_ids && strcmp(p->ids[k], b->ids[i]) != 0)
			k++;
		if (k < p->n_ids)
			continue;
		if (p->n_ids == STREAM_BATCH_IDS) {
			p->poll = 1;
			snprintf(p->why, sizeof p->why, "more than %d records changed at once",
			         STREAM_BATCH_IDS);
			break;
		}
		snprintf(p->ids[p->n_ids++], sizeof p->ids[0], "%s", b->ids[i]);
	}
	/* positions: the older one wins, so nothing the failed run held is skipped on restart */
	for (size_t i = 0; i < b->n_pos; i++) {
		size_t k = 0;
		while (k < p->n_pos && strcmp(p->pos[k].channel, b->pos[i].channel) != 0)
			k++;
		if (k == p->n_pos && k < STREAM_CHANNELS) {
			p->pos[k] = b->pos[i];
			p->n_pos++;
		}
	}
	pthread_mutex_unlock(&st->mu);
}

/* Adds n to the counter kept in watermark key. */
static int add_count(store *s, const char *key, long n, err_t *e)
{
	if (n <= 0)
		return 0;
	char v[40];
	long total = 0;
	if (store_watermark_get(s, key, v, sizeof v, NULL) == 1)
		total = atol(v);
	snprintf(v, sizeof v, "%ld", total + n);
	return store_watermark_set(s, key, v, e);
}

int stream_done(store *s, const stream_batch *b, err_t *e)
{
	char key[96], v[40];
	for (size_t i = 0; i < b->n_pos; i++) {
		snprintf(key, sizeof key, "sf_stream_replay:%s", b->pos[i].channel);
		snprintf(v, sizeof v, "%lld", (long long)b->pos[i].replay);
		if (store_watermark_set(s, key, v, e) < 0)
			return -1;
	}
	if (add_count(s, "sf_stream_events", b->events, e) < 0 ||
	    add_count(s, "sf_stream_echoes", b->echoes, e) < 0)
		return -1;
	if (b->last_ms > 0) {
		timefmt_iso_ms(b->last_ms, v, sizeof v);
		if (store_watermark_set(s, "sf_stream_last_event", v, e) < 0)
			return -1;
	}
	return 0;
}

int stream_note(stream *st, char *line, size_t n)
{
	pthread_mutex_lock(&st->mu);
	int got = st->note_count > 0;
	if (got) {
		snprintf(line, n, "%s", st->notes[st->note_head]);
		st->note_head = (st->note_head + 1) % NOTES;
		st->note_count--;
	}
	pthread_mutex_unlock(&st->mu);
	return got;
}

void stream_stop(stream *st)
{
	if (!st)
		return;
	st->stop = 1;
	/* a long poll may hold for minutes against the real API: wait a little, then leave the
	 * thread to the process's exit (the store is crash-safe, nothing is lost) */
	for (int i = 0; i < 25 && !st->finished; i++) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (st->finished) {
		pthread_join(st->th, NULL);
		pthread_mutex_destroy(&st->mu);
		free(st);
	}
}

static void get(store *s, const char *key, char *out, size_t n)
{
	if (store_watermark_get(s, key, out, n, NULL) != 1)
		out[0] = '\0';
}

int stream_status_read(store *s, stream_status *out, err_t *e)
{
	(void)e;
	memset(out, 0, sizeof *out);
	get(s, "sf_stream_state", out->state, sizeof out->state);
	get(s, "sf_stream_detail", out->detail, sizeof out->detail);
	get(s, "sf_stream_seen_at", out->seen_at, sizeof out->seen_at);
	get(s, "sf_stream_last_event", out->last_event, sizeof out->last_event);
	get(s, "sf_stream_gap", out->gap, sizeof out->gap);
	char v[40];
	get(s, "sf_stream_events", v, sizeof v);
	out->events = atol(v);
	get(s, "sf_stream_echoes", v, sizeof v);
	out->echoes = atol(v);
	static const char *const label[] = {"Contact", "Lead", "Person account"};
	size_t len = 0;
	for (size_t i = 0; i < 2 * SF_OBJECTS; i++) {
		char key[96], ch[64];
		if (i < SF_OBJECTS)
			snprintf(ch, sizeof ch, "%s", cdc_channels[i]);
		else
			snprintf(ch, sizeof ch, "/topic/%s", topics[i - SF_OBJECTS]);
		snprintf(key, sizeof key, "sf_stream_replay:%s", ch);
		get(s, key, v, sizeof v);
		if (v[0] && len < sizeof out->replay)
			len += (size_t)snprintf(out->replay + len, sizeof out->replay - len, "%s%s%s %s",
			                        len ? ", " : "", label[i % SF_OBJECTS],
			                        i < SF_OBJECTS ? "" : " (PushTopic)", v);
	}
	return 0;
}
