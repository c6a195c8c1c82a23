"""The microvm board on KVM, driven through QMP: the tiny PVH guests of tests/guest/x86 print
on COM1, read their command line, exit through isa-debug-exit, triple-fault, spin while they
are stopped, resumed, reset and destroyed, and start a second CPU found in the MP table."""
import os
import time

import pytest

pytestmark = pytest.mark.usefixtures("kvm_usable")


@pytest.fixture
def with_serial(qmp):
    """For tests that read COM1: a ringbuf chardev needs chardev-add."""
    names = {c["name"] for c in qmp.cmd("query-commands")}
    if not {"chardev-add", "ringbuf-read"} <= names:
        pytest.skip("this hulld has no chardev-add/ringbuf-read to capture serial output")


def add_serial(qmp, chardev="ser0"):
    qmp.cmd("chardev-add", {"id": chardev,
                            "backend": {"type": "ringbuf", "data": {"size": 65536}}})


def read_serial(qmp, chardev="ser0"):
    return qmp.cmd("ringbuf-read", {"device": chardev, "size": 65536, "format": "utf8"})


def create(qmp, kernel, serial=True, **extra):
    if serial:
        add_serial(qmp)
    args = {"type": "microvm", "accel": "kvm", "kernel": kernel}
    if serial:
        args["serial"] = ["ser0"]
    args.update(extra)
    qmp.cmd("machine-create", args)


def wait_serial(qmp, text, timeout=30.0, chardev="ser0"):
    """Serial output (everything read so far) once it contains `text`."""
    out = ""
    deadline = time.monotonic() + timeout
    while text not in out:
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} not in the serial output {out!r}")
        out += read_serial(qmp, chardev)
        time.sleep(0.02)
    return out


def exit_code(qmp):
    return qmp.cmd("query-status").get("guest-exit-code")


def run_to_exit(qmp, kernel, serial=True, **extra):
    """Boots `kernel`, waits for its isa-debug-exit; returns (serial output, status)."""
    create(qmp, kernel, serial=serial, **extra)
    qmp.cmd("machine-start")
    ev = qmp.wait_event("SHUTDOWN", timeout=60)
    assert ev["data"] == {"guest": True, "reason": "guest-shutdown"}
    status = qmp.cmd("query-status")
    assert status["status"] == "shutdown"
    return (read_serial(qmp) if serial else None), status


def test_hello(qmp, with_serial, guest):
    out, status = run_to_exit(qmp, guest("hello"))
    assert out == "Hello from a PVH guest\n"
    assert status["guest-exit-code"] == (0 << 1) | 1


def test_cmdline_and_memory_map(qmp, with_serial, guest):
    out, status = run_to_exit(qmp, guest("cmdline"), cmdline="console=ttyS0 hull=yes")
    assert out == "console=ttyS0 hull=yes\n"
    # RAM below 640 KiB, RAM from 1 MiB, KVM's reserved pages below 4 GiB.
    assert status["guest-exit-code"] == (3 << 1) | 1


def test_memory_above_4g(qmp, with_serial, guest):
    # 3 GiB fit below the hole; the last 64 MiB go above 4 GiB: one more map entry.
    out, status = run_to_exit(qmp, guest("cmdline"), cmdline="big", memory=(3 << 30) + (64 << 20))
    assert out == "big\n"
    assert status["guest-exit-code"] == (4 << 1) | 1


def test_exit_code_is_the_first_write(qmp, guest):
    # The guest writes 42, then (if it runs on before the machine stops) "X" and 0: the
    # run ended with the first write, whose code stays.
    _, status = run_to_exit(qmp, guest("exit"), serial=False)
    assert status["guest-exit-code"] == (42 << 1) | 1
    time.sleep(0.2)
    assert qmp.cmd("query-status")["guest-exit-code"] == (42 << 1) | 1


