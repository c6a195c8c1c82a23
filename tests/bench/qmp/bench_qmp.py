"""QMP server figures for hulld side by side with QEMU (qemu-system-x86_64 -M none), same
client, same run: start to greeting, idle RSS, sequential round trips, pipelined throughput.
Prints figures; asserts nothing about timings."""
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

SEQUENTIAL = 5000
PIPELINED = 10000
STARTS = 5


def hulld_cmd(sock):
    return [os.environ["HULLD"], "--socket", sock, "--log-level", "warning"]


def qemu_cmd(sock):
    return [QEMU, "-M", "none", "-nodefaults", "-display", "none",
            "-qmp", f"unix:{sock},server=on,wait=off"]


class Server:
    def __init__(self, argv_for, workdir):
        self.sock_path = os.path.join(workdir, "q.sock")
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(argv_for(self.sock_path), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(self.sock_path)
                break
            except OSError:
                self.sock.close()
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{argv_for(self.sock_path)[0]} did not start")
                time.sleep(0.001)
        self.file = self.sock.makefile("rb")
        self.greeting = json.loads(self.file.readline())
        self.start_time = time.perf_counter() - t0

    def call(self, line):
        self.sock.sendall(line)
        return self.file.readline()

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        try:
            self.sock.sendall(b'{"execute": "qmp_capabilities"}\n{"execute": "quit"}\n')
            self.proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        self.sock.close()


def measure(name, argv_for):
    fig = {}
    starts = []
    for _ in range(STARTS):
        d = tempfile.mkdtemp(prefix="hb", dir="/tmp")
        s = Server(argv_for, d)
        starts.append(s.start_time)
        s.stop()
        shutil.rmtree(d, ignore_errors=True)
    fig["start to greeting (ms, median)"] = statistics.median(starts) * 1000

    d = tempfile.mkdtemp(prefix="hb", dir="/tmp")
    s = Server(argv_for, d)
    assert json.loads(s.call(b'{"execute": "qmp_capabilities"}\n')) == {"return": {}}
    time.sleep(0.2)
    fig["idle RSS after negotiation (KiB)"] = s.rss_kib()

    req = b'{"execute": "query-status"}\n'
    t0 = time.perf_counter()
    for _ in range(SEQUENTIAL):
        line = s.call(req)
    elapsed = time.perf_counter() - t0
    assert b'"return"' in line
    fig["sequential query-status (round trips/s)"] = SEQUENTIAL / elapsed

    batch = b"".join(b'{"execute": "query-status", "id": %d}\n' % i for i in range(PIPELINED))
    t0 = time.perf_counter()
    writer = threading.Thread(target=s.sock.sendall, args=(batch,))
    writer.start()
    for i in range(PIPELINED):
        resp = json.loads(s.file.readline())
        assert resp.get("id") == i, resp
    writer.join()
    elapsed = time.perf_counter() - t0
    fig["pipelined 10k query-status (requests/s)"] = PIPELINED / elapsed
    s.stop()
    shutil.rmtree(d, ignore_errors=True)
    return fig


def main():
    hull = measure("hulld", hulld_cmd)
    qemu = measure("qemu", qemu_cmd) if QEMU else None
    width = max(len(k) for k in hull)
    print(f"{'QMP server figure':<{width}}  {'hulld':>12}  {'qemu -M none':>12}  {'hulld/qemu':>10}")
    for key, value in hull.items():
        if qemu:
            ratio = value / qemu[key] if qemu[key] else float("nan")
            print(f"{key:<{width}}  {value:>12.1f}  {qemu[key]:>12.1f}  {ratio:>10.2f}")
        else:
            print(f"{key:<{width}}  {value:>12.1f}  {'(no qemu)':>12}")
    if not QEMU:
        print("qemu-system-x86_64 not installed: QEMU column skipped")


QEMU = shutil.which("qemu-system-x86_64")

if __name__ == "__main__":
    sys.exit(main())
