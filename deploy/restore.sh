#!/usr/bin/env bash
# The plan's "Database Rollback" as one guarded command: stop the service, take an emergency backup,
# restore FILE (default: the newest dump that is not a safety copy), print the plan's verification
# counts (and compare them with the counts stored beside the dump), start the service (which brings an
# older schema up to date by itself) and wait for /health.
#
# Usage: deploy/restore.sh --yes [FILE]      do it
#        deploy/restore.sh --dry-run [FILE]  show the steps and the file, change nothing
#        deploy/restore.sh --list            the dumps there are (time, reason, size, schema version)
#
# Without FILE it takes the newest nightly, manual or pre-deploy dump, never a safety copy (the
# rollback-safety dump rollback.sh takes of the state it rolls back from, or an earlier emergency
# dump of this script): those hold the state you are probably leaving. Name one to restore it.
# Refused, with nothing changed: a file that is not a complete gzip, a dump of another database, a
# dump whose schema is newer than this release's.
#
# Who connects: run as root (sudo, as the runbook does) on a server with the service user
# TAUTAURUN_BACKUP_USER (default tautaurun), psql and the emergency dump run as that user the way the
# service and the nightly backup connect: over the Unix socket with peer authentication, no password
# file needed. So the emergency dump belongs to that user like every other dump (the weekly
# verification, run as that user, reads it). Run as anyone else (the service user itself, a developer),
# they run as the caller with libpq's usual settings.
#
# Environment: libpq's PGHOST (default: the Unix socket; run as root, only a socket folder), PGPORT,
# PGUSER (default tautaurun), PGDATABASE (default tau_tau_run_prod); BACKUP_DIR (default
# /opt/tautaurun/backups, where the emergency backup goes too); TAUTAURUN_CLI (default
# /usr/local/bin/tautaurun); TAUTAURUN_BACKUP_USER; TAUTAURUN_STOP_CMD, TAUTAURUN_START_CMD,
# TAUTAURUN_HEALTH_URL.
set -euo pipefail
umask 027
# shellcheck source=deploy/lib/steps.sh
source "$(dirname "$0")/lib/steps.sh"

export PGUSER=${PGUSER:-tautaurun} PGDATABASE=${PGDATABASE:-tau_tau_run_prod}
export BACKUP_DIR=${BACKUP_DIR:-/opt/tautaurun/backups}
# Absolute: the script works from / (below).
backup_sh=$(cd "$(dirname "$0")/.." && pwd)/backup.sh
drop_tables_sql=$(cd "$(dirname "$0")" && pwd)/lib/drop-tables.sql
cli=${TAUTAURUN_CLI:-/usr/local/bin/tautaurun}
usage="usage: restore.sh --yes | --dry-run [FILE.sql.gz] | --list"

confirmed=no
file=""
for argument in "$@"; do
  case $argument in
    --yes) confirmed=yes ;;
    --dry-run) dry_run=yes ;;
    --list) exec bash "$backup_sh" --list ;;
    -h | --help) echo "$usage"; exit 0 ;;
    -*) echo "$usage" >&2; exit 2 ;;
    *) [[ -z $file ]] || { echo "$usage" >&2; exit 2; }; file=$argument ;;
  esac
done
if [[ $confirmed == no && $dry_run == no ]]; then
  echo "restore.sh: refusing to replace database $PGDATABASE without --yes (or see the steps with --dry-run). $usage" >&2
  exit 2
fi

# From /, with FILE made absolute: psql and pg_dump as the service user cannot enter the caller's
# folder (sudo from /root), and would say so on every call.
[[ -z $file ]] || file=$(realpath -m -- "$file")
cd /

