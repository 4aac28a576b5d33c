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
#   7. API fuzz: the OpenAPI document validated, then schemathesis against a Parley
#      on the test services for PARLEY_FUZZ_SECONDS (120; 0 skips it); both tools
#      pinned, installed from PyPI into .tools/api-fuzz/ when missing
#   8. browser tests (run_browser_tests; nothing until web-ui/e2e exists)
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
#   PARLEY_FUZZ_SECONDS      the API fuzz's time budget (120 s; 0 skips it; CI never sets it)
#   PARLEY_FUZZ_SEED         its random seed (fixed, so that a run repeats)
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
  stop_all_parleys
  stop_oidc
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
  PARLEY_ENV_FILE=parley.env.example \
    docker-compose -f infra/docker-compose.cluster.yml --env-file infra/parley.env.example config -q
  info "infra/docker-compose.cluster.yml is valid"
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

# ============================ A PRIVATE PARLEY ============================
# The browser tests and the API fuzz run against a real Parley on the test services,
# each with its own database and bus names (the id), on a private port.
PARLEY_RUNS=()  # ids of the Parleys started by start_parley, for the cleanup

parley_bin() { printf '%s/debug/parley' "${CARGO_TARGET_DIR:-$REPO_ROOT/target}"; }

# start_parley ID PORT PART...: migrates and seeds database ID, starts PART... (serve,
# relay, project, route), and waits for /readyz. Pid and log files under SERVICES_ROOT/ID.
start_parley() {
  local id=$1 port=$2 dir=$SERVICES_ROOT/$1 part parley
  shift 2
  parley=$(parley_bin)
  mkdir -p "$dir"
  psql "$DATABASE_URL" -Xq -v ON_ERROR_STOP=1 -c "CREATE DATABASE $id" || die "cannot create database $id"
  PARLEY_RUNS+=("$id")
  # A subshell: the settings stay with this Parley, not with the rest of the script.
  (
    export PARLEY__DATABASE__URL=${DATABASE_URL%/*}/$id PARLEY__NATS__URL=$NATS_URL \
      PARLEY__ENVIRONMENT=local PARLEY__HTTP__PORT=$port PARLEY__HTTP__WEB_ROOT=$REPO_ROOT/web-ui/dist \
      PARLEY__BUS__STREAM=${id^^} PARLEY__BUS__PREFIX=$id \
      PARLEY__AUTH__LOGIN_BURST=1000 PARLEY__AUTH__LOGIN_PER_MINUTE=1000 \
      PARLEY__PRESENCE__TIMEOUT_S=600
    # Presence is lengthened, not off: the pages keep their sockets (with heartbeats), but the
    # browser harness also drives some interpreters over plain HTTP (a colleague made available
    # by the supervisor), who would go away after the default 30 s. presence.rs tests it.
    "$parley" migrate >>"$dir/migrate.log" 2>&1 || { show_log_tail "$dir/migrate.log"; exit 1; }
    "$parley" seed >>"$dir/migrate.log" 2>&1 || { show_log_tail "$dir/migrate.log"; exit 1; }
    for part in "$@"; do
      spawn_detached "$dir/$part.pid" "$dir/$part.log" "$parley" "$part"
    done
  ) || die "could not start Parley $id"
  wait_http "http://127.0.0.1:$port/readyz" 60 "$(cat "$dir/serve.pid")" ||
    { show_log_tail "$dir/serve.log"; die "Parley $id did not get ready"; }
}

# Idempotent: stops every part of Parley ID, deletes its files and drops its database.
stop_parley() {
  local id=$1 dir=$SERVICES_ROOT/$1 part
  [[ -d $dir ]] || return 0
  for part in route project relay serve; do stop_pidfile "$dir/$part.pid" "$part" 10 || true; done
  rm -rf "$dir"
  psql "$DATABASE_URL" -Xq -c "DROP DATABASE IF EXISTS $id WITH (FORCE)" || true
}

stop_all_parleys() {
  local id
  for id in "${PARLEY_RUNS[@]}"; do stop_parley "$id"; done
  PARLEY_RUNS=()
}

# ============================== BROWSER TESTS ==============================
# The web UI in headless Chromium against a real Parley (API, relay, projections,
# router). A no-op until web-ui/e2e/package.json exists.
# ------------------------------------------------------------ OIDC provider ---
# A real OpenID Connect provider (scripts/oidc, npm's oidc-provider) for the single
# sign-on tests. The API tests start their own; the browser tests get one here.

OIDC_PID_FILE=''  # the provider started for the browser tests, for the cleanup

# Its node modules, installed once and kept (scripts/oidc/node_modules): npm ci runs
# only when they are missing or older than the lock file.
oidc_modules() {
  have node || ensure_debian_packages nodejs npm
  "$REPO_ROOT/scripts/oidc.sh" install
}

# Starts the provider on a free port and exports the PARLEY__OIDC__* settings of a Parley
# on port $1 (its redirect URI), so that start_parley's Parley offers single sign-on.
start_oidc_for_parley() {
  local parley_port=$1 port log
  oidc_modules
  port=$(free_port)
  OIDC_PID_FILE=$SERVICES_ROOT/oidc.$port.pid
  log=$SERVICES_ROOT/oidc.$port.log
  OIDC_PORT=$port OIDC_CLIENT_ID=parley OIDC_CLIENT_SECRET=parley-sso-test-secret \
    spawn_detached "$OIDC_PID_FILE" "$log" node "$REPO_ROOT/scripts/oidc/provider.js"
  wait_http "http://127.0.0.1:$port/.well-known/openid-configuration" 30 "$(cat "$OIDC_PID_FILE")" ||
    { show_log_tail "$log"; die "the OIDC provider did not start (log: $log)"; }
  info "OIDC provider on 127.0.0.1:$port"
  export PARLEY__OIDC__ISSUER_URL=http://127.0.0.1:$port PARLEY__OIDC__CLIENT_ID=parley \
    PARLEY__OIDC__CLIENT_SECRET=parley-sso-test-secret PARLEY__OIDC__SCOPES="email parley" \
    PARLEY__OIDC__ROLE_CLAIM=parley_role \
    PARLEY__OIDC__REDIRECT_URL=http://127.0.0.1:$parley_port/api/auth/oidc/callback
}

stop_oidc() {
  [[ -n $OIDC_PID_FILE ]] || return 0
  stop_pidfile "$OIDC_PID_FILE" "OIDC provider" 5 || true
  rm -f "${OIDC_PID_FILE%.pid}.log"
  OIDC_PID_FILE=''
}

run_browser_tests() {
  if [[ ! -f $REPO_ROOT/web-ui/e2e/package.json ]]; then
    info "no web-ui/e2e/package.json: no browser tests to run"
    return 0
  fi
  ensure_debian_packages chromium
  have npm || ensure_debian_packages nodejs npm
  build_web_ui
  cargo build -p command-api --bin parley
  local id port
  id=e2e$(date +%s)$RANDOM
  port=$(free_port)
  start_oidc_for_parley "$port"
  start_parley "$id" "$port" serve relay project route
  if [[ -n ${PARLEY_E2E_FILES:-} ]]; then
    # shellcheck disable=SC2086 # a list of files, split on purpose
    (cd "$REPO_ROOT/web-ui/e2e" && npm ci --no-audit --no-fund &&
      PARLEY_BASE_URL=http://127.0.0.1:$port node --test --test-concurrency=1 --test-timeout=300000 $PARLEY_E2E_FILES)
  else
    (cd "$REPO_ROOT/web-ui/e2e" && npm ci --no-audit --no-fund && PARLEY_BASE_URL=http://127.0.0.1:$port npm test)
  fi
  stop_parley "$id"
  stop_oidc
}

# ================================ API FUZZ ================================
# Schemathesis reads the served OpenAPI document and sends generated requests, valid and
# invalid, to every operation for PARLEY_FUZZ_SECONDS (0 skips it), as an admin. Any 5xx,
# any status an operation does not list, or an answer off its schema fails the run.
# Pinned; a change of pins rebuilds the venv (its `pins` file says what it holds).
FUZZ_TOOLS=(schemathesis==4.32.5 openapi-spec-validator==0.9.0)
FUZZ_VENV=$REPO_ROOT/.tools/api-fuzz

ensure_fuzz_tools() {
  [[ -x $FUZZ_VENV/bin/schemathesis && $(cat "$FUZZ_VENV/pins" 2>/dev/null) == "${FUZZ_TOOLS[*]}" ]] && return 0
  ensure_gitignored .tools/
  have python3 || ensure_debian_packages python3
  python3 -m venv --help >/dev/null 2>&1 || ensure_debian_packages python3-venv
  info "installing ${FUZZ_TOOLS[*]} into ${FUZZ_VENV#"$REPO_ROOT"/} (once)"
  rm -rf "$FUZZ_VENV"
  python3 -m venv "$FUZZ_VENV" || die "could not create a Python venv (apt-get install python3-venv)"
  "$FUZZ_VENV/bin/pip" install --quiet --disable-pip-version-check "${FUZZ_TOOLS[@]}" ||
    { rm -rf "$FUZZ_VENV"; die "could not install ${FUZZ_TOOLS[*]} from PyPI"; }
  printf '%s\n' "${FUZZ_TOOLS[*]}" >"$FUZZ_VENV/pins"
}

# A demo account's access token (every demo account has the password password123).
demo_token() {
  curl -fsS -X POST "$1/api/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$2@example.com\",\"password\":\"password123\"}" |
    "$FUZZ_VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

run_api_fuzz() {
  local seconds=${PARLEY_FUZZ_SECONDS:-120} id port base dir admin supervisor
  if ((seconds == 0)); then
    warn "PARLEY_FUZZ_SECONDS=0: the API fuzz is skipped"
    return 0
  fi
  ensure_fuzz_tools
  have curl || ensure_debian_packages curl
  cargo build -p command-api --bin parley
  id=fuzz$(date +%s)$RANDOM
  port=$(free_port)
  base=http://127.0.0.1:$port
  dir=$SERVICES_ROOT/$id
  # The whole pipeline, so that /readyz is honest (events wait for nobody) and the queries
  # read what the fuzz's own commands projected.
  start_parley "$id" "$port" serve relay project route
  # Both tokens first: the fuzz's own logins spend the source's login budget.
  admin=$(demo_token "$base" admin) && supervisor=$(demo_token "$base" supervisor) ||
    die "could not log in as the demo admin and supervisor"
  curl -fsS "$base/api/openapi.json" -o "$dir/openapi.json" || die "no OpenAPI document"
  "$FUZZ_VENV/bin/openapi-spec-validator" "$dir/openapi.json" ||
    die "the OpenAPI document is not a valid OpenAPI 3.1 document (above)"
  # Two thirds of the budget as the admin, who reaches most routes; the rest as the
  # supervisor, for the routes only floor staff may call (offer, transfer, others' status).
  fuzz_as admin "$admin" $((seconds * 2 / 3)) "$base" "$dir"
  fuzz_as supervisor "$supervisor" $((seconds - seconds * 2 / 3)) "$base" "$dir" --exclude-path /api/auth/login
  stop_parley "$id"
}

# fuzz_as WHO TOKEN SECONDS BASE DIR [schemathesis options...]
fuzz_as() {
  local who=$1 token=$2 seconds=$3 base=$4 dir=$5
  shift 5
  info "schemathesis as the $who for ${seconds} s"
  # Logging out would revoke the token the rest of the run uses. In DIR: hypothesis keeps
  # a database of examples in the working directory.
  (cd "$dir" && "$FUZZ_VENV/bin/schemathesis" --no-color run "$base/api/openapi.json" \
    --checks not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance,negative_data_rejection \
    --max-time "$seconds" --workers 2 --seed "${PARLEY_FUZZ_SEED:-20250101}" \
    --exclude-path /api/auth/logout --request-timeout 20 "$@" \
    -H "Authorization: Bearer $token") ||
    { show_log_tail "$dir/serve.log" 40; die "the API fuzz (as the $who) found answers the document does not allow (above)"; }
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
  if [[ -z ${PARLEY_TEST_BROWSER_ONLY:-} ]]; then
    # The API's single sign-on tests start the provider from these modules.
    run_step "OIDC provider modules" oidc_modules
    run_step "cargo test" cargo_test "$@"
    run_step "API fuzz" run_api_fuzz
  fi
  run_step "browser tests" run_browser_tests
}

main "$@"
