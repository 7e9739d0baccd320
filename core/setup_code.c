/* setup_code.c - the first-run setup code file (see setup_code.h). */
#include "setup_code.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* No 0/O or 1/I: the code is read off a terminal and typed into a form. */
static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

void setup_code_path(const char *db_path, char *out, size_t n)
{
	const char *slash = strrchr(db_path, '/');
	if (!slash)
		snprintf(out, n, "setup-code");
	else
		snprintf(out, n, "%.*s/setup-code", (int)(slash - db_path), db_path);
}

int setup_code_ensure(const char *db_path, err_t *e)
{
	char path[1100], code[SETUP_CODE_LEN + 2];
	setup_code_path(db_path, path, sizeof path);
	if (sodium_init() < 0)
		return err_set(e, ERR_INTERNAL, "libsodium: initialisation failed");
	size_t k = 0;
	for (int i = 0; i < 20; i++) {
		if (i && i % 5 == 0)
			code[k++] = '-';
		code[k++] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
	}
	code[k++] = '\n';
	/* O_EXCL: two processes starting at once keep one code, and an existing file is never
	 * replaced by a code the owner has not seen. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno == EEXIST)
		return 0;
	if (fd < 0)
		return err_set(e, ERR_IO, "setup code %s: cannot create: %s", path, strerror(errno));
	ssize_t w = write(fd, code, k);
	int bad = w != (ssize_t)k || fsync(fd) < 0;
	close(fd);
	sodium_memzero(code, sizeof code);
	if (bad) {
		unlink(path);
		return err_set(e, ERR_IO, "setup code %s: cannot write", path);
	}
	return 1;
}

int setup_code_read(const char *db_path, char *out, size_t n, err_t *e)
{
	char path[1100];
	setup_code_path(db_path, path, sizeof path);
	out[0] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return err_set(e, ERR_IO, "setup code %s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || (st.st_mode & 077)) {
		close(fd);
		return err_set(e, ERR_CONFIG, "setup code %s: readable by others; remove it and restart",
		               path);
	}
	ssize_t r = read(fd, out, n - 1);
	close(fd);
	if (r < 0)
		return err_set(e, ERR_IO, "setup code %s: %s", path, strerror(errno));
	out[r] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	return 1;
}

int setup_code_remove(const char *db_path, err_t *e)
{
	char path[1100];
	setup_code_path(db_path, path, sizeof path);
	if (unlink(path) < 0 && errno != ENOENT)
		return err_set(e, ERR_IO, "setup code %s: cannot remove: %s", path, strerror(errno));
	return 0;
}

/* Upper-cases and drops spaces and dashes; returns the length, or -1 when it does not fit. */
static int normalise(const char *in, char *out, size_t n)
{
	size_t k = 0;
	for (; in && *in; in++) {
		if (*in == '-' || isspace((unsigned char)*in))
			continue;
		if (k + 1 >= n)
			return -1;
		out[k++] = (char)toupper((unsigned char)*in);
	}
	out[k] = '\0';
	return (int)k;
}

int setup_code_equal(const char *stored, const char *given)
{
	char a[64], b[64];
	int la = normalise(stored, a, sizeof a), lb = normalise(given, b, sizeof b);
	int ok = la > 0 && la == lb && sodium_memcmp(a, b, (size_t)la) == 0;
	sodium_memzero(a, sizeof a);
	sodium_memzero(b, sizeof b);
	return ok;
}
