"""Host-memory stand-ins for KV tensors: POSIX shared memory the agent's host backend maps by its IPC handle.

A ``HostKvTensor`` is what ``register_kv_caches`` receives in tests and on the host-staged path: one layer's KV
cache as bytes in a shared-memory segment. Its 64-byte handle is the host backend's format: ``SPWH``, 4 zero
bytes, the size (8 bytes, little-endian), then the segment's name (``/...``, NUL-padded to 48 bytes).
"""

import struct
from multiprocessing import shared_memory

HANDLE_BYTES = 64


class HostKvTensor:
    """One layer's KV cache in shared memory, shaped ``[2, num_blocks, block_size, kv_heads, head_size]``."""

    def __init__(self, shape, dtype_bytes=2):
        if len(shape) != 5 or shape[0] != 2 or min(shape) < 1 or dtype_bytes < 1:
            raise ValueError("a KV tensor is [2, num_blocks, block_size, kv_heads, head_size], got %s" % (shape,))
        self.shape = tuple(shape)
        self.dtype_bytes = dtype_bytes
        self.nbytes = dtype_bytes
        for d in shape:
            self.nbytes *= d
        self._shm = shared_memory.SharedMemory(create=True, size=self.nbytes)
        self.buf = self._shm.buf

    @property
    def page_bytes(self):
        """Bytes of one block's keys (or values)."""
        return self.nbytes // (2 * self.shape[1])

    def block(self, block_id):
        """Block ``block_id``'s bytes: its key page, then its value page."""
        page = self.page_bytes
        k = block_id * page
        v = (self.shape[1] + block_id) * page
        return bytes(self.buf[k:k + page]) + bytes(self.buf[v:v + page])

    def fill_block(self, block_id, data):
        """Writes ``data`` (a key page then a value page) into block ``block_id``."""
        page = self.page_bytes
        k = block_id * page
        v = (self.shape[1] + block_id) * page
        self.buf[k:k + page] = data[:page]
        self.buf[v:v + page] = data[page:2 * page]

    @property
    def segment(self):
        return "/" + self._shm.name

    def ipc_handle(self):
        name = self.segment.encode("ascii")
        if len(name) >= 48:
            raise ValueError("shared-memory name too long for a handle: %s" % self.segment)
        return b"SPWH" + bytes(4) + struct.pack("<Q", self.nbytes) + name + bytes(48 - len(name))

    def close(self, unlink=True):
        self.buf = None
        self._shm.close()
        if unlink:
            try:
                self._shm.unlink()
            except FileNotFoundError:
                pass
