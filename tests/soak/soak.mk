# soak.mk - `make soak`: the long reliability runs (tests/soak/run.sh), kept out of `make test`.
# Included by the Makefile. Builds both the sanitizer build (the e2e scripts) and the plain build
# in bin/ (valgrind), then runs them; sizes through SOAK_KILLS, SOAK_ROUNDS, SOAK_WEBHOOKS, ...
.PHONY: soak
soak: deps-test
	@sh tools/deps.sh valgrind
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory asan
	@sh tests/soak/run.sh
