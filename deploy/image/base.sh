#!/usr/bin/env bash
# Builds the base image of Spillway's image from Debian's packages alone, with no registry:
#   debootstrap --variant=minbase of a pinned suite, then that suite's -updates and -security, then the packages of
#   deploy/image/base-packages.txt (the JRE, CA certificates, tini), cleaned of apt's lists and caches, docs and man
#   pages, with the user the product runs as (spillway, uid and gid 10001); `docker import` makes it an image.
#
#   deploy/image/base.sh [--rebuild]
#
# The tag is spillway-base:<suite>-<hash>, the hash over the suite, base-packages.txt and this script: a base
# whose tag is present is reused, so only a change of those inputs builds a new one (--rebuild forces it, e.g. for
# the security updates published since). Prints the tag on stdout (progress goes to stderr; the whole log to
# target/image/base.log). Needs root (debootstrap, chroot), a Docker engine (deploy/image/engine.sh ensure) and
# Debian's mirrors; installs debootstrap when it is missing. Takes a few minutes: most of it is downloading and
# configuring the JRE's packages.
#
# Environment: SPILLWAY_BASE_SUITE (bookworm), SPILLWAY_DEBIAN_MIRROR (http://deb.debian.org/debian),
# SPILLWAY_DEBIAN_SECURITY_MIRROR (http://deb.debian.org/debian-security).
set -euo pipefail

SCRIPT="$(readlink -f "${BASH_SOURCE[0]}")"
HERE="$(dirname "$SCRIPT")"
ROOT="$(cd "$HERE/../.." && pwd -P)"
SUITE="${SPILLWAY_BASE_SUITE:-bookworm}"
MIRROR="${SPILLWAY_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${SPILLWAY_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
PACKAGES_FILE="$HERE/base-packages.txt"
WORK="$ROOT/target/image/base"
ROOTFS="$WORK/rootfs"
DEB_CACHE="$ROOT/target/image/debootstrap-cache"
LOG_FILE="$ROOT/target/image/base.log"
SPILLWAY_UID=10001

log() { echo "spillway: $*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@";
  elif command -v sudo >/dev/null 2>&1; then sudo "$@";
  else log "need root to run: $*"; return 1; fi
}

REBUILD=0
case "${1:-}" in
  --rebuild) REBUILD=1 ;;
  "") ;;
  *) echo "usage: deploy/image/base.sh [--rebuild]" >&2; exit 2 ;;
esac

mapfile -t PACKAGES < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$PACKAGES_FILE")
HASH="$( { echo "suite=$SUITE"; cat "$PACKAGES_FILE" "$SCRIPT"; } | sha256sum | cut -c1-12)"
TAG="spillway-base:$SUITE-$HASH"

if [ "$REBUILD" = 0 ] && docker image inspect "$TAG" >/dev/null 2>&1; then
  log "base image $TAG present: reused (its inputs have not changed; deploy/image/base.sh --rebuild makes a new one)"
  echo "$TAG"
  exit 0
fi

if ! command -v debootstrap >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || { log "debootstrap not found and no apt-get to install it"; exit 1; }
  log "apt-get install -y debootstrap"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >&2
fi

mkdir -p "$WORK" "$DEB_CACHE"
: > "$LOG_FILE"
exec 8>"$ROOT/target/image/.base.lock"
flock 8

unmount_all() {
  local m
  for m in "$ROOTFS/proc" "$ROOTFS/sys"; do
    if mountpoint -q "$m" 2>/dev/null; then as_root umount -l "$m" || true; fi
  done
}
cleanup() {
  unmount_all
  # the root filesystem is a few hundred MB under target/: gone once imported, or after a failure
  if [ -d "$ROOTFS" ]; then as_root rm -rf --one-file-system "$ROOTFS"; fi
}
trap cleanup EXIT

# Shows a long command's progress without its hundreds of lines: every line goes to the log; the console gets the
# warnings, errors and summaries, and for the per-package steps (debootstrap's Retrieving/Validating/Extracting/
# Unpacking/Configuring, apt's Get/Unpacking/Setting up) a line when a step starts and every 25 packages after.
progress() {
  local line verb
  local -A count=()
  local -a order=()
  while IFS= read -r line; do
    printf '%s\n' "$line" >> "$LOG_FILE"
    verb=""
    case "$line" in
      "I: Retrieving "*|"I: Validating "*|"I: Extracting "*|"I: Unpacking "*|"I: Configuring "*)
        verb="${line#I: }"; verb="${verb%% *}" ;;
      Get:*) verb="Downloading" ;;
      "Unpacking "*) verb="Unpacking" ;;
      "Setting up "*) verb="Setting-up" ;;
      "Preparing to unpack"*|"Selecting previously"*|"Processing triggers"*) continue ;;
    esac
    if [ -n "$verb" ]; then
      if [ -z "${count[$verb]:-}" ]; then count[$verb]=0; order+=("$verb"); fi
      count[$verb]=$(( ${count[$verb]} + 1 ))
      if [ "${count[$verb]}" = 1 ] || [ $(( ${count[$verb]} % 25 )) = 0 ]; then
        printf '    %-12s %4d packages (%ds)\n' "$verb" "${count[$verb]}" "$SECONDS" >&2
      fi
      continue
    fi
    case "$line" in
      "I: Base system installed"*|"I: Checking"*|"I: Resolving"*|W:*|E:*|*"newly installed"*|"Need to get"*|Fetched*|Err*)
        printf '    %s\n' "$line" >&2 ;;
    esac
  done
  if [ "${#order[@]}" -gt 0 ]; then
    local summary="" v
    for v in "${order[@]}"; do summary+="${summary:+, }$v ${count[$v]}"; done
    printf '    done: %s (%ds)\n' "$summary" "$SECONDS" >&2
  fi
  return 0
}

