"""Drives SpillwayConnector (scheduler and worker sides) against a real agent process and a real Spillway node
process, on the agent's host backend: save -> evict -> load with identical bytes, a cluster miss, a bad IPC handle,
the agent killed with loads in flight, the host-staged path, and a cluster that is down at start. Run by
ConnectorHarnessTest (JUnit), which passes SPILLWAY_JAVA and SPILLWAY_CLASSPATH (the module's test class path: the
agent and the server). Exits 0 when every check holds; prints the first failure and exits 1 otherwise."""

import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from types import SimpleNamespace

from spillway_vllm.connector import SpillwayConnector, SpillwayConnectorError
from spillway_vllm.host import HostKvTensor

BLOCK = 16
SHAPE = (2, 64, BLOCK, 2, 16)


class PlainKvTensor:
    """A KV tensor without an IPC handle (a TPU's, say): bytes in this process only, so blocks go through the ring."""

    def __init__(self, shape, dtype_bytes=2):
        self.shape = tuple(shape)
        self.dtype_bytes = dtype_bytes
        self.page_bytes = shape[2] * shape[3] * shape[4] * dtype_bytes
        self.data = bytearray(2 * shape[1] * self.page_bytes)

    def block(self, b):
        k, v = b * self.page_bytes, (self.shape[1] + b) * self.page_bytes
        return bytes(self.data[k:k + self.page_bytes]) + bytes(self.data[v:v + self.page_bytes])

    def fill_block(self, b, data):
        k, v = b * self.page_bytes, (self.shape[1] + b) * self.page_bytes
        self.data[k:k + self.page_bytes] = data[:self.page_bytes]
        self.data[v:v + self.page_bytes] = data[self.page_bytes:2 * self.page_bytes]


class LogCount(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record.getMessage())


