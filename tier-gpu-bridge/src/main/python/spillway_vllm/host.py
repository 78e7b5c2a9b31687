"""Host memory the agent maps by handle: POSIX shared memory, and torch tensors over it.

A ``SharedSegment`` is a shared-memory segment with the 64-byte handle the agent's host backend opens: ``SPWH``, 4
zero bytes, the size (8 bytes, little-endian), then the segment's name (``/spillway-py-...``, NUL-padded to 48
bytes; the agent opens only names with its prefix). The
connector makes its fence page and its staging ring this way; ``shared_tensor`` makes a torch tensor over one, which
is what stands in for a GPU's KV tensors on the host backend (tests, and a CPU worker): the connector finds the
segment behind such a tensor (``segment_of``) and registers it as it would a CUDA tensor's IPC handle.
"""

import secrets
import struct
from multiprocessing import shared_memory

HANDLE_BYTES = 64
# The agent opens by handle only segments whose names start with its prefix (spillway.agent.segmentPrefix, this by
# default) and that belong to its user or one of its peer uids: docs/security.md.
SEGMENT_PREFIX = "spillway-"

_SEGMENTS = {}  # base address -> SharedSegment, for the tensors made over them


class SharedSegment:
    def __init__(self, nbytes):
        if nbytes < 1:
            raise ValueError("a segment needs at least one byte, got %d" % nbytes)
        self.nbytes = nbytes
        self._shm = _create(nbytes)
        self.buf = self._shm.buf

    @property
    def name(self):
        return "/" + self._shm.name

    def handle(self):
        name = self.name.encode("ascii")
        if len(name) >= 48:
            raise ValueError("shared-memory name too long for a handle: %s" % self.name)
        return b"SPWH" + bytes(4) + struct.pack("<Q", self.nbytes) + name + bytes(48 - len(name))

    def unlink(self):
        """Removes the segment's name: no other process can open it from now on; this one keeps its mapping."""
        try:
            self._shm.unlink()
        except FileNotFoundError:
            pass

    def close(self):
        self.buf = None
        try:
            self._shm.close()
        except BufferError:  # a tensor still views it: the mapping goes with the tensor, the name goes now
            pass
        self.unlink()


def _create(nbytes):
    """A new segment named with the agent's prefix (a random suffix; another try on the rare clash)."""
    for _ in range(8):
        try:
            return shared_memory.SharedMemory(name="%spy-%s" % (SEGMENT_PREFIX, secrets.token_hex(12)), create=True,
                                              size=nbytes)
        except FileExistsError:
            continue
    raise FileExistsError("no free shared-memory name after 8 tries")


def shared_tensor(shape, dtype, physical_order=None):
    """A torch tensor of ``shape`` and ``dtype`` over a new shared-memory segment. ``physical_order`` lists the
    logical dimensions from outermost to innermost in memory (default: as given): a permuted view, as vLLM builds its
    KV caches from a physical allocation and a stride order."""
    import torch
    order = list(range(len(shape))) if physical_order is None else list(physical_order)
    if sorted(order) != list(range(len(shape))):
        raise ValueError("physical_order must permute the %d dimensions, got %s" % (len(shape), order))
    physical = [shape[d] for d in order]
    elements = 1
    for d in shape:
        elements *= d
    element_size = torch.empty((), dtype=dtype).element_size()
    segment = SharedSegment(elements * element_size)
    flat = torch.frombuffer(segment.buf, dtype=torch.uint8).view(dtype)
    base = flat.view(physical)
    inverse = [order.index(d) for d in range(len(shape))]
    tensor = base.permute(inverse)
    _SEGMENTS[flat.untyped_storage().data_ptr()] = segment
    tensor._spillway_segment = segment  # keeps the segment alive with the tensor
    return tensor


def segment_of(tensor):
    """(segment, offset of the tensor's storage in it) when the tensor lies in a ``shared_tensor`` segment, else
    None."""
    storage = tensor.untyped_storage()
    base = storage.data_ptr()
    for start, segment in _SEGMENTS.items():
        if start <= base < start + segment.nbytes:
            return segment, base - start
    return None


def release(tensor):
    """Frees the segment behind a ``shared_tensor`` (tests)."""
    found = segment_of(tensor)
    if found is not None:
        segment = found[0]
        for start in [s for s, seg in _SEGMENTS.items() if seg is segment]:
            del _SEGMENTS[start]
        segment.close()
