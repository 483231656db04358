#!/usr/bin/env bash
# tests/deploy/compose-config.sh — checks the deployment files without a Docker engine.
#
#  1. docker-compose.yml: `docker compose config` (the compose v2 plugin) or, without it,
#     Debian's `docker-compose config` (v1.29, python); neither needs a running engine. The
#     resolved file is then checked for what issue 9 asks (services, healthchecks, profile,
#     loopback-only ports). With neither tool, a python3-yaml structural check runs instead
#     and the output says so.
#  2. .env.example lists exactly the variables of src/infra/config.c's table and the modules' tables (src/*/*_module.c), and marks the
#     dev-only JWT secret.
#  3. nginx/swmra-prod.conf.in: rendered (deploy/swmra-render-nginx) with a self-signed
#     certificate into a temp dir and checked with `nginx -t` — standalone, inside Debian's
#     stock /etc/nginx/nginx.conf (as a sites-enabled file), with Redis, and as the
#     container renders it (docker/nginx.conf).
#  4. If cgi-bin/swmra-api is built: docker/entrypoint.sh runs on this host as an
#     unprivileged user (what `docker run --user swmra` does) on temp dirs and ports, and
#     the live HTTPS site is probed: redirect, HSTS, HTTP/2, TLS versions, gzip, SPA cache
#     headers, JSON errors; then SIGTERM stops it cleanly.
#
# usage: tests/deploy/compose-config.sh      (as root or not; loopback only)
#   DEPLOY_TEST_HTTP_PORT [28080]  DEPLOY_TEST_HTTPS_PORT [28443]
#   SWMRA_BUILD_DIR [<repo>]  where cgi-bin/swmra-api was built
# Ends with "N passed, N failed"; exit 1 if anything failed.
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${SWMRA_BUILD_DIR:-$REPO}
HTTP_PORT=${DEPLOY_TEST_HTTP_PORT:-28080}
HTTPS_PORT=${DEPLOY_TEST_HTTPS_PORT:-28443}
T=$(mktemp -d /tmp/swmra-deploy-test.XXXXXX)
chmod 755 "$T"
ENTRY_PID=

