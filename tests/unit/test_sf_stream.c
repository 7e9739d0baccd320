/* test_sf_stream.c - the Streaming API's change events typed without a server: a CDC event of the
 * box, an UPDATE of another field, several and wildcard record ids, a GAP event, a PushTopic
 * event, a person account's Account events, and messages that are no event (meta channels, other objects,
 * hostile shapes). The Bayeux exchange itself runs against the sandbox in tests/e2e/sync_stream.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sf_stream.h"

static int parse(const char *json, sf_change_event *ev)
{
	json_object *j = json_tokener_parse(json);
	int rc = sf_stream_parse_event(j, ev);
	json_object_put(j);
	return rc;
}

static void cdc_box_update(void **state)
{
	(void)state;
	sf_change_event ev;
	assert_int_equal(parse("{\"channel\":\"/data/ContactChangeEvent\",\"data\":{\"schema\":\"x\","
	                       "\"payload\":{\"ChangeEventHeader\":{\"entityName\":\"Contact\","
	                       "\"recordIds\":[\"003000000000001AAA\"],\"changeType\":\"UPDATE\","
	                       "\"changedFields\":[\"HasOptedOutOfEmail\",\"LastModifiedDate\"],"
	                       "\"commitTimestamp\":1764000000123},\"HasOptedOutOfEmail\":true},"
	                       "\"event\":{\"replayId\":42}}}",
	                       &ev),
	                 1);
	assert_string_equal(ev.channel, "/data/ContactChangeEvent");
	assert_int_equal(ev.object, SF_CONTACT);
	assert_int_equal(ev.n_ids, 1);
	assert_string_equal(ev.ids[0], "003000000000001AAA");
	assert_string_equal(ev.change, "UPDATE");
	assert_int_equal(ev.box_changed, 1);
	assert_int_equal(ev.replay, 42);
	assert_int_equal(ev.commit_ms, 1764000000123LL);
	assert_int_equal(ev.more_ids, 0);
}

static void cdc_other_field(void **state)
{
	(void)state;
	sf_change_event ev;
	assert_int_equal(
	    parse("{\"channel\":\"/data/LeadChangeEvent\",\"data\":{\"payload\":{"
	          "\"ChangeEventHeader\":{\"entityName\":\"Lead\",\"recordIds\":[\"00Q000000000001AAA\"],"
	          "\"changeType\":\"UPDATE\",\"changedFields\":[\"Phone\",\"LastModifiedDate\"]}},"
	          "\"event\":{\"replayId\":7}}}",
	          &ev),
	    1);
	assert_int_equal(ev.object, SF_LEAD);
	assert_int_equal(ev.box_changed, 0); /* a phone number is no reason to read */
	assert_int_equal(ev.replay, 7);      /* but the position still moves */
}

static void cdc_many_and_wildcard(void **state)
{
	(void)state;
	sf_change_event ev;
	char json[2048];
	int n = snprintf(json, sizeof json,
	                 "{\"channel\":\"/data/ContactChangeEvent\",\"data\":{\"payload\":{"
	                 "\"ChangeEventHeader\":{\"entityName\":\"Contact\",\"changeType\":"
	                 "\"CREATE\",\"recordIds\":[");
	for (int i = 0; i < SF_STREAM_IDS + 2; i++)
		n += snprintf(json + n, sizeof json - (size_t)n, "%s\"0030000000000%02dAAA\"", i ? "," : "",
		              i);
	snprintf(json + n, sizeof json - (size_t)n, "]}},\"event\":{\"replayId\":9}}}");
	assert_int_equal(parse(json, &ev), 1);
	assert_int_equal(ev.n_ids, SF_STREAM_IDS);
	assert_int_equal(ev.more_ids, 1);
	assert_int_equal(ev.box_changed, 1); /* a CREATE has no field list: read it */
	assert_int_equal(parse("{\"channel\":\"/data/ContactChangeEvent\",\"data\":{\"payload\":{"
	                       "\"ChangeEventHeader\":{\"entityName\":\"Contact\",\"changeType\":\"UPDATE\","
	                       "\"recordIds\":[\"003*\"],\"changedFields\":[\"HasOptedOutOfEmail\"]}},"
	                       "\"event\":{\"replayId\":10}}}",
	                       &ev),
	                 1);
	assert_int_equal(ev.n_ids, 0);
	assert_int_equal(ev.more_ids, 1);
}

