#!/usr/bin/env bash
# Parley as a cluster on one machine, every node a process of its own with its own ports
# and data folder, as on separate hosts: a 3-node NATS JetStream cluster (the event
# stream kept in 3 copies), a PostgreSQL primary with a streaming replica, two API
# processes behind HAProxy, and two of each pipeline part (relay, projector, router):
# one leads each by lock, the other stands by. Everything lives under .cluster/.
#
# Usage: scripts/cluster.sh start | stop | status | kill NODE | revive NODE | test | clean
#   NODE: nats1 nats2 nats3 pg-primary pg-replica api1 api2 relay1 relay2
#         project1 project2 route1 route2 haproxy
#
# Environment: PARLEY_PROFILE (debug or release [debug]), PARLEY_SKIP_BUILD=1 (use the
# binary already built), PARLEY_CLUSTER_BASE (the first of its ports [24300]; every port
# it uses lies below BASE + 100).
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CLUSTER_DIR=$REPO_ROOT/.cluster
LOG_DIR=$CLUSTER_DIR/logs
RUN_DIR=$CLUSTER_DIR/run
DB_NAME=parley
PROFILE=${PARLEY_PROFILE:-debug}
PARLEY_BIN=${CARGO_TARGET_DIR:-$REPO_ROOT/target}/$PROFILE/parley
BASE=${PARLEY_CLUSTER_BASE:-24300}

# Ports, each BASE + a fixed offset.
nats_port() { printf '%s' $((BASE + $1)); }         # clients: nats1 BASE+1 …
nats_route_port() { printf '%s' $((BASE + 10 + $1)); } # cluster routes
nats_monitor_port() { printf '%s' $((BASE + 20 + $1)); }
PG_PRIMARY_PORT=$((BASE + 31))
PG_REPLICA_PORT=$((BASE + 32))
LB_PORT=$((BASE + 40))
LB_STATS_PORT=$((BASE + 41))
api_port() { printf '%s' $((BASE + 50 + $1)); }

NATS_NODES=(nats1 nats2 nats3)
PARTS=(api1 api2 relay1 relay2 project1 project2 route1 route2)
NODES=("${NATS_NODES[@]}" pg-primary pg-replica "${PARTS[@]}" haproxy)

nats_urls() {
  local i urls=()
  for i in 1 2 3; do urls+=("nats://127.0.0.1:$(nats_port "$i")"); done
  (IFS=,; printf '%s' "${urls[*]}")
}
primary_url() { printf 'postgres://%s@127.0.0.1:%s/%s' "$PG_SUPERUSER" "$PG_PRIMARY_PORT" "$DB_NAME"; }
replica_url() { printf 'postgres://%s@127.0.0.1:%s/%s' "$PG_SUPERUSER" "$PG_REPLICA_PORT" "$DB_NAME"; }

# What every parley process of the cluster shares.
export_parley_env() {
  export PARLEY__ENVIRONMENT=local
  export PARLEY__DATABASE__URL PARLEY__DATABASE__REPLICA_URL PARLEY__NATS__URL
  PARLEY__DATABASE__URL=$(primary_url)
  PARLEY__DATABASE__REPLICA_URL=$(replica_url)
  PARLEY__NATS__URL=$(nats_urls)
  export PARLEY__BUS__REPLICAS=3
  export PARLEY__HTTP__HOST=127.0.0.1
  export PARLEY__HTTP__WEB_ROOT=${PARLEY__HTTP__WEB_ROOT:-$REPO_ROOT/web-ui/dist}
  export PARLEY__AUTH__LOGIN_BURST=${PARLEY__AUTH__LOGIN_BURST:-1000}
  export PARLEY__AUTH__LOGIN_PER_MINUTE=${PARLEY__AUTH__LOGIN_PER_MINUTE:-1000}
}

pidfile() { printf '%s/%s.pid' "$RUN_DIR" "$1"; }
logfile() { printf '%s/%s.log' "$LOG_DIR" "$1"; }

