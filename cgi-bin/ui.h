/* ui.h - the page handlers, one file each (ui_NAME.c); the route table in routes.c points at them.
 * Each returns the HTTP status it answered with. */
#ifndef OPTSYNC_UI_H
#define OPTSYNC_UI_H

#include "web.h"

int ui_healthz(web_req *r);     /* ui_health.c */
int ui_home(web_req *r);        /* ui_home.c */
int ui_login(web_req *r);       /* ui_login.c: GET, the sign-in or first-run form */
int ui_login_post(web_req *r);  /* ui_login.c: POST, sign in or create the first admin */
int ui_logout(web_req *r);      /* ui_login.c */

#endif
