# optsync build. `make run` and `make test` are the two commands a new user needs (README).
# Sources are found by wildcard: a new file under core/, cli/, cgi-bin/ or tests/unit/ needs no edit here.

BUILD   ?= build
BIN     ?= bin
CC      ?= gcc
CXX     ?= g++
SAN     ?=
OPT     ?= -O2

PKGS      := libcurl json-c sqlite3 libsodium fcgi libctemplate
DEB_BUILD := build-essential pkg-config libfcgi-dev libcurl4-openssl-dev libjson-c-dev libctemplate-dev \
             libsqlite3-dev libsodium-dev libcmocka-dev
DEB_RUN   := nginx-light curl sqlite3
DEB_TEST  := $(DEB_RUN) python3 chromium chromium-driver python3-selenium

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
WARN      := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation
# Include paths per folder, so a layer cannot even name a header above it: core/ sees only core/,
# the CLI and the dashboard see core/ and themselves; the tests see everything.
INC       := -Icore -Icgi-bin -Icli
CFLAGS    += -std=c11 -D_GNU_SOURCE $(OPT) -g $(WARN) $(SAN) $(INC) $(PKG_CFLAGS)
CXXFLAGS  += -std=c++17 $(OPT) -g -Wall -Wextra -Werror $(SAN) $(INC) $(PKG_CFLAGS)
LDFLAGS   += $(SAN)

