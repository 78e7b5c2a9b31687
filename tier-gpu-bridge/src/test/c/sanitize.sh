#!/usr/bin/env bash
# The bridge's C library under AddressSanitizer (with LeakSanitizer) and UndefinedBehaviorSanitizer: builds it with
# -fsanitize=address,undefined together with bridge_sanitized_test.c (a C driver with a JNIEnv of its own, so no JVM
# runs under the sanitizers) into $1, and runs it. Any sanitizer report or failed check exits non-zero, and Maven's
# build fails (exec-maven-plugin at `test`; -DskipTests skips it). Installs gcc and the sanitizer runtimes with
# apt-get on a Debian machine that lacks them.
set -euo pipefail
out="$1"
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/../../main/c"
. "$src/tools.sh"
require_gcc
jdk="$(jni_home)"
mkdir -p "$out"
probe="$out/probe"
if ! echo 'int main(void) { return 0; }' | gcc -x c -fsanitize=address,undefined -o "$probe" - 2>/dev/null; then
  gcc_major="$(gcc -dumpversion | cut -d. -f1)"
  apt_install "libgcc-${gcc_major}-dev" libasan8 libubsan1 || apt_install "libgcc-${gcc_major}-dev"
  echo 'int main(void) { return 0; }' | gcc -x c -fsanitize=address,undefined -o "$probe" - \
    || { echo "tier-gpu-bridge: gcc cannot link -fsanitize=address,undefined here" >&2; exit 1; }
fi
rm -f "$probe"
flags=(-std=c11 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
       -Wall -Wextra -Wno-unused-parameter -Werror -I"$jdk/include" -I"$jdk/include/linux")
gcc "${flags[@]}" -D'BRIDGE_EUID()=bridge_test_euid()' -include "$here/bridge_test_euid.h" \
  -o "$out/bridge_sanitized_test" "$src/spillway_bridge.c" "$here/bridge_sanitized_test.c" -ldl -lpthread -lrt
# fake CUDA and HIP runtimes (fake_gpu_runtime.c); libcuda.so.1, the driver the bridge dlopens by name, is the fake
# cudart itself, found through LD_LIBRARY_PATH
fake=(-std=c11 -g -O1 -fPIC -shared -Wall -Wextra -Wno-unused-parameter -Werror)
gcc "${fake[@]}" -o "$out/libfakecudart.so" "$here/fake_gpu_runtime.c"
ln -sf libfakecudart.so "$out/libcuda.so.1"
gcc "${fake[@]}" -DFAKE_HIP -o "$out/libfakehip.so" "$here/fake_gpu_runtime.c"
gcc "${fake[@]}" -DFAKE_HIP -DFAKE_NO_RANGE -o "$out/libfakehip-norange.so" "$here/fake_gpu_runtime.c"
export BRIDGE_FAKE_GPU_DIR="$out"
export LD_LIBRARY_PATH="$out${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# halt at the first report; LeakSanitizer at exit; a report's exit code is non-zero
ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:abort_on_error=0:exitcode=23:strict_string_checks=1:detect_stack_use_after_return=1" \
UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=24" \
  "$out/bridge_sanitized_test"