def test_exit_codes_without_serial(qmp, guest):
    # Without a chardev the UART drops output; the exit code still comes through.
    _, status = run_to_exit(qmp, guest("hello"), serial=False)
    assert status["guest-exit-code"] == 1
    qmp.cmd("machine-destroy")
    _, status = run_to_exit(qmp, guest("mptable"), serial=False, cpus=2)
    assert status["guest-exit-code"] == (2 << 1) | 1
    qmp.cmd("machine-destroy")
    _, status = run_to_exit(qmp, guest("cmdline"), serial=False, memory=(3 << 30) + (64 << 20))
    assert status["guest-exit-code"] == (4 << 1) | 1


def test_triple_fault_resets(qmp, guest):
    create(qmp, guest("triple-fault"), serial=False)
    qmp.cmd("machine-start")
    for _ in range(2):
        ev = qmp.wait_event("RESET", timeout=30)
        assert ev["data"] == {"guest": True, "reason": "guest-reset"}
    qmp.cmd("machine-destroy")
    assert qmp.cmd("query-status")["status"] == "no-machine"


def test_stop_cont_reset_destroy_while_spinning(qmp, hulld, guest):
    create(qmp, guest("spin"), serial=False)
    qmp.cmd("machine-start")
    assert qmp.cmd("query-status")["status"] == "running"
    for _ in range(3):
        qmp.cmd("stop")
        qmp.wait_event("STOP")
        assert qmp.cmd("query-status")["status"] == "paused"
        qmp.cmd("cont")
        qmp.wait_event("RESUME")
        assert qmp.cmd("query-status")["status"] == "running"
    qmp.cmd("system_reset")
    ev = qmp.wait_event("RESET")
    assert ev["data"]["guest"] is False
    assert qmp.cmd("query-status")["status"] == "running"
    qmp.cmd("machine-destroy")
    assert qmp.cmd("query-status")["status"] == "no-machine"
    assert hulld.alive()


def test_reset_runs_the_guest_again(qmp, with_serial, guest):
    out, _ = run_to_exit(qmp, guest("hello"))
    assert out == "Hello from a PVH guest\n"
    qmp.cmd("system_reset")
    qmp.wait_event("RESET")
    if qmp.cmd("query-status")["status"] != "running":
        qmp.cmd("cont")  # a reset from shutdown leaves the machine paused, as QEMU does
    ev = qmp.wait_event("SHUTDOWN", timeout=60)
    assert ev["data"] == {"guest": True, "reason": "guest-shutdown"}
    assert read_serial(qmp) == "Hello from a PVH guest\n"


def test_destroy_and_create_again(qmp, with_serial, guest):
    run_to_exit(qmp, guest("hello"))
    qmp.cmd("machine-destroy")
    qmp.cmd("chardev-remove", {"id": "ser0"})
    out, status = run_to_exit(qmp, guest("hello"))
    assert out == "Hello from a PVH guest\n"


def test_two_cpus(qmp, with_serial, guest):
    out, status = run_to_exit(qmp, guest("smp"), cpus=2)
    assert out == "+BSP saw the AP\n"
    assert status["guest-exit-code"] == 1


@pytest.mark.parametrize("cpus", [1, 3])
def test_mp_table_lists_every_cpu(qmp, with_serial, guest, cpus):
    out, status = run_to_exit(qmp, guest("mptable"), cpus=cpus)
    assert out == f"{cpus}\n"
    assert status["guest-exit-code"] == (cpus << 1) | 1


def test_not_a_kernel_is_refused(qmp, workdir):
    path = os.path.join(workdir, "notes.txt")
    with open(path, "w") as f:
        f.write("this is not a kernel\n" * 100)
    create(qmp, path, serial=False)
    resp = qmp.execute("machine-start")
    assert resp["error"]["class"] == "GenericError"
    assert "neither an ELF with a PVH entry note nor a Linux bzImage" in resp["error"]["desc"]
    assert qmp.cmd("query-status")["status"] == "configuring"


def test_elf_without_pvh_note_is_refused(qmp, hulld_path):
    # hulld itself: an ELF, but x86-64 PIE without a PVH note.
    create(qmp, hulld_path, serial=False)
    resp = qmp.execute("machine-start")
    assert "not an executable" in resp["error"]["desc"]
    assert qmp.cmd("query-status")["status"] == "configuring"


