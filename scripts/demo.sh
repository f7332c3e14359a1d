#!/usr/bin/env bash
# scripts/demo.sh — hokuto against Linux, on seed 002's lab (scripts/lab):
#
#   hkns1: Linux, 192.0.2.1 on hkveth1  <── veth ──>  hkns2: hokuto, 192.0.2.2 on hkveth2
#
# Each step is a function `step_*` listed in STEPS below; to add one, write the
# function and add its name to STEPS. Helpers:
#   hokuto_start NAME ARGS...   start `hokuto --dev packet:hkveth2 ... ARGS` in hkns2
#                               in the background (pcap in $WORK/NAME.pcap, log in
#                               $WORK/NAME.log); waits until it is up
#   hokuto_stop NAME            SIGINT, wait, show its --stats counters
#   hokuto_run NAME ARGS...     run hokuto in the foreground in hkns2 (own pcap)
#   in_linux CMD...             run a command in hkns1 (the Linux side)
#   show_capture NAME [N]       list the frames of NAME's capture, decode the first N
# Everything is removed on exit, even on failure or Ctrl-C (DEMO_KEEP=1 keeps
# the captures in $WORK).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
HOKUTO=${HOKUTO_BIN:-$ROOT/build/hokuto}
LAB=$ROOT/scripts/lab
HK_IP=192.0.2.2
LINUX_IP=192.0.2.1
HK_ARGS=(--dev packet:hkveth2 --ip "$HK_IP/24" --mac 00:00:5e:00:53:02 --stats)

STEPS=(
	step_lab_up
	step_linux_pings_hokuto
	step_hokuto_pings_linux
	step_big_ping
	step_curl_hello
	step_dth_post
)

