#!/usr/bin/env bash
# Runs the whole test suite against real PostgreSQL, a real SMTP server, real Chromium and a real
# systemd (in a container). As root it installs what is missing: PostgreSQL 15, Chromium, shellcheck,
# systemd-container, debootstrap and zstd; otherwise it names the package to install.
# The whole run (no arguments) first checks the formatting against .editorconfig.
# Usage: scripts/test.sh [dotnet test options, e.g. --filter FullyQualifiedName~Health]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/prerequisites.sh
source scripts/lib/prerequisites.sh
need_postgres
need_chromium
need_operations_tools

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
if [[ $# -eq 0 ]] && ! dotnet format TauTauRun.sln --verify-no-changes -v quiet; then
  echo "formatting differs from .editorconfig: run 'dotnet format TauTauRun.sln' and commit the result" >&2
  status=1
fi
dotnet test TauTauRun.sln --blame-hang-timeout 10m --logger "trx;LogFileName=results.trx" \
  --results-directory "$results" "$@" || status=$?

# One plain closing line for any reader: "N passed, N failed, N skipped".
if [[ -f $results/results.trx ]]; then
  counters=$(grep -o '<Counters [^>]*>' "$results/results.trx")
  count() { grep -o " $1=\"[0-9]*\"" <<<"$counters" | grep -o '[0-9]*'; }
  echo "$(count passed) passed, $(count failed) failed, $(( $(count total) - $(count executed) )) skipped"
fi
exit "$status"
