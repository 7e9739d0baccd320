/* test_rel_fuzz_sf_json.c - replays the sf_json fuzz target's corpus and crash inputs (tests/fuzz/) in make test. */
#include "../fuzz/fuzz_sf_json.c"
#include "../fuzz/replay.h"

int main(void)
{
	return fuzz_replay_main("sf_json");
}
