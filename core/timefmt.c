/* timefmt.c - parsing the sources' timestamps and formatting ours. */
#include "timefmt.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t timefmt_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void timefmt_iso_ms(int64_t epoch_ms, char *buf, size_t n)
{
	time_t t = (time_t)(epoch_ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	int ms = (int)(epoch_ms % 1000);
	if (ms)
		snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
	else
		snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void timefmt_iso_offset(int64_t epoch_ms, int offset_min, char *buf, size_t n)
{
	int64_t s = epoch_ms / 1000 + (int64_t)offset_min * 60;
	time_t t = (time_t)s;
	struct tm tm;
	gmtime_r(&t, &tm);
	int a = offset_min < 0 ? -offset_min : offset_min;
	snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, offset_min < 0 ? '-' : '+', a / 60, a % 60);
}

void timefmt_now_iso(char *buf, size_t n)
{
	timefmt_iso_ms(timefmt_now_ms() / 1000 * 1000, buf, n);
}

static int digits(const char **p, int count, int *out)
{
	int v = 0;
	for (int i = 0; i < count; i++) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	*out = v;
	return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (no timegm: it is not C11). */
static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int timefmt_parse(const char *s, int64_t *epoch_ms)
{
	if (!s)
		return -1;
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0;
	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' || digits(&p, 2, &d))
		return -1;
	if (*p == 'T' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			return -1;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec))
				return -1;
		}
		if (*p == '.') {
			p++;
			int scale = 100;
			while (isdigit((unsigned char)*p)) {
				ms += (*p - '0') * scale;
				scale /= 10;
				p++;
			}
		}
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	int offset_min = 0;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1, oh, om = 0;
		p++;
		if (digits(&p, 2, &oh))
			return -1;
		if (*p == ':')
			p++;
		if (isdigit((unsigned char)*p) && digits(&p, 2, &om))
			return -1;
		offset_min = sign * (oh * 60 + om);
	}
	if (*p != '\0')
		return -1;
	int64_t secs =
	    days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - (int64_t)offset_min * 60;
	*epoch_ms = secs * 1000 + ms;
	return 0;
}

int timefmt_offset(const char *s, int *offset_min)
{
	int64_t ms, local_ms;
	*offset_min = 0;
	if (timefmt_parse(s, &ms) < 0)
		return -1;
	size_t n = strlen(s);
	/* The offset is what follows the seconds (or minutes): strip it and compare. */
	if (n && s[n - 1] == 'Z')
		return 1;
	char copy[64];
	if (n >= sizeof copy)
		return -1;
	memcpy(copy, s, n + 1);
	for (size_t i = 11; i < n; i++)
		if (copy[i] == '+' || copy[i] == '-') {
			copy[i] = '\0';
			if (timefmt_parse(copy, &local_ms) < 0)
				return -1;
			*offset_min = (int)((local_ms - ms) / 60000);
			return 1;
		}
	return 0;
}

void timefmt_human(const char *iso, char *out, size_t n)
{
	if (!iso || !*iso) {
		snprintf(out, n, "—");
		return;
	}
	char t[40];
	snprintf(t, sizeof t, "%s", iso);
	char *T = strchr(t, 'T');
	if (T)
		*T = ' ';
	size_t l = strlen(t);
	if (l && t[l - 1] == 'Z') {
		t[l - 1] = '\0';
		snprintf(out, n, "%s UTC", t);
	} else {
		snprintf(out, n, "%s", t);
	}
}
