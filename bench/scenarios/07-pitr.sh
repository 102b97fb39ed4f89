#!/usr/bin/env bash
# Scenario 7, point-in-time recovery with pgBackRest: the registration rush with WAL archiving off,
# then on (archive_command = pgbackrest archive-push, archive_timeout = 60 s, as install.sh sets it),
# in this run on this cluster, with the archive lag sampled every second during the archived rush;
# then the drill at 100,000 runners: T noted, damage, deploy/pitr-restore.sh --to T end to end with
# the app as the service, and a check that exactly the runners of T came back.
# Targets: throughput with archiving >= 0.9 x without; archive lag < 60 s; the drill < 120 s.
# Usage: run by bench/run.sh (needs its environment; see bench/lib.sh). The drill needs root.
set -euo pipefail
# shellcheck source=bench/data/data.sh
source "$BENCH_ROOT/bench/data/data.sh"

scenario="7 point-in-time recovery"
users=64
if ((BENCH_QUICK)); then warmup=2 duration=4; else warmup=10 duration=20; fi
db=$(bench_runners_db)
runners=$(bench_runners)
data=$(cat "$BENCH_WORK/pg/started")
postmaster=$(bench_postmaster_pid)
seconds_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# rush NAME: the registration flow of scenario 1 into one big race of a fresh database; prints registrations/s.
rush() {
  local name=$1 port pid race
  bench_createdb "$name"
  race=$(bench_psql "$name" -At -c "INSERT INTO race_categories (name, distance_meters, capacity, price_minor, currency, bib_first, bib_last, sort_order)
    VALUES ('5K', 5000, 1000000, 1500, 'EUR', 1, 9999999, 1) RETURNING id")
  port=$(bench_free_port)
  pid=$(bench_start_app "$name" "$port" RateLimits__RunnerPostsPerMinute=1000000000 \
    Event__RegistrationOpensAt=2000-01-01T00:00:00Z Event__RegistrationClosesAt=2099-01-01T00:00:00Z)
  $BENCH_TOOL load --url "http://127.0.0.1:$port" --mode flow --users "$users" --duration "$duration" --warmup "$warmup" \
    --pg-pid "$postmaster" --app-pid "$pid" --categories "$race" --warmup-categories "$race" \
    >"$BENCH_WORK/$name.load" 2>"$BENCH_WORK/$name.load.err" || { cat "$BENCH_WORK/$name.load.err" >&2; return 1; }
  bench_stop_app "$pid"
  awk '$1 == "throughput_per_s" { print $2 }' "$BENCH_WORK/$name.load"
}

off=$(rush pitr_rush_off)

# WAL archiving to a pgBackRest repository in the scratch folder, as install.sh sets it up.
pgbr=$BENCH_WORK/pgbackrest
mkdir -p "$pgbr/repo" "$pgbr/log" "$pgbr/lock" "$BENCH_WORK/pitr-backups"
cat >"$pgbr/pgbackrest.conf" <<CONF
[bench]
pg1-path=$data
pg1-port=$PGPORT
pg1-socket-path=$PGHOST
pg1-user=postgres
repo1-path=$pgbr/repo
repo1-retention-full=2
compress-type=zst
start-fast=y
log-path=$pgbr/log
lock-path=$pgbr/lock
log-level-console=warn
CONF
[[ $(id -u) -eq 0 ]] && chown -R postgres: "$pgbr" "$BENCH_WORK/pitr-backups"
export PGBACKREST_CONFIG=$pgbr/pgbackrest.conf PGBACKREST_STANZA=bench
bench_psql postgres -c "ALTER SYSTEM SET archive_mode = on" -c "ALTER SYSTEM SET archive_timeout = 60" \
  -c "ALTER SYSTEM SET archive_command = 'PGBACKREST_CONFIG=$pgbr/pgbackrest.conf pgbackrest --stanza=bench archive-push %p'"
bench_as_postgres "$BENCH_PG_BIN/pg_ctl" restart -w -m fast -D "$data" >/dev/null
postmaster=$(bench_postmaster_pid)
bench_as_postgres pgbackrest --stanza=bench stanza-create
started=$EPOCHREALTIME
bench_as_postgres pgbackrest --stanza=bench --type=full backup
bench_row "$scenario" "full pgBackRest backup of the cluster" "$(seconds_since "$started")" s - - "-" - \
  "$runners runners plus every other bench database; zst, start-fast"

# The archived rush, with the archive lag (as /health computes it) sampled every second.
lag_sql="SELECT CASE WHEN last_archived_wal >= pg_walfile_name(pg_current_wal_lsn() - pg_size_bytes(current_setting('wal_segment_size')))
  THEN 0 ELSE extract(epoch FROM now() - coalesce(last_archived_time, stats_reset))::int END FROM pg_stat_archiver"
: >"$BENCH_WORK/pitr-lag"
(while true; do bench_psql postgres -At -c "$lag_sql" >>"$BENCH_WORK/pitr-lag" 2>/dev/null || true; sleep 1; done) &
sampler=$!
on=$(rush pitr_rush_on)
kill "$sampler"
wait "$sampler" 2>/dev/null || true
max_lag=$(sort -n "$BENCH_WORK/pitr-lag" | tail -n 1)
bench_row "$scenario" "registrations/s with WAL archiving" "$(printf '%.0f' "$on")" /s "archiving off, same run" "$(printf '%.0f' "$off")" "≥ 0.9" \
  "$(awk -v a="$on" -v b="$off" 'BEGIN { print (a >= 0.9 * b) ? "yes" : "no" }')" "64 users, ${duration} s after ${warmup} s warm-up, one race"
bench_row "$scenario" "WAL archive lag during the rush (max)" "$max_lag" s - - "< 60 s" "$( ((max_lag < 60)) && echo yes || echo no)" \
  "$(wc -l <"$BENCH_WORK/pitr-lag") samples, one a second; 0 = no finished segment waiting"

if [[ $(id -u) -ne 0 ]]; then
  bench_row "$scenario" "PITR drill, end to end" "-" s - - "< 120 s" - "not run: pitr-restore.sh needs root"
  exit 0
fi

# The drill: the app as the service, T, damage, pitr-restore.sh --to T.
port=$(bench_free_port)
pid_file=$BENCH_WORK/07-service.pid
mkdir -p "$BENCH_WORK/logs/07-service"
connection=$(bench_connstr "$db")
export TAUTAURUN_START_CMD="setsid env ASPNETCORE_ENVIRONMENT=Production ConnectionStrings__Default='$connection' \
TauTauRun__LogDirectory=$BENCH_WORK/logs/07-service TauTauRun__MailPickupDirectory=$BENCH_WORK/mail/07 \
dotnet $BENCH_APP --urls http://127.0.0.1:$port >>$BENCH_WORK/logs/07-service/console.log 2>&1 </dev/null & echo \$! >$pid_file"
export TAUTAURUN_STOP_CMD="kill \$(cat $pid_file) && tail --pid=\$(cat $pid_file) -f /dev/null"
export TAUTAURUN_HEALTH_URL=http://127.0.0.1:$port/health
export TAUTAURUN_PG_STOP_CMD="runuser -u postgres -- $BENCH_PG_BIN/pg_ctl stop -w -m fast -D $data"
export TAUTAURUN_PG_START_CMD="runuser -u postgres -- $BENCH_PG_BIN/pg_ctl start -w -t 600 -D $data -l $BENCH_WORK/pg/server.log -o \
'-c port=$PGPORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PGHOST -c max_connections=200 -c shared_buffers=512MB -c shared_preload_libraries=pg_stat_statements -c fsync=on'"
export PGDATABASE=$db BACKUP_DIR=$BENCH_WORK/pitr-backups TAUTAURUN_BACKUP_USER=postgres PATH=$BENCH_PG_BIN:$PATH
bash -c "$TAUTAURUN_START_CMD"
bench_track "$(cat "$pid_file")"
bench_wait_http "$TAUTAURUN_HEALTH_URL" "$(cat "$pid_file")" 60
state="SELECT count(*) || ' ' || md5(string_agg(id::text || payment_status, ',' ORDER BY id)) FROM participants"
# --to has whole seconds: T lies strictly between the last commit before it and the first after it.
sleep 1.1
at_t=$(bench_psql "$db" -At -c "$state")
target=$(date -u '+%Y-%m-%d %H:%M:%S')
sleep 1.1
bench_psql "$db" -c "TRUNCATE participants CASCADE"
started=$EPOCHREALTIME
"$BENCH_ROOT/deploy/pitr-restore.sh" --to "$target UTC" --yes 2>"$BENCH_WORK/07-pitr.log" || { cat "$BENCH_WORK/07-pitr.log" >&2; exit 1; }
drill=$(seconds_since "$started")
bench_track "$(cat "$pid_file")"
after=$(bench_psql "$db" -At -c "$state")
bash -c "$TAUTAURUN_STOP_CMD"
steps=$(sed -n 's/^pitr-restore.sh: step \([0-9]\): done in \([0-9.]*\) s$/\1: \2 s/p' "$BENCH_WORK/07-pitr.log" | paste -sd ',' | sed 's/,/, /g')
exact=$([[ $after == "$at_t" ]] && echo "the runners of T exactly" || echo "NOT the state of T: $after against $at_t")
bench_row "$scenario" "PITR drill at $runners runners, end to end" "$drill" s - - "< 120 s" \
  "$(awk -v a="$drill" 'BEGIN { print (a < 120) ? "yes" : "no" }')" \
  "$exact; steps (1 stop, 2 emergency dump, 3 WAL archived, 4 restore, 5 recovery, 6 counts, 7 start, 8 health): $steps"
