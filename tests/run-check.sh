#!/usr/bin/env bash
# tests/run-check.sh [BUILD_DIR] — every test layer, on a private stack. `make check` runs it.
#
# Layers (SWMRA_LAYERS, default "unit integration e2e frontend browser deploy multinode"):
#   unit          cmocka unit tests            make -C BUILD check-c SWMRA_LAYERS=unit
#   integration   cmocka against FerretDB      make -C BUILD check-c SWMRA_LAYERS=integration
#   e2e           node:test through nginx      node --test tests/e2e/; then uploads.test.mjs
#                 again with STORAGE_BACKEND=s3 on the same stack with its own SeaweedFS
#                 (S3 port SWMRA_TEST_S3_PORT [18090], +1..+3 and those +10000 for its other
#                 servers; UPLOAD_LINK_TTL=4 so that links really expire); a missing `weed`
#                 (scripts/dev install builds it) is a missing prerequisite
#                 then the query-shape check   tests/query-shapes.mjs (line "shapes"): every
#                 command the integration and e2e layers sent (APM logs in
#                 BUILD/tests/.check-logs/commands) must be served by a declared index;
#                 report BUILD/tests/.check-logs/query-shapes.md
#   frontend      the web app's unit tests     npm test in frontend/ (and npm run typecheck,
#                                              check:api, lint, format:check: one test each)
#   browser       Chromium against the stack   tests/browser/run.sh
#   deploy        compose/nginx/entrypoint     tests/deploy/compose-config.sh (no Docker engine)
#   multinode     two app nodes, one DB+Redis  tests/multinode/run.sh (own FerretDB, Redis, SMTP)
# deploy and multinode do not use the private stack: they start what they need on their own
# ports (deploy: HTTP 28080, HTTPS 28443; multinode: 38000 + 17/25/79/80/81/443/444;
# override with SWMRA_TEST_DEPLOY_HTTP_PORT, SWMRA_TEST_DEPLOY_HTTPS_PORT,
# SWMRA_TEST_MULTINODE_BASE_PORT).
# The stack it needs (FerretDB, SMTP sink, swmra-api, nginx) runs from BUILD/tests/.stack-<HTTP port> on
# its own ports (HTTP 18080, Mongo 27117, SMTP 12025; override with SWMRA_TEST_HTTP_PORT,
# SWMRA_TEST_MONGO_PORT, SWMRA_TEST_SMTP_PORT), with fresh data each run, and is stopped at
# the end, so it neither needs nor disturbs a dev stack. A layer whose prerequisites are
# missing counts as failed; a layer whose code does not exist yet is listed as absent.
# The last line is "N passed, N failed" over every layer; the exit status is 1 on failure.
#
# Sanitizer builds (BUILD configured with --enable-sanitizers, or SWMRA_SANITIZER_LOGS set):
# every sanitized process of the run — cmocka tests, swmra-api supervisor and workers, the
# seed, cron jobs the e2e tests start — writes its ASan/UBSan/LSan reports to files in
# SWMRA_SANITIZER_LOGS [BUILD/tests/.check-logs/sanitizer] (log_path is appended to the
# caller's ASAN_OPTIONS/UBSAN_OPTIONS; the stack inherits them). The stack is stopped before
# the summary so that workers drain and run their leak check; then every report is printed
# and counted as one failure ("sanitizers" line), as is a worker that had to be killed.
set -uo pipefail

