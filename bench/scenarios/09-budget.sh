#!/usr/bin/env bash
# Scenario 9, the cost budget of one registration (issue 16): CPU per step, the product beside the bare
# flow (a). The form's GET and the confirmation page's GET are measured alone (64 users doing only that
# step, `load --mode form|status`); the POST's share is scenario 1's whole flow less those two, so run it
# after scenario 1 in the same run (bench/run.sh 01 09). Then the database's time per registration,
# statement by statement, from pg_stat_statements of scenario 1's database (all of its registrations,
# warm-up included). bench/FINDINGS.md keeps the table by hand, with what changed each line.
# Usage: run by bench/run.sh (needs its environment; see bench/lib.sh).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$BENCH_ROOT/bench/lib.sh"

scenario="9 cost budget"
users=64
if ((BENCH_QUICK)); then warmup=2 duration=3; else warmup=10 duration=20; fi
postmaster=$(bench_postmaster_pid)

# step NAME URL MODE [load options...]: one step alone; prints "app_ms pg_ms" of CPU per request.
step() {
  local name=$1 url=$2 mode=$3
  shift 3
  $BENCH_TOOL load --url "$url" --mode "$mode" --users "$users" --warmup "$warmup" --duration "$duration" --pg-pid "$postmaster" "$@" \
    >"$BENCH_WORK/$name.load" 2>"$BENCH_WORK/$name.load.err" || { cat "$BENCH_WORK/$name.load.err" >&2; return 1; }
  awk '{ v[$1] = $2 } END {
    if (v["errors"] > 0) { print "errors " v["error_kinds"] > "/dev/stderr"; exit 1 }
    printf "%.3f %.3f\n", 1000 * v["cpu_app_cores"] / v["throughput_per_s"], 1000 * v["cpu_pg_cores"] / v["throughput_per_s"] }' "$BENCH_WORK/$name.load"
}
# per_flow NAME: "app_ms pg_ms" per registration from scenario 1's load output, or nothing.
per_flow() {
  [[ -s $BENCH_WORK/$1.load ]] || return 0
  awk '{ v[$1] = $2 } END { printf "%.3f %.3f\n", 1000 * v["cpu_app_cores"] / v["throughput_per_s"], 1000 * v["cpu_pg_cores"] / v["throughput_per_s"] }' "$BENCH_WORK/$1.load"
}

bench_createdb_bare bare_budget
port=$(bench_free_port)
pid=$(bench_start_tool_host bare-budget "$port" bare-flow --connection "$(bench_connstr bare_budget)")
read -r bare_form_app bare_form_pg < <(step bare-form "http://127.0.0.1:$port" form --app-pid "$pid")
read -r bare_status_app bare_status_pg < <(step bare-status "http://127.0.0.1:$port" status --app-pid "$pid")
bench_stop_app "$pid"

bench_createdb budget
bench_psql budget <<'SQL'
INSERT INTO race_categories (name, distance_meters, capacity, price_minor, currency, bib_first, bib_last, sort_order)
VALUES ('5K', 5000, 1000, 1500, 'EUR', 1, 9999, 1);
SQL
port=$(bench_free_port)
pid=$(bench_start_app budget "$port" RateLimits__RunnerPostsPerMinute=1000000000 \
  Event__RegistrationOpensAt=2000-01-01T00:00:00Z Event__RegistrationClosesAt=2099-01-01T00:00:00Z)
read -r form_app form_pg < <(step app-form "http://127.0.0.1:$port" form --app-pid "$pid")
read -r status_app status_pg < <(step app-status "http://127.0.0.1:$port" status --app-pid "$pid")
bench_stop_app "$pid"

row() { bench_row "$scenario" "$1" "$2" "ms" "(a) bare flow" "$3" "-" "-" "$4"; }
row "app CPU per form GET" "$form_app" "$bare_form_app" "64 users doing only this step"
row "PostgreSQL CPU per form GET" "$form_pg" "$bare_form_pg" "64 users doing only this step"
row "app CPU per confirmation GET" "$status_app" "$bare_status_app" "64 users doing only this step (each registered once first)"
row "PostgreSQL CPU per confirmation GET" "$status_pg" "$bare_status_pg" "64 users doing only this step (each registered once first)"
if read -r flow_app flow_pg < <(per_flow app) && read -r bare_flow_app bare_flow_pg < <(per_flow bare); then
  post() { awk -v f="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.3f", f - a - b }'; }
  row "app CPU per POST (and waiting-list POST)" "$(post "$flow_app" "$form_app" "$status_app")" \
    "$(post "$bare_flow_app" "$bare_form_app" "$bare_status_app")" "scenario 1's CPU per registration less the two GETs above"
  row "PostgreSQL CPU per POST (and waiting-list POST)" "$(post "$flow_pg" "$form_pg" "$status_pg")" \
    "$(post "$bare_flow_pg" "$bare_form_pg" "$bare_status_pg")" "scenario 1's CPU per registration less the two GETs above"
fi

# The database's time per registration in scenario 1, statement by statement (execution and planning).
if bench_psql postgres -At -c "SELECT 1 FROM pg_database WHERE datname = 'rush'" | grep -q 1; then
  registrations=$(bench_psql rush -At -c "SELECT count(*) FROM participants")
  bench_psql postgres -At -F $'\t' -v registrations="$registrations" >"$BENCH_WORK/budget-statements.tsv" <<'SQL'
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
SELECT round(((s.total_exec_time + s.total_plan_time) / :registrations)::numeric, 3),
       round((s.calls::numeric / :registrations), 2),
       left(regexp_replace(s.query, '\s+', ' ', 'g'), 70)
FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
WHERE d.datname = 'rush' AND s.calls >= :registrations / 2
ORDER BY s.total_exec_time + s.total_plan_time DESC
LIMIT 10
SQL
  while IFS=$'\t' read -r ms calls query; do
    bench_row "$scenario" "DB time per registration: $query" "$ms" ms "" "" "-" "-" "$calls calls per registration, $registrations registrations (scenario 1)"
  done <"$BENCH_WORK/budget-statements.tsv"
fi