bold() { if [ -t 1 ]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }
say() { printf '    %s\n' "$*"; }
fail() { echo "demo: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "needs root (namespaces, AF_PACKET): run as root or with sudo"
[ -x "$HOKUTO" ] || fail "$HOKUTO not built: run 'make' first"

WORK=$(mktemp -d /tmp/hokuto-demo.XXXXXX)
declare -A PIDS=()

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	for name in "${!PIDS[@]}"; do
		local pid=${PIDS[$name]}
		kill -INT "$pid" 2>/dev/null || true
		for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	"$LAB" down >/dev/null 2>&1 || true
	if [ "${DEMO_KEEP:-0}" = 1 ]; then
		echo "demo: captures kept in $WORK"
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_linux() { ip netns exec hkns1 "$@"; }

hokuto_start() {
	local name=$1; shift
	ip netns exec hkns2 "$HOKUTO" "${HK_ARGS[@]}" --pcap "$WORK/$name.pcap" "$@" \
		>"$WORK/$name.log" 2>&1 &
	PIDS[$name]=$!
	# Up when it says so (serve prints "serving ..."), or fail with its log.
	for _ in $(seq 50); do
		grep -q 'serving\|listening' "$WORK/$name.log" 2>/dev/null && { say "$(head -1 "$WORK/$name.log")"; return 0; }
		kill -0 "${PIDS[$name]}" 2>/dev/null || break
		sleep 0.1
	done
	cat "$WORK/$name.log" >&2
	fail "hokuto $name did not start"
}

hokuto_stop() {
	local name=$1 pid=${PIDS[$1]} rc=0
	kill -INT "$pid"
	wait "$pid" || rc=$?
	unset "PIDS[$name]"
	say "hokuto $name stopped (exit $rc); its counters:"
	grep -E '^[a-z0-9_]+ +[1-9][0-9]* +#' "$WORK/$name.log" | sed 's/^/      /' || true
	[ "$rc" -eq 0 ] || fail "hokuto $name exited with $rc"
}

hokuto_run() {
	local name=$1; shift
	ip netns exec hkns2 "$HOKUTO" "${HK_ARGS[@]}" --pcap "$WORK/$name.pcap" "$@" 2>"$WORK/$name.log"
}

# One line per frame; then, with `hokuto dissect`, the first FULL frames
# decoded in full.
show_capture() {
	local name=$1 full=${2:-0} pcap=$WORK/$1.pcap
	say "capture $name.pcap ($(tcpdump -r "$pcap" 2>/dev/null | wc -l) frames):"
	tcpdump -nn -e -r "$pcap" 2>/dev/null | sed 's/^/      /'
	if [ "$full" -gt 0 ] && "$HOKUTO" --help 2>/dev/null | grep -qE '^  dissect '; then
		say "the first $full frames, decoded by hokuto dissect:"
		"$HOKUTO" dissect -c "$full" "$pcap" | sed 's/^/      /'
	fi
}

# ---- the steps --------------------------------------------------------------

step_lab_up() {
	bold "==> building the lab: two namespaces, one veth pair (scripts/lab up)"
	"$LAB" down >/dev/null 2>&1 || true
	"$LAB" up | sed 's/^/    /'
}

step_linux_pings_hokuto() {
	bold "==> Linux (hkns1) pings hokuto (hkns2, hokuto serve)"
	hokuto_start serve serve
	in_linux ping -c 3 -i 0.2 -W 2 "$HK_IP" | sed 's/^/    /' ||
		fail "Linux got no reply from hokuto"
	say "Linux learnt hokuto's MAC by ARP:"
	in_linux ip neigh show "$HK_IP" | sed 's/^/      /'
	hokuto_stop serve
	show_capture serve
}

step_hokuto_pings_linux() {
	bold "==> hokuto pings Linux (a fresh hokuto instance: hokuto ping)"
	# Linux must resolve hokuto afresh: a new instance is a new host to it.
	in_linux ip neigh flush dev hkveth1
	hokuto_run ping ping -c 3 -i 0.2 "$LINUX_IP" | sed 's/^/    /' ||
		fail "hokuto ping got no reply"
	show_capture ping 4
}

step_big_ping() {
	bold "==> 4000-byte pings both ways: IPv4 fragmentation and reassembly"
	hokuto_start serve-big serve
	in_linux ping -c 2 -i 0.2 -W 2 -s 4000 "$HK_IP" | sed 's/^/    /' ||
		fail "Linux got no reply to its 4000-byte ping"
	hokuto_stop serve-big
	hokuto_run ping-big ping -c 2 -i 0.2 -s 4000 "$LINUX_IP" | sed 's/^/    /' ||
		fail "hokuto ping -s 4000 got no reply"
	grep -E '^ip_(frag_created|reasm_ok) ' "$WORK/ping-big.log" | sed 's/^/      /' || true
}

step_curl_hello() {
	bold "==> curl (Linux) asks hokuto http-server for / (seed 001)"
	hokuto_start http http-server --port 80
	local body
	body=$(in_linux curl -s -m 10 "http://$HK_IP/") || fail "curl could not reach hokuto http-server"
	say "curl printed: $body"
	[ "$body" = "Hello World!" ] || fail "expected Hello World!, got: $body"
	hokuto_stop http
}

# A Linux HTTP server in hkns1 that accepts the POST and prints its body.
LINUX_POST_SERVER='
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        sys.stdout.write("linux server got: " + body.decode("utf-8", "replace") + "\n")
        sys.stdout.flush()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", "6")
        self.end_headers()
        self.wfile.write(b"hello\n")
    def log_message(self, *a):
        pass
http.server.HTTPServer(("192.0.2.1", 18000), H).serve_forever()
'

step_dth_post() {
	bold "==> hokuto http-post --dth-auto sends seed 000's death-flag line to a Linux server"
	local line="この戦争が終わったらこいつと結婚するんだ"
	in_linux /usr/bin/python3 -c "$LINUX_POST_SERVER" >"$WORK/linux-post.log" 2>&1 &
	PIDS[linux-post]=$!
	for _ in $(seq 50); do
		in_linux bash -c 'exec 3<>/dev/tcp/192.0.2.1/18000' 2>/dev/null && break
		sleep 0.1
	done
	hokuto_run dth-post http-post --dth-auto --data "$line" "http://$LINUX_IP:18000/" |
		sed 's/^/    hokuto got: /' || fail "hokuto http-post failed"
	sed 's/^/    /' "$WORK/linux-post.log"
	local pid=${PIDS[linux-post]}
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	unset "PIDS[linux-post]"
	say "hokuto's capture: the DTH flag rides exactly on the segment that carries the line:"
	"$HOKUTO" dissect "$WORK/dth-post.pcap" >"$WORK/dth-post.txt"
	grep -E '^Frame|Flags: .*DTH|POST' "$WORK/dth-post.txt" | sed 's/^/      /'
	grep -q 'DTH' "$WORK/dth-post.txt" || fail "no DTH segment in the capture"
	if command -v tshark >/dev/null; then
		say "tshark with tools/wireshark/dth.lua names it too:"
		HOME=$WORK tshark -n -X lua_script:"$ROOT/tools/wireshark/dth.lua" -r "$WORK/dth-post.pcap" \
			-Y 'dth.flag == 1' 2>/dev/null | sed 's/^/      /'
	fi
}

start=$(date +%s)
for step in "${STEPS[@]}"; do
	"$step"
	echo
done
bold "demo finished in $(( $(date +%s) - start ))s; cleaning up"