SRC=${SWMRA_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BUILD=$(cd "${1:-${SWMRA_BUILD:-$SRC}}" && pwd)
LAYERS=${SWMRA_LAYERS:-unit integration e2e frontend browser deploy multinode}
MAKE=${MAKE:-make}

# a private stack: nothing from the caller's environment may point it elsewhere
unset MONGO_URI MONGO_DB PUBLIC_BASE_URL UPLOAD_DIR NCHAN_PUB_SOCKET FCGI_SOCKET JWT_SECRET \
	STACK_SERVICES BENCH_HELLO BENCH_SOCKET AUTH_RATE_LIMIT AUTH_RATE_BURST SWMRA_BASE_URL \
	FERRETDB_POSTGRESQL_URL STORAGE_BACKEND S3_ENDPOINT S3_REGION S3_BUCKET S3_ACCESS_KEY \
	S3_SECRET_KEY S3_PATH_STYLE UPLOAD_LINK_SECRET UPLOAD_LINK_TTL
export HTTP_PORT=${SWMRA_TEST_HTTP_PORT:-18080}
# one stack directory per port set, so two runs on different ports never share one
export STACK_DIR=$BUILD/tests/.stack-$HTTP_PORT
export MONGO_PORT=${SWMRA_TEST_MONGO_PORT:-27117}
export SMTP_PORT=${SWMRA_TEST_SMTP_PORT:-12025}
export APP_ENV=test
export ENV_FILE=''
export SWMRA_BUILD_DIR=$BUILD
export SWMRA_TEST_MONGO_URI="mongodb://127.0.0.1:$MONGO_PORT/?serverSelectionTimeoutMS=2000"
STACK_SH=$SRC/scripts/stack.sh
LOGS=$BUILD/tests/.check-logs

# ------------------------------------------------------------------------ sanitizer reports
SAN_DIR=${SWMRA_SANITIZER_LOGS:-}
if [ -z "$SAN_DIR" ] && grep -q '^SAN_CFLAGS = .*-fsanitize' "$BUILD/Makefile" 2>/dev/null; then
	SAN_DIR=$LOGS/sanitizer
fi
if [ -n "$SAN_DIR" ]; then
	mkdir -p "$SAN_DIR"
	SAN_DIR=$(cd "$SAN_DIR" && pwd)
	rm -f "$SAN_DIR"/asan.* "$SAN_DIR"/ubsan.*
	# defaults, then the caller's options, then where reports go (the last value wins);
	# fast_unwind_on_malloc=0: json-c, libbson and mongoc have no frame pointers, and a leak
	# report would otherwise stop at the library function that allocated
	export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}:log_path=$SAN_DIR/asan"
	export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}:log_path=$SAN_DIR/ubsan"
fi

total_pass=0 total_fail=0 total_skip=0
summary=()

section() { printf '\n==== %s ====\n' "$*"; }
strip_ansi() { sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g'; }
record() { # layer pass fail skip [note]
	total_pass=$((total_pass + $2)) total_fail=$((total_fail + $3)) total_skip=$((total_skip + $4))
	summary+=("$(printf '%-12s %4d passed, %d failed, %d skipped%s' "$1" "$2" "$3" "$4" "${5:+  ($5)}")")
}
absent() { summary+=("$(printf '%-12s absent: %s' "$1" "$2")"); }
missing() { # layer what: a prerequisite is missing -> counted as one failure
	printf 'run-check: %s: MISSING PREREQUISITE: %s\n' "$1" "$2" >&2
	total_fail=$((total_fail + 1))
	summary+=("$(printf '%-12s MISSING PREREQUISITE (counted as 1 failed): %s' "$1" "$2")")
}
want() { case " $LAYERS " in *" $1 "*) return 0 ;; esac; return 1; }

# ------------------------------------------------------------------------ the stack
services=
want integration && services="mongo smtp"
if want e2e || want browser; then services="mongo smtp api nginx"; fi
stack_ok=1
stop_stack() {
	[ -n "$services" ] || return 0
	STACK_SERVICES="s3 mongo smtp api nginx" bash "$STACK_SH" stop >>"$LOGS/stack-stop.log" 2>&1 || true
}
trap stop_stack EXIT
trap 'exit 130' INT TERM

