"""RISC-V workloads on Hull's JIT (the `virt` board through QMP) and, when installed, on
`qemu-system-riscv64 -M virt -bios none -kernel` with the same ELF: seconds, guest MIPS and
the speed ratio per workload, and their geometric mean.

Each workload times itself in the guest with rdtime (10 MHz on both) and prints its result
on the UART; a wrong result fails the benchmark. Instructions come from Hull's minstret:
QEMU without -icount reads host cycles for instret, and both run the same instructions.
Figures are printed, never asserted.

    bench_riscv.py HULLD ELF... [--qemu PATH] [--runs N]
"""
import argparse
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

LINE = re.compile(r"bench (\S+) insns=(\d+) ticks=(\d+) result=([0-9a-f]+)")
TIMEBASE = 10_000_000


class Qmp:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.file = self.sock.makefile("rb")
        self.events = []
        json.loads(self.file.readline())
        self.cmd("qmp_capabilities")

    def cmd(self, name, args=None):
        req = {"execute": name}
        if args is not None:
            req["arguments"] = args
        self.sock.sendall(json.dumps(req).encode())
        while True:
            msg = json.loads(self.file.readline())
            if "event" in msg:
                self.events.append(msg)
                continue
            if "error" in msg:
                raise RuntimeError(f"{name}: {msg['error']['desc']}")
            return msg["return"]

    def wait_event(self, name, timeout):
        self.sock.settimeout(timeout)
        try:
            while True:
                for ev in self.events:
                    if ev["event"] == name:
                        self.events.remove(ev)
                        return ev
                self.events.append(json.loads(self.file.readline()))
        finally:
            self.sock.settimeout(None)


def parse(output, what):
    m = LINE.search(output)
    if not m:
        raise RuntimeError(f"{what}: no result line in the output: {output!r}")
    return {"name": m.group(1), "insns": int(m.group(2)), "ticks": int(m.group(3)),
            "result": m.group(4)}


def run_hull(qmp, elf):
    qmp.cmd("chardev-add", {"id": "bench", "backend": {"type": "ringbuf",
                                                       "data": {"size": 4096}}})
    qmp.cmd("machine-create", {"type": "virt", "accel": "tcg", "kernel": elf,
                               "serial": ["bench"]})
    qmp.cmd("machine-start")
    qmp.wait_event("SHUTDOWN", timeout=600)
    code = qmp.cmd("query-status").get("guest-exit-code")
    jit = qmp.cmd("query-jit")
    out = qmp.cmd("ringbuf-read", {"device": "bench", "size": 4096})
    qmp.cmd("machine-destroy")
    qmp.cmd("chardev-remove", {"id": "bench"})
    if code != 0:
        raise RuntimeError(f"{elf}: Hull: the guest failed (exit code {code}): {out!r}")
    r = parse(out, "Hull")
    r["jit"] = jit
    return r


def run_qemu(qemu, elf):
    proc = subprocess.run([qemu, "-M", "virt", "-bios", "none", "-kernel", elf, "-nographic",
                           "-monitor", "none"], stdin=subprocess.DEVNULL,
                          capture_output=True, timeout=600)
    out = proc.stdout.decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{elf}: QEMU exited with {proc.returncode}: {out!r}")
    return parse(out, "QEMU")


def best(runs):
    return min(runs, key=lambda r: r["ticks"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("hulld")
    ap.add_argument("elves", nargs="+")
    ap.add_argument("--qemu")
    ap.add_argument("--runs", type=int, default=2, help="best of N runs on each")
    args = ap.parse_args()
    qemu = args.qemu or shutil.which("qemu-system-riscv64")

    workdir = tempfile.mkdtemp(prefix="hb")
    sock = os.path.join(workdir, "q.sock")
    log = open(os.path.join(workdir, "hulld.log"), "wb")
    hulld = subprocess.Popen([args.hulld, "--socket", sock, "--log-level", "warning"],
                             stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(sock):
            if time.monotonic() > deadline or hulld.poll() is not None:
                raise RuntimeError("hulld did not start")
            time.sleep(0.01)
        time.sleep(0.05)
        qmp = Qmp(sock)

        print(f"RISC-V workloads, best of {args.runs}; guest time from rdtime, instructions "
              f"from Hull's minstret")
        if not qemu:
            print("qemu-system-riscv64 not installed: Hull's figures only")
        head = f"{'workload':<10} {'Minsns':>8} {'Hull s':>8} {'Hull MIPS':>10}"
        if qemu:
            head += f" {'QEMU s':>8} {'QEMU MIPS':>10} {'speed-up':>9}"
        head += f" {'blocks':>7} {'code KiB':>9}"
        print(head)
        ratios, failed = [], False
        for elf in args.elves:
            h = best([run_hull(qmp, elf) for _ in range(args.runs)])
            hs = h["ticks"] / TIMEBASE
            line = f"{h['name']:<10} {h['insns'] / 1e6:8.1f} {hs:8.3f} " \
                   f"{h['insns'] / hs / 1e6:10.1f}"
            if qemu:
                q = best([run_qemu(qemu, elf) for _ in range(args.runs)])
                qs = q["ticks"] / TIMEBASE
                if q["result"] != h["result"]:
                    print(f"{h['name']}: results differ: Hull {h['result']}, "
                          f"QEMU {q['result']}")
                    failed = True
                ratios.append(qs / hs)
                line += f" {qs:8.3f} {h['insns'] / qs / 1e6:10.1f} {qs / hs:8.2f}x"
            line += f" {h['jit']['blocks-translated']:7d} " \
                    f"{h['jit']['host-code-bytes'] / 1024:9.1f}"
            print(line, flush=True)
        if ratios:
            geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
            print(f"geometric mean speed-up over QEMU: {geo:.2f}x "
                  f"(slowest {min(ratios):.2f}x, fastest {max(ratios):.2f}x)")
        qmp.cmd("quit")
        hulld.wait(10)
        return 1 if failed else 0
    finally:
        if hulld.poll() is None:
            hulld.kill()
            hulld.wait()
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
