#!/usr/bin/env bash
# Builds libspillway_bridge.so into $1 (Maven runs this at compile time). Needs gcc (installed with apt-get when
# missing) and a JDK's JNI headers (JAVA_HOME, or the java on the PATH); no vendor SDK: the accelerator runtimes are
# reached through dlopen.
set -euo pipefail
out="$1"
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/tools.sh"
require_gcc
jdk="$(jni_home)"
mkdir -p "$out"
gcc -std=c11 -O2 -Wall -Wextra -Wno-unused-parameter -Werror -fPIC -shared \
  -I"$jdk/include" -I"$jdk/include/linux" -o "$out/libspillway_bridge.so" "$here/spillway_bridge.c" -ldl -lpthread -lrt
