#!/usr/bin/env bash
# bench/booking.sh — the booking race through nginx: N residents (default 200), each with
# one submitted request, fire N concurrent POST /api/requests/{id}/confirm-slot at one slot
# of capacity 5 (set by an admin capacity override). Records throughput and latency
# (p50/p99), counts 2xx vs 409, checks through the staff calendar and directly in the
# database that exactly 5 seats are held, prints "OVERBOOKING: none" / "OVERBOOKING: N
# extra", and writes a "Booking race" section into bench/RESULTS.md (its own marked block;
# the rest of the file is left as it is).
#
# By default it starts a stack of its own (and stops it at the end), seeded, with fresh data:
#   STACK_DIR [/tmp/swmra-bench-booking]  HTTP 18390  Mongo 27390  SMTP 12390
#   (BOOKING_HTTP_PORT, BOOKING_MONGO_PORT, BOOKING_SMTP_PORT; WORKERS [4])
# On that stack the login/register rate limit is raised (AUTH_RATE_LIMIT=1000r/s, burst
# 1000) and password hashing is cheapened (ARGON2_OPSLIMIT=1, ARGON2_MEMLIMIT_KIB=8192) so
# that registering the residents is quick; neither touches confirm-slot. Registrations
# also go out from varied 127.x source addresses, so a normally limited stack works too.
#
# BOOKING_BASE_URL=http://host:port  uses a running, seeded stack instead (no start/stop);
#   the database check then needs MONGO_URI and MONGO_DB in the environment (else skipped).
# BOOKING_N [200]  BOOKING_CAPACITY [5]  BOOKING_ROUNDS [3] (each round: its own slot, its
# own N fresh requests)  BOOKING_RESULTS [bench/RESULTS.md; "-" = do not write]
# Exit status: 0 no overbooking and exactly CAPACITY seats sold, 1 overbooking, 2 error,
# 3 other inconsistency (fewer seats sold, calendar and DB disagreeing).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${SWMRA_BUILD_DIR:-$REPO}
STACK_SH=$REPO/scripts/stack.sh
RESULTS=${BOOKING_RESULTS:-$REPO/bench/RESULTS.md}
export N=${BOOKING_N:-200} CAPACITY=${BOOKING_CAPACITY:-5} ROUNDS=${BOOKING_ROUNDS:-3}
WORK=$(mktemp -d /tmp/swmra-booking-bench.XXXXXX)
own_stack=0

command -v node >/dev/null || { echo "bench: node is missing" >&2; exit 2; }

echo "==> building bench/booking-dbcheck"
DBCHECK=$WORK/booking-dbcheck
# shellcheck disable=SC2046
cc -O2 -Wall -Wextra -o "$DBCHECK" "$REPO/bench/booking-dbcheck.c" $(pkg-config --cflags --libs libmongoc-1.0)
export DBCHECK

cleanup() {
	if [ $own_stack = 1 ]; then bash "$STACK_SH" stop >/dev/null 2>&1 || true; fi
	rm -rf "$WORK"
}
trap cleanup EXIT

if [ -n "${BOOKING_BASE_URL:-}" ]; then
	export BASE_URL=$BOOKING_BASE_URL
	where="the running stack at $BASE_URL"
	[ -n "${MONGO_URI:-}" ] || echo "bench: MONGO_URI is not set: the database check is skipped"
else
	[ -x "$BUILD/cgi-bin/swmra-api" ] || { echo "bench: $BUILD/cgi-bin/swmra-api is not built" >&2; exit 2; }
	[ -x "$BUILD/seed/swmra-seed" ] || { echo "bench: $BUILD/seed/swmra-seed is not built" >&2; exit 2; }
	export STACK_DIR=${BOOKING_STACK_DIR:-/tmp/swmra-bench-booking}
	export HTTP_PORT=${BOOKING_HTTP_PORT:-18390} MONGO_PORT=${BOOKING_MONGO_PORT:-27390} SMTP_PORT=${BOOKING_SMTP_PORT:-12390}
	export APP_ENV=test ENV_FILE='' SWMRA_BUILD_DIR=$BUILD WORKERS=${WORKERS:-4}
	export AUTH_RATE_LIMIT=1000r/s AUTH_RATE_BURST=1000 ARGON2_OPSLIMIT=1 ARGON2_MEMLIMIT_KIB=8192
	unset MONGO_URI MONGO_DB FCGI_SOCKET NCHAN_PUB_SOCKET UPLOAD_DIR PUBLIC_BASE_URL JWT_SECRET STACK_SERVICES BENCH_HELLO BENCH_SOCKET
	# fresh data: the old stack goes first, then its environment is computed (which makes the
	# stack's secrets: a key ring file removed after it would be named but missing)
	bash "$STACK_SH" stop >/dev/null 2>&1 || true
	rm -rf "$STACK_DIR"
	eval "$(bash "$STACK_SH" env)"
	echo "==> bench stack in $STACK_DIR (HTTP $HTTP_PORT, Mongo $MONGO_PORT, SMTP $SMTP_PORT)"
	own_stack=1
	bash "$STACK_SH" start
	(cd "$STACK_DIR" && "$BUILD/seed/swmra-seed" --env-file '') >"$WORK/seed.log" 2>&1 || {
		cat "$WORK/seed.log" >&2
		echo "bench: seeding failed" >&2
		exit 2
	}
	export BASE_URL=$SWMRA_BASE_URL
	where="its own stack ($WORKERS FastCGI workers, nginx 2 workers, FerretDB on ${FERRETDB_BACKEND:-postgresql})"