def test_kernel_is_required(qmp):
    qmp.cmd("machine-create", {"type": "microvm", "accel": "kvm"})
    resp = qmp.execute("machine-start")
    assert "microvm needs 'kernel'" in resp["error"]["desc"]


def test_query_kvm(qmp, guest):
    assert qmp.cmd("query-kvm") == {"enabled": False, "present": True}
    create(qmp, guest("hello"), serial=False)
    assert qmp.cmd("query-kvm") == {"enabled": True, "present": True}


def test_i8042_reset(qmp, with_serial, guest):
    create(qmp, guest("i8042-reset"))
    qmp.cmd("machine-start")
    ev = qmp.wait_event("RESET", timeout=30)
    assert ev["data"] == {"guest": True, "reason": "guest-reset"}
    assert wait_serial(qmp, "i8042 ok\n").startswith("i8042 ok\n")
    # After the reset the guest runs again from a fresh image and resets again.
    ev = qmp.wait_event("RESET", timeout=30)
    assert ev["data"] == {"guest": True, "reason": "guest-reset"}


def test_kvm_internal_error_stops_the_machine(qmp, hulld, guest):
    create(qmp, guest("bad-jump"), serial=False)
    qmp.cmd("machine-start")
    deadline = time.monotonic() + 30
    while (status := qmp.cmd("query-status"))["status"] != "internal-error":
        assert time.monotonic() < deadline, status
        time.sleep(0.05)
    assert status["running"] is False
    assert "KVM internal error on vCPU 0" in status["reason"]
    assert "0xd0000000" in status["reason"]
    # Reset gets it going again (into the same error), destroy cleans up; hulld lives on.
    qmp.cmd("system_reset")
    qmp.cmd("machine-destroy")
    assert qmp.cmd("query-status")["status"] == "no-machine"
    assert hulld.alive()


def wrap_bzimage(blob):
    """A bzImage around `blob` (whose startup_64 is at 0x200): one setup sector, boot
    protocol 2.15, LOADED_HIGH, XLF_KERNEL_64, a 64 KiB init_size."""
    img = bytearray(2 * 512) + blob
    img[0x1f1] = 1
    img[0x1fe:0x200] = (0xaa55).to_bytes(2, "little")
    img[0x201] = 0x66
    img[0x202:0x206] = b"HdrS"
    img[0x206:0x208] = (0x020f).to_bytes(2, "little")
    img[0x211] = 1
    img[0x22c:0x230] = (0x7fffffff).to_bytes(4, "little")
    img[0x236:0x238] = (1).to_bytes(2, "little")
    img[0x238:0x23c] = (2047).to_bytes(4, "little")
    img[0x260:0x264] = (0x10000).to_bytes(4, "little")
    return bytes(img)


@pytest.fixture
def bzimage(guest_dir, workdir):
    blob = os.path.join(guest_dir, "linux64.bin")
    if not os.path.exists(blob):
        pytest.skip("linux64.bin not built")
    path = os.path.join(workdir, "bzImage")
    with open(blob, "rb") as f, open(path, "wb") as out:
        out.write(wrap_bzimage(f.read()))
    return path


def test_bzimage_64bit_boot(qmp, bzimage, workdir):
    # The stand-in kernel checks the zero page in long mode and exits with the number of
    # E820 entries: RAM below 640 KiB, RAM from 1 MiB, KVM's pages.
    initrd = os.path.join(workdir, "initrd")
    with open(initrd, "wb") as f:
        f.write(b"\x5a" * 100000)
    _, status = run_to_exit(qmp, bzimage, serial=False, initrd=initrd, cmdline="root=/dev/x")
    assert status["guest-exit-code"] == (3 << 1) | 1


def test_bzimage_prints_its_command_line(qmp, with_serial, bzimage):
    out, status = run_to_exit(qmp, bzimage, cmdline="console=ttyS0 quiet")
    assert out == "console=ttyS0 quiet\n"


