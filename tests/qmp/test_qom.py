"""qom-list, qom-get, qom-set, qom-list-types, qom-list-properties and
device-list-properties: QEMU's argument names, return shapes and error classes."""
import pytest


def add_ringbuf(qmp, chr_id, size=None):
    data = {} if size is None else {"size": size}
    qmp.cmd("chardev-add", {"id": chr_id, "backend": {"type": "ringbuf", "data": data}})


def error_of(resp):
    assert "error" in resp, resp
    return resp["error"]


def test_qom_list_root_and_children(qmp):
    root = qmp.cmd("qom-list", {"path": "/"})
    assert {"name": "type", "type": "string", "description": "the object's type"} in root
    add_ringbuf(qmp, "ring0")
    root = qmp.cmd("qom-list", {"path": "/"})
    assert {"name": "chardevs", "type": "child<container>"} in root
    chardevs = qmp.cmd("qom-list", {"path": "/chardevs"})
    assert {"name": "ring0", "type": "child<chardev-ringbuf>"} in chardevs


def test_qom_list_property_shape(qmp):
    add_ringbuf(qmp, "ring0", 4096)
    props = {p["name"]: p for p in qmp.cmd("qom-list", {"path": "/chardevs/ring0"})}
    assert props["type"]["type"] == "string"
    assert props["size"] == {"name": "size", "type": "size",
                             "description": "ring size in bytes (a power of two)",
                             "default-value": 65536}


def test_qom_partial_paths(qmp):
    add_ringbuf(qmp, "ring0")
    assert qmp.cmd("qom-list", {"path": "ring0"}) == qmp.cmd("qom-list",
                                                             {"path": "/chardevs/ring0"})
    assert qmp.cmd("qom-get", {"path": "chardevs/ring0", "property": "type"}) == \
        "chardev-ringbuf"


def test_qom_ambiguous_partial_path(qmp, tmp_path):
    img = tmp_path / "img"
    img.write_bytes(b"\0" * 4096)
    add_ringbuf(qmp, "x0")
    qmp.cmd("blockdev-add", {"driver": "file", "node-name": "x0", "filename": str(img)})
    err = error_of(qmp.execute("qom-list", {"path": "x0"}))
    assert err == {"class": "GenericError", "desc": "Path 'x0' is ambiguous"}
    assert qmp.cmd("qom-get", {"path": "/blockdevs/x0", "property": "type"}) == "block-file"


@pytest.mark.parametrize("path", ["/nowhere", "/chardevs/none", "none", "a//b", ""])
def test_qom_unknown_path(qmp, path):
    for cmd, extra in (("qom-list", {}), ("qom-get", {"property": "type"}),
                       ("qom-set", {"property": "size", "value": 1})):
        err = error_of(qmp.execute(cmd, {"path": path, **extra}))
        assert err == {"class": "DeviceNotFound", "desc": f"Device '{path}' not found"}


def test_qom_get_values(qmp):
    add_ringbuf(qmp, "ring0", 1024)
    assert qmp.cmd("qom-get", {"path": "/chardevs/ring0", "property": "size"}) == 1024
    assert qmp.cmd("qom-get", {"path": "/chardevs/ring0", "property": "type"}) == \
        "chardev-ringbuf"
    # A child reads as its canonical path.
    assert qmp.cmd("qom-get", {"path": "/chardevs", "property": "ring0"}) == "/chardevs/ring0"


def test_qom_get_unknown_property(qmp):
    add_ringbuf(qmp, "ring0")
    err = error_of(qmp.execute("qom-get", {"path": "/chardevs/ring0", "property": "nope"}))
    assert err["class"] == "GenericError"
    assert "'nope'" in err["desc"]


