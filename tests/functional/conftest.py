"""Fixtures of the functional tests: the QMP fixtures of tests/qmp (a hulld per test, a
wire-level client) and the Debian firmware images they boot."""
import importlib.util
import os
import pathlib

import pytest

_path = pathlib.Path(__file__).resolve().parents[1] / "qmp" / "conftest.py"
_spec = importlib.util.spec_from_file_location("hull_qmp_conftest", _path)
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)
globals().update({k: v for k, v in vars(_mod).items() if not k.startswith("__")})

OPENSBI_DIR = "/usr/lib/riscv64-linux-gnu/opensbi/generic"
UBOOT_SMODE = "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin"


@pytest.fixture
def firmware():
    """firmware("fw_jump.bin") -> path, skipping (with the package to install) if absent."""
    def path(name):
        p = os.path.join(OPENSBI_DIR, name)
        if not os.path.exists(p):
            pytest.skip(f"{p} is missing (Debian package opensbi)")
        return p
    return path


@pytest.fixture
def uboot():
    if not os.path.exists(UBOOT_SMODE):
        pytest.skip(f"{UBOOT_SMODE} is missing (Debian package u-boot-qemu)")
    return UBOOT_SMODE
