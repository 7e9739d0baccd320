/* rules.c - the Email Opt Out sync rules of SPEC section 1: pure decisions over one person's state. */
#include "rules.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- names */

static const char *const action_names[] = {"opt_out", "opt_in", "unsubscribe", "tag",
                                           "create",  "link",   "skip"};
static const char *const direction_names[] = {"ac->sf", "sf->ac", ""};
static const char *const rule_names[] = {"none",       "R1",         "R2",         "R3",   "R4",    "R5",
                                         "first-sync", "conversion", "new-record", "link", "import"};
static const char *const object_names[] = {"", "Contact", "Lead", "contact", "PersonAccount"};
static const char *const kind_names[] = {"subscribe",   "unsubscribe", "hard_bounce",
                                         "soft_bounce", "sf_checked",  "sf_unchecked"};
static const char *const source_names[] = {"ac", "sf"};
static const char *const tag_names[] = {"",
                                        "created-from-salesforce-lead",
                                        "created-from-salesforce-contact",
                                        "added-to-salesforce-lead",
                                        "added-to-salesforce-contact",
                                        "salesforce-lead-converted-to-contact",
                                        "created-from-salesforce-person-account",
                                        "added-to-salesforce-person-account",
                                        "salesforce-lead-converted-to-person-account"};
static const char *const desired_names[] = {"none", "opted_in", "opted_out"};
static const char *const side_names[] = {"none", "opted_in", "opted_out", "mixed"};
static const char *const import_names[] = {"new", "none", "all"};

#define NAME_OF(table, v) ((unsigned)(v) < NELEM(table) ? (table)[(unsigned)(v)] : "?")

const char *rules_action_name(rules_action a)
{
	return NAME_OF(action_names, a);
}

const char *rules_direction_name(rules_direction d)
{
	return NAME_OF(direction_names, d);
}

const char *rules_rule_name(rules_rule r)
{
	return NAME_OF(rule_names, r);
}

const char *rules_object_name(rules_object o)
{
	return NAME_OF(object_names, o);
}

const char *rules_event_kind_name(rules_event_kind k)
{
	return NAME_OF(kind_names, k);
}

const char *rules_source_name(rules_source s)
{
	return NAME_OF(source_names, s);
}

const char *rules_tag_name(rules_tag t)
{
	return NAME_OF(tag_names, t);
}

const char *rules_desired_name(rules_desired d)
{
	return NAME_OF(desired_names, d);
}

const char *rules_side_name(rules_side s)
{
	return NAME_OF(side_names, s);
}

const char *rules_import_name(rules_import i)
{
	return NAME_OF(import_names, i);
}

static int ascii_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static bool ascii_case_equal(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (ascii_lower((unsigned char)*a) != ascii_lower((unsigned char)*b))
			return false;
	return *a == *b;
}

rules_tag rules_tag_from_name(const char *name)
{
	if (!name)
		return RULES_TAG_NONE;
	for (int t = RULES_TAG_NONE + 1; t < RULES_TAG_COUNT; t++)
		if (ascii_case_equal(name, tag_names[t]))
			return (rules_tag)t;
	return RULES_TAG_NONE;
}

/* The index of s in table, or -1. */
static int name_index(const char *const *table, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(s, table[i]) == 0)
			return (int)i;
	return -1;
}

int rules_action_parse(const char *s, rules_action *out, err_t *e)
{
	int i = name_index(action_names, NELEM(action_names), s);
	if (i < 0)
		return err_set(e, ERR_DB, "unknown action '%.32s'", s ? s : "");
	*out = (rules_action)i;
	return 0;
}

int rules_direction_parse(const char *s, rules_direction *out, err_t *e)
{
	int i = name_index(direction_names, NELEM(direction_names), s);
	if (i < 0)
		return err_set(e, ERR_DB, "unknown direction '%.32s'", s ? s : "");
	*out = (rules_direction)i;
	return 0;
}

int rules_import_parse(const char *s, rules_import *out, err_t *e)
{
	for (size_t i = 0; s && i < NELEM(import_names); i++) {
		if (strcmp(s, import_names[i]) == 0) {
			*out = (rules_import)i;
			return 0;
		}
	}
	return err_set(e, ERR_USAGE, "sf_import: \"%s\" is not one of none, new, all", s ? s : "");
}

/* ---------------------------------------------------------------- small helpers */

/* A bounded appender: output is always NUL-terminated and silently cut at the buffer's end. */
struct sbuf {
	char *buf;
	size_t cap;
	size_t len;
};

static void sb_init(struct sbuf *s, char *buf, size_t cap)
{
	s->buf = buf;
	s->cap = cap;
	s->len = 0;
	if (cap)
		buf[0] = '\0';
}

