/* test_rel_fuzz_form.c - replays the form fuzz target's corpus and crash inputs (tests/fuzz/) in make test. */
#include "../fuzz/fuzz_form.c"
#include "../fuzz/replay.h"

int main(void)
{
	return fuzz_replay_main("form");
}
