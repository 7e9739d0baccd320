/* secret.h - sealing secrets at rest with libsodium (XSalsa20-Poly1305) under a key file. */
#ifndef OPTSYNC_SECRET_H
#define OPTSYNC_SECRET_H

#include <stddef.h>

#include "err.h"

#define SECRET_KEY_BYTES 32

/* Loads the key at path, or creates it (random, mode 0600, parent directory must exist) when it
 * does not exist. Refuses a key file readable by group or others. */
int secret_key_load(const char *path, unsigned char key[SECRET_KEY_BYTES], err_t *e);

/* Seals plain (n bytes) into a newly allocated blob (nonce || mac || ciphertext). */
int secret_seal(const unsigned char key[SECRET_KEY_BYTES], const char *plain, size_t n, unsigned char **blob,
                size_t *blob_len, err_t *e);

/* Opens a blob into out (NUL-terminated, at most cap-1 bytes); fails on tampering or a wrong key. */
int secret_open(const unsigned char key[SECRET_KEY_BYTES], const unsigned char *blob, size_t blob_len,
                char *out, size_t cap, err_t *e);

/* Writes "••••" plus the last four characters of s (or only the dots when s is short) into out:
 * the only form in which a stored secret is ever shown back. */
void secret_hint(const char *s, char *out, size_t n);

#endif
