#!/usr/bin/env bash
# bench/tcp.sh — bulk TCP throughput of hokuto against Linux, on one veth
# pair, with Linux -> Linux over the same pair in the same run as the
# yardstick.
#
#   namespace hk-tt-<pid>-a                 namespace hk-tt-<pid>-b
#   Linux 192.0.2.1  ==== veth pair ====    hokuto 192.0.2.2 (packet device, own MAC)
#                                           Linux  192.0.2.3 (the kernel on the same end)
#
# Flows (BENCH_MIB MiB each, BENCH_REPS times, median reported):
#   linux->linux    socat in a -> socat in b (192.0.2.3)
#   hokuto->linux   hokuto nc in b -> socat in a
#   linux->hokuto   socat in a -> hokuto nc -l in b
# Every sender reads the same file from tmpfs, every receiver writes to
# /dev/null; a run is timed from the sender's start until both ends exited.
# The veth keeps Linux's default offloads (TSO/GSO/checksum: what Linux
# normally gets; hokuto's packet device splits super-segments itself);
# BENCH_OFFLOAD=off turns them off on both ends, as the interop tests do.
#
# Environment: HOKUTO_BIN (default build/hokuto), BENCH_MIB (256),
# BENCH_REPS (3), BENCH_TIMEOUT (seconds per transfer, 120), BENCH_CC
# (hokuto --cc), BENCH_OFFLOAD (on|off), BENCH_FLOWS (a subset of
# "linux_linux hokuto_linux linux_hokuto"). Needs root. Lines starting with
# "RESULT " are the figures (scripts/bench.sh collects them).
set -euo pipefail
cd "$(dirname "$0")/.."

HOKUTO=${HOKUTO_BIN:-$PWD/build/hokuto}
MIB=${BENCH_MIB:-256}
REPS=${BENCH_REPS:-3}
LIMIT=${BENCH_TIMEOUT:-120}
OFFLOAD=${BENCH_OFFLOAD:-on}
FLOWS=${BENCH_FLOWS:-linux_linux hokuto_linux linux_hokuto}
PORT=5201

if [ "$(id -u)" -ne 0 ]; then
	echo "bench/tcp.sh: needs root (network namespaces); skipped" >&2
	exit 77
fi
if [ ! -x "$HOKUTO" ]; then
	echo "bench/tcp.sh: no hokuto at $HOKUTO (ninja -C build, or set HOKUTO_BIN)" >&2
	exit 1
fi
if ! "$HOKUTO" nc --help >/dev/null 2>&1; then
	echo "bench/tcp.sh: $HOKUTO has no nc command (TCP not in this tree yet); skipped" >&2
	exit 77
fi
for tool in socat ip ping; do
	command -v "$tool" >/dev/null || { echo "bench/tcp.sh: needs $tool (scripts/deps.sh all)" >&2; exit 1; }
done

tag=$$
NA=hk-tt-$tag-a
NB=hk-tt-$tag-b
IFA=hk-tt-${tag}a
IFB=hk-tt-${tag}b
LINUX_A=192.0.2.1
HK_IP=192.0.2.2
LINUX_B=192.0.2.3
HK_MAC=00:00:5e:00:53:02
work=$(mktemp -d /tmp/hk-tt-bench.XXXXXX)
data=/dev/shm/hk-tt-bench-$tag.bin
pids=()

cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	ip netns del "$NA" 2>/dev/null || true
	ip netns del "$NB" 2>/dev/null || true
	rm -rf "$work" "$data"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NA"
ip netns add "$NB"
for ns in "$NA" "$NB"; do
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip link add "$IFA" netns "$NA" address 00:00:5e:00:53:01 type veth peer name "$IFB" netns "$NB" \
	address 00:00:5e:00:53:fe
ip -n "$NA" addr add "$LINUX_A/24" dev "$IFA"
ip -n "$NB" addr add "$LINUX_B/24" dev "$IFB"
if [ "$OFFLOAD" = off ]; then
	ip netns exec "$NA" ethtool -K "$IFA" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
	ip netns exec "$NB" ethtool -K "$IFB" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
fi
ip -n "$NA" link set "$IFA" up
ip -n "$NB" link set "$IFB" up
head -c "${MIB}M" /dev/zero >"$data"

hk=("$HOKUTO" --stats --dev "packet:$IFB" --ip "$HK_IP/24" --mac "$HK_MAC")
[ -n "${BENCH_CC:-}" ] && hk+=(--cc "$BENCH_CC")
socat_opts=(-b 262144)

now() { date +%s.%N; }

wait_listen() { # ns port
	for _ in $(seq 100); do
		ip netns exec "$1" ss -Hltn | grep -q ":$2 " && return 0
		sleep 0.05
	done
	echo "bench/tcp.sh: nobody listens on port $2 in $1" >&2
	return 1
}

wait_ping() { # ns addr
	for _ in $(seq 50); do
		ip netns exec "$1" ping -n -c 1 -W 0.3 "$2" >/dev/null 2>&1 && return 0
	done
	echo "bench/tcp.sh: $2 does not answer" >&2
	return 1
}

