#!/usr/bin/env bash
# scripts/tls-selfsigned.sh — make a self-signed TLS certificate for development
# (https://localhost:8443) or a container's first start. Never for production: use a
# CA-issued certificate there (docs/RUNBOOK.md, "TLS certificates").
#
# usage: scripts/tls-selfsigned.sh [--dir DIR] [--name HOST] [--days N] [--force]
#   --dir   where cert.pem and key.pem go      [<repo>/var/tls, or $TLS_DIR]
#   --name  the server name (CN and first SAN) [localhost, or $SERVER_NAME]
#   --days  validity                           [825]
#   --force make a new pair even if a valid one exists
# The SANs always include localhost, 127.0.0.1 and ::1. Idempotent: an existing pair for
# the same name, valid for at least 30 more days, is kept. Prints the two paths.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${TLS_DIR:-$REPO/var/tls}
name=${SERVER_NAME:-localhost}
days=825
force=0
while [ $# -gt 0 ]; do
	case $1 in
	--dir) dir=$2; shift 2 ;;
	--name) name=$2; shift 2 ;;
	--days) days=$2; shift 2 ;;
	--force) force=1; shift ;;
	-h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "tls-selfsigned: unknown argument: $1" >&2; exit 2 ;;
	esac
done
[[ $name =~ ^[A-Za-z0-9.-]+$ ]] || { echo "tls-selfsigned: bad --name '$name'" >&2; exit 2; }
[[ $days =~ ^[0-9]+$ ]] || { echo "tls-selfsigned: bad --days '$days'" >&2; exit 2; }
command -v openssl >/dev/null || { echo "tls-selfsigned: openssl is missing (apt-get install openssl)" >&2; exit 1; }

cert=$dir/cert.pem key=$dir/key.pem
mkdir -p "$dir"
chmod 755 "$dir"

if [ "$force" = 0 ] && [ -s "$cert" ] && [ -s "$key" ] &&
	openssl x509 -in "$cert" -noout -checkend $((30 * 86400)) >/dev/null 2>&1 &&
	openssl x509 -in "$cert" -noout -ext subjectAltName 2>/dev/null | grep -q "DNS:$name\b"; then
	printf '%s\n%s\n' "$cert" "$key"
	exit 0
fi

san="DNS:$name,DNS:localhost,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1"
[ "$name" = localhost ] && san="DNS:localhost,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1"
tmp=$(mktemp -d "$dir/.new.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
(
	umask 077
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 \
		-days "$days" -subj "/CN=$name/O=SWMRA development" \
		-addext "subjectAltName=$san" \
		-addext "basicConstraints=critical,CA:FALSE" \
		-addext "keyUsage=critical,digitalSignature" \
		-addext "extendedKeyUsage=serverAuth" \
		-keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1
)
chmod 644 "$tmp/cert.pem"
chmod 600 "$tmp/key.pem"
mv -f "$tmp/key.pem" "$key"
mv -f "$tmp/cert.pem" "$cert"
printf '%s\n%s\n' "$cert" "$key"