mkdir -p "$LOGS"
: >"$LOGS/stack-stop.log"
# every store command the integration and e2e layers send (the stack, jobs and cmocka tests
# inherit it; APP_ENV=test), for the query-shape check after the e2e layer
export SWMRA_COMMAND_LOG_DIR=$LOGS/commands
rm -rf "$SWMRA_COMMAND_LOG_DIR"
mkdir -p "$SWMRA_COMMAND_LOG_DIR"
if [ -n "$services" ]; then
	section "test stack ($services) in $STACK_DIR"
	stop_stack # leftovers of an interrupted run
	rm -rf "$STACK_DIR"
	if ! STACK_SERVICES=$services bash "$STACK_SH" start; then
		stack_ok=0
		echo "run-check: the test stack did not start (logs: $STACK_DIR/log)" >&2
	elif [ -x "$BUILD/seed/swmra-seed" ] && [[ $services == *api* ]]; then
		# the seed users and slot templates, as on a dev stack
		if ! (eval "$(bash "$STACK_SH" env)" && cd "$STACK_DIR" && "$BUILD/seed/swmra-seed") >"$LOGS/seed.log" 2>&1; then
			cat "$LOGS/seed.log" >&2
			stack_ok=0
			echo "run-check: seeding the test stack failed" >&2
		fi
	fi
fi
# FerretDB's PostgreSQL database (empty with FERRETDB_BACKEND=sqlite): the GIN index test.
# Asked of the started stack: where its cluster lives is decided at start.
SWMRA_TEST_PG_URL=$(bash -c 'eval "$(bash "$1" env)" && printf %s "$FERRETDB_POSTGRESQL_URL"' _ "$STACK_SH")
export SWMRA_TEST_PG_URL
stack_failed() { # layer
	missing "$1" "the test stack is not running (see the errors above and $STACK_DIR/log)"
}

# ------------------------------------------------------------------------ cmocka layers
run_cmocka() { # layer
	local layer=$1 log=$LOGS/$1.log p f e x s
	section "$layer (cmocka, make check-c)"
	if [ "$layer" = integration ] && [ $stack_ok = 0 ]; then stack_failed "$layer"; return; fi
	[ -f "$BUILD/Makefile" ] || { missing "$layer" "$BUILD is not configured (run ./configure)"; return; }
	SWMRA_LAYERS=$layer $MAKE -C "$BUILD" check-c 2>&1 | tee "$log"
	local rc=${PIPESTATUS[0]}
	sum() { strip_ansi <"$log" | sed -n "s/^# $1: *\([0-9]*\).*/\1/p" | awk '{n+=$1} END {print n+0}'; }
	p=$(sum PASS) f=$(sum FAIL) e=$(sum ERROR) x=$(sum XPASS) s=$(sum SKIP)
	f=$((f + e + x))
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		record "$layer" "$p" 1 "$s" "make check-c exited $rc before reporting failures"
	elif [ "$p" = 0 ] && [ "$f" = 0 ]; then
		record "$layer" 0 1 "$s" "no test ran"
	else
		record "$layer" "$p" "$f" "$s"
	fi
	if [ "$s" != 0 ]; then echo "run-check: $layer: $s test(s) SKIPPED (see $BUILD/tests/*/*.log)" >&2; fi
}

# ------------------------------------------------------------------------ e2e
# The uploads and data-rights e2e files again with STORAGE_BACKEND=s3: the stack's API and nginx restart on
# a SeaweedFS bucket (scripts/stack.sh runs it), then return to the local backend.
run_e2e_s3() {
	local tap=$LOGS/e2e-s3.tap rc weed
	section "e2e-s3 (tests/e2e/uploads.test.mjs and datarights.test.mjs with STORAGE_BACKEND=s3, SeaweedFS)"
	weed=${WEED:-$(command -v weed 2>/dev/null || echo "$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin/weed")}
	[ -x "$weed" ] || { missing e2e-s3 "SeaweedFS: $weed (scripts/dev install builds it)"; return; }
	(
		export WEED=$weed STORAGE_BACKEND=s3 S3_PORT=${SWMRA_TEST_S3_PORT:-18090} UPLOAD_LINK_TTL=4
		STACK_SERVICES="api nginx" bash "$STACK_SH" stop >>"$LOGS/stack-stop.log" 2>&1
		STACK_SERVICES="api nginx" bash "$STACK_SH" start || exit 3
		eval "$(bash "$STACK_SH" env)"
		cd "$SRC" && timeout 600 node --test --test-concurrency=1 \
			--test-reporter=spec --test-reporter-destination=stdout \
			--test-reporter=tap --test-reporter-destination="$tap" tests/e2e/uploads.test.mjs \
			tests/e2e/datarights.test.mjs
	)
	rc=$?
	# back to the local backend for the layers that follow
	STORAGE_BACKEND=s3 S3_PORT=${SWMRA_TEST_S3_PORT:-18090} STACK_SERVICES="api nginx" \
		bash "$STACK_SH" stop >>"$LOGS/stack-stop.log" 2>&1
	if ! STACK_SERVICES="api nginx" bash "$STACK_SH" start; then
		stack_ok=0
		echo "run-check: the test stack did not come back on the local backend" >&2
	fi
	if [ "$rc" = 3 ]; then missing e2e-s3 "the stack did not start with SeaweedFS (see above, $STACK_DIR/log/seaweedfs.log)"; return; fi
	record_tap e2e-s3 "$tap" "$rc"
}

