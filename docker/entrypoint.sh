#!/usr/bin/env bash
# docker/entrypoint.sh — the SWMRA container's supervisor (run under tini as PID 1).
#
#  1. writes the API's configuration to $ETC_DIR/swmra.env from the container environment
#     (the cron jobs read it with --env-file; Debian's cron gives jobs no environment);
#  2. makes a self-signed TLS pair when TLS_CERT/TLS_KEY are missing (dev/compose only);
#  3. renders the nginx site (swmra-render-nginx) and checks it with `nginx -t`;
#  4. starts swmra-api (as the swmra user), nginx (master as swmra: the ports are > 1024)
#     and cron (root, because it switches to the user named in cron.d; jobs run as swmra);
#  5. waits: when any of them exits the others are stopped and the container exits non-zero
#     (docker's restart policy restarts it); SIGTERM drains swmra-api and stops the rest.
#
# Started as a non-root user (docker run --user swmra) everything but cron still runs.
# Paths default to the image's layout; the tests (tests/deploy/) run this same script on a
# host with every *_DIR pointing into a temp directory.
#
# Usage: entrypoint.sh            run the service (the image's default)
#        entrypoint.sh check      render + nginx -t + swmra-api --check-config, then exit
#        entrypoint.sh CMD ...    run CMD instead (e.g. `swmra-seed`, `bash`)
set -euo pipefail

SHARE_DIR=${SHARE_DIR:-/usr/local/share/swmra}
BIN_DIR=${BIN_DIR:-/usr/local/bin}
SBIN_DIR=${SBIN_DIR:-/usr/local/sbin}
ETC_DIR=${ETC_DIR:-/etc/swmra}
RUN_DIR=${RUN_DIR:-/run/swmra}
STATE_DIR=${STATE_DIR:-/var/lib/swmra}
CACHE_DIR=${CACHE_DIR:-/var/cache/swmra}
NGINX_MAIN_CONF=${NGINX_MAIN_CONF:-$SHARE_DIR/docker/nginx.conf}
CRON_D=${CRON_D:-/etc/cron.d}
SWMRA_USER=${SWMRA_USER:-swmra}
RUN_CRON=${RUN_CRON:-1}

# Container defaults for the variables the API reads (the image's ENV may set them too).
export APP_ENV=${APP_ENV:-production}
export FCGI_SOCKET=${FCGI_SOCKET:-$RUN_DIR/swmra-api.sock}
export NCHAN_PUB_SOCKET=${NCHAN_PUB_SOCKET:-$RUN_DIR/nchan-pub.sock}
export UPLOAD_DIR=${UPLOAD_DIR:-$STATE_DIR/uploads}
export LOG_DIR=${LOG_DIR:-/var/log/swmra}
# nginx inside the container listens on every interface of the container's own network
# namespace; docker-compose.yml publishes the ports on the host's 127.0.0.1 only.
export LISTEN_ADDR=${LISTEN_ADDR:-0.0.0.0}
export HTTP_PORT=${HTTP_PORT:-8080} HTTPS_PORT=${HTTPS_PORT:-8443}
export SERVER_NAME=${SERVER_NAME:-localhost}
export SPA_ROOT=${SPA_ROOT:-$SHARE_DIR/www}
export TLS_CERT=${TLS_CERT:-$ETC_DIR/tls/cert.pem} TLS_KEY=${TLS_KEY:-$ETC_DIR/tls/key.pem}
export NGINX_DIR=${NGINX_DIR:-$ETC_DIR/nginx}

