#!/usr/bin/env bash
# Scenario 6, start-up and memory: process start to READY=1 (sd_notify, as under systemd) for the app
# and for a bare `dotnet new web` app with UseSystemd, alternating, median of several starts after one
# unmeasured start of each (a cold file cache is not what is compared); resident memory one second
# after READY=1; the app's peak resident memory during scenario 1's rush (left by 01-rush.sh).
# Usage: run by bench/run.sh (needs its environment; see bench/lib.sh).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$BENCH_ROOT/bench/lib.sh"

scenario="6 start-up and memory"
repetitions=$( ((BENCH_QUICK)) && echo 2 || echo 7)
bench_createdb startup
mkdir -p "$BENCH_WORK/startup"

# start DLL [VAR=VALUE...]: one start; prints "ready_ms idle_rss_mb".
start() {
  local dll=$1
  shift
  # shellcheck disable=SC2086 # BENCH_TOOL is a command and its first argument, split on purpose
  env "$@" $BENCH_TOOL startup --dll "$dll" --work "$BENCH_WORK/startup" \
    | awk '$1 == "ready_ms" { ms = $2 } $1 == "idle_rss_mb" { mb = $2 } END { print ms, mb }'
}
app_start() {
  start "$BENCH_APP" ASPNETCORE_ENVIRONMENT=Production ConnectionStrings__Default="$(bench_connstr startup)" \
    TauTauRun__LogDirectory="$BENCH_WORK/logs/startup" TauTauRun__MailPickupDirectory="$BENCH_WORK/mail/startup" \
    TauTauRun__DataProtection__KeyFile="$(bench_key_file)"
}
bare_start() { start "$BENCH_BARE_WEB" ASPNETCORE_ENVIRONMENT=Production; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

app_start >/dev/null
bare_start >/dev/null
: >"$BENCH_WORK/startup/app" && : >"$BENCH_WORK/startup/bare"
for ((i = 0; i < repetitions; i++)); do
  app_start >>"$BENCH_WORK/startup/app"
  bare_start >>"$BENCH_WORK/startup/bare"
done
app_ms=$(cut -d' ' -f1 "$BENCH_WORK/startup/app" | median)
bare_ms=$(cut -d' ' -f1 "$BENCH_WORK/startup/bare" | median)
app_mb=$(cut -d' ' -f2 "$BENCH_WORK/startup/app" | median)
bare_mb=$(cut -d' ' -f2 "$BENCH_WORK/startup/bare" | median)

bench_row "$scenario" "start to READY=1 (median of $repetitions)" "$app_ms" ms "bare dotnet new web" "$bare_ms" "≤ 1.5" \
  "$(awk -v a="$app_ms" -v b="$bare_ms" 'BEGIN { print (a <= 1.5 * b ? "yes" : "no") }')" \
  "app: $(cut -d' ' -f1 "$BENCH_WORK/startup/app" | paste -sd' ') ms; bare: $(cut -d' ' -f1 "$BENCH_WORK/startup/bare" | paste -sd' ') ms"
bench_row "$scenario" "resident memory 1 s after READY=1" "$app_mb" MB "bare dotnet new web" "$bare_mb" "-" "-" "median"
if [[ -f $BENCH_WORK/rush-memory ]]; then
  read -r _ idle _ peak <"$BENCH_WORK/rush-memory"
  bench_row "$scenario" "resident memory idle before the rush" "$idle" MB "" "" "-" "-" "after one form page"
  bench_row "$scenario" "resident memory peak during the rush" "$peak" MB "" "" "≤ 250 MB" \
    "$( ((peak <= 250)) && echo yes || echo no)" "VmHWM of the app at the end of scenario 1"
else
  bench_row "$scenario" "resident memory peak during the rush" "" MB "" "" "≤ 250 MB" "-" "scenario 1 did not run"
fi
