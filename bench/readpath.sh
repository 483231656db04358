#!/usr/bin/env bash
# bench/readpath.sh — the read paths as the store grows, against GET /api/health in the same
# run (issue 13). On a stack of its own (fresh data, stopped at the end), for one FerretDB
# backend:
#   1. seed; register the measured resident and create template requests through the API
#      (bench/readpath.mjs setup);
#   2. for each size in BENCH_SIZES: bulk-load residents up to BENCH_USERS and requests up
#      to the size, each with its events and notifications (bench/readpath-load.c clones
#      the templates over the MongoDB wire protocol); the measured resident holds 20 of them;
#   3. wrk -c64 on /api/health, /api/auth/me, the resident's list, a request's detail,
#      /api/slots/available, /api/notifications, /api/notifications/unread-count, a staff
#      board column (scheduled, page of 20, as the seed's staff account), then
#      /api/health again; the list once more at one connection; then BENCH_WRITES requests
#      created and confirmed into a slot one at a time (p50/p99); worker RSS and the
#      requests served so far; load average before each size.
# Writes a section per backend into bench/RESULTS.md (its own marked block).
#
#   BENCH_BACKEND [postgresql]|sqlite   FerretDB's store (scripts/stack.sh FERRETDB_BACKEND)
#   BENCH_SIZES ["3000 20000"]  (add 100000 for the curve)   BENCH_USERS [2000]
#   BENCH_DURATION [8] s per wrk run (after a 2 s warm-up)  BENCH_CONNECTIONS [64]
#   BENCH_ROUNDS [3] alternating rounds over all endpoints (a row: the median round)
#   BENCH_THREADS [2]  BENCH_WRITES [20]  WORKERS [4]
#   BENCH_MAX_CALL_MS [500]  an endpoint whose single call takes longer is reported, not
#                    flooded (at 64 connections it would only build a queue of minutes)
#   BENCH_RESULTS [bench/RESULTS.md; "-" = print only]  BENCH_NOTE [a line for the section]
#   BENCH_KEEP [unset] leaves the stack running at the end (for a look at the store)
#   READPATH_HTTP_PORT [18470]  READPATH_MONGO_PORT [27470]  READPATH_SMTP_PORT [12470]
# A 2k + 20k run takes about 12 minutes on 2 cores with 3 rounds (most of it wrk).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${SWMRA_BUILD_DIR:-$REPO}
STACK_SH=$REPO/scripts/stack.sh
BACKEND=${BENCH_BACKEND:-postgresql}
SIZES=${BENCH_SIZES:-3000 20000}
USERS=${BENCH_USERS:-2000}
DURATION=${BENCH_DURATION:-8}
ROUNDS=${BENCH_ROUNDS:-3}
CONNS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
WRITES=${BENCH_WRITES:-20}
MAX_CALL_MS=${BENCH_MAX_CALL_MS:-500}
RESULTS=${BENCH_RESULTS:-$REPO/bench/RESULTS.md}
WORK=$(mktemp -d /tmp/swmra-readpath.XXXXXX)

command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 2; }
command -v node >/dev/null || { echo "bench: node is missing" >&2; exit 2; }
for b in cgi-bin/swmra-api seed/swmra-seed; do
	[ -x "$BUILD/$b" ] || { echo "bench: $BUILD/$b is not built" >&2; exit 2; }
done

echo "==> building bench/readpath-load"
LOADER=$WORK/readpath-load
# shellcheck disable=SC2046
cc -O2 -Wall -Wextra -o "$LOADER" "$REPO/bench/readpath-load.c" $(pkg-config --cflags --libs libmongoc-1.0)

