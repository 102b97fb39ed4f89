#!/usr/bin/env bash
# The plan's post-deployment verification, one line per check: health, the home page, the
# registration page and the admin login page. Pages this release does not have yet are reported as
# "skip" (404), not as passed. Exits non-zero if any check fails.
#
# With SMOKE_ADMIN_USER and SMOKE_ADMIN_PASSWORD in the environment (never on the command line: the
# password is passed to curl on its standard input, so it shows in no process list and no output) it
# also walks the real flow as a browser without JavaScript would, with curl and a cookie jar:
#   admin login          POST /admin/login (first, so a wrong password leaves no registration behind),
#                        then the second step: the current code from SMOKE_ADMIN_TOTP_SECRET, the key the
#                        smoke admin's authenticator was set up with (computed by python3; each code works
#                        once, so two runs within 30 seconds: the second waits for the next code)
#   test registration    POST /register into the first race that is open and not full; the status page
#                        names the new TTR- reference
#   payment update       the runner found by /admin/participants?q=REFERENCE is marked paid (the amount
#                        due, BANK_TRANSFER, today, bank reference SMOKE) and then shows PAID and a bib
#   email                the runner's PAYMENT_CONFIRMED email reaches SENT within SMOKE_EMAIL_WAIT seconds
#                        (default 60)
#   clean-up             the runner is refunded with the reason "smoke test" (cancelled instead if the
#                        payment step failed), which frees the place
# Runners are never deleted: the records stay for the audit trail, in status REFUNDED (or CANCELLED),
# and are recognisable by their email address smoke+<UTC timestamp>-<pid>@invalid.example. Note that
# their emails really go out (to an address that cannot receive them) and that the freed place is
# offered to the race's waiting list, if it has one.
#
# Usage: deploy/smoke.sh BASE_URL      e.g. deploy/smoke.sh http://localhost:8080
#        SMOKE_ADMIN_USER=admin SMOKE_ADMIN_PASSWORD=... SMOKE_ADMIN_TOTP_SECRET=... deploy/smoke.sh https://tautaurun.example.org
set -euo pipefail

