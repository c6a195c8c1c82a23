"""hullctl console on a real terminal (a pty driven by ptyrun): keys go to the chardev
unchanged in raw mode, its output reaches the screen, Ctrl-] detaches and the terminal's
settings come back."""
import os
import socket
import termios
import threading
import time

import pytest

import hull
from ptyrun import PtyProcess


class EchoUpper:
    """A unix stream server standing for a socket chardev: answers every byte upper-cased
    and records what it received."""

    def __init__(self, path):
        self.path = path
        self.received = b""
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(1)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        conn, _ = self.sock.accept()
        conn.sendall(b"console ready\r\n")
        with conn:
            while True:
                data = conn.recv(4096)
                if not data:
                    return
                self.received += data
                conn.sendall(data.upper())

    def close(self):
        self.sock.close()


def test_console_raw_mode_and_detach(hullctl_path, workdir):
    chardev = EchoUpper(os.path.join(workdir, "serial.sock"))
    term = PtyProcess([hullctl_path, "console", "unix:" + chardev.path])
    try:
        before = term.tty_attrs()
        assert before[3] & termios.ICANON and before[3] & termios.ECHO
        term.expect("Ctrl-] detaches")
        term.expect("console ready")
        # Raw mode: no echo, no line buffering, control characters pass through.
        attrs = term.tty_attrs()
        assert not attrs[3] & (termios.ICANON | termios.ECHO | termios.ISIG)
        term.send("hello")
        term.expect("HELLO")
        term.send(b"\x03x")  # Ctrl-C goes to the guest, it does not kill hullctl
        term.expect("X")
        term.send(b"\x1d")
        term.expect("detached from")
        assert term.wait(10) == 0
        assert chardev.received == b"hello\x03x"
        after = term.tty_attrs()
        assert after[3] & termios.ICANON and after[3] & termios.ECHO
    finally:
        term.close()
        chardev.close()


def test_console_chardev_absent_or_unreachable(hullctl_path, hulld, workdir):
    term = PtyProcess([hullctl_path, "console", "unix:" + os.path.join(workdir, "none")])
    try:
        term.expect("cannot connect")
        assert term.wait(10) == 3
        assert term.tty_attrs()[3] & termios.ICANON
    finally:
        term.close()
    term = PtyProcess([hullctl_path, "-s", hulld.socket, "console", "serial0"])
    try:
        term.expect("(no chardev|does not support query-chardev)")
        assert term.wait(10) == 1
    finally:
        term.close()


def test_console_on_a_chardev_of_hulld(hullctl_path, hulld):
    """Through query-chardev and a ringbuf chardev created with chardev-add."""
    with hull.connect_sync(hulld.socket) as vm:
        served = {c.name for c in vm.query_commands()}
        needed = {"chardev-add", "query-chardev", "ringbuf-write", "ringbuf-read",
                  "machine-create", "machine-start", "qtest-write"}
        if not needed <= served:
            pytest.skip("hulld lacks %s" % ", ".join(sorted(needed - served)))
        vm.execute("chardev-add", {"id": "con0", "backend": {
            "type": "ringbuf", "data": {"size": 4096}}})
        # Guest output: the test board's device writes its OUT register (0x10000028) to
        # serial[0]. (In Hull ringbuf-write is input for the device, not ring contents.)
        vm.execute("machine-create", {"type": "test", "accel": "qtest", "serial": ["con0"]})
        vm.execute("machine-start", {"paused": True})
        for byte in b"guest says hi\r\n":
            vm.execute("qtest-write", {"addr": 0x10000028, "size": 4, "value": byte})
        term = PtyProcess([hullctl_path, "-s", hulld.socket, "console", "con0"])
        try:
            term.expect("guest says hi")
            term.send(b"\x1d")
            assert term.wait(10) == 0
        finally:
            term.close()


