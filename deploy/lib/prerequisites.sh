# shellcheck shell=bash disable=SC2154 # system, checkout, published, domain, instances: set by install.sh
# What deploy/install.sh checks before it changes anything, and the .NET it finds on the way. Needs
# say/fail and the install's settings (system, published, domain, instances) from install.sh.

# Where Microsoft's packages, Debian's and Ubuntu's packages and the tarball instructions put .NET.
dotnet_places=(/usr/bin/dotnet /usr/share/dotnet/dotnet /usr/lib/dotnet/dotnet /usr/local/share/dotnet/dotnet
  /usr/local/bin/dotnet /opt/dotnet/dotnet /snap/dotnet-sdk/current/dotnet)

# The dotnet executable: DOTNET_ROOT's, else the first of the usual places; empty when there is none.
find_dotnet() {
  local place
  for place in ${DOTNET_ROOT:+"$DOTNET_ROOT/dotnet"} "${dotnet_places[@]}"; do
    if [[ -x $place ]]; then
      readlink -f "$place"
      return 0
    fi
  done
}

# Every problem found, one line each, then one failure: nothing has been changed yet.
check_prerequisites() {
  local problems=() need
  [[ $system == no || $(id -u) -eq 0 ]] || problems+=("run as root (sudo deploy/install.sh), or with --root DIR to try the layout")
  dotnet=$(find_dotnet)
  if [[ -z $dotnet ]]; then
    problems+=("no .NET found (looked in ${DOTNET_ROOT:+\$DOTNET_ROOT, }${dotnet_places[*]}): install the .NET 10 SDK, e.g. apt-get install dotnet-sdk-10.0")
  elif [[ -z $published ]] && ! "$dotnet" --list-sdks 2>/dev/null | grep -q '^10\.'; then
    problems+=("$dotnet has no .NET 10 SDK to build with (dotnet --list-sdks): install dotnet-sdk-10.0, or pass --published DIR")
  elif ! "$dotnet" --list-runtimes 2>/dev/null | grep -q '^Microsoft.AspNetCore.App 10\.'; then
    problems+=("$dotnet has no ASP.NET Core 10 runtime (dotnet --list-runtimes): install aspnetcore-runtime-10.0")
  fi
  if [[ $system == yes ]]; then
    for need in curl runuser systemctl; do
      command -v "$need" >/dev/null || problems+=("$need is missing")
    done
    command -v pgbackrest >/dev/null || problems+=("pgbackrest is missing (point-in-time recovery): apt-get install pgbackrest")
    command -v pigz >/dev/null || problems+=("pigz is missing (backup.sh compresses the dumps with it on every core): apt-get install pigz")
    if ! id -u postgres >/dev/null 2>&1 || ! (cd / && runuser -u postgres -- psql -X -A -t -c "SELECT 1" >/dev/null 2>&1); then
      problems+=("PostgreSQL does not answer the postgres user's psql: apt-get install postgresql, and check 'systemctl status postgresql'")
    fi
    if [[ -n $domain ]]; then
      command -v nginx >/dev/null || problems+=("--domain needs nginx: apt-get install nginx")
    fi
  fi
  command -v openssl >/dev/null || problems+=("openssl is missing (it makes the Data Protection key file): apt-get install openssl")
  if [[ -n $domain ]] && ! valid_domain "$domain"; then
    problems+=("--domain '$domain' is not a host name (like register.example.org)")
  fi
  [[ -z $instances || $instances =~ ^[1-9][0-9]?$ ]] || problems+=("--instances must be a number from 1 to 99")
  if ((${#problems[@]} > 0)); then
    printf 'install.sh: error: %s\n' "${problems[@]}" >&2
    fail "nothing was changed; fix the above and run it again"
  fi
}

# The unit and the tautaurun command run /usr/bin/dotnet: link it when .NET lives elsewhere.
link_dotnet() {
  [[ -e /usr/bin/dotnet ]] && return 0
  ln -s "$dotnet" /usr/bin/dotnet
  say "linked /usr/bin/dotnet to $dotnet"
}

# publish_checkout DIR: publishes a copy of the checkout into DIR (with publish_options, deploy/lib/publish.sh),
# so a read-only checkout builds and a writable one is left as it was (no bin/ or obj/ from root).
publish_checkout() {
  local out=$1 copy
  copy=$(mktemp -d /tmp/tautaurun-build.XXXXXX)
  tar -C "$checkout" --exclude=./.git --exclude='*/bin' --exclude='*/obj' -cf - . | tar -C "$copy" -xf -
  local options=()
  mapfile -t options < <(publish_options)
  say "publishing the checkout (dotnet publish ${options[*]}, in $copy)..."
  if ! DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 "$dotnet" publish "$copy/TauTauRun.Web" "${options[@]}" -o "$out" --nologo -v quiet >"$copy.log" 2>&1; then
    cat "$copy.log" >&2
    rm -rf "$copy" "$copy.log"
    fail "dotnet publish failed (output above)"
  fi
  rm -rf "$copy" "$copy.log"
}

# The install's last lines: what the sysadmin does next, skipping what the database shows is done.
next_steps() {
  local site=http://localhost:$TAUTAURUN_FIRST_PORT admins=0 races=0 served=$domain
  # Without --domain, the domain of the nginx site an earlier run set up.
  [[ -n $served || ! -f /etc/nginx/sites-available/tautaurun.conf ]] ||
    served=$(awk '$1 == "server_name" { sub(";", "", $2); print $2; exit }' /etc/nginx/sites-available/tautaurun.conf)
  [[ -z $served ]] || site=https://$served
  if [[ $system == yes ]]; then
    admins=$(runuser -u postgres -- psql -X -A -t -d tau_tau_run_prod -c "SELECT count(*) FROM admins" 2>/dev/null || echo 0)
    races=$(runuser -u postgres -- psql -X -A -t -d tau_tau_run_prod -c "SELECT count(*) FROM race_categories" 2>/dev/null || echo 0)
  fi
  say "next:"
  ((admins > 0)) || say "  1. the first admin:  sudo tautaurun create-admin --username NAME --display-name \"FULL NAME\""
  ((races > 0)) || say "  2. the races:        sign in at $site/admin/login (set up an authenticator app there) and add them at $site/admin/categories"
  say "  3. mail settings:    sudo nano /etc/tautaurun/tautaurun.env, then sudo systemctl restart tautaurun-api"
  say "  4. check the site:   /opt/tautaurun/current/deploy/smoke.sh http://localhost:$TAUTAURUN_FIRST_PORT"
}
