"""hulld's command line: only where to listen, how to log, whether to sandbox."""
import os
import socket
import stat
import subprocess

from conftest import QmpClient


def run(hulld_path, *args, timeout=10):
    return subprocess.run([hulld_path, *args], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def test_version_prints_version(hulld_path):
    proc = run(hulld_path, "--version")
    assert proc.returncode == 0
    assert proc.stdout.startswith("hulld ")
    major, minor, micro = proc.stdout.split()[1].split(".")
    assert all(part.isdigit() for part in (major, minor, micro))


def test_no_listener_refuses_to_start(hulld_path):
    proc = run(hulld_path)
    assert proc.returncode != 0
    assert "no QMP listener" in proc.stderr


def test_unknown_option_is_an_error(hulld_path):
    proc = run(hulld_path, "--machine", "virt")
    assert proc.returncode != 0
    assert "machine" in proc.stderr


def test_bad_log_level_is_an_error(hulld_path):
    proc = run(hulld_path, "--log-level", "loud", "--socket", "/nonexistent/x.qmp")
    assert proc.returncode != 0
    assert "log level" in proc.stderr


def test_bad_sandbox_value_is_an_error(hulld_path, workdir):
    proc = run(hulld_path, "--sandbox", "maybe", "--socket", f"{workdir}/s")
    assert proc.returncode != 0
    assert "--sandbox" in proc.stderr


def test_socket_mode_is_0600(hulld):
    assert stat.S_IMODE(os.stat(hulld.socket).st_mode) == 0o600


def test_stale_socket_is_replaced(start_hulld, workdir):
    path = os.path.join(workdir, "qmp.sock")
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(path)  # a socket file nobody listens on
    stale.close()
    h = start_hulld()
    assert h.client().greeting is not None
    assert "replacing stale socket" in h.log()


def test_socket_in_use_is_refused(hulld, hulld_path):
    proc = run(hulld_path, "--socket", hulld.socket)
    assert proc.returncode != 0
    assert "in use" in proc.stderr
    # The first hulld still serves.
    assert hulld.client().negotiate().cmd("query-status")["status"] == "no-machine"


def test_non_socket_file_is_not_replaced(hulld_path, workdir):
    path = os.path.join(workdir, "file")
    with open(path, "w") as f:
        f.write("precious")
    proc = run(hulld_path, "--socket", path)
    assert proc.returncode != 0
    assert "not a socket" in proc.stderr
    with open(path) as f:
        assert f.read() == "precious"


def test_socket_path_too_long(hulld_path):
    proc = run(hulld_path, "--socket", "/tmp/" + "x" * 200)
    assert proc.returncode != 0
    assert "too long" in proc.stderr


def test_tcp_loopback(start_hulld):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    h = start_hulld("--tcp", f"127.0.0.1:{port}")
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    c = QmpClient(s)
    c.greeting = c.recv()
    c.negotiate()
    assert c.cmd("query-status")["status"] == "no-machine"
    h.wait_log("via tcp:127.0.0.1")


def test_tcp_non_loopback_refused(hulld_path):
    proc = run(hulld_path, "--tcp", "0.0.0.0:4444")
    assert proc.returncode != 0
    assert "non-loopback" in proc.stderr and "--tcp-allow-remote" in proc.stderr


def test_tcp_bad_spec(hulld_path):
    proc = run(hulld_path, "--tcp", "localhost")
    assert proc.returncode != 0
    assert "HOST:PORT" in proc.stderr


def test_inherited_listening_fd(hulld_path, workdir):
    path = os.path.join(workdir, "inh.sock")
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(path)
    lsock.listen()
    fd = lsock.fileno()
    proc = subprocess.Popen([hulld_path, "--fd", f"{fd}:mine", "--sandbox", "off"],
                            pass_fds=[fd], stdin=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    lsock.close()
    try:
        c = QmpClient.connect(path)
        c.negotiate()
        c.cmd("quit")
        assert proc.wait(10) == 0
        assert f"fd:{fd}:mine" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_inherited_fd_must_be_listening_socket(hulld_path):
    r, w = os.pipe()
    proc = subprocess.run([hulld_path, "--fd", str(r)], pass_fds=[r], capture_output=True,
                          text=True, timeout=10)
    os.close(r)
    os.close(w)
    assert proc.returncode != 0
    assert "not a socket" in proc.stderr


def test_help_lists_only_process_options(hulld_path):
    proc = run(hulld_path, "--help")
    assert proc.returncode == 0
    for opt in ["--socket", "--tcp", "--fd", "--pidfile", "--sandbox", "--log-level", "--name"]:
        assert opt in proc.stdout
    assert "--machine" not in proc.stdout
