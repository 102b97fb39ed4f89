#!/usr/bin/env bash
# Scenario 8, the front door: the registration rush (64 virtual runners, as scenario 1) through nginx
# with the project's site (deploy/nginx/tautaurun.conf, TLS with a self-signed certificate) to two
# instances, against one instance direct over plain HTTP; then the same rush through nginx while
# both instances are drained, restarted and put back one at a time (deploy/instances.sh): failed
# requests and the p99 during the roll; then the failover time of deploy/failover.sh.
# On 2 cores the first ratio shows the proxy's and TLS's cost, not scaling: both instances share them.
# Usage: run by bench/run.sh (needs its environment; see bench/lib.sh).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$BENCH_ROOT/bench/lib.sh"

scenario="8 front door"
users=64
if ((BENCH_QUICK)); then warmup=3 duration=5; else warmup=20 duration=30; fi
postmaster=$(bench_postmaster_pid)
get() { awk -v key="$2" '$1 == key { print $2 }' "$BENCH_WORK/$1.load"; }
load() {
  local name=$1 url=$2
  shift 2
  $BENCH_TOOL load --url "$url" --mode flow --users "$users" --warmup "$warmup" --duration "$duration" --pg-pid "$postmaster" \
    --categories "$race" "$@" >"$BENCH_WORK/$name.load" 2>"$BENCH_WORK/$name.load.err" || { cat "$BENCH_WORK/$name.load.err" >&2; return 1; }
}

bench_createdb frontdoor
bench_psql frontdoor <<'SQL'
INSERT INTO race_categories (name, distance_meters, capacity, price_minor, currency, bib_first, bib_last, sort_order)
VALUES ('5K', 5000, 1000000, 1500, 'EUR', 1, 1999999, 1);
SQL
race=$(bench_psql frontdoor -At -c "SELECT id FROM race_categories")
settings=(RateLimits__RunnerPostsPerMinute=1000000000 Event__RegistrationOpensAt=2000-01-01T00:00:00Z Event__RegistrationClosesAt=2099-01-01T00:00:00Z)
ports=("$(bench_free_port)" "$(bench_free_port)")
pids=()
for port in "${ports[@]}"; do pids+=("$(bench_start_app frontdoor "$port" "${settings[@]}")"); done

# nginx with its own prefix, the site filled in by install.sh's own functions.
door=$BENCH_WORK/nginx
mkdir -p "$door/conf/site.d" "$door/logs" "$door/temp" "$door/acme"
chmod 0777 "$door/temp"
http_port=$(bench_free_port) https_port=$(bench_free_port)
export TAUTAURUN_NGINX_CONF=$door/conf TAUTAURUN_ACME_ROOT=$door/acme TAUTAURUN_UPSTREAM=$door/conf/upstream.conf \
  TAUTAURUN_NGINX_PID=$door/nginx.pid TAUTAURUN_NGINX_RELOAD_CMD="nginx -q -p $door -c $door/nginx.conf -s reload"
bash -s <<SITE
set -euo pipefail
say() { echo "\$*" >&2; }
fail() { echo "\$*" >&2; exit 1; }
source "$BENCH_ROOT/deploy/lib/instances.sh"
source "$BENCH_ROOT/deploy/lib/nginx.sh"
write_upstream ${ports[*]}
self_signed localhost
render_site "\$nginx_template" localhost 127.0.0.1:$http_port $https_port >"$door/site.conf"
SITE
cat >"$door/nginx.conf" <<EOF
worker_processes auto;
pid $door/nginx.pid;
error_log $door/logs/error.log warn;
events { worker_connections 2048; }
http {
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path $door/temp/body;
    proxy_temp_path $door/temp/proxy;
    fastcgi_temp_path $door/temp/fastcgi;
    uwsgi_temp_path $door/temp/uwsgi;
    scgi_temp_path $door/temp/scgi;
    include $door/site.conf;
}
EOF
nginx -q -p "$door" -c "$door/nginx.conf"
trap 'nginx -q -p "$door" -c "$door/nginx.conf" -s stop || true' EXIT
front="https://localhost:$https_port"
certificate=$door/conf/fullchain.pem

# One instance direct, then both through nginx.
load direct "http://127.0.0.1:${ports[0]}" --app-pid "${pids[0]}"
load proxied "$front" --trust-certificate "$certificate"
direct=$(get direct throughput_per_s) proxied=$(get proxied throughput_per_s)
bench_row "$scenario" "registrations/s through nginx (TLS), 2 instances" "$(printf '%.0f' "$proxied")" /s "1 instance direct (HTTP)" \
  "$(printf '%.0f' "$direct")" "-" "-" "64 users, ${duration} s after ${warmup} s; on 2 cores the ratio is the proxy's cost, not scaling"
bench_row "$scenario" "flow p99 through nginx" "$(get proxied flow_p99_ms)" ms "1 instance direct" "$(get direct flow_p99_ms)" "-" "-" \
  "GET form + POST + GET confirmation"
bench_row "$scenario" "errors through nginx" "$(get proxied errors)" "" "1 instance direct" "$(get direct errors)" "0" \
  "$([[ $(get proxied errors) == 0 ]] && echo yes || echo no)" "$(get proxied error_kinds)"

# The rolling restart under the rush: the load runs while each instance is drained, restarted, put back.
load rolling "$front" --trust-certificate "$certificate" &
rush=$!
sleep "$warmup"
roll_started=$EPOCHREALTIME
for i in 0 1; do
  bash "$BENCH_ROOT/deploy/instances.sh" drain "${ports[$i]}" 2>/dev/null
  bench_stop_app "${pids[$i]}"
  pids[i]=$(bench_start_app frontdoor "${ports[$i]}" "${settings[@]}")
  bash "$BENCH_ROOT/deploy/instances.sh" undrain "${ports[$i]}" 2>/dev/null
done
roll_seconds=$(awk -v a="$roll_started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
wait "$rush"
errors=$(get rolling errors)
bench_row "$scenario" "failed requests during a rolling restart" "$errors" "" "" "" "0" "$([[ $errors == 0 ]] && echo yes || echo no)" \
  "both instances drained, restarted and put back in ${roll_seconds} s of the ${duration} s measured; $(get rolling error_kinds)"
bench_row "$scenario" "flow p99 during the rolling restart" "$(get rolling flow_p99_ms)" ms "no restart" "$(get proxied flow_p99_ms)" "-" "-" \
  "the whole measured phase, which contains the roll"
for pid in "${pids[@]}"; do bench_stop_app "$pid"; done
