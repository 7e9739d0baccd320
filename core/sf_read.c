/* sf_read.c - the Salesforce reads the engine makes, typed: Contacts, Leads and person accounts
 * changed since a watermark, by email, by id, and the box's field history, each record handed over
 * as a plain sf_record. The only file that writes optsync's SOQL or names the fields it reads; the
 * raw query and its paging are sf_query.c's.
 *
 * A person account is read once, from Account with its Person* fields (PersonEmail,
 * PersonHasOptedOutOfEmail); its mirror Contact is left out of the Contact reads with
 * IsPersonAccount = false, a filter sent only when the org has the feature (elsewhere the field
 * does not exist and the query would fail). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sf_int.h"
#include "timefmt.h"

/* What each record read brings: the box, who it is, and the times the engine orders by. */
#define RECORD_FIELDS "Id, Email, " SF_BOX_FIELD ", FirstName, LastName, CreatedDate, SystemModstamp"
/* A Lead's conversion: a converted Lead is no longer written; its Contact is. */
#define LEAD_FIELDS ", IsConverted, ConvertedContactId"

/* A person account's fields, named as the Contact fields are in the rest of this file. */
#define PERSON_FIELDS                                                                                        \
	"Id, PersonEmail, " SF_PERSON_BOX_FIELD ", FirstName, LastName, CreatedDate, SystemModstamp, "       \
	"PersonContactId"

static const char *const object_names[SF_OBJECTS] = {"Contact", "Lead", "PersonAccount"};

int sf_object_of_id(const char *id, sf_object *o)
{
	if (!id)
		return -1;
	if (strncmp(id, "003", 3) == 0)
		*o = SF_CONTACT;
	else if (strncmp(id, "00Q", 3) == 0)
		*o = SF_LEAD;
	else if (strncmp(id, "001", 3) == 0)
		*o = SF_PERSON_ACCOUNT;
	else
		return -1;
	return 0;
}

const char *sf_object_name(sf_object o)
{
	return o == SF_LEAD ? object_names[SF_LEAD]
	       : o == SF_PERSON_ACCOUNT ? object_names[SF_PERSON_ACCOUNT]
	                                : object_names[SF_CONTACT];
}

/* The API object and the names of its box, address and history parent. */
static const char *api_object(sf_object o)
{
	return o == SF_PERSON_ACCOUNT ? "Account" : sf_object_name(o);
}

static const char *box_field(sf_object o)
{
	return o == SF_PERSON_ACCOUNT ? SF_PERSON_BOX_FIELD : SF_BOX_FIELD;
}

static const char *email_field(sf_object o)
{
	return o == SF_PERSON_ACCOUNT ? "PersonEmail" : "Email";
}

static const char *history_parent(sf_object o)
{
	return o == SF_LEAD ? "LeadId" : o == SF_PERSON_ACCOUNT ? "AccountId" : "ContactId";
}

void sf_set_person_accounts(sf_client *c, int on)
{
	c->person_accounts = on ? 1 : 0;
}

int sf_has_person_accounts(const sf_client *c)
{
	return c->person_accounts;
}

int sf_person_accounts(sf_client *c, err_t *e)
{
	sf_field_info fi;
	err_t le = {0};
	if (sf_describe_field(c, "Account", "IsPersonAccount", &fi, &le) < 0) {
		/* An org (or a user) without Account at all has no person accounts to read. */
		if (strstr(le.msg, "NOT_FOUND") || strstr(le.msg, "INVALID_TYPE"))
			return 0;
		if (e)
			*e = le;
		return -1;
	}
	return fi.found ? 1 : 0;
}

/* --- one answer row ------------------------------------------------------------------------------- */

