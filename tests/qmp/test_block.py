"""blockdev-add (file and raw drivers, nested definitions, fd sets), blockdev-del,
query-named-block-nodes and query-block; refused requests leave the node list as it was."""
import os
import signal

import pytest

MiB = 1 << 20


@pytest.fixture
def image(tmp_path):
    path = tmp_path / "disk.img"
    with open(path, "wb") as f:
        f.write(bytes(range(256)) * 16)  # 4 KiB of a known pattern
        f.truncate(MiB)
    return str(path)


def nodes(qmp):
    return {n["node-name"]: n for n in qmp.cmd("query-named-block-nodes")}


def assert_refused(qmp, cmd, args, cls="GenericError", text=None):
    before = qmp.cmd("query-named-block-nodes")
    resp = qmp.execute(cmd, args)
    assert "error" in resp, resp
    assert resp["error"]["class"] == cls, resp
    if text is not None:
        assert text in resp["error"]["desc"], resp
    assert qmp.cmd("query-named-block-nodes") == before
    return resp["error"]["desc"]


def test_file_node_add_query_del(qmp, image):
    assert qmp.cmd("query-named-block-nodes") == []
    assert qmp.cmd("blockdev-add", {"driver": "file", "node-name": "img0",
                                    "filename": image}) == {}
    info = nodes(qmp)["img0"]
    assert info["file"] == image
    assert info["drv"] == "file"
    assert info["ro"] is False
    assert info["encrypted"] is False
    assert info["backing_file_depth"] == 0
    assert info["cache"] == {"writeback": True, "direct": False, "no-flush": False}
    assert info["image"]["filename"] == image
    assert info["image"]["virtual-size"] == MiB
    assert info["image"]["actual-size"] >= 0
    assert qmp.cmd("qom-get", {"path": "/blockdevs/img0", "property": "type"}) == "block-file"
    assert qmp.cmd("blockdev-del", {"node-name": "img0"}) == {}
    assert qmp.cmd("query-named-block-nodes") == []


def test_read_only_and_cache_options(qmp, image):
    qmp.cmd("blockdev-add", {"driver": "file", "node-name": "ro", "filename": image,
                             "read-only": True, "cache": {"no-flush": True}})
    info = nodes(qmp)["ro"]
    assert info["ro"] is True
    assert info["cache"]["no-flush"] is True
    qmp.cmd("blockdev-add", {"driver": "file", "node-name": "direct", "filename": image,
                             "cache": {"direct": True}})
    # O_DIRECT where the file system has it (tmpfs does not: then the page cache is used).
    assert nodes(qmp)["direct"]["cache"]["writeback"] is True


def test_raw_window(qmp, image):
    qmp.cmd("blockdev-add", {"driver": "file", "node-name": "img0", "filename": image})
    qmp.cmd("blockdev-add", {"driver": "raw", "node-name": "disk0", "file": "img0",
                             "offset": 4096, "size": 65536})
    info = nodes(qmp)["disk0"]
    assert info["drv"] == "raw"
    assert info["file"] == image
    assert info["file-node"] == "img0"
    assert info["image"]["virtual-size"] == 65536
    # The file node is used by the raw node: it cannot go first.
    desc = assert_refused(qmp, "blockdev-del", {"node-name": "img0"})
    assert desc == "Node 'img0' is in use"
    qmp.cmd("blockdev-del", {"node-name": "disk0"})
    assert list(nodes(qmp)) == ["img0"]  # a named file node stays
    qmp.cmd("blockdev-del", {"node-name": "img0"})


def test_raw_to_the_end(qmp, image):
    qmp.cmd("blockdev-add", {"driver": "file", "node-name": "img0", "filename": image})
    qmp.cmd("blockdev-add", {"driver": "raw", "node-name": "disk0", "file": "img0",
                             "offset": MiB - 512})
    assert nodes(qmp)["disk0"]["image"]["virtual-size"] == 512


def test_raw_window_out_of_bounds(qmp, image):
    qmp.cmd("blockdev-add", {"driver": "file", "node-name": "img0", "filename": image})
    for extra, text in (({"offset": MiB + 1}, "beyond the end"),
                        ({"offset": 4096, "size": MiB}, "beyond the end"),
                        ({"offset": -1}, "negative"),
                        ({"size": 0}, "positive")):
        assert_refused(qmp, "blockdev-add", {"driver": "raw", "node-name": "d",
                                             "file": "img0", **extra}, text=text)


def test_nested_definition(qmp, image):
    qmp.cmd("blockdev-add", {"driver": "raw", "node-name": "disk0", "read-only": True,
                             "file": {"driver": "file", "filename": image}})
    got = nodes(qmp)
    assert list(got) == ["#block0", "disk0"]
    assert got["#block0"]["ro"] is True  # inherited from the parent
    assert got["disk0"]["file-node"] == "#block0"
    qmp.cmd("blockdev-del", {"node-name": "disk0"})
    assert qmp.cmd("query-named-block-nodes") == []  # the implicit node went with it


