#!/usr/bin/env bash
# tests/e2e/clock-sweep.sh [FILE...] — runs the e2e files whose rules depend on the hour
# (default: requests and slots: the 24 h cancel/reschedule rule, the lead time) with the
# service's clock put at several hours of the week, to prove that none of them needs a
# particular wall-clock time.
#
# How: a private test stack (like tests/run-check.sh: APP_ENV=test, ports from
# SWMRA_TEST_HTTP_PORT / SWMRA_TEST_MONGO_PORT / SWMRA_TEST_SMTP_PORT, directory
# tests/.stack-<http port>) is started and seeded once; for every target time the API is
# restarted with TEST_NOW_OFFSET = (the next such local time in SERVICE_TZ) - (now), in
# seconds, and the files run with the same TEST_NOW_OFFSET (tests/e2e/lib/clock.mjs reads it).
# TEST_NOW_OFFSET is refused unless APP_ENV=test.
#
# SWMRA_CLOCK_TARGETS overrides the times ("Day HH:MM" in SERVICE_TZ, "now" = no offset);
# the default covers the seed template's gaps (Saturday evening to Monday morning, nights):
#   "now" "Sat 20:30" "Sun 03:00" "Sun 22:30" "Mon 08:45" "Wed 21:30" "Fri 12:00"
# Exit status 1 when any run failed. Needs a build (SWMRA_BUILD_DIR, default the repo).
set -uo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${SWMRA_BUILD_DIR:-$SRC}
if [ $# -gt 0 ]; then FILES=("$@"); else FILES=(tests/e2e/requests.test.mjs tests/e2e/slots.test.mjs); fi
if [ -n "${SWMRA_CLOCK_TARGETS:-}" ]; then
	read -r -a TARGETS <<<"$SWMRA_CLOCK_TARGETS"
	# "Sat 20:30" is two words: rejoin day and time
	joined=()
	for ((i = 0; i < ${#TARGETS[@]}; i++)); do
		if [ "${TARGETS[$i]}" = now ]; then joined+=(now); else joined+=("${TARGETS[$i]} ${TARGETS[$((i + 1))]}"); i=$((i + 1)); fi
	done
	TARGETS=("${joined[@]}")
else
	TARGETS=(now "Sat 20:30" "Sun 03:00" "Sun 22:30" "Mon 08:45" "Wed 21:30" "Fri 12:00")
fi

unset MONGO_URI MONGO_DB PUBLIC_BASE_URL UPLOAD_DIR NCHAN_PUB_SOCKET FCGI_SOCKET JWT_SECRET \
	STACK_SERVICES BENCH_HELLO BENCH_SOCKET AUTH_RATE_LIMIT AUTH_RATE_BURST SWMRA_BASE_URL TEST_NOW_OFFSET
export HTTP_PORT=${SWMRA_TEST_HTTP_PORT:-18080}
export STACK_DIR=$BUILD/tests/.stack-$HTTP_PORT
export MONGO_PORT=${SWMRA_TEST_MONGO_PORT:-27117}
export SMTP_PORT=${SWMRA_TEST_SMTP_PORT:-12025}
export APP_ENV=test ENV_FILE='' SWMRA_BUILD_DIR=$BUILD
export STACK_SERVICES="mongo smtp api nginx"
STACK_SH=$SRC/scripts/stack.sh
TZ_NAME=${SERVICE_TZ:-Asia/Kolkata}

stop_stack() { bash "$STACK_SH" stop >/dev/null 2>&1 || true; }
trap stop_stack EXIT
trap 'exit 130' INT TERM

stop_stack
rm -rf "$STACK_DIR"
bash "$STACK_SH" start || exit 1
(eval "$(bash "$STACK_SH" env)" && cd "$STACK_DIR" && "$BUILD/seed/swmra-seed") >/dev/null || exit 1

# seconds from now to the next minute whose local weekday and time (in TZ_NAME) are `target`
offset_to() {
	[ "$1" = now ] && { echo 0; return; }
	node -e '
		const [day, hm] = process.argv[1].split(" ");
		const fmt = new Intl.DateTimeFormat("en-GB", { timeZone: process.argv[2], weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
		const now = Date.now(), start = Math.ceil(now / 60000) * 60000;
		for (let t = start; t < start + 8 * 86400000; t += 60000) {
			const p = Object.fromEntries(fmt.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
			if (p.weekday === day && `${p.hour}:${p.minute}` === hm) { console.log(Math.round((t - now) / 1000)); process.exit(0); }
		}
		process.exit(1);' "$1" "$TZ_NAME"
}

failed=0
results=()
for target in "${TARGETS[@]}"; do
	off=$(offset_to "$target") || { echo "clock-sweep: bad target '$target'" >&2; exit 2; }
	export TEST_NOW_OFFSET=$off
	printf '\n==== clock at %s %s (TEST_NOW_OFFSET=%s) ====\n' "$target" "$TZ_NAME" "$off"
	bash "$STACK_SH" restart-api >/dev/null || { failed=1; results+=("$target: API did not start"); continue; }
	if (eval "$(bash "$STACK_SH" env)" && cd "$SRC" && timeout 900 node --test --test-concurrency=1 \
		--test-reporter=spec "${FILES[@]}") 2>&1 | tee "$STACK_DIR/log/clock-sweep.log" | grep -E '^(✔|✖|﹣)|^ℹ (pass|fail|skipped)'; then :; fi
	pass=$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$STACK_DIR/log/clock-sweep.log" | tail -n 1)
	fail=$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$STACK_DIR/log/clock-sweep.log" | tail -n 1)
	skip=$(sed -n 's/^ℹ skipped \([0-9]*\)$/\1/p' "$STACK_DIR/log/clock-sweep.log" | tail -n 1)
	results+=("$(printf '%-10s offset %9ss: %s passed, %s failed, %s skipped' "$target" "$off" "${pass:-0}" "${fail:-?}" "${skip:-0}")")
	if [ "${fail:-1}" != 0 ] || [ "${skip:-0}" != 0 ] || [ "${pass:-0}" = 0 ]; then failed=1; fi
done
printf '\n==== clock sweep (%s) ====\n' "$TZ_NAME"
printf '%s\n' "${results[@]}"
exit $failed
