#!/usr/bin/env python3
"""vLLM's own KV-event code as the oracle of Spillway's vLLM event tests (docs/events-vllm.md, "Conformance").

Run with the interpreter bin/vllm-venv prints (vLLM 0.34.0, msgspec); Java's VllmPython runs it. Modes:

  cases [--bytes-hashes]
      Scenarios played on vLLM's own components: its GPU BlockPool (prefix cache with KV events on) and its
      offloading connector's event tracker (OffloadingEventsTracker), plus events built from vLLM's structs. Each
      batch is a KVEventBatch encoded by msgspec's msgpack Encoder, as vLLM's ZMQ publisher encodes it. Output, one
      record a line, tab-separated:
        case    NAME
        batch   HEX                    a payload, in publishing order
        expect  MEDIUM  0|1  TOKENS    whether the pod then holds, in MEDIUM (GPU, CPU, STORAGE), the block whose
                                       prefix is TOKENS (comma-separated): for GPU, what vLLM's BlockPool answers;
                                       for offloading, what the stored/removed offloading events say, where a
                                       REMOTE tier is never the pod's
      --bytes-hashes sends block hashes as bytes (VLLM_KV_EVENTS_USE_INT_BLOCK_HASHES=0) instead of ints.

  reencode
      Reads hex payloads from stdin, one a line; decodes each with msgspec's Decoder typed on vLLM's KVEventBatch
      (which fails on anything vLLM would not accept) and writes it again with vLLM's Encoder; prints the hex.

  subscribe PUB REPLAY SECONDS
      What a vLLM-format consumer does with a publisher: connects a SUB to PUB, asks REPLAY (a DEALER) for every
      batch from seq 0, and decodes every payload with vLLM's KVEventBatch decoder, until the replay ended and every
      block hash read from stdin (hex, one a line) was seen in a BlockStored; exits 1 when SECONDS pass first.
      Prints per event, once per seq:
        event   SEQ  TOPIC  TYPE  MEDIUM  BLOCK_SIZE  TOKENS  HASHES(hex, or int:N, comma-separated)
      and "replay-end" when the end marker comes.

Facts used (vLLM 0.34.0): vllm/distributed/kv_events.py (the structs, the replay answer), vllm/v1/core/block_pool.py
(events of cached and evicted blocks), vllm/distributed/kv_transfer/kv_connector/v1/offloading/events.py (the
placeholder BlockStored), vllm/v1/kv_offload/base.py (Medium, Locality, OffloadingEvent, make_offload_key).
"""
import os
import sys

if "--bytes-hashes" in sys.argv:
    os.environ["VLLM_KV_EVENTS_USE_INT_BLOCK_HASHES"] = "0"

import msgspec  # noqa: E402
from vllm.distributed.kv_events import BlockRemoved, BlockStored, KVEventBatch  # noqa: E402

BLOCK = 4  # tokens per block; the Java side keys blocks under a namespace of the same size


def encode(events):
    return msgspec.msgpack.Encoder().encode(KVEventBatch(ts=1.0, events=list(events), data_parallel_rank=0)).hex()


class Case:
    """Writes one scenario: its batches and, after them, what the pod holds."""

    def __init__(self, name):
        self.lines = ["case\t" + name]

    def batch(self, events):
        self.lines.append("batch\t" + encode(events))

    def expect(self, medium, held, tokens):
        self.lines.append("expect\t%s\t%d\t%s" % (medium, 1 if held else 0, ",".join(map(str, tokens))))

    def print(self):
        print("\n".join(self.lines))


class Pod:
    """One vLLM instance's GPU prefix cache (vLLM's BlockPool) and its offloading connector's event tracker."""

    def __init__(self, blocks=8):
        from vllm.distributed.kv_transfer.kv_connector.v1.offloading.events import OffloadingEventsTracker
        from vllm.utils.hashing import sha256
        from vllm.v1.core.block_pool import BlockPool
        from vllm.v1.core.kv_cache_utils import get_request_block_hasher, init_none_hash
        from vllm.v1.kv_offload.base import OffloadingKVEventsConfig

        init_none_hash(sha256)
        self.hasher = get_request_block_hasher(BLOCK, sha256)
        self.pool = BlockPool(num_gpu_blocks=blocks, enable_caching=True, hash_block_size=BLOCK,
                              enable_kv_cache_events=True)
        # The legacy (not self-describing) payload: every offloaded chunk is announced by the placeholder.
        self.tracker = OffloadingEventsTracker(OffloadingKVEventsConfig(enable_kv_cache_events=True,
                                                                        self_describing_kv_events=False))
        self.requests = 0

    def compute(self, tokens):
        """A request computes its prompt's full blocks and caches them; returns (request, its blocks)."""
        from vllm.sampling_params import SamplingParams
        from vllm.v1.request import Request

        self.requests += 1
        request = Request("r%d" % self.requests, list(tokens), SamplingParams(max_tokens=1), None,
                          block_hasher=self.hasher)
        n = len(tokens) // BLOCK
        blocks = self.pool.get_new_blocks(n)
        self.pool.cache_full_blocks(request, blocks, 0, n, BLOCK, 0)
        return request, blocks

    def gpu_events(self):
        return self.pool.take_events()

    def gpu_holds(self, request, i):
        return self.pool.get_cached_block(request.block_hashes[i], [0]) is not None

    def offload(self, request, i, medium, removed=False, locality=None, ownership=None):
        """The offloading connector's events for block i of request as one chunk (its OffloadKey)."""
        from vllm.v1.kv_offload.base import Locality, Medium, OffloadingEvent, make_offload_key

        key = make_offload_key(request.block_hashes[i], 0)
        event = OffloadingEvent(keys=[key], medium=Medium(medium), removed=removed,
                                locality=None if locality is None else Locality(locality), ownership=ownership,
                                removal_expected=True)
        return list(self.tracker.take_events([event]))


