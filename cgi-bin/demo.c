/* demo.c - the sandbox's documented demo credentials (SBX_*_DEFAULT in cgi-bin/sandbox/sbx.h) for
 * "Use the sandbox", taken from that header so the two never drift. Every external name of the
 * sandbox is prefixed sbx_, so its header sits beside the dashboard's without a clash. */
#include "demo.h"

#include "sandbox/sbx.h"

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
