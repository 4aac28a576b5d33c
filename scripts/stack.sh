#!/usr/bin/env bash
# Parley local stack: a private PostgreSQL, a private NATS (JetStream) and the
# long-running parley parts (the API, ...), all under .stack/ at the repo root.
#
# Usage: scripts/stack.sh <verb> [args]      (scripts/stack.sh help for the list)
#
# It never uses the machine's own PostgreSQL (5432) or NATS (4222): it runs
# its own on other ports. Environment (defaults in brackets; `start` remembers
# the ports it used in .stack/stack.env, so later verbs find them):
#   PARLEY_PG_PORT            PostgreSQL port [25432]
#   PARLEY_NATS_PORT          NATS client port [24222]
#   PARLEY_NATS_MONITOR_PORT  NATS HTTP monitor port [28222]
#   PARLEY_HTTP_PORT          Parley API port [8000]
#   PARLEY_PROFILE            cargo profile of the parley binary: debug or release [debug]
#   PARLEY_SKIP_BUILD=1       start: use the binary already built, do not run cargo
#   PARLEY_SKIP_PARTS=1       start: only PostgreSQL and NATS (no build, migrate,
#                             seed nor parley parts); handy while the code does not build
#   PARLEY__AUTH__JWT_SECRET  passed to parley when set (local mode has a dev default)
#   PARLEY__PRIVACY__MASTER_KEY  wraps the keys sealing personal data (docs/privacy.md);
#                             the development key unless set. Keep it for the stack's life:
#                             data sealed under one master key does not open under another
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STACK_DIR=$REPO_ROOT/.stack
PG_DIR=$STACK_DIR/postgres
NATS_DIR=$STACK_DIR/nats
LOG_DIR=$STACK_DIR/logs
RUN_DIR=$STACK_DIR/run
BACKUP_DIR=$STACK_DIR/backups
STATE_FILE=$STACK_DIR/stack.env
DB_NAME=parley

# The long-running parley subcommands, started in this order and stopped in
# reverse. Adding a part is adding its name here (see part_args for how a
# name maps to a subcommand). Each gets .stack/logs/<part>.log and .stack/run/<part>.pid.
PARTS=(api relay project route simulate)
# Parts started only on request: `start --simulate` (or PARLEY_SIMULATE=1) adds a light,
# endless demo traffic of interpreters and requesters through the public API.
OPTIONAL_PARTS=(simulate)

# The parley command line of a part, in the PART_ARGS array. A part is run as
# `parley <name>` unless named otherwise here.
part_args() {
  case $1 in
    api) PART_ARGS=(serve) ;;
    simulate)
      PART_ARGS=(simulate --base-url "http://127.0.0.1:$HTTP_PORT" --agents "${PARLEY_SIMULATE_AGENTS:-6}"
        --rate "${PARLEY_SIMULATE_RATE:-6/m}" --duration "${PARLEY_SIMULATE_DURATION:-8h}" --time-scale 0.5)
      ;;
    *) PART_ARGS=("$1") ;;
  esac
}

# The URL that tells whether a part is ready; empty for parts without HTTP,
# which count as healthy while their process lives.
part_health_url() {
  case $1 in
    api) printf 'http://%s:%s/readyz\n' "$HTTP_HOST" "$HTTP_PORT" ;;
    *) printf '\n' ;;
  esac
}

part_address() {
  case $1 in
    api) printf 'http://%s:%s\n' "$HTTP_HOST" "$HTTP_PORT" ;;
    *) printf -- '-\n' ;;
  esac
}

DEMO_USERS=(agent1@example.com agent2@example.com supervisor@example.com
  admin@example.com analyst@example.com requester@example.com)
DEMO_PASSWORD=password123

# -------------------------------------------------------------- settings ---

