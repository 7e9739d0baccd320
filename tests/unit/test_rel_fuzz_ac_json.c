/* test_rel_fuzz_ac_json.c - replays the ac_json fuzz target's corpus and crash inputs (tests/fuzz/) in make test. */
#include "../fuzz/fuzz_ac_json.c"
#include "../fuzz/replay.h"

int main(void)
{
	return fuzz_replay_main("ac_json");
}
