/* settings.h - the settings an administrator may change, their defaults and their validation. */
#ifndef OPTSYNC_SETTINGS_H
#define OPTSYNC_SETTINGS_H

#include <stddef.h>

#include "err.h"

typedef struct {
	const char *key;
	const char *def;         /* default value, as text */
	const char *description; /* one line for help and the setup page */
	const char *const *choices; /* the only values it takes (a choice on /setup), or NULL */
} setting_def;

/* The known settings, ending with a {NULL} entry. */
const setting_def *settings_all(void);
const setting_def *settings_find(const char *key);

/* Validates value for key and writes its canonical form into out ("0.80" -> "0.8", " New" -> "new").
 * Unknown keys and bad values are ERR_USAGE with a message that says what is accepted. */
int settings_validate(const char *key, const char *value, char *out, size_t n, err_t *e);

#endif
