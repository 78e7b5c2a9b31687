"""SpillwayConnector: vLLM's KV connector (v1) in front of a Spillway agent.

Scheduler side: a request's prompt is looked up through the agent; the blocks the cluster holds beyond what the
GPU has are loaded asynchronously into the blocks vLLM allocates; a finished request's full prompt blocks are saved
asynchronously, its blocks kept until the save ends. Worker side: the KV caches are handed to the agent by IPC
handle; loads and saves go to the agent; ``get_finished`` reports what ended, and blocks that could not be loaded
go to ``get_block_ids_with_load_errors`` so that vLLM recomputes them. When the agent or the cluster cannot be
reached at start the connector disables itself with one log line and vLLM serves without it.
"""

import base64
import logging
from dataclasses import dataclass, field

from .agent_client import AgentClient, AgentError
from .host import HostKvTensor

try:  # vLLM is there in production; the logic also runs under plain Python (tests, the host harness)
    from vllm.distributed.kv_transfer.kv_connector.v1.base import KVConnectorBase_V1 as _Base
    from vllm.distributed.kv_transfer.kv_connector.v1.base import KVConnectorMetadata as _MetadataBase
except Exception:  # noqa: BLE001 - any import failure means "no vLLM here"
    _Base = object
    _MetadataBase = object

logger = logging.getLogger("spillway_vllm")


class SpillwayConnectorError(Exception):
    """A misconfiguration vLLM should not start with (a bad IPC handle, a tensor of an unknown shape)."""


@dataclass
class LoadSpec:
    req_id: str
    tokens: list
    block_ids: list
    start_block: int


@dataclass
class SaveSpec:
    req_id: str
    tokens: list
    block_ids: list


@dataclass
class SpillwayConnectorMetadata(_MetadataBase):
    loads: list = field(default_factory=list)
    saves: list = field(default_factory=list)


def _role_name(role):
    return getattr(role, "name", str(role)).upper()