# finish NAME T0 SENDER RECEIVER: waits for both (the receiver is stopped
# at once when the sender failed), sets GBIT or fails.
finish() {
	local name=$1 t0=$2 sender=$3 receiver=$4 rc=0
	wait "$sender" || rc=$?
	[ "$rc" -ne 0 ] && kill "$receiver" 2>/dev/null
	wait "$receiver" || { [ "$rc" -ne 0 ] || rc=$?; }
	local t1
	t1=$(now)
	pids=()
	if [ "$rc" -ne 0 ]; then
		echo "bench/tcp.sh: $name failed (exit $rc; 124 = over ${LIMIT}s)" >&2
		cat "$work"/*.err >&2 2>/dev/null || true
		return 1
	fi
	GBIT=$(awk -v b=$((MIB << 20)) -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.3f", b * 8 / (t1 - t0) / 1e9 }')
}

run_linux_linux() {
	ip netns exec "$NB" timeout "$LIMIT" socat -u "${socat_opts[@]}" \
		"TCP-LISTEN:$PORT,bind=$LINUX_B,reuseaddr" OPEN:/dev/null 2>"$work/recv.err" &
	local r=$!
	pids+=("$r")
	wait_listen "$NB" $PORT
	local t0
	t0=$(now)
	ip netns exec "$NA" timeout "$LIMIT" socat -u "${socat_opts[@]}" OPEN:"$data" \
		"TCP:$LINUX_B:$PORT" 2>"$work/send.err" &
	local s=$!
	pids+=("$s")
	finish linux-linux "$t0" "$s" "$r"
}

run_hokuto_linux() {
	ip netns exec "$NA" timeout "$LIMIT" socat -u "${socat_opts[@]}" \
		"TCP-LISTEN:$PORT,bind=$LINUX_A,reuseaddr" OPEN:/dev/null 2>"$work/recv.err" &
	local r=$!
	pids+=("$r")
	wait_listen "$NA" $PORT
	local t0
	t0=$(now)
	ip netns exec "$NB" timeout "$LIMIT" "${hk[@]}" nc "$LINUX_A" $PORT <"$data" >/dev/null \
		2>"$work/hokuto.err" &
	local s=$!
	pids+=("$s")
	finish hokuto-linux "$t0" "$s" "$r"
}

run_linux_hokuto() {
	ip netns exec "$NB" timeout "$LIMIT" "${hk[@]}" nc -l $PORT </dev/null >/dev/null \
		2>"$work/hokuto.err" &
	local r=$!
	pids+=("$r")
	wait_ping "$NA" "$HK_IP"
	local t0
	t0=$(now)
	ip netns exec "$NA" timeout "$LIMIT" socat -u "${socat_opts[@]}" OPEN:"$data" \
		"TCP:$HK_IP:$PORT" 2>"$work/send.err" &
	local s=$!
	pids+=("$s")
	finish linux-hokuto "$t0" "$s" "$r"
}

label() {
	case $1 in
	linux_linux) echo "Linux -> Linux" ;;
	hokuto_linux) echo "hokuto -> Linux" ;;
	linux_hokuto) echo "Linux -> hokuto" ;;
	esac
}

median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "bench/tcp.sh: $MIB MiB per transfer, $REPS runs each, veth offloads $OFFLOAD, $(nproc) CPUs"
declare -A runs=()
for rep in $(seq "$REPS"); do
	for flow in $FLOWS; do
		"run_$flow"
		g=$GBIT
		retr=""
		if [ "$flow" != linux_linux ]; then
			retr=$(awk '$1 == "tcp_retransmits" { print ", " $2 " retransmits" }' "$work/hokuto.err")
		fi
		printf '  run %d  %-14s %8.3f Gbit/s%s\n' "$rep" "${flow/_/->}" "$g" "$retr"
		runs[$flow]="${runs[$flow]:-} $g"
	done
done

base=$(echo "${runs[linux_linux]:-}" | median)
echo
for flow in $FLOWS; do
	m=$(echo "${runs[$flow]}" | median)
	if [ "$flow" = linux_linux ]; then
		printf 'RESULT tcp linux->linux  %7.3f Gbit/s  (veth, %d MiB, median of %d)\n' "$m" "$MIB" "$REPS"
	elif [ -n "$base" ]; then
		ratio=$(awk -v a="$m" -v b="$base" 'BEGIN { printf "%.3f", a / b }')
		printf 'RESULT tcp %-13s %7.3f Gbit/s = %s x linux->linux\n' "${flow/_/->}" "$m" "$ratio"
	else
		printf 'RESULT tcp %-13s %7.3f Gbit/s\n' "${flow/_/->}" "$m"
	fi
done
[ -n "$base" ] || exit 0
echo
echo "For the README (bench/tcp.sh, $(date -u +%Y-%m-%d), veth offloads $OFFLOAD, $(nproc) CPUs):"
echo
echo "| bulk TCP over one veth pair ($MIB MiB, median of $REPS) | Gbit/s | vs Linux->Linux |"
echo "|---|---:|---:|"
for flow in $FLOWS; do
	m=$(echo "${runs[$flow]}" | median)
	awk -v a="$m" -v b="$base" -v f="$(label $flow)" 'BEGIN { printf "| %s | %.2f | %.3f |\n", f, a, a / b }'
done
