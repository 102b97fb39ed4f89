#!/usr/bin/env bash
# Scenario 5: backup and restore at 100,000 runners and 300,000 emails. backup.sh (pointed at the
# bench database through libpq's variables and BACKUP_DIR, as the nightly job is) against a bare
# `pg_dump | gzip` (pigz when installed, as backup.sh compresses), best of 2 each; the plan's restore
# command (`gunzip -c FILE | psql`) into the live database; then deploy/restore.sh end to end, with the
# app as the service (started and stopped by pid file, as the operations tests do). Targets: backup <= 1.15x the bare dump; the drill < 60 s.
set -euo pipefail
# shellcheck source=bench/data/data.sh
source "$BENCH_ROOT/bench/data/data.sh"

db=$(bench_runners_db)
runners=$(bench_runners)
backups=$BENCH_WORK/backups
mkdir -p "$backups"
export PGDATABASE=$db BACKUP_DIR=$backups PATH=$BENCH_PG_BIN:$PATH

# The compressor backup.sh uses (pigz when installed), so the bare dump is compressed the same way.
compressor=gzip
command -v pigz >/dev/null && compressor=pigz

seconds_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
best() { printf '%s\n' "$@" | sort -n | head -n 1; }

bare_times=() script_times=()
for _ in 1 2; do
  started=$EPOCHREALTIME
  pg_dump "$db" | "$compressor" -6 >"$BENCH_WORK/bare.sql.gz"
  bare_times+=("$(seconds_since "$started")")
  started=$EPOCHREALTIME
  "$BENCH_ROOT/backup.sh" --reason nightly 2>>"$BENCH_WORK/05-backup.log"
  script_times+=("$(seconds_since "$started")")
done
dump=$(find "$backups" -name "${db}_*.sql.gz" | sort | tail -n 1)
bare=$(best "${bare_times[@]}") script=$(best "${script_times[@]}")
bench_row "5 backup, $runners runners" "backup.sh (best of 2)" "$script" s "pg_dump | $compressor (best of 2)" "$bare" "<= 1.15x" \
  "$(awk -v a="$script" -v b="$bare" 'BEGIN { print (a <= 1.15 * b) ? "yes" : "no" }')" \
  "dump $(du -k "$dump" | cut -f1) KiB gzipped, $(gunzip -c "$dump" | wc -c | awk '{ printf "%d", $1 / 1048576 }') MiB of SQL; runs: backup.sh ${script_times[*]} s, bare ${bare_times[*]} s"

# The plan's restore command, over the live database.
started=$EPOCHREALTIME
gunzip -c "$dump" | psql -X -d "$db" >/dev/null 2>"$BENCH_WORK/05-plan-restore.err"
plan=$(seconds_since "$started")
errors=$(grep -c ERROR "$BENCH_WORK/05-plan-restore.err" || true)
bench_row "5 restore, $runners runners" "plan's restore command (gunzip | psql)" "$plan" s - - "-" - "$errors errors"

# The drill: restore.sh with the app as the service.
port=$(bench_free_port)
pid_file=$BENCH_WORK/05-service.pid
mkdir -p "$BENCH_WORK/logs/05-service"
connection=$(bench_connstr "$db")
key_file=$(bench_key_file)
export TAUTAURUN_START_CMD="setsid env ASPNETCORE_ENVIRONMENT=Production ConnectionStrings__Default='$connection' \
TauTauRun__LogDirectory=$BENCH_WORK/logs/05-service TauTauRun__MailPickupDirectory=$BENCH_WORK/mail/05 \
TauTauRun__DataProtection__KeyFile=$key_file \
dotnet $BENCH_APP --urls http://127.0.0.1:$port >>$BENCH_WORK/logs/05-service/console.log 2>&1 </dev/null & echo \$! >$pid_file"
# tail --pid returns when the process is gone: a wait on the exit, not a sleep.
export TAUTAURUN_STOP_CMD="kill \$(cat $pid_file) && tail --pid=\$(cat $pid_file) -f /dev/null"
export TAUTAURUN_HEALTH_URL=http://127.0.0.1:$port/health
# The release's command line, as /usr/local/bin/tautaurun is on a server (restore.sh asks its schema version).
printf '#!/bin/bash\nexec env ConnectionStrings__Default=%q TauTauRun__LogDirectory=%q dotnet %q "$@"\n' \
  "$connection" "$BENCH_WORK/logs/05-cli" "$BENCH_APP" >"$BENCH_WORK/tautaurun" && chmod +x "$BENCH_WORK/tautaurun"
export TAUTAURUN_CLI=$BENCH_WORK/tautaurun
bash -c "$TAUTAURUN_START_CMD"
bench_track "$(cat "$pid_file")"
bench_wait_http "$TAUTAURUN_HEALTH_URL" "$(cat "$pid_file")" 60
started=$EPOCHREALTIME
"$BENCH_ROOT/deploy/restore.sh" --yes "$dump" 2>"$BENCH_WORK/05-restore.log"
drill=$(seconds_since "$started")
bench_track "$(cat "$pid_file")"
bash -c "$TAUTAURUN_STOP_CMD"
steps=$(sed -n 's/^restore.sh: step \([0-9]\): done in \([0-9.]*\) s$/\1: \2 s/p' "$BENCH_WORK/05-restore.log" | paste -sd ',' | sed 's/,/, /g')
bench_row "5 restore, $runners runners" "deploy/restore.sh drill, end to end" "$drill" s "plan's restore command" "$plan" "< 60 s" \
  "$(awk -v a="$drill" 'BEGIN { print (a < 60) ? "yes" : "no" }')" \
  "steps (1 stop, 2 emergency backup, 3 restore, 4 verify, 5 start, 6 health): $steps"