fi

echo "==> $N concurrent confirm-slot attempts on one capacity-$CAPACITY slot, $ROUNDS round(s), against $where"
export RESULT_JSON=$WORK/result.json
rc=0
node "$REPO/bench/booking-race.mjs" || rc=$?
[ -s "$RESULT_JSON" ] || { echo "bench: no result (exit $rc)" >&2; exit 2; }

[ "$RESULTS" = - ] && exit $rc

# ---- the "Booking race" section of bench/RESULTS.md (replaced on every run, nothing else touched)
section=$WORK/section.md
WHERE=$where node - "$RESULT_JSON" >"$section" <<'JS'
const fs = require('node:fs');
const os = require('node:os');
const { execFileSync } = require('node:child_process');
const r = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
let nginx = 'nginx';
try { nginx = execFileSync('sh', ['-c', 'nginx -v 2>&1'], { encoding: 'utf8' }).trim().replace(/^nginx version: nginx\//, 'nginx '); } catch {}
const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const mean = (k) => r.rounds.reduce((s, x) => s + x[k], 0) / r.rounds.length;
const L = [];
L.push('<!-- bench:booking:begin (written by bench/booking.sh; do not edit by hand) -->');
L.push('## Booking race');
L.push('');
L.push(`${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, ${os.release()}; ${nginx}; against ${process.env.WHERE}.`);
L.push(`${r.n} residents, each with one submitted request, fire ${r.n} concurrent \`POST /api/requests/{id}/confirm-slot\` at one slot whose`);
L.push(`capacity is ${r.capacity} (admin override for ${r.date}); each round uses its own slot and ${r.n} fresh requests.`);
L.push(`Tool: ${r.tool} (\`bench/booking-race.mjs\`); throughput = attempts / wall time of the burst, latency per request.`);
L.push('Seats held are checked through the staff calendar (`GET /api/staff/slots`) and directly in the database');
L.push('(`bench/booking-dbcheck`: claims in `slot_claims`, requests scheduled into the slot in `pickup_requests`).');
L.push('');
L.push('| round | req/s | p50 | p99 | max | 2xx | 409 "Slot is full" | other | calendar booked | DB claims | DB scheduled | extra seats |');
L.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const x of r.rounds) {
  const other = x.other + x.other_409;
  L.push(`| ${x.round} | ${f(x.throughput, 0)} | ${f(x.p50_ms)}ms | ${f(x.p99_ms)}ms | ${f(x.max_ms)}ms | ${x.ok} | ${x.full_409} | ${other} | ${x.calendar_booked} | ${x.db ? x.db.claims : 'n/a'} | ${x.db ? x.db.scheduled : 'n/a'} | ${x.extra} |`);
}
L.push('');
L.push(`Mean over ${r.rounds.length} round(s): ${f(mean('throughput'), 0)} req/s, p50 ${f(mean('p50_ms'))} ms, p99 ${f(mean('p99_ms'))} ms (load average before the rounds: ${r.rounds.map((x) => x.load_before).join(' / ')}).`);
L.push(`For scale, the same refused attempt sent one at a time after the burst (20 per round) takes ${r.rounds.map((x) => f(x.sequential_409_p50_ms) + ' ms').join(' / ')} (p50), so most of a burst latency is queueing for the FastCGI workers and the database.`);
const others = r.rounds.flatMap((x) => x.other_samples);
if (others.length) L.push(`Other answers seen: ${[...new Set(others)].map((s) => '`' + s.replace(/`/g, "'") + '`').join(', ')}.`);
L.push('');
L.push('**' + (r.extra === 0 ? 'OVERBOOKING: none' : `OVERBOOKING: ${r.extra} extra`) + '**');
L.push('<!-- bench:booking:end -->');
process.stdout.write(L.join('\n') + '\n');
JS

# replace our block if it is there, else append it; the rest of the file stays byte for byte
python3 - "$RESULTS" "$section" <<'PY'
import os, re, sys
path, section = sys.argv[1], open(sys.argv[2], encoding="utf-8").read()
try:
    text = open(path, encoding="utf-8").read()
except FileNotFoundError:
    text = "# SWMRA benchmark results\n"
pat = re.compile(r"<!-- bench:booking:begin.*?<!-- bench:booking:end -->\n?", re.S)
if pat.search(text):
    text = pat.sub(lambda m: section, text, count=1)
else:
    text = text.rstrip("\n") + "\n\n" + section
tmp = path + ".booking.tmp"
with open(tmp, "w", encoding="utf-8") as f:
    f.write(text)
os.replace(tmp, path)
PY
echo "==> wrote the Booking race section of $RESULTS"
exit $rc
