"""Shared fixtures for the QMP protocol tests: where hulld is, a running hulld per test on a
temporary socket, and a small QMP client speaking the wire protocol byte for byte."""
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest


@pytest.fixture(scope="session")
def hulld_path() -> str:
    path = os.environ.get("HULLD")
    if not path:
        root = pathlib.Path(__file__).resolve().parents[2]
        path = str(root / "build" / "hulld")
    if not os.access(path, os.X_OK):
        pytest.fail(f"hulld not built at {path} (run through 'meson test' or set HULLD)")
    return path


@pytest.fixture(scope="session")
def hull_config() -> dict:
    """CONFIG_* symbols of the build under test, from its config-host.h."""
    root = os.environ.get("HULL_BUILD_ROOT")
    if not root:
        root = str(pathlib.Path(os.environ.get("HULLD", "build/hulld")).resolve().parent)
    config = {}
    try:
        with open(os.path.join(root, "config-host.h")) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[0] == "#define":
                    config[parts[1]] = parts[2]
    except OSError:
        pass
    return config


@pytest.fixture
def need_seccomp(hull_config):
    if "CONFIG_SECCOMP" not in hull_config:
        pytest.skip("hulld built without seccomp (-Dseccomp=disabled)")


class QmpError(Exception):
    pass


class QmpClient:
    """A QMP client over a stream socket. Replies and events are kept apart; recv() returns
    the next message of either kind."""

    def __init__(self, sock: socket.socket, timeout: float = 10.0):
        self.sock = sock
        self.sock.settimeout(timeout)
        self.buf = b""
        self.events = []
        self.greeting = None

    @classmethod
    def connect(cls, path: str, timeout: float = 10.0, greet: bool = True) -> "QmpClient":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(path)
        client = cls(sock, timeout)
        if greet:
            client.greeting = client.recv()
        return client

    def close(self):
        self.sock.close()

    def send_raw(self, data: bytes, fds=None):
        if fds:
            socket.send_fds(self.sock, [data], fds)
        else:
            self.sock.sendall(data)

    def send(self, obj, fds=None):
        self.send_raw(json.dumps(obj).encode(), fds)

    def recv_line(self) -> bytes:
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise EOFError("hulld closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def recv(self):
        return json.loads(self.recv_line())

    def reply(self):
        """Next reply, collecting events that come first."""
        while True:
            msg = self.recv()
            if "event" in msg:
                self.events.append(msg)
                continue
            return msg

    def execute(self, name, args=None, id=None, fds=None, oob=False):
        req = {"exec-oob" if oob else "execute": name}
        if args is not None:
            req["arguments"] = args
        if id is not None:
            req["id"] = id
        self.send(req, fds)
        return self.reply()

    def cmd(self, name, args=None, fds=None):
        """Runs a command that must succeed; returns its "return" value."""
        resp = self.execute(name, args, fds=fds)
        if "error" in resp:
            raise QmpError(resp["error"])
        return resp["return"]

    def negotiate(self, oob=False):
        args = {"enable": ["oob"]} if oob else None
        assert self.execute("qmp_capabilities", args) == {"return": {}}
        return self

    def wait_event(self, name, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            for ev in self.events:
                if ev["event"] == name:
                    self.events.remove(ev)
                    return ev
            self.sock.settimeout(max(deadline - time.monotonic(), 0.01))
            msg = self.recv()
            if "event" not in msg:
                raise AssertionError(f"unexpected reply while waiting for {name}: {msg}")
            self.events.append(msg)


class Hulld:
    """One hulld process listening on a unix socket in a private temporary directory."""

    def __init__(self, path: str, workdir: str, extra_args=(), env=None):
        self.workdir = workdir
        self.socket = os.path.join(workdir, "qmp.sock")
        self.log_path = os.path.join(workdir, "hulld.log")
        self.log_file = open(self.log_path, "wb")
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.proc = subprocess.Popen([path, "--socket", self.socket, *extra_args],
                                     stdin=subprocess.DEVNULL, stdout=self.log_file,
                                     stderr=subprocess.STDOUT, env=full_env)
        deadline = time.monotonic() + 10
        while not self._connectable():
            if self.proc.poll() is not None:
                raise RuntimeError(f"hulld exited with {self.proc.returncode}: {self.log()}")
            if time.monotonic() > deadline:
                raise RuntimeError("hulld did not start listening: " + self.log())
            time.sleep(0.01)

    def _connectable(self):
        if not os.path.exists(self.socket):
            return False
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(self.socket)
            return True
        except OSError:
            return False
        finally:
            s.close()

    def client(self, **kw) -> QmpClient:
        return QmpClient.connect(self.socket, **kw)

    def log(self) -> str:
        self.log_file.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def wait_log(self, text, timeout=10.0):
        deadline = time.monotonic() + timeout
        while text not in self.log():
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not in hulld's log:\n{self.log()}")
            time.sleep(0.02)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait(self, timeout=10.0) -> int:
        return self.proc.wait(timeout)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log_file.close()


@pytest.fixture
def workdir():
    # Short: sun_path holds 107 bytes.
    d = tempfile.mkdtemp(prefix="hq", dir="/tmp")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def sanitized(hulld_path) -> bool:
    """Whether hulld was built with AddressSanitizer (make check-asan)."""
    with open(hulld_path, "rb") as f:
        return b"__asan_init" in f.read()


@pytest.fixture
def start_hulld(hulld_path, workdir, sanitized):
    """Factory: start_hulld(*extra_args, env=...) -> Hulld; every one is stopped at the end.

    LeakSanitizer's exit-time check needs ptrace and a non-thread clone, which the sandbox
    forbids: in sanitizer builds hulld runs unsandboxed unless the test is about the sandbox
    (HULL_TEST_SANDBOX_PROBE), and then without the leak check."""
    started = []

    def start(*extra_args, env=None, subdir=None):
        d = workdir
        if subdir:
            d = os.path.join(workdir, subdir)
            os.mkdir(d)
        env = dict(env or {})
        if sanitized:
            if "HULL_TEST_SANDBOX_PROBE" in env:
                env["ASAN_OPTIONS"] = os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
            elif "--sandbox" not in extra_args:
                extra_args = (*extra_args, "--sandbox", "off")
        h = Hulld(hulld_path, d, extra_args, env)
        started.append(h)
        return h

    yield start
    for h in started:
        h.stop()


@pytest.fixture
def hulld(start_hulld):
    return start_hulld()


@pytest.fixture
def qmp(hulld):
    """A negotiated client of a fresh hulld."""
    c = hulld.client().negotiate()
    yield c
    c.close()