static void gap_event(void **state)
{
	(void)state;
	sf_change_event ev;
	assert_int_equal(
	    parse("{\"channel\":\"/data/ContactChangeEvent\",\"data\":{\"payload\":{"
	          "\"ChangeEventHeader\":{\"entityName\":\"Contact\",\"changeType\":\"GAP_UPDATE\","
	          "\"recordIds\":[\"003000000000001AAA\"]}},\"event\":{\"replayId\":11}}}",
	          &ev),
	    1);
	assert_string_equal(ev.change, "GAP_UPDATE");
	assert_int_equal(ev.box_changed, 1);
}

static void pushtopic_event(void **state)
{
	(void)state;
	sf_change_event ev;
	assert_int_equal(
	    parse("{\"channel\":\"/topic/optsyncLeadOptOut\",\"data\":{\"event\":{"
	          "\"createdDate\":\"2026-12-04T10:00:00.000+0000\",\"replayId\":3,\"type\":\"updated\"},"
	          "\"sobject\":{\"Id\":\"00Q000000000002AAA\",\"HasOptedOutOfEmail\":true}}}",
	          &ev),
	    1);
	assert_int_equal(ev.object, SF_LEAD);
	assert_string_equal(ev.ids[0], "00Q000000000002AAA");
	assert_int_equal(ev.replay, 3);
	assert_true(ev.commit_ms > 0);
	assert_int_equal(ev.box_changed, 1);
}

/* A person account's box on the Account's change event: entityName Account, the id 001..., the
 * field by its Person name (CDC guide, "Updating a Person Account"). */
static void account_events(void **state)
{
	(void)state;
	sf_change_event ev;
	assert_int_equal(parse("{\"channel\":\"/data/AccountChangeEvent\",\"data\":{\"payload\":{"
	                       "\"ChangeEventHeader\":{\"entityName\":\"Account\",\"recordIds\":["
	                       "\"001000000000001AAA\"],\"changeType\":\"UPDATE\",\"changedFields\":["
	                       "\"PersonHasOptedOutOfEmail\",\"LastModifiedDate\"],\"commitTimestamp\":5},"
	                       "\"PersonHasOptedOutOfEmail\":true},\"event\":{\"replayId\":9}}}",
	                       &ev),
	                 1);
	assert_int_equal(ev.object, SF_PERSON_ACCOUNT);
	assert_string_equal(ev.ids[0], "001000000000001AAA");
	assert_int_equal(ev.box_changed, 1);
	assert_int_equal(ev.replay, 9);
	/* a business account's edit (or a person account's other field) is no reason to read */
	assert_int_equal(parse("{\"channel\":\"/data/AccountChangeEvent\",\"data\":{\"payload\":{"
	                       "\"ChangeEventHeader\":{\"entityName\":\"Account\",\"recordIds\":["
	                       "\"001000000000002AAA\"],\"changeType\":\"UPDATE\",\"changedFields\":["
	                       "\"Industry\",\"LastModifiedDate\"]}},\"event\":{\"replayId\":10}}}",
	                       &ev),
	                 1);
	assert_int_equal(ev.box_changed, 0);
	assert_int_equal(ev.replay, 10);
	/* the Contact's name for the box on an Account event is not the person account's box */
	assert_int_equal(parse("{\"channel\":\"/data/AccountChangeEvent\",\"data\":{\"payload\":{"
	                       "\"ChangeEventHeader\":{\"entityName\":\"Account\",\"recordIds\":["
	                       "\"001000000000002AAA\"],\"changeType\":\"UPDATE\",\"changedFields\":["
	                       "\"HasOptedOutOfEmail\"]}},\"event\":{\"replayId\":11}}}",
	                       &ev),
	                 1);
	assert_int_equal(ev.box_changed, 0);
	/* the PushTopic fallback fires on the Account: the id says person account */
	assert_int_equal(
	    parse("{\"channel\":\"/topic/optsyncPersonAcctOptOut\",\"data\":{\"event\":{"
	          "\"createdDate\":\"2026-12-04T10:00:00.000+0000\",\"replayId\":4,\"type\":\"updated\"},"
	          "\"sobject\":{\"Id\":\"001000000000003AAA\",\"PersonHasOptedOutOfEmail\":true}}}",
	          &ev),
	    1);
	assert_int_equal(ev.object, SF_PERSON_ACCOUNT);
	assert_string_equal(ev.ids[0], "001000000000003AAA");
	assert_int_equal(ev.box_changed, 1);
}

