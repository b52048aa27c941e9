#!/usr/bin/env bash
# Installs the Debian packages wifid's build, tests and lab need, if missing.
# Prints one line saying what it installs. Services are not started.
# gcc and libc6-dev: cgo, which the race detector in make test needs.
set -euo pipefail
PKGS="qemu-system-x86 linux-image-amd64 hostapd wpasupplicant iwd dnsmasq dbus
busybox-static iw wireless-regdb kmod cpio xz-utils iputils-ping tcpdump iproute2
procps openresolv tshark python3 gcc libc6-dev"
missing=()
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "lab-deps: installing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "lab-deps: need root to install them (run as root, or install them yourself)" >&2
  exit 1
fi
# Keep package scripts from starting dnsmasq, iwd or hostapd on this machine.
cleanup_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  cleanup_policy=1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ $cleanup_policy -eq 1 ] && rm -f /usr/sbin/policy-rc.d
echo "lab-deps: done"
