#!/bin/sh
# deb.sh - `make deb`: build/optsync_VERSION_ARCH.deb with dpkg-deb alone. A release build (no
# sanitizers) in build-deb/, installed with DESTDIR into a staging root; Depends are the packages
# that own the libraries the programs link (ldd + dpkg -S), so they match the machine that built it.
set -e
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
hash=$(git rev-parse --short=10 HEAD 2>/dev/null || echo 0)
count=$(git rev-list --count HEAD 2>/dev/null || echo 0)
dirty=$(git diff --quiet HEAD 2>/dev/null && echo "" || echo "+dirty")
VERSION=${DEB_VERSION:-0.$count~g$hash$dirty}
ARCH=$(dpkg --print-architecture)
STAGE=build-deb/stage
OUT=build/optsync_${VERSION}_$ARCH.deb
rm -rf "$STAGE"
make --no-print-directory BUILD=build-deb BIN=build-deb/bin OPT=-O2 OPTSYNC_VERSION="$(git describe --tags --always --dirty 2>/dev/null || echo "$VERSION")" all >/dev/null
make --no-print-directory BUILD=build-deb BIN=build-deb/bin OPT=-O2 PREFIX=/usr DESTDIR="$ROOT/$STAGE" install >/dev/null
strip --strip-unneeded "$STAGE"/usr/bin/*
# Runtime dependencies: the owner of each shared library the programs need.
deps=$(for b in "$STAGE"/usr/bin/*; do ldd "$b"; done | awk '/=> \//{print $3}' | sort -u |
	while read -r lib; do
		dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null || true
	done | cut -d: -f1 | sort -u | tr '\n' ',' | sed 's/,$//; s/,/, /g')
[ -n "$deps" ] || { echo "deb.sh: no runtime dependency found (ldd/dpkg -S failed)" >&2; exit 1; }
size=$(du -sk "$STAGE" | cut -f1)
mkdir -p "$STAGE/DEBIAN"
cat >"$STAGE/DEBIAN/control" <<CTRL
Package: optsync
Version: $VERSION
Architecture: $ARCH
Maintainer: optsync developers <optsync@localhost>
Installed-Size: $size
Depends: $deps, adduser | passwd
Recommends: nginx-light | nginx
Section: net
Priority: optional
Homepage: https://github.com/optsync/optsync
Description: keeps Salesforce Email Opt Out in step with ActiveCampaign
 optsync checks the Email Opt Out box of Salesforce Contacts and Leads when a
 person unsubscribes or hard-bounces in ActiveCampaign, and unsubscribes a
 person from every ActiveCampaign list when the box is checked in Salesforce.
 A FastCGI dashboard behind nginx shows the log, the checks and the audit.
CTRL
install -m 0644 dist/deb/conffiles "$STAGE/DEBIAN/conffiles"
install -m 0755 dist/deb/postinst dist/deb/prerm dist/deb/postrm "$STAGE/DEBIAN/"
# Files owned by root in the package whoever builds it.
mkdir -p build
dpkg-deb --root-owner-group --build "$STAGE" "$OUT" >/dev/null
echo "$OUT"
