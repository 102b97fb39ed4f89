# shellcheck shell=bash
# nginx in front of the instances, for deploy/install.sh --domain NAME: the site from
# deploy/nginx/tautaurun.conf, its upstream (deploy/lib/instances.sh), and the certificate: certbot's
# when the domain resolves and certbot is there, a self-signed one otherwise. Tests render the same
# site with their own ports and folders (render_site). Needs say/fail from the script that sources it.

: "${TAUTAURUN_NGINX_CONF:=/etc/nginx/tautaurun}"
: "${TAUTAURUN_ACME_ROOT:=/var/www/letsencrypt}"
nginx_template=$(cd "$(dirname "${BASH_SOURCE[0]}")/../nginx" && pwd)/tautaurun.conf
nginx_marker="# Written by deploy/install.sh --domain"

# A host name as DNS allows it: letters, digits and hyphens in dot-separated labels, at least two labels.
valid_domain() { [[ $1 =~ ^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$ ]]; }

# render_site TEMPLATE DOMAIN HTTP_LISTEN HTTPS_PORT: the site with its placeholders filled in. With an
# HTTP_LISTEN of "default", nginx listens on 80 and 443 on every address, IPv4 and IPv6; otherwise on
# HTTP_LISTEN (address:port) and HTTPS_PORT on the same address, as tests need.
render_site() {
  local template=$1 domain=$2 http=$3 https_port=$4 text http_listen https_listen suffix=""
  text=$(<"$template")
  if [[ $http == default ]]; then
    http_listen="listen 80;"$'\n'"    listen [::]:80;"
    https_listen="listen 443 ssl http2;"$'\n'"    listen [::]:443 ssl http2;"
  else
    http_listen="listen $http;"
    https_listen="listen ${http%:*}:$https_port ssl http2;"
  fi
  [[ $https_port == 443 ]] || suffix=":$https_port"
  text=${text//@HTTP_LISTEN@/$http_listen}
  text=${text//@HTTPS_LISTEN@/$https_listen}
  text=${text//@HTTPS_SUFFIX@/$suffix}
  text=${text//@DOMAIN@/$domain}
  text=${text//@CONF_DIR@/$TAUTAURUN_NGINX_CONF}
  text=${text//@ACME_ROOT@/$TAUTAURUN_ACME_ROOT}
  printf '%s\n' "$text"
}

# self_signed DOMAIN: a two-year self-signed pair in the site's folder, linked as its certificate.
self_signed() {
  local domain=$1 dir=$TAUTAURUN_NGINX_CONF
  openssl req -x509 -newkey rsa:2048 -nodes -days 730 -subj "/CN=$domain" -addext "subjectAltName=DNS:$domain" \
    -keyout "$dir/selfsigned-$domain.key" -out "$dir/selfsigned-$domain.crt" 2>/dev/null ||
    fail "openssl could not make a self-signed certificate for $domain"
  chmod 600 "$dir/selfsigned-$domain.key"
  link_certificate "$dir/selfsigned-$domain.crt" "$dir/selfsigned-$domain.key"
}

link_certificate() {
  ln -sfn "$1" "$TAUTAURUN_NGINX_CONF/fullchain.pem"
  ln -sfn "$2" "$TAUTAURUN_NGINX_CONF/privkey.pem"
}

# Whether the linked certificate exists and names DOMAIN (a link to a missing file, or another domain's
# certificate, is replaced).
certificate_fits() {
  local domain=$1
  [[ -e $TAUTAURUN_NGINX_CONF/fullchain.pem && -e $TAUTAURUN_NGINX_CONF/privkey.pem ]] &&
    openssl x509 -noout -checkhost "$domain" -in "$TAUTAURUN_NGINX_CONF/fullchain.pem" 2>/dev/null | grep -q "does match"
}

# certbot's certificate for DOMAIN through the webroot nginx now serves, renewed by certbot's timer
# with a reload of nginx. Returns non-zero when certbot cannot get one (the self-signed pair stays).
certbot_certificate() {
  local domain=$1 live=/etc/letsencrypt/live/$1
  certbot certonly --webroot -w "$TAUTAURUN_ACME_ROOT" -d "$domain" --non-interactive --agree-tos \
    --register-unsafely-without-email --keep-until-expiring --deploy-hook "systemctl reload nginx" --quiet || return 1
  link_certificate "$live/fullchain.pem" "$live/privkey.pem"
}

# setup_nginx DOMAIN PORT...: the site, its upstream and a certificate; nginx checked and reloaded.
setup_nginx() {
  local domain=$1 site=/etc/nginx/sites-available/tautaurun.conf switch
  shift
  mkdir -p "$TAUTAURUN_NGINX_CONF/site.d" "$TAUTAURUN_ACME_ROOT"
  chmod 0750 "$TAUTAURUN_NGINX_CONF"
  write_upstream "$@"
  if ! certificate_fits "$domain"; then
    [[ ! -L $TAUTAURUN_NGINX_CONF/fullchain.pem ]] || say "the certificate $(readlink "$TAUTAURUN_NGINX_CONF/fullchain.pem") is missing or not for $domain: making a self-signed one"
    self_signed "$domain"
  fi
  if [[ -e $site ]] && ! head -n 1 "$site" | grep -qF "$nginx_marker"; then
    say "kept $site: its first line is not install.sh's, so it is yours (compare with deploy/nginx/tautaurun.conf)"
  else
    render_site "$nginx_template" "$domain" default 443 >"$site.new"
    mv "$site.new" "$site"
  fi
  ln -sfn "$site" /etc/nginx/sites-enabled/tautaurun.conf
  nginx -t -q || fail "nginx -t rejects the configuration (output above); the site is $site"
  systemctl enable --quiet nginx
  systemctl reload-or-restart nginx
  if [[ $(readlink "$TAUTAURUN_NGINX_CONF/fullchain.pem") == /etc/letsencrypt/* ]]; then
    say "nginx serves https://$domain with certbot's certificate"
    return 0
  fi
  switch="once $domain resolves to this machine: sudo apt-get install certbot && sudo deploy/install.sh --domain $domain"
  if ! getent ahosts "$domain" >/dev/null; then
    say "nginx serves https://$domain with a self-signed certificate ($domain does not resolve); $switch"
  elif ! command -v certbot >/dev/null; then
    say "nginx serves https://$domain with a self-signed certificate (certbot is not installed); $switch"
  elif certbot_certificate "$domain"; then
    systemctl reload nginx
    say "nginx serves https://$domain with certbot's certificate (renewed by certbot.timer)"
  else
    say "nginx serves https://$domain with a self-signed certificate (certbot failed: see /var/log/letsencrypt/letsencrypt.log); $switch"
  fi
}