def test_qom_set_errors_change_nothing(qmp):
    qmp.cmd("chardev-add", {"id": "tty0", "backend": {"type": "pty", "data": {}}})
    add_ringbuf(qmp, "ring0", 1024)
    before = (qmp.cmd("qom-get", {"path": "/chardevs/tty0", "property": "path"}),
              qmp.cmd("qom-get", {"path": "/chardevs/ring0", "property": "size"}),
              qmp.cmd("query-chardev"))
    cases = [
        # read-only
        ("/chardevs/tty0", "path", "/dev/null", "read-only"),
        ("/chardevs/tty0", "type", "chardev-null", "read-only"),
        ("/chardevs", "ring0", "x", "read-only"),
        # the backend is open (realized): its configuration is fixed
        ("/chardevs/ring0", "size", 2048, "realized"),
        # wrong type, unknown property
        ("/chardevs/ring0", "size", True, "size"),
        ("/chardevs/ring0", "nope", 1, "'nope'"),
    ]
    for path, prop, value, text in cases:
        err = error_of(qmp.execute("qom-set", {"path": path, "property": prop, "value": value}))
        assert err["class"] == "GenericError"
        assert text in err["desc"], (path, prop, err)
    after = (qmp.cmd("qom-get", {"path": "/chardevs/tty0", "property": "path"}),
             qmp.cmd("qom-get", {"path": "/chardevs/ring0", "property": "size"}),
             qmp.cmd("query-chardev"))
    assert after == before


def test_qom_set_missing_value(qmp):
    err = error_of(qmp.execute("qom-set", {"path": "/", "property": "x"}))
    assert err == {"class": "GenericError", "desc": "Parameter 'value' is missing"}


def test_qom_list_types(qmp):
    types = qmp.cmd("qom-list-types", {"implements": "chardev"})
    names = [t["name"] for t in types]
    assert names == sorted(names)
    assert {"name": "chardev-ringbuf", "parent": "chardev"} in types
    assert "chardev" not in names  # abstract, not asked for
    with_abstract = qmp.cmd("qom-list-types", {"implements": "chardev", "abstract": True})
    assert {"name": "chardev", "abstract": True, "parent": "object"} in with_abstract
    everything = qmp.cmd("qom-list-types", {"abstract": True})
    assert {"name": "object", "abstract": True} in everything
    assert {"name": "block-raw", "parent": "block-node"} in everything
    assert qmp.cmd("qom-list-types", {"implements": "no-such-type"}) == []


def test_qom_list_properties(qmp):
    props = qmp.cmd("qom-list-properties", {"typename": "chardev-file"})
    assert [p["name"] for p in props] == ["path", "append"]
    assert props[1] == {"name": "append", "type": "bool",
                        "description": "append instead of truncating", "default-value": False}
    # Abstract types list what their subtypes inherit.
    assert [p["name"] for p in qmp.cmd("qom-list-properties",
                                       {"typename": "block-node"})] == ["read-only"]
    raw = {p["name"]: p for p in qmp.cmd("qom-list-properties", {"typename": "block-raw"})}
    assert raw["file"]["type"] == "link<block-node>"
    err = error_of(qmp.execute("qom-list-properties", {"typename": "nope"}))
    assert err == {"class": "DeviceNotFound", "desc": "Class 'nope' not found"}


def test_device_list_properties_errors(qmp):
    err = error_of(qmp.execute("device-list-properties", {"typename": "nope"}))
    assert err == {"class": "DeviceNotFound", "desc": "Device 'nope' not found"}
    err = error_of(qmp.execute("device-list-properties", {"typename": "chardev-null"}))
    assert err == {"class": "GenericError", "desc": "Parameter 'typename' expects device"}
    err = error_of(qmp.execute("device-list-properties", {"typename": "device"}))
    assert err == {"class": "GenericError",
                   "desc": "Parameter 'typename' expects non-abstract device"}


def test_device_list_properties_of_every_device(qmp):
    devices = qmp.cmd("qom-list-types", {"implements": "device"})
    if not devices:
        pytest.skip("no device type is built in yet")
    for dev in devices:
        props = qmp.cmd("device-list-properties", {"typename": dev["name"]})
        class_props = qmp.cmd("qom-list-properties", {"typename": dev["name"]})
        assert props == class_props
        for p in props:
            assert set(p) <= {"name", "type", "description", "default-value"}
