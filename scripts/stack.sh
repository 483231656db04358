#!/usr/bin/env bash
# scripts/stack.sh — start/stop the local SWMRA stack: FerretDB (on a private PostgreSQL 15
# cluster, or on SQLite), an SMTP sink (aiosmtpd writing a Maildir), the swmra-api FastCGI
# pool and nginx (+nchan).
#
# usage: scripts/stack.sh start|stop|status|restart|start-mongo|stop-mongo|restart-api|
#                         reload-api|env|render-nginx|start-s3|stop-s3
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
#   FERRETDB_BACKEND [postgresql]  postgresql: a private PostgreSQL 15 cluster in
#                    postgresql/ (unix socket only, no TCP port); sqlite: files in ferretdb/data
#   PG_PORT [5432]   names the cluster's socket file (.s.PGSQL.PORT); nothing listens on TCP
#   PG_USER [postgres when run as root, else the current user]  runs initdb and postgres;
#                    if STACK_DIR is closed to it, the cluster lives in /var/tmp/swmra-pg-<hash>
#                    (linked as postgresql/, re-created when the link is gone)
#   PG_BIN [/usr/lib/postgresql/15/bin]
#   STORAGE_BACKEND [local]     s3: photos in a bucket; without S3_ENDPOINT the stack runs
#                               its own SeaweedFS (service "s3", added to STACK_SERVICES)
#   S3_PORT [8333]              that SeaweedFS's S3 port; its master, volume and filer use
#                               S3_PORT+1..+3 (and, as gRPC, those + 10000)
#   WEED [weed on PATH, else $(go env GOPATH)/bin/weed]   (scripts/dev install builds it)
#   UPLOAD_LINK_SECRET          shared by the API and nginx's secure_link check; a random
#                               one is kept with the stack unless the caller or .env sets it
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

# --- FerretDB's store: PostgreSQL (the default) or SQLite ------------------------------
FERRETDB_BACKEND=${FERRETDB_BACKEND:-postgresql}
case $FERRETDB_BACKEND in postgresql | sqlite) ;; *)
	printf 'stack: error: FERRETDB_BACKEND must be postgresql or sqlite (got %s)\n' "$FERRETDB_BACKEND" >&2
	exit 2 ;;
esac
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_PORT=${PG_PORT:-5432}
PG_USER=${PG_USER:-$([ "$(id -u)" = 0 ] && echo postgres || id -un)}
PG_DIR=$STACK_DIR/postgresql
PG_LINKED=0
if [ "$FERRETDB_BACKEND" = postgresql ] && [ "$(id -u)" = 0 ] && [ "$PG_USER" != root ] && [ ! -L "$PG_DIR" ]; then
	# PG_USER must pass through the stack dir (0750 by the umask) to its own postgresql/
	# (0700): traverse only; logs, secrets and sockets stay closed to it (0750/0700)
	chmod o+x "$STACK_DIR"
fi
if [ -L "$PG_DIR" ]; then
	PG_DIR=$(readlink "$PG_DIR")
elif [ "$(id -u)" = 0 ] && [ "$PG_USER" != root ] &&
	! setpriv --reuid="$PG_USER" --regid="$(id -g "$PG_USER")" --init-groups -- test -x "$STACK_DIR" 2>/dev/null; then
	# the stack dir is closed to PG_USER (a checkout under /root, a 0700 mktemp -d): the
	# cluster lives in /var/tmp, linked from the stack dir and started afresh without the link
	PG_DIR=/var/tmp/swmra-pg-$(printf '%s' "$STACK_DIR" | md5sum | cut -c1-12)
	PG_LINKED=1
