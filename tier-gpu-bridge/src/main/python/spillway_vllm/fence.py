"""The connector's side of the fence page it shares with its agent (io.spillway.bridge.TransferFence).

Three little-endian 64-bit words: ``fence`` at 0 (written here only: the agent skips, or drops the bytes of, any
transfer of an older generation), ``busy`` at 8 (device copies of the worker's blocks the agent has begun and not
seen end), the agent's pid at 16. To give up on its transfers the connector raises the fence, then hands their blocks
back to vLLM only once ``busy`` is 0 or the agent is dead: a stopped agent that had begun a copy keeps ``busy`` up,
so the blocks stay with the connector until it continues (and finishes that copy) or dies.
"""

import os
import struct
import time

from .host import SharedSegment

PAGE_BYTES = 64


class Fence:
    def __init__(self):
        self._page = SharedSegment(PAGE_BYTES)
        self._generation = 1
        self._write(0, self._generation)

    def handle(self):
        return self._page.handle()

    @property
    def generation(self):
        """The generation new transfers are issued in."""
        return self._generation

    def raise_fence(self):
        """Fences every transfer issued so far; later ones carry the new generation."""
        self._generation += 1
        self._write(0, self._generation)

    def busy(self):
        return self._read(8)

    def agent_pid(self):
        return self._read(16)

    def quiet(self, settle_seconds=0.002):
        """Whether no fenced copy can still touch the worker's blocks: after the fence was raised, the agent has no
        copy in flight, or is dead."""
        time.sleep(settle_seconds)  # the raised fence is visible to the agent before busy is read
        if self.busy() <= 0:
            return True
        pid = self.agent_pid()
        if pid <= 0:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True  # dead: its copies died with it
        except PermissionError:
            return False
        return _zombie(pid)

    def close(self):
        self._page.close()

    def _write(self, at, value):
        struct.pack_into("<q", self._page.buf, at, value)

    def _read(self, at):
        return struct.unpack_from("<q", self._page.buf, at)[0]


def _zombie(pid):
    """A process that has exited but not been reaped (our own child in tests) copies nothing either."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
