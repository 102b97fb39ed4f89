#!/usr/bin/env bash
# Scenario 2: admin search and paging at 100,000 runners. One admin's browser loads each page (a name
# fragment, an email fragment, a bib, the first and the 50th page of a filtered list) again and again;
# the baseline is the same page's SQL, taken from the server log of a capture run with its exact
# parameters, run directly. Target: p95 of the whole page <= 25 ms and <= 3x the bare SQL's p95.
set -euo pipefail
# shellcheck source=bench/data/data.sh
source "$BENCH_ROOT/bench/data/data.sh"

db=$(bench_runners_db)
runners=$(bench_runners)
password=$(bench_admin "$db")
if [[ $BENCH_QUICK == 1 ]]; then deep=2 warmup=5 iterations=20; else deep=50 warmup=100 iterations=300; fi

category=$(bench_psql "$db" -A -t -c "SELECT id FROM race_categories WHERE name = '10K'")
bib=$(bench_psql "$db" -A -t -c "SELECT bib FROM participants WHERE bib IS NOT NULL ORDER BY id OFFSET $((runners / 3)) LIMIT 1")
email=$(bench_psql "$db" -A -t -c "SELECT left(email, position('@' in email) - 3) FROM participants ORDER BY id OFFSET $((runners / 2)) LIMIT 1")
pages=$BENCH_WORK/02-pages.txt urls=$BENCH_WORK/02-urls.txt
cat >"$pages" <<PAGES
name-search /admin/participants?q=jansen
email-search /admin/participants?q=$email
bib-search /admin/participants?q=$bib
filtered-page-1 /admin/participants?category=$category&status=PAID&sort=name
filtered-page-$deep /admin/participants?category=$category&status=PAID&sort=name $deep
PAGES

# Capture: the app logs every statement it sends; one visit per page after finding the deep page's link.
port=$(bench_free_port)
log=$BENCH_WORK/pg/server.log
offset=$(stat -c %s "$log")
pid=$(bench_start_app "$db" "$port" "ConnectionStrings__Default=$(bench_connstr "$db");Options=-c log_statement=all")
$BENCH_TOOL admin-pages --base "http://127.0.0.1:$port" --user bench --password "$password" --totp-secret "$BENCH_TOTP_SECRET" --pages "$pages" \
  --urls-out "$urls" --warmup 0 --iterations 1 >/dev/null
# A quick run (a smoke test) times this same app; a full run times one that logs nothing.
if [[ $BENCH_QUICK == 0 ]]; then bench_stop_app "$pid"; fi

# The page's list statement, matched by its columns, with the race list before it and the count of the
# selection after it (the count holds the same search: matched by the search, it was taken for the list).
sql=$($BENCH_TOOL sql-replay --conn "$(bench_connstr "$db")" --log "$log" --offset "$offset" --names "$urls" \
  --match "p.reference, p.full_name" --with "FROM race_categories ORDER BY" --then "SELECT count(*) FROM participants p" \
  --warmup "$warmup" --iterations "$iterations")
if [[ $BENCH_QUICK == 0 ]]; then
  port=$(bench_free_port)
  pid=$(bench_start_app "$db" "$port")
fi
app=$($BENCH_TOOL admin-pages --base "http://127.0.0.1:$port" --user bench --password "$password" --totp-secret "$BENCH_TOTP_SECRET" --pages "$urls" \
  --warmup "$warmup" --iterations "$iterations")
bench_stop_app "$pid"

while read -r name _ app_p50 _ app_p95 _ app_p99 _ count _ errors; do
  read -r _ _ sql_p50 _ sql_p95 _ _ < <(grep "^$name " <<<"$sql")
  met=$(awk -v a="$app_p95" -v s="$sql_p95" 'BEGIN { print (a <= 25 && a <= 3 * s) ? "yes" : "no" }')
  bench_row "2 admin search, $runners runners" "$name p95" "$app_p95" ms "same SQL direct, p95" "$sql_p95" \
    "<= 25 ms and <= 3x SQL" "$met" "page p50 $app_p50 / p99 $app_p99 ms, SQL p50 $sql_p50 ms; $count loads, $errors errors"
done <<<"$app"
