/* sf_stream.c - the Bayeux client of Salesforce's Streaming API: handshake, subscribe (replay
 * extension), long-poll connect, advice; change events typed into sf_change_event; PushTopic
 * creation. Everything goes through sf_call, so the token, its refresh on 401 and the instance
 * URL are the Salesforce client's. */
#include "sf_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sf_int.h"
#include "timefmt.h"

/* A string member, or NULL (any other type is no string). */
static const char *jstr(json_object *o, const char *key)
{
	json_object *v = json_get(o, key, json_type_string);
	return v ? json_object_get_string(v) : NULL;
}

struct sf_stream {
	sf_client *c;
	char path[32]; /* /cometd/62.0 */
	char client_id[128];
	long msg_id;
	long interval_ms;
	sf_stream_refusal why;
};

sf_stream *sf_stream_open(sf_client *c, long long_poll_s, err_t *e)
{
	sf_stream *st = calloc(1, sizeof *st);
	if (!st) {
		err_set(e, ERR_INTERNAL, "Salesforce: streaming: out of memory");
		return NULL;
	}
	st->c = c;
	snprintf(st->path, sizeof st->path, "/cometd/%s", c->version[0] == 'v' ? c->version + 1 : c->version);
	/* One attempt per call: a connect that timed out is simply made again, and a retried
	 * handshake would leave a client behind on the server. The call may take as long as the
	 * server holds it, plus a margin. */
	http_options o = *http_get_options(c->h);
	o.timeout_ms = (long_poll_s > 0 ? long_poll_s : 110) * 1000 + 15000;
	o.retries = 0;
	o.cookies = 1;
	o.system = NULL; /* kept: it points at the client's own copy */
	http_set_options(c->h, &o);
	return st;
}

void sf_stream_close(sf_stream *st)
{
	free(st);
}

sf_stream_refusal sf_stream_why(const sf_stream *st)
{
	return st->why;
}

long sf_stream_interval_ms(const sf_stream *st)
{
	return st->interval_ms;
}

static int fail(sf_stream *st, sf_stream_refusal why, err_t *e, err_kind kind, const char *op,
                const char *fmt, const char *detail)
{
	st->why = why;
	return err_set(e, kind, "Salesforce: %s: %s%s", op, fmt, detail ? detail : "");
}

/* Sends an array of Bayeux messages; *out is the answer array. */
static int exchange(sf_stream *st, json_object *msgs, const char *op, json_object **out, err_t *e)
{
	const char *body = json_object_to_json_string_ext(msgs, JSON_C_TO_STRING_PLAIN);
	http_response rs;
	memset(&rs, 0, sizeof rs);
	int rc = sf_call(st->c, "POST", st->path, body, "application/json", "application/json", op, &rs, e);
	json_object_put(msgs);
	if (rc < 0) {
		st->why = e->http_status == 401   ? SF_STREAM_AUTH
		          : e->http_status == 403 ? SF_STREAM_UNKNOWN_CLIENT
		          : e->http_status == 400 ? SF_STREAM_REFUSED
		                                  : SF_STREAM_TRANSPORT;
		http_response_free(&rs);
		return -1;
	}
	json_object *j = NULL;
	rc = http_json(st->c->h, &rs, op, &j, e);
	http_response_free(&rs);
	if (rc < 0) {
		st->why = SF_STREAM_TRANSPORT;
		return -1;
	}
	if (!json_object_is_type(j, json_type_array)) {
		json_object_put(j);
		st->why = SF_STREAM_TRANSPORT;
		return sf_bad(st->c, e, op, "not an array of Bayeux messages");
	}
	*out = j;
	return 0;
}

static json_object *message(sf_stream *st, const char *channel)
{
	json_object *m = json_object_new_object();
	json_object_object_add(m, "channel", json_object_new_string(channel));
	char id[24];
	snprintf(id, sizeof id, "%ld", ++st->msg_id);
	json_object_object_add(m, "id", json_object_new_string(id));
	if (st->client_id[0])
		json_object_object_add(m, "clientId", json_object_new_string(st->client_id));
	return m;
}

static json_object *wrap(json_object *m)
{
	json_object *a = json_object_new_array();
	json_object_array_add(a, m);
	return a;
}

/* Reads advice and the meta answer of channel in ans; 1 found and successful, 0 found and failed
 * (error text in err), -1 missing. */
