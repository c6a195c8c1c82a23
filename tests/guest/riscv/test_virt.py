"""The RISC-V `virt` board and the tcg accelerator through QMP: boot registers, the UART,
the test finisher's exit codes and reset, ELF and raw kernels and their refusals, the
lifecycle with guest code running (stop, cont, system_reset, destroy), SMP, the JIT's
options (tcg-set-options) and statistics (query-jit)."""
import os
import struct
import time

import pytest

from test_isa import image_path, run_to_shutdown

DRAM = 0x80000000


def error_of(resp):
    assert "error" in resp, resp
    return resp["error"]


def has_command(qmp, name):
    return name in [c["name"] for c in qmp.cmd("query-commands")]


def write_file(workdir, name, data):
    path = os.path.join(workdir, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def elf64(segments, entry, memsz=None):
    """A minimal RV64 ELF executable: segments is [(paddr, bytes)], one PT_LOAD each (with
    memsz bytes in memory when given)."""
    ehdr_size, phdr_size = 64, 56
    off = ehdr_size + phdr_size * len(segments)
    phdrs, blobs = b"", b""
    for paddr, data in segments:
        phdrs += struct.pack("<IIQQQQQQ", 1, 7, off + len(blobs), paddr, paddr, len(data),
                             memsz or len(data), 4)
        blobs += data
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    ehdr = ident + struct.pack("<HHIQQQIHHHHHH", 2, 243, 1, entry, ehdr_size, 0, 0,
                               ehdr_size, phdr_size, len(segments), 64, 0, 0)
    return ehdr + phdrs + blobs


def insns(*words):
    return b"".join(struct.pack("<I", w) for w in words)


# lui t0,0x100; lui t1,0x93; addi t1,t1,0x333; sw t1,0(t0); j .  -> exit code 9
FAIL_9 = insns(0x001002b7, 0x00093337, 0x33330313, 0x0062a023, 0x0000006f)


def test_boot_registers_and_uart_without_serial(qmp):
    ev, st = run_to_shutdown(qmp, image_path("hello"))
    assert ev["data"] == {"guest": True, "reason": "guest-shutdown"}
    assert st == {"running": False, "status": "shutdown", "guest-exit-code": 0}


def test_failing_guest_reports_its_code(qmp):
    ev, st = run_to_shutdown(qmp, image_path("exitcode"))
    assert ev["data"] == {"guest": True, "reason": "guest-shutdown"}
    assert st["guest-exit-code"] == 42


def test_guest_reset(qmp):
    qmp.cmd("machine-create", {"type": "virt", "accel": "tcg", "kernel": image_path("reset")})
    qmp.cmd("machine-start")
    ev = qmp.wait_event("RESET", timeout=30)
    assert ev["data"] == {"guest": True, "reason": "guest-reset"}
    qmp.wait_event("SHUTDOWN", timeout=30)
    assert qmp.cmd("query-status")["guest-exit-code"] == 0


def test_raw_image_runs_from_dram_base(qmp, workdir):
    ev, st = run_to_shutdown(qmp, write_file(workdir, "raw.bin", FAIL_9))
    assert st["guest-exit-code"] == 9


def test_elf_entry_and_segments(qmp, workdir):
    # Code at 0x80200000 entered there: an ELF is not run from the start of DRAM.
    path = write_file(workdir, "k.elf", elf64([(DRAM + 0x200000, FAIL_9)], DRAM + 0x200000))
    ev, st = run_to_shutdown(qmp, path)
    assert st["guest-exit-code"] == 9


@pytest.mark.parametrize("segments,text", [
    ([(0x1000, FAIL_9)], "outside DRAM"),
    ([(DRAM + (128 << 20) - 8, FAIL_9)], "outside DRAM"),
])
def test_bad_kernels_are_refused(qmp, workdir, segments, text):
    path = write_file(workdir, "bad.elf", elf64(segments, segments[0][0]))
    qmp.cmd("machine-create", {"type": "virt", "accel": "tcg", "kernel": path})
    err = error_of(qmp.execute("machine-start"))
    assert text in err["desc"], err
    assert qmp.cmd("query-status")["status"] == "configuring"
    # Nothing half-built stays behind: a good kernel starts in the same machine... after
    # destroy and create.
    qmp.cmd("machine-destroy")
    ev, st = run_to_shutdown(qmp, image_path("hello"))
    assert st["guest-exit-code"] == 0


def test_zero_fill_is_bounded(qmp, workdir):
    # 512 MiB of bss in 1 GiB of RAM: refused rather than allocated.
    path = write_file(workdir, "bss.elf", elf64([(DRAM, FAIL_9)], DRAM, memsz=512 << 20))
    qmp.cmd("machine-create", {"type": "virt", "accel": "tcg", "kernel": path,
                               "memory": 1 << 30})
    assert "zeros" in error_of(qmp.execute("machine-start"))["desc"]
    qmp.cmd("machine-destroy")
    # A modest bss is zero-filled: the image runs.
    path = write_file(workdir, "bss2.elf", elf64([(DRAM, FAIL_9)], DRAM, memsz=1 << 20))
    ev, st = run_to_shutdown(qmp, path)
    assert st["guest-exit-code"] == 9


def test_kernel_replaced_by_a_fifo(qmp, workdir):
    # Checked at machine-create, swapped before machine-start: refused without blocking.
    path = write_file(workdir, "k.bin", FAIL_9)
    qmp.cmd("machine-create", {"type": "virt", "accel": "tcg", "kernel": path})
    os.unlink(path)
    os.mkfifo(path)
    err = error_of(qmp.execute("machine-start"))
    assert "not a regular file" in err["desc"]
    os.unlink(path)
    err = error_of(qmp.execute("machine-start"))
    assert "No such file" in err["desc"]
    assert qmp.cmd("query-status")["status"] == "configuring"


def test_damaged_elf_and_empty_kernel(qmp, workdir):
    broken = elf64([(DRAM, FAIL_9)], DRAM)[:70]
    for name, data, text in [("broken.elf", broken, "kernel"), ("empty.bin", b"", "empty")]:
        path = write_file(workdir, name, data)
        qmp.cmd("machine-create", {"type": "virt", "accel": "tcg", "kernel": path})
        err = error_of(qmp.execute("machine-start"))
        assert text in err["desc"], err
        qmp.cmd("machine-destroy")


def test_unsupported_arguments(qmp, workdir):
    err = error_of(qmp.execute("machine-create", {"type": "virt", "accel": "tcg",
                                                  "cpus": 9}))
    assert "1 to 8 CPUs" in err["desc"]
    err = error_of(qmp.execute("machine-create", {"type": "virt", "accel": "kvm"}))
    assert "it runs on: tcg, qtest" in err["desc"]


def test_query_machines_lists_virt(qmp):
    virt = {m["name"]: m for m in qmp.cmd("query-machines")}["virt"]
    assert virt["arch"] == "riscv64"
    assert virt["accels"] == ["tcg", "qtest"]
    assert virt["default-ram-size"] == 128 << 20
    accels = {a["name"]: a for a in qmp.cmd("query-accels")}
    assert accels["tcg"]["usable"] is True


def instructions(qmp):
    return qmp.cmd("query-jit")["vcpus"][0]["instructions"]


def test_lifecycle_with_guest_running(qmp):
    qmp.cmd("machine-create", {"type": "virt", "accel": "tcg", "kernel": image_path("spin")})
    qmp.cmd("machine-start")
    deadline = time.monotonic() + 10
    while instructions(qmp) < 100000:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    qmp.cmd("stop")
    qmp.wait_event("STOP")
    a = instructions(qmp)
    time.sleep(0.05)
    assert instructions(qmp) == a  # parked: no guest code runs
    qmp.cmd("cont")
    qmp.wait_event("RESUME")
    deadline = time.monotonic() + 10
    while instructions(qmp) <= a:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    qmp.cmd("system_reset")
    ev = qmp.wait_event("RESET")
    assert ev["data"] == {"guest": False, "reason": "host-qmp-system-reset"}
    assert qmp.cmd("query-status")["status"] == "running"
    qmp.cmd("machine-destroy")
    assert qmp.cmd("query-status")["status"] == "no-machine"
    ev, st = run_to_shutdown(qmp, image_path("hello"))
    assert st["guest-exit-code"] == 0


@pytest.mark.parametrize("mode", ["jit", "interp"])
def test_smp(qmp, mode):
    ev, st = run_to_shutdown(qmp, image_path("smp"), mode, cpus=2)
    assert st["guest-exit-code"] == 0
    vcpus = qmp.cmd("query-jit")["vcpus"]
    assert [(v["cpu-index"], v["arch-id"]) for v in vcpus] == [(0, 0), (1, 1)]
    assert all(v["instructions"] > 0 for v in vcpus)


@pytest.mark.parametrize("mode", ["jit", "interp"])
def test_smp_atomics(qmp, mode):
    # Four vCPU threads increment one counter with AMOs and LR/SC: nothing may be lost.
    ev, st = run_to_shutdown(qmp, image_path("smp-amo"), mode, cpus=4, timeout=60)
    code = st["guest-exit-code"]
    assert code == 0, f"check {code & 0x7fff} failed"


def test_query_jit(qmp):
    run_to_shutdown(qmp, image_path("arith"))
    info = qmp.cmd("query-jit")
    assert info["mode"] == "jit"
    assert info["blocks-translated"] > 0
    assert info["host-code-bytes"] > 0 and info["guest-code-bytes"] > 0
    assert 0 < info["code-buffer-used"] <= info["code-buffer-size"]
    assert info["chained-jumps"] > 0
    [vcpu] = info["vcpus"]
    assert vcpu["instructions"] > 100
    assert vcpu["tlb-misses"] > 0  # the test device is MMIO
    assert vcpu["pc"] >= DRAM


def test_interp_mode(qmp):
    run_to_shutdown(qmp, image_path("arith"), "interp")
    info = qmp.cmd("query-jit")
    assert info["mode"] == "interp"
    assert info["blocks-translated"] == 0
    assert info["vcpus"][0]["instructions"] > 100


def test_jit_options(qmp):
    qmp.cmd("machine-create", {"type": "virt", "accel": "tcg",
                               "kernel": image_path("compressed")})
    qmp.cmd("tcg-set-options", {"chaining": False, "one-insn-per-tb": True, "tb-size": 16,
                                "optimize": False})
    qmp.cmd("machine-start")
    qmp.wait_event("SHUTDOWN", timeout=30)
    assert qmp.cmd("query-status")["guest-exit-code"] == 0
    info = qmp.cmd("query-jit")
    assert info["chained-jumps"] == 0
    assert info["code-buffer-size"] == 16 << 20
    assert info["guest-code-bytes"] <= 4 * info["blocks-translated"]


def test_options_object(qmp):
    # The options live in /machine/tcg-accel: qom-get reads them, qom-set changes them while
    # the machine is configured, and they are fixed once it runs.
    if not has_command(qmp, "qom-set"):
        pytest.skip("qom-set is not in this hulld's schema")
    qmp.cmd("machine-create", {"type": "virt", "accel": "tcg", "kernel": image_path("arith")})
    qmp.cmd("tcg-set-options", {"mode": "interp"})
    assert qmp.cmd("qom-get", {"path": "/machine/tcg-accel", "property": "mode"}) == "interp"
    qmp.cmd("qom-set", {"path": "/machine/tcg-accel", "property": "mode", "value": "jit"})
    qmp.cmd("machine-start")
    qmp.wait_event("SHUTDOWN", timeout=30)
    err = error_of(qmp.execute("qom-set", {"path": "/machine/tcg-accel", "property": "mode",
                                            "value": "interp"}))
    assert "realized" in err["desc"]
    assert qmp.cmd("query-jit")["mode"] == "jit"


def test_tcg_set_options_refusals(qmp):
    # Outside configuring, on another accelerator, out of range: refused, nothing changes.
    err = error_of(qmp.execute("tcg-set-options", {"mode": "interp"}))
    assert "no-machine" in err["desc"] or "phase" in err["desc"], err
    qmp.cmd("machine-create", {"type": "test", "accel": "qtest"})
    err = error_of(qmp.execute("tcg-set-options", {"mode": "interp"}))
    assert "does not use the tcg accelerator" in err["desc"]
    qmp.cmd("machine-destroy")
    qmp.cmd("machine-create", {"type": "virt", "accel": "tcg", "kernel": image_path("arith")})
    err = error_of(qmp.execute("tcg-set-options", {"mode": "interp", "tb-size": 5000}))
    assert "tb-size" in err["desc"]
    err = error_of(qmp.execute("tcg-set-options", {"mode": "fast"}))
    assert err["class"] == "GenericError"
    qmp.cmd("machine-start")
    qmp.wait_event("SHUTDOWN", timeout=30)
    assert qmp.cmd("query-jit")["mode"] == "jit"  # the refused call changed nothing
    err = error_of(qmp.execute("tcg-set-options", {"mode": "interp"}))
    assert err["class"] == "GenericError"


def test_query_jit_refusals(qmp):
    qmp.cmd("machine-create", {"type": "test", "accel": "qtest"})
    qmp.cmd("machine-start")
    err = error_of(qmp.execute("query-jit"))
    assert "does not use the tcg accelerator" in err["desc"]


def test_serial_output_and_input(qmp, workdir):
    if not has_command(qmp, "chardev-add"):
        pytest.skip("chardev-add is not in this hulld's schema")
    qmp.cmd("chardev-add", {"id": "ser0", "backend": {"type": "ringbuf", "data": {}}})
    ev, st = run_to_shutdown(qmp, image_path("hello"), serial=["ser0"])
    assert st["guest-exit-code"] == 0
    out = qmp.cmd("ringbuf-read", {"device": "ser0", "size": 1000})
    assert out == "Hello from the RISC-V virt board\n"
    qmp.cmd("machine-destroy")

    qmp.cmd("machine-create", {"type": "virt", "accel": "tcg", "kernel": image_path("echo"),
                               "serial": ["ser0"]})
    qmp.cmd("machine-start")
    # Input sent before the guest has set its FIFOs up would be dropped with them, as on
    # real hardware: wait for its prompt.
    prompt = ""
    deadline = time.monotonic() + 30
    while prompt != ">":
        assert time.monotonic() < deadline, "no prompt from the guest"
        prompt += qmp.cmd("ringbuf-read", {"device": "ser0", "size": 1})
        time.sleep(0.005)
    qmp.cmd("ringbuf-write", {"device": "ser0", "data": "Hello, 16550A!\n"})
    qmp.wait_event("SHUTDOWN", timeout=30)
    assert qmp.cmd("query-status")["guest-exit-code"] == 0
    assert qmp.cmd("ringbuf-read", {"device": "ser0", "size": 1000}) == "HELLO, 16550A!\n"


def test_serial_to_file(qmp, workdir):
    if not has_command(qmp, "chardev-add"):
        pytest.skip("chardev-add is not in this hulld's schema")
    out = os.path.join(workdir, "serial.txt")
    qmp.cmd("chardev-add", {"id": "ser0", "backend": {"type": "file", "data": {"out": out}}})
    run_to_shutdown(qmp, image_path("hello"), serial=["ser0"])
    qmp.cmd("machine-destroy")
    with open(out, "rb") as f:
        assert f.read() == b"Hello from the RISC-V virt board\n"