static void sb_add(struct sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(struct sbuf *s, const char *fmt, ...)
{
	if (s->len + 1 >= s->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(s->buf + s->len, s->cap - s->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	s->len += (size_t)n;
	if (s->len >= s->cap)
		s->len = s->cap - 1;
}

static void copy_id(char *dst, const char *src)
{
	snprintf(dst, RULES_ID_MAX, "%s", src);
}

static bool time_known(int64_t t)
{
	return t > 0;
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian), for days >= 0. */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = z / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t day = doy - (153 * mp + 2) / 5 + 1;
	int64_t month = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yoe + era * 400 + (month <= 2));
	*m = (int)month;
	*d = (int)day;
}

const char *rules_format_time(int64_t ms, char *buf, size_t n)
{
	struct sbuf s;
	sb_init(&s, buf, n);
	if (!time_known(ms)) {
		sb_add(&s, "unknown");
		return buf;
	}
	int64_t days = ms / 86400000, rem = ms % 86400000;
	int y, m, d;
	civil_from_days(days, &y, &m, &d);
	int hh = (int)(rem / 3600000), mm = (int)(rem / 60000 % 60), ss = (int)(rem / 1000 % 60);
	int frac = (int)(rem % 1000);
	sb_add(&s, "%04d-%02d-%02dT%02d:%02d:%02d", y, m, d, hh, mm, ss);
	if (frac)
		sb_add(&s, ".%03d", frac);
	sb_add(&s, "Z");
	return buf;
}

/* ---------------------------------------------------------------- email */

static bool is_trim_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int rules_normalize_email(const char *in, char *out, size_t outsz, err_t *e)
{
	if (!in) {
		if (out && outsz)
			out[0] = '\0';
		return err_set(e, ERR_USAGE, "email: missing");
	}
	const char *b = in, *end = in + strlen(in);
	while (b < end && is_trim_space((unsigned char)*b))
		b++;
	while (end > b && is_trim_space((unsigned char)end[-1]))
		end--;
	size_t n = (size_t)(end - b);
	const char *why = NULL;
	size_t at = n;
	if (n == 0)
		why = "empty";
	else if (n > RULES_EMAIL_MAX)
		why = "longer than 254 characters";
	for (size_t i = 0; !why && i < n; i++) {
		unsigned char c = (unsigned char)b[i];
		if (c <= 0x20 || c == 0x7f)
			why = "contains a space or control character";
		else if (c == '@')
			at = i;
	}
	if (!why && (at == n || at == 0 || at == n - 1))
		why = "no '@' between a name and a domain";
	if (why) {
		if (out && outsz)
			out[0] = '\0';
		return err_set(e, ERR_USAGE, "email: %s", why);
	}
	if (!out || outsz <= n)
		return err_set(e, ERR_INTERNAL, "email: output buffer of %zu bytes is too small", outsz);
	/* memmove semantics: in and out may overlap, and b >= out when they are the same buffer. */
	for (size_t i = 0; i < n; i++)
		out[i] = (char)ascii_lower((unsigned char)b[i]);
	out[n] = '\0';
	return 0;
}

/* ---------------------------------------------------------------- person building */

void rules_person_init(rules_person *p)
{
	memset(p, 0, sizeof *p);
}

void rules_person_reset(rules_person *p)
{
	rules_sf_record *sf = p->sf;
	rules_ac_list *lists = p->ac.lists;
	rules_event *events = p->events;
	size_t cap_sf = p->cap_sf, cap_lists = p->ac.cap_lists, cap_events = p->cap_events;
	memset(p, 0, sizeof *p);
	p->sf = sf;
	p->cap_sf = cap_sf;
	p->ac.lists = lists;
	p->ac.cap_lists = cap_lists;
	p->events = events;
	p->cap_events = cap_events;
}

void rules_person_free(rules_person *p)
{
	free(p->sf);
	free(p->ac.lists);
	free(p->events);
	memset(p, 0, sizeof *p);
}

/* Room for one more element of `size` bytes in *arr (n used, cap allocated), doubling; NULL when
 * memory runs out or the size would overflow. The new slot is zero-filled and counted. */
static void *grow_one(void **arr, size_t *n, size_t *cap, size_t size)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		if (nc < *cap || nc > SIZE_MAX / size)
			return NULL;
		void *a = realloc(*arr, nc * size);
		if (!a)
			return NULL;
		*arr = a;
		*cap = nc;
	}
	char *slot = (char *)*arr + (*n)++ * size;
	memset(slot, 0, size);
	return slot;
}

rules_sf_record *rules_person_add_sf(rules_person *p)
{
	return grow_one((void **)&p->sf, &p->n_sf, &p->cap_sf, sizeof *p->sf);
}

rules_ac_list *rules_person_add_list(rules_person *p)
{
	return grow_one((void **)&p->ac.lists, &p->ac.n_lists, &p->ac.cap_lists, sizeof *p->ac.lists);
}

rules_event *rules_person_add_event(rules_person *p)
{
	return grow_one((void **)&p->events, &p->n_events, &p->cap_events, sizeof *p->events);
}

void rules_result_init(rules_result *r)
{
	memset(r, 0, sizeof *r);
}

void rules_result_free(rules_result *r)
{
	free(r->d);
	memset(r, 0, sizeof *r);
}

/* Empties r for a new decision, keeping its decision array's memory. */
static void result_clear(rules_result *r)
{
	rules_decision *d = r->d;
	size_t cap = r->cap;
	memset(r, 0, sizeof *r);
	r->d = d;
	r->cap = cap;
}

/* ---------------------------------------------------------------- events from state */

int rules_sf_record_event(const rules_sf_record *r, rules_event *out)
{
	if (!r->has_email)
		return 0;
	if (r->ever_seen && r->seen_opted_out == r->opted_out)
		return 0;
	if (!r->ever_seen && !r->opted_out)
		return 0;
	memset(out, 0, sizeof *out);
	out->source = RULES_SRC_SF;
	out->kind = r->opted_out ? RULES_EV_SF_CHECKED : RULES_EV_SF_UNCHECKED;
	out->at_ms = time_known(r->changed_ms) ? r->changed_ms : r->modstamp_ms;
	out->echo = r->echo;
	out->first_seen = !r->ever_seen;
	out->object = r->object;
	copy_id(out->record_id, r->id);
	return 1;
}

int rules_ac_list_event(const rules_ac_list *l, rules_event *out)
{
	if (l->ever_seen && l->seen_status == l->status)
		return 0;
	rules_event_kind kind;
	switch (l->status) {
	case RULES_LIST_SUBSCRIBED:
		kind = RULES_EV_SUBSCRIBE;
		break;
	case RULES_LIST_UNSUBSCRIBED:
		kind = RULES_EV_UNSUBSCRIBE;
		break;
	case RULES_LIST_BOUNCED:
		kind = RULES_EV_HARD_BOUNCE;
		break;
	default:
		return 0;
	}
	memset(out, 0, sizeof *out);
	out->source = RULES_SRC_AC;
	out->kind = kind;
	out->at_ms = l->at_ms;
	out->echo = l->echo;
	out->first_seen = !l->ever_seen;
	copy_id(out->list_id, l->id);
	return 1;
}

/* ---------------------------------------------------------------- echoes */

bool rules_sf_id_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la == 0 || lb == 0)
		return false;
	if (la == lb)
		return strcmp(a, b) == 0;
	/* The 15-character id is case-sensitive; the 18-character one adds a checksum suffix. */
	if ((la == 15 && lb == 18) || (la == 18 && lb == 15))
		return strncmp(a, b, 15) == 0;
	return false;
}

static bool is_sf_object(rules_object o)
{
	return o == RULES_OBJ_CONTACT || o == RULES_OBJ_LEAD || o == RULES_OBJ_PERSON_ACCOUNT;
}

