/* test_rel_fuzz_webhook.c - replays the webhook fuzz target's corpus and crash inputs (tests/fuzz/) in make test. */
#include "../fuzz/fuzz_webhook.c"
#include "../fuzz/replay.h"

int main(void)
{
	return fuzz_replay_main("webhook");
}