# Ports: the environment first, then what the last `start` used, then defaults.
load_settings() {
  local saved_pg='' saved_nats='' saved_mon='' saved_http='' saved_bin=''
  if [[ -f $STATE_FILE ]]; then
    saved_bin=$(sed -n 's/^PARLEY_BIN=//p' "$STATE_FILE")
    saved_pg=$(sed -n 's/^PARLEY_PG_PORT=//p' "$STATE_FILE")
    saved_nats=$(sed -n 's/^PARLEY_NATS_PORT=//p' "$STATE_FILE")
    saved_mon=$(sed -n 's/^PARLEY_NATS_MONITOR_PORT=//p' "$STATE_FILE")
    saved_http=$(sed -n 's/^PARLEY_HTTP_PORT=//p' "$STATE_FILE")
  fi
  PG_PORT=${PARLEY_PG_PORT:-${saved_pg:-25432}}
  NATS_PORT=${PARLEY_NATS_PORT:-${saved_nats:-24222}}
  NATS_MONITOR_PORT=${PARLEY_NATS_MONITOR_PORT:-${saved_mon:-28222}}
  HTTP_PORT=${PARLEY_HTTP_PORT:-${saved_http:-8000}}
  HTTP_HOST=127.0.0.1
  local name
  for name in PG_PORT NATS_PORT NATS_MONITOR_PORT HTTP_PORT; do
    [[ ${!name} =~ ^[0-9]+$ ]] || die "$name must be a port number, got '${!name}'"
  done
  PROFILE=${PARLEY_PROFILE:-debug}
  [[ $PROFILE == debug || $PROFILE == release ]] || die "PARLEY_PROFILE must be debug or release, got '$PROFILE'"
  # The binary the last `start` built and ran, so that `exec`, `restore` and `status` find
  # it without the CARGO_TARGET_DIR or PARLEY_PROFILE it was built with; either one given
  # now names the binary instead.
  if [[ -n $saved_bin && -z ${CARGO_TARGET_DIR:-} && -z ${PARLEY_PROFILE:-} ]]; then
    PARLEY_BIN=$saved_bin
  else
    PARLEY_BIN=${CARGO_TARGET_DIR:-$REPO_ROOT/target}/$PROFILE/parley
  fi
  DATABASE_URL_STACK="postgres://$PG_SUPERUSER@127.0.0.1:$PG_PORT/$DB_NAME"
  NATS_URL_STACK="nats://127.0.0.1:$NATS_PORT"
}

save_settings() {
  mkdir -p "$STACK_DIR"
  printf 'PARLEY_PG_PORT=%s\nPARLEY_NATS_PORT=%s\nPARLEY_NATS_MONITOR_PORT=%s\nPARLEY_HTTP_PORT=%s\nPARLEY_BIN=%s\n' \
    "$PG_PORT" "$NATS_PORT" "$NATS_MONITOR_PORT" "$HTTP_PORT" "$PARLEY_BIN" >"$STATE_FILE"
}

# What parley, psql and friends need to talk to this stack.
export_stack_env() {
  export PARLEY__DATABASE__URL=$DATABASE_URL_STACK
  export PARLEY__NATS__URL=$NATS_URL_STACK
  export PARLEY__HTTP__HOST=$HTTP_HOST
  export PARLEY__HTTP__PORT=$HTTP_PORT
  export PARLEY__ENVIRONMENT=local
  export PARLEY__PRIVACY__MASTER_KEY=${PARLEY__PRIVACY__MASTER_KEY:-parley-local-development-master-key-do-not-use}
  export PARLEY__HTTP__WEB_ROOT=${PARLEY__HTTP__WEB_ROOT:-$REPO_ROOT/web-ui/dist}
  # The demo simulator logs many interpreters in from this one address; production keeps
  # the strict defaults (auth.login_burst / auth.login_per_minute in docs/runbook.md).
  export PARLEY__AUTH__LOGIN_BURST=${PARLEY__AUTH__LOGIN_BURST:-1000}
  export PARLEY__AUTH__LOGIN_PER_MINUTE=${PARLEY__AUTH__LOGIN_PER_MINUTE:-1000}
  export DATABASE_URL=$DATABASE_URL_STACK NATS_URL=$NATS_URL_STACK
  export PGHOST=127.0.0.1 PGPORT=$PG_PORT PGUSER=$PG_SUPERUSER PGDATABASE=$DB_NAME
  local bindir
  # matching psql/pg_dump first, and `parley` itself, on PATH
  if bindir=$(pg_bindir 2>/dev/null); then PATH=$bindir:$PATH; fi
  PATH=$(dirname "$PARLEY_BIN"):$PATH
  export PATH
}

