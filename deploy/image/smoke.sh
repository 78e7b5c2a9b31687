#!/usr/bin/env bash
# A check of the image with no Maven and no JDK on the host: one node container as the docs run it (read-only root
# filesystem, tmpfs /tmp, 256 MB of /dev/shm), its /ready polled on 127.0.0.1 until it answers 200, the seconds
# printed; then the image's health check, the other entry points (router, agent, cluster and certs print their usage) and
# a graceful stop (SIGTERM: the node drains and exits 143). Removes what it started, whatever happens.
#
#   deploy/image/smoke.sh [--cluster] [IMAGE]
#
# IMAGE: spillway:latest by default. --cluster: the node runs as a lone cluster member (embedded Ignite, its own
# name as the seed: in a container the default seeds, 127.0.0.1:47500..47509, are not the node's own address).
#
# Environment: SPILLWAY_SMOKE_READY_S (20: the most seconds from `docker run` to /ready before it fails).
# Exits 0 when every step passed. Needs a Docker engine that answers (deploy/image/engine.sh ensure starts one).
set -euo pipefail

NAME="spillway-smoke-$$"
# plaintext, said explicitly (the node's default is mtls, which needs certificate files)
NODE_ARGS=(--set spillway.security.mode=none)
if [ "${1:-}" = --cluster ]; then
  NODE_ARGS+=(--cluster --seeds "$NAME:47500")
  shift
fi
IMAGE="${1:-spillway:latest}"
LIMIT_S="${SPILLWAY_SMOKE_READY_S:-20}"
# shellcheck disable=SC2054 # the commas are tmpfs mount options
RUN_OPTS=(--shm-size=256m --read-only --tmpfs /tmp:rw,exec,size=256m)

say() { echo "smoke: $*"; }
fail() { echo "smoke: FAILED: $*" >&2; docker logs "$NAME" 2>&1 | tail -n 30 | sed 's/^/  | /' >&2 || true; exit 1; }
cleanup() { docker rm -f -v "$NAME" >/dev/null 2>&1 || true; }
trap cleanup EXIT

docker info >/dev/null 2>&1 || { echo "smoke: no Docker engine answers (deploy/image/engine.sh ensure)" >&2; exit 1; }
docker image inspect "$IMAGE" >/dev/null 2>&1 || { echo "smoke: no image $IMAGE (bin/spillway image)" >&2; exit 1; }

# GET $2 on 127.0.0.1:$1 through bash's /dev/tcp (no curl needed): prints the status code, or nothing
http_status() {
  local line=""
  { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 0
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$2" >&3
  IFS= read -r -t 2 line <&3 2>/dev/null || true
  exec 3<&-
  line="${line#HTTP/1.? }"
  echo "${line%% *}"
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

say "docker run -d ${RUN_OPTS[*]} -p 127.0.0.1::7602 $IMAGE node${NODE_ARGS[*]+ ${NODE_ARGS[*]}}"
start_ms="$(now_ms)"
docker run -d --name "$NAME" --hostname "$NAME" "${RUN_OPTS[@]}" -p 127.0.0.1::7602 "$IMAGE" node ${NODE_ARGS[@]+"${NODE_ARGS[@]}"} >/dev/null
port="$(docker port "$NAME" 7602/tcp | sed -n 's/^127\.0\.0\.1:\([0-9]*\)$/\1/p' | head -n 1)"
[ -n "$port" ] || fail "no host port for 7602"
ready_ms=""
while [ $(( $(now_ms) - start_ms )) -lt $(( LIMIT_S * 1000 )) ]; do
  [ "$(docker inspect --format '{{.State.Running}}' "$NAME")" = true ] || fail "the node exited"
  if [ "$(http_status "$port" /ready)" = 200 ]; then ready_ms="$(now_ms)"; break; fi
  sleep 0.1
done
[ -n "$ready_ms" ] || fail "/ready did not answer 200 within ${LIMIT_S}s"
elapsed_ms=$((ready_ms - start_ms))
printf 'smoke: node /ready 200 after %d.%03d s (docker run to first 200 on 127.0.0.1:%s; limit %ss)\n' \
  $((elapsed_ms / 1000)) $((elapsed_ms % 1000)) "$port" "$LIMIT_S"

docker exec "$NAME" /opt/spillway/bin/spillway health >/dev/null || fail "the image's health check fails on a ready node"
say "health check (docker exec ... spillway health): healthy"
[ -z "$(docker diff "$NAME")" ] || fail "the node changed its root filesystem: $(docker diff "$NAME" | head -n 5)"

for cmd in router agent cluster certs; do
  out="$(docker run --rm "${RUN_OPTS[@]}" --network none "$IMAGE" "$cmd" --help 2>&1)" \
    || { echo "$out" | tail -n 10 >&2; fail "$cmd --help"; }
  say "$cmd --help: $(echo "$out" | head -n 1 | cut -c1-70)"
done

docker stop -t 30 "$NAME" >/dev/null
code="$(docker inspect --format '{{.State.ExitCode}}' "$NAME")"
[ "$code" = 143 ] || fail "docker stop: exit status $code, expected 143 (a drained node)"
say "docker stop: drained, exit 143"
say "passed"
