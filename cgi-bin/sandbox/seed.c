/* seed.c - a deterministic demo org: the same seed gives the same people, lists, statuses and records.
 * The caller holds the transaction. */
#include "sbx.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

typedef struct {
	uint64_t s;
} prng;

static uint64_t next(prng *p)
{
	uint64_t z = (p->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int pick(prng *p, int n)
{
	return (int)(next(p) % (uint64_t)n);
}

static int chance(prng *p, int percent)
{
	return pick(p, 100) < percent;
}

/* display name, the ASCII form used in email addresses */
static const char *const firsts[][2] = {
    {"Ada", "ada"},       {"Grace", "grace"}, {"Alan", "alan"},   {"Zoë", "zoe"},     {"José", "jose"},
    {"Mia", "mia"},       {"Noah", "noah"},   {"Liam", "liam"},   {"Emma", "emma"},   {"Olivia", "olivia"},
    {"Sofia", "sofia"},   {"Lucas", "lucas"}, {"Chloé", "chloe"}, {"Ines", "ines"},   {"Mateo", "mateo"},
    {"Hana", "hana"},     {"Yuki", "yuki"},   {"Aarav", "aarav"}, {"Priya", "priya"}, {"Omar", "omar"},
    {"Fatima", "fatima"}, {"Björn", "bjorn"}, {"Sven", "sven"},   {"Amara", "amara"}, {"Kwame", "kwame"},
    {"Lena", "lena"},     {"Jonas", "jonas"}, {"Marta", "marta"}, {"Pablo", "pablo"}, {"Elena", "elena"},
    {"Ravi", "ravi"},     {"Mei", "mei"},     {"Chen", "chen"},   {"Nadia", "nadia"}, {"Tomás", "tomas"},
    {"Ingrid", "ingrid"}, {"Kofi", "kofi"},   {"Leila", "leila"}, {"Arjun", "arjun"}, {"Freya", "freya"},
};
static const char *const lasts[][2] = {
    {"Lovelace", "lovelace"}, {"Hopper", "hopper"},     {"Turing", "turing"},     {"Müller", "muller"},
    {"García", "garcia"},     {"O'Brien", "o'brien"},   {"Nakamura", "nakamura"}, {"Okafor", "okafor"},
    {"Schmidt", "schmidt"},   {"Rossi", "rossi"},       {"Dubois", "dubois"},     {"Novak", "novak"},
    {"Kowalski", "kowalski"}, {"Silva", "silva"},       {"Hansen", "hansen"},     {"Patel", "patel"},
    {"Kim", "kim"},           {"Nguyen", "nguyen"},     {"Haddad", "haddad"},     {"Mensah", "mensah"},
    {"Larsen", "larsen"},     {"Fischer", "fischer"},   {"Moreau", "moreau"},     {"Costa", "costa"},
    {"Ivanova", "ivanova"},   {"Tanaka", "tanaka"},     {"Singh", "singh"},       {"Cohen", "cohen"},
    {"Walsh", "walsh"},       {"D'Angelo", "d'angelo"},
};
static const char *const domains[] = {"example.com", "example.org", "example.net", "mail.example.com"};
static const char *const companies[] = {
    "Acme Corp",           "Globex",           "Initech",          "Umbrella", "Hooli",
    "Vandelay Industries", "Stark Industries", "Wayne Enterprises"};

#define DAY_MS (86400LL * 1000)

static void mixed_case(char *s, prng *p)
{
	/* Capitalise the start of each part: Jane.Doe@Example.com */
	int up = 1;
	for (; *s; s++) {
		if (up && isalpha((unsigned char)*s))
			*s = (char)toupper((unsigned char)*s);
		up = (*s == '.' || *s == '@');
		if (*s == '@' && chance(p, 30)) {
			for (s++; *s; s++)
				*s = (char)toupper((unsigned char)*s);
			return;
		}
	}
}

typedef struct {
	sqlite3 *db;
	sqlite3_stmt *ac_contact, *ac_cl, *ac_bounce, *sf_rec;
	int64_t now;
} seeder;

static int64_t add_sf(seeder *s, const char *type, const char *first, const char *last, const char *email,
                      int opted, int64_t created, int64_t mod, const char *company, char id_out[19])
{
	int64_t serial = sbx_db_next_serial(s->db, strcmp(type, "Contact") == 0 ? "contact" : "lead");
	sbx_sf_make_id(strcmp(type, "Contact") == 0 ? "003" : "00Q", serial, id_out);
	sqlite3_stmt *st = s->sf_rec;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, id_out, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, first, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, last, -1, SQLITE_TRANSIENT);
	if (email)
		sqlite3_bind_text(st, 5, email, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_int(st, 6, opted);
	sqlite3_bind_int64(st, 7, created);
	sqlite3_bind_int64(st, 8, mod);
	if (company)
		sqlite3_bind_text(st, 9, company, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 9);
	sqlite3_bind_text(st, 10, strcmp(type, "Lead") == 0 ? "Open - Not Contacted" : NULL, -1,
	                  SQLITE_STATIC);
	sqlite3_step(st);
	return sqlite3_last_insert_rowid(s->db);
}

static void one_person(seeder *s, prng *p, int i)
{
	int fi = pick(p, (int)(sizeof firsts / sizeof firsts[0]));
	int li = pick(p, (int)(sizeof lasts / sizeof lasts[0]));
	char email[200];
	snprintf(email, sizeof email, "%s.%s%d@%s", firsts[fi][1], lasts[li][1], i + 1,
	         domains[pick(p, (int)(sizeof domains / sizeof domains[0]))]);
	const char *first = firsts[fi][0], *last = lasts[li][0];
	int64_t created = s->now - (30 + pick(p, 370)) * DAY_MS - pick(p, 86400) * 1000LL;
	int64_t updated = created + (int64_t)(next(p) % (uint64_t)(s->now - 2 * DAY_MS - created));
	updated -= updated % 1000;
	created -= created % 1000;

	int roll = pick(p, 100);
	int has_ac = roll < 10 || roll >= 15, has_sf = roll >= 10; /* 10% AC only, 5% SF only */
	int unsub_all = 0;
	if (has_ac) {
		char ac_email[200];
		snprintf(ac_email, sizeof ac_email, "%s", email);
		if (chance(p, 5))
			mixed_case(ac_email, p);
		int hard = chance(p, 3), soft = !hard && chance(p, 4);
		sqlite3_stmt *st = s->ac_contact;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, ac_email, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, email, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, first, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, last, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, created);
		sqlite3_bind_int64(st, 6, updated);
		sqlite3_bind_int(st, 7, hard);
		sqlite3_bind_int(st, 8, soft ? 1 + pick(p, 2) : 0);
		if (hard || soft)
			sqlite3_bind_int64(st, 9, updated);
		else
			sqlite3_bind_null(st, 9);
		sqlite3_step(st);
		int64_t cid = sqlite3_last_insert_rowid(s->db);
		int on = 0, active = 0, unsub = 0;
		for (int list = 1; list <= 3; list++) {
			if (!chance(p, list == 1 ? 75 : 40) && !(list == 3 && on == 0))
				continue;
			int r = pick(p, 100);
			int status = r < 78 ? 1 : r < 95 ? 2 : 0;
			if (hard && status == 1)
				status = 3;
			on++;
			active += status == 1;
			unsub += status == 2;
			sqlite3_stmt *cl = s->ac_cl;
			sqlite3_reset(cl);
			sqlite3_bind_int64(cl, 1, cid);
			sqlite3_bind_int(cl, 2, list);
			sqlite3_bind_int(cl, 3, status);
			sqlite3_bind_int64(cl, 4, created);
			sqlite3_bind_int64(cl, 5, status == 1 ? created : updated);
			if (status == 2 && chance(p, 50))
				sqlite3_bind_text(cl, 6, "No longer interested", -1, SQLITE_STATIC);
			else
				sqlite3_bind_null(cl, 6);
			sqlite3_step(cl);
		}
		unsub_all = active == 0 && unsub > 0;
		if (hard || soft) {
			sqlite3_stmt *b = s->ac_bounce;
			sqlite3_reset(b);
			sqlite3_bind_int64(b, 1, cid);
			sqlite3_bind_int64(b, 2, updated);
			sqlite3_bind_text(b, 3, ac_email, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(b, 4, hard ? "hard" : "soft", -1, SQLITE_STATIC);
			sqlite3_bind_text(b, 5, hard ? "5.1.1" : "4.2.2", -1, SQLITE_STATIC);
			sqlite3_bind_text(b, 6, hard ? "550 5.1.1 User unknown" : "452 4.2.2 Mailbox full",
			                  -1, SQLITE_STATIC);
			sqlite3_step(b);
			unsub_all |= hard;
		}
	}
	if (!has_sf)
		return;
	char sf_email[200];
	snprintf(sf_email, sizeof sf_email, "%s", email);
	if (chance(p, 15))
		mixed_case(sf_email, p);
	int opted = unsub_all ? chance(p, 60) : chance(p, 5);
	int64_t mod = created + (int64_t)(next(p) % (uint64_t)(s->now - DAY_MS - created));
	mod -= mod % 1000;
	const char *company = companies[pick(p, (int)(sizeof companies / sizeof companies[0]))];
	int kind = pick(p, 100);
	char cid[19] = "", lid[19];
	if (kind < 55 || kind >= 90) /* a Contact (also for Lead+Contact) */
		add_sf(s, "Contact", first, last, sf_email, opted, created, mod, NULL, cid);
	if (kind >= 55) { /* a Lead, alone or next to the Contact */
		int64_t rid = add_sf(s, "Lead", first, last, sf_email, opted, created, mod, company, lid);
		if (chance(p, 12)) {
			/* converted: its Contact is the one with this email, made now if there is none */
			if (!*cid)
				add_sf(s, "Contact", first, last, sf_email, opted, mod, mod, NULL, cid);
			sqlite3_stmt *u = sbx_db_prep(
			    s->db, "UPDATE sf_records SET is_converted = 1, converted_contact_id = ?1,"
			           " converted_ms = ?2, lead_status = 'Closed - Converted'"
			           " WHERE rid = ?3");
			if (u) {
				sqlite3_bind_text(u, 1, cid, -1, SQLITE_TRANSIENT);
				sqlite3_bind_int64(u, 2, mod);
				sqlite3_bind_int64(u, 3, rid);
				sqlite3_step(u);
				sqlite3_finalize(u);
			}
		}
	}
	if (kind < 55 && chance(p, 5)) { /* a duplicate Contact */
		char dup[19];
		add_sf(s, "Contact", first, last, email, opted, created + DAY_MS, mod, NULL, dup);
	}
}

int sbx_seed_reset(sbx_app *app, uint64_t seed, int people, err_t *e)
{
	sqlite3 *db = app->db;
	if (sbx_schema_wipe(db, e))
		return -1;
	sbx_knobs_reset(db);
	sbx_stats_reset(app);
	seeder s = {db, NULL, NULL, NULL, NULL, sbx_now_ms()};
	s.now -= s.now % 1000;
	prng p = {seed * 0x2545f4914f6cdd1dULL + 12345};

	static const char *const lists[][2] = {{"Newsletter", "newsletter"},
	                                       {"Product Updates", "product-updates"},
	                                       {"Events & Webinars", "events"}};
	sqlite3_stmt *st =
	    sbx_db_prep(db, "INSERT INTO ac_lists(id, name, stringid, cdate_ms) VALUES(?1, ?2, ?3, ?4)");
	for (int i = 0; st && i < 3; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int(st, 1, i + 1);
		sqlite3_bind_text(st, 2, lists[i][0], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, lists[i][1], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, s.now - 500 * DAY_MS);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	/* a decoy: tag search is a substring match, so an exact-name lookup must check the name */
	static const char *const tags[] = {"vip", "customer", "webinar-2026",
	                                   "added-to-salesforce-lead-legacy"};
	st = sbx_db_prep(
	    db, "INSERT INTO ac_tags(tag, tag_type, description, cdate_ms) VALUES(?1, 'contact', '', ?2)");
	for (size_t i = 0; st && i < sizeof tags / sizeof tags[0]; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, tags[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, s.now - 400 * DAY_MS);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);

	s.ac_contact =
	    sbx_db_prep(db, "INSERT INTO ac_contacts(email, email_lc, first_name, last_name, phone, cdate_ms,"
	                    " udate_ms, bounced_hard, bounced_soft, bounced_date_ms)"
	                    " VALUES(?1, lower(?2), ?3, ?4, '', ?5, ?6, ?7, ?8, ?9)");
	s.ac_cl = sbx_db_prep(
	    db, "INSERT INTO ac_contact_lists(contact, list, status, sdate_ms, udate_ms, unsubreason)"
	        " VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
	s.ac_bounce = sbx_db_prep(
	    db, "INSERT INTO ac_bounce_logs(contact, tstamp_ms, email, kind, code, error, campaign)"
	        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, 1)");
	s.sf_rec =
	    sbx_db_prep(db, "INSERT INTO sf_records(id, type, first_name, last_name, email, phone, opted_out,"
	                    " created_ms, modified_ms, modstamp_ms, company, lead_status)"
	                    " VALUES(?1, ?2, ?3, ?4, ?5, NULL, ?6, ?7, ?8, ?8, ?9, ?10)");
	if (!s.ac_contact || !s.ac_cl || !s.ac_bounce || !s.sf_rec) {
		err_set(e, ERR_DB, "sandbox seed: %s", sqlite3_errmsg(db));
		goto fail_st;
	}
	for (int i = 0; i < people; i++)
		one_person(&s, &p, i);
	/* people Salesforce holds without an email address */
	for (int i = 0; i < (people ? 5 : 0); i++) {
		char id[19];
		int64_t created = s.now - (40 + i) * DAY_MS;
		add_sf(&s, i % 2 ? "Lead" : "Contact", firsts[(i * 7) % 40][0], lasts[(i * 3) % 30][0], NULL,
		       0, created, created + DAY_MS, i % 2 ? "Initech" : NULL, id);
	}
	sqlite3_finalize(s.ac_contact);
	sqlite3_finalize(s.ac_cl);
	sqlite3_finalize(s.ac_bounce);
	sqlite3_finalize(s.sf_rec);
	char meta[64];
	snprintf(meta, sizeof meta, "%llu", (unsigned long long)seed);
	sbx_meta_set(db, "seed", meta);
	snprintf(meta, sizeof meta, "%d", people);
	sbx_meta_set(db, "people", meta);
	return 0;
fail_st:
	sqlite3_finalize(s.ac_contact);
	sqlite3_finalize(s.ac_cl);
	sqlite3_finalize(s.ac_bounce);
	sqlite3_finalize(s.sf_rec);
	return -1;
}

int sbx_seed_person_accounts(sbx_app *app, err_t *e)
{
	sqlite3 *db = app->db;
	sbx_knob_set_json(db, "person_accounts", json_object_new_boolean(1));
	/* Every third Contact that is alone with its email becomes a person account: deterministic,
	 * and none shares its address with a second Contact (a person is one person account). */
	sqlite3_stmt *st = sbx_db_prep(
	    db, "SELECT c.rid FROM sf_records c WHERE c.type = 'Contact' AND c.email IS NOT NULL"
	        " AND c.rid % 3 = 0 AND (SELECT count(*) FROM sf_records d WHERE d.type = 'Contact'"
	        " AND lower(d.email) = lower(c.email)) = 1 ORDER BY c.rid");
	sqlite3_stmt *up = sbx_db_prep(db, "UPDATE sf_records SET account_id = ?1 WHERE rid = ?2");
	if (!st || !up) {
		sqlite3_finalize(st);
		sqlite3_finalize(up);
		return err_set(e, ERR_DB, "sandbox seed: %s", sqlite3_errmsg(db));
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		char account[19];
		sbx_sf_make_id("001", sbx_db_next_serial(db, "account"), account);
		sqlite3_reset(up);
		sqlite3_bind_text(up, 1, account, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(up, 2, sqlite3_column_int64(st, 0));
		sqlite3_step(up);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	sbx_meta_set(db, "person_accounts", "1");
	return 0;
}
