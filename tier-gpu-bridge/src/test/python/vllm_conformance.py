"""SpillwayConnector against vLLM 0.34.0 itself (bin/vllm-requirements.txt pins it): vLLM's KVConnectorFactory
resolves it from kv_connector_module_path, no abstract method is left, every method it overrides keeps vLLM's
parameters, and vLLM's own Scheduler (built on CPU from a small model config this script writes: no model hub is
reachable) drives it against a real agent and a real node through

  lora/base     a LoRA request and a base request with the same tokens: neither loads the other's blocks; a base
                request after the base one loads its blocks byte for byte
  abort         a request aborted mid-prefill (chunked prefill) saves only the blocks it computed
  failed load   a load whose copy fails (the agent's fault injection), under kv_load_failure_policy "fail" (the
                request errors, nothing it did not compute is saved) and "recompute" (it recomputes and finishes, then
                saves the blocks it computed)

The model runner is played by this script: it moves vLLM's connector metadata to a worker-side connector (made by
the same factory) over shared-memory KV tensors, and hands back each step's sampled token and the worker's transfer
results. Run by VllmConformanceTest with the interpreter of bin/vllm-venv."""

import inspect
import json
import os
import shutil
import sys
import tempfile
import time
import traceback

import torch
import vllm
from vllm import SamplingParams
from vllm.config import CacheConfig, DeviceConfig, KVTransferConfig, ModelConfig, SchedulerConfig, VllmConfig
from vllm.distributed.kv_transfer.kv_connector.factory import KVConnectorFactory
from vllm.distributed.kv_transfer.kv_connector.v1.base import KVConnectorBase_V1, KVConnectorRole
from vllm.lora.request import LoRARequest
from vllm.v1.core.sched.scheduler import Scheduler
from vllm.v1.kv_cache_interface import FullAttentionSpec, KVCacheConfig, KVCacheGroupSpec
from vllm.v1.outputs import KVConnectorOutput, ModelRunnerOutput
from vllm.v1.request import Request, RequestStatus
from vllm.v1.structured_output import StructuredOutputManager

from harness_procs import agent_call, start_agent, start_node, stop
from spillway_vllm.connector import SpillwayConnector
from spillway_vllm.host import release, shared_tensor
from spillway_vllm.layout import page_view

