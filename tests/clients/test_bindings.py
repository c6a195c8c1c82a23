"""The generated asyncio bindings (and their sync wrapper) against a live hulld: typed
results, error classes, events, pipelining, descriptor passing, connection loss and
reconnection, and every command of the schema that this hulld implements."""
import asyncio
import os
import time

import pytest

import hull
from hull import types as rt


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


# --- every command -----------------------------------------------------------------------

def sample(ref, depth=0):
    """A value of schema type ref with every required member filled in, so that any
    command can be called through its binding whatever the schema grows to hold."""
    if isinstance(ref, list):
        return []
    if isinstance(ref, str):
        if ref in rt.INT_RANGES:
            return 0
        return {"str": "hull-test", "number": 0.0, "bool": False, "null": None,
                "any": {}}.get(ref) if ref in rt.BUILTINS else sample(hull.TYPES[ref], depth)
    if issubclass(ref, rt.QAPIEnum):
        return list(ref)[0]
    if issubclass(ref, rt.Alternate):
        return sample(ref._qapi_branches[0][1], depth)
    cls = ref
    if issubclass(ref, rt.Union) and ref._qapi_variants:
        cls = hull.TYPES[next(iter(ref._qapi_variants.values()))]
    out = {}
    for m in cls._qapi_members:
        if cls._qapi_tag is not None and m.name == cls._qapi_tag.name and \
                cls._qapi_tag_value is not None:
            out[m.name] = cls._qapi_tag_value
        elif not m.optional and depth < 8:
            out[m.name] = sample(m.type, depth + 1)
    return out


async def call_every_command(vm, served):
    """Calls each served command but quit through its binding; returns name -> outcome."""
    outcome = {}
    for name, meta in hull.COMMANDS.items():
        if name not in served or name in ("quit", "qmp_capabilities"):
            continue
        method = getattr(vm, meta.method)
        if meta.boxed:
            args, kwargs = [sample(meta.boxed)], {}
        else:
            args = []
            kwargs = {m.py_name: sample(m.type) for m in meta.members if not m.optional}
        try:
            ret = await method(*args, **kwargs)
        except hull.QMPError as err:
            assert err.command == name and err.desc
            outcome[name] = err.error_class
            continue
        if meta.returns is None:
            assert ret is None
        else:
            assert ret is not None
        outcome[name] = "ok"
    return outcome


def test_every_implemented_command_through_its_binding(start_hulld, workdir, monkeypatch):
    """Each command hulld implements, called through its generated method with schema-valid
    arguments, in each phase a machine of the 'test' board reaches: the reply is a result
    that parses into the schema's type or a QMP error; never a protocol mismatch, never a
    dead daemon."""
    # Sample strings may be taken as relative paths (a file chardev's output, say): hulld
    # runs in the test's private directory so that nothing lands elsewhere.
    monkeypatch.chdir(workdir)
    hulld = start_hulld()

    async def main():
        async with hull.connect(hulld.socket) as vm:
            served = {c.name for c in await vm.query_commands()}
            outcome = await call_every_command(vm, served)
            assert outcome["query-version"] == "ok"
            assert set(outcome) == served - {"quit", "qmp_capabilities"}
            boards = [m.name for m in await vm.query_machines()] \
                if "query-machines" in served else []
            if "test" in boards:
                for phase in ("configuring", "running"):
                    if (await vm.query_status()).status != "no-machine":
                        await vm.machine_destroy()
                    await vm.machine_create(type="test")
                    if phase == "running":
                        await vm.machine_start()
                    assert (await vm.query_status()).status == phase
                    outcome = await call_every_command(vm, served)
                    assert outcome["query-status"] == "ok"
                    if "query-cpus-fast" in outcome:
                        assert outcome["query-cpus-fast"] == "ok"
        assert hulld.alive()
        # qmp_capabilities again is refused: negotiation happened at connect.
        async with hull.connect(hulld.socket) as vm:
            with pytest.raises(hull.CommandNotFound):
                await vm.qmp_capabilities()
    run(main())


