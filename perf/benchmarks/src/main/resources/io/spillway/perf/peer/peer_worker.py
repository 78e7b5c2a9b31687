"""Drives a peer store through its own Python client for `bench compare`, a slice of a phase at a time.

The Java harness starts this once per peer and talks to it over stdin/stdout, one command a line:

  preload BLOCKS BLOCK_BYTES BATCH                         -> ok SECONDS | fail MESSAGE
  slice READ BATCH BLOCKS BLOCK_BYTES WARMUP_MS DURATION_MS FRESH_BASE
                                                           -> the slice's figures (below), then "end" | fail MESSAGE
  quit

A slice runs in every worker process at once (--processes, one client each: the peer's users run one client per
process, and Python threads would share one GIL), closed loop, one request in flight per process, exactly as the
Java harness drives Spillway and Redis: GET picks a random block of the working set [0, BLOCKS), batch GET a run of
BATCH consecutive ids, PUT writes fresh ids from FRESH_BASE up. Latency covers the client call only; stamping a
block before a put and checking one after a get happen outside it. Every block read is checked against the bench's
block pattern (io.spillway.perf.harness.BlockPattern: a 16-byte header of id, length and magic, and up to 8 probe
words that are a function of the id), which this file implements a second time, byte for byte.

Figures of a slice, one line each: "get|put REQUESTS BLOCKS BYTES MISSES REFUSED VERIFY_FAILURES", "errors N",
optionally "first-error TEXT", "lat-get NANOS..." and "lat-put NANOS..." (every measured request), "seconds S".

--store mooncake: Mooncake Store (mooncake.store.MooncakeDistributedStore over its TCP transport: get_into,
batch_get_into and put_from on a registered buffer, the client's zero-copy calls; batch_put_from for the preload).
--self-check: stamps and checks blocks with this file's pattern only (no store), for the tests.
"""
import argparse
import ctypes
import multiprocessing as mp
import os
import random
import struct
import sys
import time
import traceback

HEADER_BYTES = 16
PROBES = 8
MAGIC = 0x5350_4C57
MASK = (1 << 64) - 1
NOT_FOUND = -704  # Mooncake's OBJECT_NOT_FOUND


# ---- the bench's block pattern (io.spillway.perf.harness.BlockPattern) ----

