# shellcheck shell=bash
# Shared by deploy/restore.sh and deploy/rollback.sh: numbered, timed steps, the service commands
# (overridable so tests can drive a throwaway copy) and the wait for /health. The stop names the
# instances too: stopping the group alone returns as they begin to stop, and a restore must not start
# while one still finishes a request.

: "${TAUTAURUN_STOP_CMD:=systemctl stop tautaurun-api 'tautaurun-api@*'}"
: "${TAUTAURUN_START_CMD:=systemctl start tautaurun-api}"
: "${TAUTAURUN_RESTART_CMD:=systemctl restart tautaurun-api}"
: "${TAUTAURUN_HEALTH_URL:=http://localhost:8080/health}"
: "${TAUTAURUN_HEALTH_TIMEOUT:=90}"

script_name=$(basename "$0")
step_number=0
dry_run=no

say() { echo "$script_name: $*" >&2; }
fail() { echo "$script_name: error: $*" >&2; exit 1; }

# step "what" COMMAND...: prints the step, runs it (unless --dry-run) and prints how long it took.
step() {
  local title=$1 started=$EPOCHREALTIME
  shift
  step_number=$((step_number + 1))
  if [[ $dry_run == yes ]]; then
    say "step $step_number: $title (dry run: not done)"
    return 0
  fi
  say "step $step_number: $title..."
  "$@"
  say "step $step_number: done in $(elapsed_since "$started") s"
}

elapsed_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

stop_service() { bash -c "$TAUTAURUN_STOP_CMD"; }
start_service() { bash -c "$TAUTAURUN_START_CMD"; }
restart_service() { bash -c "$TAUTAURUN_RESTART_CMD"; }

# Polls /health until it answers 200: polling with a deadline, as there is no signal to wait for.
wait_for_health() {
  local deadline=$((SECONDS + TAUTAURUN_HEALTH_TIMEOUT))
  until curl -fsS -o /dev/null --max-time 5 "$TAUTAURUN_HEALTH_URL" 2>/dev/null; do
    ((SECONDS < deadline)) || fail "$TAUTAURUN_HEALTH_URL did not answer 200 within $TAUTAURUN_HEALTH_TIMEOUT s"
    sleep 0.5
  done
  say "$TAUTAURUN_HEALTH_URL answers 200"
}
