#!/usr/bin/env bash
# Installs or upgrades TauTauRun on Debian 12 (or Ubuntu), from this checkout. Safe to run again: what
# exists is kept (user, database, /etc/tautaurun/tautaurun.env), a new release is added beside the old
# ones and `current` switches to it, with `previous` left for deploy/rollback.sh.
#
# Usage: deploy/install.sh [--domain NAME] [--instances N] [--version NAME] [--published DIR] [--cron | --timer] [--no-start] [--root DIR]
#   --domain NAME    put nginx in front with HTTPS for NAME (certbot's certificate when NAME resolves,
#                    self-signed otherwise); later runs keep the nginx site as it is without it
#   --instances N    run N app instances (ports 8080, 8081, ...; default: as many as now, else 2 on a
#                    machine with 2 or more cores); an upgrade restarts them one at a time
#   --version NAME   the release's folder name (default: the checkout's `git describe`, else a timestamp)
#   --published DIR  install this `dotnet publish` output instead of publishing the checkout
#   --cron, --timer  schedule backups with /etc/cron.d (the first install's default) or with systemd
#                    timers; with neither, an upgrade keeps the schedule installed before
#   --no-start       do not (re)start the service
#   --root DIR       lay the files out under DIR and skip what touches the system (user, PostgreSQL,
#                    migrations, systemctl), so the layout can be checked without root
# Needs: root, the .NET 10 SDK (found where Microsoft's and Debian's packages put it; the runtime is
# enough with --published), postgresql, pgbackrest, pigz, curl, and for --domain nginx and openssl. All are
# checked before anything changes.
set -euo pipefail
umask 022

checkout=$(cd "$(dirname "$0")/.." && pwd)
root=/
version=""
published=""
schedule=""
start=yes
domain=""
instances=""
usage="usage: deploy/install.sh [--domain NAME] [--instances N] [--version NAME] [--published DIR] [--cron | --timer] [--no-start] [--root DIR]"
while [[ $# -gt 0 ]]; do
  case $1 in
    --domain) domain=${2:?$usage}; shift 2 ;;
    --instances) instances=${2:?$usage}; shift 2 ;;
    --version) version=${2:?$usage}; shift 2 ;;
    --published) published=$(cd "${2:?$usage}" && pwd); shift 2 ;;
    --cron) schedule=cron; shift ;;
    --timer) schedule=timer; shift ;;
    --no-start) start=no; shift ;;
    --root) root=${2:?$usage}; shift 2 ;;
    -h | --help) echo "$usage"; exit 0 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done

say() { echo "install.sh: $*" >&2; }
fail() { echo "install.sh: error: $*" >&2; exit 1; }
system=yes
[[ $root == / ]] || system=no
root=$(realpath -m "$root")
root=${root%/}
# From /: runuser -u postgres would otherwise complain that it cannot enter the caller's folder.
cd /
for lib in prerequisites publish instances nginx secrets; do
  # shellcheck source=/dev/null
  source "$checkout/deploy/lib/$lib.sh"
done
check_prerequisites
[[ $version =~ ^[A-Za-z0-9._-]*$ ]] || fail "--version may hold letters, digits, '.', '_' and '-' only"
if [[ -z $version ]]; then
  version=$(git -C "$checkout" describe --always --tags --dirty 2>/dev/null || true)
  version=$(date +%Y%m%d%H%M%S)${version:+-$version}
fi

# shellcheck source=deploy/lib/backups.sh
source "$checkout/deploy/lib/backups.sh"
home=$root/opt/tautaurun
release=$home/releases/$version
etc=$root/etc/tautaurun

# system_only "what" COMMAND...: runs COMMAND for a real install; with --root, says it was skipped.
system_only() {
  local what=$1
  shift
  if [[ $system == yes ]]; then "$@"; else say "skipped with --root: $what"; fi
}

create_user() {
  if ! id -u tautaurun >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/tautaurun --no-create-home --shell /usr/sbin/nologin tautaurun
    say "created the system user tautaurun"
  fi
}

# own OWNER MODE PATH...: ownership only on a real install (the user exists only then).
own() {
  local owner=$1 mode=$2
  shift 2
  chmod "$mode" "$@"
  [[ $system == no ]] || chown "$owner" "$@"
}

create_directories() {
  mkdir -p "$home/releases" "$home/backups" "$etc" "$root/var/log/tautaurun" "$root/usr/local/bin" \
    "$root/etc/systemd/system" "$root/etc/cron.d"
  own root:root 0755 "$home" "$home/releases"
  own tautaurun:tautaurun 0750 "$home/backups" "$root/var/log/tautaurun"
  own root:tautaurun 0750 "$etc"
}

# The settings file: written once from the template, never overwritten (it holds the SMTP password).
write_settings() {
  if [[ ! -e $etc/tautaurun.env ]]; then
    cp "$checkout/deploy/tautaurun.env.template" "$etc/tautaurun.env"
    say "wrote $etc/tautaurun.env from the template: fill in SMTP_* and the event's defaults"
  fi
  own root:tautaurun 0640 "$etc/tautaurun.env"
}

# The key file that encrypts the key ring in the database: made once, never replaced (rotation is a
# separate, documented step). Root-only: systemd hands it to the service with LoadCredential=.
key_file_created=no
create_key_file() {
  local file=$etc/credentials/data-protection.pem
  [[ -e $file ]] && return 0
  new_key_file "$file" || fail "could not create the Data Protection key file $file"
  [[ $system == no ]] || chown -R root:root "$etc/credentials"
  key_file_created=yes
  say "created the Data Protection key file $file: keep a copy apart from the database dumps (docs/OPERATIONS.md)"
}

