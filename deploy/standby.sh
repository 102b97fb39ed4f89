#!/usr/bin/env bash
# A streaming standby for TauTauRun's database (PostgreSQL's own replication): a second copy that
# follows the primary within milliseconds and, in synchronous mode (the default), holds every
# acknowledged registration before the runner is told. deploy/failover.sh makes it the primary.
#
# Usage:
#   standby.sh local [--port 5433] [--async]
#       try it on one machine: a second cluster (Debian's 15/standby) following this machine's
#       main cluster, and the guard below as tautaurun-standby-guard.service
#   standby.sh primary [--standby-address CIDR]
#       on the primary: the replication role and slot, and pg_hba for the standby's address
#   standby.sh clone --primary HOST[:PORT] --data DIR
#       on the standby: copy the primary into the empty DIR and configure it to follow; start it after
#   standby.sh guard [--async] [--timeout SECONDS] [--once]
#       on the primary, as a service: commits wait for the standby while it streams; once it has been
#       gone for SECONDS (default 10) they stop waiting, so registrations carry on (on the primary only)
#       and /health and the metrics say so; when it streams again they wait for it again
# The primary is reached as the postgres user through PGHOST/PGPORT (default: this machine's cluster).
set -euo pipefail
script_name=$(basename "$0")
say() { echo "$script_name: $*" >&2; }
fail() { echo "$script_name: error: $*" >&2; exit 1; }
usage="usage: standby.sh local [--port N] [--async] | primary [--standby-address CIDR] | clone --primary HOST[:PORT] --data DIR | guard [--async] [--timeout S] [--once]"

readonly role=tautaurun_replication slot=tautaurun_standby
pg_bin=${TAUTAURUN_PG_BIN:-/usr/lib/postgresql/15/bin}

# psql on the primary as the postgres user, from / (runuser keeps PGHOST and PGPORT).
sql() { (cd / && runuser -u postgres -- psql -X -A -t -q -v ON_ERROR_STOP=1 -d postgres -c "$1"); }

prepare_primary() {
  local address=$1 hba password
  [[ $(id -u) -eq 0 ]] || fail "run as root"
  sql "SELECT 1" >/dev/null || fail "the primary does not answer psql as postgres (PGHOST=${PGHOST:-default} PGPORT=${PGPORT:-5432})"
  if [[ -z $(sql "SELECT 1 FROM pg_roles WHERE rolname = '$role'") ]]; then
    password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
    # Through stdin, not the command line: the password never shows in ps.
    (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -d postgres) <<<"CREATE ROLE $role REPLICATION LOGIN PASSWORD '$password';"
    touch /root/.pgpass && chmod 600 /root/.pgpass
    echo "*:*:replication:$role:$password" >>/root/.pgpass
    say "created the role $role (its password is in /root/.pgpass: the standby's pg_basebackup needs it)"
  fi
  [[ -n $(sql "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$slot'") ]] ||
    sql "SELECT pg_create_physical_replication_slot('$slot')" >/dev/null
  # A standby gone for long must not fill the primary's disk with WAL kept for it; and a vanished
  # standby is noticed within seconds, not wal_sender_timeout's default minute.
  sql "ALTER SYSTEM SET max_slot_wal_keep_size = '10GB'"
  sql "ALTER SYSTEM SET wal_sender_timeout = '5s'"
  # The app's metrics and /health read the standby's state from pg_stat_replication.
  if [[ -n $(sql "SELECT 1 FROM pg_roles WHERE rolname = 'tautaurun'") ]]; then sql "GRANT pg_monitor TO tautaurun"; fi
  if [[ -n $address ]]; then
    hba=$(sql "SHOW hba_file")
    grep -q "^host replication $role $address " "$hba" ||
      echo "host replication $role $address scram-sha-256" >>"$hba"
  fi
  sql "SELECT pg_reload_conf()" >/dev/null
  say "the primary is ready for a standby (slot $slot, role $role)"
}

clone() {
  local primary=$1 data=$2 host port
  [[ $primary =~ ^([^:]+)(:([0-9]+))?$ ]] || fail "--primary HOST[:PORT], e.g. 10.0.0.5:5432"
  host=${BASH_REMATCH[1]} port=${BASH_REMATCH[3]:-5432}
  [[ ! -e $data/PG_VERSION ]] || fail "$data already holds a cluster: remove it first (rm -rf $data) if it is the old standby"
  mkdir -p "$data"
  chown postgres:postgres "$data"
  chmod 0700 "$data"
  # -R writes primary_conninfo (with application_name, which synchronous_standby_names names) and the slot;
  # a fast checkpoint starts the copy at once instead of after a spread one (minutes on an idle primary).
  (cd / && runuser -u postgres -- "$pg_bin/pg_basebackup" -D "$data" -X stream -R -S "$slot" --checkpoint=fast \
    -d "host=$host port=$port user=$role application_name=$slot") ||
    fail "pg_basebackup from $host:$port failed (above): run 'standby.sh primary' there first"
  say "copied the primary into $data; start it and it follows $host:$port"
}

