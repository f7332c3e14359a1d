#!/usr/bin/env bash
# Runs every bench/*.sh in turn (sorted by name), shows their output, and
# ends with a summary of their figures.
#
# Contract for a bench/NAME.sh: it prints what it likes; lines that start
# with "RESULT " are its figures and go to the summary; it exits 0 when it
# measured, 77 when it cannot run here (skipped, e.g. not root), anything
# else on failure. It uses build/ (HOKUTO_BIN may point elsewhere) and
# cleans up after itself. BENCH_ONLY="tcp http" runs just those.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

logs=$(mktemp -d /tmp/hokuto-bench.XXXXXX)
trap 'rm -rf "$logs"' EXIT

summary=()
failed=0
for script in bench/*.sh; do
	[ -e "$script" ] || continue
	name=$(basename "$script" .sh)
	if [ -n "${BENCH_ONLY:-}" ] && ! [[ " $BENCH_ONLY " == *" $name "* ]]; then
		continue
	fi
	echo "== bench/$name.sh =="
	start=$(date +%s)
	bash "$script" 2>&1 | tee "$logs/$name.log"
	rc=${PIPESTATUS[0]}
	took=$(($(date +%s) - start))
	case $rc in
	0) summary+=("$name: ok (${took}s)") ;;
	77) summary+=("$name: skipped") ;;
	*) summary+=("$name: FAILED (exit $rc, ${took}s)"); failed=$((failed + 1)) ;;
	esac
	while IFS= read -r line; do
		summary+=("    ${line#RESULT }")
	done < <(grep '^RESULT ' "$logs/$name.log" || true)
	echo
done

echo "== bench summary ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(uname -r)) =="
for line in "${summary[@]}"; do echo "  $line"; done
[ "$failed" -eq 0 ]
