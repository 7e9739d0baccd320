/* ac.h - ActiveCampaign API v3 client: the calls optsync makes, rate-limited across processes. */
#ifndef OPTSYNC_AC_H
#define OPTSYNC_AC_H

#include <stddef.h>

#include "err.h"
#include "http.h"
#include "ratelimit.h"

#define AC_ID_MAX 32
#define AC_EMAIL_MAX 256
#define AC_NAME_MAX 256
#define AC_DATE_MAX 40

typedef struct ac_client ac_client;

/* Ids are strings in AC's answers and are kept as strings. Dates are kept as AC writes them:
 * "2021-05-12T11:10:06-05:00" (udate, with the account's offset) or "2021-05-12 11:10:06". */
typedef struct {
	char id[AC_ID_MAX];
	char email[AC_EMAIL_MAX];
	char first_name[AC_NAME_MAX];
	char last_name[AC_NAME_MAX];
	char cdate[AC_DATE_MAX];
	char udate[AC_DATE_MAX];
	long bounced_hard; /* counters, "0" in the API */
	long bounced_soft;
	char bounced_date[AC_DATE_MAX];
	int deleted;
} ac_contact;

/* A contact's membership of one list. status: 0 unconfirmed, 1 active, 2 unsubscribed, 3 bounced;
 * other values are passed on as AC sent them (91: removed from the contact through the v1 API). */
typedef struct {
	char id[AC_ID_MAX];
	char contact[AC_ID_MAX];
	char list[AC_ID_MAX];
	int status;
	char sdate[AC_DATE_MAX];             /* subscribed */
	char udate[AC_DATE_MAX];             /* last change, with offset */
	char updated_timestamp[AC_DATE_MAX]; /* same, account time, no offset */
} ac_contact_list;

typedef struct {
	char id[AC_ID_MAX];
	char name[AC_NAME_MAX];
	char stringid[AC_NAME_MAX];
} ac_list;

typedef struct {
	char id[AC_ID_MAX];
	char tag[AC_NAME_MAX];
	char tag_type[32]; /* "contact" or "template" */
} ac_tag;

typedef struct {
	char id[AC_ID_MAX];
	char contact[AC_ID_MAX];
	char tag[AC_ID_MAX]; /* the tag's id */
} ac_contact_tag;

typedef struct {
	char id[AC_ID_MAX];
	char contact[AC_ID_MAX];
	char tstamp[AC_DATE_MAX];
	char code[AC_ID_MAX];   /* bounce code id (codeid) */
	char bounce[AC_ID_MAX]; /* bounce id */
	char email[AC_EMAIL_MAX];
} ac_bounce_log;

typedef struct {
	char id[AC_ID_MAX];
	char name[AC_NAME_MAX];
	char url[1024];
	char listid[AC_ID_MAX];
	char events[256];  /* comma-joined: "subscribe,unsubscribe,bounce" */
	char sources[128]; /* comma-joined: "public,admin,api,system" */
} ac_webhook;

typedef struct {
	long calls;        /* requests sent (retries included) */
	long rate_limited; /* 429 answers */
	long retries;
	long waited_ms; /* time spent waiting for the shared rate limiter */
} ac_stats;

typedef struct {
	http_options http;      /* timeouts, retries, caps; system and hook are set by the client */
	ratelimit_options rate; /* default: 5 starts per 1 s window + 100 ms slack */
} ac_options;

/* Defaults: http_options_default, ratelimit 5 per 1000 ms + 100 ms slack. */
void ac_options_default(ac_options *o);

/* Sets the limiter for per_second requests a second on average (the `ac_rate` setting, 0.1..5):
 * at most 5 starts in any 1 s window plus a slack of max(100 ms, 5000/per_second - 1000 ms), so 4.5
 * gives 4.5/s and 5 gives about 4.5/s (the 100 ms margin absorbs network jitter). */
void ac_options_rate(ac_options *o, double per_second);

/* Opens a client for the account API URL ("https://ACCOUNT.api-us1.com"; a trailing "/" or
 * "/api/3" is dropped) with key sent as Api-Token. rate_file is the shared limiter state
 * (e.g. "var/ac-rate.lock"): every process that names the same file shares one budget. NULL gives
 * a limiter private to this client (tests, one-off tools). No request is made here. */
ac_client *ac_open(const char *base_url, const char *api_key, const char *rate_file, err_t *e);
ac_client *ac_open_opts(const char *base_url, const char *api_key, const char *rate_file, const ac_options *o,
                        err_t *e);
void ac_close(ac_client *c);

