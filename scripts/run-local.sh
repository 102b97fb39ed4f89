#!/usr/bin/env bash
# Runs TauTauRun on http://localhost:8080 with everything embedded: a private PostgreSQL cluster under
# .local/postgres (started with the site, stopped by Ctrl-C, data kept between runs), demo race
# categories and a demo admin (login printed at start), logs in .local/logs, outgoing mail as .eml
# files in .local/mail.
# Usage: scripts/run-local.sh [--urls http://0.0.0.0:8080]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/prerequisites.sh
source scripts/lib/prerequisites.sh
need_postgres

export ASPNETCORE_ENVIRONMENT=Development
export TauTauRun__LocalClusterDirectory="$PWD/.local/postgres"
export TauTauRun__LogDirectory="$PWD/.local/logs"
export TauTauRun__MailPickupDirectory="$PWD/.local/mail"
dotnet build TauTauRun.Web -nologo -v quiet
# exec: Ctrl-C reaches the app itself, which stops the cluster it started on its way out.
exec dotnet TauTauRun.Web/bin/Debug/net10.0/TauTauRun.Web.dll "$@"
