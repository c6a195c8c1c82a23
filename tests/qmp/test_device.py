"""device_add, device_del and DEVICE_DELETED on the `test` board with the qtest
accelerator: cold plug while configuring (realized by machine-start), hotplug while the
machine runs or is paused, property validation, and refusals that change nothing."""
import base64
import os
import socket
import time

import pytest

SLOT0 = 0x10001000  # the test board maps device_add'ed test-devices from here, 4 KiB apart
OUT, SCRATCH = 0x28, 0x08


def peripherals(qmp):
    try:
        return [p["name"] for p in qmp.cmd("qom-list", {"path": "/machine/peripheral"})
                if p["type"].startswith("child<")]
    except Exception:  # no device was ever added: the container does not exist yet
        return []


def refused(qmp, cmd, args=None, cls="GenericError"):
    before = (peripherals(qmp), qmp.cmd("query-chardev"), qmp.cmd("query-status"))
    resp = qmp.execute(cmd, args)
    assert "error" in resp, resp
    assert resp["error"]["class"] == cls, resp
    assert (peripherals(qmp), qmp.cmd("query-chardev"), qmp.cmd("query-status")) == before
    return resp["error"]["desc"]


@pytest.fixture
def machine(qmp):
    qmp.cmd("chardev-add", {"id": "con0", "backend": {"type": "ringbuf", "data": {}}})
    qmp.cmd("machine-create", {"type": "test", "accel": "qtest"})
    return qmp


def test_wrong_phase(qmp):
    desc = refused(qmp, "device_add", {"driver": "test-device", "id": "d0"})
    assert desc == ("The command device_add is not available in phase 'no-machine' "
                    "(allowed phases: configuring, running, paused)")
    refused(qmp, "device_del", {"id": "d0"})


def test_cold_plug_and_delete_while_configuring(machine):
    qmp = machine
    assert qmp.cmd("device_add", {"driver": "test-device", "id": "d0",
                                  "chardev": "con0"}) == {}
    assert peripherals(qmp) == ["d0"]
    assert qmp.cmd("qom-get", {"path": "/machine/peripheral/d0",
                               "property": "chardev"}) == "/chardevs/con0"
    assert qmp.cmd("qom-get", {"path": "d0", "property": "type"}) == "test-device"
    assert qmp.cmd("device_del", {"id": "d0"}) == {}
    ev = qmp.wait_event("DEVICE_DELETED")
    assert ev["data"] == {"device": "d0", "path": "/machine/peripheral/d0"}
    assert peripherals(qmp) == []
    # The id is free again, and the chardev too.
    qmp.cmd("device_add", {"driver": "test-device", "id": "d0"})
    qmp.cmd("chardev-remove", {"id": "con0"})


def test_device_add_refusals(machine):
    qmp = machine
    qmp.cmd("device_add", {"driver": "test-device", "id": "d0"})
    cases = [
        (None, "Parameter 'driver' is missing"),
        ({"id": "x"}, "Parameter 'driver' is missing"),
        ({"driver": 7, "id": "x"}, "Invalid parameter type for 'driver', expected: string"),
        ({"driver": "test-device", "id": 7},
         "Invalid parameter type for 'id', expected: string"),
        ({"driver": "nope", "id": "x"}, "'nope' is not a valid device model name"),
        ({"driver": "chardev-null", "id": "x"},
         "'chardev-null' is not a valid device model name"),
        ({"driver": "device", "id": "x"},
         "Parameter 'driver' expects a non-abstract device type"),
        ({"driver": "test-device", "id": "0x"}, "Parameter 'id' expects an identifier"),
        ({"driver": "test-device", "id": "a/b"}, "Parameter 'id' expects an identifier"),
        ({"driver": "test-device", "id": "d0"}, "Duplicate device ID 'd0'"),
        ({"driver": "test-device", "id": "x", "bogus": 1},
         "'test-device' has no property 'bogus'"),
        ({"driver": "test-device", "id": "x", "chardev": 5}, "chardev"),
    ]
    for args, text in cases:
        desc = refused(qmp, "device_add", args)
        assert text in desc, (args, desc)
    desc = refused(qmp, "device_add", {"driver": "test-device", "id": "x", "chardev": "nope"},
                   cls="DeviceNotFound")
    assert "'nope'" in desc