bool rules_is_echo(const rules_write *writes, size_t n, const rules_write *seen, int64_t window_ms)
{
	if (window_ms < 0)
		window_ms = 0;
	for (size_t i = 0; writes && seen && i < n; i++) {
		const rules_write *w = &writes[i];
		if (w->object != seen->object || w->value != seen->value)
			continue;
		if (is_sf_object(w->object)) {
			if (!rules_sf_id_equal(w->record_id, seen->record_id))
				continue;
		} else if (w->object == RULES_OBJ_AC_CONTACT) {
			if (strcmp(w->record_id, seen->record_id) != 0 ||
			    strcmp(w->list_id, seen->list_id) != 0)
				continue;
		} else {
			continue;
		}
		if (time_known(w->at_ms) && time_known(seen->at_ms)) {
			int64_t d = w->at_ms > seen->at_ms ? w->at_ms - seen->at_ms : seen->at_ms - w->at_ms;
			if (d > window_ms)
				continue;
		}
		return true;
	}
	return false;
}

/* ---------------------------------------------------------------- deciding */

enum cls { CLS_NONE = 0, CLS_OUT, CLS_IN };

enum origin {
	ORIG_GIVEN = 0,    /* p->events */
	ORIG_LIST,         /* a list membership changed */
	ORIG_BOUNCE_COUNT, /* bounced_hard rose */
	ORIG_RECORD,       /* an SF record's box changed */
	ORIG_CONVERSION    /* a linked Lead converted while checked */
};

struct cand {
	rules_event ev;
	enum origin origin;
	enum cls cls;
	rules_rule rule;
	int sf_index;      /* ORIG_RECORD / ORIG_CONVERSION: the record (the Lead) */
	int contact_index; /* ORIG_CONVERSION: the Contact */
};

struct conv {
	int lead;
	int contact;
};

/* The candidates and conversions are sized from the person before they are collected (one per
 * event, list, record and converted Lead at most, plus the bounced_hard rise), so they never grow;
 * only the decisions do. */
struct ctx {
	const rules_person *p;
	rules_result *out;
	struct cand *c;
	size_t n, cap;
	struct conv *conv;
	size_t n_conv, cap_conv;
	bool oom; /* a decision could not be stored: the person is refused whole */
};

static bool has_ac(const rules_person *p)
{
	return p->ac.contact_id[0] != '\0';
}

/* A record the rules look at at all. */
static bool sf_counts(const rules_sf_record *r)
{
	return r->has_email;
}

static bool sf_converted(const rules_sf_record *r)
{
	return r->object == RULES_OBJ_LEAD && r->is_converted;
}

static bool sf_writable(const rules_sf_record *r)
{
	return sf_counts(r) && !sf_converted(r);
}

static bool ac_any_status(const rules_ac *ac, int status, const char *except_list)
{
	for (size_t i = 0; i < ac->n_lists; i++) {
		if (except_list && except_list[0] && strcmp(ac->lists[i].id, except_list) == 0)
			continue;
		if (ac->lists[i].status == status)
			return true;
	}
	return false;
}

static const rules_ac_list *ac_first_status(const rules_ac *ac, int status)
{
	for (size_t i = 0; i < ac->n_lists; i++)
		if (ac->lists[i].status == status)
			return &ac->lists[i];
	return NULL;
}

static int validate(const rules_person *p, err_t *e)
{
	char norm[RULES_EMAIL_MAX + 1];
	err_t tmp;
	if (rules_normalize_email(p->email, norm, sizeof norm, &tmp) < 0 || strcmp(norm, p->email) != 0)
		return err_set(e, ERR_INTERNAL, "rules: person email \"%.64s\" is not normalised", p->email);
	if ((p->n_sf && !p->sf) || (p->ac.n_lists && !p->ac.lists) || (p->n_events && !p->events))
		return err_set(e, ERR_INTERNAL, "rules: %s: a count without its array", p->email);
	if ((unsigned)p->import > RULES_IMPORT_ALL)
		return err_set(e, ERR_INTERNAL, "rules: %s: sf_import value %d", p->email, (int)p->import);
	for (size_t i = 0; i < p->n_sf; i++) {
		const rules_sf_record *r = &p->sf[i];
		if (!sf_counts(r))
			continue;
		if (!is_sf_object(r->object) || !r->id[0])
			return err_set(e, ERR_INTERNAL,
			               "rules: %s: Salesforce record %zu has no object or id", p->email, i);
	}
	for (size_t i = 0; i < p->ac.n_lists; i++) {
		const rules_ac_list *l = &p->ac.lists[i];
		if (!l->id[0])
			return err_set(e, ERR_INTERNAL, "rules: %s: AC list %zu has no id", p->email, i);
		if (l->status < 0 || l->status > 3 ||
		    (l->ever_seen && (l->seen_status < 0 || l->seen_status > 3)))
			return err_set(e, ERR_BAD_RESPONSE,
			               "ActiveCampaign: contact %s list %s: status %d is not 0-3",
			               p->ac.contact_id, l->id, l->status);
	}
	for (size_t i = 0; i < p->n_events; i++) {
		const rules_event *ev = &p->events[i];
		if (ev->source != RULES_SRC_AC || (unsigned)ev->kind > RULES_EV_SOFT_BOUNCE)
			return err_set(
			    e, ERR_INTERNAL,
			    "rules: %s: event %zu is not an AC event (SF events come from the records)",
			    p->email, i);
	}
	return 0;
}

static struct cand *add_cand(struct ctx *x)
{
	if (x->n >= x->cap)
		return NULL; /* cannot happen: cap counts every source of a candidate */
	struct cand *c = &x->c[x->n++];
	memset(c, 0, sizeof *c);
	c->sf_index = -1;
	c->contact_index = -1;
	return c;
}

/* The class and rule of one candidate event, given the person's current AC state. */
static void classify(const rules_person *p, struct cand *c)
{
	c->cls = CLS_NONE;
	c->rule = RULES_RULE_NONE;
	if (c->ev.echo)
		return;
	switch (c->ev.kind) {
	case RULES_EV_SUBSCRIBE:
		c->cls = CLS_IN;
		c->rule = RULES_RULE_R1;
		break;
	case RULES_EV_UNSUBSCRIBE:
		/* R2: only when no other list still has status 1; the event's own list is left out so a
		 * read taken just before the unsubscribe cannot hide it. */
		if (!ac_any_status(&p->ac, RULES_LIST_SUBSCRIBED, c->ev.list_id)) {
			c->cls = CLS_OUT;
			c->rule = RULES_RULE_R2;
		}
		break;
	case RULES_EV_HARD_BOUNCE:
		c->cls = CLS_OUT;
		c->rule = RULES_RULE_R3;
		break;
	case RULES_EV_SOFT_BOUNCE:
		break;
	case RULES_EV_SF_CHECKED:
		c->cls = CLS_OUT;
		c->rule = c->origin == ORIG_CONVERSION ? RULES_RULE_CONVERSION : RULES_RULE_R4;
		break;
	case RULES_EV_SF_UNCHECKED:
		c->cls = CLS_IN;
		c->rule = RULES_RULE_R5;
		break;
	}
}

