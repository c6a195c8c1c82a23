"""hullctl against a live hulld: subcommands from the schema, both argument spellings,
validation before sending, --json, tables, exit statuses, help and man page, watch, and the
interactive shell with readline completion on a pty."""
import json
import os
import re
import subprocess
import time

import pytest

import hull
from ptyrun import PtyProcess


def hullctl(path, *args, sock=None, env=None):
    argv = [path] + (["-s", sock] if sock else []) + list(args)
    full_env = dict(os.environ)
    full_env.pop("HULL_SOCKET", None)
    full_env.update(env or {})
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, env=full_env)


def sent_requests(stderr):
    return [json.loads(line[3:]) for line in stderr.splitlines() if line.startswith("-> ")]


def test_query_prints_readable_text(hullctl_path, hulld):
    r = hullctl(hullctl_path, "query-status", sock=hulld.socket)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["running: false", "status: no-machine"]


def test_json_output(hullctl_path, hulld):
    r = hullctl(hullctl_path, "--json", "query-version", sock=hulld.socket)
    assert r.returncode == 0
    with hull.connect_sync(hulld.socket) as vm:
        assert json.loads(r.stdout) == vm.execute("query-version")


def test_lists_of_objects_print_as_tables(hullctl_path, hulld):
    r = hullctl(hullctl_path, "query-commands", sock=hulld.socket)
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert lines[0] == "NAME"
    with hull.connect_sync(hulld.socket) as vm:
        assert lines[1:] == [c.name for c in vm.query_commands()]


def test_output_into_a_closed_pipe(hullctl_path, hulld):
    r = subprocess.run("'%s' -s '%s' --json query-qmp-schema | head -c 1" % (
        hullctl_path, hulld.socket), shell=True, capture_output=True, text=True, timeout=60)
    assert r.stdout == "[" and r.stderr == ""


def test_socket_from_environment(hullctl_path, hulld):
    r = hullctl(hullctl_path, "query-status", env={"HULL_SOCKET": hulld.socket})
    assert r.returncode == 0 and "no-machine" in r.stdout


@pytest.mark.parametrize("spelling", [["--fdset-id", "3", "--opaque", "a b"],
                                      ["--fdset-id=3", "opaque=a b"],
                                      ["fdset-id=0x3", "--opaque", "a b"],
                                      ["fdset_id=3", "opaque=a b"]])
def test_argument_spellings(hullctl_path, hulld, spelling):
    r = hullctl(hullctl_path, "-v", "add-fd", *spelling, sock=hulld.socket)
    # hulld refuses add-fd without a descriptor: a QMP error, exit status 1, after the
    # arguments reached it in the schema's form.
    assert r.returncode == 1
    assert "hullctl: " in r.stderr and "descriptor" in r.stderr
    assert sent_requests(r.stderr)[-1] == {"execute": "add-fd",
                                           "arguments": {"fdset-id": 3, "opaque": "a b"}}


def test_list_of_enum_argument(hullctl_mod, hullctl_path, hulld):
    meta = hull.COMMANDS["qmp_capabilities"]
    assert hullctl_mod.build_arguments(meta, ["enable=oob"]) == {"enable": ["oob"]}
    assert hullctl_mod.build_arguments(meta, ['enable=["oob"]']) == {"enable": ["oob"]}
    assert hullctl_mod.build_arguments(meta, ["enable.0=oob"]) == {"enable": ["oob"]}
    with pytest.raises(hull.ValidationError) as exc:
        hullctl_mod.build_arguments(meta, ["enable=warp"])
    assert exc.value.path == "enable[0]" and "oob" in str(exc.value)
    # hullctl negotiates itself; sending it is refused as a usage error.
    r = hullctl(hullctl_path, "qmp_capabilities", sock=hulld.socket)
    assert r.returncode == 2 and "negotiates capabilities itself" in r.stderr


