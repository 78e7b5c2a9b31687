"""Drives SpillwayConnector (scheduler and worker sides, inside vLLM 0.34's own base class, with vLLM's own Request
objects) against real agent processes and a real Spillway node process, on the agents' host backend:

  layouts       every KV layout vLLM registers (packed and split block-first in NHD and HND order, KV-first,
                cross-layer, MLA) saves and loads back byte for byte; blocks saved through IPC load through the
                host-staged ring identically
  extras        for LoRA, cache salt, image, dtype and TP rank: 1,000 random pairs with identical token ids never hit
                each other's blocks, identical requests hit every full block
  lifecycle     an abort mid-prefill saves only computed blocks; a request aborted while its load is in flight
                saves nothing; a second turn hits on the first turn's prompt and answer
  fencing       the agent stopped (SIGSTOP) past the connector's timeout in the middle of a load and a save: the
                request recomputes, no byte lands in the released blocks, the agent counts fenced steps, the next
                request is served
  failures      a miss, a stale IPC handle, the agent killed with a load in flight, a failed device copy (logged, the
                next save stored), the cluster down at start
Run by ConnectorHarnessTest with the interpreter of bin/vllm-venv. Prints one line of figures per part and exits 0
when every check holds; prints the first failure and exits 1 otherwise."""

import logging
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import traceback
from types import SimpleNamespace

import torch
from vllm import SamplingParams
from vllm.distributed.kv_transfer.kv_connector.v1.base import KVConnectorRole
from vllm.lora.request import LoRARequest
from vllm.multimodal.inputs import MultiModalFeatureSpec, PlaceholderRange
from vllm.v1.request import Request

from harness_procs import agent_call, free_port, start_agent, start_node, stop
from spillway_vllm.connector import SpillwayConnector, SpillwayConnectorError
from spillway_vllm.host import release, segment_of, shared_tensor
from spillway_vllm.layout import page_view

BLOCK = 16
NUM_BLOCKS = 96
HEADS, HEAD = 2, 16
PAIRS = 1000


class LogCount(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record.getMessage())


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def config(sock, tp_size=1, **extra):
    settings = dict(agent_socket=sock, timeout_seconds=2, retry_seconds=1)
    settings.update(extra)
    return SimpleNamespace(kv_transfer_config=SimpleNamespace(kv_connector_extra_config=settings),
                           cache_config=SimpleNamespace(block_size=BLOCK, cache_dtype="auto", kv_cache_layout=None),
                           model_config=SimpleNamespace(model="harness-model", served_model_name=None),
                           parallel_config=SimpleNamespace(tensor_parallel_size=tp_size, pipeline_parallel_size=1))


def kv_cache_config(num_blocks=NUM_BLOCKS):
    return SimpleNamespace(num_blocks=num_blocks, kv_cache_groups=[])


def connectors(sock, caches, tp_size=1, **extra):
    scheduler = SpillwayConnector(config(sock, tp_size, **extra), KVConnectorRole.SCHEDULER, kv_cache_config())
    worker = SpillwayConnector(config(sock, tp_size, **extra), KVConnectorRole.WORKER, kv_cache_config())
    worker.register_kv_caches(caches)
    return scheduler, worker


def layout_caches(kind, layers=2, dtype=torch.bfloat16):
    """Per-layer KV tensors in one of vLLM's layouts, over shared memory, filled with random bytes."""
    n, c = NUM_BLOCKS, 2 * HEAD
    if kind == "cross-layer":  # one tensor, blocks outermost: [blocks, layers, heads, tokens, 2 * head]
        whole = shared_tensor((n, layers, HEADS, BLOCK, c), dtype)
        caches = {"layer.%d" % i: whole.select(1, i) for i in range(layers)}
    else:
        shape, order = {
            "packed-hnd": ((n, HEADS, BLOCK, c), None),  # vLLM 0.34 packed K|V, heads outer
            "packed-nhd": ((n, HEADS, BLOCK, c), (0, 2, 1, 3)),  # the same, tokens outer in memory
            "split-nhd": ((n, 2, BLOCK, HEADS, HEAD), None),  # FlashInfer / vLLM 0.34 split K, V halves
            "split-hnd": ((n, 2, BLOCK, HEADS, HEAD), (0, 1, 3, 2, 4)),
            "kv-first": ((2, n, BLOCK, HEADS, HEAD), None),  # flash-attention before block-first layouts
            "mla": ((n, BLOCK, 576), None),  # one latent row a token
        }[kind]
        caches = {"layer.%d" % i: shared_tensor(shape, dtype, order) for i in range(layers)}
    for t in caches.values():
        t.copy_(torch.randn(t.shape).to(dtype))
    return caches