# A key file new to an existing database: the keys stored before it in the clear are revoked and a
# new, encrypted one is made, once every instance runs this release (admins sign in again).
encrypt_key_ring() {
  [[ $key_file_created == yes ]] || return 0
  if [[ $start == yes ]]; then
    "$root/usr/local/bin/tautaurun" rotate-keys
  else
    say "after starting the instances, run once: sudo tautaurun rotate-keys (encrypts the key ring with the new key file)"
  fi
}

# Role and database, reached by the service over the Unix socket with peer authentication. The role
# also gets a random password, kept in root's ~/.pgpass, for the plan's `psql -h localhost` commands.
create_database() {
  local password=""
  if [[ -z $(runuser -u postgres -- psql -X -A -t -c "SELECT 1 FROM pg_roles WHERE rolname = 'tautaurun'") ]]; then
    password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
    # Through stdin, not the command line: the password never shows in ps.
    runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 <<<"CREATE ROLE tautaurun LOGIN CREATEDB PASSWORD '$password';"
    touch /root/.pgpass && chmod 600 /root/.pgpass
    sed -i '/:tautaurun:/d' /root/.pgpass
    echo "localhost:5432:*:tautaurun:$password" >>/root/.pgpass
    say "created the PostgreSQL role tautaurun (its password is in /root/.pgpass)"
  fi
  if [[ -z $(runuser -u postgres -- psql -X -A -t -c "SELECT 1 FROM pg_database WHERE datname = 'tau_tau_run_prod'") ]]; then
    runuser -u postgres -- createdb --owner=tautaurun tau_tau_run_prod
    say "created the database tau_tau_run_prod"
  fi
}

install_release() {
  local staging
  staging=$(mktemp -d "$home/releases/.staging.XXXXXX")
  trap 'rm -rf "$staging"' EXIT
  if [[ -n $published ]]; then
    cp -a "$published/." "$staging/"
  else
    publish_checkout "$staging"
  fi
  # The operations tools travel with the release, so `current` always has matching ones.
  mkdir -p "$staging/deploy/lib" "$staging/deploy/nginx" "$staging/docs"
  cp "$checkout/backup.sh" "$checkout/tautaurun-api.service" "$checkout/tautaurun-api@.service" "$staging/"
  cp "$checkout"/deploy/nginx/* "$staging/deploy/nginx/"
  cp "$checkout"/deploy/*.sh "$checkout"/deploy/tautaurun-backup.* "$staging/deploy/"
  cp "$checkout"/deploy/lib/*.sh "$checkout"/deploy/lib/*.sql "$staging/deploy/lib/"
  cp "$checkout/docs/OPERATIONS.md" "$staging/docs/"
  echo "$version" >"$staging/RELEASE"
  chmod -R go-w "$staging" && chmod 0755 "$staging"
  rm -rf "$release"
  mv "$staging" "$release"
  trap - EXIT
  say "installed release $version in $release"
}

# Relative links, so the tree also works under --root; renamed into place, so never half switched.
switch_current() {
  local old=""
  [[ -L $home/current ]] && old=$(readlink "$home/current")
  if [[ $old != "releases/$version" ]]; then
    [[ -z $old ]] || { ln -sfn "$old" "$home/previous.new" && mv -T "$home/previous.new" "$home/previous"; }
    ln -sfn "releases/$version" "$home/current.new" && mv -T "$home/current.new" "$home/current"
  fi
  say "current -> releases/$version$([[ -L $home/previous ]] && echo ", previous -> $(readlink "$home/previous")")"
}

install_system_files() {
  install -m 0644 "$checkout/tautaurun-api.service" "$checkout/tautaurun-api@.service" "$root/etc/systemd/system/"
  install -m 0755 "$checkout/deploy/tautaurun-cli.sh" "$root/usr/local/bin/tautaurun"
  install_backup_units
}

enable_units() {
  systemctl daemon-reload
  systemctl enable --quiet tautaurun-api.service
  enable_instances "${instances:-$(default_instances)}"
  enable_backup_timers
}

# nginx: set up with --domain; otherwise an existing site's upstream follows the instances.
front_door() {
  if [[ -n $domain ]]; then
    # shellcheck disable=SC2046 # one port a word
    setup_nginx "$domain" $(instance_ports)
  elif [[ -f $TAUTAURUN_UPSTREAM ]]; then
    # shellcheck disable=SC2046
    write_upstream $(instance_ports)
    nginx -t -q && systemctl reload nginx
  fi
}

system_only "link /usr/bin/dotnet" link_dotnet
system_only "create the user tautaurun" create_user
create_directories
write_settings
create_key_file
write_backup_settings
resolve_backup_schedule
system_only "create the PostgreSQL role and database" create_database
install_release
switch_current
system_only "retire a single-instance unit" retire_single_unit
install_system_files
system_only "migrate the database" "$root/usr/local/bin/tautaurun" migrate
system_only "enable the units" enable_units
system_only "set up point-in-time recovery (pgBackRest)" configure_pitr
if [[ $start == yes ]]; then system_only "start the instances" start_instances; fi
system_only "encrypt the key ring with the new key file" encrypt_key_ring
system_only "set up nginx" front_door
say "done: release $version"
next_steps
