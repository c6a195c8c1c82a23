"""Shared fixtures for the QMP protocol tests: where hulld is, temporary sockets."""
import os
import pathlib

import pytest


@pytest.fixture(scope="session")
def hulld_path() -> str:
    path = os.environ.get("HULLD")
    if not path:
        root = pathlib.Path(__file__).resolve().parents[2]
        path = str(root / "build" / "hulld")
    if not os.access(path, os.X_OK):
        pytest.fail(f"hulld not built at {path} (run through 'meson test' or set HULLD)")
    return path
