#!/usr/bin/env bash
# Runs every test layer and prints one closing line over all of them:
#   N passed, N failed
# Exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
summary=()

# meson test prints "Ok: N" / "Fail: N" / "Timeout: N" lines.
count_meson() {
	local log=$1 name=$2 ok fail to
	ok=$(awk '/^Ok:/ {print $2}' "$log" | tail -1)
	fail=$(awk '/^Fail:/ {print $2}' "$log" | tail -1)
	to=$(awk '/^Timeout:/ {print $2}' "$log" | tail -1)
	ok=${ok:-0}; fail=$(( ${fail:-0} + ${to:-0} ))
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
	meson test -C build --print-errorlogs 2>&1 | tee /tmp/hokuto-check-unit.log
	count_meson /tmp/hokuto-check-unit.log "unit+sim (gcc)"
else
	layer_fail "unit+sim (gcc)" "build failed"
fi

echo "== unit + simulation tests (clang, ASan+UBSan) =="
if [ ! -f build-asan/build.ninja ]; then
	CC=clang meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug >/dev/null
fi
if ninja -C build-asan; then
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C build-asan --print-errorlogs 2>&1 | tee /tmp/hokuto-check-asan.log
	count_meson /tmp/hokuto-check-asan.log "unit+sim (asan)"
else
	layer_fail "unit+sim (asan)" "build failed"
fi

if [ -d tests/interop ] && ls tests/interop/test_*.py >/dev/null 2>&1; then
	echo "== interop tests against Linux (pytest, namespaces) =="
	/usr/bin/python3 -m pytest -p no:cacheprovider -v tests/interop \
		--junitxml=/tmp/hokuto-check-interop.xml 2>&1 | tee /tmp/hokuto-check-interop.log
	if [ -f /tmp/hokuto-check-interop.xml ]; then
		read -r t f e s < <(/usr/bin/python3 - <<'PY'
import xml.etree.ElementTree as ET
r = ET.parse('/tmp/hokuto-check-interop.xml').getroot()
suites = [r] if r.tag == 'testsuite' else list(r)
t = sum(int(x.get('tests', 0)) for x in suites)
f = sum(int(x.get('failures', 0)) for x in suites)
e = sum(int(x.get('errors', 0)) for x in suites)
s = sum(int(x.get('skipped', 0)) for x in suites)
print(t, f, e, s)
PY
)
		ok=$((t - f - e - s)); bad=$((f + e))
		passed=$((passed + ok)); failed=$((failed + bad))
		summary+=("interop: $ok passed, $bad failed, $s skipped")
		rm -f /tmp/hokuto-check-interop.xml
	else
		layer_fail interop "pytest did not run"
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
