"""Disk I/O through a device, driven with qtest on the test board: the test-device's disk
registers move data between guest memory and a block node asynchronously; guest
addresses are checked; nothing written is lost when hulld quits or is terminated with
requests in flight."""
import os
import signal
import time

import pytest

from conftest import QmpClient

DEV = 0x10001000  # the first device_add'ed test-device
OFFSET, ADDR, LEN, CMD, RESULT, STATUS = 0x30, 0x38, 0x40, 0x48, 0x50, 0x20
READ, WRITE, FLUSH = 1, 2, 3


def wr(qmp, reg, value, size=8):
    qmp.cmd("qtest-write", {"addr": DEV + reg, "size": size, "value": value})


def rd(qmp, reg, size=8):
    return qmp.cmd("qtest-read", {"addr": DEV + reg, "size": size})["value"]


def request(qmp, cmd, offset=0, addr=0, length=0, wait=True):
    wr(qmp, OFFSET, offset)
    wr(qmp, ADDR, addr)
    wr(qmp, LEN, length)
    wr(qmp, CMD, cmd)
    if not wait:
        return None
    deadline = time.monotonic() + 10
    while rd(qmp, CMD):
        assert time.monotonic() < deadline, "disk request did not complete"
        time.sleep(0.005)
    result = rd(qmp, RESULT)
    wr(qmp, STATUS, 2)
    return result


@pytest.fixture
def disk(workdir):
    path = os.path.join(workdir, "disk.img")
    with open(path, "wb") as f:
        f.truncate(1 << 20)
    return path


def machine_with_disk(qmp, path):
    qmp.cmd("blockdev-add", {"node-name": "disk0", "driver": "file", "filename": path})
    qmp.cmd("machine-create", {"type": "test", "accel": "qtest"})
    qmp.cmd("device_add", {"driver": "test-device", "id": "d0", "drive": "disk0"})
    qmp.cmd("machine-start")


def test_write_read_flush(qmp, disk):
    machine_with_disk(qmp, disk)
    data = bytes(range(256)) * 16
    qmp.cmd("qtest-memory-write", {"addr": 0x1000, "data": data.hex()})
    assert request(qmp, WRITE, offset=8192, addr=0x1000, length=len(data)) == 0
    assert rd(qmp, STATUS) == 0
    assert request(qmp, FLUSH) == 0
    with open(disk, "rb") as f:
        f.seek(8192)
        assert f.read(len(data)) == data
    # and back into another place of guest memory
    assert request(qmp, READ, offset=8192 + 16, addr=0x8000, length=32) == 0
    assert qmp.cmd("qtest-memory-read", {"addr": 0x8000, "size": 32})["data"] == \
        data[16:48].hex()


def test_bad_requests_change_nothing(qmp, disk):
    machine_with_disk(qmp, disk)
    # a guest address that is not memory
    assert request(qmp, WRITE, offset=0, addr=0x7fff0000, length=512) == 14  # EFAULT
    # beyond the end of the disk
    assert request(qmp, WRITE, offset=(1 << 20) - 100, addr=0, length=512) == 5  # EIO
    # too long, empty
    assert request(qmp, WRITE, offset=0, addr=0, length=(1 << 20) + 1) == 22  # EINVAL
    assert request(qmp, READ, offset=0, addr=0, length=0) == 22
    # reading into memory that is not there fails after the read
    assert request(qmp, READ, offset=0, addr=0x7fff0000, length=16) == 14
    with open(disk, "rb") as f:
        assert f.read() == bytes(1 << 20)
    assert qmp.cmd("query-status")["status"] == "running"


def test_read_only_node(qmp, disk):
    qmp.cmd("blockdev-add", {"node-name": "ro", "driver": "file", "filename": disk,
                             "read-only": True})
    qmp.cmd("machine-create", {"type": "test", "accel": "qtest"})
    qmp.cmd("device_add", {"driver": "test-device", "id": "d0", "drive": "ro"})
    qmp.cmd("machine-start")
    assert request(qmp, WRITE, offset=0, addr=0, length=512) == 30  # EROFS
    assert request(qmp, READ, offset=0, addr=0, length=512) == 0


@pytest.mark.parametrize("how", ["quit", "sigterm"])
def test_nothing_written_is_lost_at_exit(start_hulld, disk, how):
    h = start_hulld()
    qmp = h.client().negotiate()
    machine_with_disk(qmp, disk)
    chunk = os.urandom(64 * 1024)
    qmp.cmd("qtest-memory-write", {"addr": 0x100000, "data": chunk.hex()})
    # Back-to-back requests: each starts as soon as the previous one completed, and the
    # last one is still in flight when hulld is told to exit.
    n = 8
    for i in range(n):
        deadline = time.monotonic() + 10
        while rd(qmp, CMD):
            assert time.monotonic() < deadline
        request(qmp, WRITE, offset=i * len(chunk), addr=0x100000, length=len(chunk),
                wait=False)
        assert rd(qmp, RESULT) == 0
    if how == "quit":
        qmp.cmd("quit")
    else:
        h.proc.send_signal(signal.SIGTERM)
    assert h.wait() == 0
    with open(disk, "rb") as f:
        content = f.read()
    for i in range(n):
        assert content[i * len(chunk):(i + 1) * len(chunk)] == chunk, i
