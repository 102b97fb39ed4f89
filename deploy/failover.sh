#!/usr/bin/env bash
# The plan's Scenario 3 (server failure) with a standby (deploy/standby.sh): makes the standby the
# primary. The app lists both servers with Target Session Attributes=primary, so its next connection
# finds the new primary by itself: no restart, no setting to change. Run it only once the old primary
# is down (or cut off): two primaries at once would split the registrations between them.
#
# Usage: deploy/failover.sh [--standby HOST:PORT]   (default: this machine's 15/standby, port 5433)
set -euo pipefail
script_name=$(basename "$0")
say() { echo "$script_name: $*" >&2; }
fail() { echo "$script_name: error: $*" >&2; exit 1; }
usage="usage: failover.sh [--standby HOST:PORT]"

standby=/var/run/postgresql:5433
while [[ $# -gt 0 ]]; do
  case $1 in
    --standby) standby=${2:-}; [[ $standby =~ ^[^:]+:[0-9]+$ ]] || { echo "$usage" >&2; exit 2; }; shift 2 ;;
    -h | --help) echo "$usage"; exit 0 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
[[ $(id -u) -eq 0 ]] || fail "run as root"
export PGHOST=${standby%:*} PGPORT=${standby##*:}
sql() { (cd / && runuser -u postgres -- psql -X -A -t -q -v ON_ERROR_STOP=1 -d postgres -c "$1"); }

started=$EPOCHREALTIME
recovering=$(sql "SELECT pg_is_in_recovery()") || fail "the standby at $standby does not answer"
if [[ $recovering == t ]]; then
  sql "SELECT pg_promote(wait => true, wait_seconds => 60)" | grep -qx t || fail "the standby at $standby did not finish its promotion within 60 s"
  say "promoted $standby: it is the primary now"
else
  say "$standby is a primary already"
fi
# Its settings came from the old primary: it must not wait for a standby that is not there.
sql "ALTER SYSTEM SET synchronous_standby_names = ''"
sql "SELECT pg_reload_conf()" >/dev/null
say "done in $(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s; the app reconnects by itself."
say "next: a new standby for it (deploy/standby.sh clone on the rebuilt old server, then 'standby.sh primary' here)"
