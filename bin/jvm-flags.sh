# shellcheck shell=bash disable=SC2034 # FLAGS and NODE_FLAGS are for the scripts that source this file
# The JVM flags of every Spillway process, in one place: sourced by bin/spillway (server, router, agent, cluster,
# bench, demo) and by the container image's entry point (deploy/image/entrypoint.sh, copied into the image beside
# it), so a node started from a checkout and a node started from the image run with the same options.
# Defines functions only; needs bash 4+ and coreutils.

# spillway_cpus: the CPUs this process may use, as the JVM counts them (Runtime.availableProcessors, what
# io.spillway.server.NodeJvmOptions decides on): the affinity mask (nproc), lowered by a cgroup CPU quota when there
# is one (a container's --cpus or a Kubernetes CPU limit; cgroup v2 cpu.max or v1 cpu.cfs_quota_us), rounded up.
spillway_cpus() {
  local n quota="" period=""
  n="$(nproc 2>/dev/null || echo 1)"
  if [ -r /sys/fs/cgroup/cpu.max ]; then
    read -r quota period < /sys/fs/cgroup/cpu.max || true
  elif [ -r /sys/fs/cgroup/cpu/cpu.cfs_quota_us ] && [ -r /sys/fs/cgroup/cpu/cpu.cfs_period_us ]; then
    quota="$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)"
    period="$(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"
  fi
  case "$quota" in
    ''|max|-*) ;;
    *)
      if [ "${period:-0}" -gt 0 ] 2>/dev/null; then
        local q=$(( (quota + period - 1) / period ))
        [ "$q" -ge 1 ] && [ "$q" -lt "$n" ] && n="$q"
      fi
      ;;
  esac
  echo "$n"
}

# spillway_jvm_flags MAJOR TMPDIR DJL_CACHE_DIR: sets the array FLAGS to the flags every Spillway process needs,
# for a JVM of major version MAJOR: Aeron (jdk.internal.misc), Ignite 2.17's reflective access, and on JDK 22+ native
# access for Netty, RocksDB, LZ4 and the project's JNI library; TMPDIR is where native libraries are unpacked
# (java.io.tmpdir, JNA), DJL_CACHE_DIR where the router's tokenizers keep theirs.
spillway_jvm_flags() {
  local major="$1" tmp="$2" djl="$3"
  FLAGS=(--add-exports java.base/jdk.internal.misc=ALL-UNNAMED)
  local p
  for p in jdk.internal.access jdk.internal.misc sun.nio.ch sun.util.calendar \
      sun.reflect.generics.reflectiveObjects java.io java.nio java.net java.util java.util.concurrent \
      java.util.concurrent.locks java.util.concurrent.atomic java.lang java.lang.invoke java.math \
      java.lang.reflect java.time java.text; do
    FLAGS+=("--add-opens=java.base/$p=ALL-UNNAMED")
  done
  FLAGS+=(--add-opens=java.management/com.sun.jmx.mbeanserver=ALL-UNNAMED
    --add-opens=java.management/sun.management=ALL-UNNAMED
    --add-opens=jdk.internal.jvmstat/sun.jvmstat.monitor=ALL-UNNAMED
    --add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED
    --add-opens=java.sql/java.sql=ALL-UNNAMED
    --add-opens=java.desktop/java.awt.font=ALL-UNNAMED)
  if [ "$major" -ge 22 ]; then
    FLAGS+=(--enable-native-access=ALL-UNNAMED)
  fi
  # Transparent huge pages for the heap where the kernel offers them: the router's block-location index is a large
  # table read at random, and 2 MiB pages spare it most TLB misses (docs/events.md, "Index").
  if grep -qs '\[always\]\|\[madvise\]' /sys/kernel/mm/transparent_hugepage/enabled; then
    FLAGS+=(-XX:+UseTransparentHugePages)
  fi
  FLAGS+=("-Djava.io.tmpdir=$tmp" "-DDJL_CACHE_DIR=$djl" "-Djna.tmpdir=$tmp")
}

# spillway_node_jit_flags: sets the array NODE_FLAGS to the JIT of a node, the rule of
# io.spillway.server.NodeJvmOptions: C1 only (-XX:TieredStopAtLevel=1) on at most 2 CPUs (C2's compiles cost a node
# more than they gain there; docs/operations.md), else the JVM's default; SPILLWAY_NODE_JIT=c1|c2|auto overrides.
# Returns 2 (with a message on stderr) for any other value of SPILLWAY_NODE_JIT.
spillway_node_jit_flags() {
  NODE_FLAGS=()
  case "${SPILLWAY_NODE_JIT:-auto}" in
    c1|C1) NODE_FLAGS=(-XX:TieredStopAtLevel=1) ;;
    c2|C2) ;;
    auto|"") if [ "$(spillway_cpus)" -le 2 ]; then NODE_FLAGS=(-XX:TieredStopAtLevel=1); fi ;;
    *) echo "spillway: SPILLWAY_NODE_JIT must be auto, c1 or c2, got '$SPILLWAY_NODE_JIT'" >&2; return 2 ;;
  esac
}
