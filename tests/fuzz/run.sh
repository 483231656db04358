#!/bin/sh
# Builds every libFuzzer target of tests/fuzz (fuzz_<name>.c) against the library sources
# compiled with AddressSanitizer + UndefinedBehaviorSanitizer, and runs each for a bounded
# time. Exits non-zero when any target finds a crash, leak, timeout or sanitizer error
# (the others still run).
#   tests/fuzz/run.sh [seconds-per-target] [target...]
#     seconds: default 30 (FUZZ_SECONDS also works); targets: default all, e.g.
#     "jsonx router" (the name without fuzz_ and .c)
#   FUZZ_CC (clang), FUZZ_JOBS (parallel compiles, 2), FUZZ_OUT (artifacts and working
#   corpora, default tests/fuzz/.build/out), FUZZ_MERGE=1 (minimise the new coverage
#   back into tests/fuzz/corpus/<target>/).
# Needs clang with libFuzzer (Debian: clang, libclang-rt-dev). The objects go to
# tests/fuzz/.build (ignored by git); configure/make are not involved.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${1:-${FUZZ_SECONDS:-30}}
[ $# -gt 0 ] && shift
targets=$*
if [ -z "$targets" ]; then
	for f in "$here"/fuzz_*.c; do
		t=${f##*/fuzz_}
		targets="$targets ${t%.c}"
	done
fi
CC=${FUZZ_CC:-clang}
jobs=${FUZZ_JOBS:-2}
build=$here/.build
out=${FUZZ_OUT:-$build/out}
mkdir -p "$build/obj" "$out"

# The libraries configure requires (its SWMRA_REQUIRE lines), so new ones are picked up.
pkgs=$(sed -n 's/^SWMRA_REQUIRE(\[[A-Z0-9_]*\], *\[\([A-Za-z0-9._+-]*\).*/\1/p' \
	"$top/configure.ac" | tr '\n' ' ')
[ -n "$pkgs" ] || pkgs="json-c libmongoc-1.0 libjwt libcurl libsodium uuid"
# shellcheck disable=SC2086
PKG_CFLAGS=$(pkg-config --cflags $pkgs)
# shellcheck disable=SC2086
PKG_LIBS="$(pkg-config --libs $pkgs) -lfcgi -lm"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
# What configure's DEFS would define (src/infra/metrics.c reports PACKAGE_VERSION).
printf '#define PACKAGE_VERSION "fuzz"\n' >"$build/fuzz-defs.h"
CFLAGS="-g -O1 -std=gnu11 -fno-omit-frame-pointer $SAN -I$top/src $PKG_CFLAGS -include $build/fuzz-defs.h"

# The library: every .c the automake fragments put into libswmra.a, rebuilt when any
# source or header under src/ (or this script) is newer than the archive.
srcs=$(cd "$top" && cat src/*/*.am | awk '
	/^src_libswmra_a_SOURCES[ \t]*\+?=/ { on = 1; sub(/^[^=]*=/, "") }
	on { line = $0; cont = sub(/\\[ \t]*$/, "", line); n = split(line, w, /[ \t]+/)
	     for (i = 1; i <= n; i++) if (w[i] ~ /\.c$/) print w[i]
	     if (!cont) on = 0 }')
lib=$build/libswmra-fuzz.a
# One build at a time when several runs share tests/fuzz/.build.
exec 9>"$build/.lock"
command -v flock >/dev/null && flock 9
stale=$(find "$top/src" "$here/run.sh" -newer "$lib" \( -name '*.[ch]' -o -name run.sh \) \
	2>/dev/null | head -1 || true)
if [ ! -f "$lib" ] || [ -n "$stale" ]; then
	echo "fuzz: compiling $(echo "$srcs" | wc -w) library sources with sanitizers" >&2
	rm -f "$lib"
	# shellcheck disable=SC2086
	echo $srcs | tr ' ' '\n' | (cd "$top" && xargs -P "$jobs" -I{} sh -c '
		o="$0/obj/$(echo "{}" | tr / _ | sed "s/\.c$/.o/")"
		'"$CC"' '"$CFLAGS"' -fsanitize=fuzzer-no-link -c "{}" -o "$o"' "$build")
	objs=""
	for s in $srcs; do objs="$objs $build/obj/$(echo "$s" | tr / _ | sed 's/\.c$/.o/')"; done
	# shellcheck disable=SC2086
	ar rcs "$lib" $objs
fi
command -v flock >/dev/null && flock -u 9

fail=""
for t in $targets; do
	src=$here/fuzz_$t.c
	[ -f "$src" ] || { echo "fuzz: no target $t ($src)" >&2; exit 2; }
	bin=$build/fuzz_$t
	# shellcheck disable=SC2086
	"$CC" $CFLAGS -fsanitize=fuzzer -o "$bin" "$src" "$lib" $PKG_LIBS
	corpus=$out/corpus/$t
	mkdir -p "$corpus" "$out/artifacts/$t"
	# Seeds: the checked-in corpus, copied into the working corpus each run.
	cp "$here/corpus/$t"/* "$corpus/" 2>/dev/null || true
	dict=""
	[ -f "$here/$t.dict" ] && dict="-dict=$here/$t.dict"
	echo "fuzz: $t for ${secs}s" >&2
	# shellcheck disable=SC2086
	if ! (cd "$out" && "$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 $dict \
		-artifact_prefix="$out/artifacts/$t/" "$corpus" 2>"$out/$t.log"); then
		fail="$fail $t"
		tail -n 60 "$out/$t.log" >&2
		echo "fuzz: $t FAILED; artifacts in $out/artifacts/$t/, log $out/$t.log" >&2
	else
		grep -E '^(stat::number_of_executed_units|stat::new_units_added|Done )' \
			"$out/$t.log" | sed "s/^/fuzz: $t: /" >&2 || true
	fi
	if [ "${FUZZ_MERGE:-0}" = 1 ]; then
		mkdir -p "$here/corpus/$t"
		"$bin" -merge=1 $dict "$here/corpus/$t" "$corpus" >/dev/null 2>&1 || true
	fi
done
if [ -n "$fail" ]; then
	echo "fuzz: failures:$fail" >&2
	exit 1
fi
echo "fuzz: all targets clean:$targets" >&2
