#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) in build-fuzz and runs
# each for $FUZZ_SECONDS (default 20) from the seed corpus in
# tests/fuzz/corpus/<target>/. New inputs go to build-fuzz/corpus/<target>/
# (the committed seeds stay as they are); a crash leaves its input in
# build-fuzz/artifacts/<target>/ and makes this script exit non-zero.
#
#   FUZZ_SECONDS=300 scripts/fuzz.sh              # all targets
#   scripts/fuzz.sh fuzz_frame                    # one target
#   build-fuzz/tests/fuzz/fuzz_frame CRASHFILE    # replay a crash
set -uo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS=${FUZZ_SECONDS:-20}
BUILD=${BUILD_FUZZ:-build-fuzz}

if ! command -v clang >/dev/null; then
	echo "fuzz.sh: clang not found (apt-get install clang)" >&2
	exit 1
fi
if [ ! -f "$BUILD/build.ninja" ]; then
	CC=clang meson setup "$BUILD" -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dtests=false >/dev/null || exit 1
fi
ninja -C "$BUILD" >/dev/null || { ninja -C "$BUILD"; exit 1; }

if [ $# -gt 0 ]; then
	targets=("$@")
else
	targets=()
	for src in tests/fuzz/fuzz_*.c; do targets+=("$(basename "$src" .c)"); done
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

status=0
for t in "${targets[@]}"; do
	bin="$BUILD/tests/fuzz/$t"
	seeds="tests/fuzz/corpus/$t"
	work="$BUILD/corpus/$t"
	art="$BUILD/artifacts/$t"
	mkdir -p "$work" "$art" "$seeds"
	log="$BUILD/$t.log"
	echo "== $t: ${FUZZ_SECONDS}s"
	"$bin" -max_total_time="$FUZZ_SECONDS" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$art/" "$work" "$seeds" >"$log" 2>&1
	rc=$?
	grep -E '^#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb' "$log" | sed 's/^/   /'
	if [ $rc -ne 0 ]; then
		status=1
		echo "   FAILED (exit $rc): see $log"
		grep -E 'ERROR: |SUMMARY: |runtime error' "$log" | head -5 | sed 's/^/   /'
		ls -t "$art" 2>/dev/null | head -3 | sed "s|^|   crash input: $art/|"
	fi
done
exit $status
