#!/usr/bin/env bash
# What CI runs (.ci/run): lint, then the whole test suite against real
# PostgreSQL and NATS servers.
#
# Usage: scripts/test.sh [cargo test arguments...]
#   scripts/test.sh                      everything
#   scripts/test.sh -- --nocapture       show the tests' output
#   scripts/test.sh some_test_name       only tests whose name contains it
#   scripts/test.sh --test api -- login  one integration test target, filtered
# Every argument goes to `cargo test --workspace` as it is.
#
# Steps, each printed with its duration; the first failure stops the run with
# a non-zero exit:
#   1. install missing Debian packages (postgresql, nats-server) when needed
#   2. compose config: docker-compose (Debian package, installed when missing)
#      validates infra/docker-compose.yml with infra/parley.env.example; no
#      Docker engine needed, no image built
#   3. cargo fmt --all -- --check
#   4. cargo clippy --workspace --all-targets -- -D warnings
#   5. start private PostgreSQL and NATS when not given (see below)
#   6. cargo test --workspace [args]
#   7. browser tests (run_browser_tests; nothing until web-ui/e2e exists)
#
# Environment:
#   DATABASE_URL  superuser URL of a PostgreSQL where each test creates its own
#                 database, e.g. postgres://parley@127.0.0.1:5432/postgres
#   NATS_URL      a NATS with JetStream, e.g. nats://127.0.0.1:4222
#     Either one left unset gets a private server of its own, on a free port,
#     under .test-services/<random>/, tuned for speed (fsync=off, ...), and
#     stopped and deleted when the script ends, whether it passed, failed or
#     was interrupted.
#   PARLEY_TEST_SKIP_LINT=1  skip fmt and clippy (quicker local runs; CI never sets it)
#   PARLEY_TEST_BROWSER_ONLY=1  only the browser tests (and what they need): no fmt,
#                 clippy or cargo test (local runs; CI never sets it)
#   PARLEY_E2E_FILES  the browser test files to run, relative to web-ui/e2e (e.g.
#                 tests/live.test.mjs); all of them when unset
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

SERVICES_ROOT=$REPO_ROOT/.test-services
SERVICES_DIR=''  # this run's folder under SERVICES_ROOT, once created
CURRENT_STEP=''  # the step in progress; named in the failure message
STEP_START=0
RUN_START=$(now_us)
STEP_REPORT=()   # "name  duration" of the finished steps, for the closing summary

# ------------------------------------------------------------------ steps ---

# run_step NAME COMMAND...: runs COMMAND in this shell (so `set -e` applies
# inside functions too, and services it starts are known to the cleanup),
# then prints NAME with its duration. A failure ends the script through the
# EXIT trap, which names the step.
run_step() {
  CURRENT_STEP=$1
  shift
  printf '\n%s==> %s%s\n' "$C_BOLD" "$CURRENT_STEP" "$C_RESET"
  STEP_START=$(now_us)
  "$@"
  local took
  took=$(format_duration "$STEP_START" "$(now_us)")
  ok "$CURRENT_STEP ($took)"
  STEP_REPORT+=("$(printf '%-28s %s' "$CURRENT_STEP" "$took")")
  CURRENT_STEP=''
}

