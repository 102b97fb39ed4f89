#!/usr/bin/env bash
# The app's instances behind nginx, for a sysadmin: list them, take one out of nginx's upstream (for
# maintenance, or before stopping it) and put it back, or restart them all one at a time without
# downtime (what install.sh and rollback.sh do after switching `current`).
#
# Usage: deploy/instances.sh list | drain PORT | undrain PORT | restart
# Environment (for tests): TAUTAURUN_UPSTREAM, TAUTAURUN_NGINX_PID, TAUTAURUN_NGINX_RELOAD_CMD, TAUTAURUN_UNIT_DIR.
set -euo pipefail
script_name=$(basename "$0")
say() { echo "$script_name: $*" >&2; }
fail() { echo "$script_name: error: $*" >&2; exit 1; }
# shellcheck source=deploy/lib/instances.sh
source "$(dirname "$0")/lib/instances.sh"

usage="usage: instances.sh list | drain PORT | undrain PORT | restart"
case ${1:-} in
  list) instance_ports ;;
  drain | undrain)
    [[ ${2:-} =~ ^[0-9]+$ ]] || { echo "$usage" >&2; exit 2; }
    nginx_running || fail "nginx is not running (no pid in $TAUTAURUN_NGINX_PID): nothing to take the instance out of"
    if [[ $1 == drain ]]; then
      [[ $(grep -c 'max_fails=3 fail_timeout=10s;$' "$TAUTAURUN_UPSTREAM") -gt 1 ]] || grep -q "127.0.0.1:$2 .*down;" "$TAUTAURUN_UPSTREAM" ||
        fail "port $2 is the last instance nginx sends requests to: draining it would take the site down"
      mark_upstream "$2" down
      say "nginx sends no new request to port $2 (requests already there finish)"
    else
      mark_upstream "$2" up
      say "nginx sends requests to port $2 again"
    fi
    ;;
  restart) roll_instances ;;
  -h | --help) echo "$usage" ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
