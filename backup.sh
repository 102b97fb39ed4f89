#!/usr/bin/env bash
# The nightly backup: a plain-SQL, gzipped pg_dump that the plan's restore command replays as is
# (`gunzip -c FILE | psql -h localhost -U tautaurun -d tau_tau_run_prod`), then the plan's retention.
#
# Usage: backup.sh            dump to $BACKUP_DIR/$PGDATABASE_YYYYMMDD.sql.gz, then apply retention
#        backup.sh --verify   restore the newest dump into a scratch database and compare row counts
#        backup.sh --prune    apply retention only
#
# Environment: libpq's own PGHOST, PGPORT, PGUSER, PGDATABASE (default tau_tau_run_prod), PGPASSFILE;
# BACKUP_DIR (default /opt/tautaurun/backups); TAUTAURUN_S3_BUCKET (optional: also `aws s3 cp` there).
# Retention, from the dates in the file names (never from mtimes): the newest 7 days, the newest file
# of each of the 4 newest ISO weeks and of each of the 12 newest months; the newest file always stays.
# Beside each dump, NAME.counts holds every table's row count, taken in the dump's own snapshot.
set -euo pipefail
umask 027
# A closed pipe is an error to report, not a silent death (psql may exit early on a bad connection).
trap '' PIPE

export PGDATABASE=${PGDATABASE:-tau_tau_run_prod}
backup_dir=$(realpath -m "${BACKUP_DIR:-/opt/tautaurun/backups}")
# Started from a folder it may not read (sudo -u tautaurun from /root), find and psql would fail.
cd /
name_pattern="${PGDATABASE}_[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9].sql.gz"
work=""    # error messages and scratch files, off the backup disk so a full disk cannot hide its own error
partial="" # the new dump and counts while written: on the backup disk, so the final rename is atomic

fail() { echo "backup.sh: error: $*" >&2; exit 1; }
say() { echo "backup.sh: $*" >&2; }
cleanup() { rm -rf "${work:-/nonexistent}" "${partial:-/nonexistent}"; }
trap cleanup EXIT

