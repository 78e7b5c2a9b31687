"""SpillwayConnector: vLLM's KV connector (v1) in front of a Spillway agent beside each worker.

Scheduler side: a request's tokens and extra keys are looked up through the agent once per request (cached); the
blocks the cluster holds beyond what the GPU has are loaded asynchronously into the blocks vLLM allocates. When a
request finishes, the full blocks whose KV was computed (prompt and generated tokens, never past a load that did not
finish or failed) and that the cluster did not already hold are saved asynchronously, vLLM keeping them until the
save ends. Worker side: the KV caches are described to the agent by memory layout (any of vLLM's block-first,
KV-first, cross-layer and MLA layouts, docs/vllm.md) and shared by IPC handle, or copied through a host staging ring;
every transfer carries a generation, and a transfer the connector gives up on is fenced so that it can never touch
the worker's blocks afterwards. A cache miss, an agent or cluster that is down: vLLM recomputes, never fails.
"""

import base64
import logging
import time
from dataclasses import dataclass, field

from vllm.distributed.kv_transfer.kv_connector.v1.base import KVConnectorBase_V1, KVConnectorMetadata

from .agent_client import AgentClient, AgentError, AgentRefused
from .extras import request_extras
from .fence import Fence
from .host import SharedSegment, segment_of
from .layout import LayoutError, block_dim, describe, page_view

try:
    from vllm.v1.metrics.cache_hit_source import CacheHitSource
    _HIT_SOURCE = CacheHitSource.HOST
except ImportError:  # an older vLLM
    _HIT_SOURCE = None

logger = logging.getLogger("spillway_vllm")

_NOT_REGISTERED = "register the worker's KV caches first"  # the agent's answer when it has no registration


class SpillwayConnectorError(Exception):
    """A misconfiguration vLLM should not start with (a bad IPC handle, a layout it cannot describe)."""


@dataclass
class LoadSpec:
    req_id: str
    tokens: list
    extras: dict
    block_ids: list
    start_block: int


@dataclass
class SaveSpec:
    req_id: str
    tokens: list
    extras: dict
    block_ids: list
    start_block: int


@dataclass
class SpillwayConnectorMetadata(KVConnectorMetadata):
    loads: list = field(default_factory=list)
    saves: list = field(default_factory=list)


@dataclass
class _Lookup:
    num_tokens: int
    cluster_blocks: int
    extras: dict
    local_tokens: int = 0


@dataclass
class _Load:
    start_block: int
    block_ids: list
    done: bool = False


@dataclass
class _Transfer:
    block_ids: list
    target: list
    started: float


def _role_name(role):
    return getattr(role, "name", str(role)).upper()


class _AgentLink:
    """The agent, called with a back-off: after a failure it is not called again for ``retry_seconds`` (each call
    would otherwise hold vLLM's step for the timeout), and each outage is logged once, with its recovery."""

    def __init__(self, path, timeout, retry_seconds, side):
        self._client = AgentClient(path, timeout)
        self.retry_seconds = retry_seconds
        self._side = side
        self._down_until = 0.0
        self.down_reason = None

    def call(self, op, **fields):
        now = time.monotonic()
        if now < self._down_until:
            raise AgentError("the Spillway agent is unavailable (%s); next try in %.1f s"
                             % (self.down_reason, self._down_until - now))
        try:
            answer = self._client.call(op, **fields)
        except AgentRefused as e:  # it answers: down only when it says its cluster is
            if "cannot be reached" in str(e):
                self.mark_down(str(e))
            raise
        except AgentError as e:
            self.mark_down(str(e))
            raise
        if self.down_reason is not None:
            logger.warning("Spillway %s: the agent answers again", self._side)
            self.down_reason = None
        return answer

    def mark_down(self, reason):
        if self.down_reason is None:
            logger.warning("Spillway %s: %s; vLLM serves without Spillway and retries every %.0f s", self._side,
                           reason, self.retry_seconds)
        self.down_reason = reason
        self._down_until = time.monotonic() + self.retry_seconds

    def close(self):
        self._client.close()


