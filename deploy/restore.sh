#!/usr/bin/env bash
# The plan's "Database Rollback" as one guarded command: stop the service, take an emergency backup,
# restore FILE (default: the newest nightly dump), print the plan's verification counts (and compare
# them with the counts stored beside the dump), start the service and wait for /health.
#
# Usage: deploy/restore.sh --yes [FILE]      do it
#        deploy/restore.sh --dry-run [FILE]  show the steps and the file, change nothing
#
# Environment: libpq's PGHOST (default localhost), PGPORT, PGUSER (default tautaurun), PGDATABASE
# (default tau_tau_run_prod), password from ~/.pgpass; BACKUP_DIR (default /opt/tautaurun/backups,
# where the emergency backup goes too); TAUTAURUN_STOP_CMD, TAUTAURUN_START_CMD, TAUTAURUN_HEALTH_URL.
set -euo pipefail
umask 027
# shellcheck source=deploy/lib/steps.sh
source "$(dirname "$0")/lib/steps.sh"

export PGHOST=${PGHOST:-localhost} PGUSER=${PGUSER:-tautaurun} PGDATABASE=${PGDATABASE:-tau_tau_run_prod}
backup_dir=${BACKUP_DIR:-/opt/tautaurun/backups}
usage="usage: restore.sh --yes | --dry-run [FILE.sql.gz]"

confirmed=no
file=""
for argument in "$@"; do
  case $argument in
    --yes) confirmed=yes ;;
    --dry-run) dry_run=yes ;;
    -h | --help) echo "$usage"; exit 0 ;;
    -*) echo "$usage" >&2; exit 2 ;;
    *) [[ -z $file ]] || { echo "$usage" >&2; exit 2; }; file=$argument ;;
  esac
done
if [[ $confirmed == no && $dry_run == no ]]; then
  echo "restore.sh: refusing to replace database $PGDATABASE without --yes (or see the steps with --dry-run). $usage" >&2
  exit 2
fi
if [[ -z $file ]]; then
  file=$(find "$backup_dir" -maxdepth 1 -name "${PGDATABASE}_[0-9]*.sql.gz" | sort | tail -n1)
  [[ -n $file ]] || fail "no dump named ${PGDATABASE}_YYYYMMDD.sql.gz in $backup_dir"
fi
[[ -r $file ]] || fail "cannot read $file"
gzip -t "$file" 2>/dev/null || fail "$file is not a complete gzip file"
emergency="$backup_dir/emergency_backup_$(date +%Y%m%d_%H%M%S).sql.gz"
say "restoring $file into database $PGDATABASE on ${PGHOST}"

take_emergency_backup() {
  if ! { pg_dump --clean --if-exists --no-owner --no-privileges | gzip >"$emergency.partial" &&
    gzip -t "$emergency.partial" && mv "$emergency.partial" "$emergency"; }; then
    rm -f "$emergency.partial"
    fail "the emergency backup failed; nothing was restored (start the service again with: $TAUTAURUN_START_CMD)"
  fi
  say "emergency backup of the current state: $emergency"
}

# One transaction: if any statement fails, the database stays exactly as it was.
restore_dump() {
  local errors
  errors=$(mktemp)
  if ! gunzip -c "$file" | psql -X -q -v ON_ERROR_STOP=1 --single-transaction >/dev/null 2>"$errors"; then
    say "$(grep -m1 ERROR "$errors" || tail -n1 "$errors")"
    rm -f "$errors"
    start_service || true
    fail "restoring $file failed and was rolled back: the database is unchanged and the service started again"
  fi
  rm -f "$errors"
}

# The plan's verification counts, then every table against the counts stored at dump time.
verify_counts() {
  psql -X -A -t -F ': ' -c "SELECT 'participants', COUNT(*) FROM participants UNION ALL
    SELECT 'admins', COUNT(*) FROM admins UNION ALL SELECT 'email_logs', COUNT(*) FROM email_logs;" | sed 's/^/  /' >&2
  local counts=${file%.sql.gz}.counts query
  [[ -f $counts ]] || { say "  (no $counts beside the dump: counts not compared)"; return 0; }
  query=$(awk -F '\t' -v q="'" '{ printf "%sSELECT %s%s%s || E%s\\t%s || count(*) FROM %s\n",
    (NR > 1 ? "UNION ALL " : ""), q, $1, q, q, q, $1 }' "$counts")
  if ! diff <(sort "$counts") <(psql -X -A -t -c "$query" | sort) >&2; then
    fail "the restored tables differ from the dump's counts (< dump time, > now); the service stays stopped (emergency backup: $emergency)"
  fi
  say "  all $(wc -l <"$counts") tables have the row counts of dump time"
}

started=$EPOCHREALTIME
step "stop the service ($TAUTAURUN_STOP_CMD)" stop_service
step "emergency backup of the current database to $emergency" take_emergency_backup
step "restore $file (one transaction)" restore_dump
step "verify the restored row counts" verify_counts
step "start the service ($TAUTAURUN_START_CMD)" start_service
step "wait for $TAUTAURUN_HEALTH_URL" wait_for_health
[[ $dry_run == yes ]] || say "restored $file in $(elapsed_since "$started") s"