def test_device_without_id(machine):
    qmp = machine
    qmp.cmd("device_add", {"driver": "test-device"})
    qmp.cmd("device_add", {"driver": "test-device"})
    assert [p["name"] for p in qmp.cmd("qom-list", {"path": "/machine/peripheral-anon"})
            if p["type"].startswith("child<")] == ["device[0]", "device[1]"]
    qmp.cmd("machine-start")
    # cold-plugged into the test board's slots like any other: both answer
    assert qmp.cmd("qtest-read", {"addr": 0x10001000, "size": 4})["value"] == 0x4c4c5548
    assert qmp.cmd("qtest-read", {"addr": 0x10002000, "size": 4})["value"] == 0x4c4c5548
    qmp.cmd("device_del", {"id": "/machine/peripheral-anon/device[1]"})
    ev = qmp.wait_event("DEVICE_DELETED")
    assert ev["data"] == {"path": "/machine/peripheral-anon/device[1]"}
    err = qmp.execute("qtest-read", {"addr": 0x10002000, "size": 4})
    assert "error" in err


def test_non_user_creatable_device(machine):
    qmp = machine
    types = [t["name"] for t in qmp.cmd("qom-list-types", {"implements": "device"})]
    candidates = [t for t in types if t != "test-device"]
    for t in candidates:
        resp = qmp.execute("device_add", {"driver": t, "id": "x"})
        if "error" in resp and "pluggable" in resp["error"]["desc"]:
            assert resp["error"]["desc"] == \
                "Parameter 'driver' expects a pluggable device type"
            assert peripherals(qmp) == []
            return
        if "return" in resp:
            qmp.cmd("device_del", {"id": "x"})
    pytest.skip("every device type built in is user-creatable")


def test_chardev_named_by_a_device_is_busy(machine):
    qmp = machine
    qmp.cmd("device_add", {"driver": "test-device", "id": "d0", "chardev": "con0"})
    desc = refused(qmp, "chardev-remove", {"id": "con0"})
    assert desc == "Chardev 'con0' is busy"
    qmp.cmd("device_del", {"id": "d0"})
    qmp.cmd("chardev-remove", {"id": "con0"})


def test_qom_set_before_and_after_realize(machine):
    qmp = machine
    qmp.cmd("chardev-add", {"id": "con1", "backend": {"type": "ringbuf", "data": {}}})
    qmp.cmd("device_add", {"driver": "test-device", "id": "d0", "chardev": "con0"})
    # Not realized yet: properties can change.
    assert qmp.cmd("qom-set", {"path": "/machine/peripheral/d0", "property": "chardev",
                               "value": "con1"}) == {}
    assert qmp.cmd("qom-get", {"path": "d0", "property": "chardev"}) == "/chardevs/con1"
    qmp.cmd("chardev-remove", {"id": "con0"})  # no longer named by anyone
    qmp.cmd("machine-start", {"paused": True})
    desc = refused(qmp, "qom-set", {"path": "d0", "property": "chardev", "value": ""})
    assert "realized" in desc
    assert qmp.cmd("qom-get", {"path": "d0", "property": "chardev"}) == "/chardevs/con1"


