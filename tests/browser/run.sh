#!/usr/bin/env bash
# Browser end-to-end suite (e2e.test.mjs, then i18n.test.mjs: the resident flow in Hindi and
# Kannada). Usage: tests/browser/run.sh
#   E2E_BASE_URL   the stack to test (default http://127.0.0.1:8080, e.g. scripts/stack.sh start)
#   E2E_MOCK=1     start lib/mock-server.mjs (an in-memory stand-in for the API) instead
#   CHROMIUM_PATH  default /usr/bin/chromium (Debian's package; never a downloaded browser)
# Builds frontend/dist when it is missing, saves screenshots to docs/screenshots/, exits
# non-zero on any failure, and ends with the line "N passed, N failed".
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
cd "$HERE"

if [ ! -d node_modules/playwright-core ]; then
	npm ci --no-audit --no-fund --loglevel=error || { echo "0 passed, 1 failed"; exit 1; }
fi
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
	echo "browser: ${CHROMIUM_PATH:-/usr/bin/chromium} is missing (apt-get install -y chromium)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
if [ ! -f "$REPO/frontend/dist/index.html" ]; then
	(cd "$REPO/frontend" && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; } && npm run build --silent) ||
		{ echo "0 passed, 1 failed"; exit 1; }
fi

mock_pid=
cleanup() { [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null; }
trap cleanup EXIT
if [ "${E2E_MOCK:-0}" = 1 ]; then
	port=${MOCK_PORT:-8099}
	node lib/mock-server.mjs "$port" >"${TMPDIR:-/tmp}/swmra-mock-$port.log" 2>&1 &
	mock_pid=$!
	export E2E_BASE_URL=http://127.0.0.1:$port
	for _ in $(seq 1 50); do curl -fsS "$E2E_BASE_URL/api/health" >/dev/null 2>&1 && break; sleep 0.1; done
fi

tap=$(mktemp)
node --test --test-concurrency=1 \
	--test-reporter=spec --test-reporter-destination=stdout \
	--test-reporter=tap --test-reporter-destination="$tap" \
	e2e.test.mjs i18n.test.mjs crews.test.mjs session.test.mjs
rc=$?
pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tap" | tail -1)
fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tap" | tail -1)
rm -f "$tap"
pass=${pass:-0}
fail=${fail:-0}
[ "$rc" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
echo "$pass passed, $fail failed"
exit "$rc"