/* An event whose changeOrigin names optsync's client id is the echo of its own write: not a reason
 * to read (its replay position still counts); another client, the UI, or a gap is. */
static void own_echoes(void **state)
{
	(void)state;
	sf_change_event ev;
	const char *fmt = "{\"channel\":\"/data/ContactChangeEvent\",\"data\":{\"payload\":{"
	                  "\"ChangeEventHeader\":{\"entityName\":\"Contact\",\"recordIds\":["
	                  "\"003000000000001AAA\"],\"changeType\":\"%s\",\"changedFields\":["
	                  "\"HasOptedOutOfEmail\"],\"changeOrigin\":\"%s\"}},\"event\":{\"replayId\":21}}}";
	char msg[1024];
	snprintf(msg, sizeof msg, fmt, "UPDATE", "com/salesforce/api/rest/62.0;client=optsync");
	assert_int_equal(parse(msg, &ev), 1);
	assert_int_equal(ev.ours, 1);
	assert_int_equal(ev.box_changed, 0);
	assert_int_equal(ev.replay, 21);
	snprintf(msg, sizeof msg, fmt, "UPDATE", "com/salesforce/api/bulkapi/62.0;client=optsync");
	assert_int_equal(parse(msg, &ev), 1);
	assert_int_equal(ev.ours, 1);
	/* another integration whose id starts like ours */
	snprintf(msg, sizeof msg, fmt, "UPDATE", "com/salesforce/api/rest/62.0;client=optsync2");
	assert_int_equal(parse(msg, &ev), 1);
	assert_int_equal(ev.ours, 0);
	assert_int_equal(ev.box_changed, 1);
	/* an API call without a client id, and the UI (empty) */
	snprintf(msg, sizeof msg, fmt, "UPDATE", "com/salesforce/api/soap/62.0");
	assert_int_equal(parse(msg, &ev), 1);
	assert_int_equal(ev.box_changed, 1);
	snprintf(msg, sizeof msg, fmt, "UPDATE", "");
	assert_int_equal(parse(msg, &ev), 1);
	assert_int_equal(ev.ours, 0);
	assert_int_equal(ev.box_changed, 1);
	/* a gap is read whoever made it */
	snprintf(msg, sizeof msg, fmt, "GAP_UPDATE", "com/salesforce/api/rest/62.0;client=optsync");
	assert_int_equal(parse(msg, &ev), 1);
	assert_int_equal(ev.box_changed, 1);
}

static void not_events(void **state)
{
	(void)state;
	sf_change_event ev;
	assert_int_equal(parse("{\"channel\":\"/meta/connect\",\"successful\":true}", &ev), 0);
	/* an object without the box (Account is one now: person accounts, see account_events) */
	assert_int_equal(parse("{\"channel\":\"/data/OpportunityChangeEvent\",\"data\":{\"payload\":{"
	                       "\"ChangeEventHeader\":{\"entityName\":\"Opportunity\",\"recordIds\":["
	                       "\"006000000000001AAA\"]}}}}",
	                       &ev),
	                 0);
	assert_int_equal(parse("{\"channel\":\"/topic/x\",\"data\":{\"sobject\":{\"Id\":\"'; DROP\"}}}", &ev),
	                 0);
	assert_int_equal(parse("{\"channel\":\"/data/ContactChangeEvent\",\"data\":[1,2]}", &ev), 0);
	assert_int_equal(parse("{\"channel\":7,\"data\":{}}", &ev), 0);
	assert_int_equal(parse("[]", &ev), 0);
	assert_int_equal(parse("{\"channel\":\"/data/ContactChangeEvent\",\"data\":{\"payload\":{"
	                       "\"ChangeEventHeader\":{\"entityName\":\"Contact\",\"changeType\":\"DELETE\","
	                       "\"recordIds\":[\"003000000000001AAA\"]}}}}",
	                       &ev),
	                 1);
	assert_int_equal(ev.box_changed, 0); /* a deleted record has no box to follow */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(cdc_box_update),        cmocka_unit_test(cdc_other_field),
	    cmocka_unit_test(cdc_many_and_wildcard), cmocka_unit_test(gap_event),
	    cmocka_unit_test(pushtopic_event),       cmocka_unit_test(not_events),
	    cmocka_unit_test(account_events),        cmocka_unit_test(own_echoes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
