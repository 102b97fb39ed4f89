#!/usr/bin/env bash
# The plan's post-deployment verification, one line per check: health, the home page, the
# registration page and the admin login page. Pages this release does not have yet are reported as
# "skip" (404), not as passed. Exits non-zero if any check fails.
#
# Usage: deploy/smoke.sh BASE_URL      e.g. deploy/smoke.sh http://localhost:8080
set -euo pipefail

base=${1:-}
[[ $base =~ ^https?:// ]] || { echo "usage: smoke.sh BASE_URL (e.g. http://localhost:8080)" >&2; exit 2; }
base=${base%/}
failures=0
body=$(mktemp)
trap 'rm -f "$body"' EXIT

# check NAME PATH EXPECTED_TEXT [optional]: 200 with EXPECTED_TEXT passes; 404 on an optional page skips.
check() {
  local name=$1 path=$2 expected=$3 optional=${4:-}
  local status
  status=$(curl -sS -o "$body" -w '%{http_code}' --max-time 10 "$base$path" 2>/dev/null) || status=000
  if [[ $status == 200 ]] && grep -qi -- "$expected" "$body"; then
    echo "ok    $name ($path)"
  elif [[ $status == 404 && $optional == optional ]]; then
    echo "skip  $name ($path): not in this release yet (404)"
  else
    echo "FAIL  $name ($path): HTTP $status$([[ $status == 200 ]] && echo ", no '$expected' in the page")"
    failures=$((failures + 1))
  fi
}

check "health" /health '"status":"Healthy"'
check "home page" / '<html'
check "registration page" /register '<form' optional
check "admin login page" /admin/login '<form' optional
if [[ -n ${SMOKE_ADMIN_USER:-} ]]; then
  echo "skip  test registration, payment update and email: needs the registration and admin flows (not in this release yet)"
fi
if ((failures > 0)); then
  echo "smoke.sh: $failures checks failed" >&2
  exit 1
fi
