/* webhook.h - reading an ActiveCampaign webhook body (application/x-www-form-urlencoded, PHP-style
 * keys such as contact[email]) into the fields the rules need. Used by the receiver to validate
 * before storing and by the engine to apply what was stored. */
#ifndef OPTSYNC_WEBHOOK_H
#define OPTSYNC_WEBHOOK_H

#include <stddef.h>

#include "err.h"

#define WEBHOOK_BODY_MAX 16384 /* AC bodies are 1-3 KB; stored_event.payload holds this much */
#define WEBHOOK_MAX_LISTS 512  /* list[][id] entries kept from one body (16 KB holds fewer) */

typedef enum { WEBHOOK_OTHER = 0, WEBHOOK_SUBSCRIBE, WEBHOOK_UNSUBSCRIBE, WEBHOOK_BOUNCE } webhook_type;

typedef struct {
	webhook_type type;
	char type_name[32]; /* as sent */
	char date_time[40]; /* as sent (ISO 8601, the account's offset) */
	char contact_id[32];
	char email[256]; /* as sent; normalise before use */
	char first_name[128];
	char last_name[128];
	char list[32];        /* list id, "0" or "" when account-wide */
	char reason[256];     /* unsubscribe[reason] */
	char bounce_type[16]; /* bounce[type]: hard | soft */
	/* unsubscribe: every list[][id] (or list[N][id]) the contact was removed from, in body order */
	char lists[WEBHOOK_MAX_LISTS][32];
	size_t n_lists;
	int lists_overflow; /* more than WEBHOOK_MAX_LISTS: treat the event as account-wide */
} webhook_event;

/* Parses body (len bytes, at most WEBHOOK_BODY_MAX). Unknown fields are ignored; a body that is
 * not form-encoded, has no type, or (for subscribe/unsubscribe/bounce) no contact email is
 * ERR_INVALID_REQUEST with a message saying which. Other types parse with type WEBHOOK_OTHER. */
int webhook_parse(const char *body, size_t len, webhook_event *out, err_t *e);

/* Decodes one application/x-www-form-urlencoded component ('+' is a space, %XX a byte) into out
 * (NUL-terminated, at most n-1 bytes). -1 on a bad escape, a NUL byte, or no room. */
int form_decode(const char *in, size_t len, char *out, size_t n);

/* The same decoding for any caller (the dashboard's forms and queries): plus says whether '+' is a
 * space; returns the decoded length, or -1 on a bad escape, a NUL byte or no room (out is then ""). */
long form_unescape(const char *s, size_t n, char *out, size_t cap, int plus);

#endif