# ----------------------------------------------------------------- parts ---

# The log of a part's latest run only (start_part marks each run), last 40 lines.
show_part_log() {
  local logfile=$1
  [[ -f $logfile ]] || return 0
  printf '%s--- %s (latest run) ---%s\n' "$C_DIM" "$logfile" "$C_RESET" >&2
  awk '/^===== .*: parley / { n = 0 } { line[n++] = $0 } END { for (i = (n > 40 ? n - 40 : 0); i < n; i++) print "    " line[i] }' "$logfile" >&2
  printf '%s---%s\n' "$C_DIM" "$C_RESET" >&2
}

part_pidfile() { printf '%s/%s.pid\n' "$RUN_DIR" "$1"; }
part_logfile() { printf '%s/%s.log\n' "$LOG_DIR" "$1"; }

known_part() {
  local p
  for p in "${PARTS[@]}"; do [[ $p == "$1" ]] && return 0; done
  return 1
}

require_binary() {
  [[ -x $PARLEY_BIN ]] || die "no parley binary at $PARLEY_BIN: run scripts/stack.sh build (or start without PARLEY_SKIP_BUILD)"
}

# Runs a one-shot parley subcommand (migrate, seed) in the foreground.
run_parley() {
  info "parley $*"
  (export_stack_env && "$PARLEY_BIN" "$@") || die "'parley $*' failed: see its output above"
}

start_part() {
  local part=$1 pidfile logfile pid url rc=0
  pidfile=$(part_pidfile "$part")
  logfile=$(part_logfile "$part")
  if pid=$(pidfile_alive "$pidfile"); then
    ok "$part already running (pid $pid; use restart to run a new build)"
    return 0
  fi
  [[ $part == api ]] && check_port_free "$HTTP_PORT" "Parley API" PARLEY_HTTP_PORT
  part_args "$part"
  info "Starting $part: parley ${PART_ARGS[*]} (log: ${logfile#"$REPO_ROOT"/})"
  printf '\n===== %s: parley %s =====\n' "$(date -u +%FT%TZ)" "${PART_ARGS[*]}" >>"$logfile"
  (export_stack_env && spawn_detached "$pidfile" "$logfile" "$PARLEY_BIN" "${PART_ARGS[@]}") || exit 1
  pid=$(head -n 1 "$pidfile")
  url=$(part_health_url "$part")
  if [[ -n $url ]]; then
    wait_http "$url" 60 "$pid" || rc=$?
  else
    # no health URL: it counts as up if it is still alive after a moment
    sleep 1
    pid_alive "$pid" || rc=2
  fi
  case $rc in
    0) ok "$part ready (pid $pid)" ;;
    2)
      show_part_log "$logfile"
      rm -f "$pidfile"
      die "$part exited during start-up (log: $logfile)"
      ;;
    *)
      show_part_log "$logfile"
      curl -sS --max-time 3 "$url" >&2 2>/dev/null && printf '\n' >&2
      die "$part did not become ready at $url within 60s (it is still running, pid $pid; log: $logfile; scripts/stack.sh stop to stop it)"
      ;;
  esac
}

stop_part() {
  local part=$1 pidfile
  pidfile=$(part_pidfile "$part")
  pidfile_alive "$pidfile" >/dev/null || {
    rm -f "$pidfile"
    return 0
  }
  info "Stopping $part"
  stop_pidfile "$pidfile" "$part" 15
  ok "$part stopped"
}

