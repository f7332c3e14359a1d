#!/usr/bin/env bash
# Installs the Debian packages hokuto needs to build, test and demo, when they
# are missing. Idempotent and non-interactive; needs root to install.
#   scripts/deps.sh build   -- compiler toolchain and unit-test libraries
#   scripts/deps.sh all     -- everything (interop tests, demo, benchmarks)
set -euo pipefail

build_pkgs=(meson ninja-build pkg-config gcc clang libcmocka-dev libclang-rt-14-dev valgrind)
all_pkgs=("${build_pkgs[@]}" iproute2 iptables iputils-ping python3 python3-pytest python3-pytest-timeout python3-scapy
	tshark tcpdump socat netcat-openbsd curl wget apache2-utils nginx-light wrk iperf3 procps
	ethtool util-linux)

want=("${build_pkgs[@]}")
[ "${1:-all}" = "all" ] && want=("${all_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "scripts/deps.sh: missing packages: ${missing[*]}; run as root to install them" >&2
	exit 1
fi
echo "scripts/deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
# The packages install services we do not want running on their own.
for svc in nginx iperf3; do
	systemctl disable --now "$svc" >/dev/null 2>&1 || true
done
