#!/usr/bin/env bash
# Set up what the performance layer needs on this machine, then check it with verify_optimizations.py.
#
#   bash setup_performance.sh [--with-worker] [--with-beat] [--with-flower]
#   bash setup_performance.sh --stop
#
# Safe to re-run: each step looks before it acts, and a second run changes nothing.
#   1. redis-server installed with apt when missing (scripts/bootstrap.sh redis; root or sudo);
#   2. .venv created and the project installed (scripts/bootstrap.sh);
#   3. .env copied from .env.performance, only when there is no .env;
#   4. a local redis-server started when nothing answers at REDIS_URL (pid and log under DATA_DIR);
#   5. migrations applied (python -m app.ops.cli migrate);
#   6. with --with-worker / --with-beat / --with-flower: `celery -A app.core.task_queue worker|beat|flower`
#      started in the background, one worker for every queue;
#   7. verify_optimizations.py, whose exit code is this script's.
# Whatever it starts has DATA_DIR/run/<name>.pid and DATA_DIR/log/<name>.log. Something counts as
# already running when its pid file names a live process that is ours: its command line is the one
# this script starts, and its environment carries this DATA_DIR (redis-server: it runs in
# DATA_DIR/redis). --stop stops those, and only those.
# Settings (REDIS_URL, DATA_DIR, FLOWER_*) are read as the service reads them: environment, .env,
# .env.performance. SETUP_WAIT_S (default 120) bounds every wait for a start or a stop.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
CELERY=("$PY" -m celery -A app.core.task_queue)
WAIT_S="${SETUP_WAIT_S:-120}"
QUEUES="default,reports,notifications,integrations"
WORKER_NODE="mesa-partes-setup@$(uname -n)"

WITH_WORKER=0 WITH_BEAT=0 WITH_FLOWER=0 STOP=0
for arg in "$@"; do
  case "$arg" in
    --with-worker) WITH_WORKER=1 ;;
    --with-beat) WITH_BEAT=1 ;;
    --with-flower) WITH_FLOWER=1 ;;
    --stop) STOP=1 ;;
    -h|--help) sed -n '2,/^set /{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup_performance: unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done

say() { echo "setup_performance: $*"; }
die() { echo "setup_performance: $*" >&2; exit 1; }

# ---- processes of ours -------------------------------------------------------------------------

alive() {  # a live process (a zombie is dead: nothing reaped it yet)
  local state
  state="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}
dead() { ! alive "$1"; }

command_of() {  # the command line of what we start under this name
  case "$1" in
    redis) echo "redis-server" ;;
    worker|beat|flower) echo "app.core.task_queue $1" ;;
  esac
}

