"""The machine lifecycle over QMP, on the engine's `test` board with the `qtest`
accelerator: create -> start -> stop -> cont -> reset -> destroy -> create again, wrong
phases and bad arguments changing nothing, guest requests and set-action, and the qtest
commands driving the test device (memory, port I/O, clock, IRQ interception)."""

import os
import shutil

import pytest

from conftest import QmpError

TEST_DEV = 0x10000000


def status(qmp):
    return qmp.cmd("query-status")


def phase(qmp):
    return status(qmp)["status"]


def error_of(resp):
    assert "error" in resp, resp
    return resp["error"]


def start_test_machine(qmp, **args):
    qmp.cmd("machine-create", {"type": "test", "accel": "qtest", **args})
    qmp.cmd("machine-start")
    return qmp


def test_query_machines_and_accels(qmp):
    machines = {m["name"]: m for m in qmp.cmd("query-machines")}
    assert machines["test"]["accels"] == ["qtest"]
    assert machines["test"]["arch"] == "none"
    assert machines["test"]["default-ram-size"] == 16 << 20
    assert machines["test"]["max-cpus"] >= 1
    accels = {a["name"]: a for a in qmp.cmd("query-accels")}
    assert accels["qtest"]["usable"] is True and accels["qtest"]["present"] is True
    for a in accels.values():
        assert a["usable"] or a.get("reason"), a


def test_full_lifecycle(qmp):
    assert phase(qmp) == "no-machine"
    qmp.cmd("machine-create", {"type": "test", "accel": "qtest", "cpus": 2,
                               "memory": 32 << 20})
    ev = qmp.wait_event("MACHINE_PHASE")
    assert ev["data"] == {"phase": "configuring", "previous": "no-machine"}
    assert phase(qmp) == "configuring"
    assert qmp.cmd("query-cpus-fast") == []

    qmp.cmd("machine-start")
    qmp.wait_event("RESUME")
    assert status(qmp) == {"running": True, "status": "running"}
    cpus = qmp.cmd("query-cpus-fast")
    assert [c["cpu-index"] for c in cpus] == [0, 1]
    assert all(c["thread-id"] > 0 and c["target"] == "none" for c in cpus)
    assert cpus[1]["qom-path"] == "/machine/cpu[1]"

    qmp.cmd("stop")
    qmp.wait_event("STOP")
    assert status(qmp) == {"running": False, "status": "paused"}
    qmp.cmd("stop")  # stopping a paused machine does nothing
    assert phase(qmp) == "paused"

    qmp.cmd("cont")
    qmp.wait_event("RESUME")
    assert phase(qmp) == "running"

    qmp.cmd("system_reset")
    ev = qmp.wait_event("RESET")
    assert ev["data"] == {"guest": False, "reason": "host-qmp-system-reset"}
    assert phase(qmp) == "running"

    qmp.cmd("machine-destroy")
    assert phase(qmp) == "no-machine"
    assert qmp.cmd("query-cpus-fast") == []

    # A new machine in the same process.
    start_test_machine(qmp)
    assert phase(qmp) == "running"
    qmp.cmd("machine-destroy")


def test_start_paused(qmp):
    qmp.cmd("machine-create", {"type": "test"})  # accel defaults to the board's first
    qmp.cmd("machine-start", {"paused": True})
    assert phase(qmp) == "paused"
    qmp.cmd("cont")
    assert phase(qmp) == "running"


