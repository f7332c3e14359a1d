#!/usr/bin/env bash
# bench/http.sh — HTTP requests per second: wrk against `hokuto http-server`
# and, in the same run over the same veth pair, against nginx with one
# worker (both single-threaded servers answering "Hello World!\n"); prints
# both rates and their ratio.
#
#      hk-http-bench-c                         hk-http-bench-s
#   ┌───────────────────┐       veth       ┌──────────────────────────────┐
#   │ wrk               ├──────────────────┤ hokuto 192.0.2.2 (packet dev) │
#   │ 192.0.2.1         │                  │ nginx  192.0.2.3 (kernel)     │
#   └───────────────────┘                  └──────────────────────────────┘
#
# hokuto shares the server-side interface with the kernel (with a MAC of
# its own); the kernel holds 192.0.2.3 only: it never answers for .2.
#
# Environment: HOKUTO_BIN (default build/hokuto), HTTP_BENCH_SECONDS (10),
# HTTP_BENCH_CONNS (50), HTTP_BENCH_THREADS (2). Needs root, wrk, nginx.
set -euo pipefail
cd "$(dirname "$0")/.."

HOKUTO=${HOKUTO_BIN:-build/hokuto}
SECS=${HTTP_BENCH_SECONDS:-10}
CONNS=${HTTP_BENCH_CONNS:-50}
THREADS=${HTTP_BENCH_THREADS:-2}
NS_C=hk-http-bench-c
NS_S=hk-http-bench-s
IF_C=hkhbench0
IF_S=hkhbench1
MAC_C=00:00:5e:00:53:01
MAC_S=00:00:5e:00:53:fe
MAC_HK=00:00:5e:00:53:02
C_IP=192.0.2.1
HK_IP=192.0.2.2
NG_IP=192.0.2.3

die() { echo "bench/http.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
[ -x "$HOKUTO" ] || die "no hokuto binary at $HOKUTO (ninja -C build)"
command -v wrk >/dev/null || die "wrk is missing (scripts/deps.sh all)"
command -v nginx >/dev/null || die "nginx is missing (scripts/deps.sh all)"

tmp=$(mktemp -d /tmp/hk-http-bench.XXXXXX)
hk_pid=
ng_pid=
cleanup() {
	if [ -n "$hk_pid" ]; then kill -INT "$hk_pid" 2>/dev/null || true; wait "$hk_pid" 2>/dev/null || true; fi
	if [ -n "$ng_pid" ]; then kill -QUIT "$ng_pid" 2>/dev/null || true; wait "$ng_pid" 2>/dev/null || true; fi
	ip netns del "$NS_C" 2>/dev/null || true
	ip netns del "$NS_S" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# a previous run that was killed may have left these
ip netns del "$NS_C" 2>/dev/null || true
ip netns del "$NS_S" 2>/dev/null || true
ip netns add "$NS_C"
ip netns add "$NS_S"
for ns in "$NS_C" "$NS_S"; do
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip link add "$IF_C" netns "$NS_C" address "$MAC_C" type veth peer name "$IF_S" netns "$NS_S" address "$MAC_S"
ip -n "$NS_C" addr add "$C_IP/24" dev "$IF_C"
ip -n "$NS_S" addr add "$NG_IP/24" dev "$IF_S"
# AF_PACKET must see finished checksums; the same settings serve both servers
for pair in "$NS_C $IF_C" "$NS_S $IF_S"; do
	set -- $pair
	ip netns exec "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
	ip -n "$1" link set "$2" up
done

# hokuto
ip netns exec "$NS_S" "$HOKUTO" --dev "packet:$IF_S" --ip "$HK_IP/24" --mac "$MAC_HK" \
	http-server --quiet --port 80 >"$tmp/hokuto.out" 2>"$tmp/hokuto.err" &
hk_pid=$!
for _ in $(seq 100); do
	grep -q "listening on" "$tmp/hokuto.err" && break
	kill -0 "$hk_pid" 2>/dev/null || { cat "$tmp/hokuto.err" >&2; die "hokuto http-server exited"; }
	sleep 0.1
done
grep -q "listening on" "$tmp/hokuto.err" || die "hokuto http-server did not start"

# nginx, one worker, the same body
mkdir -p "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    keepalive_requests 1000000;
    server {
        listen $NG_IP:80;
        default_type text/plain;
        location / { return 200 "Hello World!\n"; }
    }
}
EOF
ip netns exec "$NS_S" nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" &
ng_pid=$!
for _ in $(seq 100); do
	ip netns exec "$NS_C" curl -s --max-time 1 "http://$NG_IP/" >/dev/null 2>&1 && break
	sleep 0.1
done

check() {
	local body
	body=$(ip netns exec "$NS_C" curl -s --max-time 5 "http://$1/") || die "no answer from $1"
	[ "$body" = "Hello World!" ] || die "unexpected body from $1: $body"
}
check "$HK_IP"
check "$NG_IP"

# requests/s from wrk's "Requests/sec:" line; a second of warm-up first
rps() {
	ip netns exec "$NS_C" wrk -t"$THREADS" -c"$CONNS" -d1s "http://$1/" >/dev/null 2>&1 || true
	local out
	out=$(ip netns exec "$NS_C" wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --timeout 5s "http://$1/" 2>&1) ||
		die "wrk against $1 failed: $out"
	echo "$out" >"$tmp/wrk-$1.txt"
	if grep -q "Non-2xx or 3xx responses\|Socket errors" <<<"$out"; then
		echo "bench/http.sh: warning: errors against $1:" >&2
		grep "Non-2xx\|Socket errors" <<<"$out" >&2
	fi
	awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}

hk_rps=$(rps "$HK_IP")
ng_rps=$(rps "$NG_IP")
[ -n "$hk_rps" ] && [ -n "$ng_rps" ] || die "could not read wrk's results"
kill -0 "$hk_pid" 2>/dev/null || die "hokuto http-server died during the run"

printf "http: wrk -t%s -c%s -d%ss, keep-alive, \"Hello World!\\\\n\"\n" "$THREADS" "$CONNS" "$SECS"
printf "http: hokuto http-server   %12.1f req/s\n" "$hk_rps"
printf "http: nginx (1 worker)     %12.1f req/s\n" "$ng_rps"
awk -v a="$hk_rps" -v b="$ng_rps" 'BEGIN { printf "http: ratio hokuto/nginx   %12.2f\n", (b > 0 ? a / b : 0) }'
