#!/usr/bin/env bash
# bench/ws-fanout/run.sh — 1,000 WebSocket subscribers through nginx + nchan, one message
# published to each user's channel; writes p50/p99 delivery latency into bench/RESULTS.md.
#
# Starts a stack of its own (STACK_DIR=bench/.stack-fanout, HTTP 18480, Mongo 27517,
# SMTP 12425) and stops it at the end. Registration runs with cheap Argon2 settings and
# no login rate limit (the benchmark is about delivery, not about hashing).
#   FANOUT_N [1000]  FANOUT_PUB_CONCURRENCY [32]  FANOUT_ROUNDS [3]  WORKERS [4]
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${SWMRA_BUILD_DIR:-$REPO}
ROUNDS=${FANOUT_ROUNDS:-3}
export FANOUT_N=${FANOUT_N:-1000} FANOUT_PUB_CONCURRENCY=${FANOUT_PUB_CONCURRENCY:-32}
export WORKERS=${WORKERS:-4}
export STACK_DIR=${FANOUT_STACK_DIR:-$REPO/bench/.stack-fanout}
export HTTP_PORT=${FANOUT_HTTP_PORT:-18480} MONGO_PORT=${FANOUT_MONGO_PORT:-27517} SMTP_PORT=${FANOUT_SMTP_PORT:-12425}
export APP_ENV=test ENV_FILE='' SWMRA_BUILD_DIR=$BUILD
export ARGON2_OPSLIMIT=1 ARGON2_MEMLIMIT_KIB=8 AUTH_RATE_LIMIT=100000r/s AUTH_RATE_BURST=100000 LOG_LEVEL=warn
unset MONGO_URI FCGI_SOCKET NCHAN_PUB_SOCKET UPLOAD_DIR PUBLIC_BASE_URL STACK_SERVICES BENCH_HELLO
STACK_SH=$REPO/scripts/stack.sh
RESULTS=$REPO/bench/RESULTS.md

[ -x "$BUILD/cgi-bin/swmra-api" ] || { echo "ws-fanout: $BUILD/cgi-bin/swmra-api is not built" >&2; exit 1; }
[ -d "$REPO/tests/e2e/node_modules/ws" ] || { echo "ws-fanout: run npm ci in tests/e2e (needs ws)" >&2; exit 1; }

cleanup() { STACK_SERVICES="mongo api nginx" bash "$STACK_SH" stop >/dev/null 2>&1 || true; }
trap cleanup EXIT
echo "==> stack in $STACK_DIR"
cleanup
rm -rf "$STACK_DIR"
STACK_SERVICES="mongo api nginx" bash "$STACK_SH" start
eval "$(bash "$STACK_SH" env)"
load=$(cut -d" " -f1-3 /proc/loadavg)

rows=''
for round in $(seq "$ROUNDS"); do
	echo "==> round $round: $FANOUT_N subscribers"
	out=$(node "$REPO/bench/ws-fanout/fanout.mjs")
	echo "$out"
	rows+=$(node -e '
		const r = JSON.parse(process.argv[1]), l = r.latency_ms || {};
		console.log(`| ${process.argv[2]} | ${r.subscribers_open} | ${r.delivered} | ${r.lost} | ${l.p50} ms | ${l.p90} ms | ${l.p99} ms | ${l.max} ms | ${r.deliver_all_ms} ms | ${r.handshake_ms.p50} / ${r.handshake_ms.p99} ms |`);
	' "$out" "$round")$'\n'
done

nginx_workers=$(grep -m1 -o 'worker_processes [0-9]*' "$STACK_DIR/nginx/nginx.conf" | awk '{print $2}')
nchan_version=$(dpkg-query -W -f='${Version}' libnginx-mod-nchan 2>/dev/null || echo '?')
section=$(
	cat <<EOF
<!-- bench:ws-fanout:begin (written by bench/ws-fanout/run.sh; do not edit by hand) -->
## Live notifications: $FANOUT_N WebSocket subscribers, one message each

$(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r); nginx $(nginx -v 2>&1 | sed 's|.*/||') with nchan
$nchan_version ($nginx_workers nginx workers, memory store), $WORKERS API workers. The client
(node $(node -v), one process holding every socket), nginx and the API share the machine
(load average before: $load). Each of $FANOUT_N users opens one WebSocket on
\`/api/ws/notifications\` (auth_request → ws-auth), then one message is POSTed to each
\`user.<id>\` channel on the publisher socket, $FANOUT_PUB_CONCURRENCY publishes in flight.
Latency = publish request start → message received by its subscriber; "all" = first
publish → last delivery (\`bench/ws-fanout/run.sh\`).

| round | open | delivered | lost | p50 | p90 | p99 | max | all | handshake p50 / p99 |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows%$'\n'}
<!-- bench:ws-fanout:end -->
EOF
)

if [ ! -f "$RESULTS" ]; then
	printf '# SWMRA benchmark results\n\nRecorded by the scripts in bench/. Re-run them on the target machine before quoting.\n\n' >"$RESULTS"
fi
if grep -q '<!-- bench:ws-fanout:begin' "$RESULTS"; then
	SECTION=$section awk '
		/<!-- bench:ws-fanout:begin/ { print ENVIRON["SECTION"]; skip = 1; next }
		/<!-- bench:ws-fanout:end/ { skip = 0; next }
		!skip { print }' "$RESULTS" >"$RESULTS.tmp"
	mv "$RESULTS.tmp" "$RESULTS"
else
	printf '\n%s\n' "$section" >>"$RESULTS"
fi
echo "==> written to bench/RESULTS.md"