@pytest.mark.parametrize("args,message", [
    (["closefd"], "fdname: member is missing"),
    (["closefd", "fdname=a", "colour=red"], "colour: unexpected member"),
    (["add-fd", "fdset-id=three"], "fdset-id: expected an integer"),
    (["add-fd", "fdset-id=99999999999999999999999"], "out of range"),
    (["closefd", "fdname=a", "fdname=b"], "fdname"),
    (["closefd", "fdname.x=1"], "fdname: str is not an object"),
    (["closefd", "stray"], "unexpected argument 'stray'"),
    (["no-such-command"], "unknown command 'no-such-command'"),
    (["--bogus-option"], "unknown option"),
    ([], "no command given"),
    (["watch", "NO_SUCH_EVENT"], "unknown event 'NO_SUCH_EVENT'"),
])
def test_invalid_arguments_exit_2_before_connecting(hullctl_path, workdir, args, message):
    # The socket does not exist: reaching it would exit 3, so 2 proves nothing was sent.
    r = hullctl(hullctl_path, *args, sock=os.path.join(workdir, "absent.sock"))
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert message in r.stderr


def test_qmp_error_exits_1_with_its_text(hullctl_path, hulld):
    r = hullctl(hullctl_path, "closefd", "fdname=ghost", sock=hulld.socket)
    assert r.returncode == 1
    assert r.stderr.strip() == "hullctl: File descriptor named 'ghost' not found"
    assert r.stdout == ""


def test_unreachable_socket_exits_3(hullctl_path, workdir):
    r = hullctl(hullctl_path, "query-status", sock=os.path.join(workdir, "absent.sock"))
    assert r.returncode == 3 and "cannot connect" in r.stderr
    r = hullctl(hullctl_path, "query-status")
    assert r.returncode == 2 and "no QMP socket given" in r.stderr or r.returncode == 0


def test_verbose_shows_each_qmp_step(hullctl_path, hulld):
    r = hullctl(hullctl_path, "-v", "query-status", sock=hulld.socket)
    assert r.returncode == 0
    lines = r.stderr.splitlines()
    assert lines[0] == '-> {"execute": "qmp_capabilities"}'
    assert '-> {"execute": "query-status"}' in lines
    assert any(ln.startswith("<- ") and "no-machine" in ln for ln in lines)


def test_every_command_has_help(hullctl_path):
    for name, meta in hull.COMMANDS.items():
        r = hullctl(hullctl_path, name, "--help")
        assert r.returncode == 0, name
        assert r.stdout.startswith("usage: hullctl %s" % name)
        for m in meta.members:
            assert "  %s=" % m.name in r.stdout, (name, m.name)


def test_help_version_and_man_page(hullctl_path):
    r = hullctl(hullctl_path, "--help")
    assert r.returncode == 0 and "Exit status" in r.stdout
    r = hullctl(hullctl_path, "help", "add-fd")
    assert "fdset-id=int" in r.stdout and "phases:" in r.stdout
    r = hullctl(hullctl_path, "--version")
    assert r.stdout.strip() == "hullctl " + hull.__version__
    r = hullctl(hullctl_path, "--man-page")
    assert r.stdout.startswith(".TH HULLCTL 1")
    assert ".SH EXIT STATUS" in r.stdout


def test_nested_members_validated_against_the_schema(hullctl_mod):
    conv = hullctl_mod.convert
    tree = hullctl_mod.split_args(["qemu.major=1", "--qemu.minor", "2", "qemu.micro=0x3",
                                   "package=p"], [])
    assert conv(tree, "VersionInfo", "") == {"qemu": {"major": 1, "minor": 2, "micro": 3},
                                             "package": "p"}
    with pytest.raises(hull.ValidationError) as exc:
        conv(hullctl_mod.split_args(["qemu.majr=1"], []), "VersionInfo", "")
    assert exc.value.path == "qemu.majr" and "major" in str(exc.value)
    with pytest.raises(hull.ValidationError) as exc:
        conv(hullctl_mod.split_args(["qemu.major=x"], []), "VersionInfo", "")
    assert exc.value.path == "qemu.major"
    # A union's branch members are known from its tag.
    value = conv(hullctl_mod.split_args(["meta-type=enum", "name=E", "values.0=a",
                                         "values.1=b", "members=[]"], []), "SchemaInfo", "")
    assert value["values"] == ["a", "b"]
    assert hull.SchemaInfo.from_json(value).values == ["a", "b"]
    # Sizes take suffixes.
    assert hullctl_mod.parse_int("256M", "m") == 256 << 20