BLOCK = 16
NUM_BLOCKS = 128
HEADS, HEAD = 2, 16
EOS = 2


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def write_model(directory):
    """A tiny Llama's config.json: all vLLM's ModelConfig needs with the tokenizer skipped."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64,
                   "intermediate_size": 128, "num_attention_heads": 4, "num_key_value_heads": HEADS,
                   "num_hidden_layers": 2, "vocab_size": 32000, "max_position_embeddings": 4096, "rms_norm_eps": 1e-5,
                   "torch_dtype": "bfloat16", "bos_token_id": 1, "eos_token_id": EOS}, f)
    return directory


def vllm_config(model_dir, sock, policy):
    model = ModelConfig(model=model_dir, skip_tokenizer_init=True, dtype="bfloat16", seed=0,
                        served_model_name="conformance-model", enable_lora=True) \
        if "enable_lora" in inspect.signature(ModelConfig).parameters else \
        ModelConfig(model=model_dir, skip_tokenizer_init=True, dtype="bfloat16", seed=0,
                    served_model_name="conformance-model")
    return VllmConfig(
        model_config=model,
        scheduler_config=SchedulerConfig(max_num_seqs=8, max_num_batched_tokens=64, max_model_len=2048,
                                         enable_chunked_prefill=True, is_encoder_decoder=False),
        cache_config=CacheConfig(block_size=BLOCK, gpu_memory_utilization=0.9, cache_dtype="auto",
                                 enable_prefix_caching=True),
        kv_transfer_config=KVTransferConfig(kv_connector="SpillwayConnector",
                                            kv_connector_module_path="spillway_vllm.connector", kv_role="kv_both",
                                            kv_load_failure_policy=policy,
                                            kv_connector_extra_config={"agent_socket": sock, "timeout_seconds": 5,
                                                                       "retry_seconds": 1}),
        device_config=DeviceConfig("cpu"))


def kv_cache_config():
    return KVCacheConfig(num_blocks=NUM_BLOCKS, kv_cache_tensors=[], kv_cache_groups=[
        KVCacheGroupSpec(["layer.0", "layer.1"], FullAttentionSpec(block_size=BLOCK, num_kv_heads=HEADS,
                                                                   head_size=HEAD, dtype=torch.bfloat16))])


class Engine:
    """vLLM's Scheduler with its connector, and a worker-side connector over shared-memory KV tensors, stepped the
    way vLLM's engine core and model runner step them."""

    def __init__(self, config):
        self.config = config
        kvc = kv_cache_config()
        config.cache_config.num_gpu_blocks = NUM_BLOCKS
        self.scheduler = Scheduler(vllm_config=config, kv_cache_config=kvc, log_stats=True,
                                   structured_output_manager=StructuredOutputManager(config), block_size=BLOCK)
        check(isinstance(self.scheduler.connector, SpillwayConnector), "the scheduler's connector is Spillway's: %s"
              % type(self.scheduler.connector))
        self.worker = KVConnectorFactory.create_connector(config, KVConnectorRole.WORKER, kvc)
        self.caches = {"layer.%d" % i: shared_tensor((NUM_BLOCKS, HEADS, BLOCK, 2 * HEAD), torch.bfloat16)
                       for i in range(2)}
        for t in self.caches.values():
            t.copy_(torch.randn(t.shape).to(torch.bfloat16))
        self.worker.register_kv_caches(self.caches)
        self.finished = {}

    def add(self, req):
        self.scheduler.add_request(req)

    def step(self):
        out = self.scheduler.schedule()
        self.worker.handle_preemptions(out.kv_connector_metadata)
        self.worker.bind_connector_metadata(out.kv_connector_metadata)
        self.worker.start_load_kv(None)
        self.worker.wait_for_save()
        self.worker.clear_connector_metadata()
        sending, recving = self.worker.get_finished(out.finished_req_ids)
        invalid = self.worker.get_block_ids_with_load_errors()
        reqs = list(out.num_scheduled_tokens)
        kv_out = None
        if sending or recving or invalid:
            kv_out = KVConnectorOutput(finished_sending=sending, finished_recving=recving, invalid_block_ids=invalid)
        runner = ModelRunnerOutput(req_ids=reqs,
                                   sampled_token_ids=[[1000 + i] for i, _ in enumerate(reqs)],
                                   kv_connector_output=kv_out)
        outputs = self.scheduler.update_from_output(out, runner)
        for client_outputs in outputs.values():
            for o in client_outputs.outputs:
                if o.finish_reason is not None:
                    self.finished[o.request_id] = o.finish_reason
        return out

    def run_until(self, done, limit=400):
        for _ in range(limit):
            if done():
                return
            self.step()
            time.sleep(0.002)
        raise AssertionError("the engine did not get there in %d steps" % limit)

    def idle(self):
        s = self.scheduler
        return not s.requests and not self.worker._saving and not self.worker._loading

    def block_ids(self, req_id):
        return list(self.scheduler.kv_cache_manager.get_block_ids(req_id)[0])

    def page(self, block):
        return [page_view(t, 0, block).contiguous().clone() for t in self.caches.values()]

    def lookup(self, tokens, lora=None):
        extras = None if lora is None else {"lora": lora}
        return agent_call(self.config.kv_transfer_config.kv_connector_extra_config["agent_socket"], "lookup",
                          tokens=tokens, extras=extras)["blocks"]

    def close(self):
        self.worker.shutdown()
        self.scheduler.shutdown()
        for t in self.caches.values():
            release(t)