# records a node:test TAP file's totals (cancelled counts as failed; a non-zero exit with
# no failure listed is one failure); false when something failed
record_tap() { # layer tap rc
	local p f c s
	p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$2" | tail -n 1)
	f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$2" | tail -n 1)
	c=$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$2" | tail -n 1)
	s=$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$2" | tail -n 1)
	p=${p:-0} f=$((${f:-0} + ${c:-0})) s=${s:-0}
	if [ "$3" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	record "$1" "$p" "$f" "$s"
	[ "$f" = 0 ]
}

run_e2e() {
	local tap=$LOGS/e2e.tap rc
	section "e2e (node:test through nginx on :$HTTP_PORT)"
	[ $stack_ok = 1 ] || { stack_failed e2e; return; }
	command -v node >/dev/null || { missing e2e "node (Node.js >= 20)"; return; }
	[ -d "$SRC/tests/e2e/node_modules/ws" ] || { missing e2e "tests/e2e/node_modules (npm ci in tests/e2e, or scripts/dev install)"; return; }
	# the Open311 tests' third-party GeoReport client, in its own venv (a no-op when current)
	bash "$SRC/tests/e2e/georeport/setup.sh" || { missing e2e "the GeoReport client venv (tests/e2e/georeport/setup.sh)"; return; }
	(
		eval "$(bash "$STACK_SH" env)"
		cd "$SRC" && timeout 900 node --test --test-concurrency=1 \
			--test-reporter=spec --test-reporter-destination=stdout \
			--test-reporter=tap --test-reporter-destination="$tap" tests/e2e/
	)
	rc=$?
	if ! record_tap e2e "$tap" "$rc"; then
		echo "---- last lines of the stack logs ----"
		tail -n 15 "$STACK_DIR/log/swmra-api.log" "$STACK_DIR/log/nginx-error.log" 2>/dev/null
	fi
	run_e2e_s3
}

# ------------------------------------------------------------------------ query shapes
# Every command the integration and e2e layers sent, reduced to its query shape, must be
# served by an index of a module's table (src/domain/*_module.c) under MongoDB's rules (tests/query-shapes.mjs);
# the report lists each shape and its index.
run_query_shapes() {
	local log=$LOGS/query-shapes.log line p f rc
	section "query shapes (tests/query-shapes.mjs)"
	command -v node >/dev/null || { missing shapes "node (Node.js >= 20)"; return; }
	node "$SRC/tests/query-shapes.mjs" "$SWMRA_COMMAND_LOG_DIR" "$LOGS/query-shapes.md" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$line")
	if [ -z "$line" ]; then
		record shapes 0 1 0 "no 'N passed, N failed' line (exit $rc)"
	else
		record shapes "$p" "$f" 0 "report: $LOGS/query-shapes.md"
	fi
}
# ------------------------------------------------------------------------ frontend
run_frontend() {
	local log=$LOGS/frontend.log line p f s rc check cp=0 cf=0 failed=()
	section "frontend (typecheck, API types drift check, ESLint, Prettier, npm test in frontend/)"
	[ -f "$SRC/frontend/package.json" ] || { absent frontend "frontend/package.json does not exist yet"; return; }
	[ -d "$SRC/frontend/node_modules" ] || { missing frontend "frontend/node_modules (npm ci in frontend/, or scripts/dev install)"; return; }
	# one test each: the web app type-checks (tsc --noEmit), and src/api/schema.d.ts is what
	# docs/openapi.yaml generates (a spec change without `npm run gen:api` fails here), ESLint
	# finds nothing (typescript-eslint, react-hooks, jsx-a11y) and Prettier changes nothing
	for check in typecheck check:api lint format:check; do
		(cd "$SRC/frontend" && timeout 300 npm run --silent "$check") 2>&1 | tee "$LOGS/frontend-${check/:/-}.log"
		if [ "${PIPESTATUS[0]}" = 0 ]; then cp=$((cp + 1)); else cf=$((cf + 1)) failed+=("npm run $check"); fi
	done
	(cd "$SRC/frontend" && CI=true timeout 900 npm test --silent) 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	# vitest: " Tests  2 failed | 40 passed | 1 skipped (43)"
	line=$(strip_ansi <"$log" | grep -E '^[[:space:]]*Tests[[:space:]]+[0-9]' | tail -n 1)
	p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+' || true)
	f=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+' || true)
	s=$(grep -oE '[0-9]+ (skipped|todo)' <<<"$line" | grep -oE '[0-9]+' | awk '{n+=$1} END {print n+0}')
	p=${p:-0} f=${f:-0}
	if [ -z "$line" ]; then
		f=1 failed+=("no vitest summary line (exit $rc)")
	elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1 failed+=("npm test exited $rc")
	fi
	local note
	note=$(printf '%s; ' "${failed[@]}")
	record frontend $((p + cp)) $((f + cf)) "$s" "${note%; }"
}

# ------------------------------------------------------------------------ browser
run_browser() {
	local log=$LOGS/browser.log line p f rc
	section "browser (tests/browser/run.sh)"
	[ -f "$SRC/tests/browser/run.sh" ] || { absent browser "tests/browser/run.sh does not exist yet"; return; }
	[ $stack_ok = 1 ] || { stack_failed browser; return; }
	[ -f "$SRC/frontend/dist/index.html" ] || { missing browser "frontend/dist (npm run build in frontend/, or scripts/dev build)"; return; }
	# Every page of the browser layer signs in and registers from 127.0.0.1 (Chromium
	# cannot pick its source address), so the stack's nginx is restarted with a sign-in
	# limit sized for one address playing all the users; the e2e layer has proven the
	# production-like limit (ratelimit.test.mjs) already.
	STACK_SERVICES=nginx bash "$STACK_SH" stop >>"$LOGS/stack-stop.log" 2>&1
	AUTH_RATE_LIMIT=300r/m AUTH_RATE_BURST=100 STACK_SERVICES=nginx bash "$STACK_SH" start ||
		{ stack_failed browser; return; }
	(
		eval "$(bash "$STACK_SH" env)"
		export E2E_BASE_URL=$SWMRA_BASE_URL # the browser runner's name for it
		# screenshots of a test run stay with its logs; docs/screenshots/ is refreshed by
		# running tests/browser/run.sh by hand
		export E2E_SCREENSHOTS=${E2E_SCREENSHOTS:-$LOGS/screenshots}
		cd "$SRC" && timeout 1200 bash tests/browser/run.sh
	) 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(strip_ansi <"$log" | grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	p=$(sed -E 's/^([A-Za-z-]+: )?([0-9]+) passed.*/\2/' <<<"$line")
	f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
	if [ -z "$line" ]; then
		record browser 0 1 0 "no 'N passed, N failed' line (exit $rc)"
	elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		record browser "$p" 1 0 "run.sh exited $rc"
	else
		record browser "$p" "$f" 0
	fi
}

# ------------------------------------------------------------------------ script layers
# deploy and multinode: a script that prints "N passed, N failed" last and exits 77 when a
# prerequisite is missing (counted as one failure, like the other layers).
run_script_layer() { # layer script timeout-seconds [VAR=value...]
	local layer=$1 script=$2 tmo=$3 log=$LOGS/$1.log line p f rc why
	shift 3
	section "$layer ($script)"
	[ -f "$SRC/$script" ] || { absent "$layer" "$script does not exist yet"; return; }
	(cd "$SRC" && env "$@" timeout "$tmo" bash "$SRC/$script") 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	if [ "$rc" = 77 ]; then
		why=$(strip_ansi <"$log" | grep -E 'skip:' | tail -n 1)
		missing "$layer" "${why:-$script exited 77 (skip)}"
		return
	fi
	line=$(strip_ansi <"$log" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
	p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$line")
	if [ -z "$line" ]; then
		record "$layer" 0 1 0 "no 'N passed, N failed' line (exit $rc)"
	elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		record "$layer" "$p" 1 0 "$script exited $rc"
	else
		record "$layer" "$p" "$f" 0
	fi
}

for layer in $LAYERS; do
	case $layer in
	unit | integration) run_cmocka "$layer" ;;
	e2e)
		run_e2e
		run_query_shapes
		;;
	frontend) run_frontend ;;
	browser) run_browser ;;
	deploy)
		run_script_layer deploy tests/deploy/compose-config.sh 300 \
			DEPLOY_TEST_HTTP_PORT="${SWMRA_TEST_DEPLOY_HTTP_PORT:-28080}" \
			DEPLOY_TEST_HTTPS_PORT="${SWMRA_TEST_DEPLOY_HTTPS_PORT:-28443}"
		;;
	multinode)
		run_script_layer multinode tests/multinode/run.sh 600 \
			MULTINODE_BASE_PORT="${SWMRA_TEST_MULTINODE_BASE_PORT:-38000}"
		;;
	*) missing "$layer" "unknown layer (known: unit integration e2e frontend browser deploy multinode)" ;;
	esac
