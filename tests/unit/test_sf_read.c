/* test_sf_read.c - the Salesforce client's typed reads without a server: query records and history
 * rows into sf_record / sf_box_change (well-formed, missing and hostile fields), and the SOQL
 * literal escaping every value in a WHERE clause goes through. The calls on the wire (the SOQL
 * sent, paging, INVALID_TYPE) are in test_http.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sf_int.h"
#include "timefmt.h"

/* --- records -------------------------------------------------------------------------------------- */

static int parse(const char *json, sf_object o, sf_record *r, err_t *e)
{
	json_object *j = json_tokener_parse(json);
	memset(e, 0, sizeof *e);
	int rc = sf_parse_record(j, o, r, e);
	json_object_put(j);
	return rc;
}

/* A person account comes with its Person names: the box and address are those, not the Contact's. */
static void record_person_account(void **state)
{
	(void)state;
	sf_record r;
	err_t e;
	assert_int_equal(parse("{\"attributes\":{\"type\":\"Account\"},\"Id\":\"001000000000001AAA\","
	                       "\"PersonEmail\":\"pat@example.com\",\"PersonHasOptedOutOfEmail\":true,"
	                       "\"HasOptedOutOfEmail\":false,\"FirstName\":\"Pat\",\"LastName\":\"Person\","
	                       "\"PersonContactId\":\"003000000000007AAA\"}",
	                       SF_PERSON_ACCOUNT, &r, &e),
	                 0);
	assert_int_equal(r.object, SF_PERSON_ACCOUNT);
	assert_string_equal(r.email, "pat@example.com");
	assert_int_equal(r.opted_out, 1);
	assert_string_equal(r.person_contact_id, "003000000000007AAA");
	assert_string_equal(sf_object_name(SF_PERSON_ACCOUNT), "PersonAccount");
	/* the Contact's box name on an Account row is not the person account's box */
	assert_int_equal(parse("{\"Id\":\"001000000000001AAA\",\"PersonHasOptedOutOfEmail\":\"x\"}",
	                       SF_PERSON_ACCOUNT, &r, &e),
	                 -1);
}

static void record_full(void **state)
{
	(void)state;
	sf_record r;
	err_t e;
	assert_int_equal(parse("{\"attributes\":{\"type\":\"Lead\"},\"Id\":\"00Q000000000001AAA\","
	                       "\"Email\":\"Ada@Example.com\",\"HasOptedOutOfEmail\":true,"
	                       "\"FirstName\":\"Ada\",\"LastName\":\"Lovelace\","
	                       "\"CreatedDate\":\"2026-01-02T03:04:05.000+0000\","
	                       "\"SystemModstamp\":\"2026-01-03T03:04:05.000+0000\","
	                       "\"IsConverted\":true,\"ConvertedContactId\":\"003000000000009AAA\"}",
	                       SF_LEAD, &r, &e),
	                 0);
	assert_int_equal(r.object, SF_LEAD);
	assert_string_equal(r.id, "00Q000000000001AAA");
	assert_string_equal(r.email, "Ada@Example.com"); /* as sent: the engine normalises */
	assert_int_equal(r.opted_out, 1);
	assert_int_equal(r.is_converted, 1);
	assert_string_equal(r.converted_contact_id, "003000000000009AAA");
	assert_string_equal(r.first_name, "Ada");
	assert_string_equal(r.last_name, "Lovelace");
	assert_string_equal(r.created, "2026-01-02T03:04:05.000+0000");
	assert_string_equal(r.modstamp, "2026-01-03T03:04:05.000+0000");
	assert_string_equal(sf_object_name(r.object), "Lead");
	assert_string_equal(sf_object_name(SF_CONTACT), "Contact");
}