def test_machine_events_typed_and_filtered(hulld):
    async def main():
        async with hull.connect(hulld.socket) as vm:
            served = {c.name for c in await vm.query_commands()}
            if not {"machine-create", "machine-start", "stop", "cont"} <= served:
                pytest.skip("hulld lacks the machine lifecycle commands")
            if "test" not in [m.name for m in await vm.query_machines()]:
                pytest.skip("no 'test' board in this hulld")
            stops = vm.events("STOP")
            phases = vm.events(hull.MachinePhaseEvent)
            everything = vm.events()
            await vm.machine_create(type="test")
            await vm.machine_start()
            await vm.stop()
            await vm.cont()
            await vm.stop()
            # The filtered stream holds exactly the STOP events, typed.
            got = [await stops.get(timeout=10) for _ in range(2)]
            assert all(isinstance(e, hull.StopEvent) and e.name == "STOP" for e in got)
            # Phase changes chain: each event's previous is the last one's phase.
            seen = []
            while not seen or seen[-1].phase != "paused" or len(seen) < 4:
                ev = await phases.get(timeout=10)
                assert isinstance(ev, hull.MachinePhaseEvent)
                assert isinstance(ev.phase, hull.MachinePhase)
                seen.append(ev)
            assert seen[0].previous == "no-machine" and seen[0].phase == "configuring"
            for before, after in zip(seen, seen[1:]):
                assert after.previous == before.phase
            assert "running" in [e.phase for e in seen]
            # The unfiltered stream saw all of them, in the server's order.
            names = []
            while len([n for n in names if n == "STOP"]) < 2:
                names.append((await everything.get(timeout=10)).name)
            assert "RESUME" in names and "MACHINE_PHASE" in names
            assert names.index("STOP") < len(names) - 1 - names[::-1].index("RESUME")
            with pytest.raises(asyncio.TimeoutError):
                await stops.get(timeout=0.2)
    run(main())


def test_served_commands_are_the_schema_commands(hulld):
    async def main():
        async with hull.connect(hulld.socket) as vm:
            served = {c.name for c in await vm.query_commands()}
        # Everything hulld serves has a binding; schema commands behind an 'if' may be
        # absent from this build.
        assert served <= set(hull.COMMANDS)
        unconditional = {n for n, m in hull.COMMANDS.items() if m.ifcond is None}
        assert unconditional <= served
    run(main())


# --- typed results ------------------------------------------------------------------------

def test_typed_results(hulld):
    async def main():
        async with hull.connect(hulld.socket) as vm:
            assert vm.greeting["version"]["package"].startswith("hull")
            v = await vm.query_version()
            assert isinstance(v, hull.VersionInfo) and isinstance(v.qemu, hull.VersionTriple)
            assert v.package == "hull %d.%d.%d" % (v.qemu.major, v.qemu.minor, v.qemu.micro)
            assert v.package.split()[1] == hull.__version__
            st = await vm.query_status()
            assert isinstance(st, hull.StatusInfo)
            assert st.status is hull.MachinePhase.NO_MACHINE and st.status == "no-machine"
            assert st.running is False
            info = await vm.query_qmp_schema()
            # A union: each entry is the branch class of its meta-type.
            cmds = [i for i in info if isinstance(i, hull.SchemaInfo_command)]
            assert {c.name for c in cmds} == {c.name for c in await vm.query_commands()}
            assert all(i.meta_type == "command" for i in cmds)
            enums = [i for i in info if isinstance(i, hull.SchemaInfo_enum)]
            assert any("no-machine" in e.values for e in enums)
            # to_json gives back the wire form.
            assert v.to_json() == await vm.execute("query-version")
    run(main())


# --- errors -------------------------------------------------------------------------------

def test_error_classes(hulld):
    async def main():
        async with hull.connect(hulld.socket) as vm:
            with pytest.raises(hull.GenericError) as exc:
                await vm.closefd(fdname="nothing-here")
            assert exc.value.error_class == "GenericError"
            assert "nothing-here" in exc.value.desc and exc.value.command == "closefd"
            assert isinstance(exc.value, hull.QMPError)
            with pytest.raises(hull.CommandNotFound) as exc:
                await vm.execute("no-such-command")
            assert "no-such-command" in exc.value.desc
            # The server's own argument checking surfaces as GenericError.
            with pytest.raises(hull.GenericError):
                await vm.execute("closefd", {"fdname": 5})
            # The connection is still good.
            assert (await vm.query_version()).package
    run(main())


