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
  need /usr/bin/aws awscli --no-install-recommends
  need_s3rver
}

# A real S3-compatible server for the offsite-copy test: npm's s3rver, in a cache outside the checkout.
need_s3rver() {
  local cache=${TAUTAURUN_CONTAINER_CACHE:-/var/cache/tautaurun-test}/s3rver-3.7.1
  [[ -x $cache/node_modules/.bin/s3rver ]] && return 0
  if [[ $(id -u) -ne 0 ]]; then
    echo "error: $cache is missing s3rver: run 'sudo npm install --prefix $cache s3rver@3.7.1', then run this again" >&2
    exit 1
  fi
  need /usr/bin/npm npm --no-install-recommends
  echo "Installing s3rver 3.7.1 into $cache..." >&2
  mkdir -p "$cache"
  npm install --no-audit --no-fund --prefix "$cache" s3rver@3.7.1 >&2
}
