/* ui_audit.c - /audit: people whose two sides disagree, with a fix per row and CSV export. The
 * audit itself belongs to the sync engine (core); until core provides it, the page says so. */
#include "ui.h"
#include "ui_shared.h"

int ui_audit(web_req *r)
{
	tpl_dict *d = page_begin(r, "Audit", "audit.tpl", "audit");
	if (!d)
		return 500;
	page_unavailable(d, "The audit (people whose two sides disagree) comes from the sync engine, which "
	                    "does not provide it yet.");
	return page_end(r, 200);
}

int ui_audit_csv(web_req *r)
{
	return web_text(r, 503, "text/plain; charset=utf-8", "The audit is not available yet.\n");
}
