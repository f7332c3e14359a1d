#!/usr/bin/env bash
# make soak: the deterministic TCP simulation over many seeds (bounded: it
# stops by itself). SOAK_SEEDS sets how many (default 2000); SOAK_FIRST the
# first seed. A failure prints the seed and the command that replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${SOAK_SEEDS:-2000}
first=${SOAK_FIRST:-1}
bin=build/tests/sim/test_sim_tcp
[ -x "$bin" ] || { echo "soak: $bin is missing: run make first" >&2; exit 1; }
echo "soak: $seeds seeds from $first"
HK_SIM_SEEDS=$seeds HK_SIM_FIRST_SEED=$first "$bin"