def test_initrd_too_large_is_refused(qmp, bzimage, workdir):
    initrd = os.path.join(workdir, "initrd")
    with open(initrd, "wb") as f:
        f.truncate(8 << 20)
    create(qmp, bzimage, serial=False, initrd=initrd, memory=4 << 20)
    resp = qmp.execute("machine-start")
    assert "initrd" in resp["error"]["desc"]
    assert qmp.cmd("query-status")["status"] == "configuring"


def test_lapic_timer_interrupt(qmp, with_serial, guest):
    out, status = run_to_exit(qmp, guest("lapic-timer"))
    assert out == "tick\n"
    assert status["guest-exit-code"] == 1


def test_uart_interrupt_through_the_ioapic(qmp, with_serial, guest):
    # The UART's IRQ 4 reaches the guest through the board's wiring to GSI 4.
    out, status = run_to_exit(qmp, guest("uart-irq"))
    assert out == "uart irq\n"
    iir = status["guest-exit-code"] >> 1
    assert iir & 0x0f == 0x02  # transmitter holding register empty


def test_triple_fault_with_reboot_action_shutdown(qmp, guest):
    qmp.cmd("set-action", {"reboot": "shutdown"})
    create(qmp, guest("triple-fault"), serial=False)
    qmp.cmd("machine-start")
    ev = qmp.wait_event("SHUTDOWN", timeout=30)
    assert ev["data"] == {"guest": True, "reason": "guest-reset"}
    assert qmp.cmd("query-status")["status"] == "shutdown"


def test_query_accels_lists_kvm_usable(qmp):
    kvm = [a for a in qmp.cmd("query-accels") if a["name"] == "kvm"]
    assert len(kvm) == 1
    assert kvm[0]["usable"] is True and "reason" not in kvm[0]


def test_device_add_isa_debug_exit(qmp, guest):
    create(qmp, guest("exit-f4"), serial=False)
    qmp.cmd("device_add", {"driver": "isa-debug-exit", "id": "dbg", "iobase": 0xf4,
                           "iosize": 4})
    qmp.cmd("machine-start")
    ev = qmp.wait_event("SHUTDOWN", timeout=30)
    assert ev["data"] == {"guest": True, "reason": "guest-shutdown"}
    assert qmp.cmd("query-status")["guest-exit-code"] == (7 << 1) | 1
    qmp.cmd("machine-destroy")


def test_device_add_on_used_ports_is_refused(qmp, guest):
    create(qmp, guest("hello"), serial=False)
    qmp.cmd("device_add", {"driver": "isa-debug-exit", "id": "dbg"})  # 0x501: the board's
    resp = qmp.execute("machine-start")
    assert "I/O port 0x501 is already used by isa-debug-exit" in resp["error"]["desc"]
    assert qmp.cmd("query-status")["status"] == "configuring"
    qmp.cmd("device_del", {"id": "dbg"})
    qmp.cmd("device_add", {"driver": "test-device", "id": "other"})
    resp = qmp.execute("machine-start")
    assert "microvm cannot plug 'test-device' devices" in resp["error"]["desc"]


def seccomp_filters(pid, tid):
    with open(f"/proc/{pid}/task/{tid}/status") as f:
        for line in f:
            if line.startswith("Seccomp_filters:"):
                return int(line.split()[1])
    pytest.skip("this kernel does not report Seccomp_filters")


def test_vcpu_threads_have_their_own_filter(qmp, hulld, guest, hull_config):
    if "CONFIG_SECCOMP" not in hull_config:
        pytest.skip("hulld built without seccomp")
    create(qmp, guest("spin"), serial=False, cpus=2)
    qmp.cmd("machine-start")
    pid = hulld.proc.pid
    main_filters = seccomp_filters(pid, pid)
    if main_filters == 0:
        pytest.skip("hulld runs unsandboxed (sanitizer build)")
    for cpu in qmp.cmd("query-cpus-fast"):
        # hulld's sandbox plus the vCPU thread's allowlist stacked on it.
        assert seccomp_filters(pid, cpu["thread-id"]) == main_filters + 1
    qmp.cmd("machine-destroy")
    assert hulld.alive()
