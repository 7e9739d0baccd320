/* sf.h - Salesforce REST client: OAuth (client_credentials, refresh_token, web-server flow with PKCE:
 * sf_auth.c), the raw SOQL query, describe and limits (sf_query.c), the typed reads the engine uses
 * (sf_read.c: sf_record, the box's field history; the only home of optsync's SOQL and of the field
 * names it reads), sObject Collections updates and Bulk API 2.0 ingest (sf_write.c); the client
 * itself in sf.c. */
#ifndef OPTSYNC_SF_H
#define OPTSYNC_SF_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "err.h"
#include "http.h"

#define SF_DEFAULT_API_VERSION "v62.0"
#define SF_ID_MAX 19 /* 18 characters and the NUL */

typedef struct sf_client sf_client;

typedef struct {
	const char *login_url; /* https://login.salesforce.com, https://test..., a My Domain URL */
	const char *client_id;
	const char *client_secret;
	const char *refresh_token; /* NULL or "": client_credentials grant */
	const char *api_version;   /* NULL or "": v62.0 */
	const char *access_token;  /* NULL or "": none kept; else used until Salesforce answers 401 */
	const char *instance_url;  /* where access_token is good (needed with it) */
} sf_config;

/* A token just obtained. refresh_token is the new refresh token when the answer brought one that
 * replaces the one in use (rotation, or the first one from the web-server flow), else NULL. */
typedef struct {
	const char *access_token;
	const char *instance_url;
	const char *refresh_token;
	long long issued_at_ms; /* Salesforce's issued_at, 0 when it sent none */
} sf_token;

/* Called after every token grant, before the token is used. Returning -1 (with e) fails the grant:
 * the client drops the token rather than run on one whose rotation was not kept. */
typedef int (*sf_token_cb)(const sf_token *t, void *ud, err_t *e);

typedef struct {
	http_options http;     /* timeouts, retries, caps; system and detail are set by the client */
	int bulk_threshold;    /* more updates than this go through Bulk API 2.0 (default 2000) */
	int chunk;             /* records per composite call (default and maximum 200) */
	int lock_retries;      /* resends of records that failed with a transient code (default 1) */
	long lock_retry_ms;    /* wait before such a resend (default 500) */
	long bulk_poll_ms;     /* job state polling interval (default 2000) */
	long bulk_max_wait_ms; /* give up waiting for a job after this (default 600000) */
} sf_options;

typedef struct {
	long calls;        /* requests sent, token requests and retries included */
	long rate_limited; /* 429 answers */
	long retries;
	long token_requests; /* tokens obtained (first one and refreshes) */
	long api_used;       /* last Sforce-Limit-Info api-usage, -1 until seen */
	long api_max;
} sf_stats;

/* Defaults as documented on each field. */
void sf_options_default(sf_options *o);

/* Copies the configuration; no request is made. ERR_CONFIG when something required is missing or
 * the login URL is http:// to a host that is not this machine. */
sf_client *sf_open(const sf_config *cfg, err_t *e);
sf_client *sf_open_opts(const sf_config *cfg, const sf_options *o, err_t *e);
void sf_close(sf_client *c);

/* Gets an access token: POST {login}/services/oauth2/token, grant refresh_token when the config has
 * one, client_credentials otherwise. Errors read "Salesforce: token: invalid_client: ..." (ERR_AUTH). */
int sf_authenticate(sf_client *c, err_t *e);

/* Registers the token keeper (NULL: none). */
void sf_on_token(sf_client *c, sf_token_cb cb, void *ud);

/* The instance_url of the current token ("" before the first one). */
const char *sf_instance_url(const sf_client *c);

/* Counters and the last api-usage seen. */
void sf_get_stats(const sf_client *c, sf_stats *s);

/* Last Sforce-Limit-Info "api-usage=USED/MAX": returns 0 and fills used/max, or -1 if none seen yet. */
int sf_api_usage(const sf_client *c, long *used, long *max);

/* GET /limits: DailyApiRequests Max and Remaining. */
int sf_limits(sf_client *c, long *daily_max, long *daily_remaining, err_t *e);

/* One row of /limits by its name (DailyApiRequests, DailyDeliveredPlatformEvents, ...). */
typedef struct {
	const char *name;
	long max, remaining;
	int found; /* 0: the org's answer has no such row (an edition or API version without it) */
} sf_limit;

/* GET /limits once and fills each of the n rows by name. */
int sf_limits_get(sf_client *c, sf_limit *rows, size_t n, err_t *e);

/* --- web-server flow with PKCE (the dashboard's "Connect Salesforce" button) --------------------- */

typedef struct {
	char verifier[64]; /* keep server-side (session) until the callback; never in a URL or a log */
	char state[48];    /* compare with sf_pkce_state_ok on the callback */
	char url[4096];    /* where to send the browser */
} sf_pkce;

/* Fresh verifier (32 random bytes, base64url) and state (24 random bytes), and the authorize URL
 * {login}/services/oauth2/authorize?response_type=code&client_id&redirect_uri&state
 * &code_challenge=BASE64URL(SHA256(verifier))&code_challenge_method=S256. */
