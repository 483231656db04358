#!/usr/bin/env bash
# scripts/stack.sh — start/stop the local SWMRA stack: FerretDB (SQLite), an SMTP sink
# (aiosmtpd writing a Maildir), the swmra-api FastCGI pool and nginx (+nchan).
#
# usage: scripts/stack.sh start|stop|status|restart|start-mongo|stop-mongo|restart-api|
#                         reload-api|env|render-nginx
#
# Everything is parameterised by environment variables (defaults in brackets):
#   STACK_DIR [<repo>/var]      pid files in run/, logs in log/, data, mail, uploads, nginx
#   HTTP_PORT [8080]  MONGO_PORT [27017]  SMTP_PORT [1025]    (all on 127.0.0.1)
#   METRICS_PORT [9145; HTTP_PORT+65 when HTTP_PORT is not 8080]  nginx's internal listener: /metrics, /stub_status,
#                               /nchan_stub_status (127.0.0.1 only)
#   APP_ENV [development]       passed to the API (test stacks use "test")
#   SWMRA_BUILD_DIR [<repo>]    where cgi-bin/swmra-api was built (out-of-tree builds)
#   STACK_SERVICES ["mongo smtp api nginx"]   which services start/stop/status handle
#   AUTH_RATE_LIMIT [10r/m]  AUTH_RATE_BURST [5]   nginx limit_req on login/register
#   WS_SUBSCRIBER_TIMEOUT [3600] nchan subscriber timeout (s): forces hourly re-auth
#   WORKERS [4]  NGINX_WORKERS [2]  NGINX_USER [the current user]
#   ENV_FILE [<repo>/.env if it exists and APP_ENV=development]   --env-file for the API
#   BENCH_HELLO [0]  BENCH_SOCKET   enable nginx's /bench/hello location (bench/run.sh)
#   FERRETDB [ferretdb on PATH, else $(go env GOPATH)/bin/ferretdb]
# Every other variable the API reads (docs: README.md) is passed through from the caller's
# environment (so are ASAN_OPTIONS/UBSAN_OPTIONS/LSAN_OPTIONS for a sanitizer build).
# Starting is idempotent; each service runs in its own session (setsid) with a pid file,
# and stop only signals those pids (and their process groups). Stopping the API sends
# SIGTERM: workers finish their request and exit normally (a sanitizer build runs its leak
# check then); only a supervisor still alive after 20 s is killed.
set -euo pipefail
# Logs can hold personal data (addresses, emails): files 0640, folders 0750 (prepare_dirs).
umask 027

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK_DIR=${STACK_DIR:-$REPO/var}
mkdir -p "$STACK_DIR"
STACK_DIR=$(cd "$STACK_DIR" && pwd)
BUILD_DIR=${SWMRA_BUILD_DIR:-$REPO}
HTTP_PORT=${HTTP_PORT:-8080}
MONGO_PORT=${MONGO_PORT:-27017}
SMTP_PORT=${SMTP_PORT:-1025}
# 9145 for the dev stack; any other stack (tests, benches) its HTTP port + 65, so stacks
# started side by side never share it
METRICS_PORT=${METRICS_PORT:-$([ "$HTTP_PORT" = 8080 ] && echo 9145 || echo $((HTTP_PORT + 65)))}
APP_ENV=${APP_ENV:-development}
LISTEN_ADDR=127.0.0.1
STACK_SERVICES=${STACK_SERVICES:-mongo smtp api nginx}
AUTH_RATE_LIMIT=${AUTH_RATE_LIMIT:-10r/m}
AUTH_RATE_BURST=${AUTH_RATE_BURST:-5}
WS_SUBSCRIBER_TIMEOUT=${WS_SUBSCRIBER_TIMEOUT:-3600}
NGINX_WORKERS=${NGINX_WORKERS:-2}
NGINX_USER=${NGINX_USER:-$(id -un)}
BENCH_HELLO=${BENCH_HELLO:-0}