say() { printf '{"time":"%s","level":"info","component":"entrypoint","msg":"%s"}\n' "$(date -u +%FT%TZ)" "$*" >&2; }
die() { printf '{"time":"%s","level":"error","component":"entrypoint","msg":"%s"}\n' "$(date -u +%FT%TZ)" "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }
# run as the service user when we are root, as ourselves otherwise
as_user() {
	if is_root && [ "$SWMRA_USER" != root ]; then
		setpriv --reuid="$SWMRA_USER" --regid="$SWMRA_USER" --init-groups --inh-caps=-all -- "$@"
	else
		"$@"
	fi
}

# the same, replacing the current (sub)shell: for `spawn_as_user cmd &`, so the pid that $!
# names is the service itself and signals reach it
spawn_as_user() {
	if is_root && [ "$SWMRA_USER" != root ]; then
		exec setpriv --reuid="$SWMRA_USER" --regid="$SWMRA_USER" --init-groups --inh-caps=-all -- "$@"
	else
		exec "$@"
	fi
}

prepare_dirs() {
	mkdir -p "$RUN_DIR" "$UPLOAD_DIR" "$LOG_DIR" "$NGINX_DIR" "$CACHE_DIR/nginx" "$ETC_DIR"
	# logs can hold personal data: a 0750 folder, 0640 files (nginx would create them 0644)
	chmod 0750 "$LOG_DIR"
	for f in swmra-access.log swmra-error.log swmra-publisher.log; do
		[ -e "$LOG_DIR/$f" ] || : >"$LOG_DIR/$f"
		chmod 0640 "$LOG_DIR/$f"
	done
	if is_root && [ "$SWMRA_USER" != root ]; then
		chown "$SWMRA_USER:$SWMRA_USER" "$RUN_DIR" "$UPLOAD_DIR" "$LOG_DIR" "$CACHE_DIR/nginx"
		chmod 0750 "$RUN_DIR"
	fi
	rm -f "$NCHAN_PUB_SOCKET" "$FCGI_SOCKET" # stale sockets of a killed container: bind() fails
}

# The API configuration for cron jobs: every variable .env.example lists, from the
# current environment (unset ones keep the compiled-in defaults).
write_env_file() {
	local example=$SHARE_DIR/swmra.env.example names v f=$ETC_DIR/swmra.env
	[ -f "$example" ] || { say "no $example: cron jobs get compiled-in defaults"; return 0; }
	names=$(grep -oE '^#?[A-Z][A-Z0-9_]*=' "$example" | tr -d '#=' | sort -u)
	(
		umask 027
		{
			echo "# written by the container entrypoint at $(date -u +%FT%TZ); edits are lost"
			for v in $names; do
				[ -n "${!v+x}" ] || continue
				case ${!v} in *$'\n'*) die "$v contains a newline" ;; esac
				printf '%s="%s"\n' "$v" "${!v//\"/\\\"}"
			done
		} >"$f.tmp"
	)
	is_root && [ "$SWMRA_USER" != root ] && chgrp "$SWMRA_USER" "$f.tmp"
	mv -f "$f.tmp" "$f"
}

ensure_tls() {
	if [ -s "$TLS_CERT" ] && [ -s "$TLS_KEY" ]; then return 0; fi
	if [ "$TLS_CERT" != "$ETC_DIR/tls/cert.pem" ] || [ "$TLS_KEY" != "$ETC_DIR/tls/key.pem" ]; then
		die "TLS_CERT=$TLS_CERT / TLS_KEY=$TLS_KEY do not exist (mount them, or unset both for a self-signed pair)"
	fi
	say "no TLS certificate: making a self-signed one for $SERVER_NAME (development only)"
	"$SHARE_DIR/tls-selfsigned.sh" --dir "$ETC_DIR/tls" --name "${SERVER_NAME%% *}" >/dev/null
	is_root && [ "$SWMRA_USER" != root ] && chown "$SWMRA_USER" "$TLS_KEY"
	return 0
}

render_nginx() {
	SWMRA_ENV_FILE= TEMPLATE_DIR=$SHARE_DIR/nginx "$SBIN_DIR/swmra-render-nginx" --out "$NGINX_DIR" >/dev/null
	sed -e "s|@RUN_DIR@|$RUN_DIR|g" -e "s|@CACHE_DIR@|$CACHE_DIR|g" -e "s|@NGINX_DIR@|$NGINX_DIR|g" \
		"$NGINX_MAIN_CONF" >"$NGINX_DIR/nginx.conf"
	as_user nginx -t -q -c "$NGINX_DIR/nginx.conf" 2>&1 | grep -v -e '\[info\]' -e '\[warn\].*discouraged' >&2 || true
	as_user nginx -t -q -c "$NGINX_DIR/nginx.conf" >/dev/null 2>&1 || die "nginx -t failed on $NGINX_DIR/nginx.conf"
}

