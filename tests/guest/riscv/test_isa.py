"""The guest ISA tests (tests/guest/riscv/*.S) on the `virt` board through QMP: each image
is the machine's kernel; it reports through the SiFive test device, which powers the
machine off (SHUTDOWN) with exit code 0 when every check passed, or with the number of the
failing check. Run on the JIT and on the interpreter (tcg-set-options mode=interp)."""
import os

import pytest

IMAGES = ["arith", "shifts", "branches", "jumps", "mem", "muldiv", "atomic", "csr", "fencei",
          "compressed", "traps"]


def image_path(name):
    d = os.path.join(os.environ.get("HULL_BUILD_ROOT", "build"), "tests", "guest", "riscv")
    path = os.path.join(d, name + ".elf")
    if not os.path.exists(path):
        pytest.skip(f"{path} not built (riscv64-unknown-elf-gcc absent at configure time)")
    return path


def run_to_shutdown(qmp, kernel, mode=None, timeout=30.0, **create):
    qmp.cmd("machine-create", {"type": "virt", "accel": "tcg", "kernel": kernel, **create})
    if mode:
        qmp.cmd("tcg-set-options", {"mode": mode})
    qmp.cmd("machine-start")
    ev = qmp.wait_event("SHUTDOWN", timeout=timeout)
    return ev, qmp.cmd("query-status")


@pytest.mark.parametrize("mode", ["jit", "interp"])
@pytest.mark.parametrize("name", IMAGES)
def test_isa(qmp, name, mode):
    ev, st = run_to_shutdown(qmp, image_path(name), mode)
    assert ev["data"] == {"guest": True, "reason": "guest-shutdown"}
    assert st["status"] == "shutdown"
    code = st.get("guest-exit-code")
    assert code == 0, f"{name} failed check {code & 0x7fff}" + \
        (" (unexpected trap)" if code & 0x8000 else "")