def test_arguments_validated_before_sending(hulld):
    async def main():
        async with hull.connect(hulld.socket) as vm:
            sent_before = vm._next_id
            with pytest.raises(hull.ValidationError) as exc:
                await vm.closefd(fdname=5)
            assert exc.value.path == "fdname"
            with pytest.raises(hull.ValidationError) as exc:
                await vm.add_fd(fdset_id="three")
            assert exc.value.path == "fdset-id"
            with pytest.raises(hull.ValidationError) as exc:
                await vm.add_fd(fdset_id=1 << 70)
            assert "out of range" in str(exc.value)
            with pytest.raises(hull.ValidationError) as exc:
                await vm.qmp_capabilities(enable=["warp-drive"])
            assert exc.value.path == "enable[0]" and "oob" in str(exc.value)
            with pytest.raises(TypeError):
                await vm.closefd()  # a required member is a required keyword
            assert vm._next_id == sent_before, "an invalid call reached the wire"
    run(main())


# --- events -------------------------------------------------------------------------------

def test_event_stream_typed_and_filtered(hulld):
    async def main():
        vm = await hull.connect(hulld.socket)
        everything = vm.events()
        only_shutdown = vm.events(hull.ShutdownEvent)
        others = [n for n in hull.EVENTS if n != "SHUTDOWN"]
        not_shutdown = vm.events(*others) if others else None
        with pytest.raises(ValueError):
            vm.events("NO_SUCH_EVENT")
        before = time.time()
        await vm.quit()
        ev = await only_shutdown.get(timeout=10)
        assert isinstance(ev, hull.ShutdownEvent) and ev.name == "SHUTDOWN"
        assert ev.reason is hull.ShutdownCause.HOST_QMP_QUIT and ev.guest is False
        assert before - 5 <= ev.timestamp <= time.time() + 5
        assert (await everything.get(timeout=10)).name == "SHUTDOWN"
        # hulld exits after the event: every stream ends, the filtered-out one empty.
        assert [e async for e in only_shutdown] == []
        if not_shutdown is not None:
            assert [e async for e in not_shutdown] == []
        await vm.wait_closed()
        assert not vm.connected
        with pytest.raises(hull.ConnectionLost):
            await vm.query_status()
        await vm.close()
    run(main())
    assert hulld.wait(10) == 0


# --- pipelining ---------------------------------------------------------------------------

def test_pipelining_1000_calls(hulld):
    """1000 requests in flight at once, errors interleaved with results: every reply
    reaches the call it answers."""
    async def main():
        async with hull.connect(hulld.socket) as vm:
            calls = []
            for i in range(1000):
                if i % 3 == 0:
                    calls.append(vm.closefd(fdname="fd%d" % i))
                elif i % 3 == 1:
                    calls.append(vm.query_version())
                else:
                    calls.append(vm.query_status())
            results = await asyncio.gather(*calls, return_exceptions=True)
            for i, r in enumerate(results):
                if i % 3 == 0:
                    assert isinstance(r, hull.GenericError) and "'fd%d'" % i in r.desc, r
                elif i % 3 == 1:
                    assert isinstance(r, hull.VersionInfo), r
                else:
                    assert isinstance(r, hull.StatusInfo), r
            assert not vm._pending
    run(main())


# --- descriptors --------------------------------------------------------------------------

def test_fd_passing(hulld):
    async def main():
        async with hull.connect(hulld.socket) as vm:
            r, w = os.pipe()
            try:
                await vm.with_fds([r]).getfd(fdname="pipe0")
                await vm.closefd(fdname="pipe0")
                with pytest.raises(hull.GenericError):
                    await vm.closefd(fdname="pipe0")
                info = await vm.with_fds([w]).add_fd(fdset_id=7, opaque="writer")
                assert isinstance(info, hull.AddfdInfo) and info.fdset_id == 7
                sets = await vm.query_fdsets()
                assert [(s.fdset_id, [f.opaque for f in s.fds]) for s in sets] == \
                    [(7, ["writer"])]
                await vm.remove_fd(fdset_id=7)
                assert await vm.query_fdsets() == []
            finally:
                os.close(r)
                os.close(w)
    run(main())


# --- connection loss and reconnection ------------------------------------------------------

def test_reconnect_after_hulld_restarts(start_hulld, workdir):
    first = start_hulld()

    async def main():
        vm = await hull.connect(first.socket)
        stream = vm.events()
        assert (await vm.query_status()).status == "no-machine"
        first.stop()
        # The stream ends and calls fail clearly once the old daemon is gone.
        assert [e.name async for e in stream] in ([], ["SHUTDOWN"])
        with pytest.raises(hull.ConnectionLost) as exc:
            await vm.query_status()
        assert first.socket in str(exc.value)
        # A new hulld on the same socket path, as systemd would restart it.
        loop = asyncio.get_running_loop()
        second = await loop.run_in_executor(None, start_hulld)
        assert second.socket == first.socket
        await vm.reconnect(retry=10)
        assert vm.connected
        assert (await vm.query_version()).package.startswith("hull")
        await vm.close()
        second.stop()
    run(main())