static int meta_answer(sf_stream *st, json_object *ans, const char *channel, char *err, size_t n)
{
	int found = -1;
	size_t len = json_object_array_length(ans);
	for (size_t i = 0; i < len; i++) {
		json_object *m = json_object_array_get_idx(ans, i);
		const char *ch = jstr(m, "channel");
		if (!ch || strcmp(ch, channel) != 0)
			continue;
		json_object *adv;
		if (json_object_object_get_ex(m, "advice", &adv) &&
		    json_object_is_type(adv, json_type_object)) {
			json_object *v;
			if (json_object_object_get_ex(adv, "interval", &v))
				st->interval_ms = json_object_get_int64(v);
			const char *rc = jstr(adv, "reconnect");
			if (rc && strcmp(rc, "handshake") == 0)
				st->why = SF_STREAM_UNKNOWN_CLIENT;
			else if (rc && strcmp(rc, "none") == 0)
				st->why = SF_STREAM_AUTH;
		}
		json_object *ok;
		found = json_object_object_get_ex(m, "successful", &ok) && json_object_get_boolean(ok);
		const char *er = jstr(m, "error");
		snprintf(err, n, "%s", er ? er : "refused without a reason");
		if (found)
			break;
	}
	return found;
}

/* The kind of refusal an error text names ("403::Unknown client", "400::The replayId ..."). */
static sf_stream_refusal classify(const char *err, sf_stream_refusal advised)
{
	if (strstr(err, "daily limit exceeded"))
		return SF_STREAM_ALLOCATION;
	if (strstr(err, "Unknown client") || strstr(err, "nknown client"))
		return SF_STREAM_UNKNOWN_CLIENT;
	if (strstr(err, "replayId") || strstr(err, "replay"))
		return SF_STREAM_REPLAY_INVALID;
	if (strncmp(err, "401", 3) == 0 || advised == SF_STREAM_AUTH)
		return SF_STREAM_AUTH;
	if (advised == SF_STREAM_UNKNOWN_CLIENT)
		return SF_STREAM_UNKNOWN_CLIENT;
	return SF_STREAM_REFUSED;
}

int sf_stream_handshake(sf_stream *st, err_t *e)
{
	st->why = SF_STREAM_OK;
	st->client_id[0] = '\0';
	json_object *m = message(st, "/meta/handshake");
	json_object_object_add(m, "version", json_object_new_string("1.0"));
	json_object_object_add(m, "minimumVersion", json_object_new_string("1.0"));
	json_object *types = json_object_new_array();
	json_object_array_add(types, json_object_new_string("long-polling"));
	json_object_object_add(m, "supportedConnectionTypes", types);
	json_object *ans;
	if (exchange(st, wrap(m), "streaming handshake", &ans, e) < 0)
		return -1;
	char err[256];
	int ok = meta_answer(st, ans, "/meta/handshake", err, sizeof err);
	if (ok == 1) {
		size_t len = json_object_array_length(ans);
		for (size_t i = 0; i < len; i++) {
			const char *id = jstr(json_object_array_get_idx(ans, i), "clientId");
			if (id && strlen(id) < sizeof st->client_id)
				snprintf(st->client_id, sizeof st->client_id, "%s", id);
		}
	}
	json_object_put(ans);
	if (ok < 0)
		return fail(st, SF_STREAM_TRANSPORT, e, ERR_BAD_RESPONSE, "streaming handshake",
		            "no /meta/handshake answer", NULL);
	if (ok == 0)
		return fail(st, classify(err, st->why) == SF_STREAM_AUTH ? SF_STREAM_AUTH : SF_STREAM_REFUSED,
		            e, ERR_AUTH, "streaming handshake", "refused: ", err);
	if (!st->client_id[0])
		return fail(st, SF_STREAM_TRANSPORT, e, ERR_BAD_RESPONSE, "streaming handshake",
		            "no clientId", NULL);
	st->why = SF_STREAM_OK;
	return 0;
}