/* Answers that are not what the API documents: an error value with a message, never a crash. */
static void record_refused(void **state)
{
	(void)state;
	static const struct {
		const char *json;
		const char *msg;
	} cases[] = {
	    {"{\"Email\":\"a@x.org\",\"HasOptedOutOfEmail\":false}", "a record without Id"},
	    {"{\"Id\":null,\"HasOptedOutOfEmail\":false}", "a record without Id"},
	    {"{\"Id\":[\"003000000000001AAA\"]}", "a record without Id"},
	    {"{\"Id\":{\"x\":1}}", "a record without Id"},
	    {"{\"Id\":\"003000000000001AAA003000000000001AAA\"}", "a record without Id"}, /* too long */
	    {"{\"Id\":\"003000000000001AAA\",\"HasOptedOutOfEmail\":\"maybe\"}",
	     "HasOptedOutOfEmail is not a boolean"},
	    {"{\"Id\":\"003000000000001AAA\",\"HasOptedOutOfEmail\":[true]}",
	     "HasOptedOutOfEmail is not a boolean"},
	    {"{\"Id\":\"003000000000001AAA\",\"HasOptedOutOfEmail\":2.5}",
	     "HasOptedOutOfEmail is not a boolean"},
	    {"[]", "a record without Id"},
	    {"\"003000000000001AAA\"", "a record without Id"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sf_record r;
		err_t e;
		assert_int_equal(parse(cases[i].json, SF_CONTACT, &r, &e), -1);
		assert_int_equal(e.kind, ERR_BAD_RESPONSE);
		char want[200];
		snprintf(want, sizeof want, "Salesforce: query Contact: %s", cases[i].msg);
		assert_string_equal(e.msg, want);
	}
	/* No object at all (a page whose records hold a null). */
	sf_record r;
	err_t e = {0};
	assert_int_equal(sf_parse_record(NULL, SF_LEAD, &r, &e), -1);
	assert_string_equal(e.msg, "Salesforce: query Lead: a record without Id");
}

/* Fields the engine can do without read as empty: the record still counts. */
static void record_lenient(void **state)
{
	(void)state;
	char long_email[400], json[800];
	memset(long_email, 'a', 300);
	memcpy(long_email + 300, "@x.org", 7);
	snprintf(json, sizeof json,
	         "{\"Id\":\"003000000000001AAA\",\"Email\":\"%s\",\"FirstName\":{\"a\":1},\"LastName\":null,"
	         "\"SystemModstamp\":17,\"IsConverted\":\"perhaps\",\"ConvertedContactId\":false}",
	         long_email);
	sf_record r;
	err_t e;
	assert_int_equal(parse(json, SF_CONTACT, &r, &e), 0);
	assert_string_equal(r.id, "003000000000001AAA");
	assert_string_equal(r.email, "");
	assert_string_equal(r.first_name, "");
	assert_string_equal(r.last_name, "");
	assert_string_equal(r.modstamp, "17"); /* a number is read as its digits; no time for the engine */
	assert_string_equal(r.created, "");
	assert_int_equal(r.opted_out, 0); /* missing: unchecked */
	assert_int_equal(r.is_converted, 0);
	assert_string_equal(r.converted_contact_id, "");
	/* The box as text, as some API versions send it. */
	assert_int_equal(
	    parse("{\"Id\":\"003000000000001AAA\",\"HasOptedOutOfEmail\":\"true\"}", SF_CONTACT, &r, &e), 0);
	assert_int_equal(r.opted_out, 1);
}

/* --- history rows --------------------------------------------------------------------------------- */

static int change(const char *json, sf_object o, sf_box_change *ch)
{
	json_object *j = json_tokener_parse(json);
	int rc = sf_parse_box_change(j, o, ch);
	json_object_put(j);
	return rc;
}

static void history_rows(void **state)
{
	(void)state;
	int64_t at;
	assert_int_equal(timefmt_parse("2026-01-02T03:04:05.000+0000", &at), 0);
	static const struct {
		sf_object o;
		const char *json;
		int rc, value;
	} cases[] = {
	    {SF_LEAD,
	     "{\"LeadId\":\"00Q000000000001AAA\",\"CreatedDate\":\"2026-01-02T03:04:05.000+0000\","
	     "\"NewValue\":true}",
	     1, 1},
	    {SF_CONTACT,
	     "{\"ContactId\":\"003000000000001AAA\",\"CreatedDate\":\"2026-01-02T03:04:05.000+0000\","
	     "\"NewValue\":\"false\"}",
	     1, 0},
	    /* the row names the other object's id field: nobody to attribute it to */
	    {SF_CONTACT,
	     "{\"LeadId\":\"00Q000000000001AAA\",\"CreatedDate\":\"2026-01-02T03:04:05.000+0000\","
	     "\"NewValue\":true}",
	     0, 0},
	    {SF_LEAD,
	     "{\"LeadId\":\"00Q000000000001AAA\",\"CreatedDate\":\"2026-01-02T03:04:05.000+0000\","
	     "\"NewValue\":\"maybe\"}",
	     0, 0},
	    {SF_LEAD,
	     "{\"LeadId\":\"00Q000000000001AAA\",\"CreatedDate\":\"2026-01-02T03:04:05.000+0000\","
	     "\"NewValue\":null}",
	     0, 0},
	    {SF_LEAD, "{\"LeadId\":\"00Q000000000001AAA\",\"CreatedDate\":\"yesterday\",\"NewValue\":true}",
	     0, 0},
	    {SF_LEAD, "{\"LeadId\":\"00Q000000000001AAA\",\"CreatedDate\":[],\"NewValue\":true}", 0, 0},
	    {SF_LEAD, "{\"LeadId\":[1],\"CreatedDate\":\"2026-01-02T03:04:05.000+0000\",\"NewValue\":true}",
	     0, 0},
	    {SF_LEAD, "[1,2,3]", 0, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sf_box_change ch;
		assert_int_equal(change(cases[i].json, cases[i].o, &ch), cases[i].rc);
		if (cases[i].rc == 1) {
			assert_int_equal(ch.opted_out, cases[i].value);
			assert_true(ch.at_ms == at);
			assert_string_equal(ch.id, cases[i].o == SF_LEAD ? "00Q000000000001AAA"
			                                                 : "003000000000001AAA");
		}
	}
	sf_box_change ch;
	assert_int_equal(sf_parse_box_change(NULL, SF_LEAD, &ch), 0);
}

/* --- SOQL literals -------------------------------------------------------------------------------- */

/* Reads out as a SOQL string literal's body: 1 and the value in val when no quote or backslash stands
 * unescaped (the literal cannot be closed early), 0 otherwise. */
static int literal_body(const char *s, char *val, size_t n)
{
	size_t o = 0;
	for (const char *p = s; *p; p++) {
		char c = *p;
		if (c == '\'' || c == '"')
			return 0;
		if (c == '\\') {
			p++;
			switch (*p) {
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case '\\':
			case '\'':
			case '"':
				c = *p;
				break;
			default:
				return 0;
			}
		}
		if (o + 1 >= n)
			return 0;
		val[o++] = c;
	}
	val[o] = '\0';
	return 1;
}

static void soql_escape_hostile(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"plain@example.com", "plain@example.com"},
	    {"o'brien@example.com", "o\\'brien@example.com"},
	    {"x' OR Email != '", "x\\' OR Email != \\'"},
	    {"a\\'b", "a\\\\\\'b"}, /* a backslash before a quote does not swallow the escape */
	    {"end\\", "end\\\\"},   /* a trailing backslash cannot escape the closing quote */
	    {"\\\\''", "\\\\\\\\\\'\\'"},
	    {"\"q\"\n\r\t", "\\\"q\\\"\\n\\r\\t"},
	    {"", ""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[128], back[128];
		assert_int_equal(sf_soql_escape(cases[i].in, out, sizeof out), 0);
		assert_string_equal(out, cases[i].out);
		assert_int_equal(literal_body(out, back, sizeof back), 1);
		assert_string_equal(back, cases[i].in);
	}
	/* Every byte value, one at a time and in a run of quotes and backslashes: the literal always
	 * reads back as the input. */
	for (int c = 1; c < 256; c++) {
		char in[8] = {'\\', '\'', (char)c, '\'', '\\', 0}, out[64], back[64];
		assert_int_equal(sf_soql_escape(in, out, sizeof out), 0);
		assert_int_equal(literal_body(out, back, sizeof back), 1);
		assert_string_equal(back, in);
	}
	/* Too small a buffer is refused, never a literal cut after a backslash. */
	char out[4];
	assert_int_equal(sf_soql_escape("ab'", out, sizeof out), -1);
	assert_int_equal(sf_soql_escape("abcd", out, sizeof out), -1);
	assert_int_equal(sf_soql_escape("abc", out, sizeof out), 0);
}

/* A record id's key prefix names its object; any other prefix is none of the box's. */
static void object_of_id(void **state)
{
	(void)state;
	sf_object o = SF_LEAD;
	assert_int_equal(sf_object_of_id("003000000000001AAA", &o), 0);
	assert_int_equal(o, SF_CONTACT);
	assert_int_equal(sf_object_of_id("00Q000000000001AAA", &o), 0);
	assert_int_equal(o, SF_LEAD);
	assert_int_equal(sf_object_of_id("001000000000001AAA", &o), 0);
	assert_int_equal(o, SF_PERSON_ACCOUNT);
	assert_int_equal(sf_object_of_id("006000000000001AAA", &o), -1);
	assert_int_equal(sf_object_of_id("00", &o), -1);
	assert_int_equal(sf_object_of_id(NULL, &o), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(record_full),         cmocka_unit_test(record_refused),
	    cmocka_unit_test(record_lenient),      cmocka_unit_test(history_rows),
	    cmocka_unit_test(soql_escape_hostile), cmocka_unit_test(record_person_account), cmocka_unit_test(object_of_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
