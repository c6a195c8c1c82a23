"""Fixtures of the client tests: the generated package `hull` and hullctl from the build
tree, a live hulld per test (the Hulld launcher of tests/qmp), and the schema as qapi-gen's
model sees it (the reference the bindings are checked against)."""
import importlib.util
import os
import pathlib
import sys

import pytest

SOURCE_ROOT = pathlib.Path(os.environ.get("HULL_SOURCE_ROOT")
                           or pathlib.Path(__file__).resolve().parents[2])
BUILD_ROOT = pathlib.Path(os.environ.get("HULL_BUILD_ROOT") or SOURCE_ROOT / "build")
PYTHON_DIR = BUILD_ROOT / "clients" / "python"
HULLCTL = BUILD_ROOT / "clients" / "hullctl"

sys.path.insert(0, str(PYTHON_DIR))


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# The hulld launcher and fixtures of the protocol tests, shared rather than copied.
_qmp = _load("hull_qmp_conftest", SOURCE_ROOT / "tests" / "qmp" / "conftest.py")
Hulld = _qmp.Hulld
QmpClient = _qmp.QmpClient
hulld_path = _qmp.hulld_path
hull_config = _qmp.hull_config
workdir = _qmp.workdir
sanitized = _qmp.sanitized
start_hulld = _qmp.start_hulld
hulld = _qmp.hulld


@pytest.fixture(scope="session")
def schema():
    """qapi-gen's model of the schema the build used."""
    sys.path.insert(0, str(SOURCE_ROOT / "qapi-gen"))
    try:
        from qapi.schema import QAPISchema
    finally:
        sys.path.pop(0)
    return QAPISchema(str(SOURCE_ROOT / "qapi-schema" / "hull.json"))


@pytest.fixture(scope="session")
def hullctl_path():
    if not os.access(HULLCTL, os.X_OK):
        pytest.fail(f"hullctl not built at {HULLCTL}")
    return str(HULLCTL)


@pytest.fixture(scope="session")
def hullctl_mod(hullctl_path):
    """hullctl loaded as a module, for its argument conversion."""
    from importlib.machinery import SourceFileLoader
    loader = SourceFileLoader("hullctl_under_test", hullctl_path)
    spec = importlib.util.spec_from_loader(loader.name, loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod
