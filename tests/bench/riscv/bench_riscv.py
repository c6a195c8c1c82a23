#!/usr/bin/python3
"""Runs the RISC-V workloads on hulld (virt board, tcg accelerator, over QMP) and on
qemu-system-riscv64 -M virt -bios none when given, and prints seconds, guest MIPS and the
ratio per workload and as a geometric mean.

Each workload prints "instret N" (instructions retired by its run, counted by Hull, whose
minstret is exact) and "checksum N" on the UART, and reports pass/fail through the test
device. Times are wall-clock from machine-start to SHUTDOWN (Hull) and from process start
to exit (QEMU), each minus the same measure for the empty workload (fixed costs). The
benchmark fails only when a workload computes a wrong result."""

import argparse
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time


def parse_output(text):
    instret = re.search(r"instret (\d+)", text)
    checksum = re.search(r"checksum (\d+)", text)
    return (int(instret.group(1)) if instret else None,
            int(checksum.group(1)) if checksum else None)


def task_cpu_ns(pid):
    """On-CPU nanoseconds of every thread of a process (schedstat)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


class HullRunner:
    """One hulld for all runs, driven through the generated bindings."""

    def __init__(self, hulld, workdir):
        import hull

        self.sock = os.path.join(workdir, "bench.qmp")
        self.proc = subprocess.Popen([hulld, "--socket", self.sock],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.vm = hull.connect_sync(self.sock, retry=10)

    def has_virt(self):
        return any(m.name == "virt" for m in self.vm.query_machines())

    def run(self, elf):
        vm = self.vm
        vm.chardev_add(id="bench", backend={"type": "ringbuf", "data": {"size": 65536}})
        vm.machine_create(type="virt", accel="tcg", kernel=elf, memory=128 << 20,
                          serial=["bench"])
        with vm.events("SHUTDOWN") as events:
            cpu0 = task_cpu_ns(self.proc.pid)
            t0 = time.perf_counter()
            vm.machine_start()
            events.get(600)
            elapsed = time.perf_counter() - t0
        status = vm.query_status()
        self.cpu = (task_cpu_ns(self.proc.pid) - cpu0) / 1e9  # vCPU threads still exist
        out = vm.ringbuf_read(device="bench", size=65536)
        vm.machine_destroy()
        vm.chardev_remove(id="bench")
        return elapsed, out, (status.guest_exit_code or 0) == 0

    def close(self):
        try:
            self.vm.quit()
            self.vm.close()
        except Exception:
            pass
        self.proc.wait(10)


QEMU_CPU = [0.0]

# Workloads that use the F and D extensions (the others are RV64IMAC code).
FP_WORKLOADS = {"fmatmul", "nbody"}


def run_qemu(qemu, elf):
    t0 = time.perf_counter()
    p = subprocess.Popen([qemu, "-M", "virt", "-bios", "none", "-kernel", elf, "-m", "128M",
                          "-display", "none", "-monitor", "none", "-serial", "stdio",
                          "-nodefaults"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    elapsed = time.perf_counter() - t0
    QEMU_CPU[0] = usage.ru_utime + usage.ru_stime
    return elapsed, out.decode(errors="replace"), os.waitstatus_to_exitcode(status) == 0


def best_of(n, fn, cpu):
    """The fastest of n runs (wall clock), with the CPU time of that run."""
    best = None
    for _ in range(n):
        r = fn()
        if best is None or r[0] < best[0][0]:
            best = (r, cpu())
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hulld", required=True)
    ap.add_argument("--qemu")
    ap.add_argument("--python-dir", required=True, help="where the generated package hull is")
    ap.add_argument("--repeat", type=int, default=int(os.environ.get("HULL_BENCH_REPEAT", "5")))
    ap.add_argument("elfs", nargs="+")
    args = ap.parse_args()
    sys.path.insert(0, args.python_dir)

    workdir = tempfile.mkdtemp(prefix="hull-bench-rv-")
    hull = HullRunner(args.hulld, workdir)
    failed = False
    try:
        if not hull.has_virt():
            print("riscv-workloads: skipped: this hulld has no virt board")
            return 0
        names = {e: os.path.basename(e)[len("bench-rv-"):-len(".elf")] for e in args.elfs}
        empty = [e for e in args.elfs if names[e] == "empty"][0]
        (hb, hull_base_cpu) = best_of(3, lambda: hull.run(empty), lambda: hull.cpu)
        hull_base = hb[0]
        if args.qemu:
            (qb, qemu_base_cpu) = best_of(3, lambda: run_qemu(args.qemu, empty),
                                          lambda: QEMU_CPU[0])
            qemu_base = qb[0]
        print(f"fixed cost (empty workload): hull {hull_base * 1000:.1f} ms" +
              (f", qemu {qemu_base * 1000:.1f} ms" if args.qemu else ""))
        print("wall: machine-start to SHUTDOWN (QEMU: process run), minus the fixed cost; "
              "cpu: CPU time of all threads, minus the fixed cost's")
        header = f"{'workload':10} {'Minsn':>8} {'hull s':>8} {'cpu s':>7} {'hull MIPS':>10}"
        if args.qemu:
            header += (f" {'qemu s':>8} {'cpu s':>7} {'qemu MIPS':>10} {'wall ratio':>11}"
                       f" {'cpu ratio':>10}")
        print(header)
        ratios, cpu_ratios, fp = [], [], []
        for elf in args.elfs:
            name = names[elf]
            if name == "empty":
                continue
            (h_time, h_out, h_ok), h_cpu = best_of(args.repeat, lambda: hull.run(elf),
                                                   lambda: hull.cpu)
            h_cpu = max(h_cpu - hull_base_cpu, 1e-6)
            instret, _ = parse_output(h_out)
            if not h_ok or instret is None:
                print(f"{name}: WRONG RESULT on hull: {h_out.strip()!r}")
                failed = True
                continue
            h_s = max(h_time - hull_base, 1e-6)
            line = (f"{name:10} {instret / 1e6:8.1f} {h_s:8.3f} {h_cpu:7.3f} "
                    f"{instret / h_s / 1e6:10.1f}")
            if args.qemu:
                (q_time, q_out, q_ok), q_cpu = best_of(args.repeat,
                                                       lambda: run_qemu(args.qemu, elf),
                                                       lambda: QEMU_CPU[0])
                q_cpu = max(q_cpu - qemu_base_cpu, 1e-6)
                if not q_ok or parse_output(q_out)[1] is None:
                    print(f"{name}: WRONG RESULT on qemu: {q_out.strip()!r}")
                    failed = True
                    continue
                q_s = max(q_time - qemu_base, 1e-6)
                ratios.append(q_s / h_s)
                cpu_ratios.append(q_cpu / h_cpu)
                fp.append(name in FP_WORKLOADS)
                line += (f" {q_s:8.3f} {q_cpu:7.3f} {instret / q_s / 1e6:10.1f}"
                         f" {q_s / h_s:10.2f}x {q_cpu / h_cpu:9.2f}x")
            print(line)
        if ratios:
            for what, rs in (("wall clock", ratios), ("CPU time", cpu_ratios)):
                geo = math.exp(sum(math.log(r) for r in rs) / len(rs))
                print(f"geometric mean speed, hull vs qemu, by {what}: {geo:.2f}x "
                      f"(slowest workload {min(rs):.2f}x; goal >= 1.5x, none below 1x)")
            ints = [r for r, f in zip(cpu_ratios, fp) if not f]
            if ints and len(ints) < len(cpu_ratios):
                geo = math.exp(sum(math.log(r) for r in ints) / len(ints))
                print(f"  integer workloads only (no F/D), by CPU time: {geo:.2f}x "
                      f"(slowest {min(ints):.2f}x)")
        elif not args.qemu:
            print("qemu-system-riscv64 is not installed: Hull's figures only")
    finally:
        hull.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
