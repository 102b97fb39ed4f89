#!/usr/bin/env bash
# One scheduled backup job, as cron (/etc/cron.d/tautaurun-backup) and the systemd timers both run it,
# with the settings of /etc/tautaurun/backup.env (created once by install.sh, never overwritten).
#
# Usage: deploy/backup-job.sh [--cron] nightly|verify|pitr-full|pitr-diff
#   nightly    backup.sh --reason nightly (the plan's dump, then retention and the offsite copy)
#   verify     backup.sh --verify (the newest dump restored into a scratch database), then
#              `pgbackrest check` when point-in-time recovery is set up
#   pitr-full, pitr-diff   a full or differential pgBackRest backup (with pgBackRest's own retention)
#   --cron     for cron, which has no journal of its own and drops exit statuses: the output goes to
#              syslog as "tautaurun-backup" and a failure emails the admins (`tautaurun notify-admins`).
#              Under systemd the unit's OnFailure=tautaurun-alarm@%n.service does that instead.
# Runs as root (dropping to tautaurun or postgres for each step) or as the user a step needs.
# Environment: TAUTAURUN_BACKUP_ENV (default /etc/tautaurun/backup.env); TAUTAURUN_HOME (default
# /opt/tautaurun); TAUTAURUN_NOTIFY_CMD (default: /usr/local/bin/tautaurun notify-admins);
# TAUTAURUN_LOG_CMD (default: logger -t tautaurun-backup); PGBACKREST_STANZA (default tautaurun);
# TAUTAURUN_BACKUP_USER (default tautaurun), the user backup.sh runs as.
set -euo pipefail
umask 027

usage="usage: backup-job.sh [--cron] nightly|verify|pitr-full|pitr-diff"
cron=no
[[ ${1:-} == --cron ]] && { cron=yes; shift; }
job=${1:-}
[[ $# -eq 1 && $job =~ ^(nightly|verify|pitr-full|pitr-diff)$ ]] || { echo "$usage" >&2; exit 2; }

settings=${TAUTAURUN_BACKUP_ENV:-/etc/tautaurun/backup.env}
home=${TAUTAURUN_HOME:-/opt/tautaurun}
backup_sh=$(cd "$(dirname "$0")/.." && pwd)/backup.sh
stanza=${PGBACKREST_STANZA:-tautaurun}
backup_user=${TAUTAURUN_BACKUP_USER:-tautaurun}
: "${TAUTAURUN_NOTIFY_CMD:=/usr/local/bin/tautaurun notify-admins}"
: "${TAUTAURUN_LOG_CMD:=logger -t tautaurun-backup}"

# Missing file: the defaults.
# shellcheck source=deploy/lib/settings.sh
source "$(dirname "$0")/lib/settings.sh"
if [[ -e $settings ]]; then
  [[ -r $settings ]] || { echo "backup-job.sh: error: cannot read $settings" >&2; exit 1; }
  export_settings "$settings"
fi
export BACKUP_DIR=${BACKUP_DIR:-$home/backups}

# as USER COMMAND...: COMMAND as USER; runuser without -l keeps the settings exported above.
as() {
  local user=$1
  shift
  if [[ $(id -un) == "$user" ]]; then "$@"; else runuser -u "$user" -- "$@"; fi
}

# Set up by install.sh: the stanza exists (pgbackrest info exits 0 for a missing one too, status "error").
pitr_configured() {
  command -v pgbackrest >/dev/null && as postgres pgbackrest --stanza="$stanza" info --output=json 2>/dev/null | grep -qE '"status":\{"code":[02],'
}

run_job() {
  case $job in
    nightly) as "$backup_user" bash "$backup_sh" --reason nightly ;;
    verify)
      as "$backup_user" bash "$backup_sh" --verify
      if pitr_configured; then
        as postgres pgbackrest --stanza="$stanza" check
        echo "backup-job.sh: pgbackrest check passed (WAL archiving works)" >&2
      fi ;;
    pitr-full | pitr-diff)
      as postgres pgbackrest --stanza="$stanza" --type="${job#pitr-}" backup
      echo "backup-job.sh: pgBackRest ${job#pitr-} backup done" >&2 ;;
  esac
}

if [[ $cron == no ]]; then
  run_job
  exit
fi

# Cron: everything to syslog, and the last lines to the admins when the job fails.
output=$(mktemp)
trap 'rm -f "$output"' EXIT
status=0
run_job >"$output" 2>&1 || status=$?
bash -c "$TAUTAURUN_LOG_CMD" <"$output" || true
if [[ $status -ne 0 ]]; then
  echo "backup-job.sh: error: $job failed (exit $status)" | bash -c "$TAUTAURUN_LOG_CMD" || true
  { echo "The scheduled backup job '$job' failed on $(hostname) (exit $status). Its last lines:"; echo; tail -n 30 "$output"; } |
    bash -c "$TAUTAURUN_NOTIFY_CMD --subject \"backup job $job failed on $(hostname)\"" >/dev/null ||
    echo "backup-job.sh: error: the alarm email could not be sent either" | bash -c "$TAUTAURUN_LOG_CMD" || true
fi
exit "$status"
