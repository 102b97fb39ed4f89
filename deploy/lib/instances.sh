# shellcheck shell=bash
# The app's instances (tautaurun-api@PORT.service) and nginx's list of them, shared by deploy/install.sh,
# deploy/rollback.sh and deploy/instances.sh. An instance is taken out of nginx's upstream by marking
# its line `down` and reloading nginx gracefully: requests already on their way finish, new ones go to
# the others. Needs say/fail from the script that sources it.

: "${TAUTAURUN_UNIT_DIR:=/etc/systemd/system}"
: "${TAUTAURUN_UPSTREAM:=/etc/nginx/tautaurun/upstream.conf}"
: "${TAUTAURUN_NGINX_PID:=/run/nginx.pid}"
: "${TAUTAURUN_NGINX_RELOAD_CMD:=systemctl reload nginx}"
: "${TAUTAURUN_FIRST_PORT:=8080}"
: "${TAUTAURUN_INSTANCE_HEALTH_TIMEOUT:=90}"

# The enabled instances' ports, one a line, from the links `systemctl enable` made.
instance_ports() {
  local link
  for link in "$TAUTAURUN_UNIT_DIR"/tautaurun-api.service.wants/tautaurun-api@*.service; do
    [[ -e $link || -L $link ]] || continue
    link=${link##*@}
    echo "${link%.service}"
  done | sort -n
}

# enable_instances N: instances on ports FIRST..FIRST+N-1 enabled (and started with the group), any
# beyond stopped and disabled; nginx's upstream follows when nginx is set up.
enable_instances() {
  local count=$1 port wanted=()
  for ((port = TAUTAURUN_FIRST_PORT; port < TAUTAURUN_FIRST_PORT + count; port++)); do wanted+=("$port"); done
  for port in $(instance_ports); do
    [[ " ${wanted[*]} " == *" $port "* ]] || systemctl disable --quiet --now "tautaurun-api@$port.service"
  done
  for port in "${wanted[@]}"; do systemctl enable --quiet "tautaurun-api@$port.service"; done
}

# The instance count to keep: what is enabled now, else 2 on a machine with 2 or more cores, else 1.
default_instances() {
  local enabled
  enabled=$(instance_ports | wc -l)
  if ((enabled > 0)); then echo "$enabled"; elif (($(nproc) >= 2)); then echo 2; else echo 1; fi
}

# Releases before instances ran the app in tautaurun-api.service itself: stop that process once, before
# its unit becomes the group (a short outage, on that one upgrade only).
retire_single_unit() {
  local unit=$TAUTAURUN_UNIT_DIR/tautaurun-api.service
  if [[ -f $unit ]] && ! grep -q '^RemainAfterExit=yes' "$unit"; then
    systemctl stop tautaurun-api.service
    say "stopped the single-instance tautaurun-api of the older release; instances replace it"
  fi
}

# Starts the instances, or on an upgrade restarts them one at a time; then waits for each one's /health.
start_instances() {
  local port running=no
  for port in $(instance_ports); do
    if systemctl is-active --quiet "tautaurun-api@$port.service"; then running=yes; fi
  done
  [[ $running == no ]] || roll_instances
  # The group (which waits for its instances), and by name any instance added to a running group.
  # shellcheck disable=SC2046 # one unit a word
  systemctl start tautaurun-api.service $(instance_ports | sed 's|.*|tautaurun-api@&.service|')
  for port in $(instance_ports); do wait_for_instance "$port"; done
  say "tautaurun-api is running: $(instance_ports | sed 's|^|http://localhost:|; s|$|/health|' | paste -sd ' ') answer 200"
}

# write_upstream PORT...: nginx's upstream block, keeping any instance that is drained right now drained.
# Passive health checks: after 3 failures in 10 s nginx leaves a server alone for 10 s.
write_upstream() {
  local port drained="" new=$TAUTAURUN_UPSTREAM.new
  [[ -f $TAUTAURUN_UPSTREAM ]] && drained=$(grep -o '127\.0\.0\.1:[0-9]* .*down' "$TAUTAURUN_UPSTREAM" | grep -o ':[0-9]*' | tr -d : || true)
  {
    echo "# Written by deploy/install.sh (deploy/lib/instances.sh): one line per tautaurun-api@PORT instance."
    echo "# deploy/instances.sh drain|undrain PORT marks a line down and reloads nginx."
    echo "upstream tautaurun {"
    for port in "$@"; do
      if [[ " $drained " == *" $port "* ]]; then
        echo "    server 127.0.0.1:$port max_fails=3 fail_timeout=10s down;"
      else
        echo "    server 127.0.0.1:$port max_fails=3 fail_timeout=10s;"
      fi
    done
    echo "}"
  } >"$new"
  mv "$new" "$TAUTAURUN_UPSTREAM"
}

nginx_running() { [[ -s $TAUTAURUN_NGINX_PID ]] && kill -0 "$(cat "$TAUTAURUN_NGINX_PID")" 2>/dev/null; }

# The workers nginx's master runs now, one pid a line.
nginx_workers() { ps --ppid "$(cat "$TAUTAURUN_NGINX_PID")" -o pid= -o args= | awk '/worker process/ && !/shutting down/ { print $1 }'; }

# Reloads nginx and waits until every worker from before the reload has stopped taking requests: only
# then does no new request go to a server just marked down. Polled (nginx signals nothing).
reload_nginx() {
  local before deadline=$((SECONDS + 60)) pid
  before=$(nginx_workers)
  bash -c "$TAUTAURUN_NGINX_RELOAD_CMD" || fail "nginx did not reload ($TAUTAURUN_NGINX_RELOAD_CMD): see 'nginx -t'"
  while :; do
    local still=no current
    current=$(nginx_workers)
    for pid in $before; do
      grep -qx "$pid" <<<"$current" && still=yes
    done
    [[ $still == no && -n $current ]] && return 0
    ((SECONDS < deadline)) || fail "nginx's old workers still take requests 60 s after the reload"
    sleep 0.1
  done
}

in_upstream() { [[ -f $TAUTAURUN_UPSTREAM ]] && grep -q "127\.0\.0\.1:$1 " "$TAUTAURUN_UPSTREAM"; }

# mark_upstream PORT down|up: takes the instance out of nginx's upstream or puts it back.
mark_upstream() {
  local port=$1 state=$2 line
  line="    server 127.0.0.1:$port max_fails=3 fail_timeout=10s"
  grep -q "^${line}[ ;]" "$TAUTAURUN_UPSTREAM" || fail "$TAUTAURUN_UPSTREAM has no instance on port $port"
  if [[ $state == down ]]; then
    sed -i "s|^$line;\$|$line down;|" "$TAUTAURUN_UPSTREAM"
  else
    sed -i "s|^$line down;\$|$line;|" "$TAUTAURUN_UPSTREAM"
  fi
  reload_nginx
}

# Whether nginx sends requests to the instances (install.sh --domain set it up, and it runs).
behind_nginx() { [[ -f $TAUTAURUN_UPSTREAM ]] && nginx_running; }

wait_for_instance() {
  local port=$1 deadline=$((SECONDS + TAUTAURUN_INSTANCE_HEALTH_TIMEOUT))
  until curl -fsS -o /dev/null --max-time 5 "http://localhost:$port/health" 2>/dev/null; do
    ((SECONDS < deadline)) || fail "the instance on port $port did not answer /health within $TAUTAURUN_INSTANCE_HEALTH_TIMEOUT s: see 'journalctl -u tautaurun-api@$port -n 50'"
    sleep 0.5
  done
}

# The runners' pages once each before nginx sends them traffic: a freshly started process answers its
# first page only after compiling it (seconds on a busy machine), and that wait is not a runner's.
warm_instance() {
  local page
  for page in / /register; do
    curl -sS -o /dev/null --max-time 60 "http://localhost:$1$page" 2>/dev/null || true
  done
}

# Restarts every instance on the release `current` names, one at a time: out of the upstream, restart
# (the app finishes its requests on SIGTERM), /health, back in. With nginx the site never goes away;
# with a single instance or without nginx each restart is a short outage, as before.
roll_instances() {
  local ports port count
  ports=$(instance_ports)
  [[ -n $ports ]] || fail "no tautaurun-api@PORT instance is enabled: run deploy/install.sh"
  count=$(wc -w <<<"$ports")
  for port in $ports; do
    local drain=no
    if ((count > 1)) && behind_nginx && in_upstream "$port"; then drain=yes; fi
    [[ $drain == no ]] || mark_upstream "$port" down
    systemctl restart "tautaurun-api@$port.service"
    wait_for_instance "$port"
    [[ $drain == no ]] || { warm_instance "$port"; mark_upstream "$port" up; }
    say "instance $port restarted on $(readlink "${TAUTAURUN_HOME:-/opt/tautaurun}/current") and answers /health"
  done
}
