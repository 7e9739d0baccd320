# fuzz.mk - libFuzzer targets built with clang (ASan + UBSan). Included by the Makefile.
#   make fuzz [FUZZ_SECONDS=60]   runs each target for FUZZ_SECONDS on tests/fuzz/corpus/TARGET plus
#                                 what earlier runs found (FUZZ_BUILD/corpus/TARGET); prints the
#                                 executions of each; fails when a target crashed
#   make fuzz-replay              runs each target once over its corpus and tests/fuzz/crashes/TARGET
# A crash is written to FUZZ_BUILD/crashes/TARGET/: copy the file into tests/fuzz/crashes/TARGET/ and
# `make test` replays it from then on (tests/unit/test_rel_fuzz_*.c include the same targets).
FUZZ_CC      ?= clang
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := webhook form ac_json sf_json
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -g -O1 $(FUZZ_SAN) -Icore -Icgi-bin \
                $(shell pkg-config --cflags libcurl json-c sqlite3 libsodium 2>/dev/null)
FUZZ_LIBS    := $(shell pkg-config --libs libcurl json-c sqlite3 libsodium 2>/dev/null) -lpthread
FUZZ_LIBOBJ  := $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(wildcard core/*.c) cgi-bin/form.c)
FUZZ_BINS    := $(addprefix $(FUZZ_BUILD)/fuzz_,$(FUZZ_TARGETS))

.PHONY: fuzz fuzz-bins fuzz-replay fuzz-deps
# clang and its libFuzzer runtime (Debian: libclang-rt-NN-dev comes with clang).
fuzz-deps:
	@command -v $(FUZZ_CC) >/dev/null 2>&1 || sh tools/deps.sh clang
fuzz-bins: fuzz-deps $(FUZZ_BINS)

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
# An archive: a target that compiles a client's source in (ac.c, sf_write.c) does not pull its copy.
$(FUZZ_BUILD)/libfuzzcore.a: $(FUZZ_LIBOBJ)
	@rm -f $@
	ar rcs $@ $^
$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/libfuzzcore.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_BUILD)/libfuzzcore.a $(FUZZ_LIBS) -o $@

fuzz: fuzz-bins
	@fail=0; total=0; \
	for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/crashes/$$t; \
		$(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
			-print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/crashes/$$t/ \
			$(FUZZ_BUILD)/corpus/$$t tests/fuzz/corpus/$$t >$(FUZZ_BUILD)/$$t.log 2>&1 || fail=1; \
		n=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(FUZZ_BUILD)/$$t.log); \
		c=$$(ls $(FUZZ_BUILD)/corpus/$$t | wc -l); \
		total=$$((total + $${n:-0})); \
		echo "fuzz $$t: $${n:-?} executions in $(FUZZ_SECONDS) s, corpus $$c inputs, crashes: $$(ls $(FUZZ_BUILD)/crashes/$$t | wc -l)"; \
		grep -m3 -E 'ERROR: |runtime error|SUMMARY' $(FUZZ_BUILD)/$$t.log | sed 's/^/    /'; \
	done; \
	echo "fuzz: $$total executions in all"; \
	[ $$fail -eq 0 ] || { echo "fuzz: a target crashed: see $(FUZZ_BUILD)/crashes/ and copy the input into tests/fuzz/crashes/"; exit 1; }

fuzz-replay: fuzz-bins
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p tests/fuzz/crashes/$$t; \
		$(FUZZ_BUILD)/fuzz_$$t -runs=0 tests/fuzz/corpus/$$t tests/fuzz/crashes/$$t >$(FUZZ_BUILD)/$$t.replay.log 2>&1 && \
			echo "replay $$t: ok" || { echo "replay $$t: FAILED (see $(FUZZ_BUILD)/$$t.replay.log)"; exit 1; }; \
	done
