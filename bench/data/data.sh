# shellcheck shell=bash
# Sourced by scenarios 02–05 (it sources bench/lib.sh): databases filled by data/seed.sql (once per
# run, then shared) and an admin to log in with.
#
#   bench_runners                    the runner count of the big scenarios (100,000; 1,000 with --quick)
#   bench_runners_db                 the big scenarios' shared database (bench_runners runners, 3 emails
#                                    each, delivered), filled if this run has not yet; prints its name
#   bench_seeded_db NAME RUNNERS EMAILS_PER SENT|QUEUED
#                                    NAME created, migrated and filled, unless this run already did
#   bench_admin DB                   the admin "bench" in DB (the app's create-admin) with its authenticator
#                                    set up with BENCH_TOTP_SECRET; prints its password

# shellcheck source=bench/lib.sh
source "$BENCH_ROOT/bench/lib.sh"

bench_runners() { if [[ $BENCH_QUICK == 1 ]]; then echo 1000; else echo 100000; fi; }

bench_seeded_db() {
  local name=$1 runners=$2 emails_per=$3 status=$4 started=$SECONDS
  [[ -f $BENCH_WORK/seeded-$name ]] && return 0
  bench_createdb "$name" || return 1
  bench_psql "$name" -v participants="$runners" -v emails_per="$emails_per" -v email_status="$status" \
    -f "$BENCH_ROOT/bench/data/seed.sql" || return 1
  echo "seeded $name: $runners runners, $((runners * emails_per)) emails ($status) in $((SECONDS - started)) s" >&2
  touch "$BENCH_WORK/seeded-$name"
}

bench_runners_db() { bench_seeded_db bench_runners "$(bench_runners)" 3 SENT && echo bench_runners; }

# The key the bench admin's authenticator was "set up" with (the tool computes its codes, --totp-secret).
BENCH_TOTP_SECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP

bench_admin() {
  local password="correct horse battery staple"
  echo "$password" | ConnectionStrings__Default=$(bench_connstr "$1") TauTauRun__LogDirectory=$BENCH_WORK/logs/cli-$1 \
    ASPNETCORE_ENVIRONMENT=Production dotnet "$BENCH_APP" create-admin --username bench --display-name Bench >&2 || return 1
  bench_psql "$1" -c "UPDATE admins SET totp_secret = '$BENCH_TOTP_SECRET' WHERE username = 'bench'" || return 1
  echo "$password"
}
