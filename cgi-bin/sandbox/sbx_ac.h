/* sbx_ac.h - what only the AC files share: AC's answers, and each resource's handlers for ac.c's table. */
#ifndef SBX_AC_H
#define SBX_AC_H

#include "sbx.h"

/* ---- shared answers (ac.c) ---- */
/* AC's validation errors: {"errors":[{"title","detail","code","source":{"pointer"}}]}. */
void sbx_ac_422(sbx_req *r, int status, const char *title, const char *code, const char *pointer);
/* 404 "No Result found for Subscriber with id ...", AC's answer for an unknown contact. */
void sbx_ac_no_subscriber(sbx_req *r, const char *id);
/* Adds links[what] = {base}/ac/api/3/{kind}/{id}/{what}. */
void sbx_ac_link(sbx_req *r, json_object *links, const char *kind, const char *id, const char *what);
/* AC time text for ms, or NULL (JSON null) when !present. */
json_object *sbx_ac_time_or_null(int64_t ms, int present);
/* 1 when e is an address AC accepts. */
int sbx_ac_valid_email(const char *e);
/* limit (default 20, at most 100: AC caps pages) and offset of a collection request. */
void sbx_ac_page_args(const sbx_req *r, int64_t *limit, int64_t *offset);

/* ---- contacts (ac_contacts.c) ---- */
/* The contact's JSON, or NULL if there is none with that id. */
json_object *sbx_ac_contact_by_id(sbx_req *r, int64_t id);
int sbx_ac_contact_exists(sbx_req *r, int64_t id);
void sbx_ac_contacts_list(sbx_req *r);   /* GET contacts */
void sbx_ac_contacts_post(sbx_req *r);   /* POST contacts */
void sbx_ac_contact_sync(sbx_req *r);    /* POST contact/sync */
void sbx_ac_contact_get(sbx_req *r);     /* GET contacts/{id} */
void sbx_ac_contact_update(sbx_req *r);  /* PUT contacts/{id} */
void sbx_ac_contact_delete(sbx_req *r);  /* DELETE contacts/{id} */
void sbx_ac_bounce_logs_get(sbx_req *r); /* GET contacts/{id}/bounceLogs */

/* ---- list memberships (ac_contact_lists.c) ---- */
void sbx_ac_contact_lists_get(sbx_req *r);  /* GET contacts/{id}/contactLists */
void sbx_ac_contact_lists_post(sbx_req *r); /* POST contactLists */

/* ---- lists (ac_lists.c) ---- */
void sbx_ac_lists_get(sbx_req *r); /* GET lists */
void sbx_ac_list_get(sbx_req *r);  /* GET lists/{id} */

/* ---- tags (ac_tags.c) ---- */
void sbx_ac_tags_get(sbx_req *r);           /* GET tags */
void sbx_ac_tag_get(sbx_req *r);            /* GET tags/{id} */
void sbx_ac_tags_post(sbx_req *r);          /* POST tags */
void sbx_ac_contact_tags_get(sbx_req *r);   /* GET contacts/{id}/contactTags */
void sbx_ac_contact_tags_post(sbx_req *r);  /* POST contactTags */
void sbx_ac_contact_tag_delete(sbx_req *r); /* DELETE contactTags/{id} */

/* ---- webhooks (ac_webhooks.c) ---- */
void sbx_ac_webhooks_get(sbx_req *r);       /* GET webhooks */
void sbx_ac_webhooks_post(sbx_req *r);      /* POST webhooks */
void sbx_ac_webhook_one(sbx_req *r);        /* GET or DELETE webhooks/{id} */
void sbx_ac_webhook_put(sbx_req *r);        /* PUT webhooks/{id} */
void sbx_ac_webhook_events_get(sbx_req *r); /* GET webhook/events */

/* ---- bulk import (ac_import.c) ---- */
void sbx_ac_import_post(sbx_req *r); /* POST import/bulk_import */
void sbx_ac_import_info(sbx_req *r); /* GET import/info?batchId= */

/* ---- users (ac_users.c) ---- */
void sbx_ac_users_me(sbx_req *r); /* GET users/me */

#endif
