/* tpl.h - the C face of ctemplate: load the templates once, fill dictionaries, expand into memory.
 * Every template starts with {{%AUTOESCAPE context="HTML"}}: values are escaped by ctemplate,
 * never by hand in C. No C++ exception crosses this interface. */
#ifndef OPTSYNC_WEB_TPL_H
#define OPTSYNC_WEB_TPL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tpl_dict tpl_dict;

/* Loads every *.tpl in dir into the template cache and freezes it (so worker threads share it
 * read-only). Fails, with a message in err, when a template does not parse or lacks the
 * AUTOESCAPE pragma. Call once, before the worker threads start. */
int tpl_load_dir(const char *dir, char *err, size_t n);

/* A new top-level dictionary (free it with tpl_free); NULL when memory ran out. */
tpl_dict *tpl_new(void);
void tpl_free(tpl_dict *d);

/* Sets a variable; NULL values are set as "". */
void tpl_set(tpl_dict *d, const char *key, const char *val);
void tpl_setf(tpl_dict *d, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void tpl_set_int(tpl_dict *d, const char *key, long long v);
/* A variable every included template of this expansion sees (layout values such as the CSRF token). */
void tpl_set_global(tpl_dict *d, const char *key, const char *val);

/* Shows a {{#NAME}} section once, with this dictionary's values. */
void tpl_show(tpl_dict *d, const char *section);
/* Shows the section in d and in every template included from it. */
void tpl_show_global(tpl_dict *d, const char *section);
/* Adds one repetition of a section (a table row); the child belongs to d. NULL when out of memory. */
tpl_dict *tpl_section(tpl_dict *d, const char *section);
/* Fills the {{>NAME}} include with template file; the child dictionary belongs to d. */
tpl_dict *tpl_include(tpl_dict *d, const char *name, const char *file);

/* Expands file with d into a malloc'd, NUL-terminated buffer (*out, *len). Returns 0, or -1 with a
 * message in err. */
int tpl_expand(const char *file, tpl_dict *d, char **out, size_t *len, char *err, size_t n);

#ifdef __cplusplus
}
#endif

#endif
