"""hulld as a process: quit and signals, socket activation with readiness notification, the
seccomp sandbox."""
import os
import shutil
import signal
import socket
import subprocess
import time

import pytest

from conftest import QmpClient


def test_quit_replies_emits_shutdown_and_exits_zero(hulld):
    c = hulld.client().negotiate()
    assert c.execute("quit", id=1) == {"id": 1, "return": {}}
    ev = c.wait_event("SHUTDOWN")
    assert ev["event"] == "SHUTDOWN"
    assert ev["data"] == {"guest": False, "reason": "host-qmp-quit"}
    with pytest.raises(EOFError):
        c.recv()
    assert hulld.wait() == 0
    assert not os.path.exists(hulld.socket)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_shutdown(hulld, sig):
    c = hulld.client().negotiate()
    hulld.proc.send_signal(sig)
    ev = c.wait_event("SHUTDOWN")
    assert ev["data"] == {"guest": False, "reason": "host-signal"}
    assert hulld.wait() == 0
    assert not os.path.exists(hulld.socket)


def test_sigpipe_is_ignored(hulld):
    # Many clients that vanish with replies in flight: writes hit EPIPE, not SIGPIPE.
    for _ in range(20):
        c = hulld.client().negotiate()
        c.send_raw(b'{"execute": "query-commands"}' * 50)
        c.sock.shutdown(socket.SHUT_RDWR)
        c.close()
    fresh = hulld.client().negotiate()
    assert fresh.cmd("query-status")["status"] == "no-machine"


def test_pidfile(start_hulld, workdir):
    pidfile = os.path.join(workdir, "hulld.pid")
    h = start_hulld("--pidfile", pidfile)
    with open(pidfile) as f:
        assert int(f.read()) == h.proc.pid
    h.stop()
    assert not os.path.exists(pidfile)


def test_sandbox_denies_fork(start_hulld, need_seccomp):
    h = start_hulld("--sandbox", "on", env={"HULL_TEST_SANDBOX_PROBE": "fork"})
    h.wait_log("probe: fork() denied: Operation not permitted")
    assert "seccomp sandbox on" in h.log()
    # Threads still work (the filter allows clone with CLONE_THREAD) and QMP goes on.
    c = h.client().negotiate()
    assert c.cmd("query-status")["status"] == "no-machine"


def test_sandbox_kills_on_exec(hulld_path, workdir, need_seccomp):
    env = dict(os.environ, HULL_TEST_SANDBOX_PROBE="exec")
    proc = subprocess.run([hulld_path, "--socket", os.path.join(workdir, "s"), "--sandbox", "on"],
                          env=env, capture_output=True, text=True, timeout=10)
    assert proc.returncode == -signal.SIGSYS
    assert "probe: trying execve()" in proc.stderr
    assert "probe: execve() returned" not in proc.stderr


def test_sandbox_off_allows_fork(start_hulld):
    h = start_hulld("--sandbox", "off", env={"HULL_TEST_SANDBOX_PROBE": "fork"})
    h.wait_log("probe: fork() succeeded")


def test_sandbox_is_on_by_default(start_hulld, need_seccomp):
    h = start_hulld(env={"HULL_TEST_SANDBOX_PROBE": "fork"})
    h.wait_log("probe: fork() denied")


def test_sandbox_without_seccomp(hulld_path, workdir, hull_config, start_hulld):
    if "CONFIG_SECCOMP" in hull_config:
        pytest.skip("hulld built with seccomp")
    # Asking for the sandbox is an error; the default runs unsandboxed with a warning.
    proc = subprocess.run([hulld_path, "--socket", os.path.join(workdir, "s"), "--sandbox", "on"],
                          capture_output=True, text=True, timeout=10)
    assert proc.returncode != 0
    assert "without seccomp" in proc.stderr
    h = start_hulld(subdir="default")
    h.wait_log("built without seccomp: running without a sandbox")


def _notify_socket(workdir):
    path = os.path.join(workdir, "notify")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(10)
    return s, path


@pytest.mark.skipif(shutil.which("systemd-socket-activate") is None,
                    reason="systemd-socket-activate is not installed")
def test_socket_activation_and_ready_notification(hulld_path, workdir):
    sock_path = os.path.join(workdir, "act.sock")
    notify, notify_path = _notify_socket(workdir)
    log = open(os.path.join(workdir, "act.log"), "wb")
    proc = subprocess.Popen(["systemd-socket-activate", "-l", sock_path, "--fdname=qmp",
                             "-E", f"NOTIFY_SOCKET={notify_path}", "-E", "WATCHDOG_USEC=200000",
                             hulld_path, "--sandbox", "off"],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(sock_path):
            assert time.monotonic() < deadline
            time.sleep(0.01)
        # The first connection starts hulld, which inherits the listening socket. The
        # socket file exists from bind(), a moment before systemd-socket-activate listens.
        while True:
            try:
                c = QmpClient.connect(sock_path)
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline
                time.sleep(0.01)
        assert c.greeting["QMP"]["capabilities"] == ["oob"]
        messages = set()
        while not {"READY=1", "WATCHDOG=1"} <= messages:
            messages.update(notify.recv(4096).decode().split("\n"))
        assert "STATUS=machine: no-machine" in messages
        c.negotiate()
        assert c.cmd("query-status")["status"] == "no-machine"
        # A second client on the same inherited socket.
        c2 = QmpClient.connect(sock_path).negotiate()
        c2.cmd("quit")
        assert proc.wait(10) == 0
        while "STOPPING=1" not in messages:
            messages.update(notify.recv(4096).decode().split("\n"))
        with open(os.path.join(workdir, "act.log"), "rb") as f:
            text = f.read().decode()
        assert "name 'qmp'" in text
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
        notify.close()


def test_activation_rejects_non_listening_fd(hulld_path, workdir):
    # LISTEN_FDS protocol by hand: fd 3 is a plain file, not a listening socket.
    path = os.path.join(workdir, "plain")
    with open(path, "w") as f:
        f.write("x")
    fd = os.open(path, os.O_RDONLY)
    script = f'exec 3<&{fd}; LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" --sandbox off'
    proc = subprocess.run(["bash", "-c", script, hulld_path], pass_fds=[fd],
                          capture_output=True, text=True, timeout=10)
    os.close(fd)
    assert proc.returncode != 0
    assert "not a socket" in proc.stderr or "not a listening" in proc.stderr


def test_sigterm_while_a_client_floods(hulld):
    import threading

    c = hulld.client().negotiate()
    stop = threading.Event()

    def flood():
        try:
            while not stop.is_set():
                c.sock.sendall(b'{"execute": "query-status"}' * 100)
        except OSError:
            pass

    def drain():
        try:
            while c.sock.recv(1 << 16):
                pass
        except OSError:
            pass

    threads = [threading.Thread(target=flood), threading.Thread(target=drain)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    try:
        hulld.proc.send_signal(signal.SIGTERM)
        # A client that never stops sending must not hold the exit back.
        assert hulld.wait(10) == 0
    finally:
        stop.set()
        c.sock.close()
        for t in threads:
            t.join(10)
