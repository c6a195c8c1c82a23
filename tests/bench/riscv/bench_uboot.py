#!/usr/bin/python3
"""Time from machine-start to U-Boot's autoboot prompt on Hull's virt board (OpenSBI
fw_jump + U-Boot, Debian's images) beside qemu-system-riscv64 -M virt from process start
to the same line, same files, same run. Median of five boots each."""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

FW = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin"
UBOOT = "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin"
MARK = "Hit any key to stop autoboot"


def hull_boot(vm):
    vm.chardev_add(id="con", backend={"type": "ringbuf", "data": {"size": 1 << 20}})
    vm.machine_create(type="virt", accel="tcg", firmware=FW, kernel=UBOOT,
                      memory=256 << 20, serial=["con"])
    t0 = time.perf_counter()
    vm.machine_start()
    out = ""
    while MARK not in out:
        out += vm.ringbuf_read(device="con", size=65536)
        if time.perf_counter() - t0 > 120:
            raise TimeoutError("no U-Boot prompt on hull:\n" + out[-2000:])
    elapsed = time.perf_counter() - t0
    vm.machine_destroy()
    vm.chardev_remove(id="con")
    return elapsed


def qemu_boot(qemu):
    t0 = time.perf_counter()
    p = subprocess.Popen([qemu, "-M", "virt", "-m", "256M", "-bios", FW, "-kernel", UBOOT,
                          "-display", "none", "-monitor", "none", "-serial", "stdio",
                          "-nodefaults"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = b""
    while MARK.encode() not in out:
        chunk = p.stdout.read1(4096)
        if not chunk or time.perf_counter() - t0 > 120:
            p.kill()
            raise TimeoutError("no U-Boot prompt on qemu")
        out += chunk
    elapsed = time.perf_counter() - t0
    p.kill()
    p.wait()
    return elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hulld", required=True)
    ap.add_argument("--qemu")
    ap.add_argument("--python-dir", required=True)
    args = ap.parse_args()
    if not (os.path.exists(FW) and os.path.exists(UBOOT)):
        print("uboot-boot: skipped: needs Debian's opensbi and u-boot-qemu")
        return 0
    sys.path.insert(0, args.python_dir)
    import hull

    workdir = tempfile.mkdtemp(prefix="hull-bench-uboot-")
    sock = os.path.join(workdir, "b.qmp")
    proc = subprocess.Popen([args.hulld, "--socket", sock], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        vm = hull.connect_sync(sock, retry=10)
        h = statistics.median(hull_boot(vm) for _ in range(5))
        vm.quit()
        vm.close()
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        shutil.rmtree(workdir, ignore_errors=True)
    line = f"OpenSBI + U-Boot to the autoboot prompt: hull {h * 1000:.0f} ms (machine-start)"
    if args.qemu:
        q = statistics.median(qemu_boot(args.qemu) for _ in range(5))
        line += f", qemu {q * 1000:.0f} ms (process start); hull/qemu {h / q:.2f}"
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
