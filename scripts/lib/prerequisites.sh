# shellcheck shell=bash
# Debian packages the run and test commands need. As root a missing one is installed with apt-get;
# otherwise the command stops and says what to install. Sourced by scripts/*.sh.

apt_updated=no

# need PATH PACKAGE [APT-GET OPTION...]: PATH must exist, from Debian's PACKAGE.
need() {
  local path=$1 package=$2
  shift 2
  [[ -e $path ]] && return 0
  if [[ $(id -u) -ne 0 ]]; then
    echo "error: $path is missing: install it with 'sudo apt-get install -y $package', then run this again" >&2
    exit 1
  fi
  echo "Installing $package (provides $path)..." >&2
  if [[ $apt_updated == no ]]; then
    apt-get update -q >&2
    apt_updated=yes
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" "$package" >&2
}

need_postgres() { need /usr/lib/postgresql/15/bin/postgres postgresql-15; }
need_chromium() { need /usr/bin/chromium chromium; }
# Operations tests: shellcheck for every script; nspawn and debootstrap for the real-systemd test.
need_operations_tools() {
  need /usr/bin/shellcheck shellcheck
  need /usr/bin/systemd-analyze systemd
  # Without recommends: libnss-mymachines would change this machine's /etc/nsswitch.conf.
  need /usr/bin/systemd-nspawn systemd-container --no-install-recommends
  need /usr/sbin/debootstrap debootstrap --no-install-recommends
  need /usr/bin/zstd zstd
  # Backups, the front door and offsite copies: pgBackRest, nginx, age, pigz (each run for real).
  need /usr/bin/pgbackrest pgbackrest
  need /usr/sbin/nginx nginx
  need /usr/bin/age age
  need /usr/bin/pigz pigz
}
