#!/usr/bin/env bash
# tests/multinode/run.sh — two SWMRA app nodes on this machine, sharing one FerretDB and one
# Redis (Debian's redis-server), to prove what docs/SCALING.md claims.
#
#   node A: nginx (prod template, nchan on Redis) https://127.0.0.1:$BASE+443, swmra-api
#   node B: the same on $BASE+444, its own swmra-api, sockets and temp dirs
#   shared: FerretDB (scripts/stack.sh start-mongo) and redis-server, all on 127.0.0.1
#
# Checks:
#  1. nchan 1.3.6 on Redis: a message published through node A's internal publisher reaches
#     a WebSocket and an EventSource subscriber of node B (authorised by node B's API with a
#     token minted by node A: same JWT_SECRET, revocation in MongoDB);
#  2. a notification created through node A's API (a new request -> "submitted") reaches
#     node B's WebSocket and EventSource subscribers live;
#  3. booking race split across both nodes (tests/multinode/race.mjs): MULTINODE_RACE_N [60]
#     residents (registered alternately through A and B), each with one submitted request,
#     fire confirm-slot at once at one slot of capacity MULTINODE_CAPACITY [5] (admin
#     override), half through node A and half through node B, MULTINODE_ROUNDS [2] rounds:
#     exactly CAPACITY succeed, the rest are 409 "Slot is full", the staff calendar through
#     either node shows booked = CAPACITY with exactly the winners' request ids, and the
#     database holds exactly CAPACITY seat claims;
#  4. dispatch once across nodes: email notifications are queued (new requests -> the
#     "submitted" email; plus the race's "submitted"/"scheduled" ones), then
#     cron/swmra-job-dispatch --once runs MULTINODE_DISPATCHERS [3] times on each node's
#     environment at the same moment (same MongoDB, same SMTP sink), MULTINODE_DISPATCH_ROUNDS
#     [3] rounds: every email notification is `sent` and its Message-ID is in the SMTP sink's
#     Maildir exactly once, and the sink holds no other mail;
#  5. photos on one S3 bucket (STORAGE_BACKEND=s3, a SeaweedFS started by scripts/stack.sh,
#     no shared disk): a photo uploaded through node A and attached to a request is shown
#     through node B by the signed link node B's API hands out (nginx B checks it, its API
#     fetches the object); neither node's UPLOAD_DIR holds a file; unsigned it is 403.
#     Without `weed` (scripts/dev install builds it) the nodes use local storage and this
#     check fails as a missing prerequisite.
# On these test nodes the login/register rate limit is raised (AUTH_RATE_LIMIT=1000r/s, burst
# 1000) and password hashing is cheapened (ARGON2_OPSLIMIT=1, ARGON2_MEMLIMIT_KIB=8192) so
# that registering the residents is quick; registrations also use varied 127.x addresses.
# The database checks use tests/multinode/dbfind.c, built here with libmongoc (mongosh is
# not installed).
#
# usage: tests/multinode/run.sh     env: MULTINODE_BASE_PORT [38000]  MULTINODE_S3_PORT [21090]  SWMRA_BUILD_DIR [<repo>]
#   ports used: BASE+17 FerretDB, +25 SMTP sink, +79 Redis, +80/+81 HTTP, +443/+444 HTTPS,
#   SeaweedFS +90..+93 and +10090..+10093
# Needs: cgi-bin/swmra-api, seed/swmra-seed and cron/swmra-job-dispatch built, ferretdb,
# redis-server, python3-aiosmtpd, nginx + libnginx-mod-nchan, node with tests/e2e/node_modules
# (ws, eventsource), cc + libmongoc-dev. Exit 77 (skip) when one is missing.
# Ends with "N passed, N failed". Stops everything it started (by pid) on exit. KEEP=1 keeps
# the temp dir (logs, Maildir).
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${SWMRA_BUILD_DIR:-$REPO}
BASE=${MULTINODE_BASE_PORT:-38000}
MONGO_PORT=$((BASE + 17)) SMTP_PORT=$((BASE + 25)) REDIS_PORT=$((BASE + 79))
T=$(mktemp -d /tmp/swmra-multinode.XXXXXX)
chmod 711 "$T" # the shared store's PostgreSQL runs as its own user (scripts/stack.sh)
PIDS=()

