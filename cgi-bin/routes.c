/* routes.c - the route table: every URL of the dashboard, its methods, and what it needs. web.c
 * enforces the needs once, before a handler runs: a session (NEED_LOGIN), the admin role
 * (NEED_ADMIN), and on every POST the CSRF token plus Sec-Fetch-Site/Origin unless the row says
 * NO_CSRF. Viewers can reach every GET and no POST but /logout. */
#include "ui.h"
#include "ui_shared.h"

/* clang-format off */
const web_route web_routes[] = {
	/* path                          methods  needs                     handler */
	{"/healthz",                     M_GET,   0,                        ui_healthz},
	{"/metrics",                     M_GET,   NEED_METRICS,             ui_metrics},
	{"/",                            M_GET,   NEED_LOGIN,               ui_home},

	{"/login",                       M_GET,   0,                        ui_login},
	{"/login",                       M_POST,  PRE_LOGIN,                ui_login_post},
	{"/logout",                      M_POST,  NEED_LOGIN,               ui_logout},

	{"/setup",                       M_GET,   NEED_LOGIN,               ui_setup},
	{"/setup/ac",                    M_POST,  NEED_ADMIN,               ui_setup_ac},
	{"/setup/sf",                    M_POST,  NEED_ADMIN,               ui_setup_sf},
	{"/setup/test",                  M_POST,  NEED_ADMIN,               ui_setup_test},
	{"/setup/sandbox",               M_POST,  NEED_ADMIN,               ui_setup_sandbox},
	{"/setup/settings",              M_POST,  NEED_ADMIN,               ui_setup_settings},
	{"/setup/webhook",               M_POST,  NEED_ADMIN,               ui_setup_webhook},
	{"/setup/sf-oauth",              M_POST,  NEED_ADMIN,               ui_setup_sf_oauth},
	/* Salesforce sends the browser back cross-site: SameSite=Strict withholds the session, so
	 * the single-use state of the flow is the credential here (see ui_setup.c). */
	{"/oauth/salesforce/callback",   M_GET,   0,                        ui_oauth_callback},

	{"/users",                       M_GET,   NEED_LOGIN,               ui_users},
	{"/users/add",                   M_POST,  NEED_ADMIN,               ui_users_add},
	{"/users/delete",                M_POST,  NEED_ADMIN,               ui_users_delete},

	{"/status",                      M_GET,   NEED_LOGIN,               ui_status},
	{"/status/progress.json",        M_GET,   NEED_LOGIN,               ui_status_progress},
	{"/status/sync",                 M_POST,  NEED_ADMIN,               ui_status_sync},
	{"/status/preview",              M_POST,  NEED_ADMIN,               ui_status_preview},
	{"/status/confirm",              M_POST,  NEED_ADMIN,               ui_status_confirm},

	{"/contacts",                    M_GET,   NEED_LOGIN,               ui_contacts},
	{"/contacts/resync",             M_POST,  NEED_ADMIN,               ui_contacts_resync},

	{"/checks",                      M_GET,   NEED_LOGIN,               ui_checks},
	{"/checks.json",                 M_GET,   NEED_LOGIN,               ui_checks_json},
	/* A run costs about ten API calls: viewers see the last one (30 s), only admins run again. */
	{"/checks/run",                  M_POST,  NEED_ADMIN,               ui_checks_run},

	{"/audit",                       M_GET,   NEED_LOGIN,               ui_audit},
	{"/audit.csv",                   M_GET,   NEED_LOGIN,               ui_audit_csv},
	{"/audit/fix",                   M_POST,  NEED_ADMIN,               ui_audit_fix},

	/* AC neither signs webhooks nor sends a token: the secret in the path is checked instead.
	 * The path is WEBHOOK_PATH (webhook_reg.h), written out because the table is read as text
	 * (sec_auth.sh); test_web_routes checks that the two agree. */
	{"/hooks/activecampaign/",       M_POST,  PREFIX | NO_CSRF,         ui_hook_ac},
	{NULL, 0, 0, NULL},
};
/* clang-format on */

int (*const web_error_page)(web_req *r, int status, const char *msg) = page_error_page;