# $@: a command whose output goes through progress(); on failure, the end of the log
run_logged() {
  local rc
  set +e
  "$@" 2>&1 | progress
  rc="${PIPESTATUS[0]}"
  set -e
  if [ "$rc" != 0 ]; then
    log "failed (exit $rc): $*; the end of ${LOG_FILE#"$ROOT"/}:"
    tail -n 25 "$LOG_FILE" >&2
    exit "$rc"
  fi
}

in_root() {
  as_root chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"
}

# apt-get in the new root, without a pseudo-terminal for dpkg's log (the chroot has no /dev/pts)
apt_in_root() {
  in_root apt-get -o Dpkg::Use-Pty=0 "$@"
}

SECONDS=0
log "building base image $TAG from Debian $SUITE (a few minutes; the whole log: ${LOG_FILE#"$ROOT"/})"
unmount_all
[ -d "$ROOTFS" ] && as_root rm -rf --one-file-system "$ROOTFS"

log "[base 1/4] debootstrap --variant=minbase $SUITE ($MIRROR)"
run_logged as_root debootstrap --variant=minbase --components=main --cache-dir="$DEB_CACHE" "$SUITE" "$ROOTFS" "$MIRROR"

log "[base 2/4] apt: $SUITE-updates and $SUITE-security, then ${PACKAGES[*]} ($((SECONDS))s so far)"
as_root tee "$ROOTFS/etc/apt/sources.list" >/dev/null <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
EOF
# no daemon is to start while packages install
printf '#!/bin/sh\nexit 101\n' | as_root tee "$ROOTFS/usr/sbin/policy-rc.d" >/dev/null
as_root chmod 755 "$ROOTFS/usr/sbin/policy-rc.d"
# the JRE's configuration (ca-certificates-java runs java) needs /proc
as_root mount -t proc proc "$ROOTFS/proc"
run_logged apt_in_root update -q
run_logged apt_in_root upgrade -y -q
run_logged apt_in_root install -y -q --no-install-recommends "${PACKAGES[@]}"
in_root java -version >> "$LOG_FILE" 2>&1 || { log "java does not run in the new root filesystem"; exit 1; }
log "    $(in_root java -version 2>&1 | head -n 1)"
apt_in_root clean
unmount_all

log "[base 3/4] trim: apt lists and caches, logs, docs (copyright files kept), man pages, locales; user spillway ($SPILLWAY_UID) ($((SECONDS))s so far)"
in_root groupadd --gid "$SPILLWAY_UID" spillway
in_root useradd --uid "$SPILLWAY_UID" --gid "$SPILLWAY_UID" --home-dir /var/lib/spillway --no-create-home \
  --shell /usr/sbin/nologin spillway
as_root install -d -o "$SPILLWAY_UID" -g "$SPILLWAY_UID" -m 0755 "$ROOTFS/var/lib/spillway" "$ROOTFS/var/lib/spillway/data"
as_root rm -f "$ROOTFS/usr/sbin/policy-rc.d" "$ROOTFS/etc/resolv.conf" "$ROOTFS/etc/hostname"
as_root rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/* "$ROOTFS"/var/cache/debconf/*-old \
  "$ROOTFS"/var/lib/dpkg/*-old "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/* "$ROOTFS"/usr/share/lintian \
  "$ROOTFS"/tmp/* "$ROOTFS"/root/.cache
as_root find "$ROOTFS/var/log" -type f -delete
as_root find "$ROOTFS/usr/share/doc" -type f ! -name copyright -delete
as_root find "$ROOTFS/usr/share/doc" -mindepth 1 -type d -empty -delete
as_root find "$ROOTFS/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
: | as_root tee "$ROOTFS/etc/machine-id" >/dev/null

log "[base 4/4] docker import -> $TAG ($((SECONDS))s so far)"
JAVA_HOME_IN_IMAGE=""
for d in "$ROOTFS"/usr/lib/jvm/java-17-openjdk-*; do JAVA_HOME_IN_IMAGE="${d#"$ROOTFS"/}"; break; done
[ -d "$ROOTFS/$JAVA_HOME_IN_IMAGE" ] || { log "no JRE under usr/lib/jvm in the new root filesystem"; exit 1; }
as_root tar -C "$ROOTFS" --numeric-owner --exclude='./proc/*' --exclude='./sys/*' --exclude='./dev/*' -c . \
  | docker import \
      --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
      --change "ENV LANG=C.UTF-8" \
      --change "ENV JAVA_HOME=/$JAVA_HOME_IN_IMAGE" \
      --change "LABEL io.spillway.base.suite=$SUITE io.spillway.base.inputs=$HASH io.spillway.base.packages=$(IFS=,; echo "${PACKAGES[*]}")" \
      --change "CMD [\"/bin/bash\"]" \
      --message "debootstrap --variant=minbase $SUITE + ${PACKAGES[*]} (deploy/image/base.sh)" \
      - "$TAG" >> "$LOG_FILE"
log "base image $TAG built in ${SECONDS}s ($(docker image inspect --format '{{.Size}}' "$TAG" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
echo "$TAG"
