"""The two client backends on qapi-gen's test schema (tests/qapi-schema/qapi-schema-test.json),
which holds constructs Hull's own schema may not use yet: boxed commands, union and
alternate arguments and results, 'any', 'success-response': false, 'gen': false, 'if'
conditions, features. The generated Python imports and round-trips every type; the
generated C compiles with the project's warnings."""
import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from conftest import BUILD_ROOT, SOURCE_ROOT

TEST_SCHEMA = SOURCE_ROOT / "tests" / "qapi-schema" / "qapi-schema-test.json"
QAPI_GEN = SOURCE_ROOT / "qapi-gen" / "qapi-gen.py"


def qapi_gen(outdir, backends, prefix="test-"):
    r = subprocess.run([sys.executable, str(QAPI_GEN), "-o", str(outdir), "-p", prefix,
                        "-b", backends, str(TEST_SCHEMA)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


@pytest.fixture(scope="module")
def test_package(tmp_path_factory):
    """A copy of the hull package whose generated module comes from the test schema."""
    root = tmp_path_factory.mktemp("pkg")
    pkg = root / "hull"
    shutil.copytree(SOURCE_ROOT / "clients" / "python" / "hull", pkg,
                    ignore=shutil.ignore_patterns("meson.build", "*.in", "__pycache__"))
    (pkg / "version.py").write_text('__version__ = "0"\n')
    qapi_gen(root, "python")
    os.rename(root / "test-qapi.py", pkg / "qapi.py")
    return root


def run_python(root, code):
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=str(root),
                       capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, PYTHONPATH=str(root), PYTHONDONTWRITEBYTECODE="1"))
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def test_python_bindings_of_the_test_schema(test_package):
    out = run_python(test_package, """
        import asyncio, inspect, json, hull
        from hull import types as rt

        # Every command has a coroutine method on the async and the sync client.
        for name, meta in hull.COMMANDS.items():
            assert inspect.iscoroutinefunction(getattr(hull.Client, meta.method)), name
            assert callable(getattr(hull.SyncClient, meta.method)), name
        assert hull.COMMANDS["test-manual"].extra_args
        assert not hull.COMMANDS["test-quiet"].success_response
        assert hull.COMMANDS["test-boxed"].boxed == "Backend"
        assert hull.COMMANDS["test-kvm"].ifcond is not None
        assert "TEST_BOXED" in hull.EVENTS and "TEST_NEVER" in hull.EVENTS

        def sample(ref, depth=0):
            if isinstance(ref, list):
                return [sample(ref[0], depth + 1)] if depth < 2 else []
            if isinstance(ref, str):
                if ref in rt.INT_RANGES:
                    return 7
                if ref in rt.BUILTINS:
                    return {"str": "s", "number": 1.5, "bool": True, "null": None,
                            "any": {"k": [1]}}[ref]
                ref = hull.TYPES[ref]
            if issubclass(ref, rt.QAPIEnum):
                return list(ref)[-1].value
            if issubclass(ref, rt.Alternate):
                return sample(ref._qapi_branches[-1][1], depth + 1)
            cls = ref
            if issubclass(ref, rt.Union) and ref._qapi_variants and \
                    ref._qapi_tag_value is None:
                cls = hull.TYPES[list(ref._qapi_variants.values())[-1]]
            out = {}
            for m in cls._qapi_members:
                if cls._qapi_tag_value is not None and m.name == cls._qapi_tag.name:
                    out[m.name] = cls._qapi_tag_value
                elif m.optional and m.type == "null":
                    continue  # None means absent for an optional member (documented)
                elif not m.optional or depth < 3:
                    out[m.name] = sample(m.type, depth + 1)
            return out

        # Every named type: JSON -> typed value -> the same JSON.
        checked = 0
        for name, cls in hull.TYPES.items():
            if not (isinstance(cls, type) and issubclass(cls, (rt.QAPIObject, rt.Alternate,
                                                                rt.QAPIEnum))):
                continue
            wire = sample(cls)
            value = rt.from_wire(cls, wire)
            assert rt.to_wire(cls, value) == wire, (name, wire, rt.to_wire(cls, value))
            checked += 1
        print("types", checked)
        # A branch class refuses another branch's data.
        try:
            rt.from_wire(hull.Backend_file, {"kind": "socket", "host": "h", "port": 1})
            raise AssertionError("Backend_file took socket data")
        except hull.ValidationError as err:
            assert err.path == "kind"

        # Calls against a scripted server: boxed, alternates, 'any', no-reply commands.
        async def main():
            seen = []
            async def serve(reader, writer):
                writer.write(b'{"QMP": {"version": {}, "capabilities": []}}\\r\\n')
                while line := await reader.readline():
                    req = json.loads(line)
                    seen.append(req)
                    if req["execute"] == "test-quiet":
                        continue
                    ret = {"test-echo-any": req.get("arguments", {}).get("v"),
                           "test-boxed": [sample("Derived")],
                           "test-add": 3}.get(req["execute"], {})
                    writer.write((json.dumps({"return": ret, "id": req["id"]}) + "\\r\\n")
                                 .encode())
            server = await asyncio.start_unix_server(serve, "s.sock")
            async with hull.connect("s.sock") as vm:
                assert await vm.test_add(a=1, b=2) == 3
                assert await vm.test_echo_any(v={"x": [1, None]}) == {"x": [1, None]}
                ret = await vm.test_boxed(sample("Backend"))
                assert isinstance(ret[0], hull.Derived)
                await asyncio.wait_for(vm.test_quiet(), 5)   # returns without a reply
                await vm.test_manual(x=1, extra_member="yes")
                await vm.test_nothing()
            server.close()
            assert seen[-2]["arguments"] == {"x": 1, "extra_member": "yes"}
            assert seen[3]["execute"] == "test-boxed" and "arguments" in seen[3]
        asyncio.run(main())
        print("ok")
    """)
    assert out.split() == ["types", out.split()[1], "ok"] and int(out.split()[1]) > 10


def test_c_client_of_the_test_schema_compiles(tmp_path):
    (tmp_path / "qapi").mkdir()
    qapi_gen(tmp_path / "qapi", "types,visit")
    qapi_gen(tmp_path, "c_client")
    cflags = subprocess.run(["pkg-config", "--cflags", "glib-2.0", "json-glib-1.0"],
                            capture_output=True, text=True, check=True).stdout.split()
    for src in ("test-hull-client.c",):
        r = subprocess.run(["cc", "-std=gnu17", "-fsyntax-only", "-Wall", "-Wextra", "-Werror",
                            "-Wno-unused-parameter", "-Wmissing-prototypes", "-Wshadow",
                            "-Wstrict-prototypes", "-D_GNU_SOURCE",
                            "-I", str(tmp_path), "-I", str(tmp_path / "qapi"),
                            "-I", str(SOURCE_ROOT / "clients" / "c"), "-I", str(BUILD_ROOT),
                            "-I", str(SOURCE_ROOT), *cflags, str(tmp_path / src)],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    header = (tmp_path / "test-hull-client.h").read_text()
    # Boxed, extra members, no-reply and conditional commands have their shapes.
    assert "bool hull_test_boxed(HullClient *client, const Backend *args, DerivedList **ret" \
        in header
    assert "bool hull_test_manual(HullClient *client, const HullTestManualArgs *args, " \
        "JsonObject *extra, GError **errp);" in header
    assert "#if defined(CONFIG_KVM)" in header
    assert "hull_client_send(client, \"test-quiet\"" in \
        (tmp_path / "test-hull-client.c").read_text()
