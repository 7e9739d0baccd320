/* demo.h - the sandbox's demo credentials for "Use the sandbox" on /setup, taken from the
 * sandbox's own header so the two never drift apart. */
#ifndef OPTSYNC_WEB_DEMO_H
#define OPTSYNC_WEB_DEMO_H

const char *demo_ac_key(void);
const char *demo_sf_client_id(void);
const char *demo_sf_client_secret(void);

#endif