int sf_parse_record(json_object *rec, sf_object o, sf_record *out, err_t *e)
{
	const char *name = sf_object_name(o);
	memset(out, 0, sizeof *out);
	out->object = o;
	if (json_get_str(rec, "Id", out->id, sizeof out->id) != 1)
		return err_set(e, ERR_BAD_RESPONSE, "Salesforce: query %s: a record without Id", name);
	int b = 0;
	if (json_get_bool(rec, box_field(o), &b) < 0)
		return err_set(e, ERR_BAD_RESPONSE, "Salesforce: query %s: %s is not a boolean", name,
		               box_field(o));
	out->opted_out = b;
	/* The rest is best effort: a field Salesforce left out or sent oddly reads as empty, and
	 * the engine treats an empty address or time as unknown. */
	b = 0;
	if (json_get_bool(rec, "IsConverted", &b) != 1)
		b = 0;
	out->is_converted = b;
	json_get_str(rec, email_field(o), out->email, sizeof out->email);
	json_get_str(rec, "PersonContactId", out->person_contact_id, sizeof out->person_contact_id);
	json_get_str(rec, "ConvertedContactId", out->converted_contact_id, sizeof out->converted_contact_id);
	json_get_str(rec, "SystemModstamp", out->modstamp, sizeof out->modstamp);
	json_get_str(rec, "CreatedDate", out->created, sizeof out->created);
	json_get_str(rec, "FirstName", out->first_name, sizeof out->first_name);
	json_get_str(rec, "LastName", out->last_name, sizeof out->last_name);
	return 0;
}

int sf_parse_box_change(json_object *row, sf_object o, sf_box_change *out)
{
	char when[SF_TIME_MAX], text[16];
	int b;
	memset(out, 0, sizeof *out);
	json_get_str(row, history_parent(o), out->id, sizeof out->id);
	json_get_str(row, "CreatedDate", when, sizeof when);
	/* NewValue is typed anyType: a boolean, or the text of one. */
	int value = -1;
	if (json_get_bool(row, "NewValue", &b) == 1)
		value = b;
	else if (json_get_str(row, "NewValue", text, sizeof text) == 1)
		value = strcmp(text, "true") == 0 ? 1 : strcmp(text, "false") == 0 ? 0 : -1;
	if (!out->id[0] || value < 0 || timefmt_parse(when, &out->at_ms) < 0)
		return 0;
	out->opted_out = value;
	return 1;
}

/* --- records -------------------------------------------------------------------------------------- */

typedef struct {
	sf_object o;
	sf_read_cb cb;
	void *ud;
} record_walk;

static int on_record(json_object *rec, void *ud, err_t *e)
{
	record_walk *w = ud;
	sf_record r;
	if (sf_parse_record(rec, w->o, &r, e) < 0)
		return -1;
	return w->cb(&r, w->ud, e);
}

/* SELECT the record fields FROM o [WHERE where] ORDER BY SystemModstamp, paged. */
static int read_records(sf_client *c, sf_object o, const char *where, sf_read_cb cb, void *ud, err_t *e)
{
	char soql[1200];
	/* Which rows are people of this kind: the person accounts and the other Contacts apart. */
	const char *kind = "";
	if (o == SF_PERSON_ACCOUNT) {
		if (!c->person_accounts)
			return 0; /* no such records in an org without the feature */
		kind = "IsPersonAccount = true";
	} else if (o == SF_CONTACT && c->person_accounts) {
		kind = "IsPersonAccount = false";
	}
	int w = snprintf(soql, sizeof soql, "SELECT %s%s FROM %s%s%s%s%s ORDER BY SystemModstamp",
	                 o == SF_PERSON_ACCOUNT ? PERSON_FIELDS : RECORD_FIELDS,
	                 o == SF_LEAD ? LEAD_FIELDS : "", api_object(o), kind[0] || where[0] ? " WHERE " : "",
	                 kind, kind[0] && where[0] ? " AND " : "", where);
	if (w < 0 || (size_t)w >= sizeof soql)
		return err_set(e, ERR_INTERNAL, "Salesforce: query %s: query too long", sf_object_name(o));
	record_walk rw = {.o = o, .cb = cb, .ud = ud};
	return sf_query(c, soql, on_record, &rw, NULL, e);
}

int sf_read_changed(sf_client *c, sf_object o, int64_t since_ms, sf_read_cb cb, void *ud, err_t *e)
{
	char where[128] = "";
	if (since_ms >= 0) {
		/* SOQL wants a dateTime literal with Z; SystemModstamp has whole seconds, so ">=" the
		 * start of that second. */
		char lit[32];
		timefmt_iso_ms(since_ms / 1000 * 1000, lit, sizeof lit);
		snprintf(where, sizeof where, "SystemModstamp >= %s", lit);
	}
	return read_records(c, o, where, cb, ud, e);
}