int sf_stream_subscribe(sf_stream *st, const char *channel, int64_t replay, err_t *e)
{
	st->why = SF_STREAM_OK;
	json_object *m = message(st, "/meta/subscribe");
	json_object_object_add(m, "subscription", json_object_new_string(channel));
	json_object *ext = json_object_new_object(), *rp = json_object_new_object();
	json_object_object_add(rp, channel, json_object_new_int64(replay));
	json_object_object_add(ext, "replay", rp);
	json_object_object_add(m, "ext", ext);
	char op[128];
	snprintf(op, sizeof op, "subscribe %s", channel);
	json_object *ans;
	if (exchange(st, wrap(m), op, &ans, e) < 0)
		return -1;
	char err[256];
	int ok = meta_answer(st, ans, "/meta/subscribe", err, sizeof err);
	json_object_put(ans);
	if (ok < 0)
		return fail(st, SF_STREAM_TRANSPORT, e, ERR_BAD_RESPONSE, op, "no /meta/subscribe answer",
		            NULL);
	if (ok == 0) {
		sf_stream_refusal why = classify(err, st->why);
		return fail(st, why, e, why == SF_STREAM_REPLAY_INVALID ? ERR_INVALID_REQUEST : ERR_AUTH, op,
		            "refused: ", err);
	}
	st->why = SF_STREAM_OK;
	return 0;
}

/* Whether a changeOrigin ("com/salesforce/api/<API>/<version>;client=<id>") names optsync's client
 * id; the id is compared whole, so "client=optsync2" is someone else. */
static int origin_is_ours(const char *origin)
{
	const char *c = origin ? strstr(origin, ";client=") : NULL;
	if (!c)
		return 0;
	c += 8;
	size_t n = strcspn(c, ";, ");
	return n == strlen(SF_CALL_CLIENT) && strncmp(c, SF_CALL_CLIENT, n) == 0;
}

static void parse_ids(json_object *arr, sf_change_event *out)
{
	size_t n = json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
	for (size_t i = 0; i < n; i++) {
		const char *id = json_object_get_string(json_object_array_get_idx(arr, i));
		if (!id || !sf_valid_id(id)) {
			out->more_ids = 1; /* a wildcard (001*) or something unusable: read them all */
			continue;
		}
		if (out->n_ids == SF_STREAM_IDS) {
			out->more_ids = 1;
			continue;
		}
		snprintf(out->ids[out->n_ids++], sizeof out->ids[0], "%s", id);
	}
}

int sf_stream_parse_event(json_object *msg, sf_change_event *out)
{
	memset(out, 0, sizeof *out);
	const char *ch = jstr(msg, "channel");
	json_object *data = NULL, *event = NULL, *v = NULL;
	if (!ch || strncmp(ch, "/meta/", 6) == 0 || !json_object_object_get_ex(msg, "data", &data) ||
	    !json_object_is_type(data, json_type_object))
		return 0;
	snprintf(out->channel, sizeof out->channel, "%s", ch);
	if (json_object_object_get_ex(data, "event", &event) &&
	    json_object_object_get_ex(event, "replayId", &v))
		out->replay = json_object_get_int64(v);
	json_object *payload, *h, *so;
	if (json_object_object_get_ex(data, "payload", &payload) &&
	    json_object_object_get_ex(payload, "ChangeEventHeader", &h)) {
		const char *ent = jstr(h, "entityName");
		if (!ent)
			return 0;
		if (strcmp(ent, "Contact") == 0)
			out->object = SF_CONTACT;
		else if (strcmp(ent, "Lead") == 0)
			out->object = SF_LEAD;
		else if (strcmp(ent, "Account") == 0)
			out->object = SF_PERSON_ACCOUNT;
		else
			return 0;
		const char *ct = jstr(h, "changeType");
		snprintf(out->change, sizeof out->change, "%s", ct ? ct : "");
		if (json_object_object_get_ex(h, "recordIds", &v))
			parse_ids(v, out);
		if (json_object_object_get_ex(h, "commitTimestamp", &v))
			out->commit_ms = json_object_get_int64(v);
		/* An UPDATE names its fields; every other kind (CREATE, UNDELETE, GAP_*) can carry a box
		 * that optsync has not seen, so it is a reason to read the record. */
		out->box_changed = 1;
		if (ct && strcmp(ct, "UPDATE") == 0 && json_object_object_get_ex(h, "changedFields", &v) &&
		    json_object_is_type(v, json_type_array)) {
			out->box_changed = 0;
			size_t n = json_object_array_length(v);
			for (size_t i = 0; i < n; i++) {
				const char *f = json_object_get_string(json_object_array_get_idx(v, i));
				/* an Account event names the person account's box by its Person name */
				if (f && strcmp(f, out->object == SF_PERSON_ACCOUNT ? SF_PERSON_BOX_FIELD
				                                                    : SF_BOX_FIELD) == 0)
					out->box_changed = 1;
			}
		}
		if (ct && strcmp(ct, "DELETE") == 0)
			out->box_changed = 0;
		/* "com/salesforce/api/rest/62.0;client=optsync": optsync's own write coming back. Its
		 * run has stored what it wrote, so the echo is not read again (a gap event still is). */
		out->ours = origin_is_ours(jstr(h, "changeOrigin"));
		if (out->ours && strncmp(out->change, "GAP_", 4) != 0)
			out->box_changed = 0;
		return out->n_ids > 0 || out->more_ids;
	}
	if (json_object_object_get_ex(data, "sobject", &so)) {
		const char *id = jstr(so, "Id");
		if (!id || !sf_valid_id(id) || sf_object_of_id(id, &out->object) < 0)
			return 0;
		snprintf(out->ids[0], sizeof out->ids[0], "%s", id);
		out->n_ids = 1;
		const char *type = event ? jstr(event, "type") : NULL;
		snprintf(out->change, sizeof out->change, "%s", type ? type : "");
		const char *when = event ? jstr(event, "createdDate") : NULL;
		int64_t ms;
		if (when && timefmt_parse(when, &ms) == 0)
			out->commit_ms = ms;
		out->box_changed = !(type && strcmp(type, "deleted") == 0);
		return 1;
	}
	return 0;
}

