#!/bin/bash
# The entry point of Spillway's image (/opt/spillway/bin/spillway, under tini): the same JVMs bin/spillway starts,
# with the flags of bin/jvm-flags.sh (copied beside this script).
#
#   node [flags]      a node, io.spillway.server.ServerMain (bin/spillway server's flags; the default command)
#   router [flags]    the router, io.spillway.router.RouterMain
#   agent [flags]     the agent beside one vLLM worker, io.spillway.bridge.agent.AgentCommand
#   cluster [args]    the cluster CLI, io.spillway.server.cluster.ClusterMain (status, tenants, quota)
#   certs [flags]     keeps the CA and certificate Secrets, io.spillway.certs.CertsCommand (the chart's hook Job)
#   health            the image's HEALTHCHECK: a node's /ready, the router's /health; 0 for the others
#   anything else     run as a command (e.g. bash)
#
# Environment: SPILLWAY_JAVA_OPTS (extra JVM options, e.g. -Xmx4g -XX:MaxDirectMemorySize=24g),
# SPILLWAY_NODE_JIT=auto|c1|c2, SPILLWAY_TMP_DIR (where native libraries are unpacked; /tmp), and every spillway.*
# setting under its environment name (docs/operations.md): the image sets SPILLWAY_SERVER_BIND=0.0.0.0 and
# SPILLWAY_SERVER_DATA_DIR=/var/lib/spillway/data.
set -euo pipefail

SPILLWAY_DIR=/opt/spillway
DATA_DIR="${SPILLWAY_SERVER_DATA_DIR:-/var/lib/spillway/data}"

# shellcheck source=bin/jvm-flags.sh # (run from the repository root)
. "$SPILLWAY_DIR/bin/jvm-flags.sh"

usage() {
  sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

# The major version of the image's JVM, from its release file (no JVM started for it).
java_major() {
  local v
  v="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "${JAVA_HOME:-/usr/lib/jvm/default-java}/release" 2>/dev/null)"
  echo "${v:-17}"
}

# Whether native libraries can be loaded from files under $1: writable, and not on a noexec mount (Docker's
# --tmpfs is noexec unless told `exec`; RocksDB, Netty and LZ4 unpack their libraries there and dlopen them).
loadable_dir() {
  local dir="$1" best="" opts="" mnt o
  [ -d "$dir" ] && [ -w "$dir" ] || return 1
  while read -r _ mnt _ o _; do
    case "$dir/" in "$mnt"/*|"$mnt"/) if [ "${#mnt}" -ge "${#best}" ]; then best="$mnt"; opts="$o"; fi ;; esac
  done < /proc/self/mounts
  case ",$opts," in *,noexec,*) return 1 ;; esac
  return 0
}

# $1: the main class; the rest: its arguments
run_java() {
  local main="$1"
  shift
  local tmp="${SPILLWAY_TMP_DIR:-/tmp}" extra=()
  if ! loadable_dir "$tmp"; then
    # a read-only root filesystem with no tmpfs on /tmp, or a noexec one: unpack into the data volume instead
    local fallback="$DATA_DIR/.tmp"
    mkdir -p "$fallback"
    echo "spillway: $tmp is not writable or is mounted noexec (use --tmpfs /tmp:rw,exec): using $fallback" >&2
    [ -w "$tmp" ] || extra+=(-XX:-UsePerfData) # hsperfdata always goes to /tmp
    tmp="$fallback"
  fi
  spillway_jvm_flags "$(java_major)" "$tmp" "$tmp/djl"
  local cp
  cp="$(cat "$SPILLWAY_DIR/lib/classpath.txt")"
  # shellcheck disable=SC2086 # SPILLWAY_JAVA_OPTS is a list of options
  exec java "${FLAGS[@]}" ${NODE_FLAGS[@]+"${NODE_FLAGS[@]}"} ${extra[@]+"${extra[@]}"} ${SPILLWAY_JAVA_OPTS:-} \
    -cp "$cp" "$main" "$@"
}

# The HTTP probe: GET $2 on 127.0.0.1 (or the node's bind address) port $1 over bash's /dev/tcp, healthy on 200.
probe() {
  local port="$1" path="$2" host="127.0.0.1" status=""
  case "${SPILLWAY_SERVER_BIND:-0.0.0.0}" in 0.0.0.0|::|"") ;; *) [ "$path" = /ready ] && host="$SPILLWAY_SERVER_BIND" ;; esac
  { exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null || { echo "unhealthy: nothing listens on $host:$port"; exit 1; }
  printf 'GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$path" "$host" >&3
  IFS= read -r -t 5 status <&3 2>/dev/null || true
  exec 3<&-
  case "$status" in
    "HTTP/1."?" 200"*) exit 0 ;;
    *) echo "unhealthy: GET $path on $host:$port answered '${status%$'\r'}'"; exit 1 ;;
  esac
}

# Finds the JVM this container runs (its main class and --http-port flag) and probes its endpoint.
health() {
  local f arg main="" port="" prev=""
  for f in /proc/[0-9]*/cmdline; do
    main=""; port=""; prev=""
    while IFS= read -r -d '' arg; do
      case "$arg" in
        io.spillway.server.ServerMain|io.spillway.router.RouterMain) main="$arg" ;;
        --http-port=*) port="${arg#--http-port=}" ;;
      esac
      [ "$prev" = --http-port ] && port="$arg"
      prev="$arg"
    done < "$f" 2>/dev/null || true
    [ -n "$main" ] && break
  done
  case "$main" in
    io.spillway.server.ServerMain) probe "${port:-${SPILLWAY_SERVER_HTTP_PORT:-7602}}" /ready ;;
    io.spillway.router.RouterMain) probe "${port:-${SPILLWAY_ROUTER_HTTP_PORT:-9090}}" /health ;;
    *) exit 0 ;; # the agent and the CLI serve no HTTP: healthy while they run
  esac
}

cmd="${1:-node}"
[ $# -gt 0 ] && shift
case "$cmd" in
  node|server)
    spillway_node_jit_flags || exit 2
    run_java io.spillway.server.ServerMain "$@" ;;
  router) run_java io.spillway.router.RouterMain "$@" ;;
  agent) run_java io.spillway.bridge.agent.AgentCommand "$@" ;;
  cluster) run_java io.spillway.server.cluster.ClusterMain "$@" ;;
  certs) run_java io.spillway.certs.CertsCommand "$@" ;;
  health) health ;;
  help|-h|--help) usage ;;
  *) exec "$cmd" "$@" ;;
esac