@pytest.mark.parametrize("args,text", [
    ({"type": "no-such-board"}, "unknown machine type"),
    ({"type": "test", "accel": "warp"}, "does not run on accelerator"),
    ({"type": "test", "cpus": 0}, "CPUs"),
    ({"type": "test", "cpus": 1000}, "CPUs"),
    ({"type": "test", "memory": 12345}, "multiple of 4 KiB"),
    ({"type": "test", "memory": 0}, "multiple of 4 KiB"),
    ({"type": "test", "memory": 1 << 40}, "at most"),
    ({"type": "test", "kernel": "/nonexistent/kernel"}, "No such file"),
    ({"type": "test", "kernel": "/"}, "not a regular file"),
    ({"type": "test", "kernel": "/dev/null"}, "not a regular file"),
    ({"type": "test", "initrd": "/etc/hostname"}, "needs 'kernel'"),
    ({"type": "test", "serial": ["1bad"]}, "not a valid chardev id"),
    ({"type": "test", "cpus": "two"}, "cpus"),
])
def test_create_bad_arguments_change_nothing(qmp, args, text):
    err = error_of(qmp.execute("machine-create", args))
    assert err["class"] == "GenericError"
    assert text in err["desc"], err
    assert phase(qmp) == "no-machine"
    assert not [e for e in qmp.events if e["event"] == "MACHINE_PHASE"]
    # and the next good one works
    qmp.cmd("machine-create", {"type": "test"})
    assert phase(qmp) == "configuring"


def test_wrong_phase_is_refused(qmp):
    for cmd in ["machine-start", "stop", "cont", "system_reset", "machine-destroy",
                "system_powerdown"]:
        err = error_of(qmp.execute(cmd))
        assert err["class"] == "GenericError"
        assert "no-machine" in err["desc"], err
    assert phase(qmp) == "no-machine"
    qmp.cmd("machine-create", {"type": "test"})
    err = error_of(qmp.execute("machine-create", {"type": "test"}))
    assert "configuring" in err["desc"]
    for cmd in ["stop", "cont", "system_reset"]:
        error_of(qmp.execute(cmd))
    assert phase(qmp) == "configuring"


def test_fifo_kernel_is_refused_without_blocking(qmp, workdir):
    fifo = os.path.join(workdir, "kernel.fifo")
    os.mkfifo(fifo)
    err = error_of(qmp.execute("machine-create", {"type": "test", "kernel": fifo}))
    assert "not a regular file" in err["desc"]
    assert phase(qmp) == "no-machine"


def test_start_failure_leaves_configuring(qmp, workdir):
    # serial names a chardev that does not exist at start: nothing is half-built.
    qmp.cmd("machine-create", {"type": "test", "serial": ["nope"]})
    err = error_of(qmp.execute("machine-start"))
    assert "nope" in err["desc"]
    assert phase(qmp) == "configuring"
    assert qmp.cmd("query-cpus-fast") == []
    qmp.cmd("machine-destroy")

    # a kernel larger than RAM is refused by the board at start
    big = os.path.join(workdir, "big.img")
    with open(big, "wb") as f:
        f.truncate((16 << 20) + 1)
    qmp.cmd("machine-create", {"type": "test", "kernel": big})
    err = error_of(qmp.execute("machine-start"))
    assert "too big" in err["desc"]
    assert phase(qmp) == "configuring"


def test_kernel_blob_rewritten_on_reset(qmp, workdir):
    img = os.path.join(workdir, "k.img")
    with open(img, "wb") as f:
        f.write(bytes(range(16)))
    start_test_machine(qmp, kernel=img)
    assert qmp.cmd("qtest-memory-read", {"addr": 0, "size": 16})["data"] == \
        bytes(range(16)).hex()
    qmp.cmd("qtest-memory-write", {"addr": 0, "data": "ffff"})
    assert qmp.cmd("qtest-memory-read", {"addr": 0, "size": 2})["data"] == "ffff"
    qmp.cmd("system_reset")
    assert qmp.cmd("qtest-memory-read", {"addr": 0, "size": 2})["data"] == "0001"


def test_qtest_registers_and_reset(qmp):
    start_test_machine(qmp)
    assert qmp.cmd("qtest-read", {"addr": TEST_DEV, "size": 4})["value"] == 0x4c4c5548
    qmp.cmd("qtest-write", {"addr": TEST_DEV + 8, "size": 8, "value": 0x1122334455667788})
    assert qmp.cmd("qtest-read", {"addr": TEST_DEV + 8, "size": 8})["value"] == \
        0x1122334455667788
    qmp.cmd("system_reset")
    assert qmp.cmd("qtest-read", {"addr": TEST_DEV + 8, "size": 8})["value"] == 0
    # port I/O
    qmp.cmd("qtest-io-write", {"addr": 0x500, "size": 1, "value": 0x5a})
    assert qmp.cmd("qtest-io-read", {"addr": 0x500, "size": 1})["value"] == 0x5a


