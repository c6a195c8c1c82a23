"""chardev-add (every backend kind, QEMU's ChardevBackend layout), chardev-remove,
query-chardev, ringbuf-read and ringbuf-write; every failure leaves query-chardev as it
was."""
import base64
import os
import socket
import time

import pytest


def ringbuf(size=None):
    return {"type": "ringbuf", "data": {} if size is None else {"size": size}}


def unix_addr(path):
    return {"type": "unix", "data": {"path": path}}


def inet_addr(host, port):
    return {"type": "inet", "data": {"host": host, "port": str(port)}}


def chardevs(qmp):
    return {c["label"]: c for c in qmp.cmd("query-chardev")}


def assert_refused(qmp, cmd, args, cls="GenericError", text=None):
    before = qmp.cmd("query-chardev")
    resp = qmp.execute(cmd, args)
    assert "error" in resp, resp
    assert resp["error"]["class"] == cls, resp
    if text is not None:
        assert text in resp["error"]["desc"], resp
    assert qmp.cmd("query-chardev") == before
    return resp["error"]["desc"]


def wait_for(pred, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.02)


def test_ringbuf_add_query_remove(qmp):
    assert qmp.cmd("query-chardev") == []
    assert qmp.cmd("chardev-add", {"id": "ring0", "backend": ringbuf(4096)}) == {}
    assert qmp.cmd("query-chardev") == [{"label": "ring0", "filename": "ringbuf",
                                         "frontend-open": False}]
    assert qmp.cmd("qom-get", {"path": "/chardevs/ring0", "property": "size"}) == 4096
    assert qmp.cmd("chardev-remove", {"id": "ring0"}) == {}
    assert qmp.cmd("query-chardev") == []


def test_null_and_order(qmp):
    qmp.cmd("chardev-add", {"id": "b", "backend": {"type": "null", "data": {}}})
    qmp.cmd("chardev-add", {"id": "a", "backend": ringbuf()})
    assert [(c["label"], c["filename"]) for c in qmp.cmd("query-chardev")] == \
        [("b", "null"), ("a", "ringbuf")]


@pytest.mark.parametrize("size", [0, -1, 3, 1000, 1 << 31])
def test_ringbuf_bad_size(qmp, size):
    assert_refused(qmp, "chardev-add", {"id": "r", "backend": ringbuf(size)})


def test_bad_and_duplicate_ids(qmp):
    qmp.cmd("chardev-add", {"id": "c0", "backend": ringbuf()})
    assert_refused(qmp, "chardev-add", {"id": "c0", "backend": ringbuf()}, text="'c0'")
    for bad in ("", "0abc", "a/b", "a b", "#x"):
        assert_refused(qmp, "chardev-add", {"id": bad, "backend": ringbuf()},
                       text="invalid chardev id")


def test_bad_backend_shapes(qmp):
    desc = assert_refused(qmp, "chardev-add", {"id": "x", "backend": {"type": "null"}})
    assert desc == "Parameter 'backend.data' is missing"
    desc = assert_refused(qmp, "chardev-add", {"id": "x", "backend": {"type": "serial",
                                                                      "data": {}}})
    assert desc == "Parameter 'backend.type' does not accept value 'serial'"
    desc = assert_refused(qmp, "chardev-add", {"id": "x", "backend": {
        "type": "ringbuf", "data": {"size": 64, "bogus": 1}}})
    assert desc == "Parameter 'backend.data.bogus' is unexpected"
    desc = assert_refused(qmp, "chardev-add", {"id": "x", "backend": {
        "type": "socket", "data": {"addr": {"type": "unix", "data": {}}}}})
    assert desc == "Parameter 'backend.data.addr.data.path' is missing"


def test_remove_unknown(qmp):
    assert_refused(qmp, "chardev-remove", {"id": "nope"}, cls="DeviceNotFound",
                   text="Chardev 'nope' not found")