def block_bytes(caches, bdim, block):
    return [page_view(t, bdim, block).contiguous().view(torch.uint8).clone() for t in caches.values()]


def bdim_of(caches):
    t = next(iter(caches.values()))
    return 1 if t.dim() == 5 and t.shape[0] == 2 else 0


def request(req_id, tokens, lora=None, salt=None, image=None, outputs=(), computed=None):
    req = Request(request_id=req_id, prompt_token_ids=list(tokens), sampling_params=SamplingParams(max_tokens=64),
                  pooling_params=None,
                  lora_request=None if lora is None else LoRARequest(lora, 1 + abs(hash(lora)) % 1000, "/lora/" + lora),
                  cache_salt=salt,
                  mm_features=None if image is None else [MultiModalFeatureSpec(
                      data=None, modality="image", identifier=image[0],
                      mm_position=PlaceholderRange(offset=image[1], length=image[2]))])
    if outputs:
        req.append_output_token_ids(list(outputs))
    req.num_computed_tokens = len(req.all_token_ids) if computed is None else computed
    return req


def allocated(block_ids):
    return SimpleNamespace(get_block_ids=lambda: (list(block_ids),))


def step(scheduler, worker):
    """One engine step: the scheduler's metadata to the worker, which starts its loads and saves."""
    worker.bind_connector_metadata(scheduler.build_connector_meta(None))
    worker.start_load_kv(None)
    worker.clear_connector_metadata()


def await_finished(worker, req_ids, sending, timeout=30):
    """Polls the worker until every request in ``req_ids`` finished; feeds vLLM's finished ids for saves."""
    want = set(req_ids)
    deadline = time.time() + timeout
    while want and time.time() < deadline:
        done_sending, done_recving = worker.get_finished(set(req_ids) if sending else set())
        want -= (done_sending if sending else done_recving) or set()
        time.sleep(0.002)
    check(not want, "%s never finished %s" % (sorted(want)[:5], "saving" if sending else "loading"))


def save(scheduler, worker, requests, block_ids):
    for req in requests:
        held, _ = scheduler.request_finished(req, block_ids)
        check(held, "%s: the save holds its blocks" % req.request_id)
    step(scheduler, worker)
    await_finished(worker, [r.request_id for r in requests], sending=True)


def load(scheduler, worker, req, into, local_tokens=0):
    """Matches and loads ``req``; returns (matched tokens, failed block ids)."""
    matched, is_async = scheduler.get_num_new_matched_tokens(req, local_tokens)
    if matched == 0:
        return 0, set()
    check(is_async, "loads are asynchronous")
    scheduler.update_state_after_alloc(req, allocated(into), matched)
    step(scheduler, worker)
    await_finished(worker, [req.request_id], sending=False)
    return matched, worker.get_block_ids_with_load_errors()


def tokens(rng, n):
    return [rng.randrange(32_000) for _ in range(n)]


def layouts_part(work, node_ports, rng):
    sock = os.path.join(work, "layouts.sock")
    staged_sock = os.path.join(work, "staged.sock")
    agent = start_agent(sock, *node_ports)
    staged_agent = start_agent(staged_sock, *node_ports)
    kinds = ["packed-hnd", "packed-nhd", "split-nhd", "split-hnd", "kv-first", "cross-layer", "mla"]
    try:
        for i, kind in enumerate(kinds):
            caches = layout_caches(kind)
            bdim = bdim_of(caches)
            s, w = connectors(sock, caches)
            prompt = tokens(rng, 5 * BLOCK + 3)
            src = [3, 8, 13, 21, 34, 40]
            before = [block_bytes(caches, bdim, b) for b in src[:5]]
            save(s, w, [request("save-" + kind, prompt)], src)
            for b in src:  # the GPU evicts them
                for t in caches.values():
                    page_view(t, bdim, b).zero_()
            into = [50, 51, 52, 53, 54, 55]
            matched, failed = load(s, w, request("load-" + kind, prompt), into)
            check(matched == 5 * BLOCK and not failed, "%s: 5 blocks matched and loaded (%s, %s)"
                  % (kind, matched, failed))
            for j in range(5):
                after = block_bytes(caches, bdim, into[j])
                check(all(torch.equal(a, b) for a, b in zip(before[j], after)), "%s: block %d byte for byte"
                      % (kind, j))
            if kind == "packed-nhd":  # the same layout through the host-staged ring: the same bytes, the same keys
                staged_caches = layout_caches(kind)
                s2, w2 = connectors(staged_sock, staged_caches, staging=True, staging_slots=64)
                check(w2.staged, "staging=true takes the ring")
                matched, failed = load(s2, w2, request("staged-" + kind, prompt), into)
                check(matched == 5 * BLOCK and not failed, "staged: found what the IPC path saved")
                for j in range(5):
                    after = block_bytes(staged_caches, bdim, into[j])
                    check(all(torch.equal(a, b) for a, b in zip(before[j], after)),
                          "staged: block %d byte for byte as the IPC path saved it" % j)
                w2.shutdown()
                for t in staged_caches.values():
                    release(t)
            w.shutdown()
            for t in caches.values():
                release(t)
        print("layouts: %s saved and loaded byte for byte; IPC-saved blocks loaded through the staged ring"
              % ", ".join(kinds))
    finally:
        stop(agent, staged_agent)