export FERRETDB_BACKEND=$BACKEND
export STACK_DIR=${READPATH_STACK_DIR:-$REPO/bench/.stack-readpath-$BACKEND}
export HTTP_PORT=${READPATH_HTTP_PORT:-18470} MONGO_PORT=${READPATH_MONGO_PORT:-27470} SMTP_PORT=${READPATH_SMTP_PORT:-12470}
export APP_ENV=test ENV_FILE='' SWMRA_BUILD_DIR=$BUILD WORKERS=${WORKERS:-4}
# quick registration of the one measured resident; neither touches a measured path
export AUTH_RATE_LIMIT=1000r/s AUTH_RATE_BURST=1000 ARGON2_OPSLIMIT=1 ARGON2_MEMLIMIT_KIB=8192
export JWT_EXPIRE_MIN=1440
unset MONGO_URI MONGO_DB FCGI_SOCKET NCHAN_PUB_SOCKET UPLOAD_DIR PUBLIC_BASE_URL JWT_SECRET STACK_SERVICES \
	BENCH_HELLO BENCH_SOCKET FERRETDB_POSTGRESQL_URL
# fresh data: the old stack goes first, then its environment is computed (which makes the
# stack's secrets: a key ring file removed after it would be named but missing)
bash "$STACK_SH" stop >/dev/null 2>&1 || true
rm -rf "$STACK_DIR"
eval "$(bash "$STACK_SH" env)"

cleanup() {
	[ -n "${BENCH_KEEP:-}" ] && { echo "bench: stack kept running in $STACK_DIR"; return; }
	bash "$STACK_SH" stop >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT

echo "==> bench stack ($BACKEND) in $STACK_DIR (HTTP $HTTP_PORT, Mongo $MONGO_PORT)"
bash "$STACK_SH" start
(cd "$STACK_DIR" && "$BUILD/seed/swmra-seed" --env-file '') >"$WORK/seed.log" 2>&1 ||
	{ cat "$WORK/seed.log" >&2; echo "bench: seeding failed" >&2; exit 2; }
export BASE_URL=$SWMRA_BASE_URL
node "$REPO/bench/readpath.mjs" setup >"$WORK/state.json"
export STATE=$WORK/state.json
js() { node -e "process.stdout.write(String(JSON.parse(require('fs').readFileSync('$STATE','utf8'))['$1']))"; }
TOKEN=$(js token) OWN=$(js user_id) REQ=$(js request_id) DATE=$(js date) CAT=$(js category)
# the staff board's column is read with the seed's staff account
STAFF_TOKEN=$(curl -sS -H 'content-type: application/json' \
	-d '{"email":"staff@example.com","password":"Passw0rd!"}' "http://127.0.0.1:$HTTP_PORT/api/auth/login" |
	node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>process.stdout.write(JSON.parse(s).access_token||""))')
TEMPLATES=$(node -e "process.stdout.write(JSON.parse(require('fs').readFileSync('$STATE','utf8')).templates.join(' '))")

# analyse the freshly loaded tables, as autovacuum does within a minute
settle() {
	if [ "$BACKEND" = postgresql ]; then
		"${PG_BIN:-/usr/lib/postgresql/15/bin}/psql" -X -q "$FERRETDB_POSTGRESQL_URL" -c 'VACUUM ANALYZE' >/dev/null
	fi
}

total_requests=0
# run_wrk CONNS URL -> "rps|p50|p99|non2xx|errors"
run_wrk() {
	local out rps p50 p99 non2xx errs n
	local t=$(($1 < THREADS ? $1 : THREADS))
	wrk -t"$t" -c"$1" -d2s -H "Authorization: Bearer ${AS:-$TOKEN}" "$2" >/dev/null # warm-up
	out=$(wrk -t"$t" -c"$1" -d"${DURATION}s" --latency -H "Authorization: Bearer ${AS:-$TOKEN}" "$2")
	printf '%s\n' "$out" >>"$WORK/wrk.log"
	rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")
	p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
	p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
	non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")
	errs=$(sed -n 's/.*Socket errors: \(.*\)/\1/p' <<<"$out")
	n=$(awk '/requests in/ {print $1}' <<<"$out")
	printf '%s|%s|%s|%s|%s|%s\n' "$rps" "$p50" "$p99" "${non2xx:-0}" "${errs:-none}" "${n:-0}"
}

drain() { # until /api/health answers within 200 ms again (at most 3 minutes)
	local i t
	for ((i = 0; i < 36; i++)); do
		t=$(curl -sS -o /dev/null -m 30 -w '%{time_total}' "$base/api/health" || echo 99)
		awk -v t="$t" 'BEGIN { exit !(t < 0.2) }' && return 0
		sleep 5
	done
}

probe() { # URL -> "milliseconds status" of one call
	local out
	out=$(curl -sS -o /dev/null -m 120 -w '%{time_total} %{http_code}' -H "Authorization: Bearer ${AS:-$TOKEN}" "$base$1" || true)
	awk -v t="${out% *}" -v c="${out#* }" 'BEGIN { printf "%.1f %s", t * 1000, c }'
}

workers_rss() { # "a/b/c/d MiB"
	local sup pids p out=
	sup=$(cat "$STACK_DIR/run/swmra-api.pid")
	pids=$(pgrep -P "$sup" || true)
	for p in $pids; do
		out+="$(awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$p/status")/"
	done
	printf '%s MiB' "${out%/}"
}