static int find_sf(const rules_person *p, rules_object obj, const char *id)
{
	for (size_t i = 0; i < p->n_sf; i++)
		if (p->sf[i].object == obj && rules_sf_id_equal(p->sf[i].id, id))
			return (int)i;
	return -1;
}

static int collect(struct ctx *x, err_t *e)
{
	const rules_person *p = x->p;
	struct cand *c;
	for (size_t i = 0; i < p->n_events; i++) {
		if (!(c = add_cand(x)))
			break;
		c->ev = p->events[i];
		c->origin = ORIG_GIVEN;
	}
	for (size_t i = 0; i < p->ac.n_lists; i++) {
		rules_event ev;
		if (!rules_ac_list_event(&p->ac.lists[i], &ev) || !(c = add_cand(x)))
			continue;
		c->ev = ev;
		c->origin = ORIG_LIST;
	}
	if (p->ac.bounced_hard > (p->ac.bounce_ever_seen ? p->ac.seen_bounced_hard : 0) &&
	    (c = add_cand(x))) {
		c->ev.source = RULES_SRC_AC;
		c->ev.kind = RULES_EV_HARD_BOUNCE;
		c->ev.at_ms = p->ac.bounce_ms;
		c->ev.first_seen = !p->ac.bounce_ever_seen;
		c->origin = ORIG_BOUNCE_COUNT;
	}
	for (size_t i = 0; i < p->n_sf; i++) {
		rules_event ev;
		if (!rules_sf_record_event(&p->sf[i], &ev) || !(c = add_cand(x)))
			continue;
		c->ev = ev;
		c->origin = ORIG_RECORD;
		c->sf_index = (int)i;
	}
	/* Lead conversion: the link moves; a checked Lead's opt-out carries over to its Contact. */
	for (size_t i = 0; i < p->n_sf; i++) {
		const rules_sf_record *r = &p->sf[i];
		if (!sf_counts(r) || !sf_converted(r) || !r->linked || !r->converted_contact_id[0])
			continue;
		int ci = find_sf(p, RULES_OBJ_CONTACT, r->converted_contact_id);
		/* Into a person account: ConvertedContactId is the account's mirror Contact. */
		for (size_t k = 0; ci < 0 && k < p->n_sf; k++)
			if (p->sf[k].object == RULES_OBJ_PERSON_ACCOUNT &&
			    rules_sf_id_equal(p->sf[k].person_contact_id, r->converted_contact_id))
				ci = (int)k;
		if (ci < 0)
			return err_set(
			    e, ERR_NOT_FOUND,
			    "rules: %s: Lead %s was converted to Contact %s, which is not among the "
			    "records given: read it and decide again",
			    p->email, r->id, r->converted_contact_id);
		if (x->n_conv >= x->cap_conv)
			continue; /* cannot happen: one per record at most */
		x->conv[x->n_conv].lead = (int)i;
		x->conv[x->n_conv].contact = ci;
		x->n_conv++;
		if (r->opted_out && !p->sf[ci].opted_out && (c = add_cand(x))) {
			c->ev.source = RULES_SRC_SF;
			c->ev.kind = RULES_EV_SF_CHECKED;
			c->ev.at_ms = r->modstamp_ms;
			c->ev.object = RULES_OBJ_LEAD;
			copy_id(c->ev.record_id, r->id);
			c->origin = ORIG_CONVERSION;
			c->sf_index = (int)i;
			c->contact_index = ci;
		}
	}
	for (size_t i = 0; i < x->n; i++)
		classify(p, &x->c[i]);
	return 0;
}

/* "AC unsubscribe from list 2 at 2026-11-26T10:00:00Z" and the like. */
static void describe(const struct ctx *x, const struct cand *c, struct sbuf *s)
{
	const rules_person *p = x->p;
	char t[40];
	rules_format_time(c->ev.at_ms, t, sizeof t);
	const char *at = time_known(c->ev.at_ms) ? "at " : "at an ";
	const char *tt = time_known(c->ev.at_ms) ? t : "unknown time";
	const char *obj = rules_object_name(c->ev.object);
	switch (c->ev.kind) {
	case RULES_EV_SUBSCRIBE:
		if (c->ev.list_id[0])
			sb_add(s, "AC subscribe to list %s %s%s", c->ev.list_id, at, tt);
		else
			sb_add(s, "AC subscribe %s%s", at, tt);
		break;
	case RULES_EV_UNSUBSCRIBE:
		if (c->ev.list_id[0])
			sb_add(s, "AC unsubscribe from list %s %s%s", c->ev.list_id, at, tt);
		else
			sb_add(s, "AC unsubscribe %s%s", at, tt);
		break;
	case RULES_EV_HARD_BOUNCE:
		if (c->origin == ORIG_BOUNCE_COUNT)
			sb_add(s, "AC hard bounce (bounced_hard %d to %d) %s%s",
			       p->ac.bounce_ever_seen ? p->ac.seen_bounced_hard : 0, p->ac.bounced_hard, at,
			       tt);
		else if (c->origin == ORIG_LIST)
			sb_add(s, "AC list %s status 3 (bounced) %s%s", c->ev.list_id, at, tt);
		else if (c->ev.list_id[0])
			sb_add(s, "AC hard bounce on list %s %s%s", c->ev.list_id, at, tt);
		else
			sb_add(s, "AC hard bounce %s%s", at, tt);
		break;
	case RULES_EV_SOFT_BOUNCE:
		sb_add(s, "AC soft bounce %s%s", at, tt);
		break;
	case RULES_EV_SF_CHECKED:
		if (c->origin == ORIG_CONVERSION)
			sb_add(s, "Lead %s converted to %s %s %s%s with Email Opt Out checked",
			       c->ev.record_id, rules_object_name(p->sf[c->contact_index].object),
			       p->sf[c->contact_index].id, at, tt);
		else if (c->ev.first_seen)
			sb_add(s, "%s %s first seen with Email Opt Out checked %s%s", obj, c->ev.record_id,
			       at, tt);
		else
			sb_add(s, "Email Opt Out checked on %s %s %s%s", obj, c->ev.record_id, at, tt);
		break;
	case RULES_EV_SF_UNCHECKED:
		sb_add(s, "Email Opt Out unchecked on %s %s %s%s", obj, c->ev.record_id, at, tt);
		break;
	}
}