def test_nested_definition_failure_leaves_nothing(qmp, image):
    # The nested file node opens, then the raw node fails: both are gone.
    assert_refused(qmp, "blockdev-add", {"driver": "raw", "node-name": "disk0",
                                         "file": {"driver": "file", "filename": image},
                                         "offset": 2 * MiB})
    assert_refused(qmp, "blockdev-add", {"driver": "raw", "node-name": "disk0",
                                         "file": {"driver": "file",
                                                  "filename": image + ".absent"}},
                   text="No such file or directory")


def test_bad_requests(qmp, image, tmp_path):
    qmp.cmd("blockdev-add", {"driver": "file", "node-name": "img0", "filename": image})
    cases = [
        ({"driver": "file", "filename": image}, "'node-name' must be specified"),
        ({"driver": "file", "node-name": "img0", "filename": image}, "Duplicate"),
        ({"driver": "file", "node-name": "0bad", "filename": image}, "node-name"),
        ({"driver": "file", "node-name": "#block9", "filename": image}, "node-name"),
        ({"driver": "file", "node-name": "x" * 32, "filename": image}, "node-name"),
        ({"driver": "file", "node-name": "n", "filename": str(tmp_path / "absent")},
         "No such file or directory"),
        ({"driver": "file", "node-name": "n", "filename": ""}, "empty"),
        ({"driver": "file", "node-name": "n", "filename": str(tmp_path)}, None),
        ({"driver": "raw", "node-name": "n", "file": "nope"}, "node-name='nope'"),
        ({"driver": "qcow2", "node-name": "n", "file": "img0"},
         "Parameter 'driver' does not accept value 'qcow2'"),
        ({"driver": "file", "node-name": "n"}, "Parameter 'filename' is missing"),
        ({"driver": "file", "node-name": "n", "filename": image, "aio": "native"},
         "Parameter 'aio' is unexpected"),
        ({"driver": "file", "node-name": "n", "filename": "/dev/fdset/77"}, None),
        ({"driver": "file", "node-name": "n", "filename": "/dev/fdset/x"}, "fd set"),
    ]
    for args, text in cases:
        assert_refused(qmp, "blockdev-add", args, text=text)


def test_writable_raw_over_read_only_file(qmp, image):
    qmp.cmd("blockdev-add", {"driver": "file", "node-name": "img0", "filename": image,
                             "read-only": True})
    assert_refused(qmp, "blockdev-add", {"driver": "raw", "node-name": "d", "file": "img0"},
                   text="read-only")


def test_del_unknown(qmp):
    desc = assert_refused(qmp, "blockdev-del", {"node-name": "nope"}, cls="DeviceNotFound")
    assert desc == "Failed to find node with node-name='nope'"


def test_fdset_backed_node(hulld, qmp, image):
    fd = os.open(image, os.O_RDWR)
    ret = qmp.cmd("add-fd", {"fdset-id": 5}, fds=[fd])
    os.close(fd)
    assert ret["fdset-id"] == 5
    qmp.cmd("blockdev-add", {"driver": "raw", "node-name": "disk0",
                             "file": {"driver": "file", "filename": "/dev/fdset/5"}})
    got = nodes(qmp)
    assert got["#block0"]["file"] == "/dev/fdset/5"
    assert got["disk0"]["image"]["virtual-size"] == MiB
    # The set holds a read-write descriptor only: a read-only node needs an O_RDONLY one.
    assert_refused(qmp, "blockdev-add", {"driver": "file", "node-name": "ro",
                                         "filename": "/dev/fdset/5", "read-only": True})
    fd = os.open(image, os.O_RDONLY)
    qmp.cmd("add-fd", {"fdset-id": 5}, fds=[fd])
    os.close(fd)
    qmp.cmd("blockdev-add", {"driver": "file", "node-name": "ro",
                             "filename": "/dev/fdset/5", "read-only": True})
    assert nodes(qmp)["ro"]["ro"] is True
    # The node keeps its own descriptor: removing the set does not close the disk.
    qmp.cmd("remove-fd", {"fdset-id": 5})
    assert nodes(qmp)["disk0"]["image"]["virtual-size"] == MiB
    qmp.cmd("blockdev-del", {"node-name": "disk0"})
    qmp.cmd("blockdev-del", {"node-name": "ro"})


def test_query_block_without_disks(qmp, image):
    assert qmp.cmd("query-block") == []
    qmp.cmd("blockdev-add", {"driver": "file", "node-name": "img0", "filename": image})
    assert qmp.cmd("query-block") == []  # a node is not a disk until a device uses it


@pytest.mark.parametrize("how", ["quit", "sigterm"])
def test_exit_with_nodes_attached(start_hulld, image, how):
    """hulld exits cleanly with nodes open and leaves the image intact. (Writes go through
    a disk device; none exists yet, so what is checked is that closing flushes nothing
    wrong into the image.)"""
    with open(image, "rb") as f:
        before = f.read()
    h = start_hulld()
    qmp = h.client().negotiate()
    qmp.cmd("blockdev-add", {"driver": "file", "node-name": "img0", "filename": image})
    qmp.cmd("blockdev-add", {"driver": "raw", "node-name": "disk0", "file": "img0",
                             "offset": 512, "size": 4096})
    if how == "quit":
        qmp.cmd("quit")
    else:
        h.proc.send_signal(signal.SIGTERM)
    assert h.wait(10) == 0
    with open(image, "rb") as f:
        assert f.read() == before
