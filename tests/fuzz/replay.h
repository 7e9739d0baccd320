/* replay.h - the make-test side of the fuzz targets: a cmocka program that feeds every file of
 * tests/fuzz/corpus/NAME and tests/fuzz/crashes/NAME to the target's LLVMFuzzerTestOneInput, under
 * the suite's ASan + UBSan build. Include it after the target's source, then call fuzz_replay_main. */
#ifndef OPTSYNC_FUZZ_REPLAY_H
#define OPTSYNC_FUZZ_REPLAY_H

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const char *replay_name;

/* Feeds each regular file of dir to the target; returns how many (0 when the folder is absent). */
static int replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "README") == 0)
			continue;
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		size_t cap = 1 << 16, len = 0;
		uint8_t *buf = malloc(cap);
		assert_non_null(buf);
		size_t got;
		while ((got = fread(buf + len, 1, cap - len, f)) > 0) {
			len += got;
			if (len == cap) {
				cap *= 2;
				buf = realloc(buf, cap);
				assert_non_null(buf);
			}
		}
		fclose(f);
		LLVMFuzzerTestOneInput(buf, len);
		free(buf);
		n++;
	}
	closedir(d);
	return n;
}

static void replay_corpus(void **state)
{
	(void)state;
	char dir[256];
	snprintf(dir, sizeof dir, "tests/fuzz/corpus/%s", replay_name);
	int n = replay_dir(dir);
	printf("replayed %d corpus inputs of %s\n", n, replay_name);
	assert_true(n > 0);
}

static void replay_crashes(void **state)
{
	(void)state;
	char dir[256];
	snprintf(dir, sizeof dir, "tests/fuzz/crashes/%s", replay_name);
	printf("replayed %d crash inputs of %s\n", replay_dir(dir), replay_name);
}

/* A few inputs every parser must survive, whatever the corpus holds. */
static void replay_edges(void **state)
{
	(void)state;
	static const char *const edges[] = {"", "=", "&", "%", "%%", "%0", "{", "[", "\"", "[[[[[[[[[[[[[[[[[[[[",
	                                    "{\"a\":", "null", "0", "-1", "1e999", "\xff\xfe", "a=1&a=2&a=3"};
	for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
		LLVMFuzzerTestOneInput((const uint8_t *)edges[i], strlen(edges[i]));
	/* Deep nesting and a long run of one byte. */
	size_t n = 20000;
	char *deep = malloc(n);
	assert_non_null(deep);
	memset(deep, '[', n);
	LLVMFuzzerTestOneInput((const uint8_t *)deep, n);
	memset(deep, '%', n);
	LLVMFuzzerTestOneInput((const uint8_t *)deep, n);
	free(deep);
}

static int fuzz_replay_main(const char *name)
{
	replay_name = name;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(replay_corpus),
	    cmocka_unit_test(replay_crashes),
	    cmocka_unit_test(replay_edges),
	};
	return cmocka_run_group_tests_name(name, tests, NULL, NULL);
}

#endif
