#!/usr/bin/env bash
# Builds libspillway_bridge.so into $1 (Maven runs this at compile time). Needs gcc and a JDK's JNI headers
# (JAVA_HOME, or the java on the PATH); no vendor SDK: the accelerator runtimes are reached through dlopen.
set -euo pipefail
out="$1"
here="$(cd "$(dirname "$0")" && pwd)"
command -v gcc >/dev/null 2>&1 || { echo "tier-gpu-bridge: gcc is needed to build the native bridge (bin/spillway installs it)" >&2; exit 1; }
jdk="${JAVA_HOME:-}"
if [ -z "$jdk" ] || [ ! -f "$jdk/include/jni.h" ]; then
  jdk="$(dirname "$(dirname "$(readlink -f "$(command -v javac || command -v java)")")")"
fi
[ -f "$jdk/include/jni.h" ] || { echo "tier-gpu-bridge: no jni.h under $jdk/include (set JAVA_HOME to a JDK)" >&2; exit 1; }
mkdir -p "$out"
gcc -std=c11 -O2 -Wall -Wextra -Wno-unused-parameter -Werror -fPIC -shared \
  -I"$jdk/include" -I"$jdk/include/linux" -o "$out/libspillway_bridge.so" "$here/spillway_bridge.c" -ldl -lpthread -lrt