# ------------------------------------------------------------------ NATS ---

nats_config() {
  local i=$1 dir=$CLUSTER_DIR/$2 j routes=()
  for j in 1 2 3; do routes+=("nats-route://127.0.0.1:$(nats_route_port "$j")"); done
  mkdir -p "$dir/jetstream"
  cat >"$dir/nats.conf" <<EOF
# written by scripts/cluster.sh
server_name: $2
listen: 127.0.0.1:$(nats_port "$i")
http: 127.0.0.1:$(nats_monitor_port "$i")
jetstream { store_dir: "$dir/jetstream" }
cluster {
  name: parley
  listen: 127.0.0.1:$(nats_route_port "$i")
  routes: [$(IFS=,; printf '%s' "${routes[*]}")]
}
EOF
}

start_nats() {
  local node=$1 i=${1#nats} bin pid
  bin=$(nats_bin) || exit 1
  if pid=$(pidfile_alive "$(pidfile "$node")"); then ok "$node already running (pid $pid)"; return 0; fi
  nats_config "$i" "$node"
  info "Starting $node (clients 127.0.0.1:$(nats_port "$i"))"
  spawn_detached "$(pidfile "$node")" "$(logfile "$node")" "$bin" -c "$CLUSTER_DIR/$node/nats.conf"
}

# JetStream answers once the cluster has a meta leader.
wait_nats_cluster() {
  local i deadline=$((SECONDS + 60))
  for i in 1 2 3; do
    until curl -fsS --max-time 2 "http://127.0.0.1:$(nats_monitor_port "$i")/healthz" >/dev/null 2>&1; do
      ((SECONDS < deadline)) || die "nats$i is not healthy after 60 s (log: $(logfile "nats$i"))"
      sleep 0.5
    done
  done
  ok "NATS cluster of 3 ready"
}

# ------------------------------------------------------------ PostgreSQL ---

start_primary() {
  start_private_postgres "$CLUSTER_DIR/pg-primary" "$PG_PRIMARY_PORT"
  ensure_database "$PG_PRIMARY_PORT" "$DB_NAME"
}

# A streaming replica: a base backup of the primary, following its WAL (standby.signal).
start_replica() {
  local dir=$CLUSTER_DIR/pg-replica bindir
  bindir=$(pg_bindir) || exit 1
  if [[ ! -e $dir/data/PG_VERSION && ! -L $dir ]]; then
    local home
    home=$(_pg_home "$dir")
    info "Taking a base backup of the primary for the replica"
    as_pg_user "$bindir/pg_basebackup" -h 127.0.0.1 -p "$PG_PRIMARY_PORT" -U "$PG_SUPERUSER" \
      -D "$home/data" -R -X stream -c fast >"$home/basebackup.log" 2>&1 ||
      die "pg_basebackup failed (log: $home/basebackup.log)"
  fi
  start_private_postgres "$dir" "$PG_REPLICA_PORT"
}

# ----------------------------------------------------------------- parts ---

part_args() {
  case $1 in
    api*) PART_ARGS=(serve) ;;
    relay*) PART_ARGS=(relay) ;;
    project*) PART_ARGS=(project) ;;
    route*) PART_ARGS=(route) ;;
  esac
}

