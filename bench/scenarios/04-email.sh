#!/usr/bin/env bash
# Scenario 4: the email drain. 10,000 confirmations queued in the outbox; the app, started with the
# production defaults (batch 50, poll 1 s), delivers them to a local SMTP sink. Baseline: the same
# messages sent by a bare MailKit loop over one connection to a sink of its own. Both rates are timed
# by the sink, from the first message to the last. Target: >= 50% of the baseline's rate.
set -euo pipefail
# shellcheck source=bench/data/data.sh
source "$BENCH_ROOT/bench/data/data.sh"

db=bench_outbox
if [[ $BENCH_QUICK == 1 ]]; then messages=200; else messages=10000; fi
bench_seeded_db "$db" "$messages" 1 QUEUED
from="Tau-Tau Run <noreply@tautaurun.bench>"

# Waits for the sink on PORT to have taken its expected count, then prints its "messages N seconds S".
sink_result() {
  local port=$1 pid=$2
  timeout 600 tail --pid="$pid" -f /dev/null || { echo "error: the sink on $port still has $(bench_smtp_count "$port") messages after 10 minutes" >&2; return 1; }
  grep '^messages ' "$BENCH_WORK/smtp-$port.log"
}

port=$(bench_free_port)
sink=$(bench_start_smtp_sink "$port" --expect "$messages")
$BENCH_TOOL mail-baseline --conn "$(bench_connstr "$db")" --smtp-port "$port" --from "$from" >"$BENCH_WORK/04-baseline.txt"
read -r _ _ _ base_seconds < <(sink_result "$port" "$sink")

port=$(bench_free_port)
sink=$(bench_start_smtp_sink "$port" --expect "$messages")
started=$EPOCHREALTIME
app=$(bench_start_app "$db" "$(bench_free_port)" SMTP_HOST=127.0.0.1 SMTP_PORT="$port" SMTP_SECURITY=none SMTP_FROM="$from")
read -r _ _ _ app_seconds < <(sink_result "$port" "$sink")
total=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
# The last SENT mark follows the sink's last acceptance by one statement: wait for it, then count.
sent=0
for _ in $(seq 50); do
  sent=$(bench_psql "$db" -A -t -c "SELECT count(*) FROM email_logs WHERE status = 'SENT'")
  [[ $sent -eq $messages ]] && break
  sleep 0.1
done
bench_stop_app "$app"

rate() { awk -v n="$messages" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }
app_rate=$(rate "$app_seconds") base_rate=$(rate "$base_seconds")
bench_row "4 email drain, $messages messages" "delivery rate" "$app_rate" msg/s "bare MailKit loop, one connection" "$base_rate" \
  ">= 0.5x" "$(awk -v a="$app_rate" -v b="$base_rate" 'BEGIN { print (a >= 0.5 * b) ? "yes" : "no" }')" \
  "sink's first to last message: app $app_seconds s, baseline $base_seconds s; app start to all delivered $total s; $sent of $messages marked SENT"
