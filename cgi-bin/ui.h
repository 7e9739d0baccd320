/* ui.h - the page handlers, one file per page (ui_NAME.c); the route table in routes.c points at
 * them. Each returns the HTTP status it answered with. */
#ifndef OPTSYNC_UI_H
#define OPTSYNC_UI_H

#include "web.h"

int ui_healthz(web_req *r); /* ui_health.c */
int ui_metrics(web_req *r); /* ui_metrics.c */
int ui_home(web_req *r);    /* ui_home.c */

int ui_login(web_req *r);      /* ui_login.c: the sign-in or first-run form */
int ui_login_post(web_req *r); /*   sign in, or create the first administrator */
int ui_logout(web_req *r);

int ui_setup(web_req *r); /* ui_setup.c */
int ui_setup_ac(web_req *r);
int ui_setup_sf(web_req *r);
int ui_setup_test(web_req *r);
int ui_setup_sandbox(web_req *r);
int ui_setup_settings(web_req *r);
int ui_setup_webhook(web_req *r);
int ui_setup_sf_oauth(web_req *r);
int ui_oauth_callback(web_req *r);

int ui_users(web_req *r); /* ui_users.c */
int ui_users_add(web_req *r);
int ui_users_delete(web_req *r);

int ui_status(web_req *r); /* ui_status.c */
int ui_status_sync(web_req *r);
int ui_status_preview(web_req *r);
int ui_status_confirm(web_req *r);
int ui_status_progress(web_req *r);

int ui_contacts(web_req *r); /* ui_contacts.c */
int ui_contacts_resync(web_req *r);

int ui_checks(web_req *r); /* ui_checks.c */
int ui_checks_json(web_req *r);
int ui_checks_run(web_req *r); /*   "Run again": a fresh run (admin) */

int ui_audit(web_req *r); /* ui_audit.c */
int ui_audit_csv(web_req *r);
int ui_audit_fix(web_req *r);

int ui_hook_ac(web_req *r); /* ui_hooks.c */

#endif
