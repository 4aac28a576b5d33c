# shellcheck shell=bash
# Shared helpers for scripts/stack.sh and scripts/test.sh. Source it; do not run it.
#
# It expects the caller to have `set -euo pipefail`. Everything here talks only
# to servers it starts itself, on 127.0.0.1 and on ports it is given: a
# PostgreSQL on 5432 or a NATS on 4222 that already runs on the machine is
# never touched nor relied on.

[[ -n ${PARLEY_LIB_SOURCED:-} ]] && return 0
PARLEY_LIB_SOURCED=1

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

# PostgreSQL superuser of the private servers (initdb -U); trust auth on 127.0.0.1 only.
PG_SUPERUSER=parley

# ---------------------------------------------------------------- logging ---

# Colors only for a person watching a terminal (or when asked): CI logs and
# files stay free of escape codes. NO_COLOR (https://no-color.org) wins.
# shellcheck disable=SC2034 # some colors are used only by the scripts that source this
if [[ -z ${NO_COLOR:-} && (-t 1 || -n ${FORCE_COLOR:-}) ]]; then
  C_RESET=$'\e[0m' C_BOLD=$'\e[1m' C_DIM=$'\e[2m'
  C_RED=$'\e[31m' C_GREEN=$'\e[32m' C_YELLOW=$'\e[33m' C_BLUE=$'\e[34m'
else
  C_RESET='' C_BOLD='' C_DIM='' C_RED='' C_GREEN='' C_YELLOW='' C_BLUE=''
fi

info() { printf '%s==>%s %s\n' "$C_BLUE" "$C_RESET" "$*"; }
ok() { printf '%s ok%s %s\n' "$C_GREEN" "$C_RESET" "$*"; }
warn() { printf '%swarn%s %s\n' "$C_YELLOW" "$C_RESET" "$*" >&2; }
err() { printf '%serror%s %s\n' "$C_RED" "$C_RESET" "$*" >&2; }
die() {
  err "$@"
  exit 1
}

# Indented last lines of a log file, to show why something did not start.
show_log_tail() {
  local file=$1 lines=${2:-30}
  [[ -f $file ]] || return 0
  printf '%s--- last %s lines of %s ---%s\n' "$C_DIM" "$lines" "$file" "$C_RESET" >&2
  tail -n "$lines" "$file" | sed 's/^/    /' >&2
  printf '%s---%s\n' "$C_DIM" "$C_RESET" >&2
}

# Seconds, as "4.2s" or "3m 07s", from two microsecond timestamps.
format_duration() {
  local us=$(($2 - $1))
  if ((us < 60000000)); then
    printf '%d.%01ds' $((us / 1000000)) $((us % 1000000 / 100000))
  else
    printf '%dm %02ds' $((us / 60000000)) $((us / 1000000 % 60))
  fi
}

# Microseconds since the epoch (bash 5's EPOCHREALTIME, without the dot).
now_us() { printf '%s' "${EPOCHREALTIME/[.,]/}"; }

# ------------------------------------------------------------ environment ---

have() { command -v "$1" >/dev/null 2>&1; }

is_root() { [[ $(id -u) -eq 0 ]]; }

# Runs a command as root: directly when we are root (CI, dev machines), else via sudo.
as_root() {
  if is_root; then
    "$@"
  elif have sudo; then
    sudo "$@"
  else
    die "need root to run: $* (run as root or install sudo)"
  fi
}

# Installs the given Debian packages that are missing. A stale package list is
# the usual reason an install fails on a fresh machine, so `apt-get update`
# runs only then, and the install is tried once more. Output stays visible:
# installing postgresql takes a while and the user should see it moving.
ensure_debian_packages() {
  local missing=() pkg status
  for pkg in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ $status == "install ok installed" ]] || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  have apt-get || die "missing packages: ${missing[*]}; this is not a Debian machine, install them by hand"
  info "Installing Debian packages: ${missing[*]}"
  local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends)
  if ! as_root "${apt[@]}" "${missing[@]}"; then
    warn "apt-get install failed; refreshing the package lists (apt-get update) and trying again"
    as_root apt-get -o DPkg::Lock::Timeout=300 update
    as_root "${apt[@]}" "${missing[@]}" ||
      die "could not install ${missing[*]}: see the apt-get output above"
  fi
  ok "installed ${missing[*]}"
}

