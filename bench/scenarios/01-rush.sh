#!/usr/bin/env bash
# Scenario 1, the registration rush: 64 virtual runners doing what a browser does (GET the form, POST
# it with its antiforgery token and cookie, follow the redirect; a runner told the race is full joins
# its waiting list as the page offers) against the app, into races whose places run out during the
# measurement, beside (a) the bare flow, (b) a bare one-INSERT endpoint and (c) pgbench, all in this
# run. Then checks in SQL: registered = capacity exactly, no duplicates, every confirmation queued.
# Leaves the app's memory (idle, peak) in $BENCH_WORK/rush-memory for scenario 6.
# Usage: run by bench/run.sh (needs its environment; see bench/lib.sh).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$BENCH_ROOT/bench/lib.sh"

scenario="1 registration rush"
users=64
if ((BENCH_QUICK)); then
  warmup=3 bare_warmup=2 duration=4 warmup_places=3000
else
  warmup=40 bare_warmup=15 duration=30 warmup_places=150000
fi
postmaster=$(bench_postmaster_pid)

# load NAME URL MODE [load options...]: runs the generator, keeps its "key value" output in NAME.load.
load() {
  local name=$1 url=$2 mode=$3
  shift 3
  $BENCH_TOOL load --url "$url" --mode "$mode" --users "$users" --duration "$duration" --pg-pid "$postmaster" "$@" \
    >"$BENCH_WORK/$name.load" 2>"$BENCH_WORK/$name.load.err" || { cat "$BENCH_WORK/$name.load.err" >&2; return 1; }
  sed "s/^/$name: /" "$BENCH_WORK/$name.load.err" >&2
}
# get NAME KEY: one figure from a load run.
get() { awk -v key="$2" '$1 == key { print $2 }' "$BENCH_WORK/$1.load"; }
# at_least VALUE LIMIT / at_most VALUE LIMIT: yes or no.
at_least() { awk -v v="$1" -v l="$2" 'BEGIN { print (v >= l ? "yes" : "no") }'; }
at_most() { awk -v v="$1" -v l="$2" 'BEGIN { print (v <= l ? "yes" : "no") }'; }
round() { awk -v v="$1" 'BEGIN { printf "%.0f", v }'; }

# (b) one INSERT per POST.
bench_createdb_bare bare_insert
port=$(bench_free_port)
pid=$(bench_start_tool_host bare-insert "$port" bare-insert --connection "$(bench_connstr bare_insert)")
load insert "http://127.0.0.1:$port" insert --warmup "$bare_warmup" --app-pid "$pid"
bench_stop_app "$pid"

# (a) the bare flow.
bench_createdb_bare bare_flow
port=$(bench_free_port)
pid=$(bench_start_tool_host bare-flow "$port" bare-flow --connection "$(bench_connstr bare_flow)")
load bare "http://127.0.0.1:$port" flow --warmup "$warmup" --app-pid "$pid"
bench_stop_app "$pid"

# (c) pgbench: independent single-row inserts from 64 clients, prepared statements.
bench_createdb_bare pgbench_rows
bench_psql pgbench_rows -c "CREATE TABLE bench_rows (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
echo "INSERT INTO bench_rows (email) VALUES ('runner@bench.test');" >"$BENCH_WORK/pgbench.sql"
pgbench_tps=$("$BENCH_PG_BIN/pgbench" -n -M prepared -c "$users" -j 2 -T "$duration" -f "$BENCH_WORK/pgbench.sql" pgbench_rows 2>&1 \
  | awk '/^tps = / { print $3; exit }')

# The app: races whose places total half of what the bare flow served in the measured time, so they
# fill during the measurement and the rest of the rush meets the waiting list; the warm-up registers
# into a race of its own, so the measured races start empty.
bare_flows=$(get bare flows)
places=$(( bare_flows / 2 > 30 ? bare_flows / 2 : 30 ))
bench_createdb rush
bench_psql rush -v places="$places" -v warmup_places="$warmup_places" <<'SQL'
INSERT INTO race_categories (name, distance_meters, capacity, price_minor, currency, bib_first, bib_last, sort_order)
VALUES ('5K', 5000, :places * 5 / 10, 1500, 'EUR', 1, 99999, 1),
       ('10K', 10000, :places * 3 / 10, 2500, 'EUR', 100000, 199999, 2),
       ('Half marathon', 21097, :places - :places * 5 / 10 - :places * 3 / 10, 4000, 'EUR', 200000, 299999, 3),
       ('Warm-up mile', 1609, :warmup_places, 500, 'EUR', 300000, 999999, 4);
SQL
rush_ids=$(bench_psql rush -At -c "SELECT string_agg(id::text, ',' ORDER BY id) FROM race_categories WHERE name <> 'Warm-up mile'")
warmup_id=$(bench_psql rush -At -c "SELECT id FROM race_categories WHERE name = 'Warm-up mile'")
smtp_port=$(bench_free_port)
bench_start_smtp_sink "$smtp_port" >/dev/null
port=$(bench_free_port)
# Production settings, except the per-address post limit: the 64 runners all come from 127.0.0.1.
pid=$(bench_start_app rush "$port" RateLimits__RunnerPostsPerMinute=1000000000 \
  SMTP_HOST=127.0.0.1 SMTP_PORT="$smtp_port" SMTP_SECURITY=none SMTP_FROM="Tau-Tau Run <noreply@bench.test>" \
  Event__RegistrationOpensAt=2000-01-01T00:00:00Z Event__RegistrationClosesAt=2099-01-01T00:00:00Z)
