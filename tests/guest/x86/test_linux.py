"""Boots a real Linux on the microvm board: Debian's linux-image-amd64 bzImage with an
initramfs built here from busybox-static, to a line printed by /init on the serial console,
then `reboot -f` through the i8042 (reboot=k) -> RESET. Only where KVM is fast enough: the
speed probe runs first and the test skips with the measured speed otherwise."""
import glob
import os
import struct
import time

import pytest

from conftest import kvm_speed

LINUX_BOOT_MIN_MIPS = 200.0  # kvm/kvm-speed.h KVM_SPEED_LINUX_BOOT_MIN_MIPS
MARKER = "HULL-INIT-UP"

INIT_SCRIPT = f"""#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox echo {MARKER} cpus=$(/bin/busybox grep -c ^processor /proc/cpuinfo)
/bin/busybox reboot -f
"""


def find_kernel():
    path = os.environ.get("HULL_TEST_BZIMAGE")
    if path:
        return path
    kernels = sorted(glob.glob("/boot/vmlinuz-*"))
    return kernels[-1] if kernels else None


def is_static_elf(path):
    """True for an ELF with no PT_INTERP (busybox-static, not the dynamic busybox)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        return False
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        p_type, = struct.unpack_from("<I", data, phoff + i * phentsize)
        if p_type == 3:  # PT_INTERP
            return False
    return True


def cpio_newc(entries):
    """An uncompressed "newc" cpio archive of (name, mode, data, rdev_major, rdev_minor)."""
    out = bytearray()

    def pad4():
        out.extend(b"\0" * (-len(out) % 4))

    for ino, (name, mode, data, rmaj, rmin) in enumerate(entries + [("TRAILER!!!", 0, b"", 0, 0)],
                                                          start=1):
        fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rmaj, rmin, len(name) + 1, 0]
        out.extend(b"070701" + b"".join(b"%08x" % v for v in fields))
        out.extend(name.encode() + b"\0")
        pad4()
        out.extend(data)
        pad4()
    return bytes(out)


def build_initramfs(path, busybox):
    with open(busybox, "rb") as f:
        bb = f.read()
    entries = [
        ("dev", 0o040755, b"", 0, 0),
        ("dev/console", 0o020600, b"", 5, 1),
        ("proc", 0o040755, b"", 0, 0),
        ("bin", 0o040755, b"", 0, 0),
        ("bin/busybox", 0o100755, bb, 0, 0),
        ("init", 0o100755, INIT_SCRIPT.encode(), 0, 0),
    ]
    with open(path, "wb") as f:
        f.write(cpio_newc(entries))


@pytest.fixture
def linux_fast_enough():
    usable, mips, reason = kvm_speed()
    if not usable:
        pytest.skip(f"KVM is not usable: {reason}")
    if mips < LINUX_BOOT_MIN_MIPS:
        pytest.skip(f"KVM runs guests at {mips:.2f} MIPS (software-emulated?); booting Linux "
                    f"needs at least {LINUX_BOOT_MIN_MIPS:.0f}")
    return mips


def test_cpio_archive_layout():
    # The archive format itself, checked without KVM: magic, names, padding, trailer.
    data = cpio_newc([("init", 0o100755, b"abc", 0, 0)])
    assert data.startswith(b"070701")
    assert data[110:115] == b"init\0"
    assert len(data) % 4 == 0
    assert b"TRAILER!!!\0" in data


@pytest.mark.parametrize("cpus", [1, 2])
def test_linux_boots_to_init(linux_fast_enough, qmp, workdir, cpus):
    kernel = find_kernel()
    if not kernel or not os.access(kernel, os.R_OK):
        pytest.skip("no readable bzImage (install linux-image-amd64 or set HULL_TEST_BZIMAGE)")
    busybox = "/bin/busybox"
    if not os.path.exists(busybox) or not is_static_elf(busybox):
        pytest.skip("no static /bin/busybox (install busybox-static)")
    initrd = os.path.join(workdir, "initramfs.cpio")
    build_initramfs(initrd, busybox)

    qmp.cmd("chardev-add", {"id": "ser0",
                            "backend": {"type": "ringbuf", "data": {"size": 1 << 20}}})
    qmp.cmd("machine-create", {
        "type": "microvm", "accel": "kvm", "kernel": kernel, "initrd": initrd,
        "cmdline": "console=ttyS0 reboot=k panic=-1 rdinit=/init", "serial": ["ser0"],
        "memory": 512 << 20, "cpus": cpus})
    start = time.monotonic()
    qmp.cmd("machine-start")
    out = ""
    while f"{MARKER} cpus={cpus}" not in out:
        assert time.monotonic() - start < 120, f"no {MARKER} on the console:\n{out[-4000:]}"
        out += qmp.cmd("ringbuf-read", {"device": "ser0", "size": 1 << 20, "format": "utf8"})
        time.sleep(0.1)
    ev = qmp.wait_event("RESET", timeout=60)
    assert ev["data"] == {"guest": True, "reason": "guest-reset"}