@pytest.mark.parametrize("cmd,args,text", [
    ("qtest-read", {"addr": TEST_DEV, "size": 3}, "size must be"),
    ("qtest-read", {"addr": TEST_DEV + 2, "size": 4}, "not aligned"),
    ("qtest-read", {"addr": TEST_DEV, "size": 1}, "refused"),
    ("qtest-read", {"addr": 0x20000000, "size": 4}, "nothing decodes"),
    ("qtest-write", {"addr": TEST_DEV + 8, "size": 1, "value": 256}, "does not fit"),
    ("qtest-memory-read", {"addr": 0, "size": 0}, "size must be"),
    ("qtest-memory-read", {"addr": 0, "size": (1 << 20) + 1}, "size must be"),
    ("qtest-memory-read", {"addr": 0x7ffffffffffffff0, "size": 32}, "not all backed"),
    ("qtest-memory-read", {"addr": (16 << 20) - 2, "size": 4}, "not all backed"),
    ("qtest-memory-write", {"addr": 0, "data": "abc"}, "odd number"),
    ("qtest-memory-write", {"addr": 0, "data": "zz"}, "not hexadecimal"),
    ("qtest-io-read", {"addr": 0x10000, "size": 1}, "out of range"),
    ("qtest-io-read", {"addr": 0x500, "size": 8}, "size must be"),
    ("qtest-clock-step", {"ns": -1}, "negative"),
    ("qtest-irq-intercept", {"qom-path": "/machine"}, "no interrupt outputs"),
])
def test_qtest_bad_arguments(qmp, cmd, args, text):
    start_test_machine(qmp)
    qmp.cmd("qtest-memory-write", {"addr": 0, "data": "abcd"})
    err = error_of(qmp.execute(cmd, args))
    assert text in err["desc"], err
    # nothing changed
    assert qmp.cmd("qtest-memory-read", {"addr": 0, "size": 2})["data"] == "abcd"
    assert phase(qmp) == "running"


def test_qtest_clock_timer_and_irq(qmp):
    start_test_machine(qmp)
    dev = "/machine/unattached/device[0]"
    err = error_of(qmp.execute("qtest-irq-intercept", {"qom-path": "/nowhere"}))
    assert err["class"] == "DeviceNotFound"
    qmp.cmd("qtest-irq-intercept", {"qom-path": dev})
    err = error_of(qmp.execute("qtest-irq-intercept", {"qom-path": dev}))
    assert "already intercepted" in err["desc"]

    t0 = qmp.cmd("qtest-clock-step", {"ns": 0})["ns"]
    qmp.cmd("qtest-write", {"addr": TEST_DEV + 0x18, "size": 8, "value": 1000})
    assert qmp.cmd("qtest-read", {"addr": TEST_DEV + 0x18, "size": 8})["value"] == 1000
    assert qmp.cmd("qtest-clock-step", {"ns": 999})["ns"] == t0 + 999
    assert qmp.cmd("qtest-read", {"addr": TEST_DEV + 0x20, "size": 4})["value"] == 0
    assert not [e for e in qmp.events if e["event"] == "QTEST_IRQ"]
    # stepping without ns goes to the next deadline
    assert qmp.cmd("qtest-clock-step")["ns"] == t0 + 1000
    ev = qmp.wait_event("QTEST_IRQ")
    assert ev["data"] == {"qom-path": dev, "name": "irq", "line": 0, "level": True}
    assert qmp.cmd("qtest-read", {"addr": TEST_DEV + 0x20, "size": 4})["value"] == 1
    qmp.cmd("qtest-write", {"addr": TEST_DEV + 0x20, "size": 4, "value": 1})
    ev = qmp.wait_event("QTEST_IRQ")
    assert ev["data"]["level"] is False
    # with no timer armed, stepping without ns does not move the clock
    assert qmp.cmd("qtest-clock-step")["ns"] == t0 + 1000


