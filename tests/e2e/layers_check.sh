#!/usr/bin/env bash
# layers_check.sh - `make layers` passes on the tree as built and fails on each kind of violation
# planted in a copy of it: a call cycle between two core/ files and between two cgi-bin/ files,
# sqlite3_ outside the store files, curl_ outside core/http.c, and a cli/ file including a client
# header. The copy is the built objects plus the sources (the script reads both), under $T.
. "$(dirname "$0")/../lib/e2e.sh"
OBJ=${LAYERS_OBJ:-$(dirname "$TESTBIN")/obj}
CC=${CC:-gcc}

# A copy of the objects with fresh times (so make finds them up to date) and of the sources.
mkdir -p "$T/build/obj" "$T/src"
for d in core cli cgi-bin; do
	mkdir -p "$T/build/obj/$d"
	cp "$OBJ/$d"/*.o "$T/build/obj/$d/"
	cp -r "$STACK_ROOT/$d" "$T/src/$d"
done
cp "$STACK_ROOT/README.md" "$T/src/README.md"

layers() { make -s -C "$STACK_ROOT" --no-print-directory layers BUILD="$T/build" LAYERS_SRC="$T/src" >"$T/layers.out" 2>&1; }

layers
expect_eq "make layers passes on the tree as it is" "$?" 0
expect_match "it says so" "$(cat "$T/layers.out")" "layers: ok"
expect_match "it counts no cycle in core/" "$(cat "$T/layers.out")" "^0 cycle\(s\) between [0-9]+ files of core"

# plant DIR NAME 'C source': a file of the copy and its object, as the build would make them.
plant() {
	printf '%s\n' "$3" >"$T/src/$1/$2.c"
	$CC -c -o "$T/build/obj/$1/$2.o" "$T/src/$1/$2.c"
}
unplant() {
	for f in "$@"; do rm -f "$T/src/$f.c" "$T/build/obj/$f.o"; done
}

# planted CASE MESSAGE: make layers must fail and name the violation.
planted() {
	layers
	rc=$?
	[ $rc -ne 0 ] && ok "make layers fails on $1" || fail "make layers fails on $1" "exit $rc"
	expect_match "and names it ($1)" "$(cat "$T/layers.out")" "$2"
}

plant core planted_a 'int planted_b(int); int planted_a(int n) { return n ? planted_b(n - 1) : 0; }'
plant core planted_b 'int planted_a(int); int planted_b(int n) { return n ? planted_a(n - 1) : 1; }'
planted "a call cycle in core/" "cycle: core/planted_a.c -> core/planted_b.c -> core/planted_a.c"
unplant core/planted_a core/planted_b

plant cgi-bin ui_planted_a 'int ui_planted_b(int); int ui_planted_a(int n) { return n ? ui_planted_b(n - 1) : 0; }'
plant cgi-bin ui_planted_b 'int ui_planted_a(int); int ui_planted_b(int n) { return n ? ui_planted_a(n - 1) : 1; }'
planted "a call cycle in cgi-bin/" "cycle: cgi-bin/ui_planted_a.c -> cgi-bin/ui_planted_b.c"
unplant cgi-bin/ui_planted_a cgi-bin/ui_planted_b

plant cgi-bin ui_planted_db 'const char *sqlite3_libversion(void); const char *v(void) { return sqlite3_libversion(); }'
planted "sqlite3_ in a handler" "cgi-bin/ui_planted_db.c uses sqlite3_"
unplant cgi-bin/ui_planted_db

plant core planted_net 'void *curl_easy_init(void); void *n(void) { return curl_easy_init(); }'
planted "curl_ outside core/http.c" "core/planted_net.c uses curl_"
unplant core/planted_net

printf '#include "sf.h"\n' >"$T/src/cli/cmd_planted.c"
planted "a client header in cli/" "cli/cmd_planted.c:1:#include \"sf.h\""
rm -f "$T/src/cli/cmd_planted.c"

printf '#include "ac_import.h"\n' >"$T/src/cgi-bin/ui_planted.c"
planted "an AC client header in cgi-bin/" "cgi-bin/ui_planted.c:1:#include \"ac_import.h\""
rm -f "$T/src/cgi-bin/ui_planted.c"

plant core unnamed_stage 'int unnamed_stage(void) { return 0; }'
planted "a core file the README does not name" "core/unnamed_stage.c is not named in README's architecture section"
unplant core/unnamed_stage

layers
expect_eq "and passes again once the plants are gone" "$?" 0
