/* secret.c - the key file and sealed blobs behind store_connection's secrets. */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int sodium_ready(err_t *e)
{
	if (sodium_init() < 0)
		return err_set(e, ERR_INTERNAL, "libsodium: initialisation failed");
	return 0;
}

static int read_full(int fd, unsigned char *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static int create_key(const char *path, unsigned char key[SECRET_KEY_BYTES], err_t *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(e, ERR_IO, "key file %s: cannot create: %s", path, strerror(errno));
	randombytes_buf(key, SECRET_KEY_BYTES);
	size_t off = 0;
	while (off < SECRET_KEY_BYTES) {
		ssize_t w = write(fd, key + off, SECRET_KEY_BYTES - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int saved = errno;
			close(fd);
			unlink(path);
			return err_set(e, ERR_IO, "key file %s: cannot write: %s", path, strerror(saved));
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0)
		return err_set(e, ERR_IO, "key file %s: cannot sync: %s", path, strerror(errno));
	return 0;
}

int secret_key_load(const char *path, unsigned char key[SECRET_KEY_BYTES], err_t *e)
{
	if (sodium_ready(e) < 0)
		return -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return create_key(path, key, e);
	if (fd < 0)
		return err_set(e, ERR_IO, "key file %s: cannot open: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(e, ERR_IO, "key file %s: not a regular file", path);
	}
	if (st.st_mode & 077) {
		close(fd);
		return err_set(e, ERR_IO, "key file %s: mode %03o lets others read it; run chmod 600 %s",
		               path, (unsigned)(st.st_mode & 0777), path);
	}
	if (st.st_size != SECRET_KEY_BYTES || read_full(fd, key, SECRET_KEY_BYTES) != 0) {
		close(fd);
		return err_set(e, ERR_IO, "key file %s: expected exactly %d bytes", path, SECRET_KEY_BYTES);
	}
	close(fd);
	return 0;
}

int secret_seal(const unsigned char key[SECRET_KEY_BYTES], const char *plain, size_t n, unsigned char **blob,
                size_t *blob_len, err_t *e)
{
	if (sodium_ready(e) < 0)
		return -1;
	size_t len = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
	unsigned char *b = malloc(len);
	if (!b)
		return err_set(e, ERR_INTERNAL, "out of memory sealing a secret");
	randombytes_buf(b, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(b + crypto_secretbox_NONCEBYTES, (const unsigned char *)plain, n, b, key);
	*blob = b;
	*blob_len = len;
	return 0;
}

int secret_open(const unsigned char key[SECRET_KEY_BYTES], const unsigned char *blob, size_t blob_len,
                char *out, size_t cap, err_t *e)
{
	if (sodium_ready(e) < 0)
		return -1;
	size_t head = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES;
	if (blob_len < head || blob_len - head >= cap)
		return err_set(e, ERR_IO, "sealed secret has an impossible size (%zu bytes)", blob_len);
	size_t n = blob_len - head;
	if (crypto_secretbox_open_easy((unsigned char *)out, blob + crypto_secretbox_NONCEBYTES,
	                               blob_len - crypto_secretbox_NONCEBYTES, blob, key) != 0)
		return err_set(e, ERR_IO,
		               "sealed secret does not open with this key file (wrong or replaced key?)");
	out[n] = '\0';
	return 0;
}

void secret_hint(const char *s, char *out, size_t n)
{
	size_t len = s ? strlen(s) : 0;
	if (len >= 12)
		snprintf(out, n, "••••%s", s + len - 4);
	else
		snprintf(out, n, "••••");
}
