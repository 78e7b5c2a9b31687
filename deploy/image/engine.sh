#!/usr/bin/env bash
# The local Docker engine the image build, deploy/image/smoke.sh and the container tests use.
#
#   deploy/image/engine.sh ensure   installs Debian's docker.io when dockerd or the docker client is missing, and
#                                   starts dockerd in the background when no engine answers (no systemd needed)
#   deploy/image/engine.sh stop     stops the dockerd that `ensure` started from this checkout (and only that one)
#   deploy/image/engine.sh status   says whether an engine answers and whether this checkout started it
#
# An engine this script starts keeps running after the command that needed it (its images stay usable with
# `docker run`); stop it with `deploy/image/engine.sh stop` or `bin/spillway image --stop-engine`. Its log and pid
# file are under target/docker/ of this checkout. Images live in dockerd's data root (/var/lib/docker), so they
# survive a stop. Nothing is ever pulled: Docker Hub is not reachable here, and nothing here needs it.
set -euo pipefail

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd -P)"
STATE_DIR="$ROOT/target/docker"
PID_FILE="$STATE_DIR/dockerd.pid"
LOG_FILE="$STATE_DIR/dockerd.log"
START_TIMEOUT_S="${SPILLWAY_ENGINE_START_TIMEOUT_S:-60}"

log() { echo "spillway: $*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@";
  elif command -v sudo >/dev/null 2>&1; then sudo "$@";
  else log "need root to run: $*"; return 1; fi
}

apt_install() {
  command -v apt-get >/dev/null 2>&1 || { log "apt-get not found: install $* by hand"; exit 1; }
  log "apt-get update"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
  log "apt-get install -y $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2
}

engine_answers() { docker info >/dev/null 2>&1; }

# The dockerd this checkout started, if it still runs: its pid, else nothing.
our_pid() {
  [ -f "$PID_FILE" ] || return 0
  local pid
  pid="$(cat "$PID_FILE")"
  if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q 'dockerd'; then
    echo "$pid"
  fi
}

ensure() {
  # dockerd comes only with the docker.io package; a docker client may already be installed on its own (e.g. a
  # static /usr/local/bin/docker), and any client of API 1.24 or later talks to docker.io's engine.
  if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
    apt_install docker.io
  fi
  if engine_answers; then
    return 0
  fi
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null 2>&1; then
    log "no Docker engine answers and starting dockerd needs root"; exit 1
  fi
  mkdir -p "$STATE_DIR"
  log "no Docker engine answers: starting dockerd in the background (log: ${LOG_FILE#"$ROOT"/})"
  # setsid: the daemon outlives this script and the terminal's signals; its stdout and stderr go to the log only.
  as_root setsid dockerd >"$LOG_FILE" 2>&1 < /dev/null &
  local launcher=$!
  local waited=0
  until engine_answers; do
    if ! kill -0 "$launcher" 2>/dev/null && ! pgrep -x dockerd >/dev/null 2>&1; then
      log "dockerd exited at start-up; the end of ${LOG_FILE#"$ROOT"/}:"; tail -n 20 "$LOG_FILE" >&2; exit 1
    fi
    if [ "$waited" -ge "$START_TIMEOUT_S" ]; then
      log "dockerd did not answer within ${START_TIMEOUT_S}s; the end of ${LOG_FILE#"$ROOT"/}:"
      tail -n 20 "$LOG_FILE" >&2; exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  # dockerd writes its own pid file; under sudo the launcher's pid is sudo's, not dockerd's
  local pid
  pid="$(cat /var/run/docker.pid 2>/dev/null || true)"
  [ -n "$pid" ] || pid="$launcher"
  echo "$pid" > "$PID_FILE"
  log "dockerd started (pid $pid) in ${waited}s; it keeps running: stop it with bin/spillway image --stop-engine"
}

stop() {
  local pid
  pid="$(our_pid)"
  if [ -z "$pid" ]; then
    rm -f "$PID_FILE"
    if engine_answers; then
      log "the Docker engine that answers was not started by this checkout: left running"
    else
      log "no Docker engine runs"
    fi
    return 0
  fi
  log "stopping dockerd (pid $pid, started by this checkout)"
  as_root kill -TERM "$pid"
  local waited=0
  while [ -d "/proc/$pid" ] && [ "$waited" -lt 30 ]; do sleep 1; waited=$((waited + 1)); done
  if [ -d "/proc/$pid" ]; then
    log "dockerd (pid $pid) still runs after 30 s; it was sent SIGTERM, look at ${LOG_FILE#"$ROOT"/}"; exit 1
  fi
  rm -f "$PID_FILE"
  log "dockerd stopped"
}

status() {
  local pid
  pid="$(our_pid)"
  if engine_answers; then
    local version
    version="$(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?')"
    echo "engine: answers (dockerd $version)${pid:+; pid $pid, started by this checkout}"
  else
    echo "engine: not answering"
    return 1
  fi
}

case "${1:-}" in
  ensure) ensure ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: deploy/image/engine.sh ensure|stop|status" >&2; exit 2 ;;
esac
