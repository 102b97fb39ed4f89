#!/usr/bin/env bash
# The plan's application rollback, without Docker: point /opt/tautaurun/current back at the release
# `previous` names (and `previous` at the one rolled back from), restart the instances one at a time
# (deploy/lib/instances.sh: no downtime behind nginx), wait for /health.
# With --migrate-down-to N the schema first goes down to migration N, using the newer release's Down
# migrations (they drop what they added, so a backup is taken first), with the service stopped.
#
# Usage: deploy/rollback.sh [--migrate-down-to N] [--dry-run]
# Environment: TAUTAURUN_HOME (default /opt/tautaurun); TAUTAURUN_CLI (default /usr/local/bin/tautaurun);
# TAUTAURUN_BACKUP_CMD; TAUTAURUN_STOP_CMD, TAUTAURUN_START_CMD, TAUTAURUN_RESTART_CMD, TAUTAURUN_HEALTH_URL.
set -euo pipefail
# shellcheck source=deploy/lib/steps.sh
source "$(dirname "$0")/lib/steps.sh"
# shellcheck source=deploy/lib/instances.sh
source "$(dirname "$0")/lib/instances.sh"

home=${TAUTAURUN_HOME:-/opt/tautaurun}
cli=${TAUTAURUN_CLI:-/usr/local/bin/tautaurun}
# Labelled rollback-safety: it holds the state rolled back from, so restore.sh never picks it by default.
: "${TAUTAURUN_BACKUP_CMD:=runuser -u tautaurun -- /bin/bash $home/current/backup.sh --reason rollback-safety}"
usage="usage: rollback.sh [--migrate-down-to N] [--dry-run]"
down_to=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --migrate-down-to) down_to=${2:-}; [[ $down_to =~ ^[0-9]+$ ]] || { echo "$usage" >&2; exit 2; }; shift 2 ;;
    --dry-run) dry_run=yes; shift ;;
    -h | --help) echo "$usage"; exit 0 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done

[[ -L $home/current ]] || fail "$home/current is not a link to a release"
[[ -L $home/previous ]] || fail "no previous release recorded ($home/previous): nothing to roll back to"
from=$(readlink "$home/current")
to=$(readlink "$home/previous")
[[ -f $home/$to/TauTauRun.Web.dll || -f $to/TauTauRun.Web.dll ]] || fail "the previous release $to is not there any more"
say "rolling back from $from to $to"

switch_links() {
  ln -sfn "$to" "$home/current.new" && mv -T "$home/current.new" "$home/current"
  ln -sfn "$from" "$home/previous.new" && mv -T "$home/previous.new" "$home/previous"
  say "current -> $to, previous -> $from"
}

started=$EPOCHREALTIME
if [[ -n $down_to ]]; then
  step "stop the service ($TAUTAURUN_STOP_CMD)" stop_service
  step "back up the database first ($TAUTAURUN_BACKUP_CMD)" bash -c "$TAUTAURUN_BACKUP_CMD"
  step "migrate the schema down to $down_to with release $from" "$cli" migrate --down-to "$down_to"
  step "switch current to $to" switch_links
  step "start the service ($TAUTAURUN_START_CMD)" start_service
else
  step "switch current to $to" switch_links
  step "restart the instances one at a time, each out of nginx's upstream meanwhile" roll_instances
fi
step "wait for $TAUTAURUN_HEALTH_URL" wait_for_health
[[ $dry_run == yes ]] || say "rolled back to $to in $(elapsed_since "$started") s"
