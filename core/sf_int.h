/* sf_int.h - what the parts of the Salesforce client share (sf.c, sf_auth.c, sf_query.c,
 * sf_read.c, sf_write.c); not for callers outside the client (the tests read it). */
#ifndef OPTSYNC_SF_INT_H
#define OPTSYNC_SF_INT_H

#include "sf.h"

/* Redaction slots. */
enum { SEC_CLIENT_SECRET, SEC_ACCESS, SEC_REFRESH, SEC_VERIFIER, SEC_CODE, SEC_OLD_REFRESH };

struct sf_client {
	http_client *h;
	sf_options o;
	char login[512];
	char client_id[256];
	char *client_secret;
	char *refresh;
	char version[16];
	char instance[512];
	char *token;
	long token_requests;
	long api_used, api_max;
	sf_token_cb on_token;
	void *on_token_ud;
	int once;         /* the next data call gets one attempt only (a POST that creates) */
	char user_id[24]; /* the integration user, from the token answer's identity URL ("" unknown) */
	int person_accounts; /* the org has Person Accounts (sf_set_person_accounts): shapes the SOQL */
};

/* sf.c */
/* Salesforce error bodies (OAuth, REST, a single object) as "CODE: message" in out. */
void sf_detail(const char *body, size_t len, char *out, size_t n);
/* An API name: letters, digits, underscores, at most max characters. */
int sf_valid_name(const char *s, size_t max);
/* A record or job id: 15 or 18 alphanumerics. */
int sf_valid_id(const char *s);
/* Keeps the API usage of a Sforce-Limit-Info header ("api-usage=25/5000"). */
void sf_note_limit_info(sf_client *c, const char *v);

/* sf_auth.c: sf_authenticate (sf.h) is what the calls below use. */

/* sf_query.c */
/* Sends method to instance_url + path with the bearer token; gets a token first if there is none,
 * and on 401 one new token and one more try. rs is filled as by http_do. */
int sf_call(sf_client *c, const char *method, const char *path, const char *body, const char *ctype,
            const char *accept, const char *op, http_response *rs, err_t *e);
/* sf_call with a JSON answer parsed into *out (the caller puts it). */
int sf_json(sf_client *c, const char *method, const char *path, const char *body, const char *op,
            json_object **out, err_t *e);
/* ERR_BAD_RESPONSE "Salesforce: op: unexpected response: what". Returns -1. */
int sf_bad(sf_client *c, err_t *e, const char *op, const char *what);

/* sf_read.c: the readers of one answer row, apart from the call so that tests and the fuzz target
 * reach them. */
/* One query record of object o into out: 0, or -1 with e (ERR_BAD_RESPONSE) for a record without
 * a string Id or with a box that is not a boolean; other fields read "" / 0 when unusable. */
int sf_parse_record(json_object *rec, sf_object o, sf_record *out, err_t *e);
/* One {Object}History row of the box: 1 a change, 0 a row without record id, true/false value or
 * readable time (nothing to attribute). */
int sf_parse_box_change(json_object *row, sf_object o, sf_box_change *out);

#endif
