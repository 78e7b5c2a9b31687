"""A connection to the Spillway agent: a JSON object a line each way over its Unix socket."""

import json
import socket
import threading


class AgentError(Exception):
    """The agent answered with an error, or could not be reached."""


class AgentRefused(AgentError):
    """The agent answered, with an error (a bad request, no registration, a cluster it cannot reach)."""


class AgentClient:
    def __init__(self, path, timeout=30.0):
        self._path = path
        self._timeout = timeout
        self._lock = threading.Lock()
        self._sock = None
        self._reader = None

    def _connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self._timeout)
        try:
            s.connect(self._path)
        except OSError as e:
            s.close()
            raise AgentError("the agent at %s cannot be reached: %s" % (self._path, e)) from e
        self._sock = s
        self._reader = s.makefile("r", encoding="utf-8")

    def call(self, op, **fields):
        """Sends one request and returns the agent's answer; raises AgentError on an error answer or a dead agent."""
        request = dict(fields)
        request["op"] = op
        line = json.dumps(request, separators=(",", ":")) + "\n"
        with self._lock:
            try:
                if self._sock is None:
                    self._connect()
                self._sock.sendall(line.encode("utf-8"))
                answer = self._reader.readline()
            except OSError as e:
                self._drop()
                raise AgentError("the agent connection failed during %s: %s" % (op, e)) from e
            if not answer:
                self._drop()
                raise AgentError("the agent closed the connection during %s" % op)
        reply = json.loads(answer)
        if not reply.get("ok"):
            raise AgentRefused(reply.get("error", "the agent refused %s" % op))
        return reply

    def _drop(self):
        try:
            if self._sock is not None:
                self._sock.close()
        finally:
            self._sock = None
            self._reader = None

    def close(self):
        with self._lock:
            self._drop()
