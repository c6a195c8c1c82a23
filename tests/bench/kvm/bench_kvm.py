#!/usr/bin/python3
"""KVM figures for the microvm board, side by side with qemu-system-x86_64 -M microvm:
time from machine-start (QEMU: process start) to the guest's first serial byte and to its
exit through isa-debug-exit, with a tiny PVH guest; and the VMM's resident memory with a
guest running, excluding guest RAM. Booting Linux to init is measured only where KVM runs
guest code at hardware speed (the speed probe says so); otherwise the bench says why."""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

RAM = 128 << 20


def rss_without_ram(pid):
    """Resident KiB of the process, leaving out mappings of the guest RAM's size."""
    total = 0
    size = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            parts = line.split()
            if "-" in parts[0] and len(parts) >= 5:
                lo, hi = (int(x, 16) for x in parts[0].split("-"))
                size = hi - lo
            elif parts[0] == "Rss:" and size is not None and size < RAM:
                total += int(parts[1])
    return total


def hull_figures(hulld, guests, workdir):
    import hull

    sock = os.path.join(workdir, "kvm.qmp")
    proc = subprocess.Popen([hulld, "--socket", sock], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        vm = hull.connect_sync(sock, retry=10)
        firsts, exits = [], []
        for _ in range(5):
            vm.chardev_add(id="c", backend={"type": "ringbuf", "data": {}})
            vm.machine_create(type="microvm", accel="kvm", memory=RAM,
                              kernel=guests["hello"], serial=["c"])
            with vm.events("SHUTDOWN") as events:
                t0 = time.perf_counter()
                vm.machine_start()
                while not vm.ringbuf_read(device="c", size=1):
                    pass
                firsts.append(time.perf_counter() - t0)
                events.get(60)
                exits.append(time.perf_counter() - t0)
            vm.machine_destroy()
            vm.chardev_remove(id="c")
        vm.machine_create(type="microvm", accel="kvm", memory=RAM, kernel=guests["spin"])
        vm.machine_start()
        time.sleep(0.3)
        rss = rss_without_ram(proc.pid)
        vm.quit()
        vm.close()
        proc.wait(10)
        return statistics.median(firsts), statistics.median(exits), rss
    finally:
        if proc.poll() is None:
            proc.kill()


def qemu_figures(qemu, guests):
    base = [qemu, "-M", "microvm", "-accel", "kvm", "-m", str(RAM >> 20), "-nodefaults",
            "-display", "none", "-device", "isa-debug-exit,iobase=0x501,iosize=1",
            "-no-reboot"]
    firsts, exits = [], []
    for _ in range(5):
        t0 = time.perf_counter()
        p = subprocess.Popen(base + ["-kernel", guests["hello"], "-serial", "stdio"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        p.stdout.read(1)
        firsts.append(time.perf_counter() - t0)
        p.stdout.read()
        p.wait(60)
        exits.append(time.perf_counter() - t0)
    p = subprocess.Popen(base + ["-kernel", guests["spin"], "-serial", "none"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    rss = rss_without_ram(p.pid)
    p.kill()
    p.wait()
    return statistics.median(firsts), statistics.median(exits), rss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hulld", required=True)
    ap.add_argument("--qemu")
    ap.add_argument("--probe", required=True)
    ap.add_argument("--guests", required=True, help="directory of the PVH test guests")
    ap.add_argument("--python-dir", required=True, help="where the generated package hull is")
    args = ap.parse_args()
    sys.path.insert(0, args.python_dir)
    if not os.path.exists("/dev/kvm"):
        print("kvm: skipped: /dev/kvm does not exist")
        return 0
    out = subprocess.run([args.probe], capture_output=True, text=True, timeout=120).stdout
    if not out.startswith("mips "):
        print(f"kvm: skipped: KVM is not usable here ({out.strip()})")
        return 0
    mips = float(out.split()[1])
    guests = {g: os.path.join(args.guests, g + ".elf") for g in ("hello", "spin")}
    workdir = tempfile.mkdtemp(prefix="hull-bench-kvm-")
    try:
        h = hull_figures(args.hulld, guests, workdir)
        qm = qemu_figures(args.qemu, guests) if args.qemu else None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"KVM speed probe: {mips:.1f} guest MIPS"
          + (" (software KVM: figures are dominated by it)" if mips < 200 else ""))
    rows = [("start to first serial byte (ms, median)", h[0] * 1000, qm and qm[0] * 1000),
            ("start to guest exit (ms, median)", h[1] * 1000, qm and qm[1] * 1000),
            ("VMM RSS, guest RAM excluded (KiB)", h[2], qm and qm[2])]
    print(f"{'microvm figure':42} {'hull':>10} {'qemu':>10} {'hull/qemu':>10}")
    for name, hv, qv in rows:
        line = f"{name:42} {hv:10.1f}"
        if qv:
            line += f" {qv:10.1f} {hv / qv:10.2f}"
        print(line)
    if mips < 200:
        print(f"Linux boot to init: not measured: KVM runs guest code at {mips:.1f} MIPS "
              "here (software); it needs hardware virtualization (>= 200 MIPS)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
