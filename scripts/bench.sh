#!/usr/bin/env bash
# Parley's benchmarks (issue 6): each figure beside a baseline measured in the same run.
#
# Usage: scripts/bench.sh [--quick] [--keep] [--soak]
#   (no flag)  the issue's conditions: 1,000,000 events, 1,000 and 10,000 WebSocket
#              clients, 1,000 interpreters; about 15 minutes on 2 cores
#   --quick    a smoke run: each benchmark runs a few seconds, with smaller counts and
#              rates; 4 to 5 minutes on 2 cores, plus the build
#   --keep     keep the temporary folder (logs, per-benchmark results) at the end
#   --soak     B10 instead of the benchmarks: SOAK_MINUTES (30) of simulator traffic,
#              every part's memory and a command's and a query's p99 each minute, then
#              nothing lost or doubled; writes docs/soak.md and docs/soak.svg
#
# It starts its own PostgreSQL (durable: fsync and synchronous_commit on) and NATS
# (JetStream) on free ports under a temporary folder, migrates and seeds Parley, starts
# the parts each benchmark needs (release build), runs the load generator
# `parley-bench` (bench/) for each benchmark after a warm-up, and writes
# docs/benchmarks.md and bench-results.json. Everything it started is stopped and the
# folder deleted when it ends, however it ends.
#
# Environment:
#   BENCH_SKIP_BUILD=1   use the release binaries already built (target/release)
#   BENCH_ONLY=B1,B3     run only these benchmarks (the others are reported as not run)
#   BENCH_PARLEY_BIN=... another `parley` binary to measure (e.g. a proposed fix built
#                        elsewhere); the report says so
#   BENCH_TIMEOUT_S=...  stop a benchmark that runs longer than this (default: 600 in
#                        quick mode, 3600 otherwise); it is reported as failed
#   BENCH_PERF=B4,B6     sample every CPU with `perf` (call graphs) while these run and
#                        write a flame graph of each Parley part, PostgreSQL and NATS,
#                        and each process's share of the samples, to BENCH_PERF_DIR
#                        (default target/bench-profiles); installs linux-perf and
#                        inferno when missing. Sampling costs CPU: figures measured
#                        with it are not comparable with those measured without.
#   BENCH_PG_STATEMENTS=B4  count PostgreSQL's work while these run (pg_stat_statements,
#                        pg_stat_wal, pg_stat_bgwriter, reset just before each) and write
#                        the statements that took the longest, with their calls, rows,
#                        blocks, WAL and JIT, and the run's WAL and checkpoints, to
#                        BENCH_PERF_DIR/ID-statements.txt. PostgreSQL runs with the
#                        pg_stat_statements library loaded for the whole run.
#   (always)             PostgreSQL's log of each benchmark's minutes, with its
#                        checkpoints, autovacuum runs and statements over 50 ms:
#                        BENCH_PERF_DIR/ID-postgres.log.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

MODE=full
KEEP=0
SOAK=0
for arg in "$@"; do
  case $arg in
    --quick) MODE=quick ;;
    --keep) KEEP=1 ;;
    --soak) SOAK=1 ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    *) die "unknown argument: $arg (see --help)" ;;
  esac
done

# ------------------------------------------------------------- parameters ---

if [[ $MODE == quick ]]; then
  M0_ARGS=(--duration-s 3)
  B1_ARGS=(--concurrency 64 --duration-s 4 --warmup-s 1)
  B2_ARGS=(--rate 1000 --duration-s 4 --warmup-s 1 --pgbench-clients 32)
  B3_ARGS=(--events 100000 --batch-events 10000 --paced-rate 2000 --paced-s 3)
  B4_ARGS=(--rate 250 --duration-s 4 --warmup-s 1)
  B5_ARGS=(--clients 1000 --rate 20 --duration-s 4 --warmup-s 1)
  B7_ARGS=(--agents 200 --rate 50 --duration-s 3 --warmup-calls 3)
  B6_ARGS=(--timeout-s 300)
  B9_ARGS=(--rounds 2)
  B11_ARGS=(--shifts 1429 --commands 60 --warmup 5 --settle-s 5)
  B12_ARGS=(--calls 200000 --requests 50)
  BENCH_TIMEOUT_S=${BENCH_TIMEOUT_S:-600}