done

# ------------------------------------------------------------------------ sanitizers
check_sanitizers() {
	local reports=() f n=0 api_log=$STACK_DIR/log/swmra-api.log
	section "sanitizer reports (ASan, UBSan, LSan) in $SAN_DIR"
	# workers run their leak check while draining: stop the stack now, not in the EXIT trap
	if [ -n "$services" ]; then
		: >"$LOGS/stack-stop.log"
		stop_stack
		services=
		if grep -q 'did not stop within' "$LOGS/stack-stop.log"; then
			cat "$LOGS/stack-stop.log" >&2
			n=$((n + 1))
		fi
		if [ -f "$api_log" ] && grep -q 'did not drain' "$api_log"; then
			grep 'did not drain' "$api_log" >&2
			echo "run-check: a worker was killed while draining: its leak check did not run" >&2
			n=$((n + 1))
		fi
	fi
	for f in "$SAN_DIR"/asan.* "$SAN_DIR"/ubsan.*; do
		[ -e "$f" ] && reports+=("$f")
	done
	for f in "${reports[@]}"; do
		printf '\n---- %s ----\n' "$f"
		cat "$f"
	done
	n=$((n + ${#reports[@]}))
	if [ "$n" = 0 ]; then
		record sanitizers 0 0 0 "no report"
		echo "no sanitizer report"
	else
		record sanitizers 0 "$n" 0 "${#reports[@]} report file(s) in $SAN_DIR, printed above"
		echo "run-check: ${#reports[@]} sanitizer report(s) (above)" >&2
	fi
}
[ -z "$SAN_DIR" ] || check_sanitizers

section "summary (SWMRA_LAYERS=\"$LAYERS\")"
printf '%s\n' "${summary[@]}"
[ "$total_skip" = 0 ] || printf 'skipped in total: %d (listed in the layer output above)\n' "$total_skip"
if [ "$total_pass" = 0 ] && [ "$total_fail" = 0 ]; then
	echo "run-check: no test ran" >&2
	total_fail=1
fi
# The failures again, last, so that a CI page showing only the end of the output still says
# why: node's spec reporter ends each layer's log with a "failing tests:" section.
if [ "$total_fail" != 0 ]; then
	for f in "$LOGS"/*.log; do
		strip_ansi <"$f" | awk -v name="$(basename "$f" .log)" \
			'/failing tests:/ { on = 1; print "---- failures in " name " ----" } on && n++ < 80'
	done
fi
printf '%d passed, %d failed\n' "$total_pass" "$total_fail"
[ "$total_fail" = 0 ]
