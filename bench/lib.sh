# shellcheck shell=bash
# Helpers for bench/run.sh and the scenarios it runs (bench/scenarios/NN-*.sh), which source this file.
# run.sh exports: BENCH_ROOT (the checkout), BENCH_WORK (scratch, removed after a clean run),
# BENCH_QUICK (0 or 1), BENCH_PG_BIN, PGHOST (the cluster's socket folder), PGPORT, PGUSER (superuser),
# BENCH_APP (the published TauTauRun.Web.dll), BENCH_TOOL (command for the C# bench tool, word-split
# on purpose: `$BENCH_TOOL load ...`), BENCH_BARE_WEB (the bare `dotnet new web` app), BENCH_CSV.
#
#   bench_createdb NAME              a new database, migrated by the app's own `migrate`
#   bench_createdb_bare NAME         a new empty database (for baselines)
#   bench_connstr NAME               its Npgsql connection string (pool as the product sets it)
#   bench_start_app NAME PORT [VAR=VALUE...]
#                                    the published app in Production against database NAME on
#                                    127.0.0.1:PORT, logs in $BENCH_WORK/logs/NAME-PORT; waits for
#                                    /health 200 and prints its PID
#   bench_stop_app PID               SIGTERM (as systemd stops it) and wait for the exit
#   bench_key_file                   the run's Data Protection key file (made on first use); prints its path
#   bench_start_smtp_sink PORT [--expect N]
#                                    an SMTP sink on 127.0.0.1:PORT (the bench tool); prints its PID.
#                                    It writes its message count to $BENCH_WORK/smtp-PORT.count as it
#                                    goes; with --expect N it also exits by itself after N messages
#                                    and prints "messages N seconds S" (first to last) to
#                                    $BENCH_WORK/smtp-PORT.log
#   bench_smtp_count PORT            messages the sink on PORT has received so far
#   bench_row SCENARIO MEASURE VALUE UNIT BASELINE_NAME BASELINE_VALUE TARGET MET NOTES
#                                    one CSV row; RATIO = VALUE / BASELINE_VALUE when both are numbers.
#                                    MET is yes, no or - (no target)
#   bench_free_port                  a free TCP port on 127.0.0.1
#   bench_track PID                  stop PID when the run ends (bench_start_* do this themselves)
#   bench_cpu_ticks PID...           user+system clock ticks of the processes (for CPU use)
#   bench_pg_pids                    the cluster's processes (postmaster and its children)
#   bench_postmaster_pid             the cluster's postmaster (for `$BENCH_TOOL load --pg-pid`)
#   bench_start_tool_host NAME PORT SUBCOMMAND [ARGS...]
#                                    a bench tool web host (bare-flow, bare-insert...) given --port
#                                    PORT; waits for its /health and prints its PID
#   bench_psql DB [psql args...]     psql on DB, quiet, stops on the first error

bench_as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# A private cluster in $BENCH_WORK/pg with production settings: fsync, synchronous_commit and
# full_page_writes stay on (the defaults); only sizes are set for a 2-core machine.
bench_start_cluster() {
  local data=$BENCH_WORK/pg/data
  export PGHOST=$BENCH_WORK/pg/socket PGUSER=postgres
  PGPORT=$(bench_free_port)
  export PGPORT
  mkdir -p "$data" "$PGHOST"
  [[ $(id -u) -eq 0 ]] && chown -R postgres: "$BENCH_WORK/pg"
  bench_as_postgres "$BENCH_PG_BIN/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 \
    --locale=C.UTF-8 >"$BENCH_WORK/initdb.log"
  bench_as_postgres "$BENCH_PG_BIN/pg_ctl" start -w -t 60 -D "$data" -l "$BENCH_WORK/pg/server.log" -o \
    "-c port=$PGPORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PGHOST -c max_connections=200 -c shared_buffers=512MB -c shared_preload_libraries=pg_stat_statements -c fsync=on" \
    >/dev/null
  echo "$data" >"$BENCH_WORK/pg/started"
  # Statement statistics for every database, read from the postgres database when profiling.
  bench_psql postgres -c "CREATE EXTENSION pg_stat_statements"
}

bench_stop_cluster() {
  [[ -f $BENCH_WORK/pg/started ]] || return 0
  bench_as_postgres "$BENCH_PG_BIN/pg_ctl" stop -m fast -w -D "$(cat "$BENCH_WORK/pg/started")" >/dev/null || true
  rm -f "$BENCH_WORK/pg/started"
}

bench_psql() {
  local db=$1
  shift
  "$BENCH_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"
}

bench_createdb_bare() { "$BENCH_PG_BIN/createdb" "$1"; }

bench_createdb() {
  bench_createdb_bare "$1"
  ConnectionStrings__Default=$(bench_connstr "$1") TauTauRun__LogDirectory=$BENCH_WORK/logs/migrate-$1 \
    ASPNETCORE_ENVIRONMENT=Production dotnet "$BENCH_APP" migrate >"$BENCH_WORK/migrate-$1.log" 2>&1 \
    || { cat "$BENCH_WORK/migrate-$1.log" >&2; return 1; }
}

# Over the Unix socket, as production connects (Host=/var/run/postgresql); the pool size is left to
# the product's own default.
bench_connstr() {
  echo "Host=$PGHOST;Port=$PGPORT;Database=$1;Username=$PGUSER"
}

bench_free_port() { $BENCH_TOOL free-port; }