def probe_count(length):
    return min(PROBES, (length - HEADER_BYTES) // 8)


def probe_index(length, probes, i):
    words = (length - HEADER_BYTES) // 8
    stride = words // probes
    word = words - 1 if i == probes - 1 else i * stride
    return HEADER_BYTES + word * 8


def probe_value(block_id, i):
    z = (block_id * 0x9E3779B97F4A7C15 + (i + 1) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def stamp(view, offset, block_id, length):
    struct.pack_into("<qii", view, offset, block_id, length, MAGIC)
    probes = probe_count(length)
    for i in range(probes):
        struct.pack_into("<Q", view, offset + probe_index(length, probes, i), probe_value(block_id, i))


def check(view, offset, block_id, length, got):
    """None when view[offset:offset+got] holds block block_id of length bytes, else what is wrong."""
    if got != length:
        return "block %d: length %d, expected %d" % (block_id, got, length)
    got_id, got_length, magic = struct.unpack_from("<qii", view, offset)
    if magic != MAGIC:
        return "block %d: no block header" % block_id
    if got_id != block_id:
        return "block %d: holds block %d" % (block_id, got_id)
    if got_length != length:
        return "block %d: header length %d, expected %d" % (block_id, got_length, length)
    probes = probe_count(length)
    for i in range(probes):
        at = probe_index(length, probes, i)
        if struct.unpack_from("<Q", view, offset + at)[0] != probe_value(block_id, i):
            return "block %d: wrong bytes at offset %d" % (block_id, at)
    return None


def key(block_id):
    return "sw:%d" % block_id


# ---- one store client per process ----

class MooncakeClient:
    """One MooncakeDistributedStore client: no memory of its own (global segment 0), TCP transport, reading into and
    writing from one registered buffer of BATCH blocks."""

    def __init__(self, args, capacity):
        from mooncake.store import MooncakeDistributedStore
        self.store = MooncakeDistributedStore()
        rc = self.store.setup("127.0.0.1", args.metadata, 0, 16 * 1024 * 1024, "tcp", "", args.master)
        if rc != 0:
            raise RuntimeError("MooncakeDistributedStore.setup returned %d (master %s, metadata %s)"
                               % (rc, args.master, args.metadata))
        self.capacity = 0
        self.ensure_capacity(capacity)

    def ensure_capacity(self, capacity):
        """One registered buffer of at least capacity bytes, filled with random bytes once (the block template)."""
        if capacity <= self.capacity:
            return
        if self.capacity:
            self.store.unregister_buffer(self.base)
        self.buffer = ctypes.create_string_buffer(capacity)
        self.base = ctypes.addressof(self.buffer)
        ctypes.memmove(self.base, os.urandom(capacity), capacity)
        rc = self.store.register_buffer(self.base, capacity)
        if rc != 0:
            raise RuntimeError("register_buffer of %d bytes returned %d" % (capacity, rc))
        self.capacity = capacity
        self.view = memoryview(self.buffer).cast("B")

    def put(self, ids, length):
        """Stores ids[i] from slot i; returns how many were stored and the first error code seen (0 if none)."""
        if len(ids) == 1:
            rc = self.store.put_from(key(ids[0]), self.base, length)
            return (1, 0) if rc == 0 else (0, rc)
        codes = self.store.batch_put_from([key(i) for i in ids], [self.base + n * length for n in range(len(ids))],
                                          [length] * len(ids))
        bad = [c for c in codes if c != 0]
        return len(ids) - len(bad), (bad[0] if bad else 0)

    def get(self, ids, length):
        """Reads ids[i] into slot i; returns the byte count (or negative code) per id."""
        if len(ids) == 1:
            return [self.store.get_into(key(ids[0]), self.base, length)]
        return self.store.batch_get_into([key(i) for i in ids], [self.base + n * length for n in range(len(ids))],
                                         [length] * len(ids))

    def close(self):
        self.store.unregister_buffer(self.base)
        self.store.close()


# ---- the worker processes ----

def worker_main(index, args, conn):
    try:
        capacity = args.max_batch * args.block_bytes
        client = MooncakeClient(args, capacity)
        conn.send(("ready", None))
    except Exception:
        conn.send(("fail", traceback.format_exc(limit=3)))
        return
    while True:
        msg = conn.recv()
        if msg[0] == "quit":
            client.close()
            return
        try:
            if msg[0] == "preload":
                processes, blocks, length, batch = msg[1:]
                client.ensure_capacity(batch * length)
                conn.send(("ok", preload(index, client, client.view, *msg[1:])))
            else:
                processes, read, batch, blocks, length = msg[1:6]
                client.ensure_capacity(batch * length)
                conn.send(("ok", run_slice(index, client, client.view, *msg[1:])))
        except Exception:
            conn.send(("fail", traceback.format_exc(limit=3)))


def preload(index, client, view, processes, blocks, length, batch):
    deadline = time.monotonic() + 60
    for first in range(index * batch, blocks, processes * batch):
        ids = list(range(first, min(blocks, first + batch)))
        for n, block_id in enumerate(ids):
            stamp(view, n * length, block_id, length)
        while True:
            stored, code = client.put(ids, length)
            if stored == len(ids):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("preload: %d of %d blocks stored after 60 s, code %d" % (stored, len(ids), code))
            time.sleep(0.01)
    return None


def run_slice(index, client, view, processes, read, batch, blocks, length, start_at, warmup, duration, fresh_base):
    measure_from = start_at + warmup
    end = measure_from + duration
    stats = [0, 0, 0, 0, 0, 0]  # requests, blocks, bytes, misses, refused, verify failures
    latencies = []
    errors = 0
    first_error = None
    consecutive = 0
    rnd = random.Random()
    next_fresh = fresh_base + index * batch
    while time.monotonic() < start_at:
        time.sleep(0.001)
    while True:
        if time.monotonic() >= end:
            break
        try:
            if read:
                first = rnd.randrange(blocks)
                ids = [first] if batch == 1 else [(first + n) % blocks for n in range(batch)]
                t0 = time.monotonic_ns()
                results = client.get(ids, length)
                t1 = time.monotonic_ns()
                if t0 / 1e9 >= measure_from and t1 / 1e9 <= end:
                    latencies.append(t1 - t0)
                    stats[0] += 1
                    for n, got in enumerate(results):
                        if got == NOT_FOUND:
                            stats[3] += 1
                            continue
                        if got < 0:
                            raise RuntimeError("get %s returned %d" % (key(ids[n]), got))
                        problem = check(view, n * length, ids[n], length, got)
                        if problem is None:
                            stats[1] += 1
                            stats[2] += length
                        else:
                            stats[5] += 1
                            first_error = first_error or "verify: " + problem
            else:
                ids = list(range(next_fresh, next_fresh + batch))
                next_fresh += processes * batch
                for n, block_id in enumerate(ids):
                    stamp(view, n * length, block_id, length)
                t0 = time.monotonic_ns()
                stored, code = client.put(ids, length)
                t1 = time.monotonic_ns()
                if t0 / 1e9 >= measure_from and t1 / 1e9 <= end:
                    latencies.append(t1 - t0)
                    stats[0] += 1
                    stats[1] += stored
                    stats[2] += stored * length
                    stats[4] += len(ids) - stored
                    if code != 0 and first_error is None:
                        first_error = "put refused with code %d" % code
            consecutive = 0
        except Exception as e:
            errors += 1
            first_error = first_error or "%s: %s" % (type(e).__name__, e)
            consecutive += 1
            if consecutive >= 5:
                break
    return stats, latencies, errors, first_error, next_fresh


# ---- the conductor: the Java harness's end of the pipe ----

def conduct(args):
    ctx = mp.get_context("spawn")
    pipes = []
    procs = []
    for index in range(args.processes):
        parent, child = ctx.Pipe()
        p = ctx.Process(target=worker_main, args=(index, args, child), daemon=True)
        p.start()
        pipes.append(parent)
        procs.append(p)
    replies = [conn.recv() for conn in pipes]
    failed = [r[1] for r in replies if r[0] != "ok" and r[0] != "ready"]
    if failed:
        reply("fail " + failed[0].replace("\n", " | "))
        return 1
    reply("ready %s" % client_version())
    fresh = None
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        try:
            if words[0] == "preload":
                blocks, length, batch = int(words[1]), int(words[2]), int(words[3])
                t0 = time.monotonic()
                gather(pipes, ("preload", args.processes, blocks, length, batch))
                reply("ok %.3f" % (time.monotonic() - t0))
            elif words[0] == "slice":
                read, batch, blocks, length = int(words[1]) == 1, int(words[2]), int(words[3]), int(words[4])
                warmup, duration, fresh_base = int(words[5]) / 1e3, int(words[6]) / 1e3, int(words[7])
                if fresh is None or fresh < fresh_base:
                    fresh = fresh_base
                start_at = time.monotonic() + 0.05
                results = gather(pipes, ("slice", args.processes, read, batch, blocks, length, start_at, warmup,
                                         duration, fresh))
                report_slice(read, results, duration)
                fresh = max(r[4] for r in results) + args.processes * batch
            else:
                reply("fail unknown command '%s'" % words[0])
        except Exception as e:
            reply("fail %s" % str(e).replace("\n", " | "))
    for conn in pipes:
        conn.send(("quit",))
    for p in procs:
        p.join(10)
    return 0


def gather(pipes, message):
    for conn in pipes:
        conn.send(message)
    out = []
    for conn in pipes:
        status, value = conn.recv()
        if status != "ok":
            raise RuntimeError(value)
        out.append(value)
    return out


def report_slice(read, results, duration):
    totals = [sum(r[0][i] for r in results) for i in range(6)]
    empty = "0 0 0 0 0 0"
    line = " ".join(str(v) for v in totals)
    reply("get " + (line if read else empty))
    reply("put " + (empty if read else line))
    reply("errors %d" % sum(r[2] for r in results))
    first = next((r[3] for r in results if r[3]), None)
    if first:
        reply("first-error " + first.replace("\n", " | "))
    latencies = " ".join(str(n) for r in results for n in r[1])
    reply("lat-get " + (latencies if read else ""))
    reply("lat-put " + ("" if read else latencies))
    reply("seconds %.6f" % duration)
    reply("end")


def client_version():
    from importlib.metadata import version, PackageNotFoundError
    for dist in ("mooncake-transfer-engine-non-cuda", "mooncake-transfer-engine"):
        try:
            return "%s==%s" % (dist, version(dist))
        except PackageNotFoundError:
            continue
    return "mooncake-transfer-engine==?"


def reply(text):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def self_check(args):
    """Reads "stamp ID LENGTH" (prints the block as hex) or "check ID LENGTH HEX" (prints ok or the problem)."""
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        block_id, length = int(words[1]), int(words[2])
        if words[0] == "stamp":
            buf = bytearray(os.urandom(length))
            stamp(buf, 0, block_id, length)
            reply(buf.hex())
        else:
            data = bytes.fromhex(words[3])
            reply(check(data, 0, block_id, length, len(data)) or "ok")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=["mooncake"], default="mooncake")
    parser.add_argument("--master", default="127.0.0.1:50051", help="Mooncake master's RPC address")
    parser.add_argument("--metadata", default="http://127.0.0.1:8080/metadata", help="Mooncake metadata server")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--block-bytes", type=int, default=2 * 1024 * 1024)
    parser.add_argument("--max-batch", type=int, default=32)
    parser.add_argument("--self-check", action="store_true")
    args = parser.parse_args()
    if args.self_check:
        self_check(args)
        return 0
    if args.processes < 1 or args.block_bytes < HEADER_BYTES or args.max_batch < 1:
        parser.error("--processes and --max-batch must be >= 1 and --block-bytes >= %d" % HEADER_BYTES)
    return conduct(args)


if __name__ == "__main__":
    sys.exit(main())
