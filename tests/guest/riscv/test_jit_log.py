"""The JIT's translation log (jit-log): guest instructions, optimized IR and host code of
the blocks in range, appended to a file; refusals change nothing."""
import os

from test_virt import DRAM, FAIL_9, elf64, error_of, write_file


def start_paused(qmp, workdir):
    kernel = write_file(workdir, "fail9.elf", elf64([(DRAM, FAIL_9)], DRAM))
    qmp.cmd("machine-create", {"type": "virt", "accel": "tcg", "kernel": kernel})
    qmp.cmd("machine-start", {"paused": True})


def test_log_of_a_block(qmp, workdir):
    start_paused(qmp, workdir)
    log = os.path.join(workdir, "jit.log")
    qmp.cmd("jit-log", {"file": log, "start": DRAM, "end": DRAM + 0x1000})
    qmp.cmd("cont")
    ev = qmp.wait_event("SHUTDOWN")
    assert ev["data"]["guest"] is True
    qmp.cmd("jit-log")  # stop
    text = open(log).read()
    assert f"---- TB pc 0x{DRAM:x}" in text
    # the guest listing: lui t0, 0x100 is the first instruction
    assert f"0x{DRAM:016x}:  001002b7  lui x5" in text
    assert "sw x6, 0(x5)" in text
    assert "OP (after optimization):" in text and "insn_start" in text
    assert "OUT:" in text
    size = os.path.getsize(log)
    qmp.cmd("system_reset")  # retranslation is not logged any more
    assert os.path.getsize(log) == size


def test_items_and_range(qmp, workdir):
    start_paused(qmp, workdir)
    log = os.path.join(workdir, "jit.log")
    # a range the guest never reaches (below DRAM, past the reset ROM): nothing is logged
    qmp.cmd("jit-log", {"file": log, "start": 0x40000, "end": 0x50000})
    qmp.cmd("cont")
    qmp.wait_event("SHUTDOWN")
    assert os.path.getsize(log) == 0
    qmp.cmd("system_reset")
    qmp.cmd("jit-log", {"file": log, "items": ["out-asm"]})
    qmp.cmd("cont")
    qmp.wait_event("SHUTDOWN")
    text = open(log).read()
    assert "OUT:" in text and "IN:" not in text and "OP (" not in text


def test_refusals(qmp, workdir):
    err = error_of(qmp.execute("jit-log", {"file": os.path.join(workdir, "x.log")}))
    assert "no-machine" in err["desc"]
    qmp.cmd("machine-create", {"type": "test", "accel": "qtest"})
    qmp.cmd("machine-start")
    err = error_of(qmp.execute("jit-log", {"file": os.path.join(workdir, "x.log")}))
    assert "tcg accelerator" in err["desc"]
    qmp.cmd("machine-destroy")
    # the interpreter translates nothing
    kernel = write_file(workdir, "fail9.elf", elf64([(DRAM, FAIL_9)], DRAM))
    qmp.cmd("machine-create", {"type": "virt", "accel": "tcg", "kernel": kernel})
    qmp.cmd("tcg-set-options", {"mode": "interp"})
    qmp.cmd("machine-start", {"paused": True})
    err = error_of(qmp.execute("jit-log", {"file": os.path.join(workdir, "x.log")}))
    assert "interpreter" in err["desc"]
    qmp.cmd("machine-destroy")
    start_paused(qmp, workdir)
    err = error_of(qmp.execute("jit-log", {"file": os.path.join(workdir, "x.log"),
                                           "start": 10, "end": 10}))
    assert "empty" in err["desc"]
    err = error_of(qmp.execute("jit-log", {"file": "/nonexistent/dir/x.log"}))
    assert "No such file" in err["desc"]
    assert not os.path.exists(os.path.join(workdir, "x.log"))
