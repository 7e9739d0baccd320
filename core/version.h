/* version.h - the version this build is, from `git describe` when it was built. */
#ifndef OPTSYNC_VERSION_H
#define OPTSYNC_VERSION_H

/* "v0.3-12-gabc1234", "abc1234-dirty", or "unknown" outside a git checkout (the Makefile writes it
 * into build/version.c, rewritten only when it changes). */
extern const char optsync_version[];

#endif