def test_ringbuf_read_write_errors(qmp):
    qmp.cmd("chardev-add", {"id": "n0", "backend": {"type": "null", "data": {}}})
    qmp.cmd("chardev-add", {"id": "r0", "backend": ringbuf(16)})
    assert_refused(qmp, "ringbuf-read", {"device": "nope", "size": 1}, cls="DeviceNotFound",
                   text="Device 'nope' not found")
    assert_refused(qmp, "ringbuf-write", {"device": "nope", "data": "x"},
                   cls="DeviceNotFound")
    assert_refused(qmp, "ringbuf-read", {"device": "n0", "size": 1}, text="not a ringbuf")
    assert_refused(qmp, "ringbuf-write", {"device": "n0", "data": "x"}, text="not a ringbuf")
    assert_refused(qmp, "ringbuf-read", {"device": "r0", "size": -1}, text="negative")
    assert_refused(qmp, "ringbuf-read", {"device": "r0", "size": 1, "format": "hex"},
                   text="does not accept value 'hex'")
    for bad in ("abc", "a===", "!!!!", "YW Jj"):
        assert_refused(qmp, "ringbuf-write", {"device": "r0", "data": bad,
                                              "format": "base64"}, text="base64")


def test_ringbuf_write_is_device_input(qmp):
    """ringbuf-write feeds the device (guest input), not the ring: with no device reading,
    the bytes queue up to the ring's size and ringbuf-read (the device's output) stays
    empty."""
    qmp.cmd("chardev-add", {"id": "r0", "backend": ringbuf(16)})
    qmp.cmd("ringbuf-write", {"device": "r0", "data": "0123456789"})
    qmp.cmd("ringbuf-write", {"device": "r0",
                              "data": base64.b64encode(b"\x00\xff\x10abc").decode(),
                              "format": "base64"})
    assert qmp.cmd("ringbuf-read", {"device": "r0", "size": 100}) == ""
    assert qmp.cmd("ringbuf-read", {"device": "r0", "size": 100, "format": "base64"}) == ""
    # 16 queued: one more byte does not fit, and the refused write queues nothing.
    desc = assert_refused(qmp, "ringbuf-write", {"device": "r0", "data": "xy"})
    assert "would not fit" in desc
    desc = assert_refused(qmp, "ringbuf-write", {"device": "r0", "data": "z"})
    assert "would not fit" in desc
    # Removing the chardev drops the queue; a new one starts empty.
    qmp.cmd("chardev-remove", {"id": "r0"})
    qmp.cmd("chardev-add", {"id": "r0", "backend": ringbuf(16)})
    qmp.cmd("ringbuf-write", {"device": "r0", "data": "x" * 16})


def test_ringbuf_input_reaches_a_device(qmp):
    pytest.skip("ringbuf-write -> a device's input needs a device with a chardev frontend on "
                "a qtest board (the test board's device only writes; the UARTs are on KVM/TCG "
                "boards); the engine side is covered by tests/unit/engine/test-chardev, the "
                "output direction (device -> ringbuf-read, utf8 and base64) by "
                "test_device.py")


def test_file_backend(qmp, tmp_path):
    out = tmp_path / "out.log"
    out.write_bytes(b"old contents")
    qmp.cmd("chardev-add", {"id": "f0", "backend": {"type": "file", "data": {"out": str(out)}}})
    assert out.read_bytes() == b""  # truncated, as QEMU does without append
    assert chardevs(qmp)["f0"]["filename"] == f"file:{out}"
    kept = tmp_path / "kept.log"
    kept.write_bytes(b"keep me")
    qmp.cmd("chardev-add", {"id": "f1", "backend": {"type": "file",
                                                     "data": {"out": str(kept),
                                                              "append": True}}})
    assert kept.read_bytes() == b"keep me"
    assert_refused(qmp, "chardev-add", {"id": "f2", "backend": {
        "type": "file", "data": {"out": str(tmp_path / "no" / "such" / "dir")}}},
        text="No such file or directory")
    assert_refused(qmp, "chardev-add", {"id": "f2", "backend": {"type": "file",
                                                                "data": {"out": ""}}})


