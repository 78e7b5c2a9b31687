#!/usr/bin/env bash
# Inline SST values vs BlobDB for 2 MiB blocks through NvmeTier (see docs/tier-nvme.md).
# Usage: tier-nvme/bench-blob-vs-sst.sh [MIB per run, default 384] [rounds, default 3]
# Cold read: each read runs in a fresh JVM after the data files were dropped from the page cache
# (posix_fadvise DONTNEED), so blocks come from the disk.
set -euo pipefail
cd "$(dirname "$0")/.."
MIB=${1:-384}
ROUNDS=${2:-3}
mvn -q -o -pl tier-nvme -am test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
T=tier-nvme/target
CP="$T/classes:$T/test-classes:$(cat $T/cp.txt)"
DIR=$T/bench-blob-vs-sst
run() { java -Xmx512m -Djava.io.tmpdir=$T -cp "$CP" io.spillway.tier.nvme.BlobVsSstBenchmark "$@"; }
drop_cache() {
  sync
  python3 -c 'import os,sys
for root,_,files in os.walk(sys.argv[1]):
    for f in files:
        fd=os.open(os.path.join(root,f),os.O_RDONLY); os.fsync(fd); os.posix_fadvise(fd,0,0,os.POSIX_FADV_DONTNEED); os.close(fd)' "$1"
}
for round in $(seq "$ROUNDS"); do
  for blob in false true; do
    run write "$DIR-$blob" "$blob" "$MIB"
    drop_cache "$DIR-$blob"
    run read "$DIR-$blob" "$blob"
    rm -rf "$DIR-$blob"
  done
done
