#!/usr/bin/env bash
# The database dumps: plain SQL, gzipped (by pigz when installed), that the plan's restore command replays as is
# (`gunzip -c FILE | psql -h localhost -U tautaurun -d tau_tau_run_prod`), whole or not at all: each
# file turns on ON_ERROR_STOP and holds one transaction that first drops every table (so a dump of an
# older schema replaces a newer one whole). No run ever replaces or deletes another run's dump.
#
# Usage: backup.sh [--reason REASON]  dump, then apply retention; REASON is nightly (the scheduled run),
#                                     manual (the default), pre-deploy, rollback-safety or emergency
#        backup.sh --list             every dump: time taken (UTC), reason, size, schema version, file
#        backup.sh --verify           restore the newest dump into a scratch database, compare row counts
#        backup.sh --prune            apply retention only
#
# Names: the nightly run writes the plan's $PGDATABASE_YYYYMMDD.sql.gz (a second nightly on the same day
# writes $PGDATABASE_YYYYMMDD_HHMMSS_nightly.sql.gz); every other run $PGDATABASE_YYYYMMDD_HHMMSS_REASON.sql.gz.
# Retention, from the dates in the file names (never from mtimes): nightly dumps of the newest 7 days,
# the newest of each of the 4 newest ISO weeks and of each of the 12 newest months (the newest always
# stays); every other dump for BACKUP_KEEP_OTHER_DAYS days (default 14).
# Beside each dump, NAME.counts holds every table's row count, taken in the dump's own snapshot.
# BACKUP_DIR/.state/ records the last success and failure, which /health and the alarms read.
#
# Environment: libpq's own PGHOST, PGPORT, PGUSER, PGDATABASE (default tau_tau_run_prod), PGPASSFILE;
# BACKUP_DIR (default /opt/tautaurun/backups); the offsite settings of /etc/tautaurun/backup.env
# (TAUTAURUN_S3_BUCKET, TAUTAURUN_AGE_RECIPIENT, AWS_*; see deploy/backup.env.template).
set -euo pipefail
umask 027
# A closed pipe is an error to report, not a silent death (psql may exit early on a bad connection).
trap '' PIPE

export PGDATABASE=${PGDATABASE:-tau_tau_run_prod}
backup_dir=$(realpath -m "${BACKUP_DIR:-/opt/tautaurun/backups}")
keep_other_days=${BACKUP_KEEP_OTHER_DAYS:-14}
drop_tables_sql=$(dirname "$(realpath "$0")")/deploy/lib/drop-tables.sql
# pigz compresses on every core and checks faster; its output is gzip, as the plan's restore reads it.
compressor=gzip
command -v pigz >/dev/null && compressor=pigz
# Started from a folder it may not read (sudo -u tautaurun from /root), find and psql would fail.
cd /
day_pattern="[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]"
name_pattern="${PGDATABASE}_${day_pattern}*.sql.gz"
work=""    # error messages and scratch files, off the backup disk so a full disk cannot hide its own error
partial="" # the new dump and counts while written: on the backup disk, so the final link is atomic
mode=""    # dump or verify: their failures are recorded for /health and the alarms

fail() {
  echo "backup.sh: error: $*" >&2
  if [[ $mode == dump || $mode == verify ]]; then record failure "$mode: $*"; fi
  exit 1
}
say() { echo "backup.sh: $*" >&2; }
cleanup() { rm -rf "${work:-/nonexistent}" "${partial:-/nonexistent}"; }
trap cleanup EXIT

# record success|failure TEXT: one line "EPOCH.MILLISECONDS TEXT" in BACKUP_DIR/.state/last-OUTCOME, best effort
# (a full disk must not hide the error it is reporting).
record() {
  local state=$backup_dir/.state
  { mkdir -p "$state" && printf '%s %s\n' "$(date +%s.%3N)" "$2" >"$state/.last-$1.new" &&
    mv -f "$state/.last-$1.new" "$state/last-$1"; } 2>/dev/null || true
}

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

# The new dump's name: the plan's for the first nightly of the day, a timed one with its reason otherwise.
target_name() {
  local reason=$1 day stamp
  day=$(date +%Y%m%d)
  stamp=$(date +%Y%m%d_%H%M%S)
  if [[ $reason == nightly && ! -e $backup_dir/${PGDATABASE}_$day.sql.gz ]]; then
    echo "${PGDATABASE}_$day.sql.gz"
  else
    echo "${PGDATABASE}_${stamp}_$reason.sql.gz"
  fi
}

