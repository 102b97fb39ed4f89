#!/usr/bin/env bash
# Installed as /usr/local/bin/tautaurun: the current release's command line (migrate, verify-db, help…)
# run as the service user with the service's settings, e.g. `sudo tautaurun verify-db`.
# Usage: tautaurun COMMAND [OPTIONS]
set -euo pipefail

settings_file=/etc/tautaurun/tautaurun.env
app=/opt/tautaurun/current/TauTauRun.Web.dll

if [[ $(id -un) != tautaurun && $(id -u) -ne 0 ]]; then
  echo "tautaurun: run it as root (sudo tautaurun $*) or as the tautaurun user" >&2
  exit 1
fi
[[ -r $settings_file ]] || { echo "tautaurun: cannot read $settings_file" >&2; exit 1; }

# shellcheck source=deploy/lib/settings.sh
source /opt/tautaurun/current/deploy/lib/settings.sh
export_settings "$settings_file"

cd /opt/tautaurun/current
if [[ $(id -un) == tautaurun ]]; then
  exec /usr/bin/dotnet "$app" "$@"
fi
exec runuser -u tautaurun -- /usr/bin/dotnet "$app" "$@"
