"""The generated bindings cover the whole schema: every command, event and named type that
qapi-gen's model holds has its Python method, sync method, class, hullctl subcommand, man
page entry and C function. The reference is the schema itself, never a list kept here."""
import re
import subprocess

import pytest

import hull
from hull import types as rt

from conftest import BUILD_ROOT


def commands(schema):
    return [e for e in schema.entities() if e.meta == "command"]


def events(schema):
    return [e for e in schema.entities() if e.meta == "event"]


def named_types(schema):
    return [e for e in schema.entities()
            if e.meta in ("enum", "struct", "union", "alternate")
            and not e.name.startswith("q_")]


def c_name(name):
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def config_symbols():
    """The CONFIG_* symbols this build defines (build/config-host.h)."""
    text = (BUILD_ROOT / "config-host.h").read_text()
    return set(re.findall(r"^#define (CONFIG_\w+)", text, re.M))


def built(entity, defined):
    """Whether the definition's 'if' holds in this build (as the generated #if does)."""
    def holds(expr):
        if expr is None:
            return True
        if isinstance(expr, str):
            return expr in defined
        op, arg = next(iter(expr.items()))
        if op == "not":
            return not holds(arg)
        return (all if op == "all" else any)(holds(a) for a in arg)
    return holds(entity.ifcond.expr)


def test_schema_has_content(schema):
    # Guards the other checks against an empty model (a broken import would pass them).
    assert any(c.name == "query-version" for c in commands(schema))
    assert any(e.name == "SHUTDOWN" for e in events(schema))


def test_every_command_has_a_typed_method(schema):
    for cmd in commands(schema):
        meta = hull.COMMANDS.get(cmd.name)
        assert meta is not None, f"{cmd.name} missing from hull.COMMANDS"
        method = getattr(hull.Client, meta.method, None)
        assert method is not None, f"hull.Client has no method for {cmd.name}"
        assert getattr(hull.SyncClient, meta.method, None) is not None, \
            f"hull.SyncClient has no method for {cmd.name}"
        assert meta.allow_oob == cmd.allow_oob
        assert meta.phases == (tuple(cmd.phases) if cmd.phases is not None else None)
        if cmd.arg_type is not None and not cmd.boxed:
            assert [m.name for m in meta.members] == [m.name for m in cmd.arg_type.members]
            assert [m.optional for m in meta.members] == \
                [m.optional for m in cmd.arg_type.members]
        assert (meta.returns is None) == (cmd.ret_type is None)
    assert set(hull.COMMANDS) == {c.name for c in commands(schema)}


def test_every_event_has_a_class(schema):
    for ev in events(schema):
        cls = hull.EVENTS.get(ev.name)
        assert cls is not None, f"{ev.name} missing from hull.EVENTS"
        assert issubclass(cls, rt.Event) and cls._qapi_name == ev.name
        if ev.arg_type is not None and not ev.boxed:
            assert [m.name for m in cls._qapi_members] == [m.name for m in ev.arg_type.members]
    assert set(hull.EVENTS) == {e.name for e in events(schema)}


def test_every_named_type_has_a_class(schema):
    for typ in named_types(schema):
        cls = hull.TYPES.get(typ.name)
        assert cls is not None, f"type {typ.name} missing from hull.TYPES"
        if typ.meta == "enum":
            assert [m.value for m in cls] == [m.name for m in typ.members]
        elif typ.meta in ("struct", "union"):
            assert [m.name for m in cls._qapi_members] == [m.name for m in typ.members]


def test_docstrings_come_from_the_schema(schema):
    for cmd in commands(schema):
        doc = getattr(hull.Client, hull.COMMANDS[cmd.name].method).__doc__
        assert f"QMP command: {cmd.name}" in doc
        if cmd.doc is not None and cmd.doc.body_text:
            first = re.sub(r"@([\w.-]*\w)", r"\1", cmd.doc.body_text).split()[:6]
            assert " ".join(first) in " ".join(doc.split()), cmd.name


def test_hullctl_help_and_man_page_list_every_command(schema, hullctl_path):
    help_text = subprocess.run([hullctl_path, "--help"], capture_output=True, text=True,
                               check=True).stdout
    man = (BUILD_ROOT / "clients" / "hullctl.1")
    if not man.exists():
        pytest.skip("docs disabled: no hullctl.1")
    man_text = man.read_text()
    for cmd in commands(schema):
        if cmd.name == "qmp_capabilities":
            continue
        assert re.search(r"^  %s\s" % re.escape(cmd.name), help_text, re.M), cmd.name
        assert ".B " + cmd.name.replace("-", "\\-") in man_text, cmd.name


def test_c_header_declares_every_command_and_event(schema):
    header = (BUILD_ROOT / "clients" / "c" / "hull-client.h").read_text()
    for cmd in commands(schema):
        assert re.search(r"\bbool hull_%s\(HullClient \*client" % c_name(cmd.name), header), \
            cmd.name
    for ev in events(schema):
        assert re.search(r"\bguint hull_on_%s\(HullClient \*client" % c_name(ev.name.lower()),
                         header), ev.name


def test_c_library_exports_every_command_and_event(schema):
    lib = BUILD_ROOT / "clients" / "c" / "libhull-client.so"
    out = subprocess.run(["nm", "-D", "--defined-only", str(lib)], capture_output=True,
                         text=True, check=True).stdout
    symbols = {line.split()[-1] for line in out.splitlines() if line.strip()}
    defined = config_symbols()
    # Definitions under an 'if' this build does not meet are compiled out (-Dkvm=disabled
    # drops query-kvm), as in the server; they must then be absent, not just present.
    for cmd in commands(schema):
        assert (("hull_" + c_name(cmd.name)) in symbols) == built(cmd, defined), cmd.name
    for ev in events(schema):
        assert (("hull_on_" + c_name(ev.name.lower())) in symbols) == built(ev, defined), \
            ev.name
    assert "hull_client_connect" in symbols
