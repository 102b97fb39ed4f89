#!/usr/bin/env bash
# Installed as /usr/local/bin/tautaurun: the current release's command line (migrate, verify-db, help…)
# run as the service user with the service's settings, e.g. `sudo tautaurun verify-db`.
# Usage: tautaurun COMMAND [OPTIONS]
set -euo pipefail

settings_file=/etc/tautaurun/tautaurun.env
key_file=/etc/tautaurun/credentials/data-protection.pem
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
  # Without the root-only key file: rotate-keys, the one command that needs it, says so.
  exec /usr/bin/dotnet "$app" "$@"
fi
# The key file reaches the command as systemd's LoadCredential= brings it to the service: a copy in a
# folder only the service user can read, gone when the command ends.
credentials=$(mktemp -d /run/tautaurun-cli.XXXXXX)
trap 'rm -rf "$credentials"' EXIT
if [[ -r $key_file ]]; then
  install -o tautaurun -m 0400 "$key_file" "$credentials/data-protection.pem"
fi
chown tautaurun "$credentials"
status=0
CREDENTIALS_DIRECTORY=$credentials runuser -u tautaurun -- /usr/bin/dotnet "$app" "$@" || status=$?
exit "$status"