pass=0 fail=0
ok() { pass=$((pass + 1)); printf 'ok   %s\n' "$*"; }
bad() { fail=$((fail + 1)); printf 'FAIL %s\n' "$*"; }
skip() { echo "multinode: skip: $*"; exit 77; }
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	sleep 1
	for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && kill -KILL -- "-$p" 2>/dev/null; done
	STACK_DIR=$T/shared STACK_SERVICES="s3 mongo smtp" MONGO_PORT=$MONGO_PORT SMTP_PORT=$SMTP_PORT \
		"$REPO/scripts/stack.sh" stop >/dev/null 2>&1
	[ -n "${KEEP:-}" ] && { echo "kept $T"; return; }
	rm -rf "$T"
}
trap cleanup EXIT

for b in cgi-bin/swmra-api seed/swmra-seed cron/swmra-job-dispatch; do
	[ -x "$BUILD/$b" ] || skip "$b is not built"
done
command -v redis-server >/dev/null || skip "redis-server missing (apt-get install redis-server)"
command -v nginx >/dev/null && [ -f /usr/lib/nginx/modules/ngx_nchan_module.so ] || skip "nginx + libnginx-mod-nchan missing"
[ -d "$REPO/tests/e2e/node_modules/ws" ] || skip "tests/e2e/node_modules missing (npm ci in tests/e2e)"
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || skip "python3-aiosmtpd missing (the SMTP sink)"
# the database checks' helper (mongosh is not installed)
# shellcheck disable=SC2046
cc -O2 -o "$T/dbfind" "$REPO/tests/multinode/dbfind.c" $(pkg-config --cflags --libs libmongoc-1.0) 2>"$T/dbfind.log" ||
	{ cat "$T/dbfind.log"; skip "could not build tests/multinode/dbfind.c (cc + libmongoc-dev)"; }
for p in $MONGO_PORT $SMTP_PORT $REDIS_PORT $((BASE + 80)) $((BASE + 81)) $((BASE + 443)) $((BASE + 444)); do
	[ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ] || { echo "port $p is in use (MULTINODE_BASE_PORT=...)"; exit 1; }
done

export JWT_SECRET=multinode-test-secret-0123456789abcdef0123456789
export APP_ENV=test MONGO_DB=swmra_multinode
export MONGO_URI="mongodb://127.0.0.1:$MONGO_PORT/?serverSelectionTimeoutMS=2000&connectTimeoutMS=2000"
export SMTP_HOST=127.0.0.1 SMTP_PORT
# test nodes only: quick registrations (docs/SCALING.md §4 is about the real limit)
export AUTH_RATE_LIMIT=1000r/s AUTH_RATE_BURST=1000 ARGON2_OPSLIMIT=1 ARGON2_MEMLIMIT_KIB=8192
unset ENV_FILE SWMRA_ENV_FILE
MAILDIR=$T/shared/mail

# ---- shared FerretDB + SMTP sink (the infra engineer's runner), seeded, and Redis
STACK_DIR=$T/shared STACK_SERVICES="mongo smtp" MONGO_PORT=$MONGO_PORT SMTP_PORT=$SMTP_PORT \
	"$REPO/scripts/stack.sh" start >"$T/stack.log" 2>&1 ||
	{ cat "$T/stack.log"; skip "FerretDB or the SMTP sink did not start (scripts/stack.sh)"; }
(cd "$T" && "$BUILD/seed/swmra-seed" --env-file '') >"$T/seed.log" 2>&1 ||
	{ cat "$T/seed.log"; bad "seed the shared database (swmra-seed)"; echo "$pass passed, $fail failed"; exit 1; }
mkdir -p "$T/redis"
setsid redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
	--dir "$T/redis" --protected-mode yes >"$T/redis/redis.log" 2>&1 </dev/null &
PIDS+=($!)
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