/* Counters since ac_open. */
void ac_get_stats(const ac_client *c, ac_stats *s);

/* GET /api/3/users/me: verifies URL and key; copies the user name. */
int ac_users_me(ac_client *c, char *username, size_t n, err_t *e);

/* Called once per contact by the paged readers. Return 0 to go on, 1 to stop early (the reader
 * returns 0), -1 to abort (fill e; the reader returns -1). */
typedef int (*ac_contact_cb)(const ac_contact *ct, void *ud, err_t *e);

/* GET /api/3/contacts?email=: *found is 1 and out filled when AC has that address. */
int ac_contact_by_email(ac_client *c, const char *email, ac_contact *out, int *found, err_t *e);

/* GET /api/3/contacts/{id}: *found 0 on 404. */
int ac_contact_get(ac_client *c, const char *id, ac_contact *out, int *found, err_t *e);

/* Every contact updated at or after since (filters[updated_after], inclusive, passed as given: an
 * AC udate with its offset or a date), NULL for all contacts; ascending id, paged with
 * orders[id]=ASC + id_greater + limit=100 so changes during the walk do not shift pages.
 * *total (if not NULL) gets meta.total of the first page (-1 if absent). */
int ac_contacts_updated_since(ac_client *c, const char *since, ac_contact_cb cb, void *ud, long *total,
                              err_t *e);

/* AC's clock when the latest walk of contacts (any of the paged readers) was answered its first
 * page: the Date header of that answer, epoch ms (whole seconds); 0 when it had none. Every change
 * AC had made before then was in the walk's answers (pages by ascending id read the rows as they
 * are when each page is asked for). */
int64_t ac_walk_date_ms(const ac_client *c);

/* Contacts whose membership of list_id has the given status (listid + status), paged the same way. */
int ac_contacts_of_list(ac_client *c, const char *list_id, int status, ac_contact_cb cb, void *ud,
                        long *total, err_t *e);

/* Contacts that have the tag tag_id (tagid), paged the same way: one walk instead of one
 * contactTags call per contact. */
int ac_contacts_with_tag(ac_client *c, const char *tag_id, ac_contact_cb cb, void *ud, long *total, err_t *e);

/* GET /api/3/contacts/{id}/contactLists. *out is malloc'd (free()), *n its length. */
int ac_contact_lists(ac_client *c, const char *contact_id, ac_contact_list **out, size_t *n, err_t *e);

/* POST /api/3/contactLists {"contactList":{"list","contact","status"}}; status 2 unsubscribes. */
int ac_contact_list_set(ac_client *c, const char *contact_id, const char *list_id, int status, err_t *e);

/* GET /api/3/lists (all pages). */
int ac_lists(ac_client *c, ac_list **out, size_t *n, err_t *e);

/* GET /api/3/tags?search=name, exact (case-insensitive) match: *found 1 and out filled. */
int ac_tag_find(ac_client *c, const char *name, ac_tag *out, int *found, err_t *e);

/* POST /api/3/tags: a contact tag. */
int ac_tag_create(ac_client *c, const char *name, const char *description, ac_tag *out, err_t *e);

/* Find, or create when missing (never a duplicate of an existing name). *created says which. */
int ac_tag_ensure(ac_client *c, const char *name, const char *description, ac_tag *out, int *created,
                  err_t *e);

/* GET /api/3/contacts/{id}/contactTags. */
int ac_contact_tags(ac_client *c, const char *contact_id, ac_contact_tag **out, size_t *n, err_t *e);

/* POST /api/3/contactTags. */
int ac_contact_tag_add(ac_client *c, const char *contact_id, const char *tag_id, err_t *e);

/* GET /api/3/contacts/{id}/bounceLogs. */
int ac_bounce_logs(ac_client *c, const char *contact_id, ac_bounce_log **out, size_t *n, err_t *e);

/* POST /api/3/contact/sync: creates the contact or updates it by email; out (if not NULL) gets
 * the contact AC answers with. first/last may be NULL. */
int ac_contact_sync(ac_client *c, const char *email, const char *first_name, const char *last_name,
                    ac_contact *out, err_t *e);

/* GET /api/3/webhooks (all pages). */
int ac_webhooks(ac_client *c, ac_webhook **out, size_t *n, err_t *e);

/* POST /api/3/webhooks with events and sources (NULL-terminated lists); list_id NULL or "0" for all lists. */
int ac_webhook_create(ac_client *c, const char *name, const char *url, const char *const *events,
                      const char *const *sources, const char *list_id, ac_webhook *out, err_t *e);

#endif