def test_cold_plugged_device_output_through_ringbuf(machine):
    """machine-start plugs and realizes cold-plugged devices: the device's OUT register
    reaches its chardev, read back with ringbuf-read in both formats."""
    qmp = machine
    qmp.cmd("device_add", {"driver": "test-device", "id": "d0", "chardev": "con0"})
    qmp.cmd("machine-start", {"paused": True})
    payload = "héllo\n".encode() + b"\xff\x00"
    for byte in payload:
        qmp.cmd("qtest-write", {"addr": SLOT0 + OUT, "size": 4, "value": byte})
    assert qmp.cmd("ringbuf-read", {"device": "con0", "size": 3}) == "hé"  # 3 bytes
    rest = qmp.cmd("ringbuf-read", {"device": "con0", "size": 100, "format": "base64"})
    assert base64.b64decode(rest) == payload[3:]
    for byte in b"\xff\xfeok":
        qmp.cmd("qtest-write", {"addr": SLOT0 + OUT, "size": 4, "value": byte})
    # utf8: invalid bytes come out as U+FFFD
    assert qmp.cmd("ringbuf-read", {"device": "con0", "size": 100}) == "\ufffd\ufffdok"
    assert qmp.cmd("ringbuf-read", {"device": "con0", "size": 100}) == ""


def test_start_with_bad_cold_plug_changes_nothing(machine):
    """Nothing half-started: a device the board refuses keeps the machine configuring."""
    qmp = machine
    for i in range(17):  # the test board has 16 slots
        qmp.cmd("device_add", {"driver": "test-device", "id": f"d{i}"})
    resp = qmp.execute("machine-start")
    assert "error" in resp and "d16" in resp["error"]["desc"]
    assert qmp.cmd("query-status")["status"] == "configuring"
    qmp.cmd("device_del", {"id": "d16"})
    qmp.wait_event("DEVICE_DELETED")
    qmp.cmd("machine-start", {"paused": True})
    assert qmp.cmd("qtest-read", {"addr": SLOT0 + 15 * 0x1000, "size": 4})["value"] == \
        0x4c4c5548


@pytest.mark.parametrize("paused", [True, False])
def test_hotplug_and_unplug(machine, paused):
    qmp = machine
    qmp.cmd("machine-start", {"paused": paused})
    assert qmp.cmd("query-status")["status"] == ("paused" if paused else "running")
    refused(qmp, "qtest-read", {"addr": SLOT0, "size": 4})  # nothing there yet
    qmp.cmd("device_add", {"driver": "test-device", "id": "hot", "chardev": "con0"})
    assert qmp.cmd("qtest-read", {"addr": SLOT0, "size": 4})["value"] == 0x4c4c5548
    qmp.cmd("qtest-write", {"addr": SLOT0 + SCRATCH, "size": 8, "value": 1234})
    assert qmp.cmd("qtest-read", {"addr": SLOT0 + SCRATCH, "size": 8})["value"] == 1234
    qmp.cmd("qtest-write", {"addr": SLOT0 + OUT, "size": 4, "value": ord("!")})
    assert qmp.cmd("ringbuf-read", {"device": "con0", "size": 10}) == "!"
    refused(qmp, "chardev-remove", {"id": "con0"})
    qmp.cmd("device_del", {"id": "hot"})
    ev = qmp.wait_event("DEVICE_DELETED")
    assert ev["data"] == {"device": "hot", "path": "/machine/peripheral/hot"}
    refused(qmp, "qtest-read", {"addr": SLOT0, "size": 4})  # unmapped again
    assert peripherals(qmp) == []
    qmp.cmd("chardev-remove", {"id": "con0"})
    # The slot is free for the next one.
    qmp.cmd("device_add", {"driver": "test-device", "id": "hot2"})
    assert qmp.cmd("qtest-read", {"addr": SLOT0, "size": 4})["value"] == 0x4c4c5548


def test_hotplug_refused_by_the_board_changes_nothing(machine):
    qmp = machine
    qmp.cmd("machine-start", {"paused": True})
    for i in range(16):
        qmp.cmd("device_add", {"driver": "test-device", "id": f"d{i}"})
    desc = refused(qmp, "device_add", {"driver": "test-device", "id": "d16"})
    assert "slots" in desc


def test_device_del_refusals(machine):
    qmp = machine
    refused(qmp, "device_del", {"id": "nope"}, cls="DeviceNotFound")
    refused(qmp, "device_del", {"id": "/machine/peripheral/nope"}, cls="DeviceNotFound")
    qmp.cmd("machine-start", {"paused": True})
    board_dev = qmp.cmd("qom-list", {"path": "/machine/unattached"})
    names = [p["name"] for p in board_dev if p["type"] == "child<test-device>"]
    assert names
    desc = refused(qmp, "device_del", {"id": "/machine/unattached/" + names[0]})
    assert "was not added with device_add" in desc