on_exit() {
  local rc=$? line
  trap - EXIT INT TERM
  if [[ -n $CURRENT_STEP ]]; then
    err "step '$CURRENT_STEP' failed after $(format_duration "$STEP_START" "$(now_us)") (exit $rc)"
    ((rc != 0)) || rc=1
  fi
  stop_browser_test_parts
  stop_test_services
  if ((${#STEP_REPORT[@]})); then
    printf '\n%sSteps%s\n' "$C_BOLD" "$C_RESET"
    for line in "${STEP_REPORT[@]}"; do printf '  %s\n' "$line"; done
  fi
  if ((rc == 0)); then
    ok "all checks passed in $(format_duration "$RUN_START" "$(now_us)")"
  else
    err "FAILED (exit $rc) after $(format_duration "$RUN_START" "$(now_us)")"
  fi
  print_test_totals
  exit "$rc"
}

# ctrl-c or a kill: leave through on_exit so the services are cleaned up.
on_signal() {
  err "interrupted"
  exit 130
}

# ---------------------------------------------------------------- services ---

needed_packages() {
  NEEDED_PACKAGES=()
  [[ -n ${DATABASE_URL:-} ]] || NEEDED_PACKAGES+=(postgresql)
  [[ -n ${NATS_URL:-} ]] || NEEDED_PACKAGES+=(nats-server)
}

install_packages() {
  needed_packages
  if ((${#NEEDED_PACKAGES[@]} == 0)); then
    info "DATABASE_URL and NATS_URL are given: no servers to install"
    return 0
  fi
  ensure_debian_packages "${NEEDED_PACKAGES[@]}"
}

# Two distinct free ports (the kernel could hand out the same one twice).
two_free_ports() {
  local a b
  a=$(free_port)
  b=$(free_port)
  while [[ $a == "$b" ]]; do b=$(free_port); done
  printf '%s %s\n' "$a" "$b"
}

start_test_services() {
  if [[ -n ${DATABASE_URL:-} && -n ${NATS_URL:-} ]]; then
    info "using the given DATABASE_URL and NATS_URL"
    return 0
  fi
  ensure_gitignored .stack/ target/ .test-services/
  mkdir -p "$SERVICES_ROOT"
  SERVICES_DIR=$(mktemp -d "$SERVICES_ROOT/run.XXXXXX")
  # mktemp makes it 700; the postgres user (as root) must be able to enter it
  chmod 755 "$SERVICES_DIR"
  local pg_port nats_port
  read -r pg_port nats_port < <(two_free_ports)
  if [[ -z ${DATABASE_URL:-} ]]; then
    start_private_postgres "$SERVICES_DIR/postgres" "$pg_port" --for-tests
    export DATABASE_URL="postgres://$PG_SUPERUSER@127.0.0.1:$pg_port/postgres"
  fi
  if [[ -z ${NATS_URL:-} ]]; then
    start_private_nats "$SERVICES_DIR/nats" "$nats_port"
    export NATS_URL="nats://127.0.0.1:$nats_port"
  fi
  info "DATABASE_URL=$DATABASE_URL"
  info "NATS_URL=$NATS_URL"
}

# Idempotent: called from the EXIT trap, whatever happened before.
stop_test_services() {
  [[ -n $SERVICES_DIR ]] || return 0
  stop_private_nats "$SERVICES_DIR/nats" || true
  remove_private_postgres "$SERVICES_DIR/postgres" || true
  rm -rf "$SERVICES_DIR"
  rmdir "$SERVICES_ROOT" 2>/dev/null || true # only when no other run uses it
  SERVICES_DIR=''
}

# ----------------------------------------------------------------- compose ---

# `docker-compose config` parses the file, checks it against the Compose schema
# and resolves the ${…} with the example env file, which services read too
# (PARLEY_ENV_FILE). It needs no Docker engine and builds nothing.
compose_config() {
  ensure_debian_packages docker-compose
  PARLEY_ENV_FILE=parley.env.example \
    docker-compose -f infra/docker-compose.yml --env-file infra/parley.env.example config -q
  PARLEY_ENV_FILE=parley.env.example \
    docker-compose -f infra/docker-compose.yml --env-file infra/parley.env.example --profile demo config -q
  info "infra/docker-compose.yml is valid (services: $(PARLEY_ENV_FILE=parley.env.example \
    docker-compose -f infra/docker-compose.yml --env-file infra/parley.env.example --profile demo config --services | paste -sd ' '))"
}

# ------------------------------------------------------------------- cargo ---

check_workspace() {
  [[ -f Cargo.toml ]] || die "no Cargo.toml at $REPO_ROOT: nothing to test"
  have cargo || die "cargo not found: install Rust (https://rustup.rs)"
}

cargo_fmt() { cargo fmt --all -- --check; }
cargo_clippy() { cargo clippy --workspace --all-targets -- -D warnings; }
# libtest prints "test result: ok. N passed; M failed; K ignored; ..." per test
# binary; the output is kept so the run can close on the totals.
TEST_OUTPUT=''
cargo_test() {
  TEST_OUTPUT=$(mktemp)
  cargo test --workspace "$@" | tee "$TEST_OUTPUT"
  # The web UI's pure logic (crate::live: pushed rows in place, the floor's counts) runs on
  # the host too; it is its own workspace. Not with a filter: that names workspace tests.
  if (($# == 0)); then
    cargo test --manifest-path web-ui/Cargo.toml --lib | tee -a "$TEST_OUTPUT"
  fi
}

# The closing line: totals over all test binaries, in the plain
# "N passed, N failed" form that CI log readers understand.
print_test_totals() {
  [[ -n $TEST_OUTPUT && -f $TEST_OUTPUT ]] || return 0
  sed -nE 's/^test result: [A-Za-z]+\. ([0-9]+) passed; ([0-9]+) failed; ([0-9]+) ignored.*/\1 \2 \3/p' "$TEST_OUTPUT" |
    awk '{ p += $1; f += $2; i += $3 } END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, i }'
  rm -f "$TEST_OUTPUT"
}

# ============================== BROWSER TESTS ==============================
# The place for end-to-end browser tests. A no-op until web-ui/e2e/package.json
# exists; the change that adds those tests fills this in (start the API the
# tests need, point them at it, stop it), keeping the step's contract: exit
# non-zero on failure, clean up after itself.
E2E_DIR=''  # the browser tests' parley parts: pid and log files
E2E_DB=''   # and their database

# The web UI in headless Chromium against a real Parley (API, relay, projections,
# router) on the test services, with its own database and bus names.
run_browser_tests() {
  if [[ ! -f $REPO_ROOT/web-ui/e2e/package.json ]]; then
    info "no web-ui/e2e/package.json: no browser tests to run"
    return 0
  fi
  ensure_debian_packages chromium
  have npm || ensure_debian_packages nodejs npm
  build_web_ui
  cargo build -p command-api --bin parley
  local id port db_url part parley=${CARGO_TARGET_DIR:-$REPO_ROOT/target}/debug/parley
  id=e2e$(date +%s)$RANDOM
  port=$(free_port)
  E2E_DIR=$SERVICES_ROOT/$id
  mkdir -p "$E2E_DIR"
  psql "$DATABASE_URL" -Xq -v ON_ERROR_STOP=1 -c "CREATE DATABASE $id" || die "cannot create the browser tests' database"
  E2E_DB=$id
  db_url=${DATABASE_URL%/*}/$id
  export PARLEY__DATABASE__URL=$db_url PARLEY__NATS__URL=$NATS_URL PARLEY__ENVIRONMENT=local \
    PARLEY__HTTP__PORT=$port PARLEY__HTTP__WEB_ROOT=$REPO_ROOT/web-ui/dist \
    PARLEY__BUS__STREAM=${id^^} PARLEY__BUS__PREFIX=$id \
    PARLEY__AUTH__LOGIN_BURST=1000 PARLEY__AUTH__LOGIN_PER_MINUTE=1000 \
    PARLEY__PRESENCE__TIMEOUT_S=600
  # Presence is lengthened, not off: the pages keep their sockets (with heartbeats), but the
  # harness also drives some interpreters over plain HTTP (a colleague made available by the
  # supervisor), who would go away after the default 30 s. presence.rs tests it.
  "$parley" migrate
  "$parley" seed
  for part in serve relay project route; do
    spawn_detached "$E2E_DIR/$part.pid" "$E2E_DIR/$part.log" "$parley" "$part"
  done
  wait_http "http://127.0.0.1:$port/readyz" 60 "$(cat "$E2E_DIR/serve.pid")" ||
    { show_log_tail "$E2E_DIR/serve.log"; die "the API for the browser tests did not get ready"; }
  if [[ -n ${PARLEY_E2E_FILES:-} ]]; then
    # shellcheck disable=SC2086 # a list of files, split on purpose
    (cd "$REPO_ROOT/web-ui/e2e" && npm ci --no-audit --no-fund &&
      PARLEY_BASE_URL=http://127.0.0.1:$port node --test --test-concurrency=1 --test-timeout=300000 $PARLEY_E2E_FILES)
  else
    (cd "$REPO_ROOT/web-ui/e2e" && npm ci --no-audit --no-fund && PARLEY_BASE_URL=http://127.0.0.1:$port npm test)
  fi
  stop_browser_test_parts
}

stop_browser_test_parts() {
  [[ -n $E2E_DIR && -d $E2E_DIR ]] || return 0
  local part
  for part in route project relay serve; do stop_pidfile "$E2E_DIR/$part.pid" "$part" 10 || true; done
  rm -rf "$E2E_DIR"
  E2E_DIR=''
  [[ -n $E2E_DB ]] && psql "$DATABASE_URL" -Xq -c "DROP DATABASE IF EXISTS $E2E_DB WITH (FORCE)" || true
  E2E_DB=''
}
# ==========================================================================

main() {
  # cargo's own output keeps its colors although the test output goes through tee
  [[ -t 1 && -z ${NO_COLOR:-} ]] && export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-always}
  trap on_exit EXIT
  trap on_signal INT TERM
  run_step "check workspace" check_workspace
  run_step "install packages" install_packages
  run_step "compose config" compose_config
  if [[ -n ${PARLEY_TEST_BROWSER_ONLY:-} ]]; then
    warn "PARLEY_TEST_BROWSER_ONLY is set: fmt, clippy and cargo test skipped"
  elif [[ -z ${PARLEY_TEST_SKIP_LINT:-} ]]; then
    run_step "cargo fmt --check" cargo_fmt
    run_step "cargo clippy" cargo_clippy
  else
    warn "PARLEY_TEST_SKIP_LINT is set: fmt and clippy skipped"
  fi
  run_step "start test services" start_test_services
  [[ -n ${PARLEY_TEST_BROWSER_ONLY:-} ]] || run_step "cargo test" cargo_test "$@"
  run_step "browser tests" run_browser_tests
}

main "$@"