# Owns synchronous_standby_names: set while the standby streams, emptied once it has been gone for the timeout.
guard() {
  local mode=$1 timeout=$2 once=$3 seen=$SECONDS streaming names
  while :; do
    streaming=$(sql "SELECT count(*) FROM pg_stat_replication WHERE application_name = '$slot' AND state = 'streaming'") || streaming=""
    names=$(sql "SHOW synchronous_standby_names") || names=""
    if [[ $streaming =~ ^[1-9] ]]; then
      seen=$SECONDS
      if [[ $mode == sync && $names != "$slot" ]]; then
        sql "ALTER SYSTEM SET synchronous_standby_names = '$slot'" && sql "SELECT pg_reload_conf()" >/dev/null
        say "the standby streams: commits wait for it (synchronous)"
      fi
    elif [[ -n $names ]] && ((SECONDS - seen >= timeout)); then
      sql "ALTER SYSTEM SET synchronous_standby_names = ''" && sql "SELECT pg_reload_conf()" >/dev/null
      say "the standby has been gone for $timeout s or more: commits no longer wait for it (on the primary only until it is back)"
    fi
    [[ $once == no ]] || return 0
    sleep 1
  done
}

# A second cluster on this machine, following the main one, with the guard as a service.
local_standby() {
  local port=$1 mode=$2 data=/var/lib/postgresql/15/standby
  command -v pg_createcluster >/dev/null || fail "pg_createcluster is missing: apt-get install postgresql-common"
  prepare_primary ""
  if [[ ! -e $data/standby.signal ]]; then
    pg_lsclusters -h | awk '{print $2}' | grep -qx standby || pg_createcluster --port "$port" 15 standby >/dev/null
    pg_ctlcluster 15 standby stop 2>/dev/null || true
    rm -rf "$data"
    clone "/var/run/postgresql:$(sql "SHOW port")" "$data"
  fi
  systemctl enable --quiet --now postgresql@15-standby
  install -m 0644 /dev/stdin /etc/systemd/system/tautaurun-standby-guard.service <<EOF
[Unit]
Description=TauTauRun: commits wait for the standby only while it streams
After=postgresql.service

[Service]
ExecStart=$(readlink -f "$0") guard $([[ $mode == async ]] && echo --async)
Restart=always
RestartSec=2

[Install]
WantedBy=multi-user.target
EOF
  systemctl daemon-reload
  systemctl enable --quiet --now tautaurun-standby-guard.service
  say "the standby (15/standby, port $port) follows the primary; in /etc/tautaurun/tautaurun.env set"
  say "  ConnectionStrings__Default=\"Host=/var/run/postgresql:5432,/var/run/postgresql:$port;Database=tau_tau_run_prod;Username=tautaurun;Target Session Attributes=primary;Host Recheck Seconds=2\""
  say "then: sudo systemctl restart tautaurun-api (or deploy/instances.sh restart, without downtime)"
}

command=${1:-}
[[ $# -eq 0 ]] || shift
port=5433 mode=sync address="" primary="" data="" timeout=10 once=no
while [[ $# -gt 0 ]]; do
  case $1 in
    --port) port=${2:-}; [[ $port =~ ^[0-9]+$ ]] || { echo "$usage" >&2; exit 2; }; shift 2 ;;
    --async) mode=async; shift ;;
    --standby-address) address=${2:?$usage}; shift 2 ;;
    --primary) primary=${2:?$usage}; shift 2 ;;
    --data) data=${2:?$usage}; shift 2 ;;
    --timeout) timeout=${2:-}; [[ $timeout =~ ^[0-9]+$ ]] || { echo "$usage" >&2; exit 2; }; shift 2 ;;
    --once) once=yes; shift ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
case $command in
  local) local_standby "$port" "$mode" ;;
  primary) prepare_primary "$address" ;;
  clone) [[ -n $primary && -n $data ]] || { echo "$usage" >&2; exit 2; }; clone "$primary" "$data" ;;
  guard) guard "$mode" "$timeout" "$once" ;;
  -h | --help) echo "$usage" ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