# The folder with initdb/pg_ctl/postgres: pg_config's if it has them (it may
# belong to a newer libpq-dev than the server), else the highest version under
# /usr/lib/postgresql.
pg_bindir() {
  local dir
  if have pg_config; then
    dir=$(pg_config --bindir 2>/dev/null || true)
    if [[ -n $dir && -x $dir/initdb && -x $dir/pg_ctl ]]; then
      printf '%s\n' "$dir"
      return 0
    fi
  fi
  dir=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  if [[ -x $dir/initdb && -x $dir/pg_ctl ]]; then
    printf '%s\n' "$dir"
    return 0
  fi
  err "PostgreSQL server programs (initdb, pg_ctl) not found: apt-get install -y postgresql"
  return 1
}

# nats-server lives in /usr/sbin, which a non-root PATH may lack.
nats_bin() {
  if have nats-server; then
    command -v nats-server
  elif [[ -x /usr/sbin/nats-server ]]; then
    printf '%s\n' /usr/sbin/nats-server
  else
    err "nats-server not found: apt-get install -y nats-server"
    return 1
  fi
}

# ------------------------------------------------------------------ ports ---

# True when something accepts TCP connections on HOST:PORT.
port_open() {
  local port=$1 host=${2:-127.0.0.1}
  # shellcheck disable=SC2016 # $0/$1 belong to the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null
}

# Who listens on PORT, for messages: "pid 123 (postgres)", or "another program" when `ss`
# cannot tell (another user's process, without root).
port_holder() {
  local holder
  holder=$(ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'users:(("[^"]*",pid=[0-9]*' | head -n 1 |
    sed -E 's/users:\(\("([^"]*)",pid=([0-9]*)/pid \2 (\1)/')
  printf '%s\n' "${holder:-another program}"
}

# A TCP port that is free right now, between 20000 and 32767: random ports are tried
# until one binds (with python3) or does not answer (without).
free_port() {
  # Below 32768, out of the kernel's ephemeral range (32768-60999 by default): a port
  # handed out there may be taken again by any outgoing connection before our server binds it.
  if have python3; then
    python3 -c 'import random, socket
for _ in range(500):
    port = random.randint(20000, 32767)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    break
else:
    raise SystemExit("no free port")' && return 0
  fi
  local port _
  for _ in {1..200}; do
    port=$((20000 + RANDOM % 12768))
    port_open "$port" || {
      printf '%s
' "$port"
      return 0
    }
  done
  err "could not find a free TCP port"
  return 1
}

# ------------------------------------------------------------- processes ---

# True when PID names a live process. A zombie (Z) or dying (X) process is
# not alive: it only waits for its parent to read its exit status; and when
# /proc/PID/stat vanished between the two checks, it has just been reaped.
pid_alive() {
  local pid=$1 state
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
  [[ -n $state && $state != [ZX] ]]
}

# The PID in PIDFILE if that process is alive; fails otherwise.
pidfile_alive() {
  local file=$1 pid
  [[ -s $file ]] || return 1
  pid=$(head -n 1 "$file")
  pid_alive "$pid" || return 1
  printf '%s\n' "$pid"
}

# Starts a command in the background, in a session of its own so that a
# ctrl-c in the terminal that started it does not reach it, with its output
# appended to LOGFILE. The process writes its own PID to PIDFILE before
# becoming the command (exec), so the file holds the real PID whatever setsid does.
spawn_detached() {
  local pidfile=$1 logfile=$2 _
  shift 2
  rm -f "$pidfile"
  mkdir -p "$(dirname "$pidfile")" "$(dirname "$logfile")"
  # shellcheck disable=SC2016 # $0/$$/$@ belong to the inner bash
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" >>"$logfile" 2>&1 </dev/null &
  for _ in {1..100}; do
    [[ -s $pidfile ]] && return 0
    sleep 0.05
  done
  err "could not start: $*"
  return 1
}

# Stops the process in PIDFILE gracefully: SIGTERM, up to TIMEOUT seconds to
# finish what it is doing, then SIGKILL. Removes the pid file.
stop_pidfile() {
  local file=$1 name=$2 timeout=${3:-15} pid i
  if ! pid=$(pidfile_alive "$file"); then
    rm -f "$file"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 10; i++)); do
    pid_alive "$pid" || break
    sleep 0.1
  done
  if pid_alive "$pid"; then
    warn "$name (pid $pid) did not stop within ${timeout}s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      pid_alive "$pid" || break
      sleep 0.1
    done
  fi
  rm -f "$file"
}

