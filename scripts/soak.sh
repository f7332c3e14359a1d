#!/usr/bin/env bash
# make soak: the deterministic simulations over many seeds (bounded: it stops
# by itself). SOAK_SEEDS sets how many per simulation (default 2000). A failure
# prints the seed and the command that replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${SOAK_SEEDS:-2000}
status=0
for bin in build/tests/sim/test_sim_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	echo "soak: $(basename "$bin"): $seeds seeds"
	if ! HK_SIM_SEEDS=$seeds "$bin" >/tmp/hokuto-soak.log 2>&1; then
		tail -20 /tmp/hokuto-soak.log
		status=1
	fi
	tail -1 /tmp/hokuto-soak.log
done
exit $status
