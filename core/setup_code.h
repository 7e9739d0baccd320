/* setup_code.h - the one-time code that proves the first-run form is filled in by the machine's
 * owner: a file readable by its owner only (mode 0600, `setup-code` beside the database), printed
 * by `make run`, asked for by the first-run form and removed once an administrator exists. */
#ifndef OPTSYNC_SETUP_CODE_H
#define OPTSYNC_SETUP_CODE_H

#include <stddef.h>

#include "err.h"

#define SETUP_CODE_LEN 23 /* "XXXXX-XXXXX-XXXXX-XXXXX": 20 symbols of 32, 100 bits */

/* The code file's path: "<directory of db_path>/setup-code". */
void setup_code_path(const char *db_path, char *out, size_t n);

/* Creates the code file (random code, mode 0600) unless it exists. Returns 1 when it was created
 * now, 0 when it existed already, -1 with e filled. */
int setup_code_ensure(const char *db_path, err_t *e);

/* Reads the code from its file into out (at least SETUP_CODE_LEN + 1 bytes). Returns 1, 0 when
 * there is no file, -1 with e filled (unreadable, or readable by others: refused). */
int setup_code_read(const char *db_path, char *out, size_t n, err_t *e);

/* Removes the code file (an administrator exists now); a missing file is no error. */
int setup_code_remove(const char *db_path, err_t *e);

/* 1 when given is the stored code, compared in constant time after both are normalised (case,
 * spaces and dashes do not count, so a code read aloud or retyped still matches). */
int setup_code_equal(const char *stored, const char *given);

#endif
