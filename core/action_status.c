/* action_status.c - the words the store keeps for action_status, both ways. */
#include "action_status.h"

#include <string.h>

static const char *const names[ACTION_STATUS_COUNT] = {"pending", "planned",  "applied",
                                                       "skipped", "retrying", "failed"};

const char *action_status_name(action_status s)
{
	return (unsigned)s < ACTION_STATUS_COUNT ? names[s] : "?";
}

int action_status_parse(const char *s, action_status *out, err_t *e)
{
	for (unsigned i = 0; s && i < ACTION_STATUS_COUNT; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (action_status)i;
			return 0;
		}
	}
	return err_set(e, ERR_DB, "unknown status '%.32s'", s ? s : "");
}
