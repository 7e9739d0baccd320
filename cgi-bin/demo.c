/* demo.c - the sandbox's documented demo credentials (SBX_*_DEFAULT in cgi-bin/sandbox/sbx.h) for
 * "Use the sandbox". Taken from that header when it is in the tree, so the two never drift; the
 * same values stand in while it is not. Kept in a file of its own: sbx.h's helper names would
 * clash with the dashboard's. */
#include "demo.h"

#if defined(__has_include)
#if __has_include("sandbox/sbx.h")
#include "sandbox/sbx.h"
#endif
#endif
#ifndef SBX_AC_KEY_DEFAULT
#define SBX_AC_KEY_DEFAULT "sandbox-ac-key"
#define SBX_SF_CLIENT_ID_DEFAULT "sandbox-client-id"
#define SBX_SF_CLIENT_SECRET_DEFAULT "sandbox-client-secret"
#endif

const char *demo_ac_key(void)
{
	return SBX_AC_KEY_DEFAULT;
}

const char *demo_sf_client_id(void)
{
	return SBX_SF_CLIENT_ID_DEFAULT;
}

const char *demo_sf_client_secret(void)
{
	return SBX_SF_CLIENT_SECRET_DEFAULT;
}
