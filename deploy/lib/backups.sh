# shellcheck shell=bash
# shellcheck disable=SC2154 # checkout, root, etc, home, schedule and system are set by install.sh
# Sourced by deploy/install.sh: the backup settings file, the backup schedule (cron or timers, with
# their alarms) and point-in-time recovery with pgBackRest. Uses install.sh's variables (checkout,
# root, etc, home, schedule, system) and functions (say, fail, own).

pitr_stanza=tautaurun

# /etc/tautaurun/backup.env: written once from the template, never overwritten (a sysadmin's offsite
# settings must survive every upgrade).
write_backup_settings() {
  if [[ ! -e $etc/backup.env ]]; then
    cp "$checkout/deploy/backup.env.template" "$etc/backup.env"
    say "wrote $etc/backup.env from the template: offsite copies and retention are set there"
  fi
  own root:tautaurun 0640 "$etc/backup.env"
  # Since when backups are expected: /health turns Degraded when no dump is newer than 26 h after it.
  mkdir -p "$home/backups/.state"
  [[ -e $home/backups/.state/since ]] || date +%s >"$home/backups/.state/since"
  own tautaurun:tautaurun 0750 "$home/backups/.state"
}

# The schedule stays as chosen: with neither --cron nor --timer, an upgrade keeps what is installed.
resolve_backup_schedule() {
  if [[ -z $schedule ]]; then
    schedule=cron
    # A cron install always leaves the cron file; a timer install removes it and leaves the units.
    if [[ ! -e $root/etc/cron.d/tautaurun-backup && -e $root/etc/systemd/system/tautaurun-backup.timer ]]; then
      schedule=timer
    fi
  fi
  say "backups scheduled by $schedule$([[ $schedule == timer ]] && echo 's')"
}

install_backup_units() {
  install -m 0644 "$checkout"/deploy/tautaurun-backup.service "$checkout"/deploy/tautaurun-backup.timer \
    "$checkout"/deploy/tautaurun-backup-verify.service "$checkout"/deploy/tautaurun-backup-verify.timer \
    "$checkout"/deploy/tautaurun-pitr-backup@.service "$checkout"/deploy/tautaurun-pitr-full.timer \
    "$checkout"/deploy/tautaurun-pitr-diff.timer "$checkout"/deploy/tautaurun-alarm@.service "$root/etc/systemd/system/"
  if [[ $schedule == cron ]]; then
    install -m 0644 "$checkout/deploy/tautaurun-backup.cron" "$root/etc/cron.d/tautaurun-backup"
  else
    rm -f "$root/etc/cron.d/tautaurun-backup"
  fi
}

backup_timers=(tautaurun-backup.timer tautaurun-backup-verify.timer tautaurun-pitr-full.timer tautaurun-pitr-diff.timer)

enable_backup_timers() {
  if [[ $schedule == timer ]]; then
    systemctl enable --quiet --now "${backup_timers[@]}"
  else
    systemctl disable --quiet --now "${backup_timers[@]}" 2>/dev/null || true
  fi
}

# WAL archiving to a pgBackRest repository on the backup disk, for point-in-time recovery: the
# repository, PostgreSQL's archive settings (a restart the first time), the stanza and a first full
# backup. Each part only when missing, so a reinstall changes nothing a sysadmin tuned.
configure_pitr() {
  local pg=(runuser -u postgres -- psql -X -A -t -v ON_ERROR_STOP=1) data repo=$home/backups/pgbackrest
  local config=/etc/pgbackrest/conf.d/tautaurun.conf
  command -v pgbackrest >/dev/null || fail "pgbackrest is missing: sudo apt-get install -y pgbackrest, then run this again"
  data=$("${pg[@]}" -c "SHOW data_directory") || fail "cannot ask PostgreSQL for its data directory"
  # postgres reaches the repository through the backup folder (mode 0750, group tautaurun).
  id -nG postgres | grep -qw tautaurun || usermod -a -G tautaurun postgres
  install -d -o postgres -g postgres -m 0750 "$repo"
  if [[ ! -e $config ]]; then
    mkdir -p /etc/pgbackrest/conf.d
    cat >"$config" <<CONF
# pgBackRest for TauTauRun, written once by deploy/install.sh (never overwritten): WAL archive and
# full/differential backups of the cluster in the repository on the backup disk. See OPERATIONS.md.
[$pitr_stanza]
pg1-path=$data
repo1-path=$repo
# Keep 2 full backups (with the WAL to recover to any moment since the older one) and 6 differentials.
repo1-retention-full=2
repo1-retention-diff=6
compress-type=zst
start-fast=y
log-level-console=warn
CONF
    chmod 0640 "$config" && chown root:postgres "$config"
    say "wrote $config"
  fi
  # archive_timeout: a quiet hour still sends its WAL within a minute (RPO at most 60 s).
  local changed=no setting wanted current
  for setting in "archive_mode=on" "archive_command=pgbackrest --stanza=$pitr_stanza archive-push %p" "archive_timeout=60"; do
    wanted=${setting#*=}
    current=$("${pg[@]}" -c "SHOW ${setting%%=*}")
    [[ $current == "$wanted" || ($setting == archive_timeout=60 && $current == 1min) ]] && continue
    "${pg[@]}" -q -c "ALTER SYSTEM SET ${setting%%=*} = '$wanted'" >/dev/null
    changed=yes
  done
  if [[ $changed == yes ]]; then
    usermod -a -G tautaurun postgres
    say "WAL archiving turned on: restarting PostgreSQL once"
    systemctl restart postgresql
    local deadline=$((SECONDS + 60))
    until "${pg[@]}" -c "SELECT 1" >/dev/null 2>&1; do
      ((SECONDS < deadline)) || fail "PostgreSQL did not come back after the restart: see 'journalctl -u postgresql@*'"
      sleep 0.5
    done
  fi
  runuser -u postgres -- pgbackrest --stanza="$pitr_stanza" stanza-create >/dev/null ||
    fail "pgbackrest stanza-create failed (output above)"
  runuser -u postgres -- pgbackrest --stanza="$pitr_stanza" check || fail "pgbackrest check failed: WAL archiving does not work (output above)"
  if ! runuser -u postgres -- pgbackrest --stanza="$pitr_stanza" info --output=json | grep -q '"label"'; then
    say "taking the first full pgBackRest backup..."
    runuser -u postgres -- pgbackrest --stanza="$pitr_stanza" --type=full backup || fail "the first pgBackRest backup failed (output above)"
  fi
  say "point-in-time recovery: WAL archived to $repo (pgbackrest --stanza=$pitr_stanza info)"
}
