#!/bin/bash
# web_browser.sh - the dashboard in a real browser: headless Chromium (Debian chromium +
# chromium-driver, driven by python3-selenium) against a private stack; screenshots go to
# tests/out/browser/. See tests/browser/dashboard.py for the steps.
. "$(dirname "$0")/../lib/e2e.sh"
for need in /usr/bin/chromium /usr/bin/chromedriver; do
	[ -x "$need" ] || { fail "browser test prerequisites" "$need is missing (Debian chromium, chromium-driver)"; exit 1; }
done
/usr/bin/python3 -c 'import selenium' 2>/dev/null || { fail "browser test prerequisites" "python3-selenium is missing"; exit 1; }
stack_up
OUT=$STACK_ROOT/tests/out/browser
rm -rf "$OUT"
mkdir -p "$OUT" "$T/chrome"
if SETUP_CODE_FILE="$T/setup-code" /usr/bin/python3 "$STACK_ROOT/tests/browser/dashboard.py" "$BASE" "$OUT" "$T/chrome"; then
	ok "browser session"
else
	fail "browser session" "see the lines above and the screenshots in tests/out/browser"
fi