def extras_part(work, node_ports, rng):
    """1,000 random pairs per extra: identical token ids, one extra differing: no cross hits; identical: all hit."""
    socks = {k: os.path.join(work, "x-%s.sock" % k) for k in ("a", "fp16", "r0", "r1")}
    agents = [start_agent(socks["a"], *node_ports), start_agent(socks["fp16"], *node_ports),
              start_agent(socks["r0"], *node_ports), start_agent(socks["r1"], *node_ports)]
    try:
        s, w = connectors(socks["a"], layout_caches("packed-hnd"))
        s16, w16 = connectors(socks["fp16"], layout_caches("packed-hnd", dtype=torch.float16))
        tp_sock = os.path.join(work, "x-r{rank}.sock")
        tp_caches = [layout_caches("packed-hnd"), layout_caches("packed-hnd")]
        s_tp = SpillwayConnector(config(tp_sock, 2), KVConnectorRole.SCHEDULER, kv_cache_config())
        w_tp = []
        for rank in (0, 1):
            worker = SpillwayConnector(config(tp_sock, 2, tp_rank=rank), KVConnectorRole.WORKER, kv_cache_config())
            worker.register_kv_caches(tp_caches[rank])
            w_tp.append(worker)

        def lora(i, v):
            return dict(lora="adapter-%d-%d" % (i, v))

        def salt(i, v):
            return dict(salt="salt-%d-%d" % (i, v))

        def image(i, v):
            return dict(image=("img-%d-%d" % (i, v), i % BLOCK, 24))

        results = {}
        for kind, extra in (("lora", lora), ("salt", salt), ("image", image)):
            cross = same = full = 0
            for batch in range(0, PAIRS, 50):
                prompts = [tokens(rng, 2 * BLOCK + 5) for _ in range(50)]
                reqs = [request("%s-%d" % (kind, batch + k), p, **extra(batch + k, 0)) for k, p in enumerate(prompts)]
                save(s, w, reqs, [1, 2, 3])
                for k, p in enumerate(prompts):
                    other = request("%s-o-%d" % (kind, batch + k), p, **extra(batch + k, 1))
                    cross += s.get_num_new_matched_tokens(other, 0)[0] // BLOCK
                    again = request("%s-s-%d" % (kind, batch + k), p, **extra(batch + k, 0))
                    same += s.get_num_new_matched_tokens(again, 0)[0] // BLOCK
                    full += 2
            results[kind] = (cross, same, full)
        for kind, (saver, lookup_sock) in (("dtype", (w, socks["fp16"])), ("tp_rank", (w_tp[0], socks["r1"]))):
            cross = same = full = 0
            sched = s if kind == "dtype" else s_tp
            for batch in range(0, PAIRS, 50):
                prompts = [tokens(rng, 2 * BLOCK + 5) for _ in range(50)]
                save(sched, saver, [request("%s-%d" % (kind, batch + k), p) for k, p in enumerate(prompts)], [1, 2, 3])
                for p in prompts:
                    cross += agent_call(lookup_sock, "lookup", tokens=p)["blocks"]
                    same += sched.get_num_new_matched_tokens(request("%s-s-%d" % (kind, rng.random()), p), 0)[0] // BLOCK
                    full += 2
            results[kind] = (cross, same, full)
        for kind, (cross, same, full) in results.items():
            check(cross == 0, "%s: %d cross hits over %d pairs" % (kind, cross, PAIRS))
            check(same >= 0.99 * full, "%s: identical requests hit %d of %d full blocks" % (kind, same, full))
        print("extras: over %d pairs each, cross hits / identical hits: %s" % (PAIRS, ", ".join(
            "%s %d / %d of %d" % (k, c, h, f) for k, (c, h, f) in results.items())))
        for worker in [w, w16] + w_tp:
            worker.shutdown()
    finally:
        stop(*agents)


