# shellcheck shell=bash
# The Data Protection key file: a self-signed certificate and its private key in one PEM file. The app
# encrypts its key ring with it before storing the ring in the database, so a database dump alone
# cannot mint an admin cookie or a form token. Root-only on disk; systemd hands it to the service
# (LoadCredential= in tautaurun-api@.service), the tautaurun command to the commands it runs.

# new_key_file PATH: writes a new key file (0600, in a 0700 folder); never replaces an existing one.
new_key_file() {
  local path=$1 work
  if [[ -e $path ]]; then
    echo "$path exists: it is never overwritten (see docs/OPERATIONS.md, \"Data Protection key file\")" >&2
    return 1
  fi
  mkdir -p "$(dirname "$path")"
  chmod 0700 "$(dirname "$path")"
  work=$(mktemp -d)
  # RSA, as .NET's certificate encryptor of the key ring needs; 100 years, as nothing checks the dates.
  if ! openssl req -x509 -newkey rsa:3072 -nodes -days 36500 -subj "/CN=TauTauRun Data Protection" \
    -keyout "$work/key.pem" -out "$work/certificate.pem" 2>"$work/error"; then
    cat "$work/error" >&2
    rm -rf "$work"
    return 1
  fi
  (umask 077 && cat "$work/certificate.pem" "$work/key.pem" >"$path.new")
  mv "$path.new" "$path"
  rm -rf "$work"
}
