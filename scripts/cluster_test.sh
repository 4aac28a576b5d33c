#!/usr/bin/env bash
# Failover tests of the cluster (scripts/cluster.sh test): each scenario runs 28 s of
# load through the load balancer, injects one fault at 8 s and ends it at 18 s, then
# checks that nothing was lost or doubled (parley-bench failover). Results in
# .cluster/results/failover-<scenario>.json and a table at the end.
#
# Usage: scripts/cluster.sh test [SCENARIO ...]
#   nats      the NATS node leading the stream killed, then revived
#   api       an API process killed (the load balancer drops it; sockets reconnect)
#   leaders   the leading relay, projector and router killed at once (standbys lead)
#   replica   the PostgreSQL replica killed (the past is read from the primary)
#   primary   the PostgreSQL primary killed (commands fail until it is back; none of
#             those answered 202 may be lost)
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CLUSTER=$REPO_ROOT/scripts/cluster.sh
CLUSTER_DIR=$REPO_ROOT/.cluster
PROFILE=${PARLEY_PROFILE:-debug}
BENCH=${CARGO_TARGET_DIR:-$REPO_ROOT/target}/$PROFILE/parley-bench
BASE=${PARLEY_CLUSTER_BASE:-24300}
RESULTS=$CLUSTER_DIR/results
PG_PORT=$((BASE + 31))
LOCK_KEYS=(relay:0x5041524C45590001 route:0x5041524C45590002 project:0x5041524C45590100)

psql_primary() {
  pg_client "$PG_PORT" psql -d parley -XtAq -v ON_ERROR_STOP=1 -c "$1"
}

# The node (relay1, route2, …) whose database session holds the lock of PART.
leader_of() {
  local part=$1 entry key port pid node
  for entry in "${LOCK_KEYS[@]}"; do [[ ${entry%%:*} == "$part" ]] && key=${entry#*:}; done
  port=$(psql_primary "SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
    WHERE l.locktype = 'advisory' AND l.granted AND ((l.classid::bigint << 32) | l.objid::bigint) = $((key))")
  [[ -n $port ]] || die "no $part holds its lock"
  pid=$(ss -tnpH "sport = :$port" | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)
  for node in "${part}1" "${part}2"; do
    [[ $(head -n 1 "$CLUSTER_DIR/run/$node.pid" 2>/dev/null) == "$pid" ]] && printf '%s' "$node" && return 0
  done
  die "the $part lock is held by pid ${pid:-?}, not a node of this cluster"
}

# The NATS node leading the event stream's replicas.
stream_leader() {
  curl -fsS "http://127.0.0.1:$((BASE + 21))/jsz?streams=true" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print([s["cluster"]["leader"] for a in d["account_details"] for s in a["stream_detail"] if s["name"]=="PARLEY_EVENTS"][0])'
}

run_scenario() {
  local name=$1 fault revive nodes node
  case $name in
    nats)
      node=$(stream_leader)
      fault="$CLUSTER kill $node" revive="$CLUSTER revive $node"
      ;;
    api) fault="$CLUSTER kill api1" revive="$CLUSTER revive api1" ;;
    leaders)
      nodes="$(leader_of relay) $(leader_of project) $(leader_of route)"
      fault="for n in $nodes; do $CLUSTER kill \$n; done"
      revive="for n in $nodes; do $CLUSTER revive \$n; done"
      ;;
    replica) fault="$CLUSTER kill pg-replica" revive="$CLUSTER revive pg-replica" ;;
    primary) fault="$CLUSTER kill pg-primary" revive="$CLUSTER revive pg-primary" ;;
    *) die "unknown scenario: $name" ;;
  esac
  info "Scenario $name: $fault"
  # Revived nodes run the binary already built.
  PARLEY_SKIP_BUILD=1 "$BENCH" --out-dir "$RESULTS" failover --name "$name" \
    --base-url "http://127.0.0.1:$((BASE + 40))" \
    --database-url "postgres://$PG_SUPERUSER@127.0.0.1:$PG_PORT/parley" \
    --nats-url "nats://127.0.0.1:$((BASE + 1)),nats://127.0.0.1:$((BASE + 2)),nats://127.0.0.1:$((BASE + 3))" \
    --fault "{ $fault; } >/dev/null" --revive "{ $revive; } >/dev/null"
}

main() {
  local scenarios=("$@") name failed=0
  ((${#scenarios[@]})) || scenarios=(nats api leaders replica primary)
  ensure_debian_packages iproute2 python3
  if [[ ! -x $BENCH ]]; then
    local args=(build -p bench)
    [[ $PROFILE == release ]] && args+=(--release)
    (cd "$REPO_ROOT" && cargo "${args[@]}") || die "cannot build parley-bench"
  fi
  "$CLUSTER" status >/dev/null || PARLEY_SKIP_BUILD=${PARLEY_SKIP_BUILD:-} "$CLUSTER" start
  mkdir -p "$RESULTS"
  for name in "${scenarios[@]}"; do
    run_scenario "$name" || failed=1
    sleep 3
  done
  printf '\n%-8s %5s %5s %4s %5s %6s %7s %9s %8s %5s %9s %8s %8s %8s\n' scenario sent 202 lost dbl_s dbl_rm err_cmd outage_ms err_past drops reconn_ms relay_ms proj_ms route_ms
  for name in "${scenarios[@]}"; do
    [[ -f $RESULTS/failover-$name.json ]] || continue
    python3 - "$RESULTS/failover-$name.json" <<'EOF' || failed=1
import json, sys
r = json.load(open(sys.argv[1]))
print(f"{r['scenario']:<8} {r['commands_sent']:>5} {r['commands_accepted']:>5} {r['commands_lost']:>4} "
      f"{r['events_doubled_in_stream']:>5} {r['events_doubled_in_read_models']:>6} {r['command_errors']:>7} "
      f"{r['command_outage_ms']:>9} {r['question_errors']:>8} {r['socket_drops']:>5} {r['longest_reconnect_ms']:>9} "
      f"{r['relay_stall_ms']:>8} {r['projection_stall_ms']:>8} {r['router_stall_ms']:>8}")
bad = r['commands_lost'] or r['events_doubled_in_stream'] or r['events_doubled_in_read_models'] or r['read_models_missing_events']
sys.exit(1 if bad else 0)
EOF
  done
  ((failed == 0)) && ok "no command lost, no event doubled" || die "a scenario lost or doubled something (see above)"
}

main "$@"