def test_clock_stops_while_paused_and_destroy_resets_it(qmp):
    start_test_machine(qmp)
    qmp.cmd("qtest-clock-step", {"ns": 5000})
    qmp.cmd("machine-destroy")
    start_test_machine(qmp)
    assert qmp.cmd("qtest-clock-step", {"ns": 0})["ns"] == 0


def test_powerdown_and_shutdown_actions(qmp):
    start_test_machine(qmp)
    qmp.cmd("system_powerdown")
    qmp.wait_event("POWERDOWN")
    ev = qmp.wait_event("SHUTDOWN")
    assert ev["data"] == {"guest": True, "reason": "guest-shutdown"}
    assert phase(qmp) == "shutdown"
    err = error_of(qmp.execute("cont"))
    assert "Resetting" in err["desc"]
    # reset from shutdown leaves it paused; cont runs it
    qmp.cmd("system_reset")
    assert phase(qmp) == "paused"
    qmp.cmd("cont")
    assert phase(qmp) == "running"

    qmp.cmd("set-action", {"shutdown": "pause"})
    qmp.cmd("system_powerdown")
    qmp.wait_event("SHUTDOWN")
    qmp.wait_event("STOP")
    assert phase(qmp) == "paused"
    err = error_of(qmp.execute("set-action", {"shutdown": "explode"}))
    assert err["class"] == "GenericError"


def test_serial_output_reaches_chardev(qmp, workdir):
    cmds = [c["name"] for c in qmp.cmd("query-commands")]
    if "chardev-add" not in cmds:
        pytest.skip("chardev-add is not in this hulld's schema")
    out = os.path.join(workdir, "serial.txt")
    qmp.cmd("chardev-add", {"id": "ser0", "backend": {"type": "file",
                                                     "data": {"out": out}}})
    start_test_machine(qmp, serial=["ser0"])
    for ch in b"hello":
        qmp.cmd("qtest-write", {"addr": TEST_DEV + 0x28, "size": 4, "value": ch})
    qmp.cmd("machine-destroy")
    with open(out, "rb") as f:
        assert f.read() == b"hello"


def test_quit_with_running_machine(hulld):
    qmp = hulld.client().negotiate()
    start_test_machine(qmp, cpus=4)
    qmp.cmd("quit")
    assert hulld.wait() == 0


def test_ram_allocation_failure_is_an_error(hulld_path, workdir, sanitized):
    """Guest RAM that cannot be allocated fails machine-start with an error; hulld lives
    on and the machine stays in configuring."""
    if sanitized:
        pytest.skip("AddressSanitizer reserves terabytes of address space: RLIMIT_AS "
                    "cannot model an allocation failure")
    if not shutil.which("prlimit"):
        pytest.skip("prlimit (util-linux) is not installed")
    from conftest import Hulld
    wrapper = os.path.join(workdir, "limited-hulld")
    with open(wrapper, "w") as f:
        # 768 MiB of address space: hulld fits, a 1 GiB guest does not.
        f.write(f"#!/bin/sh\nexec prlimit --as={768 << 20} {hulld_path} \"$@\"\n")
    os.chmod(wrapper, 0o755)
    h = Hulld(wrapper, workdir, ("--sandbox", "off"))
    try:
        qmp = h.client().negotiate()
        qmp.cmd("machine-create", {"type": "test", "memory": 1 << 30})
        err = error_of(qmp.execute("machine-start"))
        assert "cannot allocate 1024 MiB of guest RAM" in err["desc"], err
        assert phase(qmp) == "configuring"
        # a machine that fits still starts in the same process
        qmp.cmd("machine-destroy")
        start_test_machine(qmp, memory=64 << 20)
        assert phase(qmp) == "running"
        qmp.cmd("quit")
        assert h.wait() == 0
    finally:
        h.stop()


