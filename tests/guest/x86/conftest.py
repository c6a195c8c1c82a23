"""Fixtures for the x86 guest tests: the QMP fixtures of tests/qmp (hulld per test, a QMP
client), plus where the guest programs are and whether this host's KVM can run them."""
import functools
import importlib.util
import os
import pathlib
import subprocess

import pytest

_qmp_conftest = pathlib.Path(__file__).resolve().parents[2] / "qmp" / "conftest.py"
_spec = importlib.util.spec_from_file_location("hull_qmp_fixtures", _qmp_conftest)
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)
for _name in dir(_fixtures):
    if not _name.startswith("_"):
        globals()[_name] = getattr(_fixtures, _name)


@functools.lru_cache(maxsize=None)
def kvm_speed():
    """(usable, mips or None, reason) from the kvm-speed-probe helper."""
    probe = os.environ.get("HULL_KVM_SPEED_PROBE")
    if not probe or not os.access(probe, os.X_OK):
        return False, None, "kvm-speed-probe not built (run through 'meson test')"
    out = subprocess.run([probe], capture_output=True, text=True, timeout=120).stdout.strip()
    if out.startswith("mips "):
        return True, float(out.split()[1]), ""
    return False, None, out.removeprefix("unusable ").strip() or "KVM unusable"


@pytest.fixture(scope="session")
def kvm_usable():
    if not os.path.exists("/dev/kvm"):
        pytest.skip("/dev/kvm does not exist (no KVM on this host)")
    usable, mips, reason = kvm_speed()
    if not usable:
        pytest.skip(f"KVM is not usable: {reason}")
    return mips


@pytest.fixture(scope="session")
def guest_dir():
    d = os.environ.get("HULL_X86_GUEST_DIR")
    if not d:
        d = str(pathlib.Path(os.environ.get("HULLD", "build/hulld")).resolve().parent
                / "tests" / "unit" / "kvm")
    return d


@pytest.fixture
def guest(guest_dir):
    """guest("hello") -> path of a built PVH guest; skips when it was not built."""
    def path(name):
        p = os.path.join(guest_dir, name + ".elf")
        if not os.path.exists(p):
            pytest.skip(f"guest {name}.elf not built (needs gcc -m32)")
        return p
    return path