bench_track() { echo "$1" >>"$BENCH_WORK/pids"; }

# Waits until URL answers 200, for at most SECONDS; fails if the process PID died first.
bench_wait_http() {
  local url=$1 pid=$2 seconds=$3 deadline=$((SECONDS + $3))
  until [[ $(curl -s -o /dev/null -w '%{http_code}' "$url" || true) == 200 ]]; do
    if [[ ! -d /proc/$pid ]]; then echo "error: process $pid exited before $url answered" >&2; return 1; fi
    if ((SECONDS >= deadline)); then echo "error: $url did not answer 200 within $seconds s" >&2; return 1; fi
    sleep 0.1
  done
}

bench_start_app() {
  local db=$1 port=$2
  shift 2
  local logs=$BENCH_WORK/logs/$db-$port
  mkdir -p "$logs"
  env ASPNETCORE_ENVIRONMENT=Production \
    ConnectionStrings__Default="$(bench_connstr "$db")" \
    TauTauRun__DataProtection__KeyFile="$(bench_key_file)" \
    TauTauRun__LogDirectory="$logs" \
    TauTauRun__MailPickupDirectory="$BENCH_WORK/mail/$db" \
    "$@" dotnet "$BENCH_APP" --urls "http://127.0.0.1:$port" >"$logs/console.log" 2>&1 &
  local pid=$!
  bench_track "$pid"
  bench_wait_http "http://127.0.0.1:$port/health" "$pid" 60 || { tail -n 20 "$logs/console.log" >&2; return 1; }
  echo "$pid"
}

# One Data Protection key file for the run, made as install.sh makes the service's.
bench_key_file() {
  local file=$BENCH_WORK/keys/data-protection.pem
  if [[ ! -e $file ]]; then
    # shellcheck source=deploy/lib/secrets.sh
    (source "$BENCH_ROOT/deploy/lib/secrets.sh" && new_key_file "$file") || return 1
  fi
  echo "$file"
}

bench_start_tool_host() {
  local name=$1 port=$2 subcommand=$3
  shift 3
  mkdir -p "$BENCH_WORK/logs"
  $BENCH_TOOL "$subcommand" --port "$port" "$@" >"$BENCH_WORK/logs/$name.log" 2>&1 &
  local pid=$!
  bench_track "$pid"
  bench_wait_http "http://127.0.0.1:$port/health" "$pid" 60 || { tail -n 20 "$BENCH_WORK/logs/$name.log" >&2; return 1; }
  echo "$pid"
}

bench_stop_app() {
  local pid=$1
  [[ -d /proc/$pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  # tail --pid waits for a process that is not our child.
  timeout 30 tail --pid="$pid" -f /dev/null || kill -KILL "$pid" 2>/dev/null || true
}

bench_start_smtp_sink() {
  local port=$1
  shift
  $BENCH_TOOL smtp-sink --port "$port" --count-file "$BENCH_WORK/smtp-$port.count" "$@" \
    >"$BENCH_WORK/smtp-$port.log" 2>&1 &
  local pid=$!
  bench_track "$pid"
  local deadline=$((SECONDS + 30))
  until [[ -f $BENCH_WORK/smtp-$port.count ]]; do
    if [[ ! -d /proc/$pid ]] || ((SECONDS >= deadline)); then
      echo "error: the SMTP sink on port $port did not start" >&2
      cat "$BENCH_WORK/smtp-$port.log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "$pid"
}

bench_smtp_count() { cat "$BENCH_WORK/smtp-$1.count"; }

bench_stop_all() {
  if [[ -f $BENCH_WORK/pids ]]; then
    local pid
    while read -r pid; do bench_stop_app "$pid"; done <"$BENCH_WORK/pids"
    rm -f "$BENCH_WORK/pids"
  fi
  bench_stop_cluster
}

bench_cpu_ticks() {
  local total=0 pid fields
  for pid in "$@"; do
    # Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    fields=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
    read -r -a stat <<<"$fields"
    total=$((total + stat[11] + stat[12]))
  done
  echo "$total"
}

bench_postmaster_pid() { head -n 1 "$(cat "$BENCH_WORK/pg/started")/postmaster.pid"; }

bench_pg_pids() {
  local postmaster
  postmaster=$(bench_postmaster_pid)
  echo "$postmaster"
  pgrep -P "$postmaster" || true
}

# CSV-quotes one field (RFC 4180).
bench_csv_field() {
  local value=$1
  if [[ $value == *[,\"]* ]]; then value="\"${value//\"/\"\"}\""; fi
  printf '%s' "$value"
}

bench_row() {
  [[ $# -eq 9 ]] || { echo "error: bench_row needs 9 arguments, got $#: $*" >&2; return 1; }
  local scenario=$1 measure=$2 value=$3 unit=$4 baseline=$5 baseline_value=$6 target=$7 met=$8 notes=$9 ratio=""
  local number='^-?[0-9]+([.][0-9]+)?$'
  if [[ $value =~ $number && $baseline_value =~ $number ]]; then
    ratio=$(awk -v a="$value" -v b="$baseline_value" 'BEGIN { if (b != 0) printf "%.2f", a / b }')
  fi
  local field line=""
  for field in "$scenario" "$measure" "$value" "$unit" "$baseline" "$baseline_value" "$ratio" "$target" "$met" "$notes"; do
    line+=$(bench_csv_field "$field"),
  done
  echo "${line%,}" >>"$BENCH_CSV"
}