def request(req_id, tokens, max_tokens=4, lora=None):
    params = SamplingParams(max_tokens=max_tokens, ignore_eos=True)
    params.update_from_generation_config({}, EOS)
    return Request(request_id=req_id, prompt_token_ids=list(tokens), sampling_params=params, pooling_params=None,
                   lora_request=None if lora is None else LoRARequest(lora, 1, "/adapters/" + lora))


def api_part():
    cls = KVConnectorFactory.get_connector_class(KVTransferConfig(
        kv_connector="SpillwayConnector", kv_connector_module_path="spillway_vllm.connector", kv_role="kv_both"))
    check(cls is SpillwayConnector, "the factory resolves kv_connector_module_path to SpillwayConnector: %s" % cls)
    check(not inspect.isabstract(cls), "abstract methods left: %s" % sorted(getattr(cls, "__abstractmethods__", ())))
    overridden = []
    for name, base in inspect.getmembers(KVConnectorBase_V1):
        ours = cls.__dict__.get(name)
        if name.startswith("__") or ours is None or not callable(base) and not isinstance(ours, property):
            continue
        if isinstance(ours, (property, classmethod, staticmethod)) or isinstance(base, property):
            check(type(inspect.getattr_static(KVConnectorBase_V1, name)) is type(ours),
                  "%s: vLLM's is a %s, ours a %s" % (name, type(inspect.getattr_static(KVConnectorBase_V1, name)),
                                                     type(ours)))
            if not isinstance(ours, classmethod):
                overridden.append(name)
                continue
        theirs = [(p.name, p.kind) for p in inspect.signature(getattr(KVConnectorBase_V1, name)).parameters.values()]
        mine = [(p.name, p.kind) for p in inspect.signature(getattr(cls, name)).parameters.values()]
        if name == "__init__":
            continue
        check(mine == theirs, "%s%s does not keep vLLM's parameters %s" % (name, mine, theirs))
        overridden.append(name)
    check(len(overridden) >= 12, "too few overrides checked: %s" % overridden)
    return overridden


def lora_part(model_dir, sock):
    engine = Engine(vllm_config(model_dir, sock, "recompute"))
    try:
        prompt = [100 + i for i in range(5 * BLOCK + 3)]
        engine.add(request("base-1", prompt))
        engine.run_until(lambda: engine.scheduler.requests["base-1"].num_computed_tokens >= len(prompt))
        base_blocks = engine.block_ids("base-1")[:5]
        before = [engine.page(b) for b in base_blocks]
        engine.run_until(lambda: "base-1" in engine.finished and engine.idle())
        check(engine.lookup(prompt) >= 5, "the base request's prompt blocks are in the cluster")
        check(engine.lookup(prompt, "sql") == 0, "a LoRA lookup of the same tokens finds none of them")
        engine.scheduler.reset_prefix_cache()
        engine.add(request("lora-1", prompt, lora="sql"))
        engine.step()
        lora = engine.scheduler.requests["lora-1"]
        check(lora.status != RequestStatus.WAITING_FOR_REMOTE_KVS,
              "the LoRA request loads nothing of the base one's (status %s)" % lora.status)
        engine.run_until(lambda: "lora-1" in engine.finished and engine.idle())
        check(engine.lookup(prompt, "sql") >= 5, "the LoRA request saved its own blocks")
        engine.scheduler.reset_prefix_cache()
        engine.add(request("base-2", prompt))
        engine.step()
        base2 = engine.scheduler.requests["base-2"]
        check(base2.status == RequestStatus.WAITING_FOR_REMOTE_KVS, "the second base request loads from the cluster")
        into = engine.block_ids("base-2")[:5]
        engine.run_until(lambda: "base-2" in engine.finished and engine.idle())
        for j, b in enumerate(into):
            check(all(torch.equal(x, y) for x, y in zip(before[j], engine.page(b))),
                  "block %d loaded byte for byte from the base request's" % j)
    finally:
        engine.close()


