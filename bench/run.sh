#!/usr/bin/env bash
# Runs every benchmark scenario beside its baseline in one go: builds in Release, starts a private
# PostgreSQL 15 cluster with production settings (fsync on), runs bench/scenarios/NN-*.sh in name
# order, then writes bench/RESULTS.md and bench/results.csv. Everything it starts is stopped on exit;
# the scratch folder is removed after a clean run and kept (its path printed) after a failure or
# when BENCH_KEEP is set.
# Usage: bench/run.sh [--quick] [SCENARIO-PREFIX...]   e.g. bench/run.sh --quick 01 06
set -euo pipefail
usage() { echo "usage: bench/run.sh [--quick] [SCENARIO-PREFIX...]" >&2; exit 2; }

quick=0
only=()
for arg in "$@"; do
  case $arg in
    --quick) quick=1 ;;
    -h|--help) usage ;;
    -*) echo "error: unknown option $arg" >&2; usage ;;
    *) only+=("$arg") ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib/prerequisites.sh
source scripts/lib/prerequisites.sh
need_postgres

BENCH_WORK=$(mktemp -d /tmp/tautaurun-bench.XXXXXX)
chmod 755 "$BENCH_WORK"
export BENCH_ROOT=$root BENCH_WORK BENCH_QUICK=$quick
export BENCH_PG_BIN=/usr/lib/postgresql/15/bin
export BENCH_CSV=$BENCH_WORK/results.csv
# shellcheck source=bench/lib.sh
source bench/lib.sh

finish() {
  local status=$?
  bench_stop_all
  if [[ $status -eq 0 && -z ${BENCH_KEEP:-} ]]; then
    rm -rf "$BENCH_WORK"
  elif [[ $status -eq 0 ]]; then
    echo "bench: logs kept in $BENCH_WORK" >&2
  else
    echo "bench: failed (exit $status); logs kept in $BENCH_WORK" >&2
  fi
}
trap finish EXIT
trap 'exit 130' INT TERM

started=$SECONDS
echo "bench: building in Release..." >&2
# The app as deploy/install.sh publishes it (ReadyToRun on x64 and arm64); the tools and the bare
# app as `dotnet publish` makes them by default.
# shellcheck source=deploy/lib/publish.sh
source deploy/lib/publish.sh
mapfile -t app_options < <(publish_options)
dotnet publish TauTauRun.Web "${app_options[@]}" -o "$BENCH_WORK/app" -nologo -v quiet >"$BENCH_WORK/build.log" 2>&1 \
  || { cat "$BENCH_WORK/build.log" >&2; exit 1; }
dotnet publish bench/TauTauRun.Bench -c Release -o "$BENCH_WORK/tool" -nologo -v quiet >>"$BENCH_WORK/build.log" 2>&1 \
  || { cat "$BENCH_WORK/build.log" >&2; exit 1; }
dotnet publish bench/BareWeb -c Release -o "$BENCH_WORK/bare-web" -nologo -v quiet >>"$BENCH_WORK/build.log" 2>&1 \
  || { cat "$BENCH_WORK/build.log" >&2; exit 1; }
export BENCH_APP=$BENCH_WORK/app/TauTauRun.Web.dll
export BENCH_TOOL="dotnet $BENCH_WORK/tool/TauTauRun.Bench.dll"
export BENCH_BARE_WEB=$BENCH_WORK/bare-web/BareWeb.dll
echo "bench: built in $((SECONDS - started)) s" >&2

bench_start_cluster
echo "scenario,measure,value,unit,baseline,baseline_value,ratio,target,met,notes" >"$BENCH_CSV"

failed=()
for scenario in bench/scenarios/[0-9][0-9]-*.sh; do
  name=$(basename "$scenario" .sh)
  if [[ ${#only[@]} -gt 0 ]]; then
    wanted=no
    for prefix in "${only[@]}"; do [[ $name == "$prefix"* ]] && wanted=yes; done
    [[ $wanted == yes ]] || continue
  fi
  echo "bench: $name..." >&2
  scenario_started=$SECONDS
  # A failed (or hung) scenario is reported and the others still run; the run then exits 1.
  if timeout --foreground 1200 bash "$scenario"; then
    echo "bench: $name done in $((SECONDS - scenario_started)) s" >&2
  else
    echo "bench: $name FAILED after $((SECONDS - scenario_started)) s" >&2
    failed+=("$name")
    bench_row "$name" "scenario failed" "" "" "" "" "completes" no "see the output of bench/run.sh and the logs it kept"
  fi
done

$BENCH_TOOL report --csv "$BENCH_CSV" --out bench/RESULTS.md --findings bench/FINDINGS.md \
  --title "$( ((quick)) && echo 'quick run (tiny sizes, not for comparison)' || echo 'full run')" \
  --machine "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . || echo '+changes')"
cp "$BENCH_CSV" bench/results.csv
echo "bench: wrote bench/RESULTS.md and bench/results.csv in $((SECONDS - started)) s" >&2
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "bench: failed scenarios: ${failed[*]}" >&2
  exit 1
fi