is_ours() {  # name pid: alive, started by this script for this DATA_DIR
  local name="$1" pid="$2"
  [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" || return 1
  { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- "$(command_of "$name")" || return 1
  if [ "$name" = redis ]; then
    # redis-server rewrites its title over its environment; it runs in the directory we gave it.
    [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$DATA_DIR/redis" ]
  else
    { tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null | grep -qxF -- "DATA_DIR=$DATA_DIR"
  fi
}

running_pid() {  # name: prints the pid when it runs and is ours
  local pidfile="$RUN_DIR/$1.pid" pid
  [ -f "$pidfile" ] || return 1
  pid="$(tr -dc '0-9' <"$pidfile")"
  is_ours "$1" "$pid" && echo "$pid"
}

wait_until() {  # seconds description command...: poll until the command succeeds
  local seconds="$1" what="$2"; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.5
  done
}

start_background() {  # name command...: started in a session of its own, so --stop ends its children too
  local name="$1"; shift
  local log="$LOG_DIR/$name.log"
  echo "---- $(date -Is) started by setup_performance.sh" >>"$log"
  setsid "$@" </dev/null >>"$log" 2>&1 &
  echo $! >"$RUN_DIR/$name.pid"
  say "started $name (pid $!, log $log)"
}

started_ok() {  # name check-command...: wait for readiness, or show the log and fail
  local name="$1"; shift
  local pid
  pid="$(cat "$RUN_DIR/$name.pid")"
  if ! wait_until "$WAIT_S" "$name" ready_or_dead "$pid" "$@" || ! alive "$pid"; then
    tail -n 30 "$LOG_DIR/$name.log" >&2 || true
    die "$name did not become ready within $WAIT_S s (log: $LOG_DIR/$name.log)"
  fi
}

ready_or_dead() {  # pid check-command...: stop polling once it answers, or once it died
  local pid="$1"; shift
  ! alive "$pid" || "$@"
}

kill_session() {  # name sid: SIGKILL what is left of a session we started, and only what is ours
  local member
  for member in $(ps -o pid= -s "$2" 2>/dev/null); do
    if is_ours "$1" "$member" || { tr '\0' '\n' <"/proc/$member/environ"; } 2>/dev/null | grep -qxF -- "DATA_DIR=$DATA_DIR"; then
      kill -KILL "$member" 2>/dev/null || true
    fi
  done
}

stop_one() {
  local name="$1" pidfile="$RUN_DIR/$1.pid" pid
  [ -f "$pidfile" ] || { say "$name: not started by this script"; return 0; }
  pid="$(tr -dc '0-9' <"$pidfile")"
  if ! is_ours "$name" "$pid"; then
    say "$name: pid file names no process of ours (pid ${pid:-none}): removed"
    rm -f "$pidfile"
    return 0
  fi
  # SIGTERM to the main process only: a worker then finishes its running tasks (warm shutdown)
  # and ends its pool children itself. Past SETUP_WAIT_S the whole session it was started in is
  # killed (Redis redelivers its tasks), and so is anything of that session left behind.
  kill -TERM "$pid"
  if ! wait_until "$WAIT_S" "$name to stop" dead "$pid"; then
    say "$name (pid $pid) did not stop within $WAIT_S s: killing it"
  fi
  kill_session "$name" "$pid"
  rm -f "$pidfile"
  say "stopped $name (pid $pid)"
}

load_settings() {  # DATA_DIR, REDIS_*, FLOWER_* as the service reads them
  local values
  values="$("$PY" -m app.ops.verificacion.entorno shell)" || die "could not read the settings"
  eval "$values"
  # Exported, so that every process started here uses the same directory and can be told ours.
  export DATA_DIR
  RUN_DIR="$DATA_DIR/run"
  LOG_DIR="$DATA_DIR/log"
  mkdir -p "$RUN_DIR" "$LOG_DIR"
}

if [ "$STOP" = 1 ]; then
  [ -x "$PY" ] || { say "no .venv: nothing was started by this script"; exit 0; }
  load_settings
  for name in flower beat worker redis; do stop_one "$name"; done
  # Pool children ended by their worker leave their handle on the embedded PostgreSQL behind.
  if "$PY" -m app.ops.verificacion.entorno release-pg; then
    say "done"
  else
    say "done (the embedded PostgreSQL stays up: another process of this DATA_DIR uses it)"
  fi
  exit 0
fi

# ---- 1. redis-server, 2. the virtualenv, 3. .env ----------------------------------------------

have_redis_server() { command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ]; }
REDIS_INSTALL_HINT=""
if ! have_redis_server; then
  if [ "$(id -u)" -eq 0 ] || sudo -n true 2>/dev/null; then
    bash scripts/bootstrap.sh redis
  else
    REDIS_INSTALL_HINT="redis-server is not installed and this user cannot install it: run
  sudo bash scripts/bootstrap.sh redis     (or: sudo apt-get install redis-server)
and run this script again"
  fi
fi

bash scripts/bootstrap.sh

if [ -e .env ]; then
  say ".env present: left as it is"
else
  cp .env.performance .env
  say "created .env from .env.performance"
fi

load_settings

# ---- 4. Redis ------------------------------------------------------------------------------

redis_answers() { "$PY" -m app.ops.verificacion.entorno redis-ping; }

start_redis() {
  local dir="$DATA_DIR/redis" conf binary
  binary="$(command -v redis-server || echo /usr/bin/redis-server)"
  mkdir -p "$dir"
  conf="$dir/redis.conf"
  # Written by us on every start (the URL may have changed); the password only ever in this file.
  (
    umask 077
    {
      echo "# written by setup_performance.sh from REDIS_URL; edit REDIS_URL instead"
      if [ -n "$REDIS_SOCKET" ]; then
        echo "port 0"; echo "unixsocket $REDIS_SOCKET"; echo "unixsocketperm 700"
      else
        echo "bind ${REDIS_HOST/localhost/127.0.0.1}"; echo "port $REDIS_PORT"
      fi
      echo "dir $dir"
      echo "daemonize no"
      [ -z "$REDIS_PASSWORD" ] || echo "requirepass \"$REDIS_PASSWORD\""
    } >"$conf"
  )
  start_background redis "$binary" "$conf"
  started_ok redis redis_answers
}

if [ "$REDIS_URL_SET" = 0 ]; then
  say "REDIS_URL is empty: the cache stays in-process and there is no broker; no Redis started"
elif pid="$(running_pid redis)"; then
  say "redis already running (pid $pid)"
elif redis_answers; then
  say "Redis answers at REDIS_URL: using it"
elif [ "$REDIS_LOCAL" = 1 ]; then
  [ -z "$REDIS_INSTALL_HINT" ] || die "$REDIS_INSTALL_HINT"
  start_redis
else
  die "nothing answers at REDIS_URL ($REDIS_HOST:$REDIS_PORT), which is not on this host: start Redis there"
fi

# ---- 5. migrations ---------------------------------------------------------------------------

"$PY" -m app.ops.cli migrate
say "database migrated to head"

# ---- 6. worker, beat, Flower -------------------------------------------------------------------

worker_answers() { "${CELERY[@]}" inspect ping -d "$WORKER_NODE" --timeout 2; }
beat_ticks() { "$PY" -m app.ops.verificacion.entorno beat-ticks "$(cat "$RUN_DIR/beat.pid")"; }
beat_elsewhere() { "$PY" -m app.ops.verificacion.entorno beat-elsewhere; }
flower_listens() {
  local host="$FLOWER_ADDRESS"
  case "$host" in ""|0.0.0.0) host=127.0.0.1 ;; ::) host=::1 ;; esac
  (exec 3<>"/dev/tcp/$host/$FLOWER_PORT") 2>/dev/null
}

if [ "$WITH_WORKER" = 1 ]; then
  if pid="$(running_pid worker)"; then
    say "worker already running (pid $pid)"
  elif worker_answers; then
    say "a worker named $WORKER_NODE already answers (not started here): not starting another"
  else
    start_background worker "${CELERY[@]}" worker -Q "$QUEUES" -n "$WORKER_NODE" \
      --concurrency="${WORKER_CONCURRENCY:-2}" --loglevel=INFO
    started_ok worker worker_answers
  fi
fi

if [ "$WITH_BEAT" = 1 ]; then
  if pid="$(running_pid beat)"; then
    say "beat already running (pid $pid)"
  elif beat_elsewhere; then
    # Two beats would send every periodic task twice: one beat per deployment.
    say "a beat not started here ticks (verify_optimizations.py --only beat says where): not starting another"
  else
    start_background beat "${CELERY[@]}" beat --schedule="$DATA_DIR/celerybeat-schedule" --loglevel=INFO
    started_ok beat beat_ticks
  fi
fi

VERIFY_ARGS=()
if [ "$WITH_FLOWER" = 1 ]; then
  VERIFY_ARGS+=(--flower)
  if pid="$(running_pid flower)"; then
    say "flower already running (pid $pid)"
  elif flower_listens; then
    say "something not started here listens on port $FLOWER_PORT: not starting Flower"
  else
    start_background flower "${CELERY[@]}" flower
    started_ok flower flower_listens
  fi
fi

# ---- 7. verification -----------------------------------------------------------------------

say "verifying: $PY verify_optimizations.py ${VERIFY_ARGS[*]}"
exec "$PY" verify_optimizations.py "${VERIFY_ARGS[@]}"