def test_device_del_by_path(machine):
    qmp = machine
    qmp.cmd("device_add", {"driver": "test-device", "id": "d0"})
    qmp.cmd("device_del", {"id": "/machine/peripheral/d0"})
    assert qmp.wait_event("DEVICE_DELETED")["data"]["device"] == "d0"


def test_destroy_drops_devices(machine):
    qmp = machine
    qmp.cmd("device_add", {"driver": "test-device", "id": "d0", "chardev": "con0"})
    qmp.cmd("machine-start", {"paused": True})
    qmp.cmd("machine-destroy")
    # Backends outlive the machine; the device is gone with it and no longer holds con0.
    assert [c["label"] for c in qmp.cmd("query-chardev")] == ["con0"]
    qmp.cmd("machine-create", {"type": "test", "accel": "qtest"})
    assert peripherals(qmp) == []
    qmp.cmd("chardev-remove", {"id": "con0"})


def test_device_list_properties_of_test_device(qmp):
    props = qmp.cmd("device-list-properties", {"typename": "test-device"})
    assert props == [{"name": "chardev", "type": "link<chardev>",
                      "description": "where writes to the OUT register go"},
                     {"name": "drive", "type": "link<block-node>",
                      "description": "the block node of the disk registers"}]


def test_query_block_lists_disk_devices(machine, tmp_path):
    qmp = machine
    img = tmp_path / "img"
    img.write_bytes(b"\0" * 4096)
    qmp.cmd("blockdev-add", {"driver": "file", "node-name": "img0", "filename": str(img)})
    # a device with a drive property and nothing in it: listed, empty (as QEMU's)
    qmp.cmd("device_add", {"driver": "test-device", "id": "d0"})
    assert qmp.cmd("query-block") == [{"device": "", "locked": False, "qdev": "d0",
                                       "removable": False}]
    qmp.cmd("device_add", {"driver": "test-device", "id": "d1", "drive": "img0"})
    blocks = {b["qdev"]: b for b in qmp.cmd("query-block")}
    assert "inserted" not in blocks["d0"]
    assert blocks["d1"]["inserted"]["node-name"] == "img0"


def test_device_output_to_file_and_socket(qmp, workdir, tmp_path):
    out = tmp_path / "console.log"
    path = os.path.join(workdir, "con.sock")
    qmp.cmd("chardev-add", {"id": "file0", "backend": {"type": "file",
                                                        "data": {"out": str(out)}}})
    qmp.cmd("chardev-add", {"id": "sock0", "backend": {"type": "socket", "data": {
        "addr": {"type": "unix", "data": {"path": path}}, "server": True}}})
    qmp.cmd("machine-create", {"type": "test", "accel": "qtest"})
    qmp.cmd("device_add", {"driver": "test-device", "id": "d0", "chardev": "file0"})
    qmp.cmd("device_add", {"driver": "test-device", "id": "d1", "chardev": "sock0"})
    qmp.cmd("machine-start", {"paused": True})
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(path)
    client.settimeout(5)
    # Wait until hulld accepted the client (query-chardev no longer says disconnected).
    deadline = time.monotonic() + 5
    while any(c["filename"].startswith("disconnected:") for c in qmp.cmd("query-chardev")):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    for byte in b"to file\n":
        qmp.cmd("qtest-write", {"addr": SLOT0 + OUT, "size": 4, "value": byte})
    for byte in b"to socket\n":
        qmp.cmd("qtest-write", {"addr": SLOT0 + 0x1000 + OUT, "size": 4, "value": byte})
    assert out.read_bytes() == b"to file\n"
    got = b""
    while len(got) < len(b"to socket\n"):
        chunk = client.recv(100)
        assert chunk
        got += chunk
    assert got == b"to socket\n"
    client.close()