def test_pty_backend(qmp):
    ret = qmp.cmd("chardev-add", {"id": "tty0", "backend": {"type": "pty", "data": {}}})
    pty = ret["pty"]
    assert pty.startswith("/dev/pts/") and os.path.exists(pty)
    assert chardevs(qmp)["tty0"] == {"label": "tty0", "filename": f"pty:{pty}",
                                     "frontend-open": False}
    assert qmp.cmd("qom-get", {"path": "/chardevs/tty0", "property": "path"}) == pty
    # The terminal can be opened by a user (e.g. screen) while the chardev exists.
    fd = os.open(pty, os.O_RDWR | os.O_NOCTTY)
    os.close(fd)
    qmp.cmd("chardev-remove", {"id": "tty0"})
    assert "tty0" not in chardevs(qmp)


def test_unix_server_socket(qmp, workdir):
    path = os.path.join(workdir, "con.sock")
    qmp.cmd("chardev-add", {"id": "con", "backend": {"type": "socket", "data": {
        "addr": unix_addr(path), "server": True, "wait": False}}})
    assert chardevs(qmp)["con"]["filename"] == f"disconnected:unix:{path},server=on"
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(path)
    wait_for(lambda: chardevs(qmp)["con"]["filename"] == f"unix:{path},server=on")
    client.close()
    wait_for(lambda: chardevs(qmp)["con"]["filename"].startswith("disconnected:"))
    # A second client is accepted after the first left.
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(path)
    wait_for(lambda: not chardevs(qmp)["con"]["filename"].startswith("disconnected:"))
    client.close()
    qmp.cmd("chardev-remove", {"id": "con"})
    assert not os.path.exists(path)  # the server's socket file is removed


def test_tcp_server_socket_free_port(qmp):
    qmp.cmd("chardev-add", {"id": "tcp0", "backend": {"type": "socket", "data": {
        "addr": inet_addr("127.0.0.1", 0), "server": True}}})
    port = int(qmp.cmd("qom-get", {"path": "/chardevs/tcp0", "property": "port"}))
    assert port > 0
    assert chardevs(qmp)["tcp0"]["filename"] == \
        f"disconnected:tcp:127.0.0.1:{port},server=on"
    client = socket.create_connection(("127.0.0.1", port))
    local_port = client.getsockname()[1]
    wait_for(lambda: chardevs(qmp)["tcp0"]["filename"] ==
             f"tcp:127.0.0.1:{port},server=on <-> 127.0.0.1:{local_port}")
    client.close()


def test_tcp_client_socket(qmp):
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    qmp.cmd("chardev-add", {"id": "cli", "backend": {"type": "socket", "data": {
        "addr": inet_addr("127.0.0.1", port)}}})
    server.settimeout(5)
    conn, _ = server.accept()
    assert chardevs(qmp)["cli"]["filename"].startswith(f"tcp:127.0.0.1:{port} <-> ")
    conn.close()
    wait_for(lambda: chardevs(qmp)["cli"]["filename"].startswith("disconnected:"))
    server.close()


def test_socket_refusals(qmp, workdir):
    # Nobody listens there and reconnect is not asked for.
    assert_refused(qmp, "chardev-add", {"id": "s", "backend": {"type": "socket", "data": {
        "addr": unix_addr(os.path.join(workdir, "absent.sock"))}}})
    assert_refused(qmp, "chardev-add", {"id": "s", "backend": {"type": "socket", "data": {
        "addr": unix_addr(os.path.join(workdir, "w.sock")), "server": True, "wait": True}}},
        text="'wait'")
    assert_refused(qmp, "chardev-add", {"id": "s", "backend": {"type": "socket", "data": {
        "addr": unix_addr(os.path.join(workdir, "r.sock")), "server": True,
        "reconnect": 1}}}, text="reconnect")
    assert_refused(qmp, "chardev-add", {"id": "s", "backend": {"type": "socket", "data": {
        "addr": unix_addr(os.path.join(workdir, "r.sock")), "reconnect": -1}}},
        text="negative")
    assert not os.path.exists(os.path.join(workdir, "w.sock"))


