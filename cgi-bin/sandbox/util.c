/* util.c - time formats of both APIs, Salesforce ids, random tokens, small string helpers. */
#include "sbx.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <sodium.h>

int64_t sbx_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + sbx_knob_int("clock_skew_s") * 1000;
}

static void split_time(int64_t ms, int offset_min, struct tm *tm)
{
	time_t t = (time_t)(ms / 1000) + (time_t)offset_min * 60;
	if (ms < 0 && ms % 1000)
		t -= 1;
	gmtime_r(&t, tm);
}

void sbx_fmt_ac_time(int64_t ms, char *out, size_t n)
{
	int off = (int)sbx_knob_int("ac_utc_offset_min");
	struct tm tm;
	split_time(ms, off, &tm);
	int a = off < 0 ? -off : off;
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+', a / 60, a % 60);
}

void sbx_fmt_ac_plain(int64_t ms, int utc, char *out, size_t n)
{
	struct tm tm;
	split_time(ms, utc ? 0 : (int)sbx_knob_int("ac_utc_offset_min"), &tm);
	snprintf(out, n, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	         tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void sbx_fmt_sf_time(int64_t ms, char *out, size_t n)
{
	struct tm tm;
	split_time(ms, 0, &tm);
	/* Salesforce stores datetimes to the second; the API always shows .000 */
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.000+0000", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int digits(const char *s, int n, int *v)
{
	int x = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return 0;
}

int sbx_parse_iso_time(const char *s, int default_offset_min, int64_t *ms_out)
{
	int Y, M, D, h = 0, m = 0, sec = 0, frac = 0, off = default_offset_min;
	if (strlen(s) < 10 || digits(s, 4, &Y) || s[4] != '-' || digits(s + 5, 2, &M) || s[7] != '-' ||
	    digits(s + 8, 2, &D))
		return -1;
	const char *p = s + 10;
	if (*p == 'T' || *p == ' ') {
		p++;
		if (digits(p, 2, &h) || p[2] != ':' || digits(p + 3, 2, &m))
			return -1;
		p += 5;
		if (*p == ':') {
			if (digits(p + 1, 2, &sec))
				return -1;
			p += 3;
			if (*p == '.') {
				p++;
				int nd = 0;
				while (isdigit((unsigned char)*p)) {
					if (nd < 3)
						frac = frac * 10 + (*p - '0');
					nd++;
					p++;
				}
				if (nd == 0)
					return -1;
				for (; nd < 3; nd++)
					frac *= 10;
			}
		}
		if (*p == 'Z') {
			off = 0;
			p++;
		} else if (*p == '+' || *p == '-') {
			int oh, om;
			int sign = *p == '-' ? -1 : 1;
			p++;
			if (digits(p, 2, &oh))
				return -1;
			p += 2;
			if (*p == ':')
				p++;
			if (digits(p, 2, &om))
				return -1;
			p += 2;
			if (oh > 14 || om > 59)
				return -1;
			off = sign * (oh * 60 + om);
		}
	}
	if (*p)
		return -1;
	if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
		return -1;
	struct tm tm = {0};
	tm.tm_year = Y - 1900;
	tm.tm_mon = M - 1;
	tm.tm_mday = D;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = sec;
	time_t t = timegm(&tm);
	*ms_out = ((int64_t)t - (int64_t)off * 60) * 1000 + frac;
	return 0;
}

static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static void sf_suffix(const char id15[15], char suf[3])
{
	static const char map[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
	for (int chunk = 0; chunk < 3; chunk++) {
		int bits = 0;
		for (int i = 0; i < 5; i++) {
			char c = id15[chunk * 5 + i];
			if (c >= 'A' && c <= 'Z')
				bits |= 1 << i;
		}
		suf[chunk] = map[bits];
	}
}

void sbx_sf_make_id(const char *prefix, int64_t serial, char out[19])
{
	/* prefix (3) + pod "5g" + zeros + base62 serial = 15 chars, then the case-safe suffix */
	char id[16];
	memcpy(id, prefix, 3);
	memcpy(id + 3, "Sb", 2);
	uint64_t v = (uint64_t)serial;
	for (int i = 14; i >= 5; i--) {
		id[i] = b62[v % 62];
		v /= 62;
	}
	id[15] = '\0';
	memcpy(out, id, 15);
	sf_suffix(id, out + 15);
	out[18] = '\0';
}

int sbx_sf_norm_id(const char *in, char out[19])
{
	size_t n = strlen(in);
	if (n != 15 && n != 18)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)in[i]))
			return -1;
	char id[15];
	memcpy(id, in, 15);
	if (n == 18) {
		/* the suffix says which of the first 15 characters are upper case: restore them */
		static const char map[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
		for (int chunk = 0; chunk < 3; chunk++) {
			const char *pos = strchr(map, toupper((unsigned char)in[15 + chunk]));
			if (!pos)
				return -1;
			int bits = (int)(pos - map);
			for (int i = 0; i < 5; i++) {
				char c = id[chunk * 5 + i];
				if (isalpha((unsigned char)c))
					id[chunk * 5 + i] =
					    (char)((bits & (1 << i)) ? toupper((unsigned char)c)
					                             : tolower((unsigned char)c));
				else if (bits & (1 << i))
					return -1;
			}
		}
	}
	memcpy(out, id, 15);
	sf_suffix(id, out + 15);
	out[18] = '\0';
	return 0;
}

void sbx_rand_token(char *out, size_t len, const char *alphabet)
{
	size_t na = strlen(alphabet);
	for (size_t i = 0; i + 1 < len; i++)
		out[i] = alphabet[randombytes_uniform((uint32_t)na)];
	if (len)
		out[len - 1] = '\0';
}

uint64_t sbx_fault_rand(sbx_app *app)
{
	/* splitmix64: enough for fault dice */
	uint64_t z = (app->rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double sbx_fault_rand01(sbx_app *app)
{
	return (double)(sbx_fault_rand(app) >> 11) / (double)(1ULL << 53);
}

void sbx_str_copy(char *dst, size_t n, const char *src)
{
	if (!n)
		return;
	size_t len = src ? strnlen(src, n - 1) : 0;
	if (len)
		memcpy(dst, src, len);
	dst[len] = '\0';
}

int sbx_ieq(const char *a, const char *b)
{
	if (!a || !b)
		return 0;
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
	return *a == *b;
}

void sbx_lower_trim(const char *in, char *out, size_t n)
{
	if (!n)
		return;
	while (*in && isspace((unsigned char)*in))
		in++;
	size_t len = strlen(in);
	while (len && isspace((unsigned char)in[len - 1]))
		len--;
	size_t o = 0;
	for (size_t i = 0; i < len && o + 1 < n; i++)
		out[o++] = (char)tolower((unsigned char)in[i]);
	out[o] = '\0';
}

void sbx_html_escape(sbx_buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			sbx_buf_puts(b, "&amp;");
			break;
		case '<':
			sbx_buf_puts(b, "&lt;");
			break;
		case '>':
			sbx_buf_puts(b, "&gt;");
			break;
		case '"':
			sbx_buf_puts(b, "&quot;");
			break;
		case '\'':
			sbx_buf_puts(b, "&#39;");
			break;
		default:
			sbx_buf_put(b, s, 1);
		}
	}
}