int sf_pkce_begin(const sf_config *cfg, const char *redirect_uri, sf_pkce *out, err_t *e);

/* 1 if got equals expected (constant time), 0 otherwise or when either is empty. */
int sf_pkce_state_ok(const char *expected, const char *got);

/* Exchanges the code (grant authorization_code with code_verifier); on success the client holds the
 * token and instance_url, uses the refresh token from now on, and copies it to refresh_token. */
int sf_pkce_exchange(sf_client *c, const char *code, const char *redirect_uri, const char *verifier,
                     char *refresh_token, size_t n, err_t *e);

/* --- raw queries (sf_query.c) ---------------------------------------------------------------------
 * The client's own files and the tests send SOQL through these; the engine reads through the typed
 * calls below, so that SOQL and field names stay in the client. */

/* Called once per record (a JSON object: the fields of the SELECT, plus "attributes"). The object
 * lives until the callback returns. Return 0 to go on, 1 to stop (sf_query returns 0), -1 to
 * abort (fill e). */
typedef int (*sf_record_cb)(json_object *rec, void *ud, err_t *e);

/* Runs soql through /query, following nextRecordsUrl page by page (one page in memory at a time).
 * *total (if not NULL) gets totalSize. */
int sf_query(sf_client *c, const char *soql, sf_record_cb cb, void *ud, long *total, err_t *e);

/* Escapes s for use inside a SOQL string literal ('...'): backslash, quotes, newline, CR, tab, and
 * the other escapes SOQL knows. Returns 0, or -1 when out (capacity n) is too small. */
int sf_soql_escape(const char *s, char *out, size_t n);

/* Field readers for records: 1 read, 0 missing or null, -1 wrong type (see json_get_*). */
int sf_rec_str(json_object *rec, const char *field, char *out, size_t n);
int sf_rec_bool(json_object *rec, const char *field, int *out);

/* --- typed reads (sf_read.c) ----------------------------------------------------------------------- */

/* The objects optsync keeps in sync. SF_PERSON_ACCOUNT: an Account of a person record type (orgs
 * with Person Accounts), read and written on the Account under its Person* fields; its mirror
 * Contact is never read as a Contact (see sf_read_changed). */
typedef enum { SF_CONTACT = 0, SF_LEAD = 1, SF_PERSON_ACCOUNT = 2 } sf_object;
#define SF_OBJECTS 3

/* The checkbox optsync syncs (Email Opt Out), for messages that name it to an admin. */
#define SF_BOX_FIELD "HasOptedOutOfEmail"
/* The client id optsync names itself by in Sforce-Call-Options on every data call; Salesforce
 * puts it in a change event's ChangeEventHeader.changeOrigin, so the stream knows its own echoes. */
#define SF_CALL_CLIENT "optsync"

/* The box on a person account (Account.PersonHasOptedOutOfEmail). */
#define SF_PERSON_BOX_FIELD "PersonHasOptedOutOfEmail"

/* "Contact", "Lead" or "PersonAccount": the name the store and the log keep (for the first two
 * the API name; a person account's API object is Account). */
const char *sf_object_name(sf_object o);
/* The object a record id names by its key prefix: 003 Contact, 00Q Lead, 001 an Account (read as a
 * person account: a business account's id then finds no record). 0, or -1 for any other prefix. */
int sf_object_of_id(const char *id, sf_object *o);

#define SF_EMAIL_MAX 256
#define SF_NAME_MAX 128
#define SF_TIME_MAX 40

/* One Contact or Lead as the engine reads it. Strings are as Salesforce sent them, "" when missing,
 * null or longer than their field; times in Salesforce's form ("2026-11-26T15:04:05.000+0000"). */
typedef struct {
	sf_object object;
	char id[SF_ID_MAX];
	char email[SF_EMAIL_MAX]; /* not normalised */
	int opted_out;            /* the box (SF_BOX_FIELD); 0 when missing */
	int is_converted;         /* Leads: converted (then converted_contact_id names the Contact) */
	char converted_contact_id[SF_ID_MAX];
	char person_contact_id[SF_ID_MAX]; /* person accounts: PersonContactId, its mirror Contact */
	char first_name[SF_NAME_MAX];
	char last_name[SF_NAME_MAX];
	char created[SF_TIME_MAX];  /* CreatedDate */
	char modstamp[SF_TIME_MAX]; /* SystemModstamp: the last change of any field */
} sf_record;

/* Called once per record, in the order the read documents. Return 0 to go on, 1 to stop (the read
 * returns 0), -1 to abort (fill e). */
typedef int (*sf_read_cb)(const sf_record *r, void *ud, err_t *e);

/* No watermark: sf_read_changed reads every record. */
#define SF_SINCE_ALL ((int64_t)-1)

/* The records of object o changed at or after since_ms (epoch ms; SF_SINCE_ALL: all of them),
 * oldest change first (ORDER BY SystemModstamp), page by page (one page in memory). SystemModstamp
 * has whole seconds: the read starts at the second of since_ms, so it re-reads the records of that
 * second. A record without Id, or whose box is not a boolean, fails the read (ERR_BAD_RESPONSE). */