# cron: the canonical cron.d file with its output sent to the container's stderr
install_cron() {
	local src=$SHARE_DIR/cron/swmra.cron
	[ -f "$src" ] || { say "no $src: no cron jobs"; return 1; }
	rm -f "$RUN_DIR/jobs.fifo" && mkfifo -m 0620 "$RUN_DIR/jobs.fifo"
	chown "$SWMRA_USER:$SWMRA_USER" "$RUN_DIR/jobs.fifo"
	# no syslog in the container: `2>&1 | logger -t NAME` becomes a write into the fifo the
	# entrypoint copies to its stderr (docker logs); job lines without any redirection too
	awk -v fifo="$RUN_DIR/jobs.fifo" -v envf="$ETC_DIR/swmra.env" '
		/^[[:space:]]*(#|$)/ { print; next }
		/^SWMRA_ENV=/ { print "SWMRA_ENV=" envf; next }
		/^[A-Za-z_]+=/ { print; next }
		/2>&1 *\| *logger/ { print substr($0, 1, match($0, /2>&1 *\| *logger/) - 1) ">>" fifo " 2>&1"; next }
		/[>|]/ { print; next }
		{ print $0 " >>" fifo " 2>&1" }' "$src" >"$CRON_D/swmra.tmp"
	mv -f "$CRON_D/swmra.tmp" "$CRON_D/swmra"
	chmod 0644 "$CRON_D/swmra"
	return 0
}

pids=()
stopping=0
stop_all() {
	stopping=1
	say "stopping: ${pids[*]}"
	local p
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}

run_service() {
	prepare_dirs
	write_env_file
	ensure_tls
	render_nginx
	as_user "$BIN_DIR/swmra-api" --env-file "" --check-config >/dev/null ||
		die "swmra-api rejects the configuration (above)"

	trap 'stop_all; exit 0' TERM INT
	# swmra-api: supervisor + workers, socket 0660 (nginx runs as the same user here)
	spawn_as_user "$BIN_DIR/swmra-api" --env-file "" --socket "$FCGI_SOCKET" --socket-mode 0660 &
	pids+=($!)
	local i
	for ((i = 0; i < 100; i++)); do [ -S "$FCGI_SOCKET" ] && break; sleep 0.1; done
	[ -S "$FCGI_SOCKET" ] || { stop_all; die "swmra-api did not create $FCGI_SOCKET"; }

	spawn_as_user nginx -c "$NGINX_DIR/nginx.conf" -g 'daemon off;' &
	pids+=($!)

	local names="swmra-api, nginx"
	if [ "$RUN_CRON" = 1 ] && is_root && command -v cron >/dev/null && install_cron; then
		names="$names, cron"
		# read-write open: never blocks, never sees EOF when a job closes its end
		exec_cat() { exec cat 0<>"$RUN_DIR/jobs.fifo"; }
		exec_cat >&2 &
		pids+=($!)
		# cron -f: foreground; -L 0: no syslog (there is none in the container)
		exec_cron() { exec cron -f -L 0; }
		exec_cron &
		pids+=($!)
	elif [ "$RUN_CRON" = 1 ] && ! is_root; then
		say "not root: cron does not run in this container (run the jobs from another one)"
	fi
	say "started: $names (pids ${pids[*]}); https://$SERVER_NAME:$HTTPS_PORT/"

	local rc=0
	wait -n || rc=$?
	[ "$stopping" = 1 ] && exit 0
	say "a service exited (status $rc): stopping the container"
	stop_all
	exit $((rc == 0 ? 1 : rc))
}

case ${1:-serve} in
serve) run_service ;;
check)
	prepare_dirs
	write_env_file
	ensure_tls
	render_nginx
	as_user "$BIN_DIR/swmra-api" --env-file "" --check-config
	say "configuration ok ($NGINX_DIR/nginx.conf)"
	;;
*) exec "$@" ;;
esac
