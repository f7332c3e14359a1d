#!/usr/bin/env bash
# bench/callgrind.sh — CPU instructions per MiB moved by TCP, counted by
# callgrind on bench/sim_bulk: two stacks on the in-memory sim wire, in
# virtual time, no impairment, SIM_MIB MiB from A to B. Counted: the bulk
# transfer only (handshake and setup excluded); per side, everything the
# sending (A) and the receiving (B) stack and their application calls did.
# What is left ("harness") is the loop and the byte check.
#
# Environment: SIM_BULK (default build/bench/sim_bulk), SIM_MIB (64),
# SIM_CC (newreno|cubic). Lines starting with "RESULT " are the figures
# (scripts/bench.sh collects them).
set -euo pipefail
cd "$(dirname "$0")/.."

SIM=${SIM_BULK:-$PWD/build/bench/sim_bulk}
MIB=${SIM_MIB:-64}

if ! command -v valgrind >/dev/null || ! command -v callgrind_annotate >/dev/null; then
	echo "bench/callgrind.sh: needs valgrind (scripts/deps.sh build)" >&2
	exit 1
fi
if [ ! -f include/hokuto/socket.h ] && [ -z "${SIM_BULK:-}" ]; then
	echo "bench/callgrind.sh: no TCP socket API in this tree yet; skipped" >&2
	exit 77
fi
if [ ! -x "$SIM" ]; then
	echo "bench/callgrind.sh: no sim_bulk at $SIM (ninja -C build; it needs the TCP socket API)" >&2
	exit 1
fi

work=$(mktemp -d /tmp/hk-tt-callgrind.XXXXXX)
trap 'rm -rf "$work"' EXIT

args=(--mib "$MIB")
[ -n "${SIM_CC:-}" ] && args+=(--cc "$SIM_CC")
echo "bench/callgrind.sh: $SIM ${args[*]} under callgrind"
valgrind --tool=callgrind --collect-atstart=no --toggle-collect=bulk_transfer \
	--callgrind-out-file="$work/cg.out" "$SIM" "${args[@]}" 2>"$work/valgrind.log" | tee "$work/sim.out"
if ! grep -q " intact " "$work/sim.out"; then
	echo "bench/callgrind.sh: sim_bulk failed" >&2
	cat "$work/valgrind.log" >&2
	exit 1
fi

total=$(awk '/^(summary|totals):/ { print $2; exit }' "$work/cg.out")
# (No early exit in awk: callgrind_annotate would die of SIGPIPE.)
# Inclusive cost of each side's function: "N (P%)  file:function [object]"
# or "N  file:function" depending on the callgrind_annotate version.
incl() {
	callgrind_annotate --inclusive=yes --threshold=100 "$work/cg.out" 2>/dev/null |
		awk -v f="$1" '!done && $0 ~ (":" f "( |$)") { gsub(",", "", $1); print $1; done = 1 }'
}
send=$(incl side_sender)
recv=$(incl side_receiver)
check=$(incl check_chunk)
# The byte check runs inside side_receiver but is harness work.
[ -n "$recv" ] && [ -n "$check" ] && recv=$((recv - check))
if [ -z "$total" ] || [ -z "$send" ] || [ -z "$recv" ]; then
	echo "bench/callgrind.sh: could not read the callgrind output (total '$total', sides '$send' '$recv')" >&2
	exit 1
fi

per() { awk -v n="$1" -v m="$MIB" 'BEGIN { printf "%.0f", n / m }'; }
kper() { awk -v n="$1" -v m="$MIB" 'BEGIN { printf "%.0f", n / m / 1000 }'; }
# Instructions per byte and per 1448-byte segment, for scale.
per_seg() { awk -v n="$1" -v m="$MIB" 'BEGIN { printf "%.0f", n / (m * 1048576 / 1448) }'; }
harness=$((total - send - recv))

echo
printf 'RESULT callgrind total     %7s k instructions/MiB (%s per 1448-byte segment)\n' "$(kper "$total")" \
	"$(per_seg "$total")"
printf 'RESULT callgrind sender    %7s k instructions/MiB (stack A: hk_send + poll)\n' "$(kper "$send")"
printf 'RESULT callgrind receiver  %7s k instructions/MiB (stack B: poll + hk_recv)\n' "$(kper "$recv")"
printf 'RESULT callgrind harness   %7s k instructions/MiB (loop, byte check)\n' "$(kper "$harness")"
echo
echo "For the README (bench/callgrind.sh, sim wire, $MIB MiB, $(date -u +%Y-%m-%d)):"
echo
echo "| instructions per MiB moved (callgrind) | total | sender | receiver |"
echo "|---|---:|---:|---:|"
printf '| hokuto -> hokuto, sim wire, %s MiB | %s | %s | %s |\n' "$MIB" "$(per "$total")" "$(per "$send")" \
	"$(per "$recv")"
echo
echo "Top functions by their own instructions (whole transfer):"
callgrind_annotate --auto=no --threshold=90 "$work/cg.out" 2>/dev/null |
	awk '/^ *[0-9,]+ +\(/ && !/PROGRAM TOTALS/ && ++shown <= 15 {
		pct = $0; sub(/^[^(]*\( */, "", pct); sub(/\).*$/, "", pct)
		fn = $0; sub(/^ *[0-9,]+ +\([^)]*\) +/, "", fn); sub(/ \[.*$/, "", fn); sub(/^.*:/, "", fn)
		printf "  %16s %7s  %s\n", $1, pct, fn }'