# ---- one S3 bucket for both nodes' photos (SeaweedFS through scripts/stack.sh), one link secret
export UPLOAD_LINK_SECRET=multinode-link-secret-0123456789abcdef0123
# SeaweedFS also listens on S3_PORT+1..+3 and, for gRPC, those +10000: keep all of them
# below Linux's ephemeral range (32768+), where a busy machine's outgoing connections can
# hold the port at the moment SeaweedFS binds it (seen in CI: "bind: address in use")
S3_PORT=${MULTINODE_S3_PORT:-21090} have_s3=0
weed=${WEED:-$(command -v weed 2>/dev/null || echo "$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin/weed")}
if [ -x "$weed" ]; then
	if STACK_DIR=$T/shared STACK_SERVICES="s3" STORAGE_BACKEND=s3 S3_PORT=$S3_PORT WEED=$weed \
		"$REPO/scripts/stack.sh" start >"$T/s3.log" 2>&1; then
		eval "$(STACK_DIR=$T/shared STORAGE_BACKEND=s3 S3_PORT=$S3_PORT "$REPO/scripts/stack.sh" env |
			grep -E '^export (STORAGE_BACKEND|S3_[A-Z_]+)=')"
		have_s3=1
	else
		cat "$T/s3.log"
	fi
fi

"$REPO/scripts/tls-selfsigned.sh" --dir "$T/tls" >/dev/null