else
  M0_ARGS=(--duration-s 10)
  B1_ARGS=(--concurrency 64 --duration-s 20 --warmup-s 5)
  B2_ARGS=(--rate 1000 --duration-s 20 --warmup-s 5 --pgbench-clients 32)
  B3_ARGS=(--events 1000000 --batch-events 10000 --paced-rate 5000 --paced-s 10)
  B4_ARGS=(--rate 500 --duration-s 20 --warmup-s 5)
  B5_ARGS=(--clients "1000,10000" --rate 20 --duration-s 15 --warmup-s 3)
  B7_ARGS=(--agents 1000 --rate 50 --duration-s 15 --warmup-calls 10)
  B6_ARGS=(--timeout-s 1800)
  B9_ARGS=(--rounds 5)
  B11_ARGS=(--shifts 14286 --commands 300 --warmup 20 --settle-s 20)
  B12_ARGS=(--calls 5000000 --requests 300)
  BENCH_TIMEOUT_S=${BENCH_TIMEOUT_S:-3600}
fi
ALL_BENCHES=(M0 B1 B2 B3 CU B6 B4 B5 B7 B9 B11 B12)
ONLY=${BENCH_ONLY:-}

wanted() {
  [[ -z $ONLY ]] && return 0
  [[ ,$ONLY, == *",$1,"* ]]
}

PERF_FOR=${BENCH_PERF:-}
PERF_DIR=${BENCH_PERF_DIR:-$REPO_ROOT/target/bench-profiles}
profiled() { [[ -n $PERF_FOR && ,$PERF_FOR, == *",$1,"* ]]; }
STATEMENTS_FOR=${BENCH_PG_STATEMENTS:-}
statements_counted() { [[ -n $STATEMENTS_FOR && ,$STATEMENTS_FOR, == *",$1,"* ]]; }

# ------------------------------------------------------------------ state ---

RUN_START=$(now_us)
LOAD_START=$(cat /proc/loadavg)
# The commit the binaries are built from, read before the build (others may commit while
# the benchmarks run). Only changes to what goes into the binaries count as uncommitted:
# the report's own files, docs and other scripts do not change a figure.
SOURCE_PATHS=(Cargo.toml Cargo.lock domain command-api projections bench/Cargo.toml bench/src infra)
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || true)
if [[ -n $COMMIT ]] && ! git diff --quiet HEAD -- "${SOURCE_PATHS[@]}" 2>/dev/null; then
  COMMIT+=" + uncommitted changes"
fi
WORK=''
PART_PIDS=()   # name=pid of the parley parts, for the report and the cleanup
REMARKS=()     # failures and skips, printed under the table

