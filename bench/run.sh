#!/usr/bin/env bash
# bench/run.sh — GET /api/health through nginx vs. a bare libfcgi "hello" responder behind
# the same nginx, in one run; writes the table into bench/RESULTS.md.
#
# It starts a bench stack of its own (STACK_DIR=bench/.stack, HTTP 18380, Mongo 27417,
# SMTP 12325; BENCH_HELLO=1 adds nginx's /bench/hello location) and stops it at the end.
# Needs a built cgi-bin/swmra-api (SWMRA_BUILD_DIR for out-of-tree builds) and wrk.
#   BENCH_DURATION [8]  BENCH_CONNECTIONS [64]  BENCH_THREADS [2]  BENCH_ROUNDS [3]  WORKERS [4]
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${SWMRA_BUILD_DIR:-$REPO}
DURATION=${BENCH_DURATION:-8}
CONNS=${BENCH_CONNECTIONS:-64}
ROUNDS=${BENCH_ROUNDS:-3}
THREADS=${BENCH_THREADS:-2}
export WORKERS=${WORKERS:-4}
export STACK_DIR=${BENCH_STACK_DIR:-$REPO/bench/.stack}
export HTTP_PORT=${BENCH_HTTP_PORT:-18380} MONGO_PORT=${BENCH_MONGO_PORT:-27417} SMTP_PORT=${BENCH_SMTP_PORT:-12325}
export APP_ENV=test ENV_FILE='' BENCH_HELLO=1 SWMRA_BUILD_DIR=$BUILD
unset MONGO_URI FCGI_SOCKET NCHAN_PUB_SOCKET UPLOAD_DIR PUBLIC_BASE_URL BENCH_SOCKET STACK_SERVICES
STACK_SH=$REPO/scripts/stack.sh
RESULTS=$REPO/bench/RESULTS.md
HELLO=$REPO/bench/hello-fcgi

command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
[ -x "$BUILD/cgi-bin/swmra-api" ] || { echo "bench: $BUILD/cgi-bin/swmra-api is not built" >&2; exit 1; }

echo "==> building bench/hello-fcgi"
# shellcheck disable=SC2046
cc -O2 -Wall -Wextra -o "$HELLO" "$REPO/bench/hello-fcgi.c" $(pkg-config --cflags --libs fcgi)

eval "$(bash "$STACK_SH" env)"
SOCK_DIR=$(dirname "$FCGI_SOCKET")
export BENCH_SOCKET=$SOCK_DIR/bench-hello.sock

hello_pid=
cleanup() {
	if [ -n "$hello_pid" ]; then
		kill -TERM "$hello_pid" 2>/dev/null || true
		sleep 0.3
		kill -KILL -- "-$hello_pid" 2>/dev/null || true
	fi
	bash "$STACK_SH" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "==> bench stack in $STACK_DIR"
bash "$STACK_SH" stop >/dev/null 2>&1 || true
rm -rf "$STACK_DIR"
mkdir -p "$STACK_DIR/run" "$STACK_DIR/log"
bash "$STACK_SH" start
setsid "$HELLO" "$BENCH_SOCKET" "$WORKERS" >>"$STACK_DIR/log/hello-fcgi.log" 2>&1 </dev/null &
hello_pid=$!
for _ in $(seq 50); do [ -S "$BENCH_SOCKET" ] && break; sleep 0.1; done
[ -S "$BENCH_SOCKET" ] || { echo "bench: hello-fcgi did not start" >&2; exit 1; }

base=http://127.0.0.1:$HTTP_PORT
load=$(cut -d" " -f1-3 /proc/loadavg)
for u in /api/health /bench/hello; do
	body=$(curl -fsS "$base$u") || { echo "bench: $u does not answer" >&2; exit 1; }
	[ "$body" = '{"status":"ok"}' ] || { echo "bench: $u answered $body" >&2; exit 1; }
done

# run URL -> "rps p50 p99 non2xx errors"
run_wrk() {
	local out rps p50 p99 non2xx errs
	wrk -t"$THREADS" -c"$CONNS" -d2s "$1" >/dev/null # warm-up
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency "$1")
	printf '%s\n' "$out" >&2
	rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
	p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
	p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
	non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")
	errs=$(sed -n 's/.*Socket errors: \(.*\)/\1/p' <<<"$out")
	printf '%s|%s|%s|%s|%s\n' "$rps" "$p50" "$p99" "${non2xx:-0}" "${errs:-none}"
}

