/* ui_shared.h - the frame every page shares: the layout, its navigation, the error and notice
 * boxes, and the "not available yet" box for parts of the core that have not landed. */
#ifndef OPTSYNC_UI_SHARED_H
#define OPTSYNC_UI_SHARED_H

#include "store_log.h"
#include "web.h"

/* Starts a page: the layout (layout.tpl) whose {{>BODY}} is file. nav names the navigation entry to
 * mark current ("status", "setup", ...; NULL hides the navigation, as on the login page). Returns
 * the dictionary of file, which the handler fills; NULL when out of memory. */
tpl_dict *page_begin(web_req *r, const char *title, const char *file, const char *nav);

/* Expands the page into r->out and returns status (500 if the template failed). */
int page_end(web_req *r, int status);

/* The red box above the page (an operation failed) and the green one (it worked). */
void page_error_box(web_req *r, const char *msg);
void page_notice(web_req *r, const char *msg);

/* A whole page saying msg, for web_error; returns -1 when templates are not usable. */
int page_error_page(web_req *r, int status, const char *msg);

/* Shows {{#ADMIN}} or {{#VIEWER}} in section dictionary d. The layout shows them template-wide,
 * but ctemplate expands a section found in an ancestor with the ancestor's values: a row's own
 * variables ({{EMAIL}} in a row's admin-only form) are only seen when the row shows it itself. */
void page_role(web_req *r, tpl_dict *d);

/* Fills the {{#UNAVAILABLE}} section of d: this part of the sync core is not built yet. */
void page_unavailable(tpl_dict *d, const char *what);

/* Formats an ISO time ("2026-11-26T14:09:25Z") for people ("2026-11-26 14:09:25 UTC"). */
void page_time(const char *iso, char *out, size_t n);

/* Fills one row of a log table (AT, RUN, RUN_URL, DIRECTION, EMAIL, EMAIL_URL, OBJECT, RECORD,
 * ACTION, STATUS, REASON, ERROR): /status and /contacts show the same columns. */
void page_log_row(tpl_dict *row, const log_entry *l);

#endif