# SQL listing "schema.table<TAB>rows" for every ordinary table outside the system schemas.
count_tables_sql() {
  cat <<'SQL'
SELECT format('SELECT %L || E''\t'' || count(*) FROM %I.%I', n.nspname || '.' || c.relname, n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
ORDER BY 1 \gexec
SQL
}

dump() {
  mkdir -p "$backup_dir"
  [[ -w $backup_dir ]] || fail "backup directory $backup_dir is not writable"
  local target
  target="$backup_dir/${PGDATABASE}_$(date +%Y%m%d).sql.gz"
  work=$(mktemp -d)
  partial=$(mktemp -d "$backup_dir/.backup.XXXXXX") || fail "cannot create a temporary folder in $backup_dir"
  local started=$SECONDS

  # One repeatable-read transaction exports its snapshot to pg_dump and then counts the rows in that
  # same snapshot, so the counts are exactly the dump's.
  coproc SESSION { psql -X -q -A -t -v ON_ERROR_STOP=1 2>"$work/psql.err"; }
  # shellcheck disable=SC2153 # SESSION_PID is set by coproc
  local to_session=${SESSION[1]} from_session=${SESSION[0]} pid=$SESSION_PID snapshot=""
  echo "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_export_snapshot();" 2>/dev/null >"/dev/fd/$to_session" || true
  read -r -t 60 snapshot <&"$from_session" || true
  [[ -n $snapshot ]] || fail "cannot connect to database $PGDATABASE: $(grep -m1 . "$work/psql.err")"

  # --no-owner/--no-privileges: objects belong to whoever restores (the plan restores as tautaurun),
  # so a dump also restores on a new server whose roles differ.
  # The compressed stream is checked (gzip -t) as tee writes it to the file, on the other core, rather
  # than read back afterwards: that read-back decompressed the whole dump again, a quarter of a backup's time.
  if ! pg_dump --snapshot="$snapshot" --clean --if-exists --no-owner --no-privileges 2>"$work/pg_dump.err" |
    gzip -6 2>"$work/gzip.err" | tee "$partial/dump.sql.gz" 2>"$work/tee.err" | gzip -t 2>/dev/null; then
    local status=("${PIPESTATUS[@]}")
    [[ ${status[0]}${status[1]}${status[2]} == 000 ]] && fail "the new dump is not a valid gzip file"
    fail "pg_dump of $PGDATABASE failed: $(cat "$work/gzip.err" "$work/tee.err" "$work/pg_dump.err" 2>/dev/null | grep -m1 . || echo 'cannot write the dump')"
  fi
  { count_tables_sql; echo "SELECT '--end--';"; } 2>/dev/null >"/dev/fd/$to_session" || true
  local line
  : >"$partial/counts"
  while read -r -t 300 line <&"$from_session"; do
    [[ $line == --end-- ]] && break
    printf '%s\n' "$line" >>"$partial/counts" || fail "cannot write the row counts in $backup_dir"
  done
  [[ $line == --end-- ]] || fail "counting rows failed: $(tail -n1 "$work/psql.err")"
  echo "COMMIT;" >"/dev/fd/$to_session"
  exec {to_session}>&-
  wait "$pid" 2>/dev/null || true

  sync "$partial/dump.sql.gz" "$partial/counts" || fail "cannot sync the new dump to disk"
  # The counts first: a dump is never without its counts, and the previous good pair is replaced
  # only once the new dump is complete and on disk.
  if ! { mv -f "$partial/counts" "${target%.sql.gz}.counts" && mv -f "$partial/dump.sql.gz" "$target"; }; then
    fail "cannot move the new dump into place as $target"
  fi
  sync "$backup_dir"
  say "wrote $target ($(du -h "$target" | cut -f1), $(wc -l <"${target%.sql.gz}.counts") tables) in $((SECONDS - started)) s"
  prune
  offsite "$target"
}

# Lists the dumps, oldest first, as "YYYYMMDD ISOYEAR-WEEK YYYYMM PATH".
list_dumps() {
  local files=()
  mapfile -t files < <(find "$backup_dir" -maxdepth 1 -name "$name_pattern" | sort)
  [[ ${#files[@]} -gt 0 ]] || return 0
  local days=("${files[@]##*_}")
  days=("${days[@]%.sql.gz}")
  paste -d ' ' <(printf '%s\n' "${days[@]}" | date -f - '+%Y%m%d %G-%V %Y%m') <(printf '%s\n' "${files[@]}")
}

prune() {
  local listing drop=() kept
  listing=$(list_dumps) || fail "a file name in $backup_dir does not hold a valid date"
  [[ -n $listing ]] || return 0
  # Newest first: the first 7 days, and the first file seen of each of 4 weeks and of 12 months.
  mapfile -t drop < <(sort -r <<<"$listing" | awk '
    { keep = (NR <= 7) }
    !($2 in weeks) && weeks_seen < 4 { weeks[$2] = 1; weeks_seen++; keep = 1 }
    !($3 in months) && months_seen < 12 { months[$3] = 1; months_seen++; keep = 1 }
    !keep { print $4; sub(/\.sql\.gz$/, ".counts", $4); print $4 }')
  kept=$(($(wc -l <<<"$listing") - ${#drop[@]} / 2))
  if [[ ${#drop[@]} -gt 0 ]]; then
    rm -f -- "${drop[@]}" || fail "cannot delete old dumps in $backup_dir"
  fi
  say "retention: kept $kept dumps, deleted $((${#drop[@]} / 2))"
}

offsite() {
  local bucket=${TAUTAURUN_S3_BUCKET:-}
  [[ -n $bucket ]] || return 0
  command -v aws >/dev/null || fail "offsite copy to s3://${bucket#s3://}/ impossible: the aws command is missing; $1 is only local"
  if ! { aws s3 cp --only-show-errors "$1" "s3://${bucket#s3://}/" &&
    aws s3 cp --only-show-errors "${1%.sql.gz}.counts" "s3://${bucket#s3://}/"; }; then
    fail "offsite copy to s3://${bucket#s3://}/ failed; $1 is only local"
  fi
  say "copied $1 to s3://${bucket#s3://}/"
}

verify() {
  local newest started=$SECONDS
  newest=$(find "$backup_dir" -maxdepth 1 -name "$name_pattern" | sort | tail -n1)
  [[ -n $newest ]] || fail "no dump named $name_pattern in $backup_dir"
  [[ -f ${newest%.sql.gz}.counts ]] || fail "$newest has no row counts beside it (${newest%.sql.gz}.counts)"
  scratch="${PGDATABASE}_verify" # global: the EXIT trap drops it
  work=$(mktemp -d)
  # The scratch database goes even when the check fails; it holds a full copy of the data.
  trap 'dropdb --if-exists "$scratch" 2>/dev/null || true; cleanup' EXIT
  if ! { dropdb --if-exists "$scratch" 2>"$work/err" && createdb "$scratch" 2>"$work/err"; }; then
    fail "cannot create the scratch database $scratch: $(tail -n1 "$work/err")"
  fi
  gunzip -c "$newest" | psql -X -q -v ON_ERROR_STOP=1 -d "$scratch" >/dev/null 2>"$work/err" ||
    fail "restoring $newest into $scratch failed: $(grep -m1 ERROR "$work/err" || tail -n1 "$work/err")"
  count_tables_sql | psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$scratch" >"$work/restored" 2>"$work/err" ||
    fail "counting rows in $scratch failed: $(tail -n1 "$work/err")"
  if ! diff "${newest%.sql.gz}.counts" "$work/restored" >"$work/diff"; then
    say "row counts at dump time (<) and after restoring (>) differ:"
    grep '^[<>]' "$work/diff" >&2
    fail "$newest does not restore to the database it was taken from"
  fi
  say "verified $newest: $(wc -l <"$work/restored") tables restore with the row counts of dump time ($((SECONDS - started)) s)"
}

case ${1:-} in
  "") dump ;;
  --verify) verify ;;
  --prune) prune ;;
  -h | --help) sed -n '5,7p' "$0" | sed 's/^# //' ;;
  *) echo "usage: backup.sh [--verify | --prune]" >&2; exit 2 ;;
esac
