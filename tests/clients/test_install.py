"""Installation: `meson install` puts the package where Debian's python3 finds it, hullctl
and its man page beside it, and libhull-client with headers and hull-client.pc that a
program compiles against; the pyproject.toml builds a wheel offline."""
import os
import shutil
import subprocess
import tempfile
import zipfile

import pytest

from conftest import BUILD_ROOT, PYTHON_DIR, SOURCE_ROOT


@pytest.fixture(scope="module")
def destdir():
    d = tempfile.mkdtemp(prefix="hi", dir="/tmp")
    r = subprocess.run(["meson", "install", "-C", str(BUILD_ROOT), "--no-rebuild", "--quiet",
                        "--destdir", d], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    yield d
    shutil.rmtree(d, ignore_errors=True)


def prefix():
    out = subprocess.run(["meson", "introspect", "--buildoptions", str(BUILD_ROOT)],
                         capture_output=True, text=True, check=True).stdout
    import json
    return next(o["value"] for o in json.loads(out) if o["name"] == "prefix")


def installed(destdir, path):
    return os.path.join(destdir, path.lstrip("/"))


def find(destdir, name):
    for root, _, files in os.walk(destdir):
        if name in files:
            return os.path.join(root, name)
    return None


def test_python_package_lands_on_the_python_path(destdir):
    qapi = find(destdir, "qapi.py")
    assert qapi is not None and qapi.endswith("/hull/qapi.py")
    site_dir = os.path.dirname(os.path.dirname(qapi))[len(destdir):]
    # The directory the package went to is one /usr/bin/python3 searches.
    paths = subprocess.run(["/usr/bin/python3", "-c", "import sys; print('\\n'.join(sys.path))"],
                           capture_output=True, text=True, check=True,
                           env={"PATH": os.environ.get("PATH", "")}).stdout.split()
    assert site_dir in paths, (site_dir, paths)
    env = {"PYTHONPATH": installed(destdir, site_dir), "PATH": os.environ.get("PATH", "")}
    hullctl = installed(destdir, prefix() + "/bin/hullctl")
    r = subprocess.run([hullctl, "--version"], capture_output=True, text=True, env=env)
    assert r.returncode == 0 and r.stdout.startswith("hullctl "), r.stderr
    r = subprocess.run(["/usr/bin/python3", "-c",
                        "import hull; print(hull.__file__); help(hull.Client.query_status)"],
                       capture_output=True, text=True, env=env, cwd="/")
    assert r.stdout.startswith(installed(destdir, site_dir))
    assert "machine's phase" in r.stdout
    if (BUILD_ROOT / "clients" / "hullctl.1").exists():
        assert find(destdir, "hullctl.1").endswith("/man1/hullctl.1")


def test_c_library_compiles_and_links_from_the_install(destdir, tmp_path):
    pc = find(destdir, "hull-client.pc")
    assert pc is not None
    # The .pc file as it would read installed under destdir (its prefix moved there).
    pcdir = tmp_path / "pkgconfig"
    pcdir.mkdir()
    with open(pc) as f:
        text = f.read()
    text = "\n".join("prefix=" + destdir + line[len("prefix="):]
                     if line.startswith("prefix=") else line for line in text.split("\n"))
    (pcdir / "hull-client.pc").write_text(text)
    env = dict(os.environ, PKG_CONFIG_PATH=str(pcdir))
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "hull-client"],
                           capture_output=True, text=True, env=env, check=True).stdout.split()
    exe = str(tmp_path / "example")
    src = str(SOURCE_ROOT / "clients" / "c" / "hull-client-example.c")
    libdir = os.path.dirname(find(destdir, "libhull-client.so.0"))
    with open(os.path.join(libdir, "libhull-client.so.0"), "rb") as f:
        # A sanitizer build (make check-asan) needs its runtime in the program too.
        sanitize = ["-fsanitize=address,undefined"] if b"__asan_init" in f.read() else []
    r = subprocess.run(["cc", "-std=gnu17", "-Wall", "-Werror", *sanitize, "-o", exe, src]
                       + flags, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([exe], capture_output=True, text=True,
                       env=dict(os.environ, LD_LIBRARY_PATH=libdir))
    assert r.returncode == 2 and "usage" in r.stderr


def test_wheel_builds_offline(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(PYTHON_DIR, project)
    r = subprocess.run(["/usr/bin/python3", "-c",
                        "from setuptools import build_meta as b; print(b.build_wheel('dist'))"],
                       cwd=project, capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, PIP_NO_INDEX="1"))
    if r.returncode != 0 and "No module named" in r.stderr:
        pytest.skip("setuptools/wheel missing: " + r.stderr.strip().splitlines()[-1])
    assert r.returncode == 0, r.stderr
    wheel = project / "dist" / r.stdout.strip().splitlines()[-1]
    names = zipfile.ZipFile(wheel).namelist()
    for f in ("hull/__init__.py", "hull/qapi.py", "hull/protocol.py", "hull/version.py"):
        assert f in names
    assert any(n.endswith("/scripts/hullctl") for n in names), names
