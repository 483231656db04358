#!/usr/bin/env bash
# Creates tests/e2e/georeport/.venv with the GeoReport client of requirements.txt (Python's
# venv + pip, from the package index pip is configured for). Idempotent: does nothing when
# the venv already holds the pinned version. Called by scripts/dev install and by the e2e
# layer of tests/run-check.sh.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
venv=$here/.venv
want=$(sed -n 's/^georeport==//p' "$here/requirements.txt")
if [ -x "$venv/bin/python" ] &&
	[ "$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("georeport"))' 2>/dev/null)" = "$want" ]; then
	echo "GeoReport client $want: up to date ($venv)"
	exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
echo "GeoReport client $want: installed ($venv)"
