"""Many clients at once, each with its own state; events to negotiated clients only; a client
that does not read is cut off without harming the others."""
import os
import socket
import time

import pytest

from conftest import QmpClient


def test_64_concurrent_clients(hulld):
    clients = [hulld.client() for _ in range(64)]
    # Negotiate only the even ones: state is per connection.
    for i, c in enumerate(clients):
        if i % 2 == 0:
            c.negotiate()
    for i, c in enumerate(clients):
        c.send({"execute": "query-status", "id": i})
    for i, c in enumerate(clients):
        resp = c.reply()
        assert resp["id"] == i
        if i % 2 == 0:
            assert resp["return"]["status"] == "no-machine"
        else:
            assert resp["error"]["class"] == "CommandNotFound"
    for c in clients:
        c.close()


def test_connect_and_disconnect_are_logged(hulld):
    # Client 1 was the fixture's probe for a listening socket.
    c = hulld.client()
    c.close()
    hulld.wait_log("client 2 connected (unix:")
    hulld.wait_log("client 2 disconnected")


def test_events_only_after_negotiation(hulld):
    negotiated = hulld.client().negotiate()
    waiting = hulld.client()
    negotiated.send({"execute": "quit", "id": "bye"})
    assert negotiated.reply() == {"id": "bye", "return": {}}
    ev = negotiated.wait_event("SHUTDOWN")
    assert ev["data"] == {"guest": False, "reason": "host-qmp-quit"}
    assert set(ev["timestamp"]) == {"seconds", "microseconds"}
    assert 0 <= ev["timestamp"]["microseconds"] < 1_000_000
    assert abs(ev["timestamp"]["seconds"] - time.time()) < 60
    # The client still negotiating gets no event, just the end of the connection.
    with pytest.raises(EOFError):
        waiting.recv()
    assert hulld.wait() == 0


def test_slow_client_is_disconnected_others_unharmed(hulld):
    slow = hulld.client().negotiate()
    fast = hulld.client().negotiate()
    slow.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    request = b'{"execute": "query-commands"}' * 64
    cut_off = False
    deadline = time.monotonic() + 30
    # Never read: hulld's output queue for this client grows to its 16 MiB bound.
    while time.monotonic() < deadline:
        try:
            slow.sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            cut_off = True
            break
    assert cut_off, "hulld kept queueing output for a client that does not read"
    hulld.wait_log("of output not read, disconnecting it")
    assert fast.cmd("query-status")["status"] == "no-machine"
    assert hulld.alive()


def _cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_out_of_descriptors_does_not_spin(hulld_path, workdir):
    import resource
    import subprocess

    def low_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (24, 24))

    # Hulld() has no hook for rlimits: start it by hand the same way.
    sock_path = os.path.join(workdir, "q.sock")
    log = open(os.path.join(workdir, "log"), "wb")
    proc = subprocess.Popen([hulld_path, "--socket", sock_path], stdout=log,
                            stderr=subprocess.STDOUT, preexec_fn=low_limit)
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(sock_path):
            assert time.monotonic() < deadline
            time.sleep(0.01)
        clients = []
        for _ in range(30):
            s = socket.socket(socket.AF_UNIX)
            s.connect(sock_path)  # the backlog takes them even when hulld cannot accept
            clients.append(s)
        time.sleep(0.3)
        before = _cpu_seconds(proc.pid)
        time.sleep(1.0)
        assert _cpu_seconds(proc.pid) - before < 0.5, "hulld spins while out of descriptors"
        for s in clients:
            s.close()
        c = QmpClient.connect(sock_path)
        c.negotiate()
        assert c.cmd("query-status")["status"] == "no-machine"
        with open(os.path.join(workdir, "log"), "rb") as f:
            assert b"pausing it for 100 ms" in f.read()
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()