int sf_stream_connect(sf_stream *st, sf_change_cb cb, void *ud, err_t *e)
{
	st->why = SF_STREAM_OK;
	json_object *m = message(st, "/meta/connect");
	json_object_object_add(m, "connectionType", json_object_new_string("long-polling"));
	json_object *ans;
	if (exchange(st, wrap(m), "streaming connect", &ans, e) < 0)
		return -1;
	int n = 0, rc = 0;
	size_t len = json_object_array_length(ans);
	for (size_t i = 0; i < len && rc == 0; i++) {
		sf_change_event ev;
		if (sf_stream_parse_event(json_object_array_get_idx(ans, i), &ev) == 1) {
			n++;
			rc = cb(&ev, ud, e);
		}
	}
	char err[256];
	int ok = meta_answer(st, ans, "/meta/connect", err, sizeof err);
	json_object_put(ans);
	if (rc < 0)
		return -1;
	if (ok == 0) {
		sf_stream_refusal why = classify(err, st->why);
		return fail(st, why, e, ERR_AUTH, "streaming connect", "refused: ", err);
	}
	/* events with no connect answer in the same array are fine: it comes on the next one */
	st->why = SF_STREAM_OK;
	return n;
}

int sf_pushtopic_ensure(sf_client *c, const char *name, sf_object o, err_t *e)
{
	json_object *b = json_object_new_object();
	char q[160];
	/* PushTopic fires for a person account on the Account only; business accounts stay out */
	if (o == SF_PERSON_ACCOUNT)
		snprintf(q, sizeof q,
		         "SELECT Id, " SF_PERSON_BOX_FIELD " FROM Account WHERE IsPersonAccount = true");
	else
		snprintf(q, sizeof q, "SELECT Id, " SF_BOX_FIELD " FROM %s", sf_object_name(o));
	json_object_object_add(b, "Name", json_object_new_string(name));
	json_object_object_add(b, "Query", json_object_new_string(q));
	json_object_object_add(b, "ApiVersion", json_object_new_double(atof(c->version + 1)));
	json_object_object_add(b, "NotifyForOperationCreate", json_object_new_boolean(1));
	json_object_object_add(b, "NotifyForOperationUpdate", json_object_new_boolean(1));
	json_object_object_add(b, "NotifyForOperationUndelete", json_object_new_boolean(1));
	json_object_object_add(b, "NotifyForOperationDelete", json_object_new_boolean(0));
	json_object_object_add(b, "NotifyForFields", json_object_new_string("Referenced"));
	char path[64];
	snprintf(path, sizeof path, "/services/data/%s/sobjects/PushTopic", c->version);
	http_response rs;
	memset(&rs, 0, sizeof rs);
	int rc = sf_call(c, "POST", path, json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN),
	                 "application/json", "application/json", "create PushTopic", &rs, e);
	json_object_put(b);
	/* the topic is there from an earlier start: that is what we wanted */
	if (rc < 0 && rs.body && strstr(rs.body, "DUPLICATE_VALUE")) {
		err_clear(e);
		rc = 0;
	}
	http_response_free(&rs);
	return rc;
}