def test_client_socket_with_reconnect_waits_for_server(qmp, workdir):
    path = os.path.join(workdir, "later.sock")
    qmp.cmd("chardev-add", {"id": "late", "backend": {"type": "socket", "data": {
        "addr": unix_addr(path), "reconnect": 1}}})
    assert chardevs(qmp)["late"]["filename"] == f"disconnected:unix:{path}"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    server.settimeout(5)
    conn, _ = server.accept()
    wait_for(lambda: chardevs(qmp)["late"]["filename"] == f"unix:{path}")
    conn.close()
    server.close()


def test_fd_backend(hulld, qmp):
    ours, theirs = socket.socketpair()
    qmp.cmd("getfd", {"fdname": "serial"}, fds=[theirs.fileno()])
    theirs.close()
    qmp.cmd("chardev-add", {"id": "fd0", "backend": {"type": "fd",
                                                      "data": {"fdname": "serial"}}})
    assert chardevs(qmp)["fd0"]["filename"].startswith("fd:")
    # The descriptor was taken: its name is gone.
    assert_refused(qmp, "chardev-add", {"id": "fd1", "backend": {
        "type": "fd", "data": {"fdname": "serial"}}}, text="'serial'")
    qmp.cmd("chardev-remove", {"id": "fd0"})
    ours.settimeout(5)
    assert ours.recv(1) == b""  # hulld closed its end
    ours.close()


def test_fd_backend_bad_id_keeps_descriptor(qmp):
    r, w = os.pipe()
    qmp.cmd("getfd", {"fdname": "p"}, fds=[w])
    os.close(w)
    assert_refused(qmp, "chardev-add", {"id": "0bad", "backend": {
        "type": "fd", "data": {"fdname": "p"}}})
    # Still there for a correct request.
    qmp.cmd("chardev-add", {"id": "ok", "backend": {"type": "fd", "data": {"fdname": "p"}}})
    os.close(r)


def test_backends_survive_other_clients(hulld, qmp):
    qmp.cmd("chardev-add", {"id": "r0", "backend": ringbuf()})
    other = hulld.client().negotiate()
    assert [c["label"] for c in other.cmd("query-chardev")] == ["r0"]
    other.close()


def test_backends_in_every_machine_phase(qmp, tmp_path):
    """chardevs and block nodes are the machine's backends but not part of it: they can
    be added and removed in every phase and outlive machine-destroy."""
    img = tmp_path / "img"
    img.write_bytes(b"\0" * 4096)
    steps = [None, ("machine-create", {"type": "test", "accel": "qtest"}),
             ("machine-start", {"paused": True}), ("cont", None), ("stop", None),
             ("machine-destroy", None)]
    for i, step in enumerate(steps):
        if step:
            qmp.cmd(*step)
        qmp.cmd("chardev-add", {"id": f"c{i}", "backend": ringbuf()})
        qmp.cmd("blockdev-add", {"driver": "file", "node-name": f"n{i}",
                                 "filename": str(img)})
    assert [c["label"] for c in qmp.cmd("query-chardev")] == [f"c{i}" for i in range(6)]
    assert [n["node-name"] for n in qmp.cmd("query-named-block-nodes")] == \
        [f"n{i}" for i in range(6)]
    for i in range(6):
        qmp.cmd("chardev-remove", {"id": f"c{i}"})
        qmp.cmd("blockdev-del", {"node-name": f"n{i}"})
    assert qmp.cmd("query-chardev") == [] and qmp.cmd("query-named-block-nodes") == []
