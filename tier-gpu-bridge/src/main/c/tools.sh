# Sourced by build.sh and ../../test/c/sanitize.sh: finds a JDK's JNI headers and installs missing Debian packages.

# apt_install PACKAGE...: installs them with apt-get (as root, or through sudo); fails with a message where it cannot.
apt_install() {
  command -v apt-get >/dev/null 2>&1 || { echo "tier-gpu-bridge: apt-get not found: install $* by hand" >&2; return 1; }
  local run=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "tier-gpu-bridge: need root (or sudo) to install $*" >&2; return 1; }
    run=(sudo)
  fi
  echo "tier-gpu-bridge: apt-get install -y $*" >&2
  "${run[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 || true
  "${run[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2
}

# require_gcc: gcc and the C library's headers, installed when missing.
require_gcc() {
  if ! command -v gcc >/dev/null 2>&1; then
    apt_install gcc libc6-dev || { echo "tier-gpu-bridge: gcc is needed to build the native bridge" >&2; exit 1; }
  fi
}

# jni_home: a JDK with include/jni.h (JAVA_HOME, or the javac/java on the PATH); exits when there is none.
jni_home() {
  local jdk="${JAVA_HOME:-}"
  if [ -z "$jdk" ] || [ ! -f "$jdk/include/jni.h" ]; then
    jdk="$(dirname "$(dirname "$(readlink -f "$(command -v javac || command -v java)")")")"
  fi
  [ -f "$jdk/include/jni.h" ] || { echo "tier-gpu-bridge: no jni.h under $jdk/include (set JAVA_HOME to a JDK)" >&2; exit 1; }
  echo "$jdk"
}