# Waits until TCP PORT on 127.0.0.1 answers. Fails after TIMEOUT seconds, or at
# once when the optional PID dies (then waiting longer cannot help).
wait_port() {
  local port=$1 timeout=$2 pid=${3:-} deadline
  deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    port_open "$port" && return 0
    [[ -n $pid ]] && ! pid_alive "$pid" && return 2
    sleep 0.2
  done
  return 1
}

# Waits until URL answers with a 2xx status. Fails after TIMEOUT seconds, or
# at once when the optional PID dies.
wait_http() {
  local url=$1 timeout=$2 pid=${3:-} deadline
  have curl || die "curl is needed: apt-get install -y curl"
  deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null && return 0
    [[ -n $pid ]] && ! pid_alive "$pid" && return 2
    sleep 0.5
  done
  return 1
}

# ------------------------------------------------------------- postgresql ---

# initdb and postgres refuse to run as root, so as root they run as the
# `postgres` system user (created by Debian's postgresql package). From `/`,
# because postgres warns when it cannot enter the caller's working directory.
as_pg_user() {
  if is_root; then
    id postgres >/dev/null 2>&1 || die "no 'postgres' system user: apt-get install -y postgresql"
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# The real folder for a private server given as DIR, created if needed and
# usable by the postgres user. When that user cannot reach DIR (say the repo
# is under /root, mode 700), the server lives in /var/tmp and DIR becomes a
# symlink to it; remove_private_postgres deletes both.
_pg_home() {
  local dir=$1 real
  if [[ -L $dir ]]; then
    readlink -f "$dir"
    return 0
  fi
  mkdir -p "$dir"
  if is_root; then
    chown postgres: "$dir"
    if ! (cd / && runuser -u postgres -- test -w "$dir" -a -x "$dir"); then
      rmdir "$dir"
      real=$(mktemp -d /var/tmp/parley-pg.XXXXXX)
      chown postgres: "$real"
      ln -s "$real" "$dir"
      warn "the postgres user cannot reach $dir; its data lives in $real (linked from there)"
      dir=$real
    fi
  fi
  (cd "$dir" && pwd -P)
}

# The postmaster's PID if the private server in DIR runs.
private_postgres_pid() {
  local dir=$1 pid
  [[ -e $dir ]] || return 1
  dir=$(readlink -f "$dir")
  [[ -s $dir/data/postmaster.pid ]] || return 1
  pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null) || return 1
  pid_alive "$pid" || return 1
  printf '%s\n' "$pid"
}

# start_private_postgres DIR PORT [--for-tests]
# A PostgreSQL of our own: data in DIR/data, log in DIR/postgres.log, unix
# socket in DIR/run, listening on 127.0.0.1:PORT only, superuser `parley`
# with trust auth. --for-tests trades durability for speed (fsync off etc.),
# which is fine for throw-away test data and never for the dev stack.
# Reuses an existing data folder; does nothing when the server already runs.
start_private_postgres() {
  local dir=$1 port=$2 mode=${3:-} bindir pid
  bindir=$(pg_bindir) || exit 1
  if pid=$(private_postgres_pid "$dir"); then
    ok "PostgreSQL already running (pid $pid)"
    return 0
  fi
  if port_open "$port"; then
    die "port $port is already in use by another program, so PostgreSQL cannot listen on it; free it or choose another port"
  fi
  dir=$(_pg_home "$dir")
  local data=$dir/data log=$dir/postgres.log
  if [[ ! -s $data/PG_VERSION ]]; then
    info "Creating a PostgreSQL cluster in $data"
    as_pg_user "$bindir/initdb" -D "$data" --auth=trust -U "$PG_SUPERUSER" \
      --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
      show_log_tail "$dir/initdb.log"
      die "initdb failed (full output in $dir/initdb.log)"
    }
    _pg_write_settings "$data" "$mode"
  fi
  _pg_write_runtime_settings "$dir" "$port"
  info "Starting PostgreSQL on 127.0.0.1:$port"
  # pg_ctl detaches the postmaster (own session), so ctrl-c here does not reach it.
  if ! as_pg_user "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 start >/dev/null; then
    show_log_tail "$log"
    die "PostgreSQL did not start (log: $log)"
  fi
  local _
  for _ in {1..100}; do
    "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U "$PG_SUPERUSER" -d postgres && break
    sleep 0.2
  done
  "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U "$PG_SUPERUSER" -d postgres || {
    show_log_tail "$log"
    die "PostgreSQL started but does not accept connections on 127.0.0.1:$port (log: $log)"
  }
  ok "PostgreSQL ready on 127.0.0.1:$port (pid $(private_postgres_pid "$dir"))"
}