@pytest.mark.parametrize("kind", ["socket", "pty"])
def test_console_on_socket_and_pty_chardevs(hullctl_path, hulld, workdir, kind):
    """hullctl finds the chardev's socket path or pty with query-chardev and opens it; the
    test board's OUT register stands for the guest's serial output."""
    with hull.connect_sync(hulld.socket) as vm:
        served = {c.name for c in vm.query_commands()}
        needed = {"chardev-add", "query-chardev", "machine-create", "machine-start",
                  "qtest-write"}
        if not needed <= served:
            pytest.skip("hulld lacks %s" % ", ".join(sorted(needed - served)))
        if kind == "socket":
            backend = {"type": "socket", "data": {
                "addr": {"type": "unix", "data": {"path": os.path.join(workdir, "s.sock")}},
                "server": True, "wait": False}}
        else:
            backend = {"type": "pty", "data": {}}
        vm.execute("chardev-add", {"id": "ser0", "backend": backend})
        vm.execute("machine-create", {"type": "test", "accel": "qtest", "serial": ["ser0"]})
        vm.execute("machine-start", {"paused": True})
        term = PtyProcess([hullctl_path, "-s", hulld.socket, "console", "ser0"])
        try:
            term.expect("attached to ser0 \\(%s\\)" % kind)
            if kind == "socket":
                # The server chardev has its client once query-chardev says so.
                for _ in range(200):
                    info = [c for c in vm.execute("query-chardev") if c["label"] == "ser0"]
                    if not info[0]["filename"].startswith("disconnected:"):
                        break
                    time.sleep(0.02)
            for byte in b"from the guest\r\n":
                vm.execute("qtest-write", {"addr": 0x10000028, "size": 4, "value": byte})
            term.expect("from the guest")
            term.send(b"\x1d")
            term.expect("detached from ser0")
            assert term.wait(10) == 0
        finally:
            term.close()


def test_boot_attaches_the_console(hullctl_path, hulld):
    """`hullctl boot --chardev ID,pty` on a terminal: creates the chardev and the machine,
    starts it and attaches the console, as `make run` does."""
    with hull.connect_sync(hulld.socket) as vm:
        served = {c.name for c in vm.query_commands()}
        needed = {"chardev-add", "query-chardev", "machine-create", "machine-start",
                  "qtest-write", "query-machines"}
        if not needed <= served:
            pytest.skip("hulld lacks %s" % ", ".join(sorted(needed - served)))
        if "test" not in [m.name for m in vm.query_machines()]:
            pytest.skip("no 'test' board in this hulld")
        term = PtyProcess([hullctl_path, "-s", hulld.socket, "-v", "boot", "type=test",
                           "--chardev", "con0,pty"])
        try:
            term.expect('-> {"execute": "chardev-add"')
            term.expect('-> {"execute": "machine-create", "arguments": '
                        '{"type": "test", "serial": \\["con0"\\]}}')
            term.expect('-> {"execute": "machine-start"}')
            term.expect("attached to con0 \\(pty\\)")
            assert vm.query_status().status == "running"
            for byte in b"booted\r\n":
                vm.execute("qtest-write", {"addr": 0x10000028, "size": 4, "value": byte})
            term.expect("booted")
            term.send(b"\x1d")
            term.expect("detached from con0")
            assert term.wait(10) == 0
        finally:
            term.close()


def test_boot_a_guest_and_type_on_its_console(hullctl_path, hulld):
    """The `make run` demo: a RISC-V guest program on the virt board, booted by hullctl
    with its UART on a pty console; what is typed reaches the guest, its answer the
    screen."""
    from conftest import BUILD_ROOT
    guest = BUILD_ROOT / "tests" / "guest" / "riscv" / "echo.elf"
    with hull.connect_sync(hulld.socket) as vm:
        served = {c.name for c in vm.query_commands()}
        if not {"chardev-add", "query-chardev", "machine-create", "machine-start",
                "query-machines"} <= served:
            pytest.skip("hulld lacks chardevs or machines")
        if "virt" not in [m.name for m in vm.query_machines()]:
            pytest.skip("no RISC-V virt board in this hulld")
    if not guest.exists():
        pytest.skip("guest program %s not built (RISC-V toolchain absent)" % guest)
    term = PtyProcess([hullctl_path, "-s", hulld.socket, "boot", "type=virt",
                       "kernel=%s" % guest, "--chardev", "serial0,pty"])
    try:
        term.expect("attached to serial0 \\(pty\\)", timeout=30)
        # The guest clears its UART FIFOs when it starts: a key typed before that is lost,
        # so the first one is repeated until the guest answers.
        for _ in range(30):
            term.send("h")
            try:
                term.expect("H", timeout=1)
                break
            except AssertionError:
                pass
        else:
            raise AssertionError("the guest never echoed: " + term.output.decode())
        term.send("ello hull\r")
        term.expect("ELLO HULL", timeout=30)
        term.send(b"\x1d")
        term.expect("detached from serial0")
        assert term.wait(10) == 0
    finally:
        term.close()
