# shellcheck shell=bash
# Reads a KEY=VALUE settings file (tautaurun.env, backup.env) the way systemd's EnvironmentFile= does
# for these files, and exports each setting. Read as data, never sourced: values hold ';' and spaces,
# and exporting keeps secrets such as the SMTP password off every command line.

# export_settings FILE: comments and blank lines skipped, one pair of surrounding double quotes removed.
export_settings() {
  local line key value
  while IFS= read -r line || [[ -n $line ]]; do
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    [[ $line =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
    key=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
    if [[ $value =~ ^\"(.*)\"$ ]]; then value=${BASH_REMATCH[1]}; fi
    export "$key=$value"
  done <"$1"
}
