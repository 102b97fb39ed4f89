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

# Read as data, not sourced: values hold ';' and spaces. Exported here, not passed as arguments, so
# the SMTP password never shows on a command line.
while IFS= read -r line || [[ -n $line ]]; do
  [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
  [[ $line =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
  key=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
  if [[ $value =~ ^\"(.*)\"$ ]]; then value=${BASH_REMATCH[1]}; fi
  export "$key=$value"
done <"$settings_file"

cd /opt/tautaurun/current
if [[ $(id -un) == tautaurun ]]; then
  exec /usr/bin/dotnet "$app" "$@"
fi
exec runuser -u tautaurun -- /usr/bin/dotnet "$app" "$@"