def test_connect_errors(workdir):
    async def main():
        with pytest.raises(hull.ConnectionLost) as exc:
            await hull.connect(os.path.join(workdir, "absent.sock"))
        assert "absent.sock" in str(exc.value)
        start = time.monotonic()
        with pytest.raises(hull.ConnectionLost):
            await hull.connect(os.path.join(workdir, "absent.sock"), retry=0.3)
        assert time.monotonic() - start >= 0.3
    run(main())


def test_retry_waits_for_hulld(start_hulld, workdir):
    """connect(retry=...) keeps trying while hulld is still starting."""
    sock = os.path.join(workdir, "late", "qmp.sock")

    async def main():
        task = asyncio.ensure_future(hull.connect(sock, retry=20))
        await asyncio.sleep(0.3)
        assert not task.done()
        h = await asyncio.get_running_loop().run_in_executor(
            None, lambda: start_hulld(subdir="late"))
        vm = await task
        assert (await vm.query_status()).running is False
        await vm.close()
        h.stop()
    run(main())


# --- the synchronous wrapper --------------------------------------------------------------

def test_sync_client(hulld):
    with hull.connect_sync(hulld.socket) as vm:
        assert vm.query_version().package.startswith("hull")
        assert vm.query_status().status is hull.MachinePhase.NO_MACHINE
        with pytest.raises(hull.GenericError):
            vm.closefd(fdname="none")
        assert vm.call("query-status").running is False
        assert vm.execute("query-status") == {"running": False, "status": "no-machine"}
        events = vm.events("SHUTDOWN")
        with pytest.raises((TimeoutError, asyncio.TimeoutError)):
            events.get(timeout=0.1)
        vm.quit()
        ev = events.get(timeout=10)
        assert ev.reason == "host-qmp-quit"
        vm.wait_closed(10)
        assert not vm.connected
        with pytest.raises(hull.ConnectionLost):
            vm.query_status()
    assert "Returns the version" in hull.SyncClient.query_version.__doc__


def test_members_beyond_the_schema(hulld):
    """A 'gen': false command with arguments (device_add) passes further members as given;
    other commands refuse unknown members before sending."""
    open_cmds = [n for n, m in hull.COMMANDS.items() if m.extra_args]
    assert all(not m.extra_args for n, m in hull.COMMANDS.items() if n not in open_cmds)
    with hull.connect_sync(hulld.socket) as vm:
        served = {c.name for c in vm.query_commands()}
        with pytest.raises(hull.ValidationError) as exc:
            vm.call("closefd", fdname="x", colour="red")
        assert exc.value.path == "colour"
        # Python member names work in call() too.
        with pytest.raises(hull.GenericError):
            vm.call("add-fd", fdset_id=3)
        if not {"device_add", "chardev-add", "machine-create", "qom-get"} <= served:
            pytest.skip("hulld lacks device_add and what it needs")
        vm.chardev_add(id="con0", backend={"type": "ringbuf", "data": {}})
        vm.machine_create(type="test")
        with pytest.raises(hull.GenericError) as exc:
            vm.device_add(driver="test-device", id="dev0", nope=1)
        assert "nope" in exc.value.desc
        vm.device_add(driver="test-device", id="dev0", chardev="con0")
        assert vm.qom_get(path="/machine/peripheral/dev0", property="chardev") == \
            "/chardevs/con0"


def free_tcp_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_tcp(start_hulld, hullctl_path):
    """tcp:HOST:PORT reaches a hulld started with --tcp; descriptors cannot go that way."""
    port = free_tcp_port()
    h = start_hulld("--tcp", "127.0.0.1:%d" % port)
    address = "tcp:127.0.0.1:%d" % port

    async def main():
        async with hull.connect(address, retry=5) as vm:
            assert (await vm.query_status()).status == "no-machine"
            with pytest.raises(ValueError):
                await vm.with_fds([0]).getfd(fdname="x")
            assert (await vm.query_version()).package.startswith("hull")
        with pytest.raises(hull.ConnectionLost):
            await hull.connect("tcp:127.0.0.1:notaport")
    run(main())
    import subprocess
    r = subprocess.run([hullctl_path, "-s", address, "query-status"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0 and "no-machine" in r.stdout
    assert h.alive()
