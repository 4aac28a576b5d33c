#!/usr/bin/env bash
# A real OpenID Connect provider (scripts/oidc/provider.js, the npm package oidc-provider)
# for trying Parley's single sign-on locally and for the tests. NOT for production: any
# password is accepted. Files under .stack/oidc/ (pid, log, port).
#
# Usage: scripts/oidc.sh start|stop|status|env|install
#   start    installs the node modules if missing, starts the provider on a free port
#            below 32768 (or PARLEY_OIDC_PORT) and prints the PARLEY__OIDC__* settings
#   stop     stops it
#   status   says whether it runs, and where
#   env      prints the PARLEY__OIDC__* settings of the running provider (for `eval`)
#   install  only installs the node modules (npm ci, once: kept in scripts/oidc/node_modules)
# Environment: PARLEY_HTTP_PORT, the Parley API port its redirect URI names [8000].
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

OIDC_SRC=$REPO_ROOT/scripts/oidc
OIDC_DIR=$REPO_ROOT/.stack/oidc
PID_FILE=$OIDC_DIR/provider.pid
LOG_FILE=$OIDC_DIR/provider.log
PORT_FILE=$OIDC_DIR/port
CLIENT_ID=parley
CLIENT_SECRET=parley-sso-test-secret

# npm ci when node_modules is missing or older than the lock file.
oidc_install() {
  have node || die "node is needed for the OIDC provider: apt-get install -y nodejs npm"
  have npm || ensure_debian_packages npm
  ensure_gitignored scripts/oidc/node_modules/
  if [[ -d $OIDC_SRC/node_modules/oidc-provider && $OIDC_SRC/node_modules -nt $OIDC_SRC/package-lock.json ]]; then
    return 0
  fi
  info "installing the OIDC provider's node modules (npm ci in scripts/oidc, once)"
  (cd "$OIDC_SRC" && npm ci --no-audit --no-fund --progress=true) ||
    die "npm ci failed in scripts/oidc (above)"
  touch "$OIDC_SRC/node_modules"
  ok "node modules installed"
}

oidc_env() {
  local port
  port=$(cat "$PORT_FILE" 2>/dev/null) || die "the OIDC provider is not running: scripts/oidc.sh start"
  printf 'export PARLEY__OIDC__ISSUER_URL=http://127.0.0.1:%s\n' "$port"
  printf 'export PARLEY__OIDC__CLIENT_ID=%s\n' "$CLIENT_ID"
  printf 'export PARLEY__OIDC__CLIENT_SECRET=%s\n' "$CLIENT_SECRET"
  printf 'export PARLEY__OIDC__REDIRECT_URL=http://127.0.0.1:%s/api/auth/oidc/callback\n' "${PARLEY_HTTP_PORT:-8000}"
  printf 'export PARLEY__OIDC__SCOPES="email parley"\n'
  printf 'export PARLEY__OIDC__ROLE_CLAIM=parley_role\n'
}

oidc_start() {
  local pid port
  if pid=$(pidfile_alive "$PID_FILE"); then
    ok "OIDC provider already running (pid $pid) at http://127.0.0.1:$(cat "$PORT_FILE")"
    return 0
  fi
  oidc_install
  port=${PARLEY_OIDC_PORT:-$(free_port)}
  port_open "$port" && die "port $port is taken by $(port_holder "$port"); set PARLEY_OIDC_PORT to another"
  mkdir -p "$OIDC_DIR"
  ensure_gitignored .stack/
  info "starting the OIDC provider on 127.0.0.1:$port"
  OIDC_PORT=$port OIDC_CLIENT_ID=$CLIENT_ID OIDC_CLIENT_SECRET=$CLIENT_SECRET \
    spawn_detached "$PID_FILE" "$LOG_FILE" node "$OIDC_SRC/provider.js"
  wait_http "http://127.0.0.1:$port/.well-known/openid-configuration" 30 "$(cat "$PID_FILE")" ||
    { show_log_tail "$LOG_FILE"; die "the OIDC provider did not start (log: $LOG_FILE)"; }
  printf '%s\n' "$port" >"$PORT_FILE"
  ok "OIDC provider ready at http://127.0.0.1:$port (pid $(cat "$PID_FILE")); sign in with a demo email and any password"
  oidc_env
}

oidc_stop() {
  stop_pidfile "$PID_FILE" "OIDC provider" 5
  rm -f "$PORT_FILE"
  ok "OIDC provider stopped"
}

oidc_status() {
  local pid
  if pid=$(pidfile_alive "$PID_FILE"); then
    ok "OIDC provider running (pid $pid) at http://127.0.0.1:$(cat "$PORT_FILE")"
  else
    info "OIDC provider not running"
    return 3
  fi
}

case ${1:-} in
  start) oidc_start ;;
  stop) oidc_stop ;;
  status) oidc_status ;;
  env) oidc_env ;;
  install) oidc_install ;;
  *) die "usage: scripts/oidc.sh start|stop|status|env|install" ;;
esac
