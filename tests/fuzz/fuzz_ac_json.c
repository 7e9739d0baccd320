/* fuzz_ac_json.c - libFuzzer target: ActiveCampaign answers into the AC client's parsers.
 * The parsers in core/ac.c are static and sit behind the network call, so the client's source is
 * compiled into this target (#include "ac.c") to reach them without a server: the body goes through
 * http_json exactly as call() does, then through every reader the client has (contact, contactList,
 * list, tag, contactTag, bounceLog, webhook, the paged array reader) and the error-detail reader. */
#include "ac.c"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ac_client *fuzz_client(void)
{
	static ac_client *c;
	if (!c) {
		err_t e;
		memset(&e, 0, sizeof e);
		c = ac_open("http://127.0.0.1:9", "fuzz-key", NULL, &e);
		if (!c)
			abort();
	}
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 20)
		return 0;
	ac_client *c = fuzz_client();
	char *body = malloc(size + 1);
	if (!body)
		return 0;
	memcpy(body, data, size);
	body[size] = '\0';
	char detail[300];
	ac_detail(body, size, detail, sizeof detail);
	if (!memchr(detail, 0, sizeof detail))
		abort();

	http_response rs;
	memset(&rs, 0, sizeof rs);
	rs.status = 200;
	rs.body = body;
	rs.len = size;
	json_object *j = NULL;
	err_t e;
	memset(&e, 0, sizeof e);
	if (http_json(c->h, &rs, "GET /api/3/fuzz", &j, &e) == 0 && json_object_is_type(j, json_type_object)) {
		static const struct {
			const char *key;
			size_t size;
			parse_fn fn;
		} arrays[] = {
		    {"contactLists", sizeof(ac_contact_list), p_contact_list},
		    {"lists", sizeof(ac_list), p_list},
		    {"tags", sizeof(ac_tag), p_tag},
		    {"contactTags", sizeof(ac_contact_tag), p_contact_tag},
		    {"bounceLogs", sizeof(ac_bounce_log), p_bounce},
		    {"webhooks", sizeof(ac_webhook), p_webhook},
		};
		for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) {
			vec v = {.size = arrays[i].size};
			err_t pe;
			memset(&pe, 0, sizeof pe);
			long got = read_array(c, j, arrays[i].key, &v, arrays[i].fn, "GET /api/3/fuzz", &pe);
			if (got >= 0 && (size_t)got != v.n)
				abort();
			if (got < 0 && !pe.msg[0])
				abort();
			free(v.p);
		}
		json_object *contacts = json_get(j, "contacts", json_type_array);
		for (size_t i = 0; contacts && i < json_object_array_length(contacts) && i < 1000; i++) {
			ac_contact ct;
			err_t pe;
			memset(&pe, 0, sizeof pe);
			if (parse_contact(c, json_object_array_get_idx(contacts, i), &ct, "GET /api/3/contacts", &pe) == 0 &&
			    (!ct.id[0] || !memchr(ct.email, 0, sizeof ct.email)))
				abort();
		}
		json_object *one = json_get(j, "contact", json_type_object);
		if (one) {
			ac_contact ct;
			err_t pe;
			memset(&pe, 0, sizeof pe);
			parse_contact(c, one, &ct, "GET /api/3/contacts/1", &pe);
		}
		/* meta.total, read the way the paged walk reads it. */
		long total;
		json_get_long(json_get(j, "meta", json_type_object), "total", &total);
	}
	json_object_put(j);
	free(body);
	return 0;
}
