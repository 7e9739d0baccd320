/* settings.h - the settings an administrator may change, their defaults, their validation, and the
 * one way to change them (settings_set), used alike by the dashboard's /setup and `optsync set`. */
#ifndef OPTSYNC_SETTINGS_H
#define OPTSYNC_SETTINGS_H

#include <stddef.h>

#include "err.h"
#include "store.h"

typedef struct {
	const char *key;
	const char *def;            /* default value, as text */
	const char *description;    /* one line for help and the setup page */
	const char *const *choices; /* the only values it takes (a choice on /setup), or NULL */
} setting_def;

/* The known settings, ending with a {NULL} entry. */
const setting_def *settings_all(void);
const setting_def *settings_find(const char *key);

/* Validates value for key and writes its canonical form into out ("0.80" -> "0.8", " New" -> "new").
 * Unknown keys and bad values are ERR_USAGE with a message that says what is accepted. */
int settings_validate(const char *key, const char *value, char *out, size_t n, err_t *e);

/* Validates value for key (settings_validate) and, only when it is good, stores its canonical form,
 * which goes into out as well (out may be NULL). A refused value is ERR_USAGE with the same message
 * wherever it came from (the CLI, the dashboard); a store failure keeps the store's kind. */
int settings_set(store *s, const char *key, const char *value, char *out, size_t n, err_t *e);

typedef struct {
	const char *key;
	const char *value;
} setting_kv;

/* Several settings at once, all or nothing: every value is validated before any is stored, and they
 * are stored in one transaction. The first refusal is returned, as settings_set gives it. */
int settings_set_all(store *s, const setting_kv *kv, size_t n, err_t *e);

#endif
