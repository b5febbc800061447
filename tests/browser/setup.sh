#!/usr/bin/env bash
# Install what the browser tests (tests/browser/) need, and nothing else:
#
#   * Debian's Chromium at /usr/bin/chromium (apt-get, only when missing and we are root).
#     Playwright drives it by its path; `playwright install` is never run, because it
#     downloads a browser of its own.
#   * poppler-utils (pdftotext, pdfinfo, pdftoppm), which the PDF tests read printed
#     handouts with (apt-get, only when pdftotext is missing and we are root).
#   * axe-core, pinned in package.json / package-lock.json, into tests/browser/node_modules
#     with `npm ci` (only when node_modules is missing or the lock file changed).
#
# Playwright for Python itself comes with the test extra (pip install -e '.[test]').
# Safe to run again: a second run installs nothing. `.ci/run` calls it before `make test`.
# Without these, the browser tests skip with a reason on a workstation and fail under CI.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
chromium="${CHROMIUM:-/usr/bin/chromium}"

if [ -x "$chromium" ]; then
    echo "setup.sh: Chromium found at $chromium"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup.sh: installing Debian's chromium package"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
else
    # Not fatal: the tests themselves say what is missing (and fail under CI).
    echo "setup.sh: $chromium is missing and this is not a root shell with apt-get;" \
        "ask an administrator to run 'apt-get install chromium'" >&2
fi

if command -v pdftotext >/dev/null 2>&1 && command -v pdfinfo >/dev/null 2>&1; then
    echo "setup.sh: poppler-utils found (pdftotext, pdfinfo)"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup.sh: installing Debian's poppler-utils package"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils
else
    echo "setup.sh: pdftotext is missing and this is not a root shell with apt-get;" \
        "ask an administrator to run 'apt-get install poppler-utils'" >&2
fi

lock="$here/package-lock.json"
stamp="$here/node_modules/.package-lock.sha256"
want="$(sha256sum "$lock" | cut -d' ' -f1)"
if [ -f "$here/node_modules/axe-core/axe.min.js" ] && [ -f "$stamp" ] \
    && [ "$(cat "$stamp")" = "$want" ]; then
    echo "setup.sh: axe-core already installed from the current package-lock.json"
elif command -v npm >/dev/null 2>&1; then
    echo "setup.sh: installing axe-core with npm ci"
    # --ignore-scripts: axe-core needs no install scripts, and none should run.
    (cd "$here" && npm ci --no-audit --no-fund --ignore-scripts)
    echo "$want" >"$stamp"
else
    echo "setup.sh: npm is missing; install Node.js and npm, then run this again" >&2
fi