int sf_read_changed(sf_client *c, sf_object o, int64_t since_ms, sf_read_cb cb, void *ud, err_t *e);

/* Tells the reads whether the org has Person Accounts (sf_person_accounts). On: Contact reads
 * leave the mirror Contacts out (IsPersonAccount = false) and SF_PERSON_ACCOUNT reads Account WHERE
 * IsPersonAccount = true. Off (the default): the Contact SOQL is exactly as without the feature
 * (IsPersonAccount does not exist there) and SF_PERSON_ACCOUNT reads nothing, sending nothing. */
void sf_set_person_accounts(sf_client *c, int on);

/* Whether the org has Person Accounts: Account's describe lists IsPersonAccount. Returns 1 or 0, -1
 * with e when the describe failed. */
int sf_person_accounts(sf_client *c, err_t *e);

/* What sf_set_person_accounts last said (0 before). */
int sf_has_person_accounts(const sf_client *c);

/* The records of object o whose Email is email (Salesforce compares it case-insensitively); the
 * address is escaped for SOQL (ERR_USAGE when it is too long for that). */
int sf_read_by_email(sf_client *c, sf_object o, const char *email, sf_read_cb cb, void *ud, err_t *e);

/* The person account whose mirror Contact (PersonContactId) is contact_id: a Lead converted into a
 * person account names that Contact. Nothing when the org has no Person Accounts. */
int sf_read_person_by_contact(sf_client *c, const char *contact_id, sf_read_cb cb, void *ud, err_t *e);

/* The record of object o with this id (none: cb is not called). */
int sf_read_by_id(sf_client *c, sf_object o, const char *id, sf_read_cb cb, void *ud, err_t *e);

/* One change of the box from field history: the record, the value it got, when. */
typedef struct {
	char id[SF_ID_MAX];
	int opted_out;
	int64_t at_ms;
} sf_box_change;

typedef int (*sf_box_change_cb)(const sf_box_change *ch, void *ud, err_t *e);

/* Ids one history read may ask about (the SOQL IN list stays well under the URL limits). */
#define SF_HISTORY_IDS_MAX 100

/* The box's changes on these records of object o, from {Object}History, newest first (ORDER BY
 * CreatedDate DESC). Rows that name no record, value or readable time are skipped; ids that are not
 * Salesforce ids (15 or 18 letters and digits) are not asked about. Returns 0; 1 when the org keeps
 * no history for o (tracking off: Salesforce knows no such type, INVALID_TYPE), e filled too; -1
 * with e on any other failure, or more than SF_HISTORY_IDS_MAX ids (ERR_USAGE). */
int sf_read_box_history(sf_client *c, sf_object o, const char *const *ids, size_t n, sf_box_change_cb cb,
                        void *ud, err_t *e);

/* --- describe ------------------------------------------------------------------------------------- */

typedef struct {
	int found; /* the field exists and this user can see it */
	int updateable;
	char type[32]; /* "boolean" */
} sf_field_info;

/* GET /sobjects/{object}/describe and looks up field. */
int sf_describe_field(sf_client *c, const char *object, const char *field, sf_field_info *out, err_t *e);

/* sf_describe_field for the box on object o (sf_read.c). */
int sf_describe_box(sf_client *c, sf_object o, sf_field_info *out, err_t *e);

/* --- updates -------------------------------------------------------------------------------------- */

typedef struct {
	const char *object; /* "Contact" or "Lead" */
	const char *id;     /* 15 or 18 characters */
	int value;          /* the boolean to write */
} sf_update;

typedef enum {
	SF_RES_NOT_SENT = 0, /* no answer for this record (the call failed): try again later */
	SF_RES_OK,
	SF_RES_FAILED, /* a permanent refusal (code says why) */
	SF_RES_RETRY   /* a transient refusal (UNABLE_TO_LOCK_ROW ...): try again later */
} sf_res_status;

typedef struct {
	sf_res_status status;
	char code[64]; /* statusCode of the first error, "" when OK */
	char message[256];
} sf_result;

/* Sets field to u[i].value on each record and fills res[i] (same order). Up to bulk_threshold
 * updates go through PATCH /composite/sobjects (allOrNone false, chunks of 200, results read by
 * position), more through one Bulk API 2.0 job per object. Records refused with a transient code are
 * resent up to lock_retries times. Returns 0 when every call was answered (per-record refusals are in
 * res), -1 with e when a call failed; records it did not reach stay SF_RES_NOT_SENT. */
int sf_update_bool(sf_client *c, const char *field, const sf_update *u, size_t n, sf_result *res, err_t *e);

/* The two ways, for callers and tests that want one of them. */
int sf_composite_update_bool(sf_client *c, const char *field, const sf_update *u, size_t n, sf_result *res,
                             err_t *e);
int sf_bulk_update_bool(sf_client *c, const char *field, const sf_update *u, size_t n, sf_result *res,
                        err_t *e);

/* 1 for record error codes that may succeed if tried again later. */
int sf_error_is_transient(const char *code);

#endif