# Settings written once, at initdb. Appended to postgresql.conf, where the
# last value of a setting wins.
_pg_write_settings() {
  local data=$1 mode=$2
  {
    printf '\n# ---- added by scripts/lib.sh ----\n'
    printf 'max_connections = 200\n'
    if [[ $mode == --for-tests ]]; then
      printf '# test data is thrown away: skip what only protects it from a crash\n'
      printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n'
    fi
    printf "include_if_exists = 'parley-runtime.conf'\n"
  } | as_pg_user tee -a "$data/postgresql.conf" >/dev/null
}

# Where the server listens, rewritten at each start since the port may change
# between runs. A unix socket path must fit in ~107 bytes, so a deep repo
# checkout gets no socket (clients use TCP on 127.0.0.1 anyway).
_pg_write_runtime_settings() {
  local dir=$1 port=$2 sockdir=$1/run
  if ((${#sockdir} > 80)); then
    sockdir=''
  else
    as_pg_user mkdir -p "$sockdir"
  fi
  printf "# written by scripts/lib.sh at each start\nport = %s\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n" \
    "$port" "$sockdir" | as_pg_user tee "$dir/data/parley-runtime.conf" >/dev/null
}

# Stops the private server in DIR (fast shutdown: running transactions are
# rolled back, which is what a developer stopping the stack expects).
stop_private_postgres() {
  local dir=$1 pid bindir
  pid=$(private_postgres_pid "$dir") || return 0
  dir=$(readlink -f "$dir")
  bindir=$(pg_bindir) || exit 1
  if ! as_pg_user "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1; then
    warn "PostgreSQL (pid $pid) did not stop within 30s; stopping it immediately"
    as_pg_user "$bindir/pg_ctl" -D "$dir/data" -m immediate -w -t 10 stop >/dev/null 2>&1 ||
      kill -KILL "$pid" 2>/dev/null || true
  fi
  ok "PostgreSQL stopped"
}

# Stops the private server in DIR and deletes its folder (and the /var/tmp
# folder it may link to).
remove_private_postgres() {
  local dir=$1
  [[ -e $dir || -L $dir ]] || return 0
  stop_private_postgres "$dir"
  if [[ -L $dir ]]; then
    rm -rf "$(readlink -f "$dir")"
    rm -f "$dir"
  else
    rm -rf "$dir"
  fi
}

# psql/createdb/... against the private server on PORT, as the superuser.
pg_client() {
  local port=$1 tool=$2 bindir
  shift 2
  bindir=$(pg_bindir) || exit 1
  "$bindir/$tool" -h 127.0.0.1 -p "$port" -U "$PG_SUPERUSER" "$@"
}

# Creates database NAME on the private server on PORT unless it exists.
ensure_database() {
  local port=$1 name=$2 found
  # a plain identifier, so it can go into SQL as it is
  [[ $name =~ ^[a-z_][a-z0-9_]*$ ]] || die "bad database name: $name"
  found=$(pg_client "$port" psql -d postgres -XtAq -v ON_ERROR_STOP=1 \
    -c "SELECT 1 FROM pg_database WHERE datname = '$name'")
  if [[ $found != 1 ]]; then
    pg_client "$port" createdb "$name"
    ok "created database $name"
  fi
}

# ------------------------------------------------------------------- nats ---

# start_private_nats DIR PORT [MONITOR_PORT]
# A NATS server of our own with JetStream: data in DIR/jetstream, log in
# DIR/nats.log, pid in DIR/nats.pid, clients on 127.0.0.1:PORT only and the
# HTTP monitor (/healthz, /jsz) on 127.0.0.1:MONITOR_PORT when given.
# Does nothing when it already runs.
start_private_nats() {
  local dir=$1 port=$2 monitor=${3:-} bin pid rc=0
  bin=$(nats_bin) || exit 1
  mkdir -p "$dir/jetstream"
  if pid=$(pidfile_alive "$dir/nats.pid"); then
    ok "NATS already running (pid $pid)"
    return 0
  fi
  port_open "$port" && die "port $port is already in use by another program, so NATS cannot listen on it; free it or choose another port"
  [[ -n $monitor ]] && port_open "$monitor" && die "port $monitor (NATS monitor) is already in use by another program; free it or choose another port"
  local args=(-js -sd "$dir/jetstream" -a 127.0.0.1 -p "$port" -n "parley-$port")
  [[ -n $monitor ]] && args+=(-m "$monitor")
  info "Starting NATS (JetStream) on 127.0.0.1:$port"
  spawn_detached "$dir/nats.pid" "$dir/nats.log" "$bin" "${args[@]}" || exit 1
  pid=$(head -n 1 "$dir/nats.pid")
  # The client port opens only after JetStream is up, so an open port means ready.
  wait_port "$port" 30 "$pid" || rc=$?
  if ((rc != 0)); then
    show_log_tail "$dir/nats.log"
    stop_pidfile "$dir/nats.pid" NATS 5
    die "NATS did not start on 127.0.0.1:$port (log: $dir/nats.log)"
  fi
  ok "NATS ready on 127.0.0.1:$port (pid $pid)"
}

# Stops the private NATS server in DIR (SIGTERM lets it flush JetStream).
stop_private_nats() {
  local dir=$1
  [[ -f $dir/nats.pid ]] || return 0
  pidfile_alive "$dir/nats.pid" >/dev/null || {
    rm -f "$dir/nats.pid"
    return 0
  }
  stop_pidfile "$dir/nats.pid" NATS 15
  ok "NATS stopped"
}

# ---------------------------------------------------------------- gitignore ---

# Appends the given lines to the repo's .gitignore unless present; other lines stay.
ensure_gitignored() {
  local file=$REPO_ROOT/.gitignore line
  touch "$file"
  for line in "$@"; do
    grep -qxF -- "$line" "$file" && continue
    # keep the file ending in a newline before appending
    [[ -s $file && $(tail -c 1 "$file") != '' ]] && printf '\n' >>"$file"
    printf '%s\n' "$line" >>"$file"
  done
}

# ------------------------------------------------------------------ web UI ---
# The Yew single-page app (web-ui/, its own cargo workspace) is compiled to wasm32
# by web-ui/build.sh into web-ui/dist/, which the API serves at / (http.web_root).
# PARLEY_SKIP_WEB_UI=1 skips it (the API then answers 404 at /). Shared by stack.sh
# (build, start) and test.sh (browser tests).

WEB_UI_DIR=$REPO_ROOT/web-ui

# The wasm-bindgen version in web-ui/Cargo.lock: the CLI must be exactly that version.
web_ui_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$WEB_UI_DIR/Cargo.lock"
}

# Installs what the web UI build needs and is missing: the wasm32 target, wasm-bindgen.
ensure_web_ui_tools() {
  have rustup || die "rustup not found: the web UI needs the wasm32-unknown-unknown target (https://rustup.rs)"
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    info "rustup target add wasm32-unknown-unknown (once)"
    rustup target add wasm32-unknown-unknown || die "could not add the Rust target wasm32-unknown-unknown"
  fi
  local want current=''
  want=$(web_ui_bindgen_version)
  [[ -n $want ]] || die "no wasm-bindgen version found in web-ui/Cargo.lock"
  if have wasm-bindgen; then current=$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }'); fi
  [[ $current == "$want" ]] && return 0
  info "cargo install wasm-bindgen-cli --version $want --locked (${current:+replacing $current; }once, a few minutes)"
  if ! cargo install wasm-bindgen-cli --version "$want" --locked; then
    # A registry mirror may lack a crate version its lock file names: resolve afresh.
    warn "the locked install failed; trying again without --locked"
    cargo install wasm-bindgen-cli --version "$want" || die "could not install wasm-bindgen-cli $want"
  fi
  have wasm-bindgen || die "wasm-bindgen was installed but is not on PATH: add ~/.cargo/bin to PATH"
}

build_web_ui() {
  if [[ -n ${PARLEY_SKIP_WEB_UI:-} ]]; then
    warn "PARLEY_SKIP_WEB_UI is set: the web UI is not built"
    return 0
  fi
  ensure_gitignored web-ui/dist/
  ensure_web_ui_tools
  local started
  started=$(now_us)
  info "web-ui/build.sh: the Yew app to wasm32, into web-ui/dist/"
  "$WEB_UI_DIR/build.sh" || die "the web UI build failed: fix the errors above (or PARLEY_SKIP_WEB_UI=1 to skip it)"
  ok "web UI built in $(format_duration "$started" "$(now_us)")"
}