# alternate the two targets so that background load on the machine hits both alike
rows='' h_sum=0 a_sum=0
for round in $(seq "$ROUNDS"); do
	for target in hello health; do
		url=$base/bench/hello label='bare hello (`/bench/hello`)'
		[ $target = health ] && url=$base/api/health label='swmra-api `GET /api/health`'
		echo "==> round $round: wrk -t$THREADS -c$CONNS -d${DURATION}s --latency $url"
		IFS='|' read -r rps p50 p99 bad err <<<"$(run_wrk "$url")"
		rows+="| $round | $label | $rps | $p50 | $p99 | $bad | $err |"$'\n'
		if [ $target = hello ]; then h_sum=$(awk -v a="$h_sum" -v b="$rps" 'BEGIN{print a+b}'); else a_sum=$(awk -v a="$a_sum" -v b="$rps" 'BEGIN{print a+b}'); fi
	done
done
h_rps=$(awk -v s="$h_sum" -v n="$ROUNDS" 'BEGIN { printf "%.0f", s / n }')
a_rps=$(awk -v s="$a_sum" -v n="$ROUNDS" 'BEGIN { printf "%.0f", s / n }')
ratio=$(awk -v a="$a_sum" -v h="$h_sum" 'BEGIN { printf "%.1f", (h > 0 ? 100 * a / h : 0) }')
verdict=$(awk -v r="$ratio" 'BEGIN { print (r >= 80 ? "meets" : "misses") }')

section=$(
	cat <<EOF
<!-- bench:health:begin (written by bench/run.sh; do not edit by hand) -->
## GET /api/health vs. a bare libfcgi responder

$(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r); nginx $(nginx -v 2>&1 | sed 's|.*/||'), $WORKERS FastCGI
workers each (prefork, unix socket), nginx $(grep -m1 -o 'worker_processes [0-9]*' "$STACK_DIR/nginx/nginx.conf" | awk '{print $2}') workers,
API log level ${LOG_LEVEL:-info}; wrk, nginx and the responders share the machine (load average before the run: $load).
Command: \`wrk -t$THREADS -c$CONNS -d${DURATION}s --latency\` after a 2 s warm-up, the two targets alternating (\`bench/run.sh\`).

| round | target | req/s | p50 | p99 | non-2xx | socket errors |
| ---: | --- | ---: | ---: | ---: | ---: | --- |
${rows%$'\n'}

Mean over $ROUNDS alternating rounds: bare hello (\`bench/hello-fcgi.c\`) $h_rps req/s, \`/api/health\` $a_rps req/s:
/api/health runs at **$ratio %** of the bare responder (goal: ≥ 80 %, $verdict).
<!-- bench:health:end -->
EOF
)

if [ ! -f "$RESULTS" ]; then
	printf '# SWMRA benchmark results\n\nRecorded by the scripts in bench/. Re-run them on the target machine before quoting.\n\n' >"$RESULTS"
fi
if grep -q '<!-- bench:health:begin' "$RESULTS"; then
	SECTION=$section awk '
		/<!-- bench:health:begin/ { print ENVIRON["SECTION"]; skip = 1; next }
		/<!-- bench:health:end/ { skip = 0; next }
		!skip { print }' "$RESULTS" >"$RESULTS.tmp"
	mv "$RESULTS.tmp" "$RESULTS"
else
	printf '%s\n' "$section" >>"$RESULTS"
fi
echo
echo "==> /api/health: $a_rps req/s, hello: $h_rps req/s (means), ratio $ratio % (bench/RESULTS.md)"