def test_watch_prints_events(hullctl_path, hulld):
    watch = subprocess.Popen([hullctl_path, "-s", hulld.socket, "--json", "watch",
                              "SHUTDOWN"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    try:
        assert "watching SHUTDOWN" in watch.stderr.readline()
        assert hullctl(hullctl_path, "quit", sock=hulld.socket).returncode == 0
        line = watch.stdout.readline()
        ev = json.loads(line)
        assert ev["event"] == "SHUTDOWN"
        assert ev["data"] == {"guest": False, "reason": "host-qmp-quit"}
        assert abs(ev["timestamp"]["seconds"] - time.time()) < 30
        assert watch.wait(10) == 0
    finally:
        if watch.poll() is None:
            watch.kill()
        watch.wait()


def test_watch_text_format(hullctl_path, hulld):
    watch = subprocess.Popen([hullctl_path, "-s", hulld.socket, "watch"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "all events" in watch.stderr.readline()
        hullctl(hullctl_path, "quit", sock=hulld.socket)
        words = watch.stdout.readline().split()
        assert words[1:] == ["SHUTDOWN", "guest=false", "reason=host-qmp-quit"]
        assert watch.wait(10) == 0
    finally:
        if watch.poll() is None:
            watch.kill()
        watch.wait()


def enum_member_of_some_command(hullctl_mod):
    """(command, member, value, unique prefix of value) for the first command of the schema
    with an enum-typed member (nested ones count), or None."""
    for name, meta in hull.COMMANDS.items():
        if name in ("quit", "qmp_capabilities"):
            continue
        for member, hint, _, _ in hullctl_mod.member_lines(hullctl_mod.command_members(meta)):
            values = hint.split("|")
            if len(values) < 2:
                continue
            for value in values:
                for n in range(1, len(value)):
                    if [v for v in values if v.startswith(value[:n])] == [value]:
                        return name, member, value, value[:n]
    return None


def test_shell_with_completion(hullctl_path, hullctl_mod, hulld, workdir):
    history = os.path.join(workdir, "history")
    sh = PtyProcess([hullctl_path, "-s", hulld.socket, "shell"],
                    env={"HULLCTL_HISTORY": history, "INPUTRC": "/dev/null"})
    try:
        sh.expect(r"\(hull\) ")
        # Tab completes the command name (unique prefix), then runs it.
        sh.send("query-sta\t\r")
        sh.expect("status: no-machine")
        sh.expect(r"\(hull\) ")
        # Member names complete too.
        sh.send("closefd fdn\tghost\r")
        sh.expect(r"error \(GenericError\): File descriptor named 'ghost' not found")
        sh.expect(r"\(hull\) ")
        sh.send("closefd colour=red\r")
        sh.expect("colour: unexpected member")
        sh.expect(r"\(hull\) ")
        # Enum values complete after member=.
        found = enum_member_of_some_command(hullctl_mod)
        if found:
            cmd, member, value, prefix = found
            sh.send("%s %s=%s\t\r" % (cmd, member, prefix))
            sh.expect(re.escape("%s=%s " % (member, value)))
            sh.expect(r"\(hull\) ")
        sh.send('{"execute": "query-status"}\r')
        sh.expect(r'\{"running": false, "status": "no-machine"\}')
        sh.expect(r"\(hull\) ")
        sh.send("quit\r")
        # Events show before a prompt: on a slow machine the event may come after the
        # first one, then an empty line brings it.
        for _ in range(10):
            try:
                sh.expect("event: .* SHUTDOWN guest=false reason=host-qmp-quit", timeout=1)
                break
            except AssertionError:
                sh.send("\r")
        else:
            raise AssertionError("no SHUTDOWN event in the shell: " + sh.output.decode())
        # Keys typed before readline owns the terminal could be lost: wait for its prompt.
        sh.expect(r"\(hull\) ")
        sh.send(b"\x04")
        assert sh.wait(10) == 0
        with open(history) as f:
            assert "closefd fdname=ghost" in f.read()
    finally:
        sh.close()


def need_commands(sock, *names):
    with hull.connect_sync(sock) as vm:
        served = {c.name for c in vm.query_commands()}
        boards = {m.name for m in vm.query_machines()} if "query-machines" in served else set()
    missing = set(names) - served
    if missing:
        pytest.skip("hulld lacks %s" % ", ".join(sorted(missing)))
    return boards


def test_boot(hullctl_path, hulld):
    boards = need_commands(hulld.socket, "machine-create", "machine-start")
    if "test" not in boards:
        pytest.skip("no 'test' board in this hulld")
    r = hullctl(hullctl_path, "-v", "boot", "type=test", "--memory", "16M",
                sock=hulld.socket)
    assert r.returncode == 0, r.stderr
    assert [(q["execute"], q.get("arguments")) for q in sent_requests(r.stderr)] == [
        ("qmp_capabilities", None),
        ("machine-create", {"type": "test", "memory": 16 << 20}), ("machine-start", None)]
    # Only the steps are traced, not the capability check's long reply.
    assert '"name": "query-version"' not in r.stderr
    with hull.connect_sync(hulld.socket) as vm:
        assert vm.query_status().status == "running"
    # A second boot fails in hulld (a machine exists): exit 1 with its text, nothing else.
    r = hullctl(hullctl_path, "boot", "type=test", sock=hulld.socket)
    assert r.returncode == 1 and r.stderr.startswith("hullctl: ")


def test_boot_no_start_and_bad_arguments(hullctl_path, hulld, workdir):
    boards = need_commands(hulld.socket, "machine-create", "machine-start")
    r = hullctl(hullctl_path, "boot", "type=test", "cpus=many",
                sock=os.path.join(workdir, "absent.sock"))
    assert r.returncode == 2 and "cpus" in r.stderr
    r = hullctl(hullctl_path, "boot", "colour=red", sock=os.path.join(workdir, "absent.sock"))
    assert r.returncode == 2 and "colour: unexpected member" in r.stderr
    if "test" not in boards:
        pytest.skip("no 'test' board in this hulld")
    r = hullctl(hullctl_path, "boot", "type=test", "--no-start", sock=hulld.socket)
    assert r.returncode == 0, r.stderr
    with hull.connect_sync(hulld.socket) as vm:
        assert vm.query_status().status == "configuring"


def test_boot_with_chardev(hullctl_path, hulld):
    boards = need_commands(hulld.socket, "machine-create", "machine-start", "chardev-add",
                           "query-chardev")
    if "test" not in boards:
        pytest.skip("no 'test' board in this hulld")
    r = hullctl(hullctl_path, "-v", "boot", "type=test", "--chardev", "serial0",
                sock=hulld.socket)
    assert r.returncode == 0, r.stderr
    steps = [q["execute"] for q in sent_requests(r.stderr)]
    assert "chardev-add" in steps and steps[-1] == "machine-start"
    assert "attach with: hullctl console serial0" in r.stderr
    with hull.connect_sync(hulld.socket) as vm:
        assert "serial0" in [c["label"] for c in vm.execute("query-chardev")]


def test_members_beyond_the_schema(hullctl_path, hulld):
    need_commands(hulld.socket, "device_add", "chardev-add", "machine-create")
    assert hullctl(hullctl_path, "chardev-add", "id=con0", "backend.type=ringbuf",
                   sock=hulld.socket).returncode == 0
    assert hullctl(hullctl_path, "machine-create", "type=test",
                   sock=hulld.socket).returncode == 0
    r = hullctl(hullctl_path, "-v", "device_add", "driver=test-device", "id=dev0",
                "chardev=con0", sock=hulld.socket)
    assert r.returncode == 0, r.stderr
    assert sent_requests(r.stderr)[-1]["arguments"] == {
        "driver": "test-device", "id": "dev0", "chardev": "con0"}
    r = hullctl(hullctl_path, "device_add", "driver=test-device", "id=dev1", "nope=1",
                sock=hulld.socket)
    assert r.returncode == 1 and "nope" in r.stderr
    r = hullctl(hullctl_path, "device_add", "--help")
    assert "NAME=VALUE" in r.stdout