pass=0 fail=0
ok() { pass=$((pass + 1)); printf 'ok   %s\n' "$*"; }
bad() { fail=$((fail + 1)); printf 'FAIL %s\n' "$*"; }
check() { # description command...
	local d=$1; shift
	if "$@" >"$T/last.out" 2>&1; then ok "$d"; else bad "$d"; sed 's/^/     | /' "$T/last.out" | tail -n 15; fi
}
cleanup() {
	if [ -n "$ENTRY_PID" ] && kill -0 "$ENTRY_PID" 2>/dev/null; then
		kill -TERM "$ENTRY_PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$ENTRY_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL -- "-$ENTRY_PID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT

# ---------------------------------------------------------------- 1. compose
mkdir -p "$T/compose"
cp "$REPO/docker-compose.yml" "$T/compose/"
cp "$REPO/.env.example" "$T/compose/.env" # env_file: .env must exist for `config`
compose=
if docker compose version >/dev/null 2>&1; then compose="docker compose"
elif command -v docker-compose >/dev/null 2>&1; then compose=docker-compose; fi

if [ -n "$compose" ]; then
	echo "# compose: $($compose version 2>/dev/null | head -n 1) (no engine needed for config)"
	check "docker-compose.yml: '$compose config' accepts it" \
		bash -c "cd '$T/compose' && $compose --profile multinode --profile monitoring config >'$T/resolved.yml'"
	check "docker-compose.yml: '$compose config --quiet' without profiles" \
		bash -c "cd '$T/compose' && $compose config --quiet"
else
	echo "# compose: neither 'docker compose' nor 'docker-compose' is installed:"
	echo "#          structural YAML check only (apt-get install docker-compose for the real one)"
	cp "$REPO/docker-compose.yml" "$T/resolved.yml"
fi

check "docker-compose.yml: services, healthchecks, profile, loopback ports" \
	python3 - "$T/resolved.yml" "$REPO" <<'PY'
import os, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
repo = sys.argv[2]
s = doc["services"]
errs = []
def need(c, m):
    if not c: errs.append(m)
need(set(s) >= {"mongo", "app", "mailhog", "redis"}, f"services: {sorted(s)}")
m, a, r, mh = s["mongo"], s["app"], s["redis"], s["mailhog"]
need(str(m.get("image", "")).startswith("mongo:7"), "mongo image is not mongo:7")
need(any("/data/db" in str(v) for v in m.get("volumes", [])), "mongo has no data volume")
need("mongosh" in str(m.get("healthcheck", {}).get("test")), "mongo healthcheck is not a mongosh ping")
b = a.get("build", {})
need(str(b.get("dockerfile", "")).endswith("docker/Dockerfile"), "app is not built from docker/Dockerfile")
need(os.path.isfile(os.path.join(repo, "docker/Dockerfile")), "docker/Dockerfile missing")
dep = a.get("depends_on", {})
need(isinstance(dep, dict) and dep.get("mongo", {}).get("condition") == "service_healthy",
     "app does not depend on mongo being healthy")
need("/api/health/ready" in str(a.get("healthcheck", {}).get("test")), "app healthcheck is not /api/health/ready")
raw = yaml.safe_load(open(os.path.join(repo, "docker-compose.yml")))["services"]["app"]
ef = raw.get("env_file")
need(any(str(e).endswith(".env") for e in (ef if isinstance(ef, list) else [ef])), "app has no env_file .env")
need(any("uploads" in str(v) for v in a.get("volumes", [])), "app has no uploads volume")
need("multinode" in (r.get("profiles") or []), "redis is not in the multinode profile")
pr = s.get("prometheus", {})
need("monitoring" in (pr.get("profiles") or []), "no prometheus service in the monitoring profile")
need(any("deploy/prometheus/prometheus.yml" in str(v) for v in pr.get("volumes", [])) and
     any("deploy/prometheus/alerts.yml" in str(v) for v in pr.get("volumes", [])),
     "prometheus does not mount deploy/prometheus/prometheus.yml and alerts.yml")
need("9145" in str(a.get("environment", {}).get("METRICS_LISTEN", "")), "app has no METRICS_LISTEN on 9145")
need(not any("9145" in str(p) for p in a.get("ports", []) or []), "app publishes the metrics listener")
need("mailhog" in str(mh.get("image", "")) or "mailpit" in str(mh.get("image", "")), "no mail catcher image")
ports = []
for name, svc in s.items():
    for p in svc.get("ports", []) or []:
        ports.append((name, p))
        host_ip = p.get("host_ip") if isinstance(p, dict) else (str(p).split(":")[0] if str(p).count(":") == 2 else None)
        need(host_ip == "127.0.0.1", f"{name}: port {p} is not bound to 127.0.0.1")
pub = {str(p.get("published") if isinstance(p, dict) else str(p).split(":")[1]) for n, p in ports if n == "app"}
need({"8080", "8443"} <= pub, f"app publishes {pub}, not 8080 and 8443")
env = a.get("environment", {})
for k in ("JWT_SECRET", "SMTP_PASS", "SMS_AUTH_TOKEN"):
    if isinstance(env, dict) and k in env and "resolved" not in sys.argv[1]:
        errs.append(f"{k} set in docker-compose.yml itself (secrets belong in .env)")
if errs:
    print("\n".join(errs)); sys.exit(1)
PY
if grep -nE '^[[:space:]]*(JWT_SECRET|SMTP_PASS|SMS_AUTH_TOKEN)[[:space:]]*:' "$REPO/docker-compose.yml" >"$T/secrets.out"; then
	bad "docker-compose.yml sets a secret itself"; cat "$T/secrets.out"
else ok "docker-compose.yml holds no secrets (they come from .env)"; fi

# ---------------------------------------------------------------- 1b. Prometheus files
if command -v promtool >/dev/null 2>&1; then
	check "deploy/prometheus/prometheus.yml: promtool check config (with alerts.yml)" \
		promtool check config "$REPO/deploy/prometheus/prometheus.yml"
	check "deploy/prometheus/alerts.yml: promtool test rules alerts.test.yml" \
		bash -c "cd '$REPO/deploy/prometheus' && promtool test rules alerts.test.yml"
	check "deploy/prometheus/prometheus.yml scrapes app:9145, where docker-compose.yml puts METRICS_LISTEN" \
		grep -q '"app:9145"' "$REPO/deploy/prometheus/prometheus.yml"
else
	bad "promtool is missing: apt-get install prometheus (scripts/dev install) to check deploy/prometheus/"
fi

# ---------------------------------------------------------------- 2. .env.example
check ".env.example lists exactly the variables of src/infra/config.c and the modules' tables, with their defaults" \
	python3 - "$REPO" <<'PY'
import re, sys
repo = sys.argv[1]
src = open(f"{repo}/src/infra/config.c").read()
table = src[src.index("vars[] = {"):src.index("};", src.index("vars[] = {"))]
hdr = open(f"{repo}/src/infra/config.h").read()
devs = dict(re.findall(r'#define (CONFIG_DEV_[A-Z_]+) "([^"]*)"', hdr))
want = {}
# the service-wide table, then each module's own (src/*/*_module.c: CONFIG_INT(...) etc.)
import glob
tables = [(table, r'\b[SIBE]\(')]
for f in sorted(glob.glob(f"{repo}/src/*/*_module.c")):
    tables.append((open(f).read(), r'\bCONFIG_(?:STR|INT|BOOL|ENUM)\('))
for text, call in tables:
    for m in re.finditer(call + r'"([A-Z0-9_]+)",\s*\w+,\s*("(?:[^"\\]|\\.)*"|CONFIG_DEV_[A-Z_]+)', text):
        want[m.group(1)] = devs[m.group(2)] if m.group(2).startswith("CONFIG_DEV_") else m.group(2)[1:-1]
have = {}
for line in open(f"{repo}/.env.example"):
    m = re.match(r'^([A-Z][A-Z0-9_]*)=(.*)$', line.rstrip("\n"))
    if m:
        v = m.group(2)
        if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
            v = v[1:-1]
        have[m.group(1)] = v
errs = []
for k in sorted(set(want) - set(have)): errs.append(f"missing in .env.example: {k}")
for k in sorted(set(have) - set(want)): errs.append(f"not in config.c's or a module's table: {k}")
for k in sorted(set(want) & set(have)):
    if want[k] != have[k]: errs.append(f"{k}: .env.example says {have[k]!r}, config.c {want[k]!r}")
text = open(f"{repo}/.env.example").read()
if "DEV-ONLY" not in text or "production refuses" not in text:
    errs.append("JWT_SECRET is not marked as a dev-only default that production refuses")
print(f"{len(want)} variables in config.c and the modules")
if errs: print("\n".join(errs)); sys.exit(1)
PY

# ---------------------------------------------------------------- 3. nginx -t
LINK_SECRET=deploy-check-link-secret-0123456789abcdef
render() { # outdir extra-env...
	local out=$1; shift
	env SWMRA_ENV_FILE= TEMPLATE_DIR="$REPO/nginx" SERVER_NAME=localhost \
		LISTEN_ADDR=127.0.0.1 HTTP_PORT="$HTTP_PORT" HTTPS_PORT="$HTTPS_PORT" \
		METRICS_LISTEN="127.0.0.1:$((HTTP_PORT + 65))" \
		TLS_CERT="$T/tls/cert.pem" TLS_KEY="$T/tls/key.pem" LOG_DIR="$T/log" \
		FCGI_SOCKET="$T/run/swmra-api.sock" NCHAN_PUB_SOCKET="$T/run/nchan-pub.sock" \
		UPLOAD_DIR="$T/uploads" SPA_ROOT="$T/www" ACME_ROOT="$T/acme" \
		OPENAPI_YAML="$REPO/docs/openapi.yaml" DOCS_VIEWER_DIR="$REPO/docs/api-viewer" \
		UPLOAD_LINK_SECRET="$LINK_SECRET" \
		"$@" bash "$REPO/deploy/swmra-render-nginx.in" --out "$out" --check
}
mkdir -p "$T/run" "$T/log" "$T/uploads" "$T/www"
check "scripts/tls-selfsigned.sh makes a localhost certificate" \
	bash -c "'$REPO/scripts/tls-selfsigned.sh' --dir '$T/tls' && openssl x509 -in '$T/tls/cert.pem' -noout -ext subjectAltName | grep -q 'DNS:localhost'"
check "tls-selfsigned.sh is idempotent (keeps a valid pair)" \
	bash -c "a=\$(md5sum <'$T/tls/cert.pem'); '$REPO/scripts/tls-selfsigned.sh' --dir '$T/tls' >/dev/null; [ \"\$a\" = \"\$(md5sum <'$T/tls/cert.pem')\" ]"
check "prod template renders and passes nginx -t" render "$T/nginx"
check "prod template with NCHAN_REDIS_URL passes nginx -t" render "$T/nginx-redis" NCHAN_REDIS_URL=redis://127.0.0.1:6379
check "rendered Redis config puts nchan_redis_pass inside the nchan locations" \
	bash -c "[ \$(grep -c '^ *nchan_redis_pass swmra_nchan_redis;' '$T/nginx-redis/swmra.conf') = 2 ] && ! grep -q '^nchan_redis_pass' '$T/nginx-redis/swmra.conf'"
check "rendered site has no @VARS@ left" bash -c "! grep -n '^[^#]*@[A-Z_]*@' '$T/nginx/'*.conf"
export -f render; export T REPO HTTP_PORT HTTPS_PORT
check "renderer refuses a relative UPLOAD_DIR" bash -c "! render '$T/nginx-bad' UPLOAD_DIR=var/uploads"
if [ -f /etc/nginx/nginx.conf ]; then
	# as a sites-enabled file inside Debian's own nginx.conf (gzip/ssl_protocols at http level there)
	sed -e "s|include /etc/nginx/sites-enabled/\*;|include $T/nginx/swmra.conf;|" \
		-e "s|^pid .*|pid $T/run/debian-nginx.pid;|" -e "s|^error_log .*|error_log stderr;|" \
		-e "s|^\(\s*access_log\) .*|\1 off;|" /etc/nginx/nginx.conf >"$T/debian-nginx.conf"
	grep -q "include $T/nginx/swmra.conf;" "$T/debian-nginx.conf" || echo "include-not-replaced" >>"$T/debian-nginx.conf"
	if [ "$(id -u)" = 0 ]; then
		check "prod site inside Debian's stock nginx.conf passes nginx -t" nginx -t -q -c "$T/debian-nginx.conf"
	else
		echo "# skip: Debian's nginx.conf check needs root (user www-data; /var/lib/nginx)"
	fi
fi
check "container main config (docker/nginx.conf) + prod site pass nginx -t" bash -c "
	mkdir -p '$T/cache/nginx' &&
	sed -e 's|@RUN_DIR@|$T/run|g' -e 's|@CACHE_DIR@|$T/cache|g' -e 's|@NGINX_DIR@|$T/nginx|g' \
		'$REPO/docker/nginx.conf' >'$T/container-nginx.conf' &&
	nginx -t -q -c '$T/container-nginx.conf' 2>&1 | grep -v '\[info\]' ; exit \${PIPESTATUS[0]}"
check "systemd unit template is complete" bash -c "
	f='$REPO/systemd/swmra-api.service.in'
	for k in Type=simple Restart=on-failure User=swmra ProtectSystem=strict ReadWritePaths= EnvironmentFile=/etc/swmra/swmra.env ExecReload=; do
		grep -q \"^\$k\" \"\$f\" || { echo \"missing \$k\"; exit 1; }
	done"
if command -v systemd-analyze >/dev/null && [ -x "$BUILD/cgi-bin/swmra-api" ]; then
	check "systemd-analyze verify swmra-api.service" bash -c "
		sed -e 's|@bindir@|$BUILD/cgi-bin|g' -e 's|@docdir@|/usr/share/doc/swmra|g' \
			'$REPO/systemd/swmra-api.service.in' >'$T/swmra-api.service' &&
		systemd-analyze verify '$T/swmra-api.service' 2>&1 | grep -v -e 'Failed to resolve user' -e 'swmra' ; exit \${PIPESTATUS[0]}"
fi

# ---------------------------------------------------------------- 4. live (entrypoint on the host)
if [ ! -x "$BUILD/cgi-bin/swmra-api" ]; then
	echo "# skip: live checks need cgi-bin/swmra-api (build first)"
else
	port_free() { [ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }
	if ! port_free "$HTTP_PORT" || ! port_free "$HTTPS_PORT"; then
		bad "ports $HTTP_PORT/$HTTPS_PORT are in use (set DEPLOY_TEST_HTTP_PORT/DEPLOY_TEST_HTTPS_PORT)"
	else
		L=$T/live
		mkdir -p "$L/share/nginx" "$L/share/docker" "$L/share/www/assets" "$L/bin" "$L/sbin" "$L/etc" "$L/run" "$L/state" "$L/cache" "$L/log"
		cp "$REPO"/nginx/*.conf.in "$L/share/nginx/"
		cp "$REPO/docker/nginx.conf" "$L/share/docker/"
		cp "$REPO/scripts/tls-selfsigned.sh" "$L/share/"
		cp "$REPO/.env.example" "$L/share/swmra.env.example"
		sed "s|@pkgdatadir@|$L/share|g" "$REPO/deploy/swmra-render-nginx.in" >"$L/sbin/swmra-render-nginx"
		chmod +x "$L/sbin/swmra-render-nginx"
		cp "$BUILD/cgi-bin/swmra-api" "$L/bin/"
		# a stand-in SPA build: index.html + a hashed asset
		printf '<!doctype html><title>SWMRA</title><script src="/assets/app-0123abcd.js"></script>\n' >"$L/share/www/index.html"
		head -c 4000 /dev/zero | tr '\0' 'a' | sed 's/^/var x="/; s/$/";/' >"$L/share/www/assets/app-0123abcd.js"
		printf 'self.addEventListener("install",()=>{});\n' >"$L/share/www/sw.js"
		runas=()
		if [ "$(id -u)" = 0 ]; then
			# as `docker run --user`: everything as one unprivileged user
			chown -R nobody "$L"
			chmod 755 "$T"
			runas=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
		fi
		(
			cd "$L" && exec setsid "${runas[@]}" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$L" \
				SHARE_DIR="$L/share" BIN_DIR="$L/bin" SBIN_DIR="$L/sbin" ETC_DIR="$L/etc" \
				RUN_DIR="$L/run" STATE_DIR="$L/state" CACHE_DIR="$L/cache" LOG_DIR="$L/log" \
				NGINX_MAIN_CONF="$L/share/docker/nginx.conf" CRON_D="$L/etc" RUN_CRON=0 \
				LISTEN_ADDR=127.0.0.1 HTTP_PORT="$HTTP_PORT" HTTPS_PORT="$HTTPS_PORT" \
				METRICS_LISTEN="127.0.0.1:$((HTTP_PORT + 65))" \
				APP_ENV=production JWT_SECRET=deploy-test-secret-0123456789abcdef0123456789 \
				UPLOAD_LINK_SECRET="$LINK_SECRET" \
				MONGO_URI="mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300" WORKERS=2 \
				bash "$REPO/docker/entrypoint.sh" serve
		) >"$T/entrypoint.log" 2>&1 &
		ENTRY_PID=$!
		up=0
		for _ in $(seq 100); do
			curl -sk -o /dev/null "https://127.0.0.1:$HTTPS_PORT/api/health" && { up=1; break; }
			kill -0 "$ENTRY_PID" 2>/dev/null || break
			sleep 0.1
		done
		if [ $up = 0 ]; then
			bad "entrypoint started swmra-api + nginx (https://127.0.0.1:$HTTPS_PORT/)"
			tail -n 30 "$T/entrypoint.log" | sed 's/^/     | /'
		else
			ok "entrypoint started swmra-api + nginx as $([ ${#runas[@]} -gt 0 ] && echo nobody || id -un) (https://127.0.0.1:$HTTPS_PORT/)"
			B=https://localhost:$HTTPS_PORT
			R=(--resolve "localhost:$HTTPS_PORT:127.0.0.1" --resolve "localhost:$HTTP_PORT:127.0.0.1" --cacert "$L/etc/tls/cert.pem" -s)
			hdr() { curl "${R[@]}" -o /dev/null -D - "$@" | tr -d '\r'; }
			check "GET /api/health over HTTPS with the self-signed CA: 200 {\"status\":\"ok\"}" \
				bash -c "[ \"\$(curl ${R[*]} '$B/api/health')\" = '{\"status\":\"ok\"}' ]"
			check "HTTP/2 is negotiated" bash -c "curl ${R[*]} --http2 -o /dev/null -w '%{http_version}' '$B/api/health' | grep -qx 2"
			check "HSTS header on HTTPS" bash -c "curl ${R[*]} -o /dev/null -D - '$B/api/health' | grep -qi '^strict-transport-security: max-age=31536000'"
			check "security headers (nosniff, X-Request-Id)" bash -c "h=\$(curl ${R[*]} -o /dev/null -D - '$B/api/health'); grep -qi '^x-content-type-options: nosniff' <<<\"\$h\" && grep -qi '^x-request-id: ' <<<\"\$h\""
			check "HTTP redirects to HTTPS (308, same path and query)" bash -c "
				h=\$(curl ${R[*]} -o /dev/null -D - 'http://localhost:$HTTP_PORT/requests/1?x=2' | tr -d '\r')
				grep -q '^HTTP/1.1 308' <<<\"\$h\" && grep -qi '^location: https://localhost:$HTTPS_PORT/requests/1?x=2$' <<<\"\$h\""
			check "no HSTS on plain HTTP" bash -c "! curl ${R[*]} -o /dev/null -D - 'http://localhost:$HTTP_PORT/' | grep -qi strict-transport"
			check "TLS 1.3 accepted" curl "${R[@]}" --tlsv1.3 -o /dev/null "$B/api/health"
			check "TLS 1.2 accepted" curl "${R[@]}" --tlsv1.2 --tls-max 1.2 -o /dev/null "$B/api/health"
			check "TLS 1.1 refused" bash -c "! openssl s_client -connect 127.0.0.1:$HTTPS_PORT -tls1_1 </dev/null >/dev/null 2>&1"
			check "hashed /assets/ file: Cache-Control public, max-age=31536000, immutable" \
				bash -c "curl ${R[*]} -o /dev/null -D - '$B/assets/app-0123abcd.js' | grep -qi '^cache-control: public, max-age=31536000, immutable'"
			check "index.html (and SPA routes): Cache-Control no-cache" bash -c "
				curl ${R[*]} -o /dev/null -D - '$B/' | grep -qi '^cache-control: no-cache' &&
				curl ${R[*]} -o /dev/null -D - '$B/requests/new' | grep -qi '^cache-control: no-cache'"
			check "sw.js: Cache-Control no-cache" bash -c "curl ${R[*]} -o /dev/null -D - '$B/sw.js' | grep -qi '^cache-control: no-cache'"
			check "gzip for JavaScript (Content-Encoding: gzip, Vary)" bash -c "
				h=\$(curl ${R[*]} -H 'Accept-Encoding: gzip' -o /dev/null -D - '$B/assets/app-0123abcd.js')
				grep -qi '^content-encoding: gzip' <<<\"\$h\" && grep -qi '^vary: accept-encoding' <<<\"\$h\""
			check "unknown API path: 404 JSON" bash -c "
				[ \"\$(curl ${R[*]} -o '$T/404.json' -w '%{http_code}' '$B/api/no-such-thing')\" = 404 ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))[\"detail\"]' '$T/404.json'"
			check "/api/internal/ is not reachable: 404 JSON" bash -c "[ \"\$(curl ${R[*]} -o /dev/null -w '%{http_code}' '$B/api/internal/ws-auth')\" = 404 ]"
			check "/metrics is not on the public site: 404" bash -c "[ \"\$(curl ${R[*]} -o /dev/null -w '%{http_code}' '$B/metrics')\" = 404 ] && [ \"\$(curl ${R[*]} -o /dev/null -w '%{http_code}' '$B/api/internal/metrics')\" = 404 ]"
			check "the internal metrics listener (METRICS_LISTEN) serves /metrics and stub_status" bash -c "
				curl -fsS --max-time 10 'http://127.0.0.1:$((HTTP_PORT + 65))/metrics' | grep -q '^swmra_build_info{' &&
				curl -fsS --max-time 10 'http://127.0.0.1:$((HTTP_PORT + 65))/stub_status' | grep -q '^Active connections'"
			check "/api/health/ready answers JSON (503 without MongoDB)" bash -c "
				c=\$(curl ${R[*]} -o '$T/ready.json' -w '%{http_code}' '$B/api/health/ready'); { [ \$c = 503 ] || [ \$c = 200 ]; } && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' '$T/ready.json'"
			check "413 as JSON for an oversized body" bash -c "
				head -c 1100000 /dev/zero >'$T/big'; [ \"\$(curl ${R[*]} -o '$T/413.json' -w '%{http_code}' --data-binary @'$T/big' '$B/api/auth/x')\" = 413 ] && grep -q detail '$T/413.json'"
			# /uploads/: a generated name is served as an image with nosniff and CSP
			# default-src 'none'; other names, the worker's temp files, listings and
			# traversal (plain or encoded) are 404 with the same headers (or nginx's 400)
			U=$L/state/uploads/1999/01 UH=0123456789abcdef0123456789abcdef
			mkdir -p "$U" && printf '\x89PNG\r\n\x1a\n' >"$U/$UH.png" && printf '<script>' >"$U/.tmp-$UH" &&
				cp "$U/.tmp-$UH" "$U/$UH.html" && { [ ${#runas[@]} = 0 ] || chown -R nobody "$L/state/uploads"; }
			# a photo link as the API signs it (src/domain/upload_links.c), checked by nginx
			exp=$(($(date +%s) + 600))
			sig=$(printf '%s' "$exp/uploads/1999/01/$UH.png $LINK_SECRET" | openssl md5 -binary | base64 | tr '+/' '-_' | tr -d '=')
			check "/uploads/: a generated name without a valid link is 403 JSON (photos are private)" bash -c "
				for q in '' '?md5=$sig&expires=$((exp + 1))' '?md5=AAAAAAAAAAAAAAAAAAAAAA&expires=$exp'; do
					c=\$(curl ${R[*]} -o '$T/priv.json' -w '%{http_code}' \"$B/uploads/1999/01/$UH.png\$q\")
					[ \"\$c\" = 403 ] && grep -q '\"detail\"' '$T/priv.json' || { echo \"\$q: \$c\"; cat '$T/priv.json'; exit 1; }
				done"
			check "/uploads/: a generated name is image/png with nosniff and CSP default-src 'none'" bash -c "
				h=\$(curl ${R[*]} -o /dev/null -D - '$B/uploads/1999/01/$UH.png?md5=$sig&expires=$exp' | tr -d '\r')
				grep -q '^HTTP/[0-9.]* 200' <<<\"\$h\" && grep -qi '^content-type: image/png\$' <<<\"\$h\" &&
				grep -qi '^x-content-type-options: nosniff\$' <<<\"\$h\" && grep -qi \"^content-security-policy: default-src 'none'\\\$\" <<<\"\$h\" &&
				grep -qi '^strict-transport-security: max-age' <<<\"\$h\""
			check "/uploads/: other names, temp files, listings, traversal are 404 (or 400) with nosniff and CSP" bash -c "
				for u in /uploads/ /uploads/1999/ /uploads/1999/01/ '/uploads/1999/01/.tmp-$UH' '/uploads/1999/01/$UH.html' \
					'/uploads/1999/01/$UH.PNG' '/uploads/1999/01/../01/$UH.png' '/uploads/1999%2f01%2f$UH.png' \
					/uploads/../index.html /uploads/%2e%2e/etc/passwd /uploads/..%2f..%2fetc%2fpasswd /uploads/../../etc/passwd; do
					h=\$(curl ${R[*]} --path-as-is -o '$T/up.out' -D - \"$B\$u\" | tr -d '\r')
					c=\$(sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' <<<\"\$h\")
					if grep -q -e '<script>' -e 'SWMRA' -e 'root:' '$T/up.out'; then echo \"\$u: served a file (\$c)\"; exit 1; fi
					case \$c in
					404) grep -qi '^x-content-type-options: nosniff\$' <<<\"\$h\" && grep -qi \"^content-security-policy: default-src 'none'\\\$\" <<<\"\$h\" || { echo \"\$u: headers\"; echo \"\$h\"; exit 1; } ;;
					400) ;;
					*) echo \"\$u: status \$c\"; exit 1 ;;
					esac
				done"
			check "websocket without a token: 403 JSON with code 4001 (or 404 before the notifications API exists)" bash -c "
				c=\$(curl ${R[*]} -o '$T/ws.json' -w '%{http_code}' -H 'Accept: text/event-stream' '$B/api/ws/notifications')
				if [ \$c = 403 ]; then grep -q '\"code\":4001' '$T/ws.json'; else echo \"status \$c\"; cat '$T/ws.json'; [ \$c = 404 ] || [ \$c = 503 ]; fi"
			check "/api/openapi.json is JSON" bash -c "curl ${R[*]} '$B/api/openapi.json' | python3 -c 'import json,sys; json.load(sys.stdin)[\"openapi\"]'"
			check "entrypoint wrote the cron env file (0640, no secrets for others)" bash -c "
				[ \"\$(stat -c %a '$L/etc/swmra.env')\" = 640 ] && grep -q '^JWT_SECRET=' '$L/etc/swmra.env'"
			kill -TERM "$ENTRY_PID"
			stopped=0
			for _ in $(seq 100); do kill -0 "$ENTRY_PID" 2>/dev/null || { stopped=1; break; }; sleep 0.1; done
			if [ $stopped = 1 ] && ! pgrep -f "$L/bin/swmra-api" >/dev/null && ! pgrep -f "$L/share/docker\|-c $L/etc/nginx/nginx.conf" >/dev/null; then
				ok "SIGTERM stops the entrypoint, swmra-api and nginx"
			else
				bad "SIGTERM stops the entrypoint, swmra-api and nginx"; tail -n 10 "$T/entrypoint.log"
			fi
			[ $stopped = 1 ] && ENTRY_PID=
		fi
	fi
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
