/* ac_int.h - what the parts of the ActiveCampaign client share (ac.c, ac_import.c); not for callers
 * outside the client. */
#ifndef OPTSYNC_AC_INT_H
#define OPTSYNC_AC_INT_H

#include <json-c/json.h>

#include "ac.h"

/* One call: method path_query (relative to /api/3) with an optional JSON body; *out gets the JSON
 * object answered (json_object_put it). once: one attempt, no retry by the HTTP layer. op names the
 * call in messages. */
int ac_call(ac_client *c, const char *method, const char *path_query, json_object *body, const char *op,
            int once, json_object **out, err_t *e);

/* The client's HTTP layer, for messages in its voice (http_fail). */
http_client *ac_http(ac_client *c);

#endif
