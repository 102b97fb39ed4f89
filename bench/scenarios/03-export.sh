#!/usr/bin/env bash
# Scenario 3: the admin CSV export of every participant (100,000), downloaded by an admin from an app
# started fresh, so its peak resident size (VmHWM) says what the export cost in memory. Baseline: psql's
# \copy of the same query (taken from the server log of a capture run) to CSV. Targets: <= 2x the
# baseline's time (median of 3 each), <= 30 MB peak memory growth.
set -euo pipefail
# shellcheck source=bench/data/data.sh
source "$BENCH_ROOT/bench/data/data.sh"

db=$(bench_runners_db)
runners=$(bench_runners)
password=$(bench_admin "$db")
export_path="/admin/exports?handler=Participants"

# Capture the export's own query.
port=$(bench_free_port)
log=$BENCH_WORK/pg/server.log
offset=$(stat -c %s "$log")
pid=$(bench_start_app "$db" "$port" "ConnectionStrings__Default=$(bench_connstr "$db");Options=-c log_statement=all")
$BENCH_TOOL admin-download --base "http://127.0.0.1:$port" --user bench --password "$password" --totp-secret "$BENCH_TOTP_SECRET" --path "$export_path" \
  --pid "$pid" --times 1 >/dev/null
# A quick run (a smoke test) measures this same app; a full run a fresh one that logs nothing.
if [[ $BENCH_QUICK == 0 ]]; then bench_stop_app "$pid"; fi
sql=$($BENCH_TOOL sql-replay --log "$log" --offset "$offset" --match "p.emergency_contact_phone, p.medical_notes" --print-sql | tr '\n' ' ')

copy_times=()
for _ in 1 2 3; do
  started=$EPOCHREALTIME
  bench_psql "$db" -c "\\copy ($sql) TO '/dev/null' WITH (FORMAT csv, HEADER)"
  copy_times+=("$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')")
done
copy=$(printf '%s\n' "${copy_times[@]}" | sort -n | sed -n 2p)

if [[ $BENCH_QUICK == 0 ]]; then
  port=$(bench_free_port)
  pid=$(bench_start_app "$db" "$port")
fi
read -r _ seconds _ bytes _ rss_before _ hwm_before _ hwm_after _ runs < <($BENCH_TOOL admin-download --base "http://127.0.0.1:$port" \
  --user bench --password "$password" --totp-secret "$BENCH_TOTP_SECRET" --path "$export_path" --pid "$pid" --times 3)
bench_stop_app "$pid"

growth=$(awk -v a="$hwm_after" -v b="$rss_before" 'BEGIN { printf "%.1f", a - b }')
bench_row "3 CSV export, $runners runners" "export time (median of 3)" "$seconds" s "psql \\copy, same query" "$copy" "<= 2x" \
  "$(awk -v a="$seconds" -v b="$copy" 'BEGIN { print (a <= 2 * b) ? "yes" : "no" }')" \
  "$((bytes / 1024)) KiB; downloads (the first is the fresh app's first) $runs s; psql runs ${copy_times[*]} s"
bench_row "3 CSV export, $runners runners" "peak memory growth" "$growth" MB - - "<= 30 MB" \
  "$(awk -v g="$growth" 'BEGIN { print (g <= 30) ? "yes" : "no" }')" \
  "VmHWM after the 3 downloads $hwm_after MB - VmRSS after login $rss_before MB (VmHWM then: $hwm_before MB)"
