#!/usr/bin/env bash
# Install what the JupyterHub test (tests/browser/test_hub_browser.py) needs beyond the
# browser tests' own setup (tests/browser/setup.sh) and PostgreSQL (tests/setup_postgresql.sh):
#
#   * configurable-http-proxy, pinned in package.json / package-lock.json, into
#     tests/hub/node_modules with `npm ci` (only when node_modules is missing or the lock
#     file changed). JupyterHub and jupyterhub-idle-culler come from PyPI with the test
#     extra (pip install -e '.[test]').
#
# Safe to run again: a second run installs nothing. `.ci/run` calls it before `make test`.
# Without it the hub test skips with a reason on a workstation and fails under CI.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
lock="$here/package-lock.json"
stamp="$here/node_modules/.package-lock.sha256"
want="$(sha256sum "$lock" | cut -d' ' -f1)"
if [ -x "$here/node_modules/.bin/configurable-http-proxy" ] && [ -f "$stamp" ] \
    && [ "$(cat "$stamp")" = "$want" ]; then
    echo "hub/setup.sh: configurable-http-proxy already installed from the current package-lock.json"
elif command -v npm >/dev/null 2>&1; then
    echo "hub/setup.sh: installing configurable-http-proxy with npm ci"
    # --ignore-scripts: the proxy and its dependencies need no install scripts.
    (cd "$here" && npm ci --no-audit --no-fund --ignore-scripts)
    echo "$want" >"$stamp"
else
    echo "hub/setup.sh: npm is missing; install Node.js and npm, then run this again" >&2
fi