# The dump's text: its label, ON_ERROR_STOP, one transaction dropping every table first, pg_dump's
# output, COMMIT. COMMIT comes only after pg_dump succeeded: a cut-off file changes nothing.
dump_sql() {
  local snapshot=$1 reason=$2 schema=$3
  printf -- '-- tautaurun-backup: database=%s reason=%s taken=%s schema=%s\n' \
    "$PGDATABASE" "$reason" "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$schema"
  printf '\\set ON_ERROR_STOP on\nBEGIN;\n'
  cat "$drop_tables_sql"
  pg_dump --snapshot="$snapshot" --clean --if-exists --no-owner --no-privileges 2>"$work/pg_dump.err" || return 1
  printf 'COMMIT;\n'
}

dump() {
  local reason=$1
  mode=dump
  mkdir -p "$backup_dir" 2>/dev/null || true
  [[ -d $backup_dir && -w $backup_dir ]] || fail "backup directory $backup_dir is not writable"
  [[ -r $drop_tables_sql ]] || fail "cannot read $drop_tables_sql"
  # Two runs at once would race for names and retention: the second one stops here.
  local lock
  exec {lock}>>"$backup_dir/.backup.lock" || fail "cannot create $backup_dir/.backup.lock"
  flock -n "$lock" || fail "another backup.sh is already running on $backup_dir; this run did nothing"
  work=$(mktemp -d)
  partial=$(mktemp -d "$backup_dir/.backup.XXXXXX") || fail "cannot create a temporary folder in $backup_dir"
  local started=$SECONDS

  # One repeatable-read transaction exports its snapshot to pg_dump and counts the rows in that same
  # snapshot while pg_dump runs, so the counts (and the schema version) are exactly the dump's.
  coproc SESSION { psql -X -q -A -t -v ON_ERROR_STOP=1 2>"$work/psql.err"; }
  # shellcheck disable=SC2153 # SESSION_PID is set by coproc
  local to_session=${SESSION[1]} from_session=${SESSION[0]} pid=$SESSION_PID snapshot="" schema=""
  # The schema version through query_to_xml: a database never migrated has no version table (0).
  echo "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_export_snapshot();
    SELECT CASE WHEN to_regclass('public.version_info') IS NULL THEN '0' ELSE (xpath('/row/v/text()',
      query_to_xml('SELECT coalesce(max(version), 0) AS v FROM public.version_info', false, true, '')))[1]::text END;" \
    2>/dev/null >"/dev/fd/$to_session" || true
  read -r -t 60 snapshot <&"$from_session" || true
  [[ -n $snapshot ]] || fail "cannot connect to database $PGDATABASE: $(grep -m1 . "$work/psql.err")"
  read -r -t 60 schema <&"$from_session" || true
  [[ $schema =~ ^[0-9]+$ ]] || fail "cannot read the schema version of $PGDATABASE: $(grep -m1 . "$work/psql.err")"

  { count_tables_sql; echo "SELECT '--end--';"; } 2>/dev/null >"/dev/fd/$to_session" || true

  # --no-owner/--no-privileges: objects belong to whoever restores (the plan restores as tautaurun),
  # so a dump also restores on a new server whose roles differ.
  # The compressed stream is checked (-t) as tee writes it to the file, rather than read back
  # afterwards: that read-back decompressed the whole dump again, a quarter of a backup's time.
  if ! dump_sql "$snapshot" "$reason" "$schema" |
    "$compressor" -6 2>"$work/gzip.err" | tee "$partial/dump.sql.gz" 2>"$work/tee.err" | "$compressor" -t 2>/dev/null; then
    local status=("${PIPESTATUS[@]}")
    [[ ${status[0]}${status[1]}${status[2]} == 000 ]] && fail "the new dump is not a valid gzip file"
    fail "pg_dump of $PGDATABASE failed: $(cat "$work/gzip.err" "$work/tee.err" "$work/pg_dump.err" 2>/dev/null | grep -m1 . || echo 'cannot write the dump')"
  fi
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
  # ln, not mv: a link never replaces an existing file, so no run can overwrite another's dump.
  # The counts first: a dump is never without its counts.
  local target
  target="$backup_dir/$(target_name "$reason")"
  # Names hold the second: a run of the same reason in the same second waits for the next one.
  while [[ -e $target ]]; do
    sleep 0.2
    target="$backup_dir/$(target_name "$reason")"
  done
  if ! ln "$partial/counts" "${target%.sql.gz}.counts" 2>"$work/ln.err"; then
    fail "cannot put the new dump in place as $target: $(grep -m1 . "$work/ln.err")"
  fi
  if ! ln "$partial/dump.sql.gz" "$target" 2>"$work/ln.err"; then
    rm -f "${target%.sql.gz}.counts"
    fail "cannot put the new dump in place as $target: $(grep -m1 . "$work/ln.err")"
  fi
  sync "$backup_dir"
  say "wrote $target ($(du -h "$target" | cut -f1), $(wc -l <"${target%.sql.gz}.counts") tables, schema $schema, $reason) in $((SECONDS - started)) s"
  record success "$target"
  prune
  offsite "$target"
}