def abort_part(model_dir, sock):
    engine = Engine(vllm_config(model_dir, sock, "recompute"))
    try:
        prompt = [5000 + i for i in range(10 * BLOCK)]
        engine.add(request("long", prompt))
        engine.step()  # 64 tokens: 4 of the 10 blocks computed
        computed = engine.scheduler.requests["long"].num_computed_tokens
        engine.scheduler.finish_requests("long", RequestStatus.FINISHED_ABORTED)
        engine.run_until(engine.idle)
        found = engine.lookup(prompt)
        check(found == computed // BLOCK, "an abort after %d computed tokens saved %d blocks" % (computed, found))
        return computed // BLOCK
    finally:
        engine.close()


def failed_load_part(model_dir, node_ports, work, policy):
    """The cluster holds 4 of a prompt's 8 blocks; the load of them fails (the agent's first copy is made to fail)."""
    good_sock = os.path.join(work, "good-%s.sock" % policy)
    bad_sock = os.path.join(work, "bad-%s.sock" % policy)
    good = start_agent(good_sock, *node_ports)
    bad = start_agent(bad_sock, *node_ports, "--inject-copy-faults", "1")
    try:
        prompt = [20000 + 97 * len(policy) + i for i in range(8 * BLOCK + 2)]
        seed = Engine(vllm_config(model_dir, good_sock, policy))
        try:
            seed.add(request("seed", prompt[:4 * BLOCK + 1], max_tokens=1))
            seed.run_until(lambda: "seed" in seed.finished and seed.idle())
            check(seed.lookup(prompt) == 4, "4 blocks of the prompt in the cluster")
        finally:
            seed.close()
        engine = Engine(vllm_config(model_dir, bad_sock, policy))
        try:
            engine.add(request("victim", prompt))
            engine.step()
            check(engine.scheduler.requests["victim"].status == RequestStatus.WAITING_FOR_REMOTE_KVS,
                  "the victim loads 4 blocks")
            engine.run_until(lambda: "victim" in engine.finished and engine.idle())
            reason = str(engine.finished["victim"])
            found = engine.lookup(prompt)
            stats = agent_call(bad_sock, "stats")
            check(stats["failed_copies"] == 1, "the injected failure happened: %s" % stats)
            if policy == "fail":
                check("error" in reason.lower(), "under 'fail' the request errors: %s" % reason)
                check(found == 4, "it saved nothing it did not compute: the cluster still has 4 blocks, not %d" % found)
            else:
                check("error" not in reason.lower(), "under 'recompute' it finishes: %s" % reason)
                check(found == 8, "it recomputed, finished, and saved the 4 blocks it computed: %d" % found)
            return reason, found
        finally:
            engine.close()
    finally:
        stop(good, bad)


def main():
    work = tempfile.mkdtemp(prefix="spc-")
    node = agent = None
    try:
        overridden = api_part()
        print("api: vLLM %s's KVConnectorFactory resolves SpillwayConnector; no abstract method left; %d overridden "
              "methods keep vLLM's parameters (%s)" % (vllm.__version__, len(overridden), ", ".join(overridden)))
        model_dir = write_model(os.path.join(work, "model"))
        node, data_port, control_port = start_node(work)
        sock = os.path.join(work, "agent.sock")
        agent = start_agent(sock, data_port, control_port)
        lora_part(model_dir, sock)
        print("lora/base: the LoRA request loaded none of the base request's blocks and saved its own; a second base "
              "request loaded the first one's byte for byte")
        saved = abort_part(model_dir, sock)
        print("abort: aborted mid-prefill, %d computed blocks saved of 10" % saved)
        for policy in ("fail", "recompute"):
            reason, found = failed_load_part(model_dir, (data_port, control_port), work, policy)
            print("failed load, policy %s: the request ended %s; the cluster holds %d of its 8 blocks"
                  % (policy, reason, found))
        print("vllm conformance: all checks passed")
        return 0
    except Exception:  # noqa: BLE001
        traceback.print_exc()
        return 1
    finally:
        stop(agent, node)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
