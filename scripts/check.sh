#!/usr/bin/env bash
# Runs every test layer and prints one closing line over all of them:
#   N passed, N failed
# Exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
summary=()
# Logs of this run (several checkouts may run make check at once).
logs=$(mktemp -d /tmp/hokuto-check.XXXXXX)
trap 'rm -rf "$logs"' EXIT

# meson test prints "Ok: N" / "Fail: N" / "Timeout: N" / "Unexpected Pass: N"
# lines; a run that failed without them (it crashed, or found no tests) counts
# as one failure.
count_meson() {
	local log=$1 name=$2 rc=$3 ok fail to up
	ok=$(awk '/^Ok:/ {print $2}' "$log" | tail -1)
	fail=$(awk '/^Fail:/ {print $2}' "$log" | tail -1)
	to=$(awk '/^Timeout:/ {print $2}' "$log" | tail -1)
	up=$(awk '/^Unexpected Pass:/ {print $3}' "$log" | tail -1)
	ok=${ok:-0}; fail=$(( ${fail:-0} + ${to:-0} + ${up:-0} ))
	if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
		layer_fail "$name" "meson test exited with $rc"
		return
	fi
	passed=$((passed + ok)); failed=$((failed + fail))
	summary+=("$name: $ok passed, $fail failed")
}

layer_fail() {
	failed=$((failed + 1))
	summary+=("$1: FAILED to run ($2)")
}

echo "== build (gcc) =="
if meson setup build --reconfigure >/dev/null 2>&1 || meson setup build >/dev/null; then :; fi
if ninja -C build; then
	echo "== unit + simulation tests (gcc) =="
	meson test -C build --print-errorlogs 2>&1 | tee "$logs/unit.log"
	count_meson "$logs/unit.log" "unit+sim (gcc)" "${PIPESTATUS[0]}"
else
	layer_fail "unit+sim (gcc)" "build failed"
fi

echo "== unit tests under valgrind memcheck (gcc build) =="
if command -v valgrind >/dev/null && [ -f build/build.ninja ]; then
	meson test -C build --suite unit --timeout-multiplier 10 --print-errorlogs \
		--wrapper 'valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite' \
		2>&1 | tee "$logs/valgrind.log"
	count_meson "$logs/valgrind.log" "unit (valgrind)" "${PIPESTATUS[0]}"
else
	layer_fail "unit (valgrind)" "valgrind or the gcc build is missing"
fi

echo "== unit + simulation tests (clang, ASan+UBSan) =="
if [ ! -f build-asan/build.ninja ]; then
	CC=clang meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug >/dev/null
fi
if ninja -C build-asan; then
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C build-asan --print-errorlogs 2>&1 | tee "$logs/asan.log"
	count_meson "$logs/asan.log" "unit+sim (asan)" "${PIPESTATUS[0]}"
else
	layer_fail "unit+sim (asan)" "build failed"
fi

if [ -d tests/interop ] && ls tests/interop/test_*.py >/dev/null 2>&1; then
	echo "== interop tests against Linux (pytest, namespaces) =="
	xml=$logs/interop.xml
	rm -f "$xml"
	# A hung test fails alone instead of stalling the whole run.
	timeout_opt=()
	if /usr/bin/python3 -c 'import pytest_timeout' 2>/dev/null; then
		timeout_opt=(--timeout="${INTEROP_TIMEOUT:-180}")
	fi
	HOKUTO_BIN=${HOKUTO_BIN:-$PWD/build/hokuto} \
		/usr/bin/python3 -m pytest -p no:cacheprovider -v -rfE "${timeout_opt[@]}" tests/interop \
		--junitxml="$xml" 2>&1 | tee "$logs/interop.log"
	prc=${PIPESTATUS[0]}
	if [ -f "$xml" ]; then
		read -r t f e s < <(/usr/bin/python3 - "$xml" <<'PY'
import sys
import xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
suites = [r] if r.tag == 'testsuite' else list(r)
# Count per test: pytest writes a second <testcase> for a test that failed in
# its body and again in teardown; that is one failed test, not two.
cases = {}
for suite in suites:
    for case in suite.iter('testcase'):
        key = (case.get('classname'), case.get('name'))
        if case.find('failure') is not None or case.find('error') is not None:
            state = 'bad'
        elif case.find('skipped') is not None:
            state = 'skip'
        else:
            state = 'ok'
        prev = cases.get(key)
        if prev != 'bad' and not (prev == 'skip' and state == 'ok'):
            cases[key] = state
t = len(cases)
f = sum(1 for v in cases.values() if v == 'bad')
s = sum(1 for v in cases.values() if v == 'skip')
print(t, f, 0, s)
PY
)
		ok=$((t - f - e - s)); bad=$((f + e))
		# pytest failed (interrupted, internal error, no tests) without a
		# failing case to show for it: still a failure.
		if [ "$prc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
		passed=$((passed + ok)); failed=$((failed + bad))
		summary+=("interop: $ok passed, $bad failed, $s skipped")
		rm -f "$xml"
	else
		layer_fail interop "pytest did not run (exit $prc)"
	fi
fi

if [ -x scripts/fuzz.sh ] && [ -d tests/fuzz ] && ls tests/fuzz/*.c >/dev/null 2>&1; then
	echo "== fuzz (libFuzzer, short) =="
	if FUZZ_SECONDS=${FUZZ_SECONDS:-20} scripts/fuzz.sh; then
		passed=$((passed + 1)); summary+=("fuzz: 1 passed, 0 failed")
	else
		failed=$((failed + 1)); summary+=("fuzz: 0 passed, 1 failed")
	fi
fi

echo
echo "== summary =="
for line in "${summary[@]}"; do echo "  $line"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