curl -s -o /dev/null "http://127.0.0.1:$port/register"
idle_mb=$(awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")
load app "http://127.0.0.1:$port" flow --warmup "$warmup" --app-pid "$pid" --categories "$rush_ids" --warmup-categories "$warmup_id"
peak_mb=$(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")
echo "idle $idle_mb peak $peak_mb" >"$BENCH_WORK/rush-memory"
bench_stop_app "$pid"

# What the database holds for the rush races: places taken against capacity, race by race.
read -r capacity registered oversold races full_races waiting_beside_free duplicates unqueued waitlisted < <(bench_psql rush -At -F ' ' <<'SQL'
WITH per_race AS (
  SELECT c.capacity,
         count(p.id) FILTER (WHERE p.payment_status IN ('PENDING', 'PAID')) AS registered,
         count(p.id) FILTER (WHERE p.payment_status = 'WAITLISTED') AS waitlisted
  FROM race_categories c LEFT JOIN participants p ON p.category_id = c.id
  WHERE c.name <> 'Warm-up mile'
  GROUP BY c.id)
SELECT sum(capacity), sum(registered), sum(greatest(registered - capacity, 0)), count(*),
       count(*) FILTER (WHERE registered = capacity),
       count(*) FILTER (WHERE waitlisted > 0 AND registered < capacity),
       (SELECT count(*) - count(DISTINCT (category_id, lower(email))) FROM participants),
       (SELECT count(*) FROM participants p WHERE NOT EXISTS (SELECT 1 FROM email_logs e WHERE e.participant_id = p.id)),
       sum(waitlisted)
FROM per_race
SQL
)

app=$(get app throughput_per_s) bare=$(get bare throughput_per_s) insert=$(get insert throughput_per_s)
bench_row "$scenario" "registrations/s" "$(round "$app")" /s "(a) bare flow" "$(round "$bare")" "≥ 0.8" \
  "$(at_least "$app" "$(awk -v b="$bare" 'BEGIN { print 0.8 * b }')")" \
  "64 users, ${duration} s after ${warmup} s warm-up; $(get app flows) flows, $(get app waitlisted_flows) of them into a waiting list"
bench_row "$scenario" "registrations/s (moonshot)" "$(round "$app")" /s "(b) bare insert" "$(round "$insert")" "≥ 0.25" \
  "$(at_least "$app" "$(awk -v b="$insert" 'BEGIN { print 0.25 * b }')")" "one INSERT per POST, same stack"
bench_row "$scenario" "registrations/s vs pgbench" "$(round "$app")" /s "(c) pgbench inserts" "$(round "$pgbench_tps")" "-" "-" \
  "pgbench -M prepared, 64 clients: the database's ceiling for single-row commits with fsync on"
for step in flow get_form post post_waitlist get_confirmation; do
  for p in p50 p95 p99; do
    value=$(get app "${step}_${p}_ms") base=$(get bare "${step}_${p}_ms")
    target="-" met="-"
    if [[ $step == flow && $p == p99 ]]; then
      target="≤ 1.25"
      met=$(at_most "$value" "$(awk -v b="$base" 'BEGIN { print 1.25 * b }')")
    fi
    note=""
    [[ $step == flow ]] && note="GET form + POST (+ POST to join the waiting list) + GET confirmation"
    bench_row "$scenario" "$step $p" "$value" ms "(a) bare flow" "$base" "$target" "$met" "$note"
  done
done
errors=$(get app errors)
bench_row "$scenario" "errors (warm-up included)" "$errors" "" "(a) bare flow" "$(get bare errors)" "0" "$([[ $errors == 0 ]] && echo yes || echo no)" \
  "$(get app error_kinds)"
bench_row "$scenario" "places taken in the rush races" "$registered" "" "capacity" "$capacity" "≤ capacity" \
  "$( ((registered <= capacity)) && echo yes || echo no)" "$full_races of $races races filled; $waitlisted runners joined waiting lists"
bench_row "$scenario" "oversold places" "$oversold" "" "" "" "0" "$( ((oversold == 0)) && echo yes || echo no)" "summed over the races"
bench_row "$scenario" "races with runners waiting beside a free place" "$waiting_beside_free" "" "" "" "0" \
  "$( ((waiting_beside_free == 0)) && echo yes || echo no)" "a race with a waiting list must have every place taken"
bench_row "$scenario" "duplicate registrations" "$duplicates" "" "" "" "0" "$( ((duplicates == 0)) && echo yes || echo no)" \
  "same address twice in one race"
bench_row "$scenario" "registrations without a queued email" "$unqueued" "" "" "" "0" "$( ((unqueued == 0)) && echo yes || echo no)" \
  "every participant has its email_logs row"
bench_row "$scenario" "app CPU" "$(get app cpu_app_cores)" cores "(a) bare flow" "$(get bare cpu_app_cores)" "-" "-" \
  "of $(nproc); per registration: app $(awk -v c="$(get app cpu_app_cores)" -v t="$app" 'BEGIN { printf "%.2f", 1000 * c / t }') ms, bare $(awk -v c="$(get bare cpu_app_cores)" -v t="$bare" 'BEGIN { printf "%.2f", 1000 * c / t }') ms"
bench_row "$scenario" "PostgreSQL CPU" "$(get app cpu_pg_cores)" cores "(a) bare flow" "$(get bare cpu_pg_cores)" "-" "-" \
  "postmaster and its backends"
bench_row "$scenario" "load generator CPU" "$(get app cpu_client_cores)" cores "(a) bare flow" "$(get bare cpu_client_cores)" "-" "-" \
  "the client shares the machine"
