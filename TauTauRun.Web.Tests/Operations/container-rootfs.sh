#!/usr/bin/env bash
# Prints the path of a cached Debian 12 rootfs tarball for the end-to-end systemd test, building it
# with debootstrap when missing (about 80 s, once per machine). The cache lives outside the checkout
# so fresh clones reuse it.
# Usage: deploy/test/container-rootfs.sh [CACHE_DIR]   (default /var/cache/tautaurun-test)
set -euo pipefail

cache=${1:-/var/cache/tautaurun-test}
# Bump when the package list changes, so an old cache is not reused.
tarball=$cache/bookworm-rootfs-v2.tar.zst
packages=systemd,systemd-sysv,dbus,postgresql,cron,sudo,curl,ca-certificates,zstd,gzip,procps,nginx,openssl,ssl-cert,pgbackrest,age,pigz,iproute2

if [[ -s $tarball ]]; then
  echo "$tarball"
  exit 0
fi
mkdir -p "$cache"
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "Building the container rootfs with debootstrap from $mirror (about 80 s)..." >&2
debootstrap --variant=minbase --include="$packages" bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  { tail -20 "$work/debootstrap.log" >&2; echo "error: debootstrap failed (log above)" >&2; exit 1; }
rm -rf "$work/rootfs/var/cache/apt/"*.bin "$work/rootfs/var/cache/apt/archives/"*.deb
tar --zstd -C "$work/rootfs" -cf "$work/rootfs.tar.zst" .
mv "$work/rootfs.tar.zst" "$tarball"
echo "$tarball"
