"""File descriptor passing over SCM_RIGHTS: getfd/closefd (per client) and add-fd/
remove-fd/query-fdsets (process-wide), with QEMU's semantics and messages."""
import os
import time

import pytest


def hulld_fds(hulld):
    return set(os.listdir(f"/proc/{hulld.proc.pid}/fd"))


@pytest.fixture
def pipe():
    r, w = os.pipe()
    yield r, w
    for fd in (r, w):
        try:
            os.close(fd)
        except OSError:
            pass


def test_getfd_and_closefd(hulld, qmp, pipe):
    before = hulld_fds(hulld)
    assert qmp.cmd("getfd", {"fdname": "p0"}, fds=[pipe[1]]) == {}
    assert len(hulld_fds(hulld) - before) == 1
    assert qmp.cmd("closefd", {"fdname": "p0"}) == {}
    assert hulld_fds(hulld) == before
    resp = qmp.execute("closefd", {"fdname": "p0"})
    assert resp["error"] == {"class": "GenericError",
                             "desc": "File descriptor named 'p0' not found"}


def test_getfd_without_descriptor(qmp):
    resp = qmp.execute("getfd", {"fdname": "none"})
    assert resp["error"]["desc"] == "No file descriptor supplied via SCM_RIGHTS"


def test_getfd_name_must_not_start_with_digit(hulld, qmp, pipe):
    before = hulld_fds(hulld)
    resp = qmp.execute("getfd", {"fdname": "0bad"}, fds=[pipe[0]])
    assert resp["error"]["class"] == "GenericError"
    assert "digit" in resp["error"]["desc"]
    assert hulld_fds(hulld) == before  # the refused descriptor was closed


def test_getfd_replaces_same_name(hulld, qmp, pipe):
    before = hulld_fds(hulld)
    qmp.cmd("getfd", {"fdname": "x"}, fds=[pipe[0]])
    qmp.cmd("getfd", {"fdname": "x"}, fds=[pipe[1]])
    assert len(hulld_fds(hulld) - before) == 1


def test_getfd_names_are_per_client(hulld, qmp, pipe):
    other = hulld.client().negotiate()
    qmp.cmd("getfd", {"fdname": "mine"}, fds=[pipe[0]])
    resp = other.execute("closefd", {"fdname": "mine"})
    assert resp["error"]["desc"] == "File descriptor named 'mine' not found"


def test_named_fds_closed_when_client_leaves(hulld, pipe):
    c = hulld.client().negotiate()
    before = hulld_fds(hulld)
    c.cmd("getfd", {"fdname": "a"}, fds=[pipe[0]])
    c.close()
    deadline = time.monotonic() + 10
    while not hulld_fds(hulld) <= before:
        assert time.monotonic() < deadline, "the named descriptor outlived its client"
        time.sleep(0.02)


def test_unclaimed_descriptor_is_not_kept(hulld, qmp, pipe):
    before = hulld_fds(hulld)
    # A descriptor sent with a command that does not take one is closed by the next read.
    qmp.cmd("query-status", fds=[pipe[0]])
    qmp.cmd("query-status")
    assert hulld_fds(hulld) == before
    resp = qmp.execute("getfd", {"fdname": "late"})
    assert resp["error"]["desc"] == "No file descriptor supplied via SCM_RIGHTS"


def test_fdsets(hulld, qmp, pipe):
    r, w = pipe
    info = qmp.cmd("add-fd", {"opaque": "read end"}, fds=[r])
    assert info["fdset-id"] == 0
    fd_r = info["fd"]
    assert os.readlink(f"/proc/{hulld.proc.pid}/fd/{fd_r}").startswith("pipe:")
    info = qmp.cmd("add-fd", {"fdset-id": 0}, fds=[w])
    fd_w = info["fd"]
    info3 = qmp.cmd("add-fd", {"fdset-id": 5, "opaque": "x"}, fds=[w])
    assert info3["fdset-id"] == 5
    info4 = qmp.cmd("add-fd", fds=[r])
    assert info4["fdset-id"] == 1  # lowest free id
    sets = qmp.cmd("query-fdsets")
    assert sets == [
        {"fdset-id": 0, "fds": [{"fd": fd_r, "opaque": "read end"}, {"fd": fd_w}]},
        {"fdset-id": 1, "fds": [{"fd": info4["fd"]}]},
        {"fdset-id": 5, "fds": [{"fd": info3["fd"], "opaque": "x"}]},
    ]
    # Fd sets are process-wide: another client sees them.
    other = hulld.client().negotiate()
    assert other.cmd("query-fdsets") == sets

    assert qmp.cmd("remove-fd", {"fdset-id": 0, "fd": fd_r}) == {}
    assert not os.path.exists(f"/proc/{hulld.proc.pid}/fd/{fd_r}")
    resp = qmp.execute("remove-fd", {"fdset-id": 0, "fd": fd_r})
    assert resp["error"]["desc"] == \
        f"File descriptor named 'fdset-id:0, fd:{fd_r}' not found"
    assert qmp.cmd("remove-fd", {"fdset-id": 5}) == {}
    resp = qmp.execute("remove-fd", {"fdset-id": 5})
    assert resp["error"]["desc"] == "File descriptor named 'fdset-id:5' not found"
    assert [s["fdset-id"] for s in qmp.cmd("query-fdsets")] == [0, 1]


def test_add_fd_errors(qmp, pipe):
    resp = qmp.execute("add-fd", {"fdset-id": 1})
    assert resp["error"]["desc"] == "No file descriptor supplied via SCM_RIGHTS"
    resp = qmp.execute("add-fd", {"fdset-id": -1}, fds=[pipe[0]])
    assert resp["error"]["desc"] == "Parameter 'fdset-id' expects a non-negative value"
    assert qmp.cmd("query-fdsets") == []


def test_fd_passing_before_negotiation_is_refused(hulld, pipe):
    c = hulld.client()
    resp = c.execute("getfd", {"fdname": "x"}, fds=[pipe[0]])
    assert resp["error"]["class"] == "CommandNotFound"
