"""Debian's OpenSBI and U-Boot (qemu-riscv64_smode) on Hull's virt board, configured
entirely through QMP with the console on a ringbuf chardev: boot to the U-Boot prompt,
stop autoboot, run U-Boot commands, reset (RESET event, a second boot), fw_jump and
fw_dynamic, 1, 2 and 4 harts."""
import time

import pytest

PROMPT = "=> "


class Console:
    """The guest's serial console over ringbuf-read/-write."""

    def __init__(self, qmp, chardev="con"):
        self.qmp = qmp
        self.chardev = chardev
        self.text = ""

    def read(self):
        data = self.qmp.cmd("ringbuf-read", {"device": self.chardev, "size": 65536})
        self.text += data
        return data

    def wait_for(self, needle, timeout=120.0, start=0):
        """Waits until needle appears after offset start; returns its end offset."""
        deadline = time.monotonic() + timeout
        while True:
            pos = self.text.find(needle, start)
            if pos >= 0:
                return pos + len(needle)
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} not seen in {timeout} s; console:\n"
                                     + self.text[-3000:])
            if not self.read():
                time.sleep(0.02)

    def send(self, text):
        self.qmp.cmd("ringbuf-write", {"device": self.chardev, "data": text})

    def command(self, line, timeout=60.0):
        """Types a U-Boot command; returns its output (up to the next prompt)."""
        start = len(self.text)
        self.send(line + "\n")
        end = self.wait_for(PROMPT, timeout, start + len(line))
        return self.text[start:end]


def boot_to_prompt(qmp, fw, kernel, cpus=1):
    qmp.cmd("chardev-add", {"id": "con", "backend": {"type": "ringbuf",
                                                    "data": {"size": 1 << 20}}})
    qmp.cmd("machine-create", {"type": "virt", "accel": "tcg", "firmware": fw,
                               "kernel": kernel, "cpus": cpus, "memory": 256 << 20,
                               "serial": ["con"]})
    qmp.cmd("machine-start")
    con = Console(qmp)
    # Any key stops the autoboot countdown.
    at = con.wait_for("Hit any key to stop autoboot")
    con.send(" ")
    con.wait_for(PROMPT, start=at)
    return con


def test_opensbi_uboot_prompt_commands_and_reset(qmp, firmware, uboot):
    con = boot_to_prompt(qmp, firmware("fw_jump.bin"), uboot)
    assert "OpenSBI v" in con.text
    assert "Domain0 Next Mode         : S-mode" in con.text
    assert "Model: riscv-virtio,qemu" in con.text

    out = con.command("version")
    assert "U-Boot 20" in out

    out = con.command("fdt addr $fdtcontroladdr; fdt print /cpus")
    assert "riscv,isa = \"rv64imafdc" in out
    assert "cpu@0" in out and "timebase-frequency" in out

    # md: memory display of DRAM where U-Boot was loaded (OpenSBI's own memory below is
    # PMP-protected from S mode, as on QEMU); its first word is U-Boot's first instruction
    out = con.command("md.l 0x80200000 4")
    assert out.count("80200000:") == 1
    with open(uboot, "rb") as f:
        first = int.from_bytes(f.read(4), "little")
    assert f"{first:08x}" in out

    # U-Boot's reset goes through SBI SRST to the test device's reboot: a RESET event,
    # and the machine boots again
    start = len(con.text)
    con.send("reset\n")
    ev = qmp.wait_event("RESET", timeout=60)
    assert ev["data"] == {"guest": True, "reason": "guest-reset"}
    con.wait_for("OpenSBI v", start=start)
    at = con.wait_for("Hit any key to stop autoboot", start=start)
    con.send(" ")
    con.wait_for(PROMPT, start=at)
    assert qmp.cmd("query-status")["status"] == "running"


def test_poweroff_from_uboot(qmp, firmware, uboot):
    con = boot_to_prompt(qmp, firmware("fw_jump.bin"), uboot)
    con.send("poweroff\n")
    ev = qmp.wait_event("SHUTDOWN", timeout=60)
    assert ev["data"] == {"guest": True, "reason": "guest-shutdown"}
    assert qmp.cmd("query-status")["status"] == "shutdown"


@pytest.mark.parametrize("fw,cpus", [("fw_dynamic.bin", 1), ("fw_jump.bin", 2),
                                     ("fw_dynamic.elf", 4)])
def test_firmware_kinds_and_harts(qmp, firmware, uboot, fw, cpus):
    con = boot_to_prompt(qmp, firmware(fw), uboot, cpus=cpus)
    out = con.command("fdt addr $fdtcontroladdr; fdt list /cpus")
    for h in range(cpus):
        assert f"cpu@{h}" in out
    assert f"cpu@{cpus}" not in out
    assert len(qmp.cmd("query-cpus-fast")) == cpus
