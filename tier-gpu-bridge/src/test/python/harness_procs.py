"""Real processes for the Python test drivers: a Spillway node and agents on free 127.0.0.1 ports, started with the
JVM flags every Spillway process needs. ConnectorHarnessTest and VllmConformanceTest pass SPILLWAY_JAVA and
SPILLWAY_CLASSPATH (the module's test class path: the agent and the server)."""

import json
import os
import random
import socket
import subprocess
import time


def java():
    return [os.environ["SPILLWAY_JAVA"], "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-cp",
            os.environ["SPILLWAY_CLASSPATH"]]


def free_port():
    """A port free a moment ago, below the kernel's ephemeral range: the node binds it seconds later, and an
    ephemeral port could meanwhile be any outgoing connection's local port (perf's FreePorts says more)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = max(2048, int(f.read().split()[0]))
    except (OSError, ValueError):
        low = 32768
    start = max(1025, low - 12000)
    for _ in range(1000):
        port = random.randrange(start, low)
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    raise AssertionError("no free port below %d" % low)


def _tail(path):
    with open(path) as f:
        return f.read()[-3000:]


def start_node(work, name="node"):
    """A kv-server process; returns (process, data port, control port) once it accepts connections."""
    data, control, http = free_port(), free_port(), free_port()
    cmd = java() + ["io.spillway.server.ServerMain",
                    "--data-port", str(data), "--control-port", str(control), "--http-port", str(http),
                    "--events-port", "0", "--data-dir", os.path.join(work, name), "--cpu-capacity", "256m",
                    "--set", "spillway.server.nvmeEnabled=false",
                    "--set", "spillway.security.mode=none"]
    log_path = os.path.join(work, name + ".log")
    proc = subprocess.Popen(cmd, stdout=open(log_path, "w"), stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError("the node exited with %s:\n%s" % (proc.returncode, _tail(log_path)))
        try:
            socket.create_connection(("127.0.0.1", data), timeout=1).close()
            return proc, data, control
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("the node did not open port %d in 60 s:\n%s" % (data, _tail(log_path)))


def start_agent(socket_path, data_port, control_port, *extra):
    cmd = java() + ["io.spillway.bridge.agent.AgentCommand", "--socket", socket_path, "--server",
                    "127.0.0.1:%d" % data_port, "--control-port", str(control_port), "--backend", "host",
                    "--slots", "32", "--chunk-blocks", "4", "--tenant", "harness"] + list(extra)
    proc = subprocess.Popen(cmd, stdout=open(socket_path + ".log", "w"), stderr=subprocess.STDOUT)
    # ready once it answers, not once its socket file exists: the file appears at bind, before the agent accepts,
    # and a connector that registers in between finds the agent down and waits out its retry period (a clean-clone
    # CI run failed the lifecycle part's first save that way)
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError("the agent exited with %s before it answered; its log: %s" % (
                proc.returncode, open(socket_path + ".log").read()[-2000:]))
        if os.path.exists(socket_path):
            try:
                agent_call(socket_path, "ping")
                return proc
            except (OSError, ValueError):
                pass
        time.sleep(0.05)
    raise AssertionError("the agent did not answer on %s in 30 s" % socket_path)


def agent_call(socket_path, op, **fields):
    """One request to an agent on a connection of its own (a test's side channel: stats)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(socket_path)
    try:
        s.sendall((json.dumps(dict(fields, op=op)) + "\n").encode())
        return json.loads(s.makefile("r").readline())
    finally:
        s.close()


def stop(*procs):
    for proc in procs:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(10)