stop_parts() {
  local i
  for ((i = ${#PARTS[@]} - 1; i >= 0; i--)); do stop_part "${PARTS[i]}"; done
}

is_optional_part() {
  local p
  for p in "${OPTIONAL_PARTS[@]}"; do [[ $p == "$1" ]] && return 0; done
  return 1
}

start_parts() {
  local part
  for part in "${PARTS[@]}"; do
    if is_optional_part "$part" && [[ -z ${PARLEY_SIMULATE:-} ]]; then continue; fi
    start_part "$part"
  done
}

# ----------------------------------------------------------------- verbs ---

cmd_build() {
  have cargo || die "cargo not found: install Rust (https://rustup.rs)"
  # What this build makes is what the stack runs from now on (saved by `start`).
  PARLEY_BIN=${CARGO_TARGET_DIR:-$REPO_ROOT/target}/$PROFILE/parley
  local args=(build -p command-api --bin parley)
  [[ $PROFILE == release ]] && args+=(--release)
  info "cargo ${args[*]}"
  (cd "$REPO_ROOT" && cargo "${args[@]}") || die "the build failed: fix the errors above (or PARLEY_SKIP_PARTS=1 to start only PostgreSQL and NATS)"
  ok "built $PARLEY_BIN"
  build_web_ui
}

# The web UI's build (build_web_ui) lives in lib.sh: test.sh builds it too.

# A port taken by something else is the usual start failure (another stack,
# another checkout): name the variable that moves ours elsewhere.
check_port_free() {
  local port=$1 what=$2 var=$3
  port_open "$port" || return 0
  die "port $port ($what) is already in use by $(port_holder "$port"): stop it or choose another port, e.g. $var=$((port + 1)) scripts/stack.sh start"
}

start_services() {
  private_postgres_pid "$PG_DIR" >/dev/null || check_port_free "$PG_PORT" PostgreSQL PARLEY_PG_PORT
  if ! pidfile_alive "$NATS_DIR/nats.pid" >/dev/null; then
    check_port_free "$NATS_PORT" NATS PARLEY_NATS_PORT
    check_port_free "$NATS_MONITOR_PORT" "NATS monitor" PARLEY_NATS_MONITOR_PORT
  fi
  start_private_postgres "$PG_DIR" "$PG_PORT"
  ensure_database "$PG_PORT" "$DB_NAME"
  start_private_nats "$NATS_DIR" "$NATS_PORT" "$NATS_MONITOR_PORT"
}

cmd_start() {
  ensure_gitignored .stack/ target/ .test-services/
  ensure_debian_packages postgresql nats-server curl
  if [[ -z ${PARLEY_SKIP_PARTS:-} ]]; then
    if [[ -z ${PARLEY_SKIP_BUILD:-} ]]; then cmd_build; fi
    # cmd_build builds the web UI too; without it, build the UI only when there is none.
    if [[ -n ${PARLEY_SKIP_BUILD:-} && ! -f $WEB_UI_DIR/dist/index.html ]]; then build_web_ui; fi
    require_binary
  fi
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  start_services
  # remembered only once they work, so a failed try with other ports is forgotten
  save_settings
  if [[ -z ${PARLEY_SKIP_PARTS:-} ]]; then
    run_parley migrate
    run_parley seed
    start_parts
  else
    warn "PARLEY_SKIP_PARTS is set: parley parts (${PARTS[*]}) not started"
  fi
  print_summary
}

cmd_stop() {
  stop_parts
  stop_private_nats "$NATS_DIR"
  stop_private_postgres "$PG_DIR"
  ok "stack stopped (data kept in ${STACK_DIR#"$REPO_ROOT"/}/; scripts/stack.sh clean deletes it)"
}

print_summary() {
  local api_url="http://localhost:$HTTP_PORT" user
  printf '\n%sParley local stack%s\n' "$C_BOLD" "$C_RESET"
  if [[ -z ${PARLEY_SKIP_PARTS:-} ]]; then
    printf '  %-14s %s\n' "API" "$api_url" "API docs" "$api_url/docs"
  fi
  printf '  %-14s %s\n' "Database" "$DATABASE_URL_STACK" \
    "NATS" "$NATS_URL_STACK" "NATS monitor" "http://127.0.0.1:$NATS_MONITOR_PORT"
  if [[ -z ${PARLEY_SKIP_PARTS:-} ]]; then
    printf '\n  %sDemo logins%s\n' "$C_BOLD" "$C_RESET"
    printf '  %-26s %s\n' "EMAIL" "PASSWORD"
    for user in "${DEMO_USERS[@]}"; do printf '  %-26s %s\n' "$user" "$DEMO_PASSWORD"; done
  fi
  printf '\n  %sscripts/stack.sh status | logs [part] | exec psql | stop%s\n' "$C_DIM" "$C_RESET"
}

# One row of the status table; STATE colored by health.
status_row() {
  local name=$1 state=$2 pid=$3 addr=$4 health=$5 color=$C_RED
  [[ $state == running ]] && color=$C_GREEN
  printf '  %-10s %s%-9s%s %-8s %-26s %s\n' "$name" "$color" "$state" "$C_RESET" "$pid" "$addr" "$health"
}

cmd_status() {
  local all_ok=0 pid health bindir code body part url
  printf '%sParley local stack%s (%s)\n' "$C_BOLD" "$C_RESET" "$STACK_DIR"
  printf '  %-10s %-9s %-8s %-26s %s\n' PART STATE PID ADDRESS HEALTH

  if pid=$(private_postgres_pid "$PG_DIR"); then
    health="not ready"
    if bindir=$(pg_bindir 2>/dev/null) && "$bindir/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U "$PG_SUPERUSER" -d postgres; then
      health="ready (pg_isready)"
    else all_ok=1; fi
    status_row postgres running "$pid" "127.0.0.1:$PG_PORT" "$health"
  else
    status_row postgres stopped - "127.0.0.1:$PG_PORT" -
    all_ok=1
  fi

  if pid=$(pidfile_alive "$NATS_DIR/nats.pid"); then
    if have curl && body=$(curl -fsS --max-time 3 "http://127.0.0.1:$NATS_MONITOR_PORT/healthz" 2>/dev/null); then
      health="ok (monitor /healthz: $body)"
    elif port_open "$NATS_PORT"; then
      health="port answers"
    else
      health="not answering"
      all_ok=1
    fi
    status_row nats running "$pid" "127.0.0.1:$NATS_PORT" "$health"
  else
    status_row nats stopped - "127.0.0.1:$NATS_PORT" -
    all_ok=1
  fi

  for part in "${PARTS[@]}"; do
    if pid=$(pidfile_alive "$(part_pidfile "$part")"); then
      url=$(part_health_url "$part")
      if [[ -z $url ]]; then
        health="process alive"
      else
        body=$(mktemp)
        code=$(curl -sS -o "$body" -w '%{http_code}' --max-time 3 "$url" 2>/dev/null || true)
        if [[ $code == 200 ]]; then
          health="ready (/readyz 200)"
        else
          health="NOT READY (/readyz ${code:-no answer}) $(head -c 200 "$body" | tr '\n' ' ')"
          all_ok=1
        fi
        rm -f "$body"
      fi
      status_row "$part" running "$pid" "$(part_address "$part")" "$health"
    elif is_optional_part "$part"; then
      status_row "$part" "not started" - "$(part_address "$part")" "optional (start --simulate)"
    else
      status_row "$part" stopped - "$(part_address "$part")" -
      all_ok=1
    fi
  done

  printf '\n'
  printf '  %-14s %s\n' "Database URL" "$DATABASE_URL_STACK" "NATS URL" "$NATS_URL_STACK"
  return "$all_ok"
}

cmd_logs() {
  local files=() part
  if (($# == 0)); then
    files+=("$(readlink -f "$PG_DIR" 2>/dev/null || printf '%s' "$PG_DIR")/postgres.log" "$NATS_DIR/nats.log")
    for part in "${PARTS[@]}"; do files+=("$(part_logfile "$part")"); done
    local existing=() f
    for f in "${files[@]}"; do [[ -f $f ]] && existing+=("$f"); done
    ((${#existing[@]})) || die "no logs yet: scripts/stack.sh start"
    exec tail -n 20 -F "${existing[@]}"
  fi
  part=$1
  case $part in
    postgres) files=("$(readlink -f "$PG_DIR" 2>/dev/null || printf '%s' "$PG_DIR")/postgres.log") ;;
    nats) files=("$NATS_DIR/nats.log") ;;
    *)
      known_part "$part" || die "unknown part '$part'; parts: postgres nats ${PARTS[*]}"
      files=("$(part_logfile "$part")")
      ;;
  esac
  [[ -f ${files[0]} ]] || die "no log for $part yet (${files[0]}): scripts/stack.sh start"
  exec tail -n 50 -F "${files[0]}"
}

# Asks a yes/no question; no answer is no. Without a terminal to ask on, it
# refuses rather than guess: pass --yes.
confirm() {
  [[ -n ${ASSUME_YES:-} ]] && return 0
  [[ -t 0 ]] || die "$1 needs confirmation and there is no terminal to ask: pass --yes"
  local answer
  read -r -p "$1 [y/N] " answer
  [[ $answer == [yY] || $answer == [yY][eE][sS] ]]
}

cmd_clean() {
  [[ -e $STACK_DIR ]] || {
    ok "nothing to clean (${STACK_DIR#"$REPO_ROOT"/}/ does not exist)"
    return 0
  }
  confirm "Stop the stack and delete $STACK_DIR (database, NATS data, logs, backups)?" || {
    info "left as it is"
    return 0
  }
  stop_parts
  stop_private_nats "$NATS_DIR"
  remove_private_postgres "$PG_DIR"
  rm -rf "$STACK_DIR"
  ok "deleted $STACK_DIR"
}

cmd_exec() {
  (($# > 0)) || die "usage: scripts/stack.sh exec <command> [args...]   e.g. scripts/stack.sh exec psql"
  private_postgres_pid "$PG_DIR" >/dev/null || warn "the stack's PostgreSQL is not running (scripts/stack.sh start)"
  export_stack_env
  exec "$@"
}

require_postgres() {
  private_postgres_pid "$PG_DIR" >/dev/null || die "the stack's PostgreSQL is not running: scripts/stack.sh start (or PARLEY_SKIP_PARTS=1 scripts/stack.sh start)"
}

cmd_backup() {
  require_postgres
  local file=${1:-$BACKUP_DIR/parley-$(date -u +%Y%m%dT%H%M%SZ).dump}
  mkdir -p "$(dirname "$file")"
  info "Dumping database $DB_NAME to $file"
  pg_client "$PG_PORT" pg_dump -Fc -d "$DB_NAME" -f "$file" || {
    rm -f "$file"
    die "pg_dump failed"
  }
  ok "backup written: $(readlink -f "$file") ($(du -h "$file" | cut -f1))"
}

cmd_restore() {
  local file=${1:-}
  [[ -n $file ]] || die "usage: scripts/stack.sh restore <file> [--yes]  (backups are in ${BACKUP_DIR#"$REPO_ROOT"/}/)"
  [[ -f $file ]] || die "no such file: $file"
  require_postgres
  confirm "Replace the stack's database '$DB_NAME' with $file?" || {
    info "left as it is"
    return 0
  }
  # parts that ran before get started again afterwards
  local was_running=() part
  for part in "${PARTS[@]}"; do
    pidfile_alive "$(part_pidfile "$part")" >/dev/null && was_running+=("$part")
  done
  stop_parts
  info "Recreating database $DB_NAME"
  pg_client "$PG_PORT" psql -d postgres -Xq -v ON_ERROR_STOP=1 \
    -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" -c "CREATE DATABASE $DB_NAME"
  # Roles belong to the cluster, not to the dump: a fresh data folder lacks the analysts'
  # role that the read-model schemas grant to (infra/migrations/0003_relay.sql).
  pg_client "$PG_PORT" psql -d postgres -Xq -v ON_ERROR_STOP=1 -c \
    "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'parley_analyst') THEN CREATE ROLE parley_analyst NOLOGIN; END IF; END \$\$"
  info "Restoring $file"
  pg_client "$PG_PORT" pg_restore --no-owner --exit-on-error -d "$DB_NAME" "$file" ||
    die "pg_restore failed: the database may be partly restored; fix the cause and restore again"
  ok "restored $file into $DB_NAME"
  # The stream must hold what the restored events table holds, no more and no less,
  # whether NATS is new (a fresh data folder) or still has events committed after the
  # backup: rebuild it from the table, in commit order, and start a new relay epoch
  # (transaction ids restart after a logical restore; docs/adr/0002-commit-order.md).
  # The read models are emptied and replay the new stream when the parts start.
  require_binary
  info "Rebuilding the stream from the restored events"
  run_parley relay rebuild-stream
  if ((${#was_running[@]})); then
    require_binary
    for part in "${was_running[@]}"; do start_part "$part"; done
  fi
}

cmd_help() {
  cat <<EOF
${C_BOLD}scripts/stack.sh${C_RESET} — run Parley locally (PostgreSQL + NATS + parley parts) from .stack/

  start [--simulate]  install what is missing, build, start everything, migrate, seed;
                   --simulate adds light demo traffic (part "simulate")
  stop             stop the parts, NATS and PostgreSQL (data is kept)
  restart          stop, then start
  status           state, pid, address and health of each part (exit 1 unless all healthy)
  logs [part]      follow the log of one part, or of all; parts: postgres nats ${PARTS[*]}
  build            cargo build the parley binary
  exec <cmd...>    run a command with the stack's environment (PG*, PARLEY__*,
                   DATABASE_URL, NATS_URL); e.g. scripts/stack.sh exec psql
  backup [file]    pg_dump -Fc the database (default .stack/backups/parley-<UTC time>.dump)
  restore <file>   replace the database with a backup (asks first; --yes skips)
  clean            stop everything and delete .stack/ (asks first; --yes skips)
  help             this text

Ports: PostgreSQL $PG_PORT, NATS $NATS_PORT (monitor $NATS_MONITOR_PORT), API $HTTP_PORT.
Change them with PARLEY_PG_PORT, PARLEY_NATS_PORT, PARLEY_NATS_MONITOR_PORT, PARLEY_HTTP_PORT.
PARLEY_PROFILE=release uses a release build; PARLEY_SKIP_BUILD=1 skips cargo;
PARLEY_SKIP_PARTS=1 starts only PostgreSQL and NATS.
EOF
}

# --yes (or -y) confirms clean and restore; for other verbs, arguments pass
# through untouched (exec's command may have a -y of its own).
take_yes_flag() {
  ASSUME_YES=''
  REST=()
  local arg
  for arg in "$@"; do
    case $arg in
      --yes | -y) ASSUME_YES=1 ;;
      *) REST+=("$arg") ;;
    esac
  done
}

main() {
  local verb=${1:-help}
  (($#)) && shift
  load_settings
  case $verb in
    stop) cmd_stop ;;
    restart)
      cmd_stop
      cmd_start
      ;;
    status) cmd_status ;;
    logs) cmd_logs "$@" ;;
    build) cmd_build ;;
    clean)
      take_yes_flag "$@"
      cmd_clean
      ;;
    exec) cmd_exec "$@" ;;
    backup) cmd_backup "$@" ;;
    restore)
      take_yes_flag "$@"
      cmd_restore "${REST[@]+"${REST[@]}"}"
      ;;
    start)
      for arg in "$@"; do
        case $arg in
          --simulate) export PARLEY_SIMULATE=1 ;;
          *) die "unknown option '$arg' for start (known: --simulate)" ;;
        esac
      done
      cmd_start
      ;;
    help | -h | --help) cmd_help ;;
    *)
      err "unknown verb '$verb'"
      cmd_help >&2
      exit 2
      ;;
  esac
}

main "$@"