class SpillwayConnector(KVConnectorBase_V1):
    def __init__(self, vllm_config, role, kv_cache_config=None):
        try:
            super().__init__(vllm_config, role, kv_cache_config)
        except TypeError:  # vLLM before the kv_cache_config argument
            super().__init__(vllm_config, role)
        self._kv_cache_config = kv_cache_config
        extra = dict(vllm_config.kv_transfer_config.kv_connector_extra_config or {})
        if "agent_socket" not in extra:
            raise SpillwayConnectorError("kv_connector_extra_config needs \"agent_socket\": the Spillway agent's "
                                         "Unix socket")
        self._role_name = _role_name(role)
        self._block_size = int(vllm_config.cache_config.block_size)
        self._model = str(extra.get("model") or _served_model(vllm_config))
        self._tp_size, self._pp_size = _parallel_sizes(vllm_config)
        self._tp_rank, self._pp_rank = (0, 0) if self._role_name == "SCHEDULER" else _ranks(extra)
        socket = str(extra["agent_socket"])
        if (self._tp_size > 1 or self._pp_size > 1) and "{" not in socket:
            raise SpillwayConnectorError("with tensor or pipeline parallelism (%d x %d) each rank needs its own agent: "
                                         "put {rank}, {tp_rank} or {pp_rank} in agent_socket, got %s"
                                         % (self._tp_size, self._pp_size, socket))
        rank = self._pp_rank * self._tp_size + self._tp_rank
        self._socket = socket.format(rank=rank, tp_rank=self._tp_rank, pp_rank=self._pp_rank)
        self._link = _AgentLink(self._socket, float(extra.get("timeout_seconds", 30)),
                                float(extra.get("retry_seconds", 5)), self._role_name.lower())
        self._staging_slots = int(extra.get("staging_slots", 512))
        self._force_staging = bool(extra.get("staging", False))
        self._cache_dtype = str(getattr(vllm_config.cache_config, "cache_dtype", "auto") or "auto")
        self._layout_name = getattr(vllm_config.cache_config, "kv_cache_layout", None)
        # scheduler side
        self._lookups = {}
        self._loads = {}
        self._pending_loads = []
        self._pending_saves = []
        # worker side
        self._tensors = []
        self._bdim = 0
        self._ring = None  # the host-staged path's ring, when the tensors cannot be shared by IPC
        self._slot_bytes = 0
        self._free_ring = []
        self._fence = None
        self._registration = None
        self._checked = 0.0
        self._loading = {}
        self._saving = {}
        self._abandoned_loads = {}
        self._abandoned_saves = {}
        self._finished_reqs = set()
        self._finished_sending = set()
        self._finished_recving = set()
        self._load_errors = set()
        self._transfer_timeout = float(extra.get("transfer_timeout_seconds", extra.get("timeout_seconds", 30)))
        if self._role_name == "SCHEDULER":
            try:
                self._link.call("ping")
            except AgentError:
                pass  # logged once by the link; lookups answer 0 until it is back

    # ---- what vLLM asks of every connector ----

    @property
    def requires_kv_delivery(self):
        """A best-effort cache: a dropped save is a later miss, so a preempted request need not deliver."""
        return False

    @classmethod
    def get_required_kvcache_layout(cls, vllm_config):
        return None  # any layout: the page format is read from the tensors and keys the namespace

    @property
    def unavailable(self):
        """Why the agent is not used right now, or None."""
        return self._link.down_reason

    # ---- scheduler side ----

    def _tokens(self, request):
        return list(request.all_token_ids)

    def get_num_new_matched_tokens(self, request, num_computed_tokens):
        """Tokens beyond ``num_computed_tokens`` the cluster can supply, loaded asynchronously. One agent lookup per
        request and length: vLLM may ask again, and gets the same answer without another call."""
        num_tokens = len(request.all_token_ids)
        seen = self._lookups.get(request.request_id)
        if seen is None or seen.num_tokens != num_tokens:
            tokens = self._tokens(request)
            extras = request_extras(request, self._block_size, len(tokens) // self._block_size)
            try:
                found = int(self._link.call("lookup", tokens=tokens, extras=extras)["blocks"])
            except AgentError:
                found = 0
            seen = _Lookup(num_tokens, found, extras)
            self._lookups[request.request_id] = seen
        seen.local_tokens = num_computed_tokens
        blocks = min(seen.cluster_blocks, (num_tokens - 1) // self._block_size)  # vLLM computes the last token
        external = blocks * self._block_size - num_computed_tokens
        if external <= 0:
            return 0, False
        return external, True

    def get_external_cache_hit_sources(self, request, num_external_tokens):
        if num_external_tokens == 0:
            return {}
        if _HIT_SOURCE is None:
            return super().get_external_cache_hit_sources(request, num_external_tokens)
        return {_HIT_SOURCE: num_external_tokens}

    def update_state_after_alloc(self, request, blocks, num_external_tokens):
        if num_external_tokens <= 0:
            return
        seen = self._lookups.get(request.request_id)
        if seen is None:
            return
        block_ids = list(blocks.get_block_ids()[0])
        start = seen.local_tokens // self._block_size
        count = num_external_tokens // self._block_size
        target = block_ids[start:start + count]
        self._loads[request.request_id] = _Load(start, target)
        # the lookup's tokens and extras: the load is planned right after it, for the same request and length
        self._pending_loads.append(LoadSpec(request.request_id, self._tokens(request), seen.extras, target, start))

    def build_connector_meta(self, scheduler_output):
        meta = SpillwayConnectorMetadata(self._pending_loads, self._pending_saves)
        self._pending_loads = []
        self._pending_saves = []
        return meta

    def update_connector_output(self, connector_output):
        """Notes which loads ended, so that a finished request never saves past one that did not."""
        for req in connector_output.finished_recving or ():
            load = self._loads.get(req)
            if load is not None:
                load.done = True

    def request_finished(self, request, block_ids):
        """Saves the request's full blocks whose KV was computed and the cluster lacks; vLLM keeps them (True) until
        ``get_finished`` reports the save."""
        req = request.request_id
        seen = self._lookups.pop(req, None)
        load = self._loads.pop(req, None)
        if self._link.down_reason is not None and not self._link_ready():
            return False, None
        tokens = self._tokens(request)
        computed = request.num_computed_tokens - getattr(request, "num_in_flight_tokens", 0)
        computed = max(0, min(computed, len(tokens)))
        n = min(computed // self._block_size, len(block_ids))
        if load is not None and not load.done:
            n = min(n, load.start_block)  # a load that never finished: those blocks hold no KV
        first = 0 if seen is None else min(seen.cluster_blocks, n)  # the cluster held these at lookup
        if n <= first:
            return False, None
        tokens = tokens[:n * self._block_size]
        self._pending_saves.append(SaveSpec(req, tokens, request_extras(request, self._block_size, n),
                                            list(block_ids[first:n]), first))
        return True, None

    def _link_ready(self):
        try:
            self._link.call("ping")
            return True
        except AgentError:
            return False

    # ---- worker side ----

    def register_kv_caches(self, kv_caches):
        """Describes the worker's KV tensors to the agent (regions, layer placements, page runs, page format) and
        shares them by IPC handle; tensors that have none (TPU, CPU), or ``"staging": true``, go through a
        shared-memory ring of whole blocks instead. Creates the fence page transfers are fenced with."""
        names = list(kv_caches)
        if not names:
            raise SpillwayConnectorError("no KV caches to register")
        groups = getattr(self._kv_cache_config, "kv_cache_groups", None) or []
        if len(groups) > 1:
            raise SpillwayConnectorError("%d KV cache groups (a hybrid model): Spillway keys one group of full "
                                         "attention layers" % len(groups))
        self._tensors = [kv_caches[n] for n in names]
        num_blocks = self._num_blocks(self._tensors[0])
        first = self._tensors[0]
        dtype = self._cache_dtype if self._cache_dtype != "auto" else str(first.dtype).rsplit(".", 1)[-1]
        staged = self._force_staging or not all(_shareable(t) for t in self._tensors)
        try:
            self._bdim = block_dim(tuple(first.shape), num_blocks)
            cache, page_format, page_bytes = describe(
                self._tensors, num_blocks, _region_of if not staged else _no_region, dtype, self._layout_name)
        except LayoutError as e:
            raise SpillwayConnectorError("the KV caches cannot be described: %s" % e) from e
        heads, head_dim = self._head_shape(page_bytes, first.element_size())
        namespace = dict(model=self._model, dtype=dtype, block_size=self._block_size, layers=len(names),
                         kv_heads=heads, head_dim=head_dim, tp_size=self._tp_size, tp_rank=self._tp_rank,
                         pp_size=self._pp_size, pp_rank=self._pp_rank, layout=page_format)
        self._fence = Fence()
        fields = dict(namespace=namespace, fence=_b64(self._fence.handle()))
        if staged:
            self._slot_bytes = page_bytes * len(names)
            self._ring = SharedSegment(self._slot_bytes * self._staging_slots)
            self._free_ring = list(range(self._staging_slots))
            fields["staging"] = {"slots": self._staging_slots, "block_bytes": self._slot_bytes,
                                 "handle": _b64(self._ring.handle())}
        else:
            cache["regions"] = [_b64(h) for h in cache["regions"]]
            fields["cache"] = cache
        self._registration = fields
        try:
            self._link.call("register", **fields)
        except AgentError as e:
            if "IPC handle" in str(e) or "region" in str(e) or "span" in str(e):
                raise SpillwayConnectorError("the agent cannot map the KV caches: %s" % e) from e

    def _transfer_call(self, op, **fields):
        """A load or save; an agent that restarted (and so lost the registration) is registered again first."""
        try:
            return self._link.call(op, **fields)
        except AgentError as e:
            if not str(e).startswith(_NOT_REGISTERED):
                raise
        self._link.call("register", **self._registration)
        return self._link.call(op, **fields)

    def _num_blocks(self, tensor):
        n = getattr(self._kv_cache_config, "num_blocks", None)
        if n:
            return int(n)
        shape = tuple(tensor.shape)
        return shape[1] if len(shape) == 5 and shape[0] == 2 else shape[0]

    def _head_shape(self, page_bytes, element_size):
        for group in getattr(self._kv_cache_config, "kv_cache_groups", None) or []:
            spec = group.kv_cache_spec
            heads = getattr(spec, "num_kv_heads", None)
            size = getattr(spec, "head_size", None)
            if heads and size:
                return int(heads), int(size)
        return 1, max(1, page_bytes // (element_size * self._block_size))

    @property
    def staged(self):
        """Whether blocks go through the host-staged ring."""
        return self._ring is not None

    def _ring_slots(self, n):
        if n > len(self._free_ring):
            return None
        taken, self._free_ring = self._free_ring[:n], self._free_ring[n:]
        return taken

    def _release_ring(self, slots):
        if self._ring is not None:
            self._free_ring.extend(slots)

    def _stage_out(self, block_ids, slots):
        """Copies the worker's blocks into ring slots: every layer's page, in memory order."""
        import torch
        ring = torch.frombuffer(self._ring.buf, dtype=torch.uint8)
        for block, slot in zip(block_ids, slots):
            at = slot * self._slot_bytes
            for t in self._tensors:
                page = page_view(t, self._bdim, block).contiguous().view(-1).view(torch.uint8).cpu()
                ring[at:at + page.numel()].copy_(page)
                at += page.numel()

    def _stage_in(self, block_ids, slots):
        """Copies ring slots into the worker's blocks."""
        import torch
        ring = torch.frombuffer(self._ring.buf, dtype=torch.uint8)
        for block, slot in zip(block_ids, slots):
            at = slot * self._slot_bytes
            for t in self._tensors:
                view = page_view(t, self._bdim, block)
                n = view.numel() * view.element_size()
                src = ring[at:at + n].view(view.dtype).view(view.shape)
                view.copy_(src.to(view.device))
                at += n

    def start_load_kv(self, forward_context, **kwargs):
        if not self.has_connector_metadata():
            return
        meta = self._get_connector_metadata()
        if self._fence is None:  # nothing registered: nothing can move
            for load in meta.loads:
                self._failed_load(load.req_id, load.block_ids)
            self._finished_sending.update(save.req_id for save in meta.saves)
            return
        now = time.monotonic()
        for load in meta.loads:
            target = load.block_ids
            if self._ring is not None:
                target = self._ring_slots(len(load.block_ids))
                if target is None:
                    logger.warning("Spillway staging ring full: %s recomputes", load.req_id)
                    self._failed_load(load.req_id, load.block_ids)
                    continue
            try:
                self._transfer_call("load", req=load.req_id, gen=self._fence.generation, tokens=load.tokens,
                                extras=load.extras, block_ids=target, **{"from": load.start_block})
                self._loading[load.req_id] = _Transfer(load.block_ids, target, now)
            except AgentError:
                self._release_ring(target)
                self._failed_load(load.req_id, load.block_ids)
        for save in meta.saves:
            source = save.block_ids
            if self._ring is not None:
                source = self._ring_slots(len(save.block_ids))
                if source is None:
                    logger.warning("Spillway staging ring full: the save of %s is dropped", save.req_id)
                    self._finished_sending.add(save.req_id)
                    continue
                self._stage_out(save.block_ids, source)
            try:
                self._transfer_call("save", req=save.req_id, gen=self._fence.generation, tokens=save.tokens,
                                extras=save.extras, block_ids=source, **{"from": save.start_block})
                self._saving[save.req_id] = _Transfer(save.block_ids, source, now)
            except AgentError:
                self._release_ring(source)
                self._finished_sending.add(save.req_id)

    def _failed_load(self, req_id, block_ids):
        self._load_errors.update(block_ids)
        self._finished_recving.add(req_id)

    def wait_for_layer_load(self, layer_name):
        """Loads are whole-request and asynchronous: a request runs once ``get_finished`` reported its load."""

    def save_kv_layer(self, layer_name, kv_layer, attn_metadata, **kwargs):
        """Saves are whole blocks after the request finishes (``request_finished``), not layer by layer."""

    def wait_for_save(self):
        """Saves are asynchronous; ``get_finished`` reports them."""

    def get_finished(self, finished_req_ids):
        """(requests whose saves ended, requests whose loads ended), each None when empty. A save is reported only
        for a request vLLM has told this worker is finished, as the contract says."""
        self._finished_reqs.update(finished_req_ids or ())
        if self._loading or self._saving:
            self._poll()
        else:
            self._keep_registered()
        if self._abandoned_loads or self._abandoned_saves:
            self._release_abandoned()
        sending = {r for r in self._finished_sending if r in self._finished_reqs}
        self._finished_sending -= sending
        # remember only the finished requests whose saves have yet to be reported
        self._finished_reqs &= set(self._saving) | set(self._abandoned_saves) | self._finished_sending
        recving, self._finished_recving = self._finished_recving, set()
        return (sending or None), (recving or None)

    def _poll(self):
        try:
            done = self._link.call("finished")
        except AgentError as e:
            self._give_up("the agent did not answer (%s)" % e)
            return
        failed = set(done.get("failed_blocks", []))
        for error in done.get("errors", []):  # a failed device copy: its blocks are in failed_blocks, or not saved
            logger.warning("Spillway: a transfer of request %s failed in the agent: %s", error.get("req"),
                           error.get("error"))
        for req in done.get("saved", []):
            entry = self._saving.pop(req, None)
            if entry is not None:
                self._release_ring(entry.target)
                self._finished_sending.add(req)
        for req in done.get("loaded", []):
            entry = self._loading.pop(req, None)
            if entry is None:
                continue
            if self._ring is not None:  # the ring's slots to the worker's blocks, but those that failed
                good = [(b, s) for b, s in zip(entry.block_ids, entry.target) if s not in failed]
                self._stage_in([b for b, _ in good], [s for _, s in good])
                self._load_errors.update(b for b, s in zip(entry.block_ids, entry.target) if s in failed)
                self._release_ring(entry.target)
            else:
                self._load_errors.update(b for b in entry.block_ids if b in failed)
            self._finished_recving.add(req)
        oldest = min([t.started for t in self._loading.values()] + [t.started for t in self._saving.values()],
                     default=None)
        if oldest is not None and time.monotonic() - oldest > self._transfer_timeout:
            self._give_up("a transfer has run for over %.0f s" % self._transfer_timeout)

    def _keep_registered(self):
        """Every ``retry_seconds`` while idle: an agent that restarted (a container restart) has lost the
        registration, and the scheduler's lookups miss until the worker registers again."""
        now = time.monotonic()
        if self._registration is None or now - self._checked < self._link.retry_seconds:
            return
        self._checked = now
        try:
            if not self._link.call("stats").get("registered"):
                self._link.call("register", **self._registration)
        except AgentError:
            pass

    def _give_up(self, why):
        """Fences every transfer in flight; their blocks go back to vLLM once no fenced copy can touch them."""
        self._link.mark_down(why)
        self._fence.raise_fence()
        logger.warning("Spillway gives up on %d loads (they recompute) and %d saves (dropped): %s",
                       len(self._loading), len(self._saving), why)
        self._abandoned_loads.update(self._loading)
        self._abandoned_saves.update(self._saving)
        self._loading.clear()
        self._saving.clear()

    def _release_abandoned(self):
        if not self._fence.quiet():
            return  # a copy the agent began before the fence is still in flight: its blocks stay with us
        for req, entry in self._abandoned_loads.items():
            self._release_ring(entry.target)
            self._failed_load(req, entry.block_ids)
        for req, entry in self._abandoned_saves.items():
            self._release_ring(entry.target)
            self._finished_sending.add(req)
        self._abandoned_loads.clear()
        self._abandoned_saves.clear()

    def get_block_ids_with_load_errors(self):
        errors, self._load_errors = self._load_errors, set()
        return errors

    def shutdown(self):
        """Closes the agent connection and removes the staging ring and the fence page."""
        self._link.close()
        if self._ring is not None:
            self._ring.close()
            self._ring = None
        if self._fence is not None:
            self._fence.close()
            self._fence = None


def _served_model(vllm_config):
    served = getattr(vllm_config.model_config, "served_model_name", None)
    if isinstance(served, (list, tuple)):
        served = served[0] if served else None
    return served or vllm_config.model_config.model


def _parallel_sizes(vllm_config):
    parallel = getattr(vllm_config, "parallel_config", None)
    tp = int(getattr(parallel, "tensor_parallel_size", 1) or 1)
    pp = int(getattr(parallel, "pipeline_parallel_size", 1) or 1)
    for name in ("decode_context_parallel_size", "prefill_context_parallel_size"):
        if int(getattr(parallel, name, 1) or 1) > 1:
            raise SpillwayConnectorError("%s > 1 shards a block's tokens across ranks: not supported" % name)
    return tp, pp


def _ranks(extra):
    """This worker's (tensor-parallel rank, pipeline stage), from vLLM's process groups, or the config's
    ``tp_rank``/``pp_rank`` where no group is set up (a worker driven by hand)."""
    try:
        from vllm.distributed.parallel_state import get_pp_group, get_tensor_model_parallel_rank
        return int(get_tensor_model_parallel_rank()), int(get_pp_group().rank_in_group)
    except Exception:  # noqa: BLE001 - groups not initialised
        return int(extra.get("tp_rank", 0)), int(extra.get("pp_rank", 0))


def _b64(raw):
    return base64.b64encode(raw).decode("ascii")


def _shareable(tensor):
    """Whether the agent can map the tensor by handle: a CUDA/ROCm tensor, or one over a shared-memory segment."""
    return getattr(tensor, "is_cuda", False) or segment_of(tensor) is not None


def _region_of(tensor):
    """(allocation key, IPC handle, storage offset in the allocation, storage bytes) of a layer's tensor."""
    found = segment_of(tensor) if not getattr(tensor, "is_cuda", False) else None
    if found is not None:
        segment, offset = found
        return segment.name, segment.handle(), offset, tensor.untyped_storage().nbytes()
    try:
        shared = tensor.untyped_storage()._share_cuda_()  # (device, handle, size, offset in the allocation, ...)
    except Exception as e:  # noqa: BLE001
        raise SpillwayConnectorError("a KV tensor that is neither a CUDA tensor nor in shared memory: %s" % e) from e
    handle = bytes(shared[1])
    return handle, handle, int(shared[3]), int(shared[2])


def _no_region(tensor):
    """The staged path maps no tensor: every layer is region 0 of nothing, described only for its page format."""
    return "staged", b"", 0, tensor.untyped_storage().nbytes() + tensor.storage_offset() * tensor.element_size()
