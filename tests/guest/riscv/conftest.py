"""Fixtures of the RISC-V guest tests: the QMP test fixtures (a fresh hulld per test and a
wire-level client) re-exported from tests/qmp/conftest.py."""
import importlib.util
import pathlib

_path = pathlib.Path(__file__).resolve().parents[2] / "qmp" / "conftest.py"
_spec = importlib.util.spec_from_file_location("hull_qmp_conftest", _path)
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)
globals().update({k: v for k, v in vars(_mod).items() if not k.startswith("__")})