static rules_decision *add_decision(struct ctx *x, rules_direction dir, rules_action act, rules_rule rule)
{
	rules_result *out = x->out;
	if (x->oom)
		return NULL;
	rules_decision *d = grow_one((void **)&out->d, &out->n, &out->cap, sizeof *out->d);
	if (!d) {
		x->oom = true;
		return NULL;
	}
	d->direction = dir;
	d->action = act;
	d->rule = rule;
	d->sf_index = -1;
	d->from_index = -1;
	return d;
}

static void target_sf(rules_decision *d, const rules_person *p, int i)
{
	d->object = p->sf[i].object;
	copy_id(d->record_id, p->sf[i].id);
	d->sf_index = i;
}

/* The outcome of ordering the events. */
struct verdict {
	rules_desired desired;
	rules_rule rule;
	const struct cand *rep;  /* the event that decided */
	const struct cand *r4;   /* the latest SF check not overruled: it unsubscribes AC */
	const struct cand *tied; /* the opt-in that lost to opt-out on a tie or an unknown time */
	bool tie_unknown;
};

static bool later(const struct cand *a, const struct cand *best)
{
	/* Known beats unknown; strictly later beats earlier; the first one met keeps a tie. */
	if (!best)
		return true;
	if (!time_known(a->ev.at_ms))
		return false;
	if (!time_known(best->ev.at_ms))
		return true;
	return a->ev.at_ms > best->ev.at_ms;
}

static void order_events(const struct ctx *x, struct verdict *v)
{
	const struct cand *best_in = NULL, *best_out = NULL, *first_unknown_out = NULL;
	size_t n_in = 0, n_out = 0;
	int64_t max_out = 0;
	for (size_t i = 0; i < x->n; i++) {
		const struct cand *c = &x->c[i];
		if (c->cls == CLS_IN) {
			n_in++;
			if (later(c, best_in))
				best_in = c;
		} else if (c->cls == CLS_OUT) {
			n_out++;
			if (later(c, best_out))
				best_out = c;
			if (!time_known(c->ev.at_ms) && !first_unknown_out)
				first_unknown_out = c;
			else if (time_known(c->ev.at_ms) && c->ev.at_ms > max_out)
				max_out = c->ev.at_ms;
		}
	}
	memset(v, 0, sizeof *v);
	if (!n_in && !n_out)
		return;
	bool in_wins =
	    n_in &&
	    (!n_out || (!first_unknown_out && time_known(best_in->ev.at_ms) && best_in->ev.at_ms > max_out));
	if (in_wins) {
		v->desired = RULES_DESIRED_IN;
		v->rep = best_in;
		v->rule = best_in->rule;
		return;
	}
	v->desired = RULES_DESIRED_OUT;
	/* When the opt-in is later than every known opt-out, it lost to an opt-out of unknown time. */
	if (best_in && first_unknown_out && time_known(best_in->ev.at_ms) && best_in->ev.at_ms > max_out)
		v->rep = first_unknown_out;
	else
		v->rep = best_out;
	v->rule = v->rep->rule;
	if (best_in) {
		bool unknown = !time_known(best_in->ev.at_ms) || !time_known(v->rep->ev.at_ms);
		if (unknown || best_in->ev.at_ms >= v->rep->ev.at_ms) {
			v->tied = best_in;
			v->tie_unknown = unknown;
		}
	}
	/* Every opt-out not strictly earlier than the latest known opt-in stands; among them an SF
	 * check (R4) carries its own consequence in AC. */
	int64_t latest_in = 0;
	for (size_t i = 0; i < x->n; i++)
		if (x->c[i].cls == CLS_IN && time_known(x->c[i].ev.at_ms) && x->c[i].ev.at_ms > latest_in)
			latest_in = x->c[i].ev.at_ms;
	for (size_t i = 0; i < x->n; i++) {
		const struct cand *c = &x->c[i];
		if (c->cls != CLS_OUT || c->rule != RULES_RULE_R4)
			continue;
		bool stands = !latest_in || !time_known(c->ev.at_ms) || c->ev.at_ms >= latest_in;
		if (stands && (c == v->rep || later(c, v->r4)))
			v->r4 = c;
	}
	if (v->rep->rule == RULES_RULE_R4)
		v->r4 = v->rep;
}

static const char *rule_text(rules_rule rule, bool out)
{
	switch (rule) {
	case RULES_RULE_R1:
		return "the person subscribed: Email Opt Out unchecked on every matching record";
	case RULES_RULE_R2:
		return "no list still subscribed";
	case RULES_RULE_R3:
		return "a hard bounce opts out: Email Opt Out checked on every matching record";
	case RULES_RULE_R4:
		return "same email: Email Opt Out checked on every matching record";
	case RULES_RULE_R5:
		return "same email: Email Opt Out unchecked on every matching record";
	case RULES_RULE_CONVERSION:
		return "the Lead's opt-out carries over to the Contact";
	default:
		return out ? "opted out" : "opted in";
	}
}

/* The reason every decision of an event-decided verdict starts with. */
static void verdict_reason(const struct ctx *x, const struct verdict *v, const struct cand *c,
                           const char *why, struct sbuf *s)
{
	describe(x, c, s);
	sb_add(s, "; %s", why);
	if (v->tied && c == v->rep) {
		sb_add(s, " (opt-out wins over ");
		describe(x, v->tied, s);
		sb_add(s, ": %s)", v->tie_unknown ? "time unknown" : "same time");
	}
}

/* SF: give every record the desired value; converted Leads are skipped, never written. */
static void apply_sf(struct ctx *x, bool want_out, rules_rule rule, const char *reason)
{
	const rules_person *p = x->p;
	for (size_t i = 0; i < p->n_sf; i++) {
		const rules_sf_record *r = &p->sf[i];
		if (!sf_counts(r) || r->opted_out == want_out)
			continue;
		rules_decision *d;
		if (sf_converted(r)) {
			if (!(d = add_decision(x, RULES_DIR_AC_TO_SF, RULES_ACT_SKIP, rule)))
				return;
			struct sbuf s;
			sb_init(&s, d->reason, sizeof d->reason);
			sb_add(&s,
			       "%s; Lead %s is converted: never written (Salesforce rejects it: "
			       "CANNOT_UPDATE_CONVERTED_LEAD)",
			       reason, r->id);
		} else {
			if (!(d = add_decision(x, RULES_DIR_AC_TO_SF,
			                       want_out ? RULES_ACT_OPT_OUT : RULES_ACT_OPT_IN, rule)))
				return;
			snprintf(d->reason, sizeof d->reason, "%s", reason);
		}
		target_sf(d, p, (int)i);
	}
}

/* AC: status 2 on every list with status 1; lists with 0, 2 or 3 are left alone. */
static void apply_ac_unsubscribe(struct ctx *x, rules_rule rule, const char *reason)
{
	const rules_person *p = x->p;
	if (!has_ac(p))
		return;
	for (size_t i = 0; i < p->ac.n_lists; i++) {
		const rules_ac_list *l = &p->ac.lists[i];
		if (l->status != RULES_LIST_SUBSCRIBED)
			continue;
		rules_decision *d = add_decision(x, RULES_DIR_SF_TO_AC, RULES_ACT_UNSUBSCRIBE, rule);
		if (!d)
			return;
		d->object = RULES_OBJ_AC_CONTACT;
		copy_id(d->record_id, p->ac.contact_id);
		copy_id(d->list_id, l->id);
		snprintf(d->reason, sizeof d->reason, "%s", reason);
	}
}

/* "no list with status 1, and a list with 2 or 3 or a hard bounce": AC's own opt-out. */
static bool ac_opted_out(const rules_person *p)
{
	if (!has_ac(p) || ac_any_status(&p->ac, RULES_LIST_SUBSCRIBED, NULL))
		return false;
	return p->ac.bounced_hard > 0 || ac_any_status(&p->ac, RULES_LIST_UNSUBSCRIBED, NULL) ||
	       ac_any_status(&p->ac, RULES_LIST_BOUNCED, NULL);
}

static void decide_first_sync(struct ctx *x)
{
	const rules_person *p = x->p;
	rules_result *out = x->out;
	int sf_out = -1;
	for (size_t i = 0; i < p->n_sf && sf_out < 0; i++)
		if (sf_counts(&p->sf[i]) && p->sf[i].opted_out)
			sf_out = (int)i;
	/* "AC unsubscribed from every list it was on, or bounced": a bounce counts even when a list
	 * is still subscribed. */
	bool bounced = false, unsubscribed = false;
	if (has_ac(p)) {
		bounced = p->ac.bounced_hard > 0 || ac_any_status(&p->ac, RULES_LIST_BOUNCED, NULL);
		for (size_t i = 0; i < p->n_events; i++)
			if (p->events[i].kind == RULES_EV_HARD_BOUNCE && !p->events[i].echo)
				bounced = true;
		unsubscribed = !ac_any_status(&p->ac, RULES_LIST_SUBSCRIBED, NULL) &&
		               ac_any_status(&p->ac, RULES_LIST_UNSUBSCRIBED, NULL);
	}
	out->rule = RULES_RULE_FIRST_SYNC;
	if (sf_out < 0 && !bounced && !unsubscribed) {
		out->desired = RULES_DESIRED_IN;
		return;
	}
	out->desired = RULES_DESIRED_OUT;
	char reason[RULES_REASON_MAX];
	struct sbuf s;
	sb_init(&s, reason, sizeof reason);
	sb_add(&s, "first sync: opt-out is sticky; ");
	if (sf_out >= 0)
		sb_add(&s, "%s %s has Email Opt Out checked", rules_object_name(p->sf[sf_out].object),
		       p->sf[sf_out].id);
	if ((bounced || unsubscribed) && sf_out >= 0)
		sb_add(&s, " and ");
	if (bounced)
		sb_add(&s, "AC contact %s hard-bounced", p->ac.contact_id);
	else if (unsubscribed)
		sb_add(&s, "AC contact %s is unsubscribed from every list it was on", p->ac.contact_id);
	apply_sf(x, true, RULES_RULE_FIRST_SYNC, reason);
	if (!bounced && !unsubscribed)
		apply_ac_unsubscribe(x, RULES_RULE_FIRST_SYNC, reason);
}

/* No event decided: a record first seen unchecked joins a person who is opted out. */
static void decide_new_records(struct ctx *x)
{
	const rules_person *p = x->p;
	int seen_checked = -1;
	bool any_seen = false;
	for (size_t i = 0; i < p->n_sf; i++) {
		const rules_sf_record *r = &p->sf[i];
		if (!sf_writable(r) || !r->ever_seen)
			continue;
		any_seen = true;
		if (r->opted_out && seen_checked < 0)
			seen_checked = (int)i;
	}
	bool ac_out = !any_seen && ac_opted_out(p);
	if (seen_checked < 0 && !ac_out)
		return;
	for (size_t i = 0; i < p->n_sf; i++) {
		const rules_sf_record *r = &p->sf[i];
		if (!sf_writable(r) || r->ever_seen || r->opted_out)
			continue;
		rules_decision *d =
		    add_decision(x, RULES_DIR_AC_TO_SF, RULES_ACT_OPT_OUT, RULES_RULE_NEW_RECORD);
		if (!d)
			return;
		target_sf(d, p, (int)i);
		struct sbuf s;
		sb_init(&s, d->reason, sizeof d->reason);
		sb_add(&s, "%s %s first seen with Email Opt Out unchecked; the person is opted out (",
		       rules_object_name(r->object), r->id);
		if (seen_checked >= 0)
			sb_add(&s, "%s %s has Email Opt Out checked)",
			       rules_object_name(p->sf[seen_checked].object), p->sf[seen_checked].id);
		else
			sb_add(&s, "AC contact %s has no list subscribed)", p->ac.contact_id);
		x->out->desired = RULES_DESIRED_OUT;
		x->out->rule = RULES_RULE_NEW_RECORD;
	}
}

static void decide_events(struct ctx *x)
{
	const rules_person *p = x->p;
	rules_result *out = x->out;
	struct verdict v;
	order_events(x, &v);
	if (v.desired == RULES_DESIRED_NONE) {
		decide_new_records(x);
		return;
	}
	out->desired = v.desired;
	out->rule = v.rule;
	out->has_decider = true;
	out->decider = v.rep->ev;
	bool want_out = v.desired == RULES_DESIRED_OUT;

	char reason[RULES_REASON_MAX];
	struct sbuf s;
	sb_init(&s, reason, sizeof reason);
	verdict_reason(x, &v, v.rep, rule_text(v.rule, want_out), &s);
	apply_sf(x, want_out, v.rule, reason);

	if (want_out && v.r4) {
		sb_init(&s, reason, sizeof reason);
		verdict_reason(x, &v, v.r4, "unsubscribe from every subscribed list", &s);
		apply_ac_unsubscribe(x, RULES_RULE_R4, reason);
	}
	if (v.rule == RULES_RULE_R5 && has_ac(p) && !ac_any_status(&p->ac, RULES_LIST_SUBSCRIBED, NULL)) {
		rules_decision *d = add_decision(x, RULES_DIR_SF_TO_AC, RULES_ACT_SKIP, RULES_RULE_R5);
		if (d) {
			d->object = RULES_OBJ_AC_CONTACT;
			copy_id(d->record_id, p->ac.contact_id);
			sb_init(&s, d->reason, sizeof d->reason);
			verdict_reason(x, &v, v.rep, "nothing in AC: only the person can re-subscribe", &s);
		}
	}
}

/* The record an AC contact is created from: a Contact before a Lead, then record order. */
static int import_source(const rules_person *p)
{
	if (has_ac(p) || p->import == RULES_IMPORT_NONE)
		return -1;
	int best = -1;
	for (size_t i = 0; i < p->n_sf; i++) {
		const rules_sf_record *r = &p->sf[i];
		if (!sf_writable(r))
			continue;
		if (p->import == RULES_IMPORT_NEW &&
		    !(time_known(p->connected_ms) && time_known(r->created_ms) &&
		      r->created_ms > p->connected_ms))
			continue;
		if (best < 0 || (r->object == RULES_OBJ_CONTACT && p->sf[best].object != RULES_OBJ_CONTACT))
			best = (int)i;
	}
	return best;
}

static bool conversion_target(const struct ctx *x, int i)
{
	for (size_t k = 0; k < x->n_conv; k++)
		if (x->conv[k].contact == i)
			return true;
	return false;
}

static rules_tag tag_for(rules_object o, bool created)
{
	if (o == RULES_OBJ_PERSON_ACCOUNT)
		return created ? RULES_TAG_CREATED_FROM_PERSON : RULES_TAG_ADDED_TO_PERSON;
	if (o == RULES_OBJ_LEAD)
		return created ? RULES_TAG_CREATED_FROM_LEAD : RULES_TAG_ADDED_TO_LEAD;
	return created ? RULES_TAG_CREATED_FROM_CONTACT : RULES_TAG_ADDED_TO_CONTACT;
}

/* Create, links and the tags that go with them. Tags are collected here and emitted last. */
static void decide_links(struct ctx *x, unsigned *tags, const char *tag_reason[RULES_TAG_COUNT],
                         char tag_buf[RULES_TAG_COUNT][RULES_REASON_MAX])
{
	const rules_person *p = x->p;
	int src = import_source(p);
	bool creating = src >= 0;
	if (!has_ac(p) && !creating)
		return;
	char t[40];
	if (creating) {
		const rules_sf_record *r = &p->sf[src];
		rules_decision *d = add_decision(x, RULES_DIR_SF_TO_AC, RULES_ACT_CREATE, RULES_RULE_IMPORT);
		if (!d)
			return;
		d->object = RULES_OBJ_AC_CONTACT;
		d->sf_index = src;
		struct sbuf s;
		sb_init(&s, d->reason, sizeof d->reason);
		sb_add(&s, "%s %s has no AC contact; sf_import is %s", rules_object_name(r->object), r->id,
		       rules_import_name(p->import));
		if (p->import == RULES_IMPORT_NEW)
			sb_add(&s, " and it was created at %s, after connecting",
			       rules_format_time(r->created_ms, t, sizeof t));
		rules_tag tg = tag_for(r->object, true);
		*tags |= RULES_TAG_BIT(tg);
		snprintf(tag_buf[tg], RULES_REASON_MAX, "AC contact created from Salesforce %s %s",
		         rules_object_name(r->object), r->id);
		tag_reason[tg] = tag_buf[tg];
	}
	/* How link and tag reasons name the AC contact. */
	char who[RULES_ID_MAX + 48];
	if (creating)
		snprintf(who, sizeof who, "the AC contact created for this email");
	else
		snprintf(who, sizeof who, "AC contact %s", p->ac.contact_id);
	for (size_t k = 0; k < x->n_conv; k++) {
		const rules_sf_record *lead = &p->sf[x->conv[k].lead];
		const rules_sf_record *con = &p->sf[x->conv[k].contact];
		rules_decision *d =
		    add_decision(x, RULES_DIR_SF_TO_AC, RULES_ACT_LINK, RULES_RULE_CONVERSION);
		if (!d)
			return;
		target_sf(d, p, x->conv[k].contact);
		d->from_index = x->conv[k].lead;
		int person = con->object == RULES_OBJ_PERSON_ACCOUNT;
		const char *kind = person ? "PersonAccount" : "Contact";
		rules_tag ctag = person ? RULES_TAG_LEAD_CONVERTED_PERSON : RULES_TAG_LEAD_CONVERTED;
		snprintf(d->reason, sizeof d->reason, "Lead %s converted to %s %s at %s: the link moves to the %s",
		         lead->id, kind, con->id, rules_format_time(lead->modstamp_ms, t, sizeof t), kind);
		if (!(p->ac.tags & RULES_TAG_BIT(ctag)) && !(*tags & RULES_TAG_BIT(ctag))) {
			*tags |= RULES_TAG_BIT(ctag);
			snprintf(tag_buf[ctag], RULES_REASON_MAX, "Salesforce Lead %s converted to %s %s", lead->id,
			         kind, con->id);
			tag_reason[ctag] = tag_buf[ctag];
		}
	}
	for (size_t i = 0; i < p->n_sf; i++) {
		const rules_sf_record *r = &p->sf[i];
		if (!sf_writable(r) || (r->linked && !creating) || conversion_target(x, (int)i))
			continue;
		rules_decision *d = add_decision(x, RULES_DIR_SF_TO_AC, RULES_ACT_LINK,
		                                 creating ? RULES_RULE_IMPORT : RULES_RULE_LINK);
		if (!d)
			return;
		target_sf(d, p, (int)i);
		snprintf(d->reason, sizeof d->reason, "%s %s matches %s by email",
		         rules_object_name(r->object), r->id, who);
		if (creating && r->object == p->sf[src].object)
			continue; /* created-from already says it */
		rules_tag tg = tag_for(r->object, false);
		if ((p->ac.tags | *tags) & RULES_TAG_BIT(tg))
			continue;
		*tags |= RULES_TAG_BIT(tg);
		snprintf(tag_buf[tg], RULES_REASON_MAX, "%s linked to Salesforce %s %s", who,
		         rules_object_name(r->object), r->id);
		tag_reason[tg] = tag_buf[tg];
	}
}

static rules_rule tag_rule(const rules_person *p, rules_tag tg)
{
	if (tg == RULES_TAG_LEAD_CONVERTED || tg == RULES_TAG_LEAD_CONVERTED_PERSON)
		return RULES_RULE_CONVERSION;
	if (tg == RULES_TAG_CREATED_FROM_LEAD || tg == RULES_TAG_CREATED_FROM_CONTACT ||
	    tg == RULES_TAG_CREATED_FROM_PERSON || !has_ac(p))
		return RULES_RULE_IMPORT;
	return RULES_RULE_LINK;
}

/* The ctx's fixed-size arrays, sized from the person; -1 when memory runs out. */
static int ctx_alloc(struct ctx *x, const rules_person *p)
{
	/* Overflow-safe: each count is an array already held in memory. */
	x->cap = p->n_events + p->ac.n_lists + 1 + 2 * p->n_sf;
	x->c = malloc(x->cap * sizeof *x->c);
	x->cap_conv = p->n_sf;
	x->conv = p->n_sf ? malloc(p->n_sf * sizeof *x->conv) : NULL;
	return x->c && (x->conv || !p->n_sf) ? 0 : -1;
}

static void ctx_free(struct ctx *x)
{
	free(x->c);
	free(x->conv);
}

static int refuse(rules_result *out, struct ctx *x)
{
	ctx_free(x);
	result_clear(out);
	return -1;
}

int rules_decide(const rules_person *p, rules_result *out, err_t *e)
{
	result_clear(out);
	if (validate(p, e) < 0)
		return -1;
	struct ctx x;
	memset(&x, 0, sizeof x);
	x.p = p;
	x.out = out;
	if (ctx_alloc(&x, p) < 0) {
		refuse(out, &x);
		return err_set(e, ERR_INTERNAL, "rules: %s: out of memory for %zu records, %zu lists",
		               p->email, p->n_sf, p->ac.n_lists);
	}
	if (collect(&x, e) < 0)
		return refuse(out, &x);
	unsigned tags = 0;
	const char *tag_reason[RULES_TAG_COUNT] = {0};
	char tag_buf[RULES_TAG_COUNT][RULES_REASON_MAX];
	decide_links(&x, &tags, tag_reason, tag_buf);
	if (p->first_sync)
		decide_first_sync(&x);
	else
		decide_events(&x);
	for (int tg = RULES_TAG_NONE + 1; tg < RULES_TAG_COUNT; tg++) {
		if (!(tags & RULES_TAG_BIT(tg)))
			continue;
		rules_decision *d =
		    add_decision(&x, RULES_DIR_SF_TO_AC, RULES_ACT_TAG, tag_rule(p, (rules_tag)tg));
		if (!d)
			break;
		d->object = RULES_OBJ_AC_CONTACT;
		copy_id(d->record_id, p->ac.contact_id);
		d->tag = (rules_tag)tg;
		snprintf(d->reason, sizeof d->reason, "%s", tag_reason[tg] ? tag_reason[tg] : "");
	}
	if (x.oom) {
		size_t had = out->n;
		refuse(out, &x);
		return err_set(e, ERR_INTERNAL, "rules: %s: out of memory after %zu decisions", p->email,
		               had);
	}
	ctx_free(&x);
	for (size_t i = 0; i < out->n; i++)
		out->d[i].desired = out->desired;
	return 0;
}

/* ---------------------------------------------------------------- audit */

void rules_audit(const rules_person *p, rules_audit_result *out)
{
	memset(out, 0, sizeof *out);
	struct sbuf s;
	sb_init(&s, out->reason, sizeof out->reason);
	int checked = -1, unchecked = -1;
	for (size_t i = 0; i < p->n_sf; i++) {
		const rules_sf_record *r = &p->sf[i];
		if (!sf_writable(r))
			continue;
		if (r->opted_out && checked < 0)
			checked = (int)i;
		if (!r->opted_out && unchecked < 0)
			unchecked = (int)i;
	}
	out->sf = checked >= 0 ? (unchecked >= 0 ? RULES_SIDE_MIXED : RULES_SIDE_OUT)
	                       : (unchecked >= 0 ? RULES_SIDE_IN : RULES_SIDE_NONE);
	const rules_ac_list *sub = has_ac(p) ? ac_first_status(&p->ac, RULES_LIST_SUBSCRIBED) : NULL;
	if (!has_ac(p))
		out->ac = RULES_SIDE_NONE;
	else if (sub)
		out->ac = RULES_SIDE_IN;
	else if (p->ac.bounced_hard > 0 || ac_any_status(&p->ac, RULES_LIST_UNSUBSCRIBED, NULL) ||
	         ac_any_status(&p->ac, RULES_LIST_BOUNCED, NULL))
		out->ac = RULES_SIDE_OUT;
	else
		out->ac = RULES_SIDE_NONE;

	if (out->sf == RULES_SIDE_MIXED) {
		out->disagree = true;
		sb_add(&s, "Salesforce records disagree: %s %s has Email Opt Out checked, %s %s unchecked",
		       rules_object_name(p->sf[checked].object), p->sf[checked].id,
		       rules_object_name(p->sf[unchecked].object), p->sf[unchecked].id);
		return;
	}
	if (out->sf == RULES_SIDE_NONE || out->ac == RULES_SIDE_NONE) {
		sb_add(&s, "only one side has a view");
		return;
	}
	if (out->sf == out->ac) {
		sb_add(&s, "both sides agree: %s", rules_side_name(out->sf));
		return;
	}
	out->disagree = true;
	if (out->sf == RULES_SIDE_OUT) {
		sb_add(&s, "%s %s has Email Opt Out checked but AC contact %s is subscribed to list %s",
		       rules_object_name(p->sf[checked].object), p->sf[checked].id, p->ac.contact_id,
		       sub->id);
		return;
	}
	if (p->last_rule == RULES_RULE_R5) {
		out->accepted = true;
		sb_add(&s,
		       "accepted: Email Opt Out was unchecked in Salesforce (R5) and AC contact %s stays "
		       "unsubscribed: only the person can re-subscribe",
		       p->ac.contact_id);
		return;
	}
	sb_add(&s, "AC contact %s is opted out but %s %s has Email Opt Out unchecked", p->ac.contact_id,
	       rules_object_name(p->sf[unchecked].object), p->sf[unchecked].id);
}