RUN_DIR=$STACK_DIR/run
LOG_DIR=$STACK_DIR/log
NGINX_DIR=$STACK_DIR/nginx
# unix socket paths are limited to 108 bytes: fall back to a short per-stack dir in /tmp
SOCK_DIR=$RUN_DIR
if [ ${#SOCK_DIR} -gt 80 ]; then
	SOCK_DIR=/tmp/swmra-$(printf '%s' "$STACK_DIR" | md5sum | cut -c1-12)
fi
BENCH_SOCKET=${BENCH_SOCKET:-$SOCK_DIR/bench-hello.sock}

# --- what the API (and seed, cron jobs, tests) get -------------------------------------
export APP_ENV
export MONGO_URI=${MONGO_URI:-mongodb://127.0.0.1:$MONGO_PORT/?serverSelectionTimeoutMS=2000&connectTimeoutMS=2000}
export MONGO_DB=${MONGO_DB:-$([ "$APP_ENV" = test ] && echo swmra_test || echo swmra)}
export PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://127.0.0.1:$HTTP_PORT}
export UPLOAD_DIR=${UPLOAD_DIR:-$STACK_DIR/uploads}
export SMTP_HOST=${SMTP_HOST:-127.0.0.1}
export SMTP_PORT
export NCHAN_PUB_SOCKET=${NCHAN_PUB_SOCKET:-$SOCK_DIR/nchan-pub.sock}
export FCGI_SOCKET=${FCGI_SOCKET:-$SOCK_DIR/swmra-api.sock}
export WORKERS=${WORKERS:-4}
if [ -z "${ENV_FILE+x}" ]; then
	ENV_FILE=
	[ "$APP_ENV" = development ] && [ -f "$REPO/.env" ] && ENV_FILE=$REPO/.env
fi

die() { printf 'stack: error: %s\n' "$*" >&2; exit 1; }
say() { printf 'stack: %s\n' "$*"; }

have_service() { case " $STACK_SERVICES " in *" $1 "*) return 0 ;; esac; return 1; }

# pid of a running service from its pid file, if the process is alive and is what we started
service_pid() { # name expected-comm
	local f=$RUN_DIR/$1.pid pid comm
	[ -s "$f" ] || return 1
	pid=$(cat "$f" 2>/dev/null) || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	comm=$(ps -o comm= -p "$pid" 2>/dev/null) || return 1
	[ "$comm" = "$2" ] || return 1
	printf '%s\n' "$pid"
}

port_in_use() { [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }
require_port_free() { # port what
	if port_in_use "$1"; then
		ss -Hltnp "sport = :$1" >&2 2>/dev/null || true
		die "port $1 ($2) is already in use by another process (shown above). Stop it, or pick another port (e.g. ${3:-PORT}=...)."
	fi
}
wait_port() { # port seconds pid logfile what
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		port_in_use "$1" && return 0
		kill -0 "$3" 2>/dev/null || { tail -n 30 "$4" >&2; die "$5 exited during start-up (log: $4)"; }
		sleep 0.1
	done
	tail -n 30 "$4" >&2
	die "$5 did not listen on 127.0.0.1:$1 within $2 s (log: $4)"
}

# start "$@" in its own session, output to a log, pid into run/NAME.pid
spawn() { # name logfile cmd...
	local name=$1 log=$2
	shift 2
	setsid "$@" >>"$log" 2>&1 </dev/null 9>&- &
	echo $! >"$RUN_DIR/$name.pid"
	printf '%s\n' $!
}

stop_service() { # name comm timeout-seconds [signal]
	local pid i
	if ! pid=$(service_pid "$1" "$2"); then
		rm -f "$RUN_DIR/$1.pid"
		return 0
	fi
	kill -"${4:-TERM}" "$pid" 2>/dev/null || true
	for ((i = 0; i < $3 * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		say "$1 (pid $pid) did not stop within $3 s: killing it"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	# leftovers of its process group (the session we started it in): workers of a killed master
	if kill -0 -- "-$pid" 2>/dev/null; then
		sleep 0.5
		kill -KILL -- "-$pid" 2>/dev/null || true
	fi
	rm -f "$RUN_DIR/$1.pid"
	say "$1 stopped"
}

find_ferretdb() {
	local gp
	if [ -n "${FERRETDB:-}" ]; then printf '%s\n' "$FERRETDB"; return; fi
	if command -v ferretdb >/dev/null 2>&1; then command -v ferretdb; return; fi
	gp=$(go env GOPATH 2>/dev/null || true)
	for c in ${gp:+"$gp/bin/ferretdb"} "$HOME/go/bin/ferretdb"; do
		[ -x "$c" ] && { printf '%s\n' "$c"; return; }
	done
	return 1
}

# ---------------------------------------------------------------------- services
start_mongo() {
	local pid bin
	if pid=$(service_pid ferretdb ferretdb); then say "FerretDB already running (pid $pid)"; return; fi
	bin=$(find_ferretdb) || die "ferretdb not found: run 'scripts/dev install' (builds FerretDB 1.24.2) or set FERRETDB=/path/to/ferretdb"
	require_port_free "$MONGO_PORT" FerretDB MONGO_PORT
	mkdir -p "$STACK_DIR/ferretdb/data" "$STACK_DIR/ferretdb/state"
	pid=$(DO_NOT_TRACK=1 spawn ferretdb "$LOG_DIR/ferretdb.log" "$bin" --handler=sqlite \
		--sqlite-url="file:$STACK_DIR/ferretdb/data/" --listen-addr="127.0.0.1:$MONGO_PORT" \
		--state-dir="$STACK_DIR/ferretdb/state" --telemetry=disable --debug-addr=- --log-level=warn)
	wait_port "$MONGO_PORT" 30 "$pid" "$LOG_DIR/ferretdb.log" FerretDB
	say "FerretDB listening on 127.0.0.1:$MONGO_PORT (pid $pid, data $STACK_DIR/ferretdb/data)"
}

start_smtp() {
	local pid
	if pid=$(service_pid smtp-sink python3); then say "SMTP sink already running (pid $pid)"; return; fi
	[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null ||
		die "python3-aiosmtpd is missing: apt-get install python3-aiosmtpd (or scripts/dev install)"
	require_port_free "$SMTP_PORT" "SMTP sink" SMTP_PORT
	mkdir -p "$STACK_DIR/mail/cur" "$STACK_DIR/mail/new" "$STACK_DIR/mail/tmp" # a Maildir
	# Debian's python3 (not a pyenv/venv one): the Mailbox handler writes a Maildir
	pid=$(spawn smtp-sink "$LOG_DIR/smtp-sink.log" /usr/bin/python3 -m aiosmtpd -n \
		-l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$STACK_DIR/mail")
	wait_port "$SMTP_PORT" 15 "$pid" "$LOG_DIR/smtp-sink.log" "SMTP sink"
	say "SMTP sink listening on 127.0.0.1:$SMTP_PORT (pid $pid, Maildir $STACK_DIR/mail/new)"
}

jwt_secret() {
	# dev/test only: a random secret kept with the stack, unless the caller or .env sets one
	local f=$STACK_DIR/secrets/jwt-secret
	if [ -n "${JWT_SECRET:-}" ]; then return; fi
	if [ -n "$ENV_FILE" ] && grep -q '^[[:space:]]*JWT_SECRET=' "$ENV_FILE"; then return; fi
	if [ ! -s "$f" ]; then
		mkdir -p "$STACK_DIR/secrets" && chmod 700 "$STACK_DIR/secrets"
		(umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n/+=' >"$f")
	fi
	JWT_SECRET=$(cat "$f")
	export JWT_SECRET
}

start_api() {
	local pid bin=$BUILD_DIR/cgi-bin/swmra-api i args
	if pid=$(service_pid swmra-api swmra-api); then say "swmra-api already running (pid $pid)"; return; fi
	[ -x "$bin" ] || die "$bin does not exist yet: build it first ('autoreconf -fi && ./configure && make' in $REPO, or scripts/dev up)"
	jwt_secret
	mkdir -p "$UPLOAD_DIR"
	args=(--socket "$FCGI_SOCKET" --workers "$WORKERS" --socket-mode 0660 --pidfile "$RUN_DIR/swmra-api.pid")
	[ -n "$ENV_FILE" ] && args+=(--env-file "$ENV_FILE")
	# cwd = the stack dir, so the API never picks up a stray ./.env
	pid=$(cd "$STACK_DIR" && spawn swmra-api "$LOG_DIR/swmra-api.log" "$bin" "${args[@]}")
	for ((i = 0; i < 150; i++)); do
		[ -S "$FCGI_SOCKET" ] && break
		kill -0 "$pid" 2>/dev/null || { tail -n 30 "$LOG_DIR/swmra-api.log" >&2; die "swmra-api exited during start-up (log: $LOG_DIR/swmra-api.log)"; }
		sleep 0.1
	done
	[ -S "$FCGI_SOCKET" ] || die "swmra-api did not create $FCGI_SOCKET within 15 s (log: $LOG_DIR/swmra-api.log)"
	say "swmra-api running (pid $pid, $WORKERS workers, socket $FCGI_SOCKET, APP_ENV=$APP_ENV)"
}

# The dev stack's stand-in for cron (cron/swmra.cron): the dispatcher every minute, the
# reminders every hour, the cleanups nightly. Each run takes its window's run key, so this
# loop and a real crontab never double up. Not in the default services: tests run the
# jobs themselves.
start_jobs() {
	local pid d=$BUILD_DIR/cron
	if pid=$(service_pid jobs bash); then say "jobs already running (pid $pid)"; return; fi
	[ -x "$d/swmra-job-dispatch" ] || die "$d/swmra-job-dispatch does not exist yet: build first"
	jwt_secret
	pid=$(cd "$STACK_DIR" && spawn jobs "$LOG_DIR/jobs.log" bash -c '
		d=$1; n=0
		while :; do
			"$d/swmra-job-dispatch" --env-file ""
			[ $((n % 60)) = 0 ] && "$d/swmra-job-reminders" --env-file ""
			if [ $((n % 1440)) = 0 ]; then
				for j in cleanup-drafts cleanup-uploads purge-tokens; do
					[ -x "$d/swmra-job-$j" ] && "$d/swmra-job-$j" --env-file ""
				done
			fi
			n=$((n + 1))
			sleep 60
		done' jobs "$d")
	say "jobs running (pid $pid: dispatch every minute, reminders hourly; log $LOG_DIR/jobs.log)"
}

sed_escape() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'; }

# render nginx/*.conf.in into $NGINX_DIR; prints nothing, returns 0
render_nginx() {
	local spa=$REPO/frontend/dist retry n unit viewer=$REPO/docs/api-viewer if_root='#' if_bench='#' f out
	[ -f "$spa/index.html" ] || spa=$REPO/nginx/placeholder
	[[ $AUTH_RATE_LIMIT =~ ^([0-9]+)r/(s|m)$ ]] || die "AUTH_RATE_LIMIT must look like 10r/m or 2r/s (got '$AUTH_RATE_LIMIT')"
	n=${BASH_REMATCH[1]} unit=${BASH_REMATCH[2]}
	((n > 0)) || die "AUTH_RATE_LIMIT must be positive"
	if [ "$unit" = s ]; then retry=1; else retry=$(((60 + n - 1) / n)); fi
	[ "$(id -u)" = 0 ] && if_root=
	[ "$BENCH_HELLO" = 1 ] && if_bench=
	mkdir -p "$NGINX_DIR/tmp" "$STACK_DIR/www"
	for f in swmra-dev.conf security-headers.conf fastcgi-params.conf fastcgi-swmra.conf; do
		out=$NGINX_DIR/$f
		[ "$f" = swmra-dev.conf ] && out=$NGINX_DIR/nginx.conf.new
		sed -e "s|@IF_ROOT@|$if_root|g" -e "s|@IF_BENCH@|$if_bench|g" \
			-e "s|@NGINX_USER@|$(sed_escape "$NGINX_USER")|g" \
			-e "s|@NGINX_WORKERS@|$(sed_escape "$NGINX_WORKERS")|g" \
			-e "s|@NGINX_DIR@|$(sed_escape "$NGINX_DIR")|g" \
			-e "s|@RUN_DIR@|$(sed_escape "$RUN_DIR")|g" \
			-e "s|@LOG_DIR@|$(sed_escape "$LOG_DIR")|g" \
			-e "s|@LISTEN_ADDR@|$LISTEN_ADDR|g" \
			-e "s|@HTTP_PORT@|$(sed_escape "$HTTP_PORT")|g" \
			-e "s|@METRICS_PORT@|$(sed_escape "$METRICS_PORT")|g" \
			-e "s|@SPA_ROOT@|$(sed_escape "$spa")|g" \
			-e "s|@UPLOAD_DIR@|$(sed_escape "$UPLOAD_DIR")|g" \
			-e "s|@OPENAPI_JSON@|$(sed_escape "$STACK_DIR/www/openapi.json")|g" \
			-e "s|@DOCS_VIEWER_DIR@|$(sed_escape "$viewer")|g" \
			-e "s|@SWAGGER_DIST@|$(sed_escape "$viewer/node_modules/swagger-ui-dist")|g" \
			-e "s|@AUTH_RATE@|$(sed_escape "$AUTH_RATE_LIMIT")|g" \
			-e "s|@AUTH_BURST@|$(sed_escape "$AUTH_RATE_BURST")|g" \
			-e "s|@RETRY_AFTER@|$retry|g" \
			-e "s|@WS_TIMEOUT@|$(sed_escape "$WS_SUBSCRIBER_TIMEOUT")|g" \
			-e "s|@FCGI_SOCKET@|$(sed_escape "$FCGI_SOCKET")|g" \
			-e "s|@NCHAN_PUB_SOCKET@|$(sed_escape "$NCHAN_PUB_SOCKET")|g" \
			-e "s|@BENCH_SOCKET@|$(sed_escape "$BENCH_SOCKET")|g" \
			"$REPO/nginx/$f.in" >"$out.tmp"
		mv "$out.tmp" "$out"
	done
	if grep -n '^[^#]*@[A-Z_]*@' "$NGINX_DIR/nginx.conf.new" "$NGINX_DIR"/*.conf >&2; then
		die "unrendered @VARS@ left in the nginx config (above)"
	fi
	# the contract, served statically at /api/openapi.json
	if [ -f "$REPO/docs/openapi.yaml" ]; then
		/usr/bin/python3 - "$REPO/docs/openapi.yaml" "$STACK_DIR/www/openapi.json" <<'PY' ||
import json, sys, yaml
with open(sys.argv[1], encoding="utf-8") as f:
    doc = yaml.safe_load(f)
if not isinstance(doc, dict) or "openapi" not in doc:
    sys.exit("docs/openapi.yaml is not an OpenAPI document")
with open(sys.argv[2] + ".tmp", "w", encoding="utf-8") as f:
    json.dump(doc, f, ensure_ascii=False, default=str)
import os; os.replace(sys.argv[2] + ".tmp", sys.argv[2])
PY
			die "could not turn docs/openapi.yaml into JSON (needs Debian's python3-yaml)"
	else
		printf '{"openapi":"3.1.0","info":{"title":"SWMRA API","version":"0"},"paths":{}}\n' >"$STACK_DIR/www/openapi.json"
	fi
	[ -f "$viewer/node_modules/swagger-ui-dist/swagger-ui-bundle.js" ] ||
		say "warning: docs/api-viewer/node_modules is missing: /api/docs needs 'npm ci' there (scripts/dev install)"
}

nginx_cmd() { nginx -p "$NGINX_DIR/" -c "$NGINX_DIR/nginx.conf" "$@"; }

start_nginx() {
	local pid changed=1
	command -v nginx >/dev/null || die "nginx is not installed: apt-get install nginx libnginx-mod-nchan (or scripts/dev install)"
	[ -f /usr/lib/nginx/modules/ngx_nchan_module.so ] || die "the nchan module is missing: apt-get install libnginx-mod-nchan"
	render_nginx
	if [ -f "$NGINX_DIR/nginx.conf" ] && cmp -s "$NGINX_DIR/nginx.conf.new" "$NGINX_DIR/nginx.conf"; then changed=0; fi
	if pid=$(service_pid nginx nginx); then
		if [ $changed = 1 ]; then
			mv "$NGINX_DIR/nginx.conf.new" "$NGINX_DIR/nginx.conf"
			nginx_cmd -t -q 2>>"$LOG_DIR/nginx-stderr.log" || { tail -n 20 "$LOG_DIR/nginx-stderr.log" >&2; die "new nginx config is invalid"; }
			kill -HUP "$pid"
			say "nginx config changed: reloaded (pid $pid; live websocket subscribers were closed)"
		else
			rm -f "$NGINX_DIR/nginx.conf.new"
			say "nginx already running (pid $pid) on http://127.0.0.1:$HTTP_PORT/"
		fi
		return
	fi
	mv "$NGINX_DIR/nginx.conf.new" "$NGINX_DIR/nginx.conf"
	require_port_free "$HTTP_PORT" HTTP HTTP_PORT
	require_port_free "$METRICS_PORT" metrics METRICS_PORT
	rm -f "$NCHAN_PUB_SOCKET" # stale socket of a killed nginx: bind() would fail
	if ! nginx_cmd -t -q >>"$LOG_DIR/nginx-stderr.log" 2>&1; then
		tail -n 20 "$LOG_DIR/nginx-stderr.log" >&2
		die "nginx config test failed ($NGINX_DIR/nginx.conf)"
	fi
	pid=$(spawn nginx "$LOG_DIR/nginx-stderr.log" nginx -p "$NGINX_DIR/" -c "$NGINX_DIR/nginx.conf" -g 'daemon off;')
	wait_port "$HTTP_PORT" 15 "$pid" "$LOG_DIR/nginx-error.log" nginx
	say "nginx listening on http://127.0.0.1:$HTTP_PORT/ (pid $pid; metrics http://127.0.0.1:$METRICS_PORT/metrics)"
}

# ---------------------------------------------------------------------- commands
prepare_dirs() {
	mkdir -p "$RUN_DIR" "$LOG_DIR" "$NGINX_DIR"
	chmod 750 "$RUN_DIR" "$LOG_DIR"
	# files of stacks started before the umask above
	find "$LOG_DIR" -maxdepth 1 -type f -perm /027 -exec chmod g-w,o-rwx {} +
	if [ "$SOCK_DIR" != "$RUN_DIR" ]; then
		mkdir -p "$SOCK_DIR" && chmod 750 "$SOCK_DIR"
		printf '%s\n' "$SOCK_DIR" >"$RUN_DIR/socket-dir"
	fi
}

lock() {
	exec 9>"$RUN_DIR/stack.lock"
	flock -w 120 9 || die "another stack.sh is busy with $STACK_DIR (lock $RUN_DIR/stack.lock)"
}

cmd_start() {
	have_service mongo && start_mongo
	have_service smtp && start_smtp
	have_service api && start_api
	have_service nginx && start_nginx
	have_service jobs && start_jobs
	return 0
}

cmd_stop() {
	have_service jobs && stop_service jobs bash 5
	have_service nginx && stop_service nginx nginx 10
	have_service api && stop_service swmra-api swmra-api 20
	have_service smtp && stop_service smtp-sink python3 5
	have_service mongo && stop_service ferretdb ferretdb 10
	if [ "$SOCK_DIR" != "$RUN_DIR" ] && [ -z "$(service_pid nginx nginx || service_pid swmra-api swmra-api)" ]; then
		rm -rf "$SOCK_DIR"
	fi
	return 0
}

status_line() { # label pidname comm detail
	local pid
	if pid=$(service_pid "$2" "$3"); then
		printf '  %-10s running  pid %-8s %s\n' "$1" "$pid" "$4"
	else
		printf '  %-10s stopped\n' "$1"
		return 1
	fi
}

cmd_status() {
	local rc=0 wpids
	printf 'SWMRA stack in %s (APP_ENV=%s)\n' "$STACK_DIR" "$APP_ENV"
	status_line ferretdb ferretdb ferretdb "mongodb://127.0.0.1:$MONGO_PORT/  data $STACK_DIR/ferretdb/data" || rc=1
	status_line smtp-sink smtp-sink python3 "smtp://127.0.0.1:$SMTP_PORT  Maildir $STACK_DIR/mail" || rc=1
	if status_line swmra-api swmra-api swmra-api "socket $FCGI_SOCKET"; then
		wpids=$(pgrep -P "$(service_pid swmra-api swmra-api)" | tr '\n' ' ' || true)
		printf '  %-10s          workers: %s\n' '' "${wpids:-none}"
	else rc=1; fi
	status_line nginx nginx nginx "http://127.0.0.1:$HTTP_PORT/" || rc=1
	if have_service jobs; then status_line jobs jobs bash "cron stand-in, log $LOG_DIR/jobs.log" || rc=1; fi
	printf '  logs: %s\n' "$LOG_DIR"
	return $rc
}

cmd_env() {
	local v
	for v in STACK_DIR HTTP_PORT METRICS_PORT MONGO_PORT SMTP_PORT APP_ENV MONGO_URI MONGO_DB PUBLIC_BASE_URL \
		UPLOAD_DIR SMTP_HOST NCHAN_PUB_SOCKET FCGI_SOCKET WORKERS; do
		printf 'export %s=%q\n' "$v" "${!v}"
	done
	jwt_secret
	[ -n "${JWT_SECRET:-}" ] && printf 'export JWT_SECRET=%q\n' "$JWT_SECRET"
	# a shifted test clock (APP_ENV=test only): the tests read it to agree with the API
	[ -n "${TEST_NOW_OFFSET:-}" ] && printf 'export TEST_NOW_OFFSET=%q\n' "$TEST_NOW_OFFSET"
	printf 'export SWMRA_BASE_URL=%q\n' "http://127.0.0.1:$HTTP_PORT"
	printf 'export SWMRA_MAILDIR=%q\n' "$STACK_DIR/mail"
	printf 'export SWMRA_METRICS_URL=%q\n' "http://127.0.0.1:$METRICS_PORT/metrics"
}

usage() {
	sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
	exit "${1:-2}"
}

main() {
	[ $# -ge 1 ] || usage
	prepare_dirs
	case $1 in
	start) lock; cmd_start ;;
	stop) lock; cmd_stop ;;
	restart) lock; cmd_stop; cmd_start ;;
	status) cmd_status ;;
	start-mongo) lock; start_mongo ;;
	stop-mongo) lock; stop_service ferretdb ferretdb 10 ;;
	restart-api) lock; stop_service swmra-api swmra-api 20; start_api ;;
	reload-api)
		local pid
		pid=$(service_pid swmra-api swmra-api) || die "swmra-api is not running"
		kill -HUP "$pid" && say "sent SIGHUP to swmra-api (pid $pid): workers restart with reloaded config"
		;;
	render-nginx) render_nginx; mv "$NGINX_DIR/nginx.conf.new" "$NGINX_DIR/nginx.conf"; say "rendered $NGINX_DIR/nginx.conf" ;;
	env) cmd_env ;;
	-h | --help | help) usage 0 ;;
	*) usage ;;
	esac
}

main "$@"