# The label on a dump's first line ("database=… reason=… taken=… schema=…"), empty for older dumps.
label_of() {
  local first
  first=$(gunzip -c "$1" 2>/dev/null | head -n1 || true)
  [[ $first == "-- tautaurun-backup: "* ]] && echo "${first#-- tautaurun-backup: }"
  return 0
}

# label_field LABEL NAME: one field of a label.
label_field() { sed -n "s/.*\\<$2=\\([^ ]*\\).*/\\1/p" <<<"$1"; }

# Every dump as "TAKEN<TAB>REASON<TAB>SIZE<TAB>SCHEMA<TAB>PATH", oldest first. Dumps written before
# labels existed get their time and reason from the name, and a schema version of "?".
list() {
  local file label taken reason schema
  while IFS= read -r file; do
    label=$(label_of "$file")
    if [[ -n $label ]]; then
      taken=$(label_field "$label" taken)
      reason=$(label_field "$label" reason)
      schema=$(label_field "$label" schema)
    else
      local base=${file##*/}
      base=${base#"${PGDATABASE}_"}
      base=${base%.sql.gz}
      taken="${base:0:4}-${base:4:2}-${base:6:2}T$( [[ ${base:8:1} == _ ]] && echo "${base:9:2}:${base:11:2}:${base:13:2}" || echo 00:00:00).000Z"
      reason=nightly
      [[ $base == *_*_* ]] && reason=${base#*_*_}
      schema="?"
    fi
    printf '%s\t%s\t%s\t%s\t%s\n' "$taken" "$reason" "$(du -h "$file" | cut -f1)" "$schema" "$file"
  done < <(find "$backup_dir" -maxdepth 1 -name "$name_pattern" | sort) | sort
}

# Nightly dumps as "YYYYMMDD ISOYEAR-WEEK YYYYMM PATH"; other dumps as "YYYYMMDD other - PATH".
list_for_retention() {
  local files=() file base day
  mapfile -t files < <(find "$backup_dir" -maxdepth 1 -name "$name_pattern" | sort)
  for file in "${files[@]}"; do
    base=${file##*/}
    base=${base#"${PGDATABASE}_"}
    day=${base:0:8}
    if [[ $base == "$day.sql.gz" || $base == *_nightly.sql.gz ]]; then
      printf '%s %s %s\n' "$day" "$(date -d "$day" '+%G-%V %Y%m')" "$file"
    else
      printf '%s other - %s\n' "$(date -d "$day" +%Y%m%d)" "$file"
    fi
  done
}

prune() {
  local listing drop=() kept oldest_other
  listing=$(list_for_retention) || fail "a file name in $backup_dir does not hold a valid date"
  [[ -n $listing ]] || return 0
  oldest_other=$(date -d "-$keep_other_days days" +%Y%m%d)
  # Newest first. Nightly: every file of the 7 newest days, and the first file seen of each of 4 weeks
  # and of 12 months. Others: those of the last BACKUP_KEEP_OTHER_DAYS days.
  mapfile -t drop < <(sort -r <<<"$listing" | awk -v oldest_other="$oldest_other" '
    $2 == "other" { if ($1 < oldest_other) { print $4; sub(/\.sql\.gz$/, ".counts", $4); print $4 } next }
    !($1 in days) && days_seen < 7 { days[$1] = 1; days_seen++ }
    { keep = ($1 in days) }
    !($2 in weeks) && weeks_seen < 4 { weeks[$2] = 1; weeks_seen++; keep = 1 }
    !($3 in months) && months_seen < 12 { months[$3] = 1; months_seen++; keep = 1 }
    !keep { print $4; sub(/\.sql\.gz$/, ".counts", $4); print $4 }')
  kept=$(($(wc -l <<<"$listing") - ${#drop[@]} / 2))
  if [[ ${#drop[@]} -gt 0 ]]; then
    rm -f -- "${drop[@]}" || fail "cannot delete old dumps in $backup_dir"
  fi
  say "retention: kept $kept dumps, deleted $((${#drop[@]} / 2))"
}

# The offsite copy: the dump and its counts encrypted with age to TAUTAURUN_AGE_RECIPIENT (a public
# key: the private one is never on this server or in the bucket), streamed to S3 as NAME.age; then
# the bucket follows the local retention (its copies of dumps deleted here go too).
offsite() {
  local bucket=${TAUTAURUN_S3_BUCKET:-} recipient=${TAUTAURUN_AGE_RECIPIENT:-} file name listing object
  [[ -n $bucket ]] || return 0
  bucket=s3://${bucket#s3://}
  [[ -n $recipient ]] || fail "TAUTAURUN_S3_BUCKET is set but TAUTAURUN_AGE_RECIPIENT is not: no dump leaves unencrypted; $1 is only local"
  command -v age >/dev/null || fail "offsite copy to $bucket/ impossible: the age command is missing; $1 is only local"
  command -v aws >/dev/null || fail "offsite copy to $bucket/ impossible: the aws command is missing; $1 is only local"
  # A wrong key is found before anything is sent: a failed stream would still leave an object.
  age -r "$recipient" </dev/null >/dev/null 2>"$work/age.err" ||
    fail "offsite copy to $bucket/ failed: TAUTAURUN_AGE_RECIPIENT: $(grep -m1 . "$work/age.err"); $1 is only local"
  for file in "$1" "${1%.sql.gz}.counts"; do
    name=${file##*/}.age
    if ! age -r "$recipient" "$file" 2>"$work/age.err" | aws s3 cp --only-show-errors - "$bucket/$name" 2>"$work/aws.err"; then
      aws s3 rm --only-show-errors "$bucket/$name" >/dev/null 2>&1 || true
      fail "offsite copy to $bucket/ failed: $(cat "$work/age.err" "$work/aws.err" | grep -m1 . || echo 'no reason given'); $1 is only local"
    fi
  done
  say "copied $1 to $bucket/${1##*/}.age (encrypted with age)"
  listing=$(aws s3 ls "$bucket/" 2>"$work/aws.err") || fail "cannot list $bucket/ for its retention: $(grep -m1 . "$work/aws.err")"
  local deleted=0
  while read -r object; do
    [[ $object == "${PGDATABASE}_"*.age && ! -e $backup_dir/${object%.age} ]] || continue
    aws s3 rm --only-show-errors "$bucket/$object" 2>"$work/aws.err" || fail "cannot delete $bucket/$object: $(grep -m1 . "$work/aws.err")"
    deleted=$((deleted + 1))
  done < <(awk '{ print $4 }' <<<"$listing")
  say "offsite retention: deleted $deleted copies of dumps no longer kept here"
}

verify() {
  local newest started=$SECONDS
  mode=verify
  newest=$(list | tail -n1 | cut -f5)
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

usage="usage: backup.sh [--reason nightly|manual|pre-deploy|rollback-safety|emergency] | --list | --verify | --prune"
case ${1:-} in
  "") dump manual ;;
  --reason)
    [[ ${2:-} =~ ^(nightly|manual|pre-deploy|rollback-safety|emergency)$ && $# -eq 2 ]] || { echo "$usage" >&2; exit 2; }
    dump "$2" ;;
  --list)
    printf 'TAKEN (UTC)\tREASON\tSIZE\tSCHEMA\tFILE\n'
    list ;;
  --verify) verify ;;
  --prune) prune ;;
  -h | --help) echo "$usage" ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