class SpillwayConnector(_Base):
    def __init__(self, vllm_config, role, kv_cache_config=None):
        if _Base is not object:
            try:
                super().__init__(vllm_config, role, kv_cache_config)
            except TypeError:
                super().__init__(vllm_config, role)
        extra = getattr(vllm_config.kv_transfer_config, "kv_connector_extra_config", None) or {}
        if "agent_socket" not in extra:
            raise SpillwayConnectorError("kv_connector_extra_config needs \"agent_socket\": the Spillway agent's "
                                         "Unix socket")
        self._role = _role_name(role)
        self._block_size = int(vllm_config.cache_config.block_size)
        self._model = str(extra.get("model", vllm_config.model_config.model))
        self._agent = AgentClient(extra["agent_socket"], float(extra.get("timeout_seconds", 30)))
        self._staging_slots = int(extra.get("staging_slots", 512))
        self._force_staging = bool(extra.get("staging", False))
        self._ring = None  # the host-staged path's ring, when the tensors cannot be shared by IPC
        self._free_ring = []
        self._tensors = []
        self._disabled = None
        self._metadata = None
        # scheduler side
        self._lookups = {}
        self._pending_loads = []
        self._pending_saves = []
        # worker side
        self._loading = {}
        self._saving = {}
        self._finished_recving = set()
        self._finished_sending = set()
        self._load_errors = set()
        if self._role == "SCHEDULER":
            self._check_agent()

    # ---- state ----

    @property
    def disabled(self):
        """Why the connector turned itself off, or None while it works."""
        return self._disabled

    def _disable(self, why):
        if self._disabled is None:
            self._disabled = why
            logger.warning("Spillway connector disabled, vLLM serves without it: %s", why)

    def _check_agent(self):
        try:
            self._agent.call("ping")
        except AgentError as e:
            self._disable(str(e))

    # ---- metadata (vLLM's base class has these; they are here too for plain Python) ----

    def bind_connector_metadata(self, metadata):
        self._metadata = metadata

    def clear_connector_metadata(self):
        self._metadata = None

    def _get_connector_metadata(self):
        return self._metadata

    # ---- scheduler side ----

    def get_num_new_matched_tokens(self, request, num_computed_tokens):
        """Tokens beyond ``num_computed_tokens`` the cluster can supply, loaded asynchronously (True)."""
        if self._disabled is not None:
            return 0, False
        tokens = list(request.prompt_token_ids)
        try:
            blocks = int(self._agent.call("lookup", tokens=tokens)["blocks"])
        except AgentError as e:
            self._disable(str(e))
            return 0, False
        blocks = min(blocks, (len(tokens) - 1) // self._block_size)  # vLLM computes at least the last token
        external = blocks * self._block_size - num_computed_tokens
        if external <= 0:
            return 0, False
        self._lookups[request.request_id] = num_computed_tokens
        return external, True

    def update_state_after_alloc(self, request, blocks, num_external_tokens):
        computed = self._lookups.pop(request.request_id, None)
        if num_external_tokens <= 0 or computed is None:
            return
        block_ids = list(blocks.get_block_ids()[0])
        start = computed // self._block_size
        count = num_external_tokens // self._block_size
        self._pending_loads.append(LoadSpec(request.request_id, list(request.prompt_token_ids),
                                            block_ids[start:start + count], start))

    def build_connector_meta(self, scheduler_output):
        meta = SpillwayConnectorMetadata(self._pending_loads, self._pending_saves)
        self._pending_loads = []
        self._pending_saves = []
        return meta

    def request_finished(self, request, block_ids):
        """Saves the prompt's full blocks; vLLM keeps them (True) until ``get_finished`` reports the save."""
        self._lookups.pop(request.request_id, None)  # a request aborted before its blocks were allocated
        if self._disabled is not None:
            return False, None
        tokens = list(request.prompt_token_ids)
        n = min(len(block_ids), len(tokens) // self._block_size)
        if n == 0:
            return False, None
        self._pending_saves.append(SaveSpec(request.request_id, tokens[:n * self._block_size], list(block_ids[:n])))
        return True, None

    # ---- worker side ----

    def register_kv_caches(self, kv_caches):
        """Hands each layer's KV tensor to the agent by IPC handle, or, for tensors that have none (TPU, CPU) or
        with ``"staging": true``, sets up the host-staged path: a shared-memory ring of whole blocks the agent maps,
        through which this connector copies. All layers must share one shape."""
        names = list(kv_caches)
        if not names:
            raise SpillwayConnectorError("no KV caches to register")
        self._tensors = [kv_caches[n] for n in names]
        shape, dtype_bytes = None, None
        for name in names:
            layer_shape, layer_dtype = _shape_of(kv_caches[name])
            if shape is not None and (layer_shape != shape or layer_dtype != dtype_bytes):
                raise SpillwayConnectorError("layer %s is shaped %s, the others %s" % (name, layer_shape, shape))
            shape, dtype_bytes = layer_shape, layer_dtype
        if len(shape) != 5 or shape[0] != 2:
            raise SpillwayConnectorError("a KV tensor shaped %s: expected [2, num_blocks, block_size, kv_heads, "
                                         "head_size] (the flash-attention layout)" % (shape,))
        fields = dict(model=self._model, layers=len(names), num_blocks=shape[1], block_size=shape[2],
                      kv_heads=shape[3], head_size=shape[4], dtype_bytes=dtype_bytes, layout="kv_first")
        staged = self._force_staging or not all(_shareable(t) for t in self._tensors)
        if staged:
            page = shape[2] * shape[3] * shape[4] * dtype_bytes
            self._ring = HostKvTensor((2, self._staging_slots, 1, 1, len(names) * page), 1)
            self._free_ring = list(range(self._staging_slots))
            fields["staging"] = {"slots": self._staging_slots,
                                 "handle": base64.b64encode(self._ring.ipc_handle()).decode("ascii")}
            fields["handles"] = []
        else:
            described = [_describe(t) for t in self._tensors]
            fields["handles"] = [base64.b64encode(d[0]).decode("ascii") for d in described]
            fields["offsets"] = [d[1] for d in described]
        try:
            self._agent.call("register", **fields)
        except AgentError as e:
            if "IPC handle" in str(e):
                raise SpillwayConnectorError("the agent cannot map the KV caches: %s" % e) from e
            self._disable(str(e))

    @property
    def staged(self):
        """Whether blocks go through the host-staged ring."""
        return self._ring is not None

    def _ring_slots(self, n):
        if n > len(self._free_ring):
            return None
        taken, self._free_ring = self._free_ring[:n], self._free_ring[n:]
        return taken

    def _stage_out(self, block_ids, slots):
        """Copies the worker's blocks into ring slots: every layer's key page, then its value page."""
        size = self._ring.nbytes // self._staging_slots  # a slot's bytes are contiguous (the agent maps it so)
        for block, slot in zip(block_ids, slots):
            self._ring.buf[slot * size:(slot + 1) * size] = b"".join(_read_block(t, block) for t in self._tensors)

    def _stage_in(self, block_ids, slots):
        """Copies ring slots into the worker's blocks."""
        size = self._ring.nbytes // self._staging_slots
        for block, slot in zip(block_ids, slots):
            data = bytes(self._ring.buf[slot * size:(slot + 1) * size])
            per_layer = len(data) // len(self._tensors)
            for i, t in enumerate(self._tensors):
                _write_block(t, block, data[i * per_layer:(i + 1) * per_layer])

    def start_load_kv(self, forward_context, **kwargs):
        meta = self._get_connector_metadata()
        if meta is None:
            return
        for load in meta.loads:
            if self._disabled is not None:
                self._failed_load(load.req_id, load.block_ids)
                continue
            target = load.block_ids
            if self._ring is not None:
                slots = self._ring_slots(len(load.block_ids))
                if slots is None:
                    logger.warning("Spillway staging ring full: %s recomputes", load.req_id)
                    self._failed_load(load.req_id, load.block_ids)
                    continue
                target = slots
            try:
                self._agent.call("load", req=load.req_id, tokens=load.tokens, block_ids=target,
                                 **{"from": load.start_block})
                self._loading[load.req_id] = (load.block_ids, target)
            except AgentError as e:
                logger.warning("Spillway load of %s failed, the request recomputes: %s", load.req_id, e)
                self._release_ring(target if self._ring is not None else [])
                self._failed_load(load.req_id, load.block_ids)
        for save in meta.saves:
            if self._disabled is not None:
                self._finished_sending.add(save.req_id)
                continue
            source = save.block_ids
            if self._ring is not None:
                slots = self._ring_slots(len(save.block_ids))
                if slots is None:
                    logger.warning("Spillway staging ring full: the save of %s is dropped", save.req_id)
                    self._finished_sending.add(save.req_id)
                    continue
                self._stage_out(save.block_ids, slots)
                source = slots
            try:
                self._agent.call("save", req=save.req_id, tokens=save.tokens, block_ids=source, **{"from": 0})
                self._saving[save.req_id] = (save.block_ids, source)
            except AgentError as e:
                logger.warning("Spillway save of %s dropped: %s", save.req_id, e)
                self._release_ring(source if self._ring is not None else [])
                self._finished_sending.add(save.req_id)

    def _release_ring(self, slots):
        self._free_ring.extend(slots)

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
        """(requests whose saves ended, requests whose loads ended), each None when empty."""
        if self._loading or self._saving:
            try:
                done = self._agent.call("finished")
                failed = set(done.get("failed_blocks", []))
                for req in done.get("saved", []):
                    entry = self._saving.pop(req, None)
                    if entry is not None:
                        self._release_ring(entry[1] if self._ring is not None else [])
                        self._finished_sending.add(req)
                for req in done.get("loaded", []):
                    entry = self._loading.pop(req, None)
                    if entry is None:
                        continue
                    blocks, target = entry
                    if self._ring is not None:  # the ring's slots to the worker's blocks, but those that failed
                        good = [(b, s) for b, s in zip(blocks, target) if s not in failed]
                        self._stage_in([b for b, _ in good], [s for _, s in good])
                        self._load_errors.update(b for b, s in zip(blocks, target) if s in failed)
                        self._release_ring(target)
                    else:
                        self._load_errors.update(b for b in blocks if b in failed)
                    self._finished_recving.add(req)
            except AgentError as e:
                logger.warning("Spillway agent lost (%s): %d loads become recomputes, %d saves are dropped", e,
                               len(self._loading), len(self._saving))
                for req, (block_ids, _) in self._loading.items():
                    self._failed_load(req, block_ids)
                self._finished_sending.update(self._saving)
                self._loading.clear()
                self._saving.clear()
        sending, recving = self._finished_sending, self._finished_recving
        self._finished_sending, self._finished_recving = set(), set()
        return (sending or None), (recving or None)

    def shutdown(self):
        """Closes the agent connection and removes the staging ring."""
        self._agent.close()
        if self._ring is not None:
            self._ring.close()
            self._ring = None

    def get_block_ids_with_load_errors(self):
        errors, self._load_errors = self._load_errors, set()
        return errors


def _shareable(tensor):
    """Whether the agent can map the tensor by IPC handle: a HostKvTensor, or a CUDA/ROCm torch tensor."""
    if isinstance(tensor, HostKvTensor):
        return True
    return getattr(tensor, "is_cuda", False)


def _shape_of(tensor):
    if isinstance(tensor, HostKvTensor) or not hasattr(tensor, "element_size"):
        return tuple(tensor.shape), int(tensor.dtype_bytes)
    return tuple(tensor.shape), tensor.element_size()


def _read_block(tensor, block):
    """A block's key page then value page, as bytes, from any tensor (copied to the host when it is a device's)."""
    if hasattr(tensor, "block"):
        return tensor.block(block)
    return tensor[:, block].contiguous().cpu().view(-1).view(_byte_dtype()).numpy().tobytes()


def _write_block(tensor, block, data):
    if hasattr(tensor, "fill_block"):
        tensor.fill_block(block, data)
        return
    import torch  # only here: the staged path on a torch device
    src = torch.frombuffer(bytearray(data), dtype=torch.uint8).view(tensor.dtype).view(tensor[:, block].shape)
    tensor[:, block].copy_(src.to(tensor.device))


def _byte_dtype():
    import torch
    return torch.uint8


def _describe(tensor):
    """(IPC handle, byte offset in the allocation it names) of a layer's KV tensor: a CUDA torch tensor or a host
    one."""
    if isinstance(tensor, HostKvTensor):
        return tensor.ipc_handle(), 0
    try:
        storage = tensor.untyped_storage()
        shared = storage._share_cuda_()  # (device, handle, size, offset in the allocation, ...)
    except Exception as e:  # noqa: BLE001
        raise SpillwayConnectorError("a KV tensor that is neither a CUDA tensor nor a HostKvTensor: %s" % e) from e
    handle = bytes(shared[1])
    offset = int(shared[3]) + tensor.storage_offset() * tensor.element_size()
    return handle, offset
