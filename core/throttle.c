/* throttle.c - sign-in throttle policy (see throttle.h). */
#include "throttle.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

const throttle_policy THROTTLE_ACCOUNT = {3, 300};
const throttle_policy THROTTLE_ADDRESS = {20, 300};
const throttle_policy THROTTLE_DEVICE = {5, 60};

long throttle_delay(const throttle_policy *p, long failures)
{
	if (failures <= p->free)
		return 0;
	long over = failures - p->free - 1;
	if (over >= 30)
		return p->cap;
	long d = 1L << over;
	return d > p->cap ? p->cap : d;
}

void throttle_addr_key(const char *addr, char *out, size_t n)
{
	struct in_addr v4;
	struct in6_addr v6;
	char buf[INET6_ADDRSTRLEN];
	if (addr && inet_pton(AF_INET, addr, &v4) == 1) {
		inet_ntop(AF_INET, &v4, buf, sizeof buf);
		snprintf(out, n, "addr:%s", buf);
		return;
	}
	if (addr && inet_pton(AF_INET6, addr, &v6) == 1) {
		if (IN6_IS_ADDR_V4MAPPED(&v6)) {
			memcpy(&v4, &v6.s6_addr[12], 4);
			inet_ntop(AF_INET, &v4, buf, sizeof buf);
			snprintf(out, n, "addr:%s", buf);
			return;
		}
		memset(&v6.s6_addr[8], 0, 8);
		inet_ntop(AF_INET6, &v6, buf, sizeof buf);
		snprintf(out, n, "addr:%s/64", buf);
		return;
	}
	snprintf(out, n, "addr:?");
}