int sf_read_by_email(sf_client *c, sf_object o, const char *email, sf_read_cb cb, void *ud, err_t *e)
{
	char esc[600], where[700];
	if (sf_soql_escape(email, esc, sizeof esc) < 0)
		return err_set(e, ERR_USAGE, "email too long");
	snprintf(where, sizeof where, "%s = '%s'", email_field(o), esc);
	return read_records(c, o, where, cb, ud, e);
}

int sf_read_by_id(sf_client *c, sf_object o, const char *id, sf_read_cb cb, void *ud, err_t *e)
{
	char esc[64], where[128];
	if (sf_soql_escape(id, esc, sizeof esc) < 0)
		return err_set(e, ERR_INTERNAL, "Salesforce id too long");
	snprintf(where, sizeof where, "Id = '%s'", esc);
	return read_records(c, o, where, cb, ud, e);
}

int sf_read_person_by_contact(sf_client *c, const char *contact_id, sf_read_cb cb, void *ud, err_t *e)
{
	char esc[64], where[128];
	if (sf_soql_escape(contact_id, esc, sizeof esc) < 0)
		return err_set(e, ERR_INTERNAL, "Salesforce id too long");
	snprintf(where, sizeof where, "PersonContactId = '%s'", esc);
	return read_records(c, SF_PERSON_ACCOUNT, where, cb, ud, e);
}

/* --- field history -------------------------------------------------------------------------------- */

typedef struct {
	sf_object o;
	sf_box_change_cb cb;
	void *ud;
} history_walk;

static int on_history_row(json_object *row, void *ud, err_t *e)
{
	history_walk *w = ud;
	sf_box_change ch;
	if (sf_parse_box_change(row, w->o, &ch) != 1)
		return 0; /* a row nobody can attribute costs only its own time */
	return w->cb(&ch, w->ud, e);
}

int sf_read_box_history(sf_client *c, sf_object o, const char *const *ids, size_t n, sf_box_change_cb cb,
                        void *ud, err_t *e)
{
	const char *name = api_object(o), *idf = history_parent(o);
	if (n > SF_HISTORY_IDS_MAX)
		return err_set(e, ERR_USAGE, "Salesforce: query %sHistory: %zu ids, at most %d", name, n,
		               SF_HISTORY_IDS_MAX);
	/* 100 ids of 18 characters, quoted and comma-separated, and the rest: well inside. */
	char soql[4096];
	int off = snprintf(soql, sizeof soql,
	                   "SELECT %s, CreatedDate, NewValue FROM %sHistory WHERE Field = '%s' AND %s IN (",
	                   idf, name, box_field(o), idf);
	size_t asked = 0;
	for (size_t i = 0; i < n; i++) {
		char esc[48];
		if (!sf_valid_id(ids[i]) || sf_soql_escape(ids[i], esc, sizeof esc) < 0)
			continue;
		off += snprintf(soql + off, sizeof soql - (size_t)off, "%s'%s'", asked++ ? "," : "", esc);
	}
	if (!asked)
		return 0;
	off += snprintf(soql + off, sizeof soql - (size_t)off, ") ORDER BY CreatedDate DESC");
	if ((size_t)off >= sizeof soql)
		return err_set(e, ERR_INTERNAL, "Salesforce: query %sHistory: query too long", name);
	history_walk w = {.o = o, .cb = cb, .ud = ud};
	err_t le = {0};
	int rc = sf_query(c, soql, on_history_row, &w, NULL, &le);
	if (rc < 0 && e)
		*e = le;
	/* Without history tracking on the object Salesforce has no such type. */
	return rc < 0 && strstr(le.msg, "INVALID_TYPE") ? 1 : rc;
}

/* --- describe ------------------------------------------------------------------------------------- */

int sf_describe_box(sf_client *c, sf_object o, sf_field_info *out, err_t *e)
{
	return sf_describe_field(c, api_object(o), box_field(o), out, e);
}
