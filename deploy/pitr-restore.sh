#!/usr/bin/env bash
# Point-in-time recovery with pgBackRest: brings the whole PostgreSQL cluster back to the moment
# given, with the steps and guards of restore.sh: stop the service, an emergency dump of the current
# state, archive the newest WAL, stop PostgreSQL, `pgbackrest restore --type=time`, start PostgreSQL
# and wait for it to finish recovering, the plan's verification counts, start the service, wait for /health.
#
# Usage: deploy/pitr-restore.sh --to "YYYY-MM-DD HH:MM:SS ZONE" --yes | --dry-run
#   ZONE says which clock the time is on: UTC, an offset (+02:00) or a zone name (Europe/Berlin,
#   the event's time zone); a time without one is refused. Run as root.
# Refused, with nothing changed: a time in the future, one before the oldest pgBackRest backup
# (the earliest moment there is data for), no pgBackRest backup at all.
# Every database of the cluster goes back to that moment, not only tau_tau_run_prod.
#
# Environment: PGBACKREST_STANZA (default tautaurun); PGDATABASE (default tau_tau_run_prod);
# BACKUP_DIR (the emergency dump, written as TAUTAURUN_BACKUP_USER, default tautaurun); TAUTAURUN_STOP_CMD, TAUTAURUN_START_CMD, TAUTAURUN_HEALTH_URL;
# TAUTAURUN_PG_STOP_CMD, TAUTAURUN_PG_START_CMD (default: systemctl stop/start the cluster's
# postgresql@VERSION-NAME unit).
set -euo pipefail
umask 027
# shellcheck source=deploy/lib/steps.sh
source "$(dirname "$0")/lib/steps.sh"

export PGDATABASE=${PGDATABASE:-tau_tau_run_prod}
export BACKUP_DIR=${BACKUP_DIR:-/opt/tautaurun/backups}
stanza=${PGBACKREST_STANZA:-tautaurun}
backup_sh=$(cd "$(dirname "$0")/.." && pwd)/backup.sh
usage='usage: pitr-restore.sh --to "YYYY-MM-DD HH:MM:SS ZONE" --yes | --dry-run'

confirmed=no
to=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --to) to=${2:-}; [[ -n $to ]] || { echo "$usage" >&2; exit 2; }; shift 2 ;;
    --yes) confirmed=yes; shift ;;
    --dry-run) dry_run=yes; shift ;;
    -h | --help) echo "$usage"; exit 0 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
[[ -n $to ]] || { echo "$usage" >&2; exit 2; }
if [[ $confirmed == no && $dry_run == no ]]; then
  echo "pitr-restore.sh: refusing to replace the database cluster without --yes (or see the steps with --dry-run). $usage" >&2
  exit 2
fi
[[ $(id -u) -eq 0 ]] || fail "run as root (sudo): it stops and restores PostgreSQL"

# The time, on the clock it names.
[[ $to =~ ^([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2})\ +(.+)$ ]] ||
  fail "--to '$to' must be \"YYYY-MM-DD HH:MM:SS ZONE\", with ZONE one of UTC, an offset like +02:00 or a zone like Europe/Berlin"
local_time=${BASH_REMATCH[1]} zone=${BASH_REMATCH[2]}
if [[ $zone =~ ^[+-][0-9]{2}:?[0-9]{2}$ || $zone == UTC ]]; then
  target_epoch=$(date -d "$local_time $zone" +%s 2>/dev/null) || fail "--to '$to' is not a valid time"
elif [[ -e /usr/share/zoneinfo/$zone ]]; then
  target_epoch=$(date -d "TZ=\"$zone\" $local_time" +%s 2>/dev/null) || fail "--to '$to' is not a valid time"
else
  fail "--to '$to': '$zone' is not UTC, an offset like +02:00 or a time zone name like Europe/Berlin"
fi
target_utc=$(date -u -d "@$target_epoch" '+%Y-%m-%d %H:%M:%S+00')
((target_epoch <= $(date +%s))) || fail "--to '$to' is in the future; nothing was changed"