fi
PG_DATABASE=ferretdb
# the server runs as PG_USER, which cannot enter the (0750) run dir: its socket has its own
PG_SOCK_DIR=$PG_DIR/socket
if [ ${#PG_SOCK_DIR} -gt 90 ]; then
	PG_SOCK_DIR=/tmp/swmra-pg-$(printf '%s' "$STACK_DIR" | md5sum | cut -c1-12)
fi

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
# FerretDB's own PostgreSQL database: the API creates GIN indexes there at start-up
# (src/infra/db_pg_indexes.c); empty on SQLite and in production (MongoDB)
if [ "$FERRETDB_BACKEND" = postgresql ]; then
	export FERRETDB_POSTGRESQL_URL=${FERRETDB_POSTGRESQL_URL:-postgresql:///$PG_DATABASE?host=$PG_SOCK_DIR&port=$PG_PORT&user=postgres}
else
	export FERRETDB_POSTGRESQL_URL=
fi
if [ -z "${ENV_FILE+x}" ]; then
	ENV_FILE=
	[ "$APP_ENV" = development ] && [ -f "$REPO/.env" ] && ENV_FILE=$REPO/.env
fi

# A value of .env (ENV_FILE) for settings nginx needs too: the environment wins, as in the API.
env_file_value() { # NAME
	[ -n "$ENV_FILE" ] || return 0
	sed -n "s/^[[:space:]]*\(export[[:space:]]\+\)\{0,1\}$1=[\"']\{0,1\}\([^\"']*\)[\"']\{0,1\}[[:space:]]*$/\2/p" "$ENV_FILE" | tail -n 1
}
STORAGE_BACKEND=${STORAGE_BACKEND:-$(env_file_value STORAGE_BACKEND)}
STORAGE_BACKEND=${STORAGE_BACKEND:-local}
export STORAGE_BACKEND
S3_PORT=${S3_PORT:-8333}
if [ "$STORAGE_BACKEND" = s3 ] && [ -z "${S3_ENDPOINT:-$(env_file_value S3_ENDPOINT)}" ]; then
	# the stack's own SeaweedFS: endpoint, bucket and a per-stack key pair (see start_s3)
	export S3_ENDPOINT=http://127.0.0.1:$S3_PORT S3_BUCKET=${S3_BUCKET:-swmra} S3_REGION=${S3_REGION:-us-east-1}
	export S3_PATH_STYLE=true
	case " $STACK_SERVICES " in *" s3 "*) ;; *) STACK_SERVICES="s3 $STACK_SERVICES" ;; esac
	STACK_OWN_S3=1
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
# ---- PostgreSQL: a private cluster under $PG_DIR, owned by PG_USER (initdb and postgres
# refuse to run as root), reachable only through its unix socket
as_pg_prefix() {
	if [ "$(id -u)" = 0 ] && [ "$PG_USER" != root ]; then
		printf '%s\0' setpriv "--reuid=$PG_USER" "--regid=$(id -g "$PG_USER")" --init-groups --
	fi
}
as_pg() {
	local prefix=()
	mapfile -d '' prefix < <(as_pg_prefix)
	"${prefix[@]}" "$@"
}
pg_psql() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK_DIR" -p "$PG_PORT" -U postgres "$@"; }

start_postgres() {
	local pid i prefix=()
	if pid=$(service_pid postgresql postgres); then say "PostgreSQL already running (pid $pid)"; return; fi
	[ -x "$PG_BIN/postgres" ] || die "PostgreSQL 15 is missing: apt-get install postgresql-15 (or scripts/dev install), or FERRETDB_BACKEND=sqlite"
	if [ $PG_LINKED = 1 ] && [ ! -L "$STACK_DIR/postgresql" ]; then
		rm -rf "$PG_DIR" # a cluster of an earlier stack in the same place
		mkdir -p "$PG_DIR"
		ln -s "$PG_DIR" "$STACK_DIR/postgresql"
	fi
	mkdir -p "$PG_DIR" "$PG_SOCK_DIR"
	if [ "$(id -u)" = 0 ]; then chown "$PG_USER:" "$PG_DIR" "$PG_SOCK_DIR"; fi
	chmod 700 "$PG_DIR"
	as_pg test -w "$PG_DIR" -a -w "$PG_SOCK_DIR" ||
		die "user $PG_USER cannot write $PG_DIR: a parent directory is closed to it (chmod o+x the parents, or pick another STACK_DIR)"
	if [ ! -s "$PG_DIR/data/PG_VERSION" ]; then
		rm -rf "$PG_DIR/data"
		as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
			--no-sync >>"$LOG_DIR/postgresql.log" 2>&1 ||
			{ tail -n 20 "$LOG_DIR/postgresql.log" >&2; die "initdb failed (log: $LOG_DIR/postgresql.log)"; }
		if compgen -G "$STACK_DIR/ferretdb/data/*.sqlite" >/dev/null; then
			say "note: the SQLite data in $STACK_DIR/ferretdb/data stays unused on PostgreSQL (FERRETDB_BACKEND=sqlite uses it; seed again here)"
		fi
	fi
	# a dev/test store: a crash may lose the last commits, never consistency
	mapfile -d '' prefix < <(as_pg_prefix)
	pid=$(spawn postgresql "$LOG_DIR/postgresql.log" "${prefix[@]}" "$PG_BIN/postgres" -D "$PG_DIR/data" \
		-k "$PG_SOCK_DIR" -p "$PG_PORT" -c listen_addresses= -c synchronous_commit=off \
		-c max_connections=200)
	for ((i = 0; i < 300; i++)); do
		"$PG_BIN/pg_isready" -q -h "$PG_SOCK_DIR" -p "$PG_PORT" && break
		kill -0 "$pid" 2>/dev/null || { tail -n 30 "$LOG_DIR/postgresql.log" >&2; die "PostgreSQL exited during start-up (log: $LOG_DIR/postgresql.log)"; }
		sleep 0.1
	done
	"$PG_BIN/pg_isready" -q -h "$PG_SOCK_DIR" -p "$PG_PORT" || die "PostgreSQL did not accept connections within 30 s (log: $LOG_DIR/postgresql.log)"
	if [ -z "$(pg_psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'")" ]; then
		pg_psql -d postgres -c "CREATE DATABASE $PG_DATABASE" || die "could not create database $PG_DATABASE"
	fi
	# FerretDB sends equality filters as prepared `_jsonb->$1 @> $2`: only custom plans (the
	# key a constant at planning) can use the GIN indexes the API creates. Set before
	# FerretDB connects: it applies to new connections.
	pg_psql -d postgres -c "ALTER DATABASE $PG_DATABASE SET plan_cache_mode = force_custom_plan" ||
		die "could not set plan_cache_mode on $PG_DATABASE"
	say "PostgreSQL running (pid $pid, socket $PG_SOCK_DIR/.s.PGSQL.$PG_PORT, data $PG_DIR/data)"
}

start_mongo() {
	local pid bin handler
	if pid=$(service_pid ferretdb ferretdb); then say "FerretDB already running (pid $pid)"; return; fi
	bin=$(find_ferretdb) || die "ferretdb not found: run 'scripts/dev install' (builds FerretDB 1.24.2) or set FERRETDB=/path/to/ferretdb"
	require_port_free "$MONGO_PORT" FerretDB MONGO_PORT
	mkdir -p "$STACK_DIR/ferretdb/data" "$STACK_DIR/ferretdb/state"
	if [ "$FERRETDB_BACKEND" = postgresql ]; then
		start_postgres
		handler=(--handler=postgresql "--postgresql-url=postgres:///$PG_DATABASE?host=$PG_SOCK_DIR&port=$PG_PORT&user=postgres")
	else
		handler=(--handler=sqlite "--sqlite-url=file:$STACK_DIR/ferretdb/data/")
	fi
	pid=$(DO_NOT_TRACK=1 spawn ferretdb "$LOG_DIR/ferretdb.log" "$bin" "${handler[@]}" \
		--listen-addr="127.0.0.1:$MONGO_PORT" \
		--state-dir="$STACK_DIR/ferretdb/state" --telemetry=disable --debug-addr=- --log-level=warn)
	wait_port "$MONGO_PORT" 30 "$pid" "$LOG_DIR/ferretdb.log" FerretDB
	say "FerretDB ($FERRETDB_BACKEND) listening on 127.0.0.1:$MONGO_PORT (pid $pid)"
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
	if [ -n "${JWT_SECRET:-}" ]; then jwt_keys_file; return; fi
	if [ -n "$ENV_FILE" ] && grep -q '^[[:space:]]*JWT_SECRET=' "$ENV_FILE"; then return; fi
	if [ ! -s "$f" ]; then
		mkdir -p "$STACK_DIR/secrets" && chmod 700 "$STACK_DIR/secrets"
		(umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n/+=' >"$f")
	fi
	JWT_SECRET=$(cat "$f")
	export JWT_SECRET
	jwt_keys_file
}

# dev/test only: the stack's key ring lives in a file (JWT_KEYS_FILE, infra/jwt_keys.h)
# whose first key is the stack's JWT_SECRET, so a rotation is "edit the file, reload-api"
# (docs/RUNBOOK.md, key rotation); unless the caller or .env names a ring of their own.
jwt_keys_file() {
	local f=$STACK_DIR/secrets/jwt-keys
	if [ -n "${JWT_KEYS:-}${JWT_KEYS_FILE:-}" ]; then return; fi
	if [ -n "$ENV_FILE" ] && grep -q '^[[:space:]]*JWT_KEYS' "$ENV_FILE"; then return; fi
	if [ ! -s "$f" ]; then
		mkdir -p "$STACK_DIR/secrets" && chmod 700 "$STACK_DIR/secrets"
		(umask 077 && printf 'k0:%s\n' "$JWT_SECRET" >"$f")
	fi
	JWT_KEYS_FILE=$f
	export JWT_KEYS_FILE
}

# The secret nginx's secure_link shares with the API (UPLOAD_LINK_SECRET): the caller's,
# else .env's, else a random one kept with the stack (dev/test only). Rendered into the nginx
# config and exported to the API, so both always agree.
upload_link_secret() {
	local f=$STACK_DIR/secrets/upload-link-secret
	UPLOAD_LINK_SECRET=${UPLOAD_LINK_SECRET:-$(env_file_value UPLOAD_LINK_SECRET)}
	if [ -z "$UPLOAD_LINK_SECRET" ]; then
		if [ ! -s "$f" ]; then
			mkdir -p "$STACK_DIR/secrets" && chmod 700 "$STACK_DIR/secrets"
			(umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n/+=' >"$f")
		fi
		UPLOAD_LINK_SECRET=$(cat "$f")
	fi
	[[ $UPLOAD_LINK_SECRET =~ ^[A-Za-z0-9._~+/=-]{16,}$ ]] ||
		die "UPLOAD_LINK_SECRET must be at least 16 characters of A-Z a-z 0-9 - _ . ~ + / ="
	export UPLOAD_LINK_SECRET
}

# The stack's S3 key pair for its own SeaweedFS (random, kept with the stack).
s3_keys() {
	[ "${STACK_OWN_S3:-0}" = 1 ] || return 0
	local f=$STACK_DIR/secrets/s3-keys
	if [ ! -s "$f" ]; then
		mkdir -p "$STACK_DIR/secrets" && chmod 700 "$STACK_DIR/secrets"
		(umask 077 && printf '%s %s\n' "swmra$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
			"$(head -c 30 /dev/urandom | base64 | tr -d '\n/+=')" >"$f")
	fi
	read -r S3_ACCESS_KEY S3_SECRET_KEY <"$f"
	export S3_ACCESS_KEY S3_SECRET_KEY
}

weed_bin() {
	if [ -n "${WEED:-}" ]; then printf '%s\n' "$WEED"; return; fi
	command -v weed 2>/dev/null && return
	printf '%s\n' "$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin/weed"
}

# SeaweedFS (one process: master, volume, filer, S3 gateway) with the stack's key pair and
# the bucket created; data under STACK_DIR/s3. It takes 15-25 s to stop on SIGTERM (its filer
# retries flushing its metadata log after the volume server is gone): stop waits 40 s.
start_s3() {
	local pid weed i p=$S3_PORT
	s3_keys
	if pid=$(service_pid s3 weed); then say "SeaweedFS already running (pid $pid)"; return; fi
	weed=$(weed_bin)
	[ -x "$weed" ] || die "SeaweedFS ($weed) is not installed: run 'scripts/dev install' (builds it once)"
	for i in 0 1 2 3; do require_port_free $((p + i)) "SeaweedFS" S3_PORT; done
	mkdir -p "$STACK_DIR/s3/data"
	(umask 077 && printf '{"identities":[{"name":"swmra","credentials":[{"accessKey":"%s","secretKey":"%s"}],"actions":["Admin","Read","Write","List"]}]}\n' \
		"$S3_ACCESS_KEY" "$S3_SECRET_KEY" >"$STACK_DIR/s3/s3.json")
	pid=$(spawn s3 "$LOG_DIR/seaweedfs.log" "$weed" server -dir="$STACK_DIR/s3/data" \
		-ip=127.0.0.1 -ip.bind=127.0.0.1 -s3 -s3.port="$p" -s3.config="$STACK_DIR/s3/s3.json" \
		-master.port=$((p + 1)) -volume.port=$((p + 2)) -filer.port=$((p + 3)) \
		-master.volumeSizeLimitMB=64 -volume.max=8 -volume.preStopSeconds=0)
	wait_port "$p" 60 "$pid" "$LOG_DIR/seaweedfs.log" "SeaweedFS"
	# the gateway listens before the filer is ready, and the filer before a volume server
	# takes writes: create the bucket, then write (and delete) a probe object, until both
	# answer; only then is an upload sure to find the store up
	local bucket=0
	for ((i = 0; i < 90; i++)); do
		if [ $bucket = 0 ] && s3_curl -X PUT "$S3_ENDPOINT/$S3_BUCKET" -o /dev/null -w '%{http_code}' 2>/dev/null | grep -qE '^(200|409)$'; then
			bucket=1
		fi
		# curl 7.88 does not hash a PUT body for SigV4 itself: give it the hash (as
		# src/infra/objstore.c does); a body small enough that curl sends no Expect header
		if [ $bucket = 1 ] && s3_curl -X PUT --data-binary ready -H 'Content-Type: application/octet-stream' \
			-H "x-amz-content-sha256: $(printf ready | sha256sum | cut -d' ' -f1)" \
			"$S3_ENDPOINT/$S3_BUCKET/.stack-ready" -o /dev/null -w '%{http_code}' 2>/dev/null | grep -q '^200$'; then
			s3_curl -X DELETE "$S3_ENDPOINT/$S3_BUCKET/.stack-ready" -o /dev/null 2>/dev/null || true
			say "SeaweedFS S3 on $S3_ENDPOINT, bucket $S3_BUCKET (pid $pid, data $STACK_DIR/s3)"
			return
		fi
		sleep 0.5
	done
	tail -n 30 "$LOG_DIR/seaweedfs.log" >&2
	die "SeaweedFS did not take a write in bucket $S3_BUCKET within 45 s (log: $LOG_DIR/seaweedfs.log)"
}

# curl signed like the API (SigV4 by curl itself) for the stack's bucket
s3_curl() {
	curl -sS --max-time 5 --aws-sigv4 "aws:amz:${S3_REGION:-us-east-1}:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" "$@"
}

start_api() {
	local pid bin=$BUILD_DIR/cgi-bin/swmra-api i args
	if pid=$(service_pid swmra-api swmra-api); then say "swmra-api already running (pid $pid)"; return; fi
	[ -x "$bin" ] || die "$bin does not exist yet: build it first ('autoreconf -fi && ./configure && make' in $REPO, or scripts/dev up)"
	jwt_secret
	upload_link_secret
	s3_keys
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
	upload_link_secret
	s3_keys
	pid=$(cd "$STACK_DIR" && spawn jobs "$LOG_DIR/jobs.log" bash -c '
		d=$1; n=0
		while :; do
			"$d/swmra-job-dispatch" --env-file ""
			[ -x "$d/swmra-job-waitlist" ] && "$d/swmra-job-waitlist" --env-file ""
			[ $((n % 60)) = 0 ] && "$d/swmra-job-reminders" --env-file ""
			[ $((n % 5)) = 0 ] && [ -x "$d/swmra-job-sweep-effects" ] &&
				"$d/swmra-job-sweep-effects" --env-file ""
			if [ $((n % 1440)) = 0 ]; then
				for j in cleanup-drafts cleanup-uploads purge-tokens compact; do
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
	local if_s3='#' if_local=
	upload_link_secret
	[ "$STORAGE_BACKEND" = s3 ] && if_s3= if_local='#'
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
			-e "s|@IF_S3@|$if_s3|g" -e "s|@IF_LOCAL@|$if_local|g" \
			-e "s|@UPLOAD_LINK_SECRET@|$(sed_escape "$UPLOAD_LINK_SECRET")|g" \
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
	have_service s3 && start_s3
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
	# SIGINT: PostgreSQL's fast shutdown (SIGTERM would wait for every client to leave)
	have_service mongo && stop_service postgresql postgres 30 INT
	if [ "$PG_SOCK_DIR" != "$PG_DIR/socket" ] && [ -z "$(service_pid postgresql postgres)" ]; then
		rm -rf "$PG_SOCK_DIR"
	fi
	have_service s3 && stop_service s3 weed 40
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
	if [ "$FERRETDB_BACKEND" = postgresql ]; then
		status_line ferretdb ferretdb ferretdb "mongodb://127.0.0.1:$MONGO_PORT/  on PostgreSQL" || rc=1
		status_line postgresql postgresql postgres "socket $PG_SOCK_DIR/.s.PGSQL.$PG_PORT  data $PG_DIR/data" || rc=1
	else
		status_line ferretdb ferretdb ferretdb "mongodb://127.0.0.1:$MONGO_PORT/  data $STACK_DIR/ferretdb/data" || rc=1
	fi
	status_line smtp-sink smtp-sink python3 "smtp://127.0.0.1:$SMTP_PORT  Maildir $STACK_DIR/mail" || rc=1
	if status_line swmra-api swmra-api swmra-api "socket $FCGI_SOCKET"; then
		wpids=$(pgrep -P "$(service_pid swmra-api swmra-api)" | tr '\n' ' ' || true)
		printf '  %-10s          workers: %s\n' '' "${wpids:-none}"
	else rc=1; fi
	status_line nginx nginx nginx "http://127.0.0.1:$HTTP_PORT/" || rc=1
	if have_service s3; then status_line s3 s3 weed "SeaweedFS S3 ${S3_ENDPOINT:-}" || rc=1; fi
	if have_service jobs; then status_line jobs jobs bash "cron stand-in, log $LOG_DIR/jobs.log" || rc=1; fi
	printf '  logs: %s\n' "$LOG_DIR"
	return $rc
}

cmd_env() {
	local v
	for v in STACK_DIR HTTP_PORT METRICS_PORT MONGO_PORT SMTP_PORT APP_ENV MONGO_URI MONGO_DB PUBLIC_BASE_URL \
		UPLOAD_DIR SMTP_HOST NCHAN_PUB_SOCKET FCGI_SOCKET WORKERS FERRETDB_BACKEND FERRETDB_POSTGRESQL_URL; do
		printf 'export %s=%q\n' "$v" "${!v}"
	done
	jwt_secret
	[ -n "${JWT_SECRET:-}" ] && printf 'export JWT_SECRET=%q\n' "$JWT_SECRET"
	[ -n "${JWT_KEYS_FILE:-}" ] && printf 'export JWT_KEYS_FILE=%q\n' "$JWT_KEYS_FILE"
	upload_link_secret
	s3_keys
	for v in UPLOAD_LINK_SECRET STORAGE_BACKEND S3_ENDPOINT S3_BUCKET S3_REGION S3_ACCESS_KEY S3_SECRET_KEY S3_PATH_STYLE; do
		[ -n "${!v:-}" ] && printf 'export %s=%q\n' "$v" "${!v}"
	done
	# a shifted test clock (APP_ENV=test only): the tests read it to agree with the API
	[ -n "${TEST_NOW_OFFSET:-}" ] && printf 'export TEST_NOW_OFFSET=%q\n' "$TEST_NOW_OFFSET"
	printf 'export SWMRA_BASE_URL=%q\n' "http://127.0.0.1:$HTTP_PORT"
	printf 'export SWMRA_MAILDIR=%q\n' "$STACK_DIR/mail"
	printf 'export SWMRA_METRICS_URL=%q\n' "http://127.0.0.1:$METRICS_PORT/metrics"
}

usage() {
	sed -n '2,42p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
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
	start-s3) lock; start_s3 ;;
	stop-s3) lock; stop_service s3 weed 40 ;;
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
