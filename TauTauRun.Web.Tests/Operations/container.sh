#!/usr/bin/env bash
# Boots Debian 12 with systemd as PID 1 in systemd-nspawn for the end-to-end test, the way
# shared/systemd-container.md found to work on machines without systemd as PID 1: nspawn in a cgroup
# of its own, --register=no --keep-unit, and the container's PID 1 found as nspawn's child "systemd".
#
# Usage: container.sh boot WORKDIR TARBALL [NSPAWN OPTION...]   unpacks, boots, prints PID 1's pid
#        container.sh stop WORKDIR                              powers off, removes rootfs and cgroups
# Then: nsenter -t PID -a COMMAND runs COMMAND inside.
set -euo pipefail

fail() { echo "container.sh: error: $*" >&2; exit 1; }
cgroup_dirs() { echo "/sys/fs/cgroup/systemd/$1" "/sys/fs/cgroup/unified/$1"; }

boot() {
  local work=$1 tarball=$2 name
  shift 2
  name=tt-$(basename "$work" | tr -cd 'a-z0-9' | cut -c1-12)
  mkdir -p "$work/rootfs"
  tar --zstd -C "$work/rootfs" -xf "$tarball"
  echo "$name" >"$work/rootfs/etc/hostname"
  echo "127.0.1.1 $name" >>"$work/rootfs/etc/hosts" # or sudo warns "unable to resolve host"
  echo "$name" >"$work/name"
  local dir
  for dir in $(cgroup_dirs "$name"); do
    if [[ -d ${dir%/*} ]]; then mkdir -p "$dir"; fi
  done
  setsid "$0" start-nspawn "$work" "$@" >"$work/console.log" 2>&1 </dev/null &
  local nspawn=$!
  echo "$nspawn" >"$work/nspawn.pid"

  # Polling with a deadline: nothing signals "PID 1 is up" to a process outside the container.
  local deadline=$((SECONDS + 60)) leader="" child children=()
  while [[ -z $leader ]]; do
    kill -0 "$nspawn" 2>/dev/null || fail "systemd-nspawn exited: $(tail -n 5 "$work/console.log")"
    ((SECONDS < deadline)) || fail "no systemd inside the container after 60 s"
    read -r -a children <"/proc/$nspawn/task/$nspawn/children" || true
    for child in "${children[@]}"; do
      [[ $(cat "/proc/$child/comm" 2>/dev/null) == systemd ]] && leader=$child
    done
    [[ -n $leader ]] || sleep 0.1
  done
  echo "$leader" >"$work/leader.pid"
  until [[ -S /proc/$leader/root/run/systemd/private ]]; do
    ((SECONDS < deadline)) || fail "systemd inside the container did not open its private bus"
    sleep 0.1
  done
  local state
  state=$(timeout 120 nsenter -t "$leader" -a systemctl is-system-running --wait 2>&1 || true)
  [[ $state == running || $state == degraded ]] || fail "the container's systemd is '$state'"
  echo "$leader"
}

# Runs as the setsid'd child: moves itself into the test's cgroups, then becomes systemd-nspawn.
start_nspawn() {
  local work=$1 name dir
  shift
  name=$(cat "$work/name")
  for dir in $(cgroup_dirs "$name"); do
    if [[ -d $dir ]]; then echo $$ >"$dir/cgroup.procs"; fi
  done
  exec systemd-nspawn -D "$work/rootfs" --boot --machine="$name" --console=passive \
    --register=no --keep-unit "$@"
}

stop() {
  local work=$1 nspawn leader name
  nspawn=$(cat "$work/nspawn.pid" 2>/dev/null || true)
  leader=$(cat "$work/leader.pid" 2>/dev/null || true)
  name=$(cat "$work/name" 2>/dev/null || true)
  if [[ -n $nspawn ]] && kill -0 "$nspawn" 2>/dev/null; then
    [[ -z $leader ]] || nsenter -t "$leader" -a systemctl poweroff 2>/dev/null || true
    # tail --pid returns when nspawn is gone: a wait on the exit, not a guess.
    timeout 30 tail --pid="$nspawn" -f /dev/null || kill -KILL "$nspawn" 2>/dev/null || true
    timeout 10 tail --pid="$nspawn" -f /dev/null || true
  fi
  if [[ -n $name ]]; then
    local dir
    for dir in $(cgroup_dirs "$name"); do
      if [[ -d $dir ]]; then find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
    done
  fi
  rm -rf "$work/rootfs"
}

case ${1:-} in
  boot) shift; boot "$@" ;;
  start-nspawn) shift; start_nspawn "$@" ;;
  stop) shift; stop "$@" ;;
  *) echo "usage: container.sh boot WORKDIR TARBALL [NSPAWN OPTION...] | stop WORKDIR" >&2; exit 2 ;;
esac