def test_qom_set_machine_properties_while_configuring(qmp, workdir):
    img = os.path.join(workdir, "k.img")
    with open(img, "wb") as f:
        f.write(b"\x11" * 64)
    qmp.cmd("machine-create", {"type": "test"})
    assert qmp.cmd("qom-get", {"path": "/machine", "property": "memory"}) == 16 << 20
    qmp.cmd("qom-set", {"path": "/machine", "property": "memory", "value": 32 << 20})
    qmp.cmd("qom-set", {"path": "/machine", "property": "cpus", "value": 3})
    qmp.cmd("qom-set", {"path": "/machine", "property": "kernel", "value": img})
    # values machine-create would refuse are refused by machine-start, which changes nothing
    qmp.cmd("qom-set", {"path": "/machine", "property": "cpus", "value": 99})
    err = error_of(qmp.execute("machine-start"))
    assert "1 to 8 CPUs" in err["desc"]
    assert phase(qmp) == "configuring"
    qmp.cmd("qom-set", {"path": "/machine", "property": "cpus", "value": 3})
    qmp.cmd("qom-set", {"path": "/machine", "property": "kernel", "value": "/nonexistent"})
    assert "No such file" in error_of(qmp.execute("machine-start"))["desc"]
    qmp.cmd("qom-set", {"path": "/machine", "property": "kernel", "value": img})
    qmp.cmd("machine-start")
    assert len(qmp.cmd("query-cpus-fast")) == 3
    assert qmp.cmd("qtest-memory-read", {"addr": 0, "size": 4})["data"] == "11111111"
    assert qmp.cmd("qtest-memory-read", {"addr": (32 << 20) - 4, "size": 4})["data"]
    # fixed once started
    err = error_of(qmp.execute("qom-set", {"path": "/machine", "property": "memory",
                                           "value": 64 << 20}))
    assert "realized" in err["desc"]
    assert qmp.cmd("qom-get", {"path": "/machine", "property": "memory"}) == 32 << 20


# Every lifecycle command in every phase the test board reaches: allowed where the schema
# says so (and then it does what it says), refused elsewhere with the phase named and
# nothing changed.
LIFECYCLE = ["machine-start", "stop", "cont", "system_reset", "system_powerdown",
             "machine-destroy"]
ALLOWED = {
    "no-machine": set(),
    "configuring": {"machine-start", "machine-destroy"},
    "running": {"stop", "cont", "system_reset", "system_powerdown", "machine-destroy"},
    "paused": {"stop", "cont", "system_reset", "system_powerdown", "machine-destroy"},
    "shutdown": {"cont", "system_reset", "machine-destroy"},
}
AFTER = {  # phase after an allowed command
    ("configuring", "machine-start"): "running",
    ("running", "stop"): "paused", ("running", "cont"): "running",
    ("running", "system_reset"): "running", ("running", "system_powerdown"): "shutdown",
    ("paused", "stop"): "paused", ("paused", "cont"): "running",
    ("paused", "system_reset"): "paused", ("paused", "system_powerdown"): "shutdown",
    ("shutdown", "system_reset"): "paused",
}


def reach(qmp, target):
    if target == "no-machine":
        return
    qmp.cmd("machine-create", {"type": "test"})
    if target == "configuring":
        return
    qmp.cmd("machine-start", {"paused": target == "paused"})
    if target == "shutdown":
        qmp.cmd("system_powerdown")
        qmp.wait_event("SHUTDOWN")
    assert phase(qmp) == target


@pytest.mark.parametrize("start", list(ALLOWED))
@pytest.mark.parametrize("cmd", LIFECYCLE)
def test_lifecycle_matrix(qmp, start, cmd):
    reach(qmp, start)
    resp = qmp.execute(cmd)
    if cmd not in ALLOWED[start]:
        err = error_of(resp)
        assert f"phase '{start}'" in err["desc"], err
        assert phase(qmp) == start
        return
    if (start, cmd) == ("shutdown", "cont"):
        assert "Resetting" in error_of(resp)["desc"]
        assert phase(qmp) == "shutdown"
        return
    assert "return" in resp, resp
    if cmd == "system_powerdown":
        qmp.wait_event("SHUTDOWN")
    expected = "no-machine" if cmd == "machine-destroy" else AFTER[(start, cmd)]
    assert phase(qmp) == expected