start_part() {
  local part=$1 pid rc=0
  if pid=$(pidfile_alive "$(pidfile "$part")"); then ok "$part already running (pid $pid)"; return 0; fi
  part_args "$part"
  info "Starting $part: parley ${PART_ARGS[*]}"
  printf '\n===== %s: parley %s =====\n' "$(date -u +%FT%TZ)" "${PART_ARGS[*]}" >>"$(logfile "$part")"
  (
    export_parley_env
    [[ $part == api* ]] && export PARLEY__HTTP__PORT=$(api_port "${part#api}")
    spawn_detached "$(pidfile "$part")" "$(logfile "$part")" "$PARLEY_BIN" "${PART_ARGS[@]}"
  ) || exit 1
  pid=$(head -n 1 "$(pidfile "$part")")
  if [[ $part == api* ]]; then
    wait_http "http://127.0.0.1:$(api_port "${part#api}")/healthz" 60 "$pid" || rc=$?
  else
    sleep 0.5
    pid_alive "$pid" || rc=2
  fi
  ((rc == 0)) || { tail -n 20 "$(logfile "$part")" >&2; die "$part did not start (log: $(logfile "$part"))"; }
  ok "$part running (pid $pid)"
}

# -------------------------------------------------------------- HAProxy ---

haproxy_config() {
  cat >"$CLUSTER_DIR/haproxy.cfg" <<EOF
# written by scripts/cluster.sh: two API processes, checked on /readyz every second.
global
    # Below the machine's open-file limit: HAProxy needs two descriptors a connection.
    maxconn 8000
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    # A WebSocket is a tunnel once upgraded: it may stay idle this long.
    timeout tunnel 1h
    option redispatch
    retries 2
frontend parley
    bind 127.0.0.1:$LB_PORT
    default_backend api
backend api
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    # A process that fails three checks is dropped and its WebSockets closed, so their
    # clients reconnect (to the other one) and resync.
    # A check may take 2 s on a busy machine before it counts as failed.
    timeout check 2s
    default-server inter 1s fall 3 rise 2 on-marked-down shutdown-sessions
    server api1 127.0.0.1:$(api_port 1) check
    server api2 127.0.0.1:$(api_port 2) check
listen stats
    bind 127.0.0.1:$LB_STATS_PORT
    stats enable
    stats uri /
EOF
}

start_haproxy() {
  local pid
  if pid=$(pidfile_alive "$(pidfile haproxy)"); then ok "haproxy already running (pid $pid)"; return 0; fi
  haproxy_config
  haproxy -c -q -f "$CLUSTER_DIR/haproxy.cfg" || die "the HAProxy configuration does not check"
  info "Starting haproxy on 127.0.0.1:$LB_PORT"
  spawn_detached "$(pidfile haproxy)" "$(logfile haproxy)" haproxy -db -f "$CLUSTER_DIR/haproxy.cfg"
  wait_http "http://127.0.0.1:$LB_PORT/healthz" 30 || die "haproxy does not answer (log: $(logfile haproxy))"
  ok "haproxy ready"
}

# ----------------------------------------------------------------- nodes ---

start_node() {
  case $1 in
    nats*) start_nats "$1" ;;
    pg-primary) start_primary ;;
    pg-replica) start_replica ;;
    haproxy) start_haproxy ;;
    *) start_part "$1" ;;
  esac
}

node_pid() {
  case $1 in
    pg-primary | pg-replica) private_postgres_pid "$CLUSTER_DIR/$1" ;;
    *) pidfile_alive "$(pidfile "$1")" ;;
  esac
}

known_node() {
  local node
  for node in "${NODES[@]}"; do [[ $node == "$1" ]] && return 0; done
  die "unknown node: $1 (one of: ${NODES[*]})"
}

node_address() {
  case $1 in
    nats*) printf '127.0.0.1:%s' "$(nats_port "${1#nats}")" ;;
    pg-primary) printf '127.0.0.1:%s' "$PG_PRIMARY_PORT" ;;
    pg-replica) printf '127.0.0.1:%s' "$PG_REPLICA_PORT" ;;
    api*) printf 'http://127.0.0.1:%s' "$(api_port "${1#api}")" ;;
    haproxy) printf 'http://127.0.0.1:%s' "$LB_PORT" ;;
    *) printf -- '-' ;;
  esac
}

# --------------------------------------------------------------- verbs ---