def java():
    """The JVM command line every Spillway process needs (Aeron's and Agrona's access to jdk.internal.misc)."""
    return [os.environ["SPILLWAY_JAVA"], "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-cp",
            os.environ["SPILLWAY_CLASSPATH"]]


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_node(work):
    """A kv-server process on free ports; returns (process, data port, control port) once it accepts connections."""
    import socket
    data, control, http = free_port(), free_port(), free_port()
    cmd = java() + ["io.spillway.server.ServerMain",
           "--data-port", str(data), "--control-port", str(control), "--http-port", str(http), "--events-port", "0",
           "--data-dir", os.path.join(work, "node"), "--cpu-capacity", "64m",
           "--set", "spillway.server.nvmeEnabled=false"]
    log_path = os.path.join(work, "node.log")
    log = open(log_path, "w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)

    def tail():
        with open(log_path) as f:
            return f.read()[-3000:]

    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError("the node exited with %s:\n%s" % (proc.returncode, tail()))
        try:
            socket.create_connection(("127.0.0.1", data), timeout=1).close()
            return proc, data, control
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("the node did not open port %d in 60 s:\n%s" % (data, tail()))


def start_agent(socket_path, data_port, control_port):
    cmd = java() + ["io.spillway.bridge.agent.AgentCommand", "--socket", socket_path, "--server",
           "127.0.0.1:%d" % data_port, "--control-port", str(control_port), "--backend", "host", "--slots", "32",
           "--chunk-blocks", "4", "--tenant", "harness"]
    log = open(socket_path + ".log", "w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 30
    while time.time() < deadline:
        if os.path.exists(socket_path):
            return proc
        if proc.poll() is not None:
            return proc
        time.sleep(0.05)
    raise AssertionError("the agent did not open %s in 30 s" % socket_path)


def config(socket_path):
    return SimpleNamespace(kv_transfer_config=SimpleNamespace(kv_connector_extra_config={
        "agent_socket": socket_path, "timeout_seconds": 10}),
        cache_config=SimpleNamespace(block_size=BLOCK), model_config=SimpleNamespace(model="harness-model"))


def request(req_id, tokens):
    return SimpleNamespace(request_id=req_id, prompt_token_ids=tokens)


def allocated(block_ids):
    return SimpleNamespace(get_block_ids=lambda: (list(block_ids),))


def step(scheduler, worker):
    """One engine step: the scheduler's metadata to the worker, which starts its loads and saves."""
    worker.bind_connector_metadata(scheduler.build_connector_meta(None))
    worker.start_load_kv(None)
    worker.clear_connector_metadata()


def await_finished(worker, req_id, sending):
    deadline = time.time() + 20
    while time.time() < deadline:
        done_sending, done_recving = worker.get_finished(set())
        if req_id in ((done_sending if sending else done_recving) or ()):
            return
        time.sleep(0.01)
    raise AssertionError("%s never finished %s" % (req_id, "saving" if sending else "loading"))


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def main():
    logs = LogCount()
    logging.getLogger("spillway_vllm").addHandler(logs)
    work = tempfile.mkdtemp(prefix="spw-")  # short: Unix socket paths are at most 107 bytes
    node, agent, layers = None, None, {}
    try:
        node, data_port, control_port = start_node(work)
        sock = os.path.join(work, "agent.sock")
        agent = start_agent(sock, data_port, control_port)
        layers = {"model.layers.%d.self_attn" % i: HostKvTensor(SHAPE) for i in range(2)}
        rng = random.Random(7)
        for t in layers.values():
            t.buf[:] = bytes(rng.getrandbits(8) for _ in range(t.nbytes))
        scheduler = SpillwayConnector(config(sock), "SCHEDULER")
        worker = SpillwayConnector(config(sock), "WORKER")
        worker.register_kv_caches(layers)
        check(worker.disabled is None and scheduler.disabled is None, "both sides work")

        # save -> evict -> load
        prompt = [rng.randrange(32_000) for _ in range(5 * BLOCK + 3)]
        check(scheduler.get_num_new_matched_tokens(request("a", prompt), 0) == (0, False),
              "an empty cluster: zero matched tokens")
        a_blocks = [3, 8, 13, 21, 34, 40]
        saved = {name: [t.block(b) for b in a_blocks[:5]] for name, t in layers.items()}
        check(scheduler.request_finished(request("a", prompt), a_blocks) == (True, None), "the save holds the blocks")
        step(scheduler, worker)
        await_finished(worker, "a", sending=True)
        for t in layers.values():  # the GPU evicts them
            for b in a_blocks:
                t.fill_block(b, bytes(2 * t.page_bytes))
        b_req = request("b", list(prompt))
        matched = scheduler.get_num_new_matched_tokens(b_req, 0)
        check(matched == (5 * BLOCK, True), "five full blocks come from the cluster, asynchronously: %s" % (matched,))
        b_blocks = [50, 51, 52, 53, 54, 55]
        scheduler.update_state_after_alloc(b_req, allocated(b_blocks), 5 * BLOCK)
        step(scheduler, worker)
        await_finished(worker, "b", sending=False)
        check(worker.get_block_ids_with_load_errors() == set(), "no load errors")
        for name, t in layers.items():
            for i in range(5):
                check(t.block(b_blocks[i]) == saved[name][i], "%s block %d came back byte for byte" % (name, i))
        check(scheduler.get_num_new_matched_tokens(request("c", list(prompt)), 2 * BLOCK) == (3 * BLOCK, True),
              "with two blocks computed on the GPU, three come from the cluster")
        scheduler._lookups.clear()

        # a cluster miss
        other = [rng.randrange(32_000) for _ in range(4 * BLOCK)]
        check(scheduler.get_num_new_matched_tokens(request("d", other), 0) == (0, False), "a miss: zero, no error")
        check(scheduler.disabled is None, "a miss does not disable the connector")

        # a bad IPC handle: a tensor whose segment is gone
        gone = HostKvTensor(SHAPE)
        gone.close()
        try:
            SpillwayConnector(config(sock), "WORKER").register_kv_caches({"l0": gone, "l1": gone})
            raise AssertionError("a stale handle was accepted")
        except SpillwayConnectorError as e:
            check("IPC handle" in str(e), "a clear error: %s" % e)
        worker.register_kv_caches(layers)  # the agent maps the good ones again

        # the agent killed with a load in flight: the request recomputes those blocks
        e_req = request("e", list(prompt))
        check(scheduler.get_num_new_matched_tokens(e_req, 0) == (5 * BLOCK, True), "still in the cluster")
        e_blocks = [60, 61, 62, 63, 59]
        scheduler.update_state_after_alloc(e_req, allocated(e_blocks), 5 * BLOCK)
        step(scheduler, worker)
        agent.send_signal(signal.SIGKILL)
        agent.wait(10)
        _, recving = worker.get_finished(set())
        check(recving == {"e"}, "the request is handed back to vLLM: %s" % (recving,))
        check(worker.get_block_ids_with_load_errors() == set(e_blocks), "its blocks are reported for recompute")
        check(scheduler.get_num_new_matched_tokens(request("f", list(prompt)), 0) == (0, False),
              "with the agent gone the scheduler matches nothing")
        check(scheduler.disabled is not None, "and turns itself off")

        # the host-staged path (no IPC): blocks go through a shared-memory ring the agent maps
        staged_sock = os.path.join(work, "staged.sock")
        staged_agent = start_agent(staged_sock, data_port, control_port)
        plain = {"l%d" % i: PlainKvTensor(SHAPE) for i in range(2)}
        try:
            for t in plain.values():
                t.data[:] = bytes(rng.getrandbits(8) for _ in range(len(t.data)))
            s3 = SpillwayConnector(config(staged_sock), "SCHEDULER")
            w3 = SpillwayConnector(config(staged_sock), "WORKER")
            w3.register_kv_caches(plain)
            check(w3.staged and w3.disabled is None, "tensors without handles take the staged path")
            staged_prompt = [rng.randrange(32_000) for _ in range(3 * BLOCK + 1)]
            src = [5, 6, 7, 9]
            originals = {n: [t.block(b) for b in src[:3]] for n, t in plain.items()}
            check(s3.request_finished(request("s", staged_prompt), src) == (True, None), "saved through the ring")
            step(s3, w3)
            await_finished(w3, "s", sending=True)
            for t in plain.values():
                for b in src:
                    t.fill_block(b, bytes(2 * t.page_bytes))
            t_req = request("t", list(staged_prompt))
            check(s3.get_num_new_matched_tokens(t_req, 0) == (3 * BLOCK, True), "found after the save")
            s3.update_state_after_alloc(t_req, allocated([40, 41, 42, 43]), 3 * BLOCK)
            step(s3, w3)
            await_finished(w3, "t", sending=False)
            check(w3.get_block_ids_with_load_errors() == set(), "no staged load errors")
            for n, t in plain.items():
                for i in range(3):
                    check(t.block(40 + i) == originals[n][i], "staged %s block %d byte for byte" % (n, i))
            w3.shutdown()
        finally:
            if staged_agent.poll() is None:
                staged_agent.kill()
                staged_agent.wait(10)

        # the cluster down at start: an agent pointing at a port nobody serves
        logs.records.clear()
        down_sock = os.path.join(work, "down.sock")
        dead_port = free_port()
        down = start_agent(down_sock, dead_port, dead_port)
        try:
            s2 = SpillwayConnector(config(down_sock), "SCHEDULER")
            w2 = SpillwayConnector(config(down_sock), "WORKER")
            w2.register_kv_caches(layers)
            check(s2.get_num_new_matched_tokens(request("g", list(prompt)), 0) == (0, False), "serves without it")
            check(s2.get_num_new_matched_tokens(request("h", list(prompt)), 0) == (0, False), "and again")
            check(w2.disabled is not None and s2.disabled is not None, "both sides disabled")
            check(len(logs.records) == 2, "one log line a side: %s" % logs.records)
            check(all("cannot be reached" in r for r in logs.records), "saying the cluster is down: %s"
                  % logs.records)
            check(down.poll() is None, "the agent stays up, to serve once the cluster is back")
        finally:
            if down.poll() is None:
                down.kill()
                down.wait(10)
        print("connector harness: save/evict/load identical over %d layers, miss, bad handle, agent killed (%d "
              "blocks to recompute), host-staged save/load identical, cluster down at start (%s); all checks passed"
              % (len(layers), len(e_blocks),
                                                                                      logs.records[0][:110]))
        return 0
    except Exception:  # noqa: BLE001
        traceback.print_exc()
        return 1
    finally:
        for proc in (agent, node):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait(10)
        for t in layers.values():
            t.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
