#!/usr/bin/env bash
# Installs or upgrades TauTauRun on Debian 12 (or Ubuntu), from this checkout. Safe to run again: what
# exists is kept (user, database, /etc/tautaurun/tautaurun.env), a new release is added beside the old
# ones and `current` switches to it, with `previous` left for deploy/rollback.sh.
#
# Usage: deploy/install.sh [--version NAME] [--published DIR] [--cron | --timer] [--no-start] [--root DIR]
#   --version NAME   the release's folder name (default: the checkout's `git describe`, else a timestamp)
#   --published DIR  install this `dotnet publish` output instead of publishing the checkout
#   --cron, --timer  schedule backups with /etc/cron.d (the first install's default) or with systemd
#                    timers; with neither, an upgrade keeps the schedule installed before
#   --no-start       do not (re)start the service
#   --root DIR       lay the files out under DIR and skip what touches the system (user, PostgreSQL,
#                    migrations, systemctl), so the layout can be checked without root
# Needs: root, the .NET 10 runtime at /usr/bin/dotnet (the SDK to publish), postgresql, pgbackrest, curl.
set -euo pipefail
umask 022

checkout=$(cd "$(dirname "$0")/.." && pwd)
root=/
version=""
published=""
schedule=""
start=yes
usage="usage: deploy/install.sh [--version NAME] [--published DIR] [--cron | --timer] [--no-start] [--root DIR]"
while [[ $# -gt 0 ]]; do
  case $1 in
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
root=${root%/}
[[ $system == no || $(id -u) -eq 0 ]] || fail "run as root (sudo deploy/install.sh), or with --root DIR to try the layout"
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
    say "publishing the checkout (dotnet publish -c Release)..."
    dotnet publish "$checkout/TauTauRun.Web" -c Release -o "$staging" --nologo -v quiet >&2 ||
      fail "dotnet publish failed (output above)"
  fi
  # The operations tools travel with the release, so `current` always has matching ones.
  mkdir -p "$staging/deploy/lib" "$staging/docs"
  cp "$checkout/backup.sh" "$checkout/tautaurun-api.service" "$staging/"
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
  install -m 0644 "$checkout/tautaurun-api.service" "$root/etc/systemd/system/"
  install -m 0755 "$checkout/deploy/tautaurun-cli.sh" "$root/usr/local/bin/tautaurun"
  install_backup_units
}

enable_units() {
  systemctl daemon-reload
  systemctl enable --quiet tautaurun-api.service
  enable_backup_timers
}

start_service() {
  systemctl restart tautaurun-api.service
  local deadline=$((SECONDS + 90))
  until curl -fsS -o /dev/null --max-time 5 http://localhost:8080/health 2>/dev/null; do
    ((SECONDS < deadline)) || fail "the service did not become healthy: see 'journalctl -u tautaurun-api -n 50'"
    sleep 0.5
  done
  say "tautaurun-api is running and http://localhost:8080/health answers 200"
}

system_only "create the user tautaurun" create_user
create_directories
write_settings
write_backup_settings
resolve_backup_schedule
system_only "create the PostgreSQL role and database" create_database
install_release
switch_current
install_system_files
system_only "migrate the database" "$root/usr/local/bin/tautaurun" migrate
system_only "enable the units" enable_units
system_only "set up point-in-time recovery (pgBackRest)" configure_pitr
if [[ $start == yes ]]; then system_only "start the service" start_service; fi
say "done: release $version"
