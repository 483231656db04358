#!/bin/sh
# Builds the libFuzzer target for the multipart parser and image sanitizer with
# AddressSanitizer and UndefinedBehaviorSanitizer and runs it for a bounded time.
# Exits non-zero when the fuzzer finds a crash, leak or sanitizer error.
#   tests/fuzz/run.sh [seconds]   (default 60; FUZZ_SECONDS also works)
# Needs clang with libFuzzer (Debian: clang). Artifacts (crash-*) go to $FUZZ_OUT.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${1:-${FUZZ_SECONDS:-60}}
out=${FUZZ_OUT:-${TMPDIR:-/tmp}/swmra-fuzz-multipart}
CC=${FUZZ_CC:-clang}
mkdir -p "$out/corpus"
"$CC" -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$top/src" -o "$out/fuzz_multipart" \
	"$here/fuzz_multipart.c" "$top/src/domain/multipart.c" "$top/src/domain/image_sanitize.c"
# Seeds: the checked-in corpus, written into the working corpus each run.
cp "$here"/corpus/* "$out/corpus/" 2>/dev/null || true
cd "$out"
"$out/fuzz_multipart" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=1024 \
	-print_final_stats=1 -artifact_prefix="$out/" "$out/corpus"