def lifecycle_part(work, node_ports, rng):
    sock = os.path.join(work, "life.sock")
    agent = start_agent(sock, *node_ports)
    try:
        s, w = connectors(sock, layout_caches("split-nhd"))
        # aborted mid-prefill: 6 blocks of prompt, 2.5 computed: 2 saved, and the lookup finds 2
        prompt = tokens(rng, 6 * BLOCK + 4)
        aborted = request("aborted", prompt, computed=2 * BLOCK + 8)
        save(s, w, [aborted], list(range(10, 17)))
        found = s.get_num_new_matched_tokens(request("probe-1", prompt), 0)[0] // BLOCK
        check(found == 2, "an abort mid-prefill saves its 2 computed blocks, found %d" % found)

        # aborted while its load is in flight: vLLM counts the loading tokens as computed; nothing is saved
        loading = request("loading", prompt)
        matched, _ = s.get_num_new_matched_tokens(loading, 0)
        check(matched == 2 * BLOCK, "2 blocks to load")
        s.update_state_after_alloc(loading, allocated(list(range(20, 27))), matched)
        loading.num_computed_tokens = matched  # vLLM's optimistic count while the load runs
        held, _ = s.request_finished(loading, list(range(20, 27)))
        check(not held, "a request whose load never finished saves nothing")
        s.build_connector_meta(None)  # the load it had planned is dropped with the step

        # a second turn: the first turn's prompt and answer are saved, and the next prompt hits on them
        question = tokens(rng, 3 * BLOCK + 5)
        answer = tokens(rng, 20)
        turn1 = request("turn-1", question, outputs=answer, computed=len(question) + len(answer) - 1)
        save(s, w, [turn1], list(range(30, 36)))
        turn2 = question + answer + tokens(rng, 30)
        hit = s.get_num_new_matched_tokens(request("turn-2", turn2), 0)[0] // BLOCK
        check(hit == (len(question) + len(answer) - 1) // BLOCK, "turn 2 hits on turn 1's prompt and answer: %d" % hit)
        print("lifecycle: abort mid-prefill saved 2 of 6 blocks; abort during a load saved 0; turn 2 hit %d blocks "
              "of turn 1's prompt and answer" % hit)
        w.shutdown()
    finally:
        stop(agent)


def fencing_part(work, node, node_ports, rng):
    """The agent stopped past the timeout with a load and a save in flight (the node stopped first, so that both are
    mid-way: the load's read and the save's later chunks wait on it)."""
    sock = os.path.join(work, "fence.sock")
    agent = start_agent(sock, *node_ports)
    try:
        caches = layout_caches("packed-hnd")
        s, w = connectors(sock, caches)
        old = tokens(rng, 8 * BLOCK)
        save(s, w, [request("old", old)], list(range(0, 8)))
        big = tokens(rng, 48 * BLOCK)
        big_blocks = list(range(40, 88))
        big_bytes = [block_bytes(caches, 0, b) for b in big_blocks]
        loader = request("stale-load", old)
        matched = s.get_num_new_matched_tokens(loader, 0)[0]
        check(matched == 7 * BLOCK, "the old prompt is in the cluster")
        into = list(range(10, 17))
        s.update_state_after_alloc(loader, allocated(into), matched)
        s.request_finished(request("stale-save", big), big_blocks)
        node.send_signal(signal.SIGSTOP)
        try:
            w.bind_connector_metadata(s.build_connector_meta(None))
            w.start_load_kv(None)
            w.clear_connector_metadata()
            time.sleep(0.5)
            agent.send_signal(signal.SIGSTOP)
            t0 = time.time()
            released_load = released_save = False
            while not (released_load and released_save) and time.time() - t0 < 30:
                sending, recving = w.get_finished({"stale-save"})
                released_load |= "stale-load" in (recving or ())
                released_save |= "stale-save" in (sending or ())
            check(released_load and released_save, "both transfers handed back while the agent is stopped")
            failed = w.get_block_ids_with_load_errors()
            check(failed == set(into), "the load's blocks recompute: %s" % failed)
            waited = time.time() - t0
            marker = torch.full_like(page_view(caches["layer.0"], 0, 0), 7)
            for b in into + big_blocks:  # vLLM reuses the released blocks at once
                for t in caches.values():
                    page_view(t, 0, b).copy_(marker)
        finally:
            node.send_signal(signal.SIGCONT)
            agent.send_signal(signal.SIGCONT)
        deadline = time.time() + 30
        stats = agent_call(sock, "stats")
        while stats["live_steps"] > 0 and time.time() < deadline:
            time.sleep(0.05)
            stats = agent_call(sock, "stats")
        check(stats["live_steps"] == 0, "the agent drained: %s" % stats)
        for b in into + big_blocks:
            for t in caches.values():
                check(torch.equal(page_view(t, 0, b), marker), "released block %d was written after release" % b)
        check(stats["fenced_steps"] > 0, "fenced steps counted: %s" % stats)
        # the worker probes the agent while idle, every retry_seconds, and uses it again once it answers
        deadline = time.time() + 15
        while w.unavailable is not None and time.time() < deadline:
            w.get_finished(set())
            time.sleep(0.05)
        check(w.unavailable is None, "the worker uses the agent again: %s" % w.unavailable)
        # whatever of the stale save reached the cluster is the bytes the blocks held before release
        stale_blocks = s.get_num_new_matched_tokens(request("probe-stale", big), 0)[0] // BLOCK
        if stale_blocks:
            reloaded, failed = load(s, w, request("reload-stale", big), list(range(0, 47)))
            check(failed == set(), "reloads cleanly: %d of %d stale blocks failed to load (%s); agent %s"
                  % (len(failed), stale_blocks, sorted(failed), agent_call(sock, "stats")))
            for j in range(stale_blocks):
                got = block_bytes(caches, 0, j)
                check(all(torch.equal(a, b) for a, b in zip(big_bytes[j], got)),
                      "a block saved before the fence holds its original bytes")
        # the next request is served
        nxt = tokens(rng, 3 * BLOCK)
        save(s, w, [request("next", nxt)], [90, 91, 92])
        matched, failed = load(s, w, request("next-load", nxt), [93, 94, 95])
        check(matched == 2 * BLOCK and not failed, "the next request is served: %s %s" % (matched, failed))
        print("fencing: handed back after %.1f s with the agent stopped; %d fenced steps; 0 bytes written to %d "
              "released blocks; the stale save's leading %d blocks reached the cluster, each with its pre-release "
              "bytes (agent: %d blocks saved, %d puts failed); the next request saved and loaded"
              % (waited, stats["fenced_steps"], len(into) + len(big_blocks), stale_blocks, stats["saved_blocks"],
                 stats["failed_puts"]))
        w.shutdown()
    finally:
        stop(agent)


def failures_part(work, node_ports, rng, logs):
    sock = os.path.join(work, "fail.sock")
    agent = start_agent(sock, *node_ports)
    try:
        caches = layout_caches("packed-hnd")
        s, w = connectors(sock, caches)
        check(s.get_num_new_matched_tokens(request("miss", tokens(rng, 4 * BLOCK)), 0) == (0, False),
              "a miss: zero, no error")
        check(s.unavailable is None, "a miss is not an outage")

        stale = layout_caches("packed-hnd")
        for t in stale.values():  # the worker's segments lose their names: their handles open nothing
            segment_of(t)[0].unlink()
        try:
            SpillwayConnector(config(sock), KVConnectorRole.WORKER, kv_cache_config()).register_kv_caches(stale)
            raise AssertionError("a stale handle was accepted")
        except SpillwayConnectorError as e:
            check("IPC handle" in str(e), "a clear error: %s" % e)

        prompt = tokens(rng, 5 * BLOCK + 2)
        save(s, w, [request("kept", prompt)], [1, 2, 3, 4, 5, 6])
        e_req = request("killed", prompt)
        matched = s.get_num_new_matched_tokens(e_req, 0)[0]
        into = [60, 61, 62, 63, 59]
        s.update_state_after_alloc(e_req, allocated(into), matched)
        step(s, w)
        agent.send_signal(signal.SIGKILL)
        agent.wait(10)
        await_finished(w, ["killed"], sending=False)
        check(w.get_block_ids_with_load_errors() == set(into), "the agent killed: its blocks recompute")
        check(s.get_num_new_matched_tokens(request("after", prompt), 0) == (0, False),
              "with the agent gone the scheduler matches nothing")
        agent = start_agent(sock, *node_ports)  # restarted (a container restart): the worker registers again
        time.sleep(1.1)
        w.get_finished(set())  # an idle step
        matched, failed = load(s, w, request("restarted", prompt), into)
        check(matched == 5 * BLOCK and not failed, "after a restart the worker re-registers: %s %s"
              % (matched, failed))
        w.shutdown()
    finally:
        stop(agent)

    # a device copy that fails: the agent answers it in `finished`, the connector logs it, the next save is stored
    logs.records.clear()
    faulty_sock = os.path.join(work, "faulty.sock")
    faulty = start_agent(faulty_sock, *node_ports, "--inject-copy-faults", "1")
    try:
        s3, w3 = connectors(faulty_sock, layout_caches("packed-hnd"))
        lost = tokens(rng, 2 * BLOCK + 1)
        save(s3, w3, [request("copy-fails", lost)], [7, 8, 9])
        copy_logs = [r for r in logs.records if "failed in the agent" in r]
        check(len(copy_logs) == 1 and "copy-fails" in copy_logs[0] and "injected fault" in copy_logs[0],
              "the failed copy is logged with its request and reason: %s" % logs.records)
        check(s3.get_num_new_matched_tokens(request("probe-lost", lost), 0) == (0, False),
              "a save whose copy failed stored nothing")
        save(s3, w3, [request("copy-works", lost)], [7, 8, 9])
        check(s3.get_num_new_matched_tokens(request("probe-kept", lost), 0)[0] == 2 * BLOCK,
              "the next save is stored: the agent went on")
        check(agent_call(faulty_sock, "stats")["failed_copies"] == 1, "counted once")
        w3.shutdown()
    finally:
        stop(faulty)

    # the cluster down at start: an agent pointing at a port nobody serves
    logs.records.clear()
    down_sock = os.path.join(work, "down.sock")
    dead = free_port()
    down = start_agent(down_sock, dead, dead)
    try:
        s2 = SpillwayConnector(config(down_sock), KVConnectorRole.SCHEDULER, kv_cache_config())
        w2 = SpillwayConnector(config(down_sock), KVConnectorRole.WORKER, kv_cache_config())
        w2.register_kv_caches(layout_caches("packed-hnd"))
        check(s2.get_num_new_matched_tokens(request("g", tokens(rng, 40)), 0) == (0, False), "serves without it")
        check(s2.get_num_new_matched_tokens(request("h", tokens(rng, 40)), 0) == (0, False), "and again")
        check(w2.unavailable is not None and s2.unavailable is not None, "both sides know")
        check(len(logs.records) == 2, "one log line a side: %s" % logs.records)
        check(all("cannot be reached" in r for r in logs.records), "saying the cluster is down: %s" % logs.records)
        check(down.poll() is None, "the agent stays up, to serve once the cluster is back")
    finally:
        stop(down)
    print("failures: a miss; a stale handle refused; the agent killed (%d blocks recompute) and restarted (the "
          "worker registered again); a failed copy logged and the next save stored; the cluster down at start (%s)"
          % (len(into), logs.records[0][:90]))


def main():
    logs = LogCount()
    logging.getLogger("spillway_vllm").addHandler(logs)
    logging.getLogger("spillway_vllm").setLevel(logging.INFO)
    only = set(sys.argv[1:])
    work = os.environ.get("HARNESS_WORK") or tempfile.mkdtemp(prefix="spw-")  # short: socket paths are <= 107 bytes
    node = None
    rng = random.Random(7)
    torch.manual_seed(7)
    try:
        node, data_port, control_port = start_node(work)
        ports = (data_port, control_port)
        t0 = time.time()
        for name, part in (("layouts", lambda: layouts_part(work, ports, rng)),
                           ("extras", lambda: extras_part(work, ports, rng)),
                           ("lifecycle", lambda: lifecycle_part(work, ports, rng)),
                           ("fencing", lambda: fencing_part(work, node, ports, rng)),
                           ("failures", lambda: failures_part(work, ports, rng, logs))):
            if not only or name in only:
                part()
        print("connector harness: all checks passed in %.0f s" % (time.time() - t0))
        return 0
    except Exception:  # noqa: BLE001
        traceback.print_exc()
        return 1
    finally:
        stop(node)
        if not os.environ.get("HARNESS_WORK"):
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