service_user=${TAUTAURUN_BACKUP_USER:-tautaurun}
run_as="" # empty: the caller
if [[ $EUID -eq 0 ]] && id -u "$service_user" >/dev/null 2>&1; then
  # A TCP host would need the role's password, which only root has (/root/.pgpass).
  [[ ${PGHOST:-/} == /* ]] ||
    fail "run as root, psql and pg_dump run as $service_user over the Unix socket (peer authentication), but PGHOST is $PGHOST: unset PGHOST; nothing was changed"
  run_as=$service_user
fi

# as_database_user COMMAND...: COMMAND as the user chosen above.
as_database_user() {
  if [[ -n $run_as ]]; then runuser -u "$run_as" -- "$@"; else "$@"; fi
}

listing=$(bash "$backup_sh" --list | tail -n +2) || fail "cannot list the dumps in $BACKUP_DIR"
if [[ -z $file ]]; then
  chosen=$(awk -F '\t' '$2 != "rollback-safety" && $2 != "emergency"' <<<"$listing" | tail -n1)
  [[ -n $chosen ]] || fail "no dump in $BACKUP_DIR other than safety copies: name the file to restore (see --list)"
  file=$(cut -f5 <<<"$chosen")
  say "using $file: the newest dump that is not a safety copy ($(cut -f2 <<<"$chosen"), taken $(cut -f1 <<<"$chosen") UTC, schema $(cut -f4 <<<"$chosen"))"
  skipped=$(awk -F '\t' -v t="$(cut -f1 <<<"$chosen")" '$1 > t { print "  skipped " $2 ": " $5 }' <<<"$listing")
  [[ -z $skipped ]] || say "newer safety copies, not chosen (name one to restore it):"$'\n'"$skipped"
fi
[[ -r $file ]] || fail "cannot read $file"
gzip -t "$file" 2>/dev/null || fail "$file is not a complete gzip file (truncated or corrupt); nothing was changed"
label=$(gunzip -c "$file" 2>/dev/null | head -n1 || true)
if [[ $label == "-- tautaurun-backup: "* ]]; then
  dump_database=$(sed -n 's/.*\<database=\([^ ]*\).*/\1/p' <<<"$label")
  dump_schema=$(sed -n 's/.*\<schema=\([0-9]*\).*/\1/p' <<<"$label")
  [[ $dump_database == "$PGDATABASE" ]] || fail "$file is a dump of database $dump_database, not $PGDATABASE; nothing was changed"
  release_schema=$("$cli" schema-version 2>/dev/null) || fail "cannot ask this release for its schema version ($cli schema-version)"
  if ((dump_schema > release_schema)); then
    fail "$file has schema version $dump_schema, newer than this release's $release_schema: install a release with migration $dump_schema first; nothing was changed"
  fi
else
  # Dumps of plain pg_dump (the plan's emergency dump, older dumps of backup.sh): restored inside a
  # transaction that first drops every table, so they need no --clean of their own.
  # gunzip's own status ignored: grep -q closing the pipe early ends it.
  { gunzip -c "$file" 2>/dev/null || true; } | grep -q -m1 '^CREATE TABLE public\.participants ' ||
    fail "$file holds no participants table: not a dump of $PGDATABASE; nothing was changed"
fi
say "restoring $file into database $PGDATABASE on ${PGHOST:-the Unix socket}, psql and pg_dump running as ${run_as:-$(id -un)}"

take_emergency_backup() {
  local output
  output=$(as_database_user bash "$backup_sh" --reason emergency 2>&1) || {
    echo "$output" >&2
    fail "the emergency backup failed; nothing was restored (start the service again with: $TAUTAURUN_START_CMD)"
  }
  say "emergency backup of the current state: $(sed -n 's/^backup.sh: wrote \([^ ]*\) .*/\1/p' <<<"$output")"
}

# One transaction: if any statement fails, the database stays exactly as it was. backup.sh's dumps
# carry their own (and ON_ERROR_STOP); others get one here, with every table dropped first.
restore_dump() {
  local errors
  errors=$(mktemp)
  if ! if [[ $label == "-- tautaurun-backup: "* ]]; then gunzip -c "$file"; else
    printf 'BEGIN;\n'; cat "$drop_tables_sql"; gunzip -c "$file"; printf 'COMMIT;\n'; fi |
    as_database_user psql -X -q -v ON_ERROR_STOP=1 >/dev/null 2>"$errors"; then
    say "$(grep -m1 ERROR "$errors" || tail -n1 "$errors")"
    rm -f "$errors"
    start_service || true
    fail "restoring $file failed and was rolled back: the database is unchanged and the service started again"
  fi
  rm -f "$errors"
}

# The plan's verification counts, then every table against the counts stored at dump time.
verify_counts() {
  as_database_user psql -X -A -t -F ': ' -c "SELECT 'participants', COUNT(*) FROM participants UNION ALL
    SELECT 'admins', COUNT(*) FROM admins UNION ALL SELECT 'email_logs', COUNT(*) FROM email_logs;" | sed 's/^/  /' >&2
  local counts=${file%.sql.gz}.counts query
  [[ -f $counts ]] || { say "  (no $counts beside the dump: counts not compared)"; return 0; }
  query=$(awk -F '\t' -v q="'" '{ printf "%sSELECT %s%s%s || E%s\\t%s || count(*) FROM %s\n",
    (NR > 1 ? "UNION ALL " : ""), q, $1, q, q, q, $1 }' "$counts")
  if ! diff <(sort "$counts") <(as_database_user psql -X -A -t -c "$query" | sort) >&2; then
    fail "the restored tables differ from the dump's counts (< dump time, > now); the service stays stopped (the emergency backup is in $BACKUP_DIR)"
  fi
  say "  all $(wc -l <"$counts") tables have the row counts of dump time"
}

started=$EPOCHREALTIME
step "stop the service ($TAUTAURUN_STOP_CMD)" stop_service
step "emergency backup of the current database (backup.sh --reason emergency)" take_emergency_backup
step "restore $file (one transaction)" restore_dump
step "verify the restored row counts" verify_counts
step "start the service ($TAUTAURUN_START_CMD)" start_service
step "wait for $TAUTAURUN_HEALTH_URL" wait_for_health
[[ $dry_run == yes ]] || say "restored $file in $(elapsed_since "$started") s"