cleanup() {
  local rc=$? entry
  trap - EXIT INT TERM
  if [[ -n $WORK ]]; then
    # parts in reverse order of start
    for ((i = ${#PART_PIDS[@]} - 1; i >= 0; i--)); do
      entry=${PART_PIDS[i]}
      stop_pidfile "$WORK/run/${entry%%=*}.pid" "parley ${entry%%=*}" 10
    done
    stop_private_nats "$WORK/nats" >/dev/null || true
    remove_private_postgres "$WORK/pg" >/dev/null || true
    if ((KEEP)); then
      info "kept $WORK"
    else
      rm -rf "$WORK"
    fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ set-up ---

ensure_debian_packages postgresql postgresql-contrib nats-server curl
PG_BIN=$(pg_bindir)
[[ -x $PG_BIN/pgbench ]] || die "pgbench not found in $PG_BIN (apt-get install postgresql-contrib)"

# Each WebSocket client is a file descriptor, in the server and in the load generator.
hard=$(ulimit -Hn)
[[ $hard == unlimited ]] && hard=65536
ulimit -n "$hard" 2>/dev/null || true
needed=$([[ $MODE == quick ]] && echo 2100 || echo 20100)
if (($(ulimit -n) < needed)); then
  warn "open files limited to $(ulimit -n); B5 needs about $needed (raise the hard limit: ulimit -Hn)"
fi

# Every run keeps PostgreSQL's log of each benchmark there, profiles or not.
mkdir -p "$PERF_DIR"
if [[ -n $PERF_FOR ]]; then
  have perf || ensure_debian_packages linux-perf
  if ! have inferno-flamegraph; then
    info "Installing inferno (flame graphs) with cargo"
    cargo install --locked inferno
  fi
fi

if [[ -z ${BENCH_SKIP_BUILD:-} ]]; then
  info "Building parley and parley-bench (release)"
  cargo build --release -p command-api -p bench
fi
TARGET=${CARGO_TARGET_DIR:-$REPO_ROOT/target}/release
PARLEY=${BENCH_PARLEY_BIN:-$TARGET/parley}
BENCH=$TARGET/parley-bench
[[ -x $PARLEY && -x $BENCH ]] || die "no release binaries in $TARGET (run without BENCH_SKIP_BUILD)"

WORK=$(mktemp -d /tmp/parley-bench.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$WORK/run" "$WORK/logs" "$WORK/out"
OUT=$WORK/out
# A free port that is none of the others', nor one a developer's stack uses when it is
# momentarily down (scripts/stack.sh: 8000, 25432, 24222, 28222).
TAKEN_PORTS=" 8000 25432 24222 28222 "
bench_port() {
  local port _
  for _ in {1..20}; do
    port=$(free_port)
    if [[ $TAKEN_PORTS != *" $port "* ]]; then
      TAKEN_PORTS+="$port "
      printf '%s\n' "$port"
      return 0
    fi
  done
  die "no free port found"
}
PG_PORT=$(bench_port)
NATS_PORT=$(bench_port)
HTTP_PORT=$(bench_port)

start_private_postgres "$WORK/pg" "$PG_PORT"
# Its log tells when checkpoints and autovacuum ran, how long their writes took, and which
# statements took over 50 ms; each benchmark's minutes of it are kept in
# PERF_DIR/ID-postgres.log.
pg_client "$PG_PORT" psql -d postgres -Xq -v ON_ERROR_STOP=1 \
  -c "ALTER SYSTEM SET log_checkpoints = on" -c "ALTER SYSTEM SET log_autovacuum_min_duration = 0" \
  -c "ALTER SYSTEM SET log_min_duration_statement = 50" -c "SELECT pg_reload_conf()"
if [[ -n $STATEMENTS_FOR ]]; then
  # A library loaded at start only: set it, then start the server again. Its own settings
  # exist once it is loaded.
  pg_client "$PG_PORT" psql -d postgres -Xq -v ON_ERROR_STOP=1 \
    -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'"
  stop_private_postgres "$WORK/pg"
  start_private_postgres "$WORK/pg" "$PG_PORT"
  pg_client "$PG_PORT" psql -d postgres -Xq -v ON_ERROR_STOP=1 -c "CREATE EXTENSION pg_stat_statements" \
    -c "ALTER SYSTEM SET pg_stat_statements.track = 'all'" -c "SELECT pg_reload_conf()"
  # PostgreSQL 17 moved the checkpoints' counters out of the bgwriter's into their own.
  PG_SHARED_STATS="ARRAY['wal', 'bgwriter'] || CASE WHEN current_setting('server_version_num')::int >= 170000 THEN ARRAY['checkpointer'] ELSE '{}' END"
fi
durable=$(pg_client "$PG_PORT" psql -d postgres -XtAq -c "SELECT current_setting('fsync') || ',' || current_setting('synchronous_commit')")
[[ $durable == on,on ]] || die "PostgreSQL is not durable (fsync,synchronous_commit = $durable)"
start_private_nats "$WORK/nats" "$NATS_PORT"
ensure_database "$PG_PORT" parley
ensure_database "$PG_PORT" bench_baseline

DB_URL="postgres://$PG_SUPERUSER@127.0.0.1:$PG_PORT/parley"
NATS_URL="nats://127.0.0.1:$NATS_PORT"
BASE_URL="http://127.0.0.1:$HTTP_PORT"
export PARLEY__DATABASE__URL=$DB_URL
export PARLEY__NATS__URL=$NATS_URL
export PARLEY__HTTP__HOST=127.0.0.1
export PARLEY__HTTP__PORT=$HTTP_PORT
export PARLEY__ENVIRONMENT=local
export PARLEY__AUTH__LOGIN_BURST=100000
export PARLEY__AUTH__LOGIN_PER_MINUTE=100000
export PARLEY__HTTP__WEB_ROOT=$WORK/no-web-ui
# The load generator's interpreters are plain HTTP clients without a WebSocket: presence
# (away after 30 s with no live socket) would take them off the floor mid-benchmark.
export PARLEY__PRESENCE__TIMEOUT_S=0

info "Migrating and seeding (Parley's database, and the pgbench baseline's)"
"$PARLEY" seed >"$WORK/logs/seed.log" 2>&1 || {
  show_log_tail "$WORK/logs/seed.log"
  die "parley seed failed"
}
PARLEY__DATABASE__URL="postgres://$PG_SUPERUSER@127.0.0.1:$PG_PORT/bench_baseline" \
  "$PARLEY" seed >>"$WORK/logs/seed.log" 2>&1 || die "parley seed (baseline database) failed"

# start_part NAME ARGS...: parley ARGS in the background; `serve` is waited for on /readyz.
start_part() {
  local name=$1 pid rc=0
  shift
  spawn_detached "$WORK/run/$name.pid" "$WORK/logs/$name.log" "$PARLEY" "$@" || die "cannot start parley $*"
  pid=$(head -n 1 "$WORK/run/$name.pid")
  PART_PIDS+=("$name=$pid")
  if [[ $name == serve ]]; then
    wait_http "$BASE_URL/readyz" 60 "$pid" || rc=$?
  else
    sleep 1
    pid_alive "$pid" || rc=2
  fi
  if ((rc != 0)); then
    show_log_tail "$WORK/logs/$name.log"
    die "parley $* did not start (log: $WORK/logs/$name.log)"
  fi
  ok "parley $* (pid $pid)"
}

# Waits (up to 10 minutes) for the router's "caught up" line, and says how long its
# replay of the stream took.
wait_router_caught_up() {
  local log=$WORK/logs/route.log started waited
  wanted B4 || wanted B5 || wanted B7 || return 0
  started=$(now_us)
  info "waiting for the router to replay the stream"
  until grep -q 'router caught up' "$log"; do
    pid_alive "$(part_pid route)" || die "parley route stopped during its replay (log: $log)"
    if (($(now_us) - started > 600000000)); then
      die "the router did not catch up within 10 minutes (log: $log)"
    fi
    sleep 0.5
  done
  waited=$(format_duration "$started" "$(now_us)")
  ok "router caught up after $waited"
  REMARKS+=("The router, started after B6, replayed the stream (every event so far) for $waited before it routed; B4, B5 and B7 ran after that.")
}

# stop_part NAME: stops a part and forgets it (revive_parts would start it again).
stop_part() {
  local i pid
  for i in "${!PART_PIDS[@]}"; do
    [[ ${PART_PIDS[i]%%=*} == "$1" ]] || continue
    pid=${PART_PIDS[i]#*=}
    unset 'PART_PIDS[i]'
    PART_PIDS=("${PART_PIDS[@]}")
    kill -TERM "$pid" 2>/dev/null || true
    while pid_alive "$pid"; do sleep 0.1; done
    return 0
  done
}

part_pid() {
  local entry
  for entry in "${PART_PIDS[@]}"; do
    [[ ${entry%%=*} == "$1" ]] && printf '%s\n' "${entry#*=}" && return 0
  done
  return 1
}

# revive_parts ID: a part that has exited (a crash, or a signal from outside) is reported,
# with the last lines of its log, and started again, so that it fails only the benchmark
# it died in, not every one after it. Each part's name is its subcommand.
revive_parts() {
  local i entry name pid tail_lines
  for i in "${!PART_PIDS[@]}"; do
    entry=${PART_PIDS[i]}
    name=${entry%%=*}
    pid=${entry#*=}
    pid_alive "$pid" && continue
    tail_lines=$(tail -n 4 "$WORK/logs/$name.log" 2>/dev/null | tr '\n' ' ' | cut -c1-400)
    warn "parley $name (pid $pid) has exited; starting it again before $1"
    REMARKS+=("\`parley $name\` (pid $pid) had exited before $1 and was started again; the last lines of its log: $tail_lines")
    unset 'PART_PIDS[i]'
    PART_PIDS=("${PART_PIDS[@]}")
    start_part "$name" "$name"
    revive_parts "$1"
    return 0
  done
}

# bench ID ARGS...: one benchmark; a failure is reported, and the run goes on.
bench() {
  local id=$1 started pg_log_offset=0
  shift
  if ! wanted "$id"; then
    return 0
  fi
  revive_parts "$id"
  printf '\n%s==> %s%s\n' "$C_BOLD" "$id" "$C_RESET"
  started=$(now_us)
  local rc=0 perf_pid=''
  pg_log_offset=$(as_pg_user stat -c %s "$WORK/pg/postgres.log")
  if statements_counted "$id"; then
    pg_client "$PG_PORT" psql -d postgres -XqAt -v ON_ERROR_STOP=1 >/dev/null \
      -c "SELECT pg_stat_statements_reset()" \
      -c "SELECT pg_stat_reset_shared(kind) FROM unnest($PG_SHARED_STATS) AS kind"
  fi
  if profiled "$id"; then
    perf record -a -F 199 --call-graph dwarf,16384 -o "$PERF_DIR/$id.perf.data" \
      >"$WORK/logs/perf-$id.log" 2>&1 &
    perf_pid=$!
  fi
  # timeout signals its whole process group: the load generator and what it started.
  timeout --kill-after=10 "$BENCH_TIMEOUT_S" "$BENCH" --out-dir "$OUT" "$@" 2>&1 |
    tee "$WORK/logs/bench-$id.log" || rc=$?
  if [[ -n $perf_pid ]]; then
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" || true
    flame_graphs "$id"
  fi
  statements_counted "$id" && statements_report "$id"
  as_pg_user tail -c "+$((pg_log_offset + 1))" "$WORK/pg/postgres.log" >"$PERF_DIR/$id-postgres.log" ||
    warn "$id: PostgreSQL's log not copied"
  if ((rc == 0)); then
    ok "$id ($(format_duration "$started" "$(now_us)"))"
  elif ((rc == 124 || rc == 137)); then
    err "$id stopped after ${BENCH_TIMEOUT_S}s (log: $WORK/logs/bench-$id.log)"
    REMARKS+=("$id was stopped after running ${BENCH_TIMEOUT_S} s (BENCH_TIMEOUT_S).")
  else
    err "$id failed (log: $WORK/logs/bench-$id.log)"
    REMARKS+=("$id failed: $(grep -E '^Error|^error' "$WORK/logs/bench-$id.log" | tail -n 1 | cut -c1-300)")
  fi
}

# flame_graphs ID: the samples perf took during ID, folded per process (perf script names
# each by its thread and process id) and named after the process (a Parley part, the load
# generator, B6's rebuild, postgres, nats-server); then a flame graph of each, and each
# one's share of all samples in ID-shares.txt.
flame_graphs() {
  local id=$1 raw="$PERF_DIR/$1.raw.folded" folded="$PERF_DIR/$1.folded" entry name
  local names=() pid
  info "$id: flame graphs in $PERF_DIR (perf script takes a few minutes)"
  perf script -i "$PERF_DIR/$id.perf.data" -F comm,pid,tid,time,period,event,ip,sym,dso 2>/dev/null |
    inferno-collapse-perf --pid >"$raw"
  for entry in "${PART_PIDS[@]}"; do
    names+=("s/^[^;]*-${entry#*=};/parley ${entry%%=*};/")
  done
  # Processes this script did not start, and which have exited by now, are known by the
  # code in their stacks: the load generator, and the `parley projections rebuild` B6 runs.
  for entry in 'parley_bench::=parley-bench' 'projections::worker::rebuild=parley rebuild'; do
    pid=$(grep -m 1 -oE "^[^;]*-[0-9]+;.*${entry%%=*}" "$raw" | sed -E 's/^[^;]*-([0-9]+);.*/\1/' || true)
    [[ -n $pid ]] && names+=("s/^[^;]*-$pid;/${entry#*=};/")
  done
  names+=('s/^postgres-[0-9]+;/postgres;/' 's/^nats-server-[0-9]+;/nats-server;/')
  sed -E "$(printf '%s\n' "${names[@]}")" "$raw" >"$folded"
  for entry in "${PART_PIDS[@]/#/parley }" parley-bench 'parley rebuild' postgres nats-server; do
    entry=${entry%%=*}
    name=${entry#parley }
    grep -F "$entry;" "$folded" | grep "^$entry;" >"$PERF_DIR/$id-$name.folded" || true
    [[ -s $PERF_DIR/$id-$name.folded ]] || continue
    inferno-flamegraph --title "$entry during $id ($(date -u +%F), commit $COMMIT)" \
      "$PERF_DIR/$id-$name.folded" >"$PERF_DIR/$id-$name.svg"
  done
  awk '{ n = $NF; stack = $0; sub(/ [0-9]+$/, "", stack); split(stack, f, ";"); by[f[1]] += n; all += n }
    END { for (p in by) printf "%5.1f %%  %s\n", 100 * by[p] / all, p }' "$folded" |
    sort -rn | head -n 20 >"$PERF_DIR/$id-shares.txt"
  ok "$id: $(find "$PERF_DIR" -name "$id-*.svg" | wc -l) flame graphs; each process's share of the samples in $PERF_DIR/$id-shares.txt"
}

# statements_report ID: what PostgreSQL did for Parley's database during ID, from the
# counters bench() reset before it.
statements_report() {
  local id=$1 file="$PERF_DIR/$1-statements.txt"
  pg_client "$PG_PORT" psql -d postgres -X -v ON_ERROR_STOP=1 >"$file" 2>&1 <<'SQL' || warn "$id: statements not read (see $file)"
\pset footer off
\echo 'Statements of database parley, by total execution time'
SELECT calls, round(total_exec_time::numeric) AS total_ms, round(mean_exec_time::numeric, 3) AS mean_ms,
       rows, shared_blks_hit AS hit, shared_blks_read AS read, shared_blks_dirtied AS dirtied,
       shared_blks_written AS written, wal_fpi, pg_size_pretty(wal_bytes) AS wal, jit_functions AS jit_fns,
       round((jit_generation_time + jit_inlining_time + jit_optimization_time + jit_emission_time)::numeric) AS jit_ms,
       left(regexp_replace(query, '\s+', ' ', 'g'), 140) AS query
  FROM pg_stat_statements
 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'parley')
 ORDER BY total_exec_time DESC LIMIT 40;
\echo 'All statements of database parley'
SELECT count(*) AS statements, sum(calls) AS calls, round(sum(total_exec_time)::numeric) AS total_ms,
       sum(shared_blks_read) AS read, sum(shared_blks_written) AS written, sum(wal_fpi) AS wal_fpi,
       pg_size_pretty(sum(wal_bytes)) AS wal, sum(jit_functions) AS jit_fns
  FROM pg_stat_statements
 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'parley') AND toplevel;
\echo 'WAL of the whole server'
SELECT wal_records, wal_fpi, pg_size_pretty(wal_bytes) AS wal, wal_buffers_full, wal_write, wal_sync FROM pg_stat_wal;
\echo 'Checkpoints and writes of shared buffers'
SELECT current_setting('server_version_num')::int >= 170000 AS has_checkpointer \gset
\x on
\if :has_checkpointer
SELECT * FROM pg_stat_checkpointer;
\endif
SELECT * FROM pg_stat_bgwriter;
SQL
  ok "$id: PostgreSQL's statements in $file"
}

PG_ARGS=(--pgbench "$PG_BIN/pgbench" --pg-port "$PG_PORT" --pg-user "$PG_SUPERUSER" --pg-database bench_baseline)

# ------------------------------------------------------------- benchmarks ---

# B10, the soak: every part running, simulator traffic for SOAK_MINUTES; nothing else.
if ((SOAK)); then
  for part in serve relay project route; do start_part "$part" "$part"; done
  soak_args=(--parley-bin "$PARLEY" --base-url "$BASE_URL" --database-url "$DB_URL" --nats-url "$NATS_URL"
    --minutes "${SOAK_MINUTES:-30}" --warmup-minutes "${SOAK_WARMUP_MINUTES:-5}"
    --markdown "$REPO_ROOT/docs/soak.md" --plot "$REPO_ROOT/docs/soak.svg")
  for entry in "${PART_PIDS[@]}"; do soak_args+=(--pid "$entry"); done
  "$BENCH" --out-dir "$OUT" soak "${soak_args[@]}" 2>&1 | tee "$WORK/logs/soak.log" ||
    die "the soak failed (log: $WORK/logs/soak.log)"
  ok "soak done in $(format_duration "$RUN_START" "$(now_us)"): docs/soak.md, docs/soak.svg"
  exit 0
fi

# M0: the machine's own stalls (a virtual machine's host may run other guests on our
# cores), measured while nothing of ours runs; every latency line below pays them too.
bench M0 machine "${M0_ARGS[@]}"

# B1, B2: the API alone (no relay, workers nor router competing for the cores).
start_part serve serve
bench B1 b1 --base-url "$BASE_URL" "${B1_ARGS[@]}" "${PG_ARGS[@]}"
bench B2 b2 --base-url "$BASE_URL" "${B2_ARGS[@]}" "${PG_ARGS[@]}"

# B3: the relay publishes what B1 and B2 stored, then the inserted batches.
start_part relay relay
bench B3 b3 --base-url "$BASE_URL" --database-url "$DB_URL" --nats-url "$NATS_URL" "${B3_ARGS[@]}"

# The projection workers start on the whole stream: their catch-up is measured, and
# B4, B5 and B6 need it done.
start_part project project
bench CU catch-up --database-url "$DB_URL" --nats-url "$NATS_URL"
if ! wanted CU && { wanted B4 || wanted B5 || wanted B6; }; then
  # Not measured, but waited for: B4 on workers still catching up would measure that.
  info "waiting for the projection workers to catch up on the stream (CU not measured)"
  "$BENCH" --out-dir "$WORK/unreported" catch-up --relay-first --database-url "$DB_URL" --nats-url "$NATS_URL" \
    >"$WORK/logs/catch-up.log" 2>&1 || warn "the catch-up did not end (log: $WORK/logs/catch-up.log)"
fi
bench B6 b6 --parley-bin "$PARLEY" --psql "$PG_BIN/psql" --database-url "$DB_URL" --nats-url "$NATS_URL" \
  "${B6_ARGS[@]}"

# The router folds the whole stream at start, before it routes. That replay (over a
# million events after B3) takes the cores for a while: B4 waits for it to end, so that
# it measures the projections' lag, not the router's start-up.
start_part route route
wait_router_caught_up
# The bulk work above (B3's million events, CU, B6) leaves the server dirty pages to
# write, which a checkpoint spreads over the next minutes, into B4's measured part. Write
# them now: B4 pays the checkpoints of its own traffic, not theirs (bench/notes.md § 11).
info "writing the dirty pages of the bulk work so far (CHECKPOINT)"
pg_client "$PG_PORT" psql -d postgres -Xq -v ON_ERROR_STOP=1 -c CHECKPOINT
bench B4 b4 --base-url "$BASE_URL" --nats-url "$NATS_URL" "${B4_ARGS[@]}"
revive_parts B5 # B5 names serve's pid
bench B5 b5 --base-url "$BASE_URL" --nats-url "$NATS_URL" --api-pid "$(part_pid serve)" \
  --bench-bin "$BENCH" "${B5_ARGS[@]}"
bench B7 b7 --base-url "$BASE_URL" --database-url "$DB_URL" --nats-url "$NATS_URL" "${B7_ARGS[@]}"
# B9: two routers of its own, the leader killed in turn; the run's router steps aside
# meanwhile and comes back for what follows.
if wanted B9; then
  stop_part route
  bench B9 b9 --parley-bin "$PARLEY" --base-url "$BASE_URL" --database-url "$DB_URL" "${B9_ARGS[@]}"
  start_part route route
fi
# B11 last: the veteran's 100,000 events go through the relay, the read models and the
# router too, and would weigh on any benchmark after it.
bench B11 b11 --base-url "$BASE_URL" --database-url "$DB_URL" "${B11_ARGS[@]}"
# B12 after it: its millions of calls go into the read models only, and stay there.
bench B12 b12 --base-url "$BASE_URL" --database-url "$DB_URL" "${B12_ARGS[@]}"

# ----------------------------------------------------------------- report ---

commit=$COMMIT
if [[ -n ${BENCH_PARLEY_BIN:-} ]]; then
  commit=''  # the binary measured was not built from this tree
elif [[ -n ${BENCH_SKIP_BUILD:-} ]]; then
  commit+=" (binaries built earlier, BENCH_SKIP_BUILD)"
fi
expect=()
for id in "${ALL_BENCHES[@]}"; do wanted "$id" && expect+=("$id"); done
report_args=(--mode "$MODE" --json "$REPO_ROOT/bench-results.json" --markdown "$REPO_ROOT/docs/benchmarks.md"
  --notes "$REPO_ROOT/bench/notes.md" --load-start "$LOAD_START"
  --commit "$commit"
  --expect "$(IFS=,; printf '%s' "${expect[*]}")"
  --total-s "$((($(now_us) - RUN_START) / 1000000))")
for entry in "${PART_PIDS[@]}"; do report_args+=(--pid "$entry"); done
if [[ -n ${BENCH_PARLEY_BIN:-} ]]; then
  REMARKS+=("Measured with BENCH_PARLEY_BIN=$BENCH_PARLEY_BIN, not the binary built from this tree.")
fi
for remark in "${REMARKS[@]}"; do report_args+=(--remark "$remark"); done
printf '\n'
"$BENCH" --out-dir "$OUT" report "${report_args[@]}"
ok "benchmarks done in $(format_duration "$RUN_START" "$(now_us)"): docs/benchmarks.md, bench-results.json"