base=http://127.0.0.1:$HTTP_PORT
rows='' curve=''
for size in $SIZES; do
	echo "==> loading: $USERS residents, $size requests"
	t0=$(date +%s)
	"$LOADER" "$MONGO_URI" "$MONGO_DB" "$OWN" "$USERS" "$size" "$OWN" 20 $TEMPLATES
	settle
	echo "    loaded in $(($(date +%s) - t0)) s"
	load=$(cut -d" " -f1-3 /proc/loadavg)
	declare -A rps=() probes=() shown=() label=() url=() as=() skip=() res=() warm=()
	# the board last: on FerretDB a board answer that expires under load is rebuilt by every
	# worker at once (a scan of its column; docs/SCALING.md), which would hold up whatever
	# came after it
	TARGETS="health me list detail slots notifications unread health2 board"
	for target in $TARGETS; do
		AS=$TOKEN
		case $target in
		health | health2) u=/api/health l='`GET /api/health`' ;;
		me) u=/api/auth/me l='`GET /api/auth/me`' ;;
		list) u='/api/requests?limit=20' l='own request list (page of 20)' ;;
		detail) u=/api/requests/$REQ l='request detail' ;;
		slots) u="/api/slots/available?date=$DATE&category=$CAT" l='`GET /api/slots/available`' ;;
		notifications) u=/api/notifications l='`GET /api/notifications`' ;;
		unread) u=/api/notifications/unread-count l='`GET /api/notifications/unread-count`' ;;
		board) u='/api/staff/requests?status=scheduled&limit=20' AS=$STAFF_TOKEN
			l='staff board column (scheduled, page of 20)' ;;
		esac
		url[$target]=$u label[$target]=$l as[$target]=$AS
		# one call first: an endpoint slower than BENCH_MAX_CALL_MS is not flooded (64
		# connections would only queue behind it for minutes); it is reported as it is
		drain
		read -r ms code <<<"$(probe "$u")"
		probes[$target]=$ms shown[$target]="$ms ms"
		if [ "$code" != 200 ]; then
			echo "    $size: $u answers $code after $ms ms: not run at $CONNS connections"
			skip[$target]="not run: one call answers $code"
			continue
		fi
		if [ "${target#health}" = "$target" ] && [ "${ms%.*}" -gt "$MAX_CALL_MS" ]; then
			# a cached answer (read cache) is slow only when a worker builds it: let every
			# worker build its own (parallel calls spread over them), then call again
			for _ in $(seq $((2 * WORKERS))); do probe "$u" >/dev/null & done
			wait
			read -r ms2 code2 <<<"$(probe "$u")"
			if [ "$code2" = 200 ] && [ "${ms2%.*}" -le "$MAX_CALL_MS" ]; then
				echo "    $size: $u: first call $ms ms (a miss), then $ms2 ms (cached)"
				ms=$ms2 shown[$target]="first ${probes[$target]} ms, then $ms2 ms"
				warm[$target]=1
			fi
		fi
		if [ "${target#health}" = "$target" ] && [ "${ms%.*}" -gt "$MAX_CALL_MS" ]; then
			echo "    $size: $u takes $ms ms per call: not run at $CONNS connections"
			skip[$target]="not run (one call > $MAX_CALL_MS ms)"
		fi
	done
	# before the rounds: the board, last in each round, may leave the node busy (above)
	AS=$TOKEN
	echo "    $size: the list at one connection"
	if [ "${probes[list]%.*}" -gt "$MAX_CALL_MS" ]; then
		list1="one call ${probes[list]} ms"
	else
		IFS='|' read -r r1 p50_1 p99_1 _ _ n <<<"$(run_wrk 1 "$base/api/requests?limit=20")"
		total_requests=$((total_requests + n))
		list1="$r1 req/s, p50 $p50_1, p99 $p99_1"
	fi
	echo "    $size: $WRITES creates and confirm-slots, one at a time"
	drain
	w=$(N=$WRITES node "$REPO/bench/readpath.mjs" writes) ||
		w='{"create_p50":"failed","create_p99":"-","confirm_p50":"failed","confirm_p99":"-"}'
	wv() { node -e "process.stdout.write(String(JSON.parse(process.argv[1])['$1']))" "$w"; }
	# BENCH_ROUNDS alternating rounds over every endpoint: one slow window of the machine
	# (a vacuum, a neighbour) then moves one round of each, not the row
	for ((round = 1; round <= ROUNDS; round++)); do
		for target in $TARGETS; do
			[ -n "${skip[$target]:-}" ] && continue
			AS=${as[$target]}
			if [ -n "${warm[$target]:-}" ]; then
				# cached answers live READ_CACHE_MAX_AGE_MS (60 s), less than a round: give
				# every worker its call to rebuild first, as above (its cost is "one call")
				for _ in $(seq $((2 * WORKERS))); do probe "${url[$target]}" >/dev/null & done
				wait
			fi
			echo "    $size: round $round: wrk -c$CONNS ${url[$target]}"
			res[$target,$round]=$(run_wrk "$CONNS" "$base${url[$target]}")
			n=${res[$target,$round]##*|}
			total_requests=$((total_requests + n))
		done
	done
	# per endpoint: the round with the median req/s (its latencies shown), the range of all;
	# the % against the mean of every health run of this size
	hsum=0 hn=0
	for target in $TARGETS; do
		[ -n "${skip[$target]:-}" ] && { rps[$target]=0; continue; }
		sorted=$(for ((round = 1; round <= ROUNDS; round++)); do echo "${res[$target,$round]}"; done | sort -t'|' -k1,1n)
		med=$(sed -n "$(((ROUNDS + 1) / 2))p" <<<"$sorted")
		range="$(head -1 <<<"$sorted" | cut -d'|' -f1)-$(tail -1 <<<"$sorted" | cut -d'|' -f1)"
		IFS='|' read -r r p50 p99 bad err _ <<<"$med"
		rps[$target]=$r
		res[$target,med]="$r|$range|$p50|$p99|$bad|$err"
		if [ "${target#health}" != "$target" ]; then
			for ((round = 1; round <= ROUNDS; round++)); do
				hsum=$((hsum + ${res[$target,$round]%%|*})) hn=$((hn + 1))
			done
		fi
	done
	h1=$(awk -v s="$hsum" -v n="$hn" 'BEGIN { printf "%.0f", (n > 0 ? s / n : 0) }')
	for target in $TARGETS; do
		l=${label[$target]}
		[ "$target" = health2 ] && l="$l (again)"
		if [ -n "${skip[$target]:-}" ]; then
			rows+="| $size | $l | ${skip[$target]} | | | ${shown[$target]} | | | | |"$'\n'
			continue
		fi
		IFS='|' read -r r range p50 p99 bad err <<<"${res[$target,med]}"
		pcent=$(awk -v a="$r" -v h="$h1" 'BEGIN { printf "%.1f %%", (h > 0 ? 100 * a / h : 0) }')
		[ "$target" = health2 ] && pcent=''
		rows+="| $size | $l | $r | $range | $pcent | ${shown[$target]} | $p50 | $p99 | $bad | $err |"$'\n'
	done
	rss=$(workers_rss)
	curve+="| $size | $load | ${rps[list]} | $list1 | $(wv create_p50) / $(wv create_p99) ms | $(wv confirm_p50) / $(wv confirm_p99) ms | $rss after $total_requests requests |"$'\n'
	echo "    $size: list at 1 connection: $list1; create p50 $(wv create_p50) ms, confirm-slot p50 $(wv confirm_p50) ms; workers $rss"
done

section=$(
	cat <<EOF
<!-- bench:readpath-$BACKEND:begin (written by bench/readpath.sh; do not edit by hand) -->
## Read paths as the store grows: FerretDB 1.24 on $BACKEND

$(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r); nginx $(nginx -v 2>&1 | sed 's|.*/||'), $WORKERS FastCGI workers, nginx 2 workers,
FerretDB 1.24.2 on $([ "$BACKEND" = postgresql ] && echo "PostgreSQL $("${PG_BIN:-/usr/lib/postgresql/15/bin}/postgres" --version | awk '{print $3}') (GIN indexes from the index registry, force_custom_plan)" || echo SQLite).
$USERS residents; the measured resident holds 20 requests and their notifications; every request has the
events and notifications of a submitted or a scheduled one (clones of requests made through the API).
$ROUNDS alternating rounds of \`wrk -t$THREADS -c$CONNS -d${DURATION}s --latency\` (each after a 2 s warm-up), one endpoint after another, \`/api/health\` first
and last in each round; a row shows the round with the median req/s (its p50/p99) and the range of all rounds; the % column is against the mean of every health run of the size; "one call" is a single request on an idle stack just before (where that first call is slower than ${MAX_CALL_MS} ms, every worker is then given one call to build its cached answer and the time of the next call is shown too: the first is what a read costs after a change). Command: \`BENCH_BACKEND=$BACKEND BENCH_SIZES="$SIZES" bench/readpath.sh\`.
${BENCH_NOTE:-}

| requests in store | endpoint | req/s (median round) | rounds (min-max) | % of health | one call | p50 | p99 | non-2xx | socket errors |
| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
${rows%$'\n'}

| requests in store | load average before | list req/s at $CONNS | list at 1 connection | create p50 / p99 ($WRITES) | confirm-slot p50 / p99 ($WRITES) | worker RSS |
| ---: | --- | ---: | --- | ---: | ---: | --- |
${curve%$'\n'}
<!-- bench:readpath-$BACKEND:end -->
EOF
)

printf '\n%s\n' "$section"
if [ "$RESULTS" = - ]; then exit 0; fi
if [ ! -f "$RESULTS" ]; then
	printf '# SWMRA benchmark results\n\nRecorded by the scripts in bench/. Re-run them on the target machine before quoting.\n\n' >"$RESULTS"
fi
if grep -q "<!-- bench:readpath-$BACKEND:begin" "$RESULTS"; then
	SECTION=$section B=$BACKEND awk '
		$0 ~ "<!-- bench:readpath-" ENVIRON["B"] ":begin" { print ENVIRON["SECTION"]; skip = 1; next }
		$0 ~ "<!-- bench:readpath-" ENVIRON["B"] ":end" { skip = 0; next }
		!skip { print }' "$RESULTS" >"$RESULTS.tmp"
	mv "$RESULTS.tmp" "$RESULTS"
else
	printf '\n%s\n' "$section" >>"$RESULTS"
fi
echo "==> written to $RESULTS"