start_node() { # name http-port https-port read-cache-node-marks
	local n=$1 D=$T/$1
	mkdir -p "$D/run" "$D/log" "$D/uploads" "$D/cache/nginx" "$D/www"
	printf '<!doctype html><title>node %s</title>\n' "$n" >"$D/www/index.html"
	READ_CACHE_NODE_MARKS=$4 FCGI_SOCKET=$D/run/api.sock NCHAN_PUB_SOCKET=$D/run/pub.sock UPLOAD_DIR=$D/uploads \
		setsid "$BUILD/cgi-bin/swmra-api" --env-file "" --workers 2 --socket "$D/run/api.sock" \
		>"$D/log/api.log" 2>&1 </dev/null &
	PIDS+=($!)
	SWMRA_ENV_FILE= TEMPLATE_DIR=$REPO/nginx LISTEN_ADDR=127.0.0.1 HTTP_PORT=$2 HTTPS_PORT=$3 \
		TLS_CERT=$T/tls/cert.pem TLS_KEY=$T/tls/key.pem LOG_DIR=$D/log SPA_ROOT=$D/www \
		FCGI_SOCKET=$D/run/api.sock NCHAN_PUB_SOCKET=$D/run/pub.sock UPLOAD_DIR=$D/uploads \
		ACME_ROOT=$D/acme NCHAN_REDIS_URL=redis://127.0.0.1:$REDIS_PORT METRICS_LISTEN=127.0.0.1:$(($2 + 65)) \
		bash "$REPO/deploy/swmra-render-nginx.in" --out "$D/nginx" >/dev/null || return 1
	sed -e "s|@RUN_DIR@|$D/run|g" -e "s|@CACHE_DIR@|$D/cache|g" -e "s|@NGINX_DIR@|$D/nginx|g" \
		-e "s|worker_processes auto;|worker_processes 2;|" \
		"$REPO/docker/nginx.conf" >"$D/nginx/nginx.conf"
	[ "$(id -u)" = 0 ] && sed -i "1i user $(id -un);" "$D/nginx/nginx.conf" # workers reach 0660 sockets
	setsid nginx -c "$D/nginx/nginx.conf" -g 'daemon off;' >"$D/log/nginx.log" 2>&1 </dev/null &
	PIDS+=($!)
}
# node A checks each cached read's mark in the store, node B on its own table (both modes of
# READ_CACHE_NODE_MARKS; the cached-list checks below)
start_node a $((BASE + 80)) $((BASE + 443)) false || { bad "node a renders"; exit 1; }
start_node b $((BASE + 81)) $((BASE + 444)) true || { bad "node b renders"; exit 1; }
A=https://127.0.0.1:$((BASE + 443)) B=https://127.0.0.1:$((BASE + 444))
C=(-sk --max-time 10)
for url in "$A" "$B"; do
	up=0
	for _ in $(seq 100); do
		[ "$(curl "${C[@]}" -o /dev/null -w '%{http_code}' "$url/api/health/ready")" = 200 ] && { up=1; break; }
		sleep 0.2
	done
	[ $up = 1 ] && ok "node $url is ready (its own nginx + swmra-api, shared FerretDB)" ||
		{ bad "node $url is ready"; tail -n 20 "$T"/*/log/*.log; exit 1; }
done
nconn=$(redis-cli -p "$REDIS_PORT" client list | grep -vc 'cmd=client')
[ "$nconn" -ge 4 ] && ok "both nginx (2 workers each) are connected to Redis ($nconn connections)" ||
	bad "both nginx connected to Redis ($nconn connections)"

# ---- a user registered through node A; its token used on node B
email="mn$$-$RANDOM@example.test"
reg=$(curl "${C[@]}" -H 'Content-Type: application/json' \
	-d "{\"name\":\"Multi Node\",\"email\":\"$email\",\"phone\":\"+91 98765 43210\",\"password\":\"multinode-pass-1\"}" "$A/api/auth/register")
token=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["access_token"])' "$reg" 2>/dev/null)
uid=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["user"]["id"])' "$reg" 2>/dev/null)
if [ -z "$token" ] || [ -z "$uid" ]; then
	bad "register through node A"; echo "$reg"
else
	ok "register through node A (user $uid)"
	[ "$(curl "${C[@]}" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$B/api/auth/me")" = 200 ] &&
		ok "node A's token is accepted by node B (/api/auth/me)" || bad "node A's token is accepted by node B"

	# every one of 8 reads (4 at once, twice: every worker) of url's answer contains text
	all_show() { # url text
		for _ in 1 2; do
			pids=()
			for n in $(seq 1 4); do
				curl "${C[@]}" -H "Authorization: Bearer $token" "$1" >"$T/read.$n" &
				pids+=($!)
			done
			wait "${pids[@]}" # only these: the script has other children running
			for n in $(seq 1 4); do grep -q "$2" "$T/read.$n" || return 1; done
		done
	}
	within_3s() { # url text
		for _ in $(seq 1 30); do
			all_show "$1" "$2" && return 0
			sleep 0.1
		done
		return 1
	}

	# ---- a profile edit through node A reaches node B's /api/auth/me (answered from each
	# worker's session cache) within the cache's poll interval (1 s): allow 3 s
	curl "${C[@]}" -o /dev/null -X PATCH -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
		-d '{"name":"Multi Node Edited"}' "$A/api/auth/me"
	seen=0
	within_3s "$B/api/auth/me" '"Multi Node Edited"' && seen=1
	[ $seen = 1 ] && ok "a profile edit through node A shows in node B's /api/auth/me within 3 s" ||
		bad "a profile edit through node A shows in node B's /api/auth/me within 3 s"

	# ---- the resident's cached request list on both nodes (domain/read_marks.h): node B
	# checks each hit on its node table (no store command; another node's write shows after
	# B's next poll of the marks, once a second), node A asks the store for the mark (one
	# command; another node's write shows on the very next read)
	list_hits() { # node-url own-commands: hits among 12 reads (4 at once) costing that many
		local hits=0
		for _ in 1 2 3; do
			pids=()
			for n in $(seq 1 4); do
				curl "${C[@]}" -D "$T/lh.$n" -o /dev/null -H "Authorization: Bearer $token" "$1/api/requests?limit=5" &
				pids+=($!)
			done
			wait "${pids[@]}" # only these: the script has other children running
			for n in $(seq 1 4); do
				tr -d '\r' <"$T/lh.$n" | awk -F': ' -v want="$2" 'tolower($1) == "x-read-cache" { h = ($2 == "hit") }
					tolower($1) == "x-store-commands" { c = $2 } tolower($1) == "x-store-commands-upkeep" { u = $2 }
					END { exit !(h && c != "" && c - u == want) }' && hits=$((hits + 1))
			done
		done
		echo $hits
	}
	create_via() { # node-url description
		curl "${C[@]}" -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
			-d "{\"category\":\"recyclable\",\"description\":\"$2\",\"quantity\":1,\"address\":{\"line1\":\"2 Cache Road\",\"city\":\"Pune\",\"pincode\":\"411001\"}}" \
			"$1/api/requests"
	}
	hits=$(list_hits "$B" 0)
	[ "$hits" -gt 0 ] && ok "node B answers the resident's list from its read cache with no store command ($hits of 12 reads)" ||
		bad "node B answers the resident's list from its read cache with no store command (none of 12 reads)"
	create_via "$A" "made through node A"
	within_3s "$B/api/requests?limit=5" '"made through node A"' && ok "a request made through node A shows in node B's cached list within 3 s" ||
		bad "a request made through node A shows in node B's cached list within 3 s"
	hits=$(list_hits "$A" 1)
	[ "$hits" -gt 0 ] && ok "node A (READ_CACHE_NODE_MARKS=false) answers the list from its read cache with one store command, the mark ($hits of 12 reads)" ||
		bad "node A (READ_CACHE_NODE_MARKS=false) answers the list from its read cache with one store command (none of 12 reads)"
	create_via "$B" "made through node B"
	all_show "$A/api/requests?limit=5" '"made through node B"' &&
		ok "a request made through node B shows on node A's very next reads (every worker)" ||
		bad "a request made through node B shows on node A's very next reads (every worker)"

	# ---- 1. publish on A -> WebSocket + EventSource subscribers on B
	cat >"$T/sub.mjs" <<'JS'
import { createRequire } from 'node:module';
const require = createRequire(process.env.E2E_DIR + '/package.json'); // ws, eventsource of tests/e2e
const WebSocket = require('ws');
const { EventSource } = require('eventsource');
const [base, token, n] = [process.argv[2], process.argv[3], 2];
const got = {};
const done = () => { if (Object.keys(got).length === n) { console.log(JSON.stringify(got)); process.exit(0); } };
const ws = new WebSocket(`${base.replace('https', 'wss')}/api/ws/notifications?token=${token}`, { rejectUnauthorized: false });
ws.on('open', () => console.error('ws open'));
ws.on('message', (m) => { got.ws = JSON.parse(m.toString()); done(); });
ws.on('unexpected-response', (req, res) => { console.error('ws refused', res.statusCode); process.exit(2); });
const es = new EventSource(`${base}/api/ws/notifications?token=${token}`);
es.onopen = () => console.error('es open');
es.onmessage = (e) => { got.es = JSON.parse(e.data); done(); };
es.onerror = (e) => console.error('es error', e?.message || '');
setTimeout(() => { console.log(JSON.stringify(got)); process.exit(1); }, 8000);
JS
	E2E_DIR=$REPO/tests/e2e NODE_TLS_REJECT_UNAUTHORIZED=0 node "$T/sub.mjs" "$B" "$token" >"$T/sub.out" 2>"$T/sub.err" &
	subpid=$!
	for _ in $(seq 50); do [ "$(grep -c open "$T/sub.err")" -ge 2 ] && break; sleep 0.1; done
	sleep 0.3
	pub=$(curl -s -w ' HTTP %{http_code}' --unix-socket "$T/a/run/pub.sock" -H 'Content-Type: application/json' \
		-d "{\"type\":\"notification\",\"title\":\"cross-node $$\"}" "http://localhost/pub/user.$uid")
	wait $subpid; rc=$?
	echo "# publish on node A: $(tr '\n' ' ' <<<"$pub")"
	if [ $rc = 0 ] && grep -q "cross-node $$" "$T/sub.out" && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if "ws" in d and "es" in d else 1)' "$T/sub.out"; then
		ok "a message published through node A reaches a WebSocket AND an EventSource subscriber on node B"
	else
		bad "a message published through node A reaches WebSocket + EventSource subscribers on node B (rc $rc)"
		cat "$T/sub.out" "$T/sub.err" | sed 's/^/     | /'
	fi
	[ -n "$(redis-cli -p "$REDIS_PORT" --scan --pattern "{channel:swmra/user.$uid}*" | head -n 1)" ] &&
		ok "the channel lives in Redis ({channel:swmra/user.$uid})" || bad "the channel lives in Redis"

	# ---- a notification created through node A's API (a new request) reaches node B live
	E2E_DIR=$REPO/tests/e2e NODE_TLS_REJECT_UNAUTHORIZED=0 node "$T/sub.mjs" "$B" "$token" >"$T/sub2.out" 2>"$T/sub2.err" &
	subpid=$!
	for _ in $(seq 50); do [ "$(grep -c open "$T/sub2.err")" -ge 2 ] && break; sleep 0.1; done
	sleep 0.3
	created=$(curl "${C[@]}" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
		-d '{"category":"recyclable","description":"cross-node live event","quantity":1,"address":{"line1":"3 Node Lane","city":"Pune","pincode":"411001"}}' \
		"$A/api/requests")
	rid=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$created" 2>/dev/null)
	wait $subpid; rc=$?
	if [ $rc = 0 ] && [ -n "$rid" ] && python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if all(d[k].get("event") == "submitted" and d[k].get("meta", {}).get("request_id") == sys.argv[2] for k in ("ws", "es")) else 1)' "$T/sub2.out" "$rid"; then
		ok "a notification created through node A's API (new request) reaches node B's WebSocket and EventSource subscribers"
	else
		bad "a notification created through node A's API reaches node B's subscribers (rc $rc, request ${rid:-not created})"
		cat "$T/sub2.out" "$T/sub2.err" | sed 's/^/     | /'
	fi
fi

# ---- 5. a photo through node A, shown through node B: one bucket, no shared disk
if [ $have_s3 = 0 ]; then
	bad "MISSING PREREQUISITE: SeaweedFS ($weed; scripts/dev install builds it, log $T/s3.log): photos across nodes not checked"
elif [ -n "${token:-}" ]; then
	python3 - "$T/photo.png" <<'PY'
import struct, sys, zlib
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
raw = b"".join(b"\0" + bytes([x * 20 % 256, 90, 200 - x * 10]) * 8 for x in range(8))
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
    + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
	up=$(curl "${C[@]}" -H "Authorization: Bearer $token" -F "file=@$T/photo.png;type=image/png" "$A/api/files/upload")
	ppath=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["path"])' "$up" 2>/dev/null)
	created=$(curl "${C[@]}" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
		-d "{\"category\":\"recyclable\",\"description\":\"photo across nodes\",\"quantity\":1,\"address\":{\"line1\":\"5 Bucket Road\",\"city\":\"Pune\",\"pincode\":\"411001\"},\"photos\":[\"$ppath\"]}" \
		"$A/api/requests")
	prid=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$created" 2>/dev/null)
	seen=$(curl "${C[@]}" -H "Authorization: Bearer $token" "$B/api/requests/$prid")
	plink=$(python3 -c 'import json,sys,urllib.parse as u; p=u.urlsplit(json.loads(sys.argv[1])["photos"][0]); print(p.path + "?" + p.query)' "$seen" 2>/dev/null)
	code=$(curl "${C[@]}" -o "$T/photo.got" -w '%{http_code}' "$B$plink")
	nfiles=$(find "$T/a/uploads" "$T/b/uploads" -type f | wc -l)
	if [ -n "$ppath" ] && [ -n "$prid" ] && [ "$code" = 200 ] && cmp -s "$T/photo.png" "$T/photo.got" && [ "$nfiles" = 0 ]; then
		ok "a photo uploaded through node A is shown through node B by node B's signed link (one bucket, no file on either node's disk)"
	else
		bad "a photo uploaded through node A is shown through node B (path ${ppath:-none}, request ${prid:-none}, HTTP $code, files on disk $nfiles)"
		echo "$up" "$seen" | sed 's/^/     | /'
	fi
	code=$(curl "${C[@]}" -o /dev/null -w '%{http_code}' "$B/uploads/$ppath")
	[ "$code" = 403 ] && ok "the same photo without a signed link is 403 on node B" || bad "the photo without a link on node B: HTTP $code (want 403)"
fi

for n in a b; do
	if grep -E 'signal (6|11)|worker process .* exited on signal|Assertion' "$T/$n/log/nginx.log" "$T/$n/log/"swmra-error.log 2>/dev/null | head -n 3 | grep -q .; then
		bad "node $n: no nginx worker crashed"
	else ok "node $n: no nginx worker crashed"; fi
done

# ---- 3. booking race split across both nodes (tests/multinode/race.mjs)
echo "# booking race: ${MULTINODE_RACE_N:-60} residents, capacity ${MULTINODE_CAPACITY:-5}, ${MULTINODE_ROUNDS:-2} round(s), half through A, half through B"
BASE_A=$A BASE_B=$B N=${MULTINODE_RACE_N:-60} CAPACITY=${MULTINODE_CAPACITY:-5} ROUNDS=${MULTINODE_ROUNDS:-2} \
	DBFIND=$T/dbfind TAG="$$-$RANDOM" timeout 300 node "$REPO/tests/multinode/race.mjs" >"$T/race.out" 2>&1
race_rc=$?
cat "$T/race.out"
rp=$(grep -c '^ok   ' "$T/race.out") rf=$(grep -c '^FAIL ' "$T/race.out")
pass=$((pass + rp)) fail=$((fail + rf))
[ "$race_rc" = 0 ] || [ "$rf" != 0 ] || bad "booking race script exited $race_rc without a failed check"

# ---- 4. dispatchers on both nodes, started together, send each mail once
dispatch_on() { # node log-tag: swmra-job-dispatch --once with the environment cron gives it on that node
	local D=$T/$1
	FCGI_SOCKET=$D/run/api.sock NCHAN_PUB_SOCKET=$D/run/pub.sock UPLOAD_DIR=$D/uploads \
		"$BUILD/cron/swmra-job-dispatch" --once --env-file '' >"$D/log/dispatch-$2.out" 2>"$D/log/dispatch-$2.log"
}
json_field() { python3 -c 'import json,sys; d=json.loads(sys.argv[1])
for k in sys.argv[2].split("."): d=d[k]
print(d)' "$1" "$2" 2>/dev/null; }
DUSERS=()
for i in 0 1 2 3 4 5 6 7; do # 8 residents, registered alternately through A and B
	url=$A; [ $((i % 2)) = 1 ] && url=$B
	r=$(curl "${C[@]}" -H 'Content-Type: application/json' --interface "127.0.$((i + 30)).$(($$ % 200 + 2))" \
		-d "{\"name\":\"Dispatch $i\",\"email\":\"mndisp-$$-$i@example.test\",\"phone\":\"+91 98765 43210\",\"password\":\"multinode-pass-1\"}" \
		"$url/api/auth/register")
	tok=$(json_field "$r" access_token)
	[ -n "$tok" ] && DUSERS+=("$tok") || echo "# register dispatch user $i: $r"
done
[ ${#DUSERS[@]} = 8 ] && ok "8 residents for the dispatch test registered (through A and B)" || bad "register 8 residents for the dispatch test (${#DUSERS[@]})"
DROUNDS=${MULTINODE_DISPATCH_ROUNDS:-3} DPER=${MULTINODE_DISPATCHERS:-3}
total_runs=0 bad_runs=0
declare -A node_actions=([a]=0 [b]=0)
for round in $(seq "$DROUNDS"); do
	made=0
	for i in "${!DUSERS[@]}"; do # two new requests per resident, one through each node: a "submitted" email each
		for url in "$A" "$B"; do
			code=$(curl "${C[@]}" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${DUSERS[$i]}" -H 'Content-Type: application/json' \
				-d "{\"category\":\"recyclable\",\"description\":\"dispatch round $round resident $i\",\"quantity\":1,\"address\":{\"line1\":\"2 Mail Road\",\"city\":\"Pune\",\"pincode\":\"411001\"}}" \
				"$url/api/requests")
			[ "$code" = 201 ] && made=$((made + 1))
		done
	done
	queued=$("$T/dbfind" "$MONGO_URI" "$MONGO_DB" notifications '{"channel":"email","status":"queued"}' '{"_id":1}' | wc -l)
	echo "# dispatch round $round: $made new requests; $queued email notifications queued; starting $DPER dispatchers on each node at once"
	dpids=()
	for k in $(seq "$DPER"); do
		for n in a b; do
			dispatch_on $n "$round-$k" &
			dpids+=("$!:$n:$round-$k")
		done
	done
	for entry in "${dpids[@]}"; do
		IFS=: read -r dp n tag <<<"$entry"
		wait "$dp"; drc=$?
		total_runs=$((total_runs + 1))
		sum=$(grep '"msg":"summary"' "$T/$n/log/dispatch-$tag.log" | tail -n 1)
		acts=$(sed -n 's/.*"actions":\([0-9]*\).*/\1/p' <<<"$sum")
		if [ "$drc" != 0 ] || [ -z "$acts" ]; then
			bad_runs=$((bad_runs + 1))
			echo "# dispatcher $n/$tag exited $drc:"; tail -n 5 "$T/$n/log/dispatch-$tag.log" | sed 's/^/     | /'
		else
			node_actions[$n]=$((node_actions[$n] + acts))
		fi
	done
done
[ "$bad_runs" = 0 ] && ok "all $total_runs dispatcher runs (--once, $DPER per node at a time, $DROUNDS rounds) exited 0 with a summary" ||
	bad "dispatcher runs: $bad_runs of $total_runs failed or printed no summary"
echo "# emails sent by node A's dispatchers: ${node_actions[a]}, by node B's: ${node_actions[b]}"

"$T/dbfind" "$MONGO_URI" "$MONGO_DB" notifications '{"channel":"email"}' '{"_id":1,"status":1,"to":1,"attempts":1}' >"$T/emails.jsonl"
"$T/dbfind" "$MONGO_URI" "$MONGO_DB" send_attempts '{}' '{"_id":1,"host":1,"pid":1,"result":1}' >"$T/attempts.jsonl"
python3 - "$T/emails.jsonl" "$T/attempts.jsonl" "$MAILDIR" "${node_actions[a]}" "${node_actions[b]}" "$$" >"$T/dispatch-check.out" <<'PY'
import collections, email, json, os, re, sys
emails = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
attempts = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
maildir, acts_a, acts_b, pid = sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
ids = {e["_id"]["$oid"] for e in emails}
def ok(cond, msg, detail=""):
    print(("ok   " if cond else "FAIL ") + msg + ("" if cond or not detail else ": " + detail))
mine = [e for e in emails if e.get("to", "").startswith(f"mndisp-{pid}-")]
ok(len(mine) > 0,
   f"email notifications were queued ({len(emails)} in all, {len(mine)} for the dispatch residents)")
unsent = [e for e in emails if e.get("status") != "sent"]
ok(not unsent, f"every email notification is sent ({len(emails) - len(unsent)}/{len(emails)})",
   "; ".join(f'{e["_id"]["$oid"]} {e.get("status")} attempts {e.get("attempts")}' for e in unsent[:5]))
# the SMTP sink's Maildir, by Message-ID (<notification id>@host)
mids = collections.Counter()
nfiles = 0
for sub in ("new", "cur"):
    d = os.path.join(maildir, sub)
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        if name.startswith("."):
            continue
        nfiles += 1
        with open(os.path.join(d, name), "rb") as f:
            msg = email.message_from_binary_file(f)
        m = re.match(r"<([0-9a-f]{24})@", msg.get("Message-ID", "") or "")
        mids[m.group(1) if m else "(no Message-ID)"] += 1
dups = {k: v for k, v in mids.items() if v > 1}
missing = ids - set(mids)
extra = set(mids) - ids
ok(not dups, f"no Message-ID arrives twice in the SMTP sink ({nfiles} mails)",
   ", ".join(f"{k} x{v}" for k, v in list(dups.items())[:5]))
ok(not missing and not extra and nfiles == len(ids),
   f"every email notification arrives exactly once, and nothing else ({len(ids)} notifications, {nfiles} mails)",
   f"missing {len(missing)}, unknown {len(extra)} ({', '.join(list(extra)[:3])})")
ok(acts_a + acts_b == len(ids), f"the dispatchers reported {acts_a} + {acts_b} sends = {len(ids)} notifications",
   f"{acts_a + acts_b} reported")
per = collections.Counter(a["_id"].split(":")[0] for a in attempts)
ok(all(per[i] == 1 for i in ids) and all(a.get("result") == "sent" for a in attempts if a["_id"].split(":")[0] in ids),
   "each notification has exactly one send attempt claim (send_attempts), recorded as sent",
   f"{sum(1 for i in ids if per[i] != 1)} notifications without exactly one claim")
procs = collections.Counter(a.get("pid") for a in attempts if a["_id"].split(":")[0] in ids)
print(f"# sends per dispatcher process (pid: mails): {dict(sorted(procs.items()))}")
PY
cat "$T/dispatch-check.out"
pass=$((pass + $(grep -c '^ok   ' "$T/dispatch-check.out"))) fail=$((fail + $(grep -c '^FAIL ' "$T/dispatch-check.out")))
grep -q '^\(ok   \|FAIL \)' "$T/dispatch-check.out" || bad "dispatch check produced no result"
[ "${node_actions[a]}" -gt 0 ] && [ "${node_actions[b]}" -gt 0 ] &&
	ok "both nodes' dispatchers took part (A ${node_actions[a]}, B ${node_actions[b]} mails)" ||
	bad "both nodes' dispatchers took part (A ${node_actions[a]}, B ${node_actions[b]} mails)"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