def prefix(tokens, i):
    return tokens[:(i + 1) * BLOCK]


def expect_gpu(case, pod, request, tokens):
    for i in range(len(tokens) // BLOCK):
        case.expect("GPU", pod.gpu_holds(request, i), prefix(tokens, i))


def placeholder_in_a_step_with_gpu_events():
    """The placeholder BlockStored (no token ids, block_size 0) shares a batch with the step's GPU events."""
    case, pod, tokens = Case("placeholder"), Pod(), list(range(100, 108))
    request, _ = pod.compute(tokens)
    events = pod.gpu_events() + pod.offload(request, 1, "CPU", locality="LOCAL")
    assert events[-1].block_size == 0 and events[-1].token_ids == [], "vLLM no longer sends the placeholder"
    case.batch(events)
    expect_gpu(case, pod, request, tokens)
    case.expect("CPU", True, prefix(tokens, 1))
    case.expect("CPU", False, prefix(tokens, 0))
    return case


def storage_medium():
    case, pod, tokens = Case("storage"), Pod(), list(range(200, 208))
    request, _ = pod.compute(tokens)
    case.batch(pod.gpu_events())
    case.batch(pod.offload(request, 0, "STORAGE", locality="LOCAL") + pod.offload(request, 1, "STORAGE"))
    case.expect("STORAGE", True, prefix(tokens, 0))
    case.expect("STORAGE", True, prefix(tokens, 1))
    case.batch(pod.offload(request, 0, "STORAGE", removed=True, locality="LOCAL"))
    case.expect("STORAGE", False, prefix(tokens, 0))
    case.expect("STORAGE", True, prefix(tokens, 1))
    return case


def reannounced_then_removed_once():
    """Two requests compute the same prompt at once: vLLM caches its hashes in two GPU blocks, announcing each; the
    first request's blocks are evicted (one BlockRemoved per hash) while the second's copies stay cached."""
    case, pod, tokens = Case("reannounced"), Pod(blocks=6), list(range(300, 308))
    first, first_blocks = pod.compute(tokens)
    second, second_blocks = pod.compute(tokens)
    case.batch(pod.gpu_events())
    pod.pool.free_blocks(first_blocks)
    pod.pool.free_blocks(second_blocks)
    pod.pool.get_new_blocks(3)  # one free block, then the two least recently freed: the first request's
    removed = pod.gpu_events()
    assert sum(len(e.block_hashes) for e in removed if isinstance(e, BlockRemoved)) == 2, removed
    case.batch(removed)
    expect_gpu(case, pod, second, tokens)
    assert all(pod.gpu_holds(second, i) for i in range(2)), "vLLM dropped the second copy"
    pod.pool.get_new_blocks(2)  # now the second request's copies go too
    case.batch(pod.gpu_events())
    expect_gpu(case, pod, second, tokens)
    return case


def remote_locality():
    """A REMOTE tier (a store shared with other instances) is not the pod's own medium."""
    case, pod, tokens = Case("remote"), Pod(), list(range(400, 408))
    request, _ = pod.compute(tokens)
    case.batch(pod.gpu_events() + pod.offload(request, 1, "STORAGE", locality="REMOTE"))
    case.expect("STORAGE", False, prefix(tokens, 1))
    case.batch(pod.offload(request, 1, "STORAGE", locality="LOCAL"))
    case.expect("STORAGE", True, prefix(tokens, 1))
    case.batch(pod.offload(request, 1, "STORAGE", removed=True, locality="REMOTE"))
    case.expect("STORAGE", True, prefix(tokens, 1))
    expect_gpu(case, pod, request, tokens)
    return case


def two_owning_tiers():
    """The primary CPU tier and a secondary tier (ownership "kvcr") each hold block 0; one removal leaves the other."""
    case, pod, tokens = Case("ownership"), Pod(), list(range(500, 508))
    request, _ = pod.compute(tokens)
    case.batch(pod.gpu_events() + pod.offload(request, 0, "CPU") + pod.offload(request, 0, "CPU", ownership="kvcr"))
    case.batch(pod.offload(request, 0, "CPU", removed=True))
    case.expect("CPU", True, prefix(tokens, 0))
    case.batch(pod.offload(request, 0, "CPU", removed=True, ownership="kvcr"))
    case.expect("CPU", False, prefix(tokens, 0))
    return case


def one_bad_event():
    """vLLM's struct holding a token id msgpack carries but no tokenizer makes (-1): that event alone is lost."""
    case, pod, tokens = Case("bad-event"), Pod(), list(range(600, 608))
    request, _ = pod.compute(tokens)
    gpu = pod.gpu_events()
    bad = BlockStored(block_hashes=[7], parent_block_hash=None, token_ids=[-1, 1, 2, 3], block_size=BLOCK,
                      lora_id=None, medium="GPU", lora_name=None)
    case.batch(gpu[:1] + [bad] + pod.offload(request, 1, "CPU"))
    expect_gpu(case, pod, request, tokens)
    case.expect("CPU", True, prefix(tokens, 1))
    return case


def all_blocks_cleared():
    case, pod, tokens = Case("cleared"), Pod(), list(range(700, 708))
    request, blocks = pod.compute(tokens)
    case.batch(pod.gpu_events() + pod.offload(request, 0, "CPU"))
    pod.pool.free_blocks(blocks)
    assert pod.pool.reset_prefix_cache()
    case.batch(pod.gpu_events())
    expect_gpu(case, pod, request, tokens)
    # AllBlocksCleared names no medium: a consumer cannot keep any of the pod's blocks it announced.
    case.expect("CPU", False, prefix(tokens, 0))
    return case


def cases():
    for scenario in (placeholder_in_a_step_with_gpu_events, storage_medium, reannounced_then_removed_once,
                     remote_locality, two_owning_tiers, one_bad_event, all_blocks_cleared):
        scenario().print()


def reencode():
    decoder = msgspec.msgpack.Decoder(KVEventBatch)
    encoder = msgspec.msgpack.Encoder()
    for line in sys.stdin:
        line = line.strip()
        if line:
            print(encoder.encode(decoder.decode(bytes.fromhex(line))).hex())


def subscribe(pub, replay_endpoint, seconds):
    import time

    import zmq

    waiting = {line.strip() for line in sys.stdin if line.strip()}
    decoder = msgspec.msgpack.Decoder(KVEventBatch)
    context = zmq.Context()
    sub = context.socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.connect(pub)
    dealer = context.socket(zmq.DEALER)
    dealer.connect(replay_endpoint)
    dealer.send_multipart([b"", (0).to_bytes(8, "big")])
    poller = zmq.Poller()
    poller.register(sub, zmq.POLLIN)
    poller.register(dealer, zmq.POLLIN)
    seen, replay_ended = set(), False
    deadline = time.monotonic() + seconds

    def show(seq, topic, payload):
        if seq in seen:
            return
        seen.add(seq)
        for e in decoder.decode(payload).events:
            hashes = [h.hex() if isinstance(h, bytes) else "int:%d" % h for h in getattr(e, "block_hashes", [])]
            if isinstance(e, BlockStored):
                waiting.difference_update(hashes)
            print("event\t%d\t%s\t%s\t%s\t%s\t%d\t%s" % (
                seq, topic.decode(), type(e).__name__, getattr(e, "medium", None), getattr(e, "block_size", ""),
                len(getattr(e, "token_ids", [])), ",".join(hashes)))

    while time.monotonic() < deadline and not (replay_ended and not waiting):
        for socket, _ in poller.poll(100):
            if socket is sub:
                topic, seq, payload = sub.recv_multipart()
                show(int.from_bytes(seq, "big", signed=True), topic, payload)
            else:
                frames = dealer.recv_multipart()  # vLLM 0.34: [empty, topic, seq, payload]
                assert len(frames) == 4 and frames[0] == b"", "not vLLM's replay answer: %d frames" % len(frames)
                seq = int.from_bytes(frames[2], "big", signed=True)
                if seq == -1:
                    replay_ended = True
                    print("replay-end")
                else:
                    show(seq, frames[1], frames[3])
    sys.stdout.flush()
    context.destroy(linger=0)
    if not (replay_ended and not waiting):
        sys.exit("after %ss: replay ended %s, %d batches seen, %d hashes never stored: %s"
                 % (seconds, replay_ended, len(seen), len(waiting), sorted(waiting)[:5]))


def main():
    args = [a for a in sys.argv[1:] if a != "--bytes-hashes"]
    if args[:1] == ["cases"]:
        cases()
    elif args[:1] == ["reencode"]:
        reencode()
    elif args[:1] == ["subscribe"] and len(args) == 4:
        subscribe(args[1], args[2], float(args[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
