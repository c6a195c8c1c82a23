"""The systemd units: they parse cleanly (systemd-analyze verify, offline) and say what
hulld relies on: socket activation at /run/hull/%i.qmp with mode 0600, Type=notify."""
import os
import shutil
import subprocess

import pytest


@pytest.fixture
def units(hulld_path, workdir):
    build = os.environ.get("HULL_BUILD_ROOT", os.path.dirname(hulld_path))
    src = os.environ.get("HULL_SOURCE_ROOT",
                         os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    service = os.path.join(build, "systemd", "hulld@.service")
    if not os.path.exists(service):
        pytest.skip("hulld@.service not generated in this build directory")
    with open(service) as f:
        text = f.read()
    exec_line = [line for line in text.splitlines() if line.startswith("ExecStart=")][0]
    # verify wants the binary to exist: point it at the one under test.
    text = text.replace(exec_line.split()[0], f"ExecStart={hulld_path}")
    with open(os.path.join(workdir, "hulld@.service"), "w") as f:
        f.write(text)
    shutil.copy(os.path.join(src, "systemd", "hulld@.socket"), workdir)
    for name in ["hulld@vm1.service", "hulld@vm1.socket"]:
        os.symlink(name.replace("vm1", ""), os.path.join(workdir, name))
    return workdir


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_units_verify(units):
    proc = subprocess.run(["systemd-analyze", "verify", "--man=no", "hulld@vm1.socket",
                           "hulld@vm1.service"], cwd=units, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == "", proc.stderr


def test_units_content(units):
    with open(os.path.join(units, "hulld@.socket")) as f:
        socket_unit = f.read()
    with open(os.path.join(units, "hulld@.service")) as f:
        service_unit = f.read()
    assert "ListenStream=/run/hull/%i.qmp" in socket_unit
    assert "SocketMode=0600" in socket_unit
    for line in ["Type=notify", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes",
                 "PrivateTmp=yes", "DeviceAllow=/dev/kvm rw", "CapabilityBoundingSet=\n"]:
        assert line in service_unit
