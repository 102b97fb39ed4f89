#!/usr/bin/env bash
# The plan's Scenario 4 "Preserve evidence" in one command: the log files, the service's journal, a
# full database dump and a few facts about the machine, into a new dated folder with a SHA-256
# manifest, then made read-only. The folder holds personal data: it is readable by root only.
#
# Usage: sudo deploy/incident-snapshot.sh [PARENT_DIR]   (default /var/lib/tautaurun-incidents)
# Environment: libpq's PGHOST (default localhost), PGUSER (default tautaurun), PGDATABASE (default
# tau_tau_run_prod), password from ~/.pgpass; LOG_DIR (default /var/log/tautaurun).
set -euo pipefail
umask 077

export PGHOST=${PGHOST:-localhost} PGUSER=${PGUSER:-tautaurun} PGDATABASE=${PGDATABASE:-tau_tau_run_prod}
log_dir=${LOG_DIR:-/var/log/tautaurun}
parent=${1:-/var/lib/tautaurun-incidents}
folder=$parent/incident-$(date +%Y%m%d_%H%M%S)
say() { echo "incident-snapshot.sh: $*" >&2; }
problems=0
# Evidence is collected even when one part fails: note it and carry on.
try() {
  local what=$1
  shift
  if "$@"; then say "saved $what"; else say "warning: could not save $what"; problems=$((problems + 1)); fi
}

save_journal() {
  journalctl -u tautaurun-api --no-pager -o short-iso-precise >"$folder/journal-tautaurun-api.txt" 2>&1 &&
    journalctl -u tautaurun-api --no-pager -o export >"$folder/journal-tautaurun-api.export" 2>/dev/null
}
save_database() { pg_dump >"$folder/incident_db_$(date +%Y%m%d).sql"; }
save_machine_state() {
  { date -Is; uptime; echo; ps auxf; echo; ss -tanp; echo; last -n 50 2>/dev/null || true; } >"$folder/machine-state.txt" 2>&1
}
write_manifest() {
  local files
  files=$(cd "$folder" && find . -type f | sort)
  (cd "$folder" && xargs -r -d '\n' sha256sum <<<"$files") >"$folder/SHA256SUMS.new"
  mv "$folder/SHA256SUMS.new" "$folder/SHA256SUMS"
}

mkdir -p "$folder"
try "the log files" cp -a "$log_dir" "$folder/logs"
try "the journal of tautaurun-api" save_journal
try "a dump of database $PGDATABASE" save_database
try "the machine's state" save_machine_state
write_manifest
chmod -R a-w,go-rwx "$folder"
say "evidence in $folder ($(du -sh "$folder" | cut -f1)); check it later with: cd $folder && sha256sum -c SHA256SUMS"
((problems == 0)) || { say "error: $problems parts could not be saved (see above)"; exit 1; }