base=${1:-}
[[ $base =~ ^https?:// ]] || { echo "usage: smoke.sh BASE_URL (e.g. http://localhost:8080); admin flow: SMOKE_ADMIN_USER and SMOKE_ADMIN_PASSWORD in the environment" >&2; exit 2; }
base=${base%/}
failures=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
body=$work/body
headers=$work/headers
jar=$work/cookies
: >"$jar"
chmod 600 "$jar"

ok() { echo "ok    $*"; }
fail() { echo "FAIL  $*"; failures=$((failures + 1)); }

# check NAME PATH EXPECTED_TEXT [optional]: 200 with EXPECTED_TEXT passes; 404 on an optional page skips.
check() {
  local name=$1 path=$2 expected=$3 optional=${4:-}
  local status
  status=$(curl -sS -o "$body" -w '%{http_code}' --max-time 10 "$base$path" 2>/dev/null) || status=000
  if [[ $status == 200 ]] && grep -qi -- "$expected" "$body"; then
    ok "$name ($path)"
  elif [[ $status == 404 && $optional == optional ]]; then
    echo "skip  $name ($path): not in this release yet (404)"
  else
    fail "$name ($path): HTTP $status$([[ $status == 200 ]] && echo ", no '$expected' in the page")"
  fi
}

# request PATH [CURL ARGS...]: one request with the cookie jar, no redirects followed; the body goes to
# $body, the headers to $headers, the status code to $status (000 when nothing answered).
status=000
request() {
  local path=$1
  shift
  status=$(curl -sS -o "$body" -D "$headers" -w '%{http_code}' --max-time 20 -b "$jar" -c "$jar" "$@" "$base$path" 2>/dev/null) || status=000
}

# post PATH FIELD=VALUE...: a form post (each field URL-encoded), with the page's antiforgery token.
post() {
  local path=$1 field
  shift
  local args=(--data-urlencode "__RequestVerificationToken=$form_token")
  for field in "$@"; do
    args+=(--data-urlencode "$field")
  done
  request "$path" "${args[@]}"
}

# The Location header of the last response, as sent.
location() { sed -n 's/^[Ll]ocation: *//p' "$headers" | tr -d '\r' | head -n 1 || true; }

# input_value NAME: the value of the page's first <input name="NAME">, HTML entities of base64 undone.
input_value() {
  tr '\n' ' ' <"$body" | grep -o '<input[^>]*>' | grep -F "name=\"$1\"" | head -n 1 \
    | sed -n 's/.*value="\([^"]*\)".*/\1/p' \
    | sed 's/&#x2B;/+/g; s/&#x2F;/\//g; s/&#x3D;/=/g; s/&amp;/\&/g' || true
}

# The validation messages of the page in $body, joined with "; " (empty when none).
page_errors() {
  tr '\n' ' ' <"$body" | grep -o '<span class="error[^"]*"[^>]*>[^<][^<]*' \
    | sed 's/<[^>]*>//' | paste -sd ';' - | sed 's/;/; /g' || true
}

# Reads the form token of the page in $body into $form_token; false when it has none.
form_token=
read_form_token() {
  form_token=$(input_value __RequestVerificationToken)
  [[ -n $form_token ]]
}

check "health" /health '"status":"Healthy"'
check "home page" / '<html'
check "registration page" /register '<form' optional
check "admin login page" /admin/login '<form' optional

# The admin login page's answer when it refuses: 401 is a wrong username or password (or a locked account).
login() {
  request /admin/login
  if [[ $status != 200 ]] || ! read_form_token; then
    fail "admin login (/admin/login): HTTP $status, no login form"
    return 1
  fi
  # The password goes to curl on its standard input (printf is a shell builtin: no process sees it).
  status=$(printf '%s' "$SMOKE_ADMIN_PASSWORD" | curl -sS -o "$body" -D "$headers" -w '%{http_code}' --max-time 20 \
    -b "$jar" -c "$jar" --data-urlencode "__RequestVerificationToken=$form_token" \
    --data-urlencode "Form.Username=$SMOKE_ADMIN_USER" --data-urlencode "Form.Password@-" \
    "$base/admin/login" 2>/dev/null) || status=000
  if [[ $status == 302 && $(location) == /admin/two-factor/setup* ]]; then
    fail "admin login (/admin/login as $SMOKE_ADMIN_USER): the account has no authenticator yet; set it up in a browser first"
    return 1
  elif [[ $status == 302 && $(location) == /admin/two-factor* ]]; then
    second_step
  elif [[ $status == 302 ]]; then
    ok "admin login (/admin/login as $SMOKE_ADMIN_USER)"
  elif [[ $status == 401 ]]; then
    fail "admin login (/admin/login as $SMOKE_ADMIN_USER): HTTP 401, wrong username or password, or the account is locked"
    return 1
  else
    fail "admin login (/admin/login as $SMOKE_ADMIN_USER): HTTP $status, expected 302"
    return 1
  fi
}

# totp: the current RFC 6238 code of SMOKE_ADMIN_TOTP_SECRET (read from the environment, never an argument).
totp() {
  python3 -c 'import base64, hashlib, hmac, os, struct, time
key = base64.b32decode(os.environ["SMOKE_ADMIN_TOTP_SECRET"].strip().upper())
mac = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
offset = mac[-1] & 15
print("%06d" % ((struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7fffffff) % 1000000))'
}

second_step() {
  local step
  step=$(location)
  if [[ -z ${SMOKE_ADMIN_TOTP_SECRET:-} ]]; then
    fail "admin login (/admin/login as $SMOKE_ADMIN_USER): the second step needs SMOKE_ADMIN_TOTP_SECRET"
    return 1
  fi
  request "$step"
  if [[ $status != 200 ]] || ! read_form_token; then
    fail "admin login ($step): HTTP $status, no code form"
    return 1
  fi
  post "$step" "Form.Code=$(totp)"
  if [[ $status == 302 ]]; then
    ok "admin login (/admin/login as $SMOKE_ADMIN_USER, with a code)"
  else
    fail "admin login ($step as $SMOKE_ADMIN_USER): HTTP $status, the code was refused (wrong key, the phone's clock, or used already)"
    return 1
  fi
}

reference=
register() {
  request /register
  if [[ $status != 200 ]] || ! read_form_token; then
    fail "test registration (/register): HTTP $status, no registration form"
    return 1
  fi
  local status_token race stamp email
  status_token=$(input_value Form.Token)
  # The first race whose label says neither "(closed)" nor "(full: waiting list)".
  race=$(tr '\n' ' ' <"$body" | grep -o '<select[^>]*name="Form.CategoryId"[^>]*>.*</select>' | sed 's#</select>.*##' \
    | grep -o '<option[^>]*value="[0-9][0-9]*"[^>]*>[^<]*' | grep -v -e '(closed)' -e '(full' | head -n 1 \
    | sed -n 's/.*value="\([0-9]*\)".*/\1/p') || true
  if [[ -z $status_token ]]; then
    fail "test registration (/register): no Form.Token in the form"
    return 1
  fi
  if [[ -z $race ]]; then
    fail "test registration (/register): no race is open with places left"
    return 1
  fi
  stamp=$(date -u +%Y%m%d%H%M%S)
  email="smoke+$stamp-$$@invalid.example"
  post /register "Form.CategoryId=$race" "Form.FullName=Smoke Test $stamp" "Form.Email=$email" \
    "Form.Phone=+31 6 1234 5678" "Form.DateOfBirth=1990-01-01" "Form.Gender=X" "Form.TshirtSize=M" \
    "Form.EmergencyContactName=Smoke Contact" "Form.EmergencyContactPhone=+31 6 8765 4321" \
    "Form.AcceptWaiver=true" "Form.Token=$status_token"
  local target
  target=$(location)
  if [[ $status != 302 || $target != "/status/$status_token?welcome=1" ]]; then
    local errors
    errors=$(page_errors)
    fail "test registration (/register, race $race): HTTP $status${target:+ to $target}, expected 302 to /status/<token>?welcome=1${errors:+ ($errors)}"
    return 1
  fi
  request "$target"
  reference=$(tr '\n' ' ' <"$body" | grep -o '<h1>Registration TTR-[0-9A-Z]\{6\}</h1>' | grep -o 'TTR-[0-9A-Z]*' | head -n 1) || true
  if [[ $status != 200 || -z $reference ]]; then
    fail "test registration (/status/...): HTTP $status, no 'Registration TTR-' heading"
    return 1
  fi
  ok "test registration ($reference, $email, race $race)"
}

runner=
find_runner() {
  request "/admin/participants?q=$reference"
  runner=$(grep -o "<a href=\"/admin/participants/[0-9]*\">$reference</a>" "$body" | head -n 1 | grep -o '[0-9][0-9]*' | head -n 1) || true
  if [[ $status != 200 || -z $runner ]]; then
    fail "payment update (/admin/participants?q=$reference): HTTP $status$([[ $status == 302 ]] && echo " to $(location)"), runner not listed"
    return 1
  fi
}

# The runner page's status line, e.g. "10K · PAID · bib 12" (entities as sent).
runner_status() { tr '\n' ' ' <"$body" | grep -o '<p class="status">[^<]*</p>' | head -n 1 | sed 's/<[^>]*>//g' || true; }

mark_paid() {
  request "/admin/participants/$runner"
  if [[ $status != 200 ]] || ! read_form_token; then
    fail "payment update (/admin/participants/$runner): HTTP $status, no form"
    return 1
  fi
  local amount paid_on
  amount=$(input_value Payment.Amount)
  paid_on=$(input_value Payment.PaidOn)
  [[ -n $paid_on ]] || paid_on=$(date -u +%F)
  if [[ -z $amount ]]; then
    fail "payment update (/admin/participants/$runner): no Mark paid form (status: $(runner_status))"
    return 1
  fi
  post "/admin/participants/$runner?handler=MarkPaid" "Payment.Amount=$amount" "Payment.Method=BANK_TRANSFER" \
    "Payment.PaidOn=$paid_on" "Payment.BankReference=SMOKE"
  if [[ $status != 302 ]]; then
    local errors
    errors=$(page_errors)
    fail "payment update (/admin/participants/$runner?handler=MarkPaid): HTTP $status, expected 302${errors:+ ($errors)}"
    return 1
  fi
  request "/admin/participants/$runner"
  local shown
  shown=$(runner_status)
  if [[ $status != 200 || ! $shown =~ PAID.*bib\ [0-9]+ ]]; then
    fail "payment update (/admin/participants/$runner): HTTP $status, shows '$shown', expected PAID and a bib"
    return 1
  fi
  ok "payment update ($reference paid $amount, $(grep -o 'bib [0-9]*' <<<"$shown"))"
}

# The status of the runner's PAYMENT_CONFIRMED email in the page in $body (empty when not listed).
email_status() {
  grep -o '<td>PAYMENT_CONFIRMED</td><td>[^<]*</td><td>[A-Z_]*</td>' "$body" | head -n 1 | sed 's#.*<td>\([A-Z_]*\)</td>$#\1#' || true
}

wait_for_email() {
  local wait=${SMOKE_EMAIL_WAIT:-60} started=$SECONDS email=
  [[ $wait =~ ^[0-9]+$ ]] || wait=60
  while :; do
    request "/admin/participants/$runner"
    email=$(email_status) || true
    [[ $status == 200 && $email == SENT ]] && break
    if ((SECONDS - started >= wait)); then
      fail "email (PAYMENT_CONFIRMED for $reference): email not delivered within ${wait}s (status: ${email:-not queued})"
      return 1
    fi
    sleep 2
  done
  ok "email (PAYMENT_CONFIRMED for $reference SENT after $((SECONDS - started))s)"
}

# clean_up HANDLER EXPECTED_STATUS: Refund a paid runner, Cancel one the payment step left unpaid.
clean_up() {
  local handler=$1 expected=$2 shown
  request "/admin/participants/$runner"
  if [[ $status != 200 ]] || ! read_form_token; then
    fail "clean-up (/admin/participants/$runner): HTTP $status, no form"
    return 1
  fi
  post "/admin/participants/$runner?handler=$handler" "reason=smoke test"
  if [[ $status == 302 ]]; then
    request "/admin/participants/$runner"
  fi
  shown=$(runner_status)
  if [[ $status != 200 || $shown != *"$expected"* ]]; then
    fail "clean-up ($reference, $handler): HTTP $status, shows '$shown', expected $expected"
    return 1
  fi
  ok "clean-up ($reference $expected, the place is free again)"
}

if [[ -n ${SMOKE_ADMIN_USER:-} ]]; then
  if [[ -z ${SMOKE_ADMIN_PASSWORD:-} ]]; then
    fail "admin login: SMOKE_ADMIN_USER is set but SMOKE_ADMIN_PASSWORD is not"
  elif login && register; then
    if find_runner; then
      if mark_paid; then
        wait_for_email || true
        clean_up Refund REFUNDED || true
      else
        clean_up Cancel CANCELLED || true
      fi
    else
      echo "FAIL  clean-up: $reference could not be found; cancel it by hand in /admin/participants"
    fi
  fi
fi

if ((failures > 0)); then
  echo "smoke.sh: $failures checks failed" >&2
  exit 1
fi