pgbackrest_as_postgres() { runuser -u postgres -- pgbackrest --stanza="$stanza" "$@"; }
info=$(pgbackrest_as_postgres info --output=json 2>&1) || fail "pgbackrest info failed: $(head -n1 <<<"$info")"
# The oldest backup's end: the earliest moment its files plus the WAL can give back.
oldest=$(grep -o '"timestamp":{"start":[0-9]*,"stop":[0-9]*}' <<<"$info" | grep -o '"stop":[0-9]*' | cut -d: -f2 | sort -n | head -n1 || true)
[[ -n $oldest ]] || fail "no pgBackRest backup in stanza $stanza: point-in-time recovery has nothing to start from; nothing was changed"
if ((target_epoch < oldest)); then
  fail "--to '$to' is before the oldest pgBackRest backup ($(date -u -d "@$oldest" '+%Y-%m-%d %H:%M:%S UTC')), the earliest moment that can be restored; nothing was changed"
fi
say "restoring the cluster to $target_utc (UTC; given as '$to') from stanza $stanza"
data=$(runuser -u postgres -- psql -X -A -t -c "SHOW data_directory") || fail "cannot ask PostgreSQL for its data directory"
# Debian's unit of this cluster (postgresql@15-main for /var/lib/postgresql/15/main).
cluster_unit="postgresql@$(basename "$(dirname "$data")")-$(basename "$data")"
: "${TAUTAURUN_PG_STOP_CMD:=systemctl stop $cluster_unit}"
: "${TAUTAURUN_PG_START_CMD:=systemctl start $cluster_unit}"

emergency_dump() {
  local output
  output=$(runuser -u "${TAUTAURUN_BACKUP_USER:-tautaurun}" -- bash "$backup_sh" --reason emergency 2>&1) || {
    echo "$output" >&2
    start_service || true
    fail "the emergency dump failed; nothing was restored and the service started again"
  }
  say "emergency dump of the current state: $(sed -n 's/^backup.sh: wrote \([^ ]*\) .*/\1/p' <<<"$output")"
}

# The WAL up to now must be in the archive, or recovery would stop before the target.
archive_wal() { pgbackrest_as_postgres check; }

restore_cluster() {
  bash -c "$TAUTAURUN_PG_STOP_CMD"
  # Polling with a deadline: the stop command may return before the server has gone.
  local deadline=$((SECONDS + 120))
  while [[ -e $data/postmaster.pid ]]; do
    ((SECONDS < deadline)) || fail "PostgreSQL did not stop within 120 s ($TAUTAURUN_PG_STOP_CMD); nothing was restored"
    sleep 0.2
  done
  if ! pgbackrest_as_postgres --delta --type=time "--target=$target_utc" --target-action=promote restore; then
    fail "pgbackrest restore failed (output above); PostgreSQL is stopped: fix the cause and run this again"
  fi
}

# Recovery replays the WAL up to the target, then promotes: poll until it is a primary again.
start_postgres() {
  bash -c "$TAUTAURUN_PG_START_CMD"
  local deadline=$((SECONDS + 600)) state=""
  until [[ $state == f ]]; do
    ((SECONDS < deadline)) || fail "PostgreSQL did not finish recovering within 600 s: see 'journalctl -u postgresql@*'"
    sleep 0.5
    state=$(runuser -u postgres -- psql -X -A -t -c "SELECT pg_is_in_recovery()" 2>/dev/null || true)
  done
}

counts() {
  runuser -u postgres -- psql -X -A -t -F ': ' -d "$PGDATABASE" -c "SELECT 'participants', COUNT(*) FROM participants UNION ALL
    SELECT 'admins', COUNT(*) FROM admins UNION ALL SELECT 'email_logs', COUNT(*) FROM email_logs;" | sed 's/^/  /' >&2
}

started=$EPOCHREALTIME
step "stop the service ($TAUTAURUN_STOP_CMD)" stop_service
step "emergency dump of the current database (backup.sh --reason emergency)" emergency_dump
step "archive the newest WAL (pgbackrest check)" archive_wal
step "stop PostgreSQL and restore the cluster to $target_utc (pgbackrest restore --type=time)" restore_cluster
step "start PostgreSQL and wait for the recovery to end" start_postgres
step "the plan's verification counts" counts
step "start the service ($TAUTAURUN_START_CMD)" start_service
step "wait for $TAUTAURUN_HEALTH_URL" wait_for_health
[[ $dry_run == yes ]] || say "restored the cluster to $target_utc in $(elapsed_since "$started") s; take a new full backup soon: systemctl start tautaurun-pitr-backup@full (or backup-job.sh pitr-full)"