cmd_start() {
  ensure_gitignored .cluster/
  ensure_debian_packages postgresql nats-server haproxy curl
  if [[ -z ${PARLEY_SKIP_BUILD:-} ]]; then
    info "cargo build -p command-api --bin parley ($PROFILE)"
    local args=(build -p command-api --bin parley)
    [[ $PROFILE == release ]] && args+=(--release)
    (cd "$REPO_ROOT" && cargo "${args[@]}") || die "the build failed"
  fi
  [[ -x $PARLEY_BIN ]] || die "no parley binary at $PARLEY_BIN"
  [[ -f $REPO_ROOT/web-ui/dist/index.html ]] || warn "no web UI built (scripts/stack.sh build makes it): the API only"
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  local node
  for node in "${NATS_NODES[@]}"; do start_nats "$node"; done
  wait_nats_cluster
  start_primary
  (export_parley_env && "$PARLEY_BIN" migrate && "$PARLEY_BIN" seed) >>"$LOG_DIR/setup.log" 2>&1 ||
    die "migrate or seed failed (log: $LOG_DIR/setup.log)"
  ok "database migrated and seeded"
  start_replica
  for node in "${PARTS[@]}"; do start_part "$node"; done
  start_haproxy
  print_summary
}

print_summary() {
  local node
  printf '\n%sParley cluster%s (%s)\n' "$C_BOLD" "$C_RESET" "${CLUSTER_DIR#"$REPO_ROOT"/}"
  printf '  %-14s %s\n' "Load balancer" "http://127.0.0.1:$LB_PORT (stats http://127.0.0.1:$LB_STATS_PORT)"
  for node in "${NODES[@]}"; do printf '  %-14s %s\n' "$node" "$(node_address "$node")"; done
  printf '  %-14s %s\n' "NATS URL" "$(nats_urls)" "Primary" "$(primary_url)" "Replica" "$(replica_url)"
  printf '\n  Demo logins: admin@example.com, supervisor@example.com, agent1@example.com, requester@example.com … password123\n'
  printf '  %sscripts/cluster.sh status | kill NODE | revive NODE | test | stop%s\n' "$C_DIM" "$C_RESET"
}

cmd_status() {
  local node pid state all_ok=0
  printf '  %-11s %-8s %-8s %s\n' NODE STATE PID ADDRESS
  for node in "${NODES[@]}"; do
    if pid=$(node_pid "$node"); then state=running; else state=stopped pid=- all_ok=1; fi
    printf '  %-11s %-8s %-8s %s\n' "$node" "$state" "$pid" "$(node_address "$node")"
  done
  return "$all_ok"
}

cmd_kill() {
  local node=$1 pid
  known_node "$node"
  pid=$(node_pid "$node") || { warn "$node is not running"; return 0; }
  kill -KILL "$pid"
  ok "$node killed (SIGKILL, pid $pid)"
}

cmd_stop() {
  local i node
  for ((i = ${#NODES[@]} - 1; i >= 0; i--)); do
    node=${NODES[i]}
    case $node in
      pg-primary | pg-replica) stop_private_postgres "$CLUSTER_DIR/$node" ;;
      *) stop_pidfile "$(pidfile "$node")" "$node" 15 ;;
    esac
  done
  ok "cluster stopped (data kept in .cluster/; scripts/cluster.sh clean deletes it)"
}

cmd_clean() {
  cmd_stop
  remove_private_postgres "$CLUSTER_DIR/pg-replica"
  remove_private_postgres "$CLUSTER_DIR/pg-primary"
  rm -rf "$CLUSTER_DIR"
  ok "cluster data deleted"
}

main() {
  local verb=${1:-help}
  shift || true
  case $verb in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    kill) [[ $# == 1 ]] || die "usage: scripts/cluster.sh kill NODE"; cmd_kill "$1" ;;
    revive) [[ $# == 1 ]] || die "usage: scripts/cluster.sh revive NODE"; known_node "$1"; start_node "$1" ;;
    test) exec "$REPO_ROOT/scripts/cluster_test.sh" "$@" ;;
    clean) cmd_clean ;;
    help | -h | --help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
    *) die "unknown verb: $verb (scripts/cluster.sh help)" ;;
  esac
}

main "$@"
