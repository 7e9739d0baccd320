#!/bin/sh
# layers.sh - the layering rules of README "Architecture", checked on the built objects (make layers):
#   1. no call cycle between files of core/, nor of cgi-bin/ apart from the route table and main.c
#      (tools/cycles.py, from nm);
#   2. sqlite3_ used only by the store files (and the run's scratch file, people_spill.c);
#   3. curl_ used only by core/http.c;
#   4. no file of cgi-bin/ or cli/ includes a client header (ac*.h, sf*.h, http.h): they call core/;
#   5. README's architecture section names every file of core/ (the picture is the code that runs).
# Symbols are read from the objects, not grepped from the text, so a comment naming curl_easy_escape
# is no violation and a call through a macro still is.
# Usage: tools/layers.sh [OBJDIR] [SRCDIR]   (default build-asan/obj and .). Exit 1 on a violation.
set -u
OBJ=${1:-build-asan/obj}
SRC=${2:-.}
HERE=$(cd "$(dirname "$0")" && pwd)
bad=0

python3 "$HERE/cycles.py" "$OBJ" core --src "$SRC" || bad=1
python3 "$HERE/cycles.py" "$OBJ" cgi-bin --src "$SRC" --allow cgi-bin/routes.c --allow cgi-bin/main.c || bad=1

# uses SYMBOL-PREFIX ALLOWED-OBJECT...: every object of core/, cli/, cgi-bin/ that references a
# symbol with that prefix and is not allowed.
uses() {
	prefix=$1
	shift
	for o in "$OBJ"/core/*.o "$OBJ"/cli/*.o "$OBJ"/cgi-bin/*.o; do
		[ -f "$o" ] || continue
		rel=${o#"$OBJ"/}
		ok=0
		for a in "$@"; do
			[ "$rel" = "$a" ] && ok=1
		done
		[ $ok = 1 ] && continue
		if nm -P "$o" | awk -v p="$prefix" '$2 == "U" && index($1, p) == 1 { found = 1 } END { exit !found }'; then
			echo "layers: ${rel%.o}.c uses $prefix* (only $* may)"
			bad=1
		fi
	done
}
uses sqlite3_ core/store.o core/store_log.o core/store_sync.o core/store_web.o core/people_spill.o
uses curl_ core/http.o

for f in "$SRC"/cgi-bin/*.c "$SRC"/cgi-bin/*.cc "$SRC"/cgi-bin/*.h "$SRC"/cli/*.c "$SRC"/cli/*.h; do
	[ -f "$f" ] || continue
	if grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](ac|ac_[a-z_]+|sf|sf_[a-z_]+|http)\.h[">]' "$f" >/dev/null; then
		grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](ac|ac_[a-z_]+|sf|sf_[a-z_]+|http)\.h[">]' "$f" |
			sed "s|^|layers: ${f#"$SRC"/}:|; s|\$| (a client header: call core/ instead)|"
		bad=1
	fi
done

# The architecture section runs from its heading to the next one; a file counts as named when its
# base name stands there as a word.
if [ -f "$SRC/README.md" ]; then
	arch=$(sed -n '/^## Architecture/,/^## [^A]/p' "$SRC/README.md")
	for f in "$SRC"/core/*.c; do
		[ -f "$f" ] || continue
		b=$(basename "$f" .c)
		if ! printf '%s\n' "$arch" | grep -qE "(^|[^a-z0-9_])$b([^a-z0-9_]|\$)"; then
			echo "layers: core/$b.c is not named in README's architecture section"
			bad=1
		fi
	done
fi

[ $bad = 0 ] && echo "layers: ok"
exit $bad