CORE_SRC  := $(wildcard core/*.c)
CLI_SRC   := $(filter-out cli/main.c,$(wildcard cli/*.c))
WEB_SRC   := $(filter-out cgi-bin/main.c,$(wildcard cgi-bin/*.c))
WEB_CXX   := $(wildcard cgi-bin/*.cc)
SBX_SRC   := $(filter-out cgi-bin/sandbox/main.c,$(wildcard cgi-bin/sandbox/*.c))
TEST_SRC  := $(wildcard tests/unit/test_*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
CORE_OBJ  := $(call obj,$(CORE_SRC))
CLI_OBJ   := $(call obj,$(CLI_SRC))
WEB_OBJ   := $(call obj,$(WEB_SRC)) $(patsubst %.cc,$(BUILD)/obj/%.o,$(WEB_CXX))
SBX_OBJ   := $(call obj,$(SBX_SRC))

# The version: git describe at build time (a file rewritten only when it changes, so a rebuild
# relinks only when the version moved); OPTSYNC_VERSION overrides it (a release tarball, make deb).
VERSION   := $(or $(OPTSYNC_VERSION),$(shell git describe --tags --always --dirty 2>/dev/null),unknown)
VERSION_C := $(BUILD)/gen/version.c
CORE_OBJ  += $(BUILD)/obj/gen/version.o

LIBCORE   := $(BUILD)/libcore.a
LIBCLI    := $(BUILD)/libcli.a
LIBWEB    := $(BUILD)/libweb.a
LIBSBX    := $(BUILD)/libsandbox.a
PROGS     := $(BIN)/optsync $(BIN)/optsync.fcgi $(BIN)/sandbox.fcgi
TESTS     := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TEST_SRC))

.SECONDARY:
.PHONY: FORCE install deb all asan deps deps-test run stop test unit e2e clean format lint bench layers
all: $(PROGS)

$(BUILD)/obj/core/%.o: INC := -Icore
$(BUILD)/obj/cli/%.o: INC := -Icore -Icli
$(BUILD)/obj/cgi-bin/%.o: INC := -Icore -Icgi-bin

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/obj/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -MMD -MP -c $< -o $@

$(VERSION_C): FORCE
	@mkdir -p $(dir $@)
	@printf '#include "version.h"\nconst char optsync_version[] = "%s";\n' '$(subst ','',$(VERSION))' >$@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(BUILD)/obj/gen/version.o: $(VERSION_C)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@
FORCE:

$(LIBCORE): $(CORE_OBJ)
	@mkdir -p $(dir $@); rm -f $@; ar rcs $@ $^
$(LIBCLI): $(CLI_OBJ)
	@mkdir -p $(dir $@); rm -f $@; ar rcs $@ $^
$(LIBWEB): $(WEB_OBJ)
	@mkdir -p $(dir $@); rm -f $@; ar rcs $@ $^
$(LIBSBX): $(SBX_OBJ)
	@mkdir -p $(dir $@); rm -f $@; ar rcs $@ $^

# Everything links with the C++ driver because the template shim is C++ (ctemplate).
$(BIN)/optsync: $(BUILD)/obj/cli/main.o $(LIBCLI) $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(BIN)/optsync.fcgi: $(BUILD)/obj/cgi-bin/main.o $(LIBWEB) $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(BIN)/sandbox.fcgi: $(BUILD)/obj/cgi-bin/sandbox/main.o $(LIBSBX) $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LIBWEB) $(LIBCLI) $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lcmocka

# The sanitizer build the tests use: same sources, own folder.
asan:
	$(MAKE) BUILD=build-asan BIN=build-asan/bin OPT=-O1 SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" all build-asan-tests
build-asan-tests: $(TESTS)
unit-bins: $(TESTS)

# Installs only the Debian packages that are missing, with apt-get (tools/deps.sh; as root, or
# through sudo where it is not).
deps:
	@sh tools/deps.sh $(DEB_BUILD) $(DEB_RUN)
deps-test:
	@sh tools/deps.sh $(DEB_BUILD) $(DEB_TEST)

# deps first, then a sub-make: pkg-config flags are read when make starts, so they must be read
# again once the -dev packages exist.
run: deps
	@$(MAKE) --no-print-directory all
	@sh tools/run.sh start
stop:
	@sh tools/run.sh stop

test: deps-test
	@$(MAKE) --no-print-directory asan
	@$(MAKE) --no-print-directory BUILD=build-asan BIN=build-asan/bin layers
	@BIN=build-asan/bin TESTBIN=build-asan/tests bash tests/run.sh

# The layering rules of README "Architecture", on the sanitizer build's objects (tools/layers.sh):
# no call cycle between files of core/ or cgi-bin/, sqlite3_ only in the store files, curl_ only
# in core/http.c, no client header included by cgi-bin/ or cli/.
# LAYERS_SRC: the sources the script reads (tests/e2e/layers_check.sh points it at a planted copy).
LAYERS_SRC ?= .
layers: $(CORE_OBJ) $(CLI_OBJ) $(WEB_OBJ)
	@sh tools/layers.sh $(BUILD)/obj $(LAYERS_SRC)

bench: deps
	@$(MAKE) --no-print-directory all
	@sh bench/run.sh

# Install for production, FHS paths (README "Production"): PREFIX for the programs and shared
# files, DESTDIR for a staging root (make deb). State stays in /var/lib/optsync (the units create
# it), config in /etc/optsync, the socket in /run/optsync.
PREFIX     ?= /usr/local
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
UNITDIR    ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/optsync/templates \
	    $(DESTDIR)$(PREFIX)/share/optsync/static $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/doc/optsync \
	    $(DESTDIR)$(SYSCONFDIR)/optsync $(DESTDIR)$(SYSCONFDIR)/logrotate.d $(DESTDIR)$(UNITDIR)
	install -m 0755 $(BIN)/optsync $(BIN)/optsync.fcgi $(BIN)/sandbox.fcgi $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 templates/*.tpl $(DESTDIR)$(PREFIX)/share/optsync/templates/
	cp -R static/. $(DESTDIR)$(PREFIX)/share/optsync/static/
	chmod -R u=rwX,go=rX $(DESTDIR)$(PREFIX)/share/optsync/static
	install -m 0644 dist/optsync.1 $(DESTDIR)$(PREFIX)/share/man/man1/optsync.1
	gzip -9n -f $(DESTDIR)$(PREFIX)/share/man/man1/optsync.1
	install -m 0644 dist/optsync.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/optsync
	install -m 0644 dist/systemd/*.service dist/systemd/*.timer $(DESTDIR)$(UNITDIR)/
	install -m 0644 dist/optsync.env $(DESTDIR)$(SYSCONFDIR)/optsync/optsync.env
	sed 's#/opt/optsync/static#$(PREFIX)/share/optsync/static#g' nginx.conf.example >$(DESTDIR)$(SYSCONFDIR)/optsync/nginx-optsync.conf
	chmod 0644 $(DESTDIR)$(SYSCONFDIR)/optsync/nginx-optsync.conf
	install -m 0644 dist/optsync.logrotate $(DESTDIR)$(SYSCONFDIR)/logrotate.d/optsync
	install -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/optsync/README.md

# A Debian package with dpkg-deb alone (tools/deb.sh): build/optsync_VERSION_ARCH.deb.
deb:
	@sh tools/deb.sh

format:
	clang-format -i core/*.[ch] cli/*.[ch] cgi-bin/*.[ch] cgi-bin/sandbox/*.[ch] tests/unit/*.c
lint:
	cppcheck --quiet --enable=warning,performance,portability --error-exitcode=1 -Icore core cli cgi-bin

clean:
	rm -rf build build-asan bin

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# Longer-running suites keep their rules beside their sources (tests/fuzz/fuzz.mk: `make fuzz`,
# tests/soak/soak.mk: `make soak`).
-include $(wildcard tests/*/*.mk)
