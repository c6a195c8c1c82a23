"""The client runtime against a scripted QMP server, for what a well-behaved hulld never
does: replies out of order, error classes it does not raise today, unknown events, replies
that do not match the schema, broken greetings and connections dropped mid-call."""
import asyncio
import json
import os
import tempfile

import pytest

import hull


class FakeServer:
    """A unix-socket QMP server whose handler(request) returns the messages to send (a list
    of dicts or raw bytes), or None to hold the request for later."""

    def __init__(self, handler, greeting=None):
        self.handler = handler
        self.greeting = greeting if greeting is not None else \
            {"QMP": {"version": {"qemu": {"major": 0, "minor": 1, "micro": 0},
                                 "package": "fake"}, "capabilities": ["oob"]}}
        self.dir = tempfile.mkdtemp(prefix="hf", dir="/tmp")
        self.path = os.path.join(self.dir, "qmp.sock")
        self.held = []
        self.writers = []
        self.requests = []

    async def __aenter__(self):
        self.server = await asyncio.start_unix_server(self.serve, self.path)
        return self

    async def __aexit__(self, *exc):
        for w in self.writers:
            w.close()
        self.server.close()
        await self.server.wait_closed()
        os.unlink(self.path)
        os.rmdir(self.dir)

    def send(self, writer, msgs):
        for m in msgs:
            writer.write(m if isinstance(m, bytes) else (json.dumps(m) + "\r\n").encode())

    async def serve(self, reader, writer):
        self.writers.append(writer)
        self.send(writer, [self.greeting])
        while True:
            line = await reader.readline()
            if not line:
                break
            req = json.loads(line)
            self.requests.append(req)
            if req.get("execute") == "qmp_capabilities":
                self.send(writer, [{"return": {}, "id": req["id"]}])
                continue
            out = self.handler(req)
            if out is None:
                self.held.append(req)
            elif out == "close":
                writer.close()
                return
            else:
                self.send(writer, out)
            await writer.drain()


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


def test_replies_out_of_order_reach_their_calls():
    def handler(req):
        return None  # hold every request; answered below in reverse order

    async def main():
        async with FakeServer(handler) as srv:
            vm = await hull.connect(srv.path)
            calls = [asyncio.ensure_future(vm.query_version()) for _ in range(20)]
            while len(srv.held) < 20:
                await asyncio.sleep(0.01)
            # Each reply carries its request's id as the micro version, so a reply given to
            # the wrong call shows.
            for req in reversed(srv.held):
                srv.send(srv.writers[0], [{"id": req["id"], "return": {
                    "qemu": {"major": 0, "minor": 0, "micro": req["id"]}, "package": "x"}}])
            results = await asyncio.gather(*calls)
            assert [r.qemu.micro for r in results] == [req["id"] for req in srv.held]
            assert len(set(r.qemu.micro for r in results)) == 20
            await vm.close()
    run(main())


@pytest.mark.parametrize("cls_name", ["GenericError", "CommandNotFound", "DeviceNotActive",
                                      "DeviceNotFound", "KVMMissingCap"])
def test_each_error_class_has_its_exception(cls_name):
    def handler(req):
        return [{"id": req["id"], "error": {"class": cls_name, "desc": "it failed"}}]

    async def main():
        async with FakeServer(handler) as srv:
            async with hull.connect(srv.path) as vm:
                with pytest.raises(hull.QMPError) as exc:
                    await vm.query_version()
                assert type(exc.value).__name__ == cls_name
                assert isinstance(exc.value, getattr(hull, cls_name))
                assert exc.value.error_class == cls_name and exc.value.desc == "it failed"
                assert exc.value.command == "query-version"
    run(main())


def test_unknown_error_class_still_raises_qmperror():
    def handler(req):
        return [{"id": req["id"], "error": {"class": "FutureError", "desc": "new"}}]

    async def main():
        async with FakeServer(handler) as srv:
            async with hull.connect(srv.path) as vm:
                with pytest.raises(hull.QMPError) as exc:
                    await vm.query_status()
                assert type(exc.value) is hull.QMPError
                assert exc.value.error_class == "FutureError" and str(exc.value) == "new"
    run(main())


def test_events_unknown_malformed_and_filtered():
    ts = {"seconds": 1700000000, "microseconds": 250000}

    def handler(req):
        return [{"event": "FUTURE_EVENT", "data": {"x": 1}, "timestamp": ts},
                {"event": "SHUTDOWN", "data": {"guest": "not-a-bool"}, "timestamp": ts},
                {"event": "SHUTDOWN", "data": {"guest": True, "reason": "guest-shutdown"},
                 "timestamp": ts},
                {"id": req["id"], "return": {}}]

    async def main():
        async with FakeServer(handler) as srv:
            async with hull.connect(srv.path) as vm:
                every = vm.events()
                shutdown = vm.events("SHUTDOWN")
                await vm.quit()
                first = await every.get(timeout=5)
                assert isinstance(first, hull.UnknownEvent) and first.name == "FUTURE_EVENT"
                assert first.data == {"x": 1} and first.timestamp == 1700000000.25
                # Data that does not match the schema arrives untyped, not as a crash.
                bad = await every.get(timeout=5)
                assert isinstance(bad, hull.UnknownEvent) and bad.name == "SHUTDOWN"
                good = await every.get(timeout=5)
                assert isinstance(good, hull.ShutdownEvent) and good.guest is True
                assert good.reason is hull.ShutdownCause.GUEST_SHUTDOWN
                # The filtered stream saw only SHUTDOWN events.
                names = [(await shutdown.get(timeout=5)).name for _ in range(2)]
                assert names == ["SHUTDOWN", "SHUTDOWN"]
                with pytest.raises(asyncio.TimeoutError):
                    await shutdown.get(timeout=0.1)
    run(main())


def test_slow_subscriber_loses_oldest_events():
    def handler(req):
        return [{"event": "SHUTDOWN", "data": {"guest": False, "reason": "host-signal"},
                 "timestamp": {"seconds": n, "microseconds": 0}} for n in range(10)] + \
               [{"id": req["id"], "return": {}}]

    async def main():
        async with FakeServer(handler) as srv:
            async with hull.connect(srv.path) as vm:
                stream = vm.events(max_queued=3)
                await vm.quit()
                got = [(await stream.get(timeout=5)).timestamp for _ in range(3)]
                assert got == [7.0, 8.0, 9.0] and stream.dropped == 7
    run(main())


def test_result_not_matching_schema_is_a_protocol_error():
    def handler(req):
        return [{"id": req["id"], "return": {"running": "yes", "status": "no-machine"}}]

    async def main():
        async with FakeServer(handler) as srv:
            async with hull.connect(srv.path) as vm:
                with pytest.raises(hull.ProtocolError) as exc:
                    await vm.query_status()
                assert "query-status" in str(exc.value) and "running" in str(exc.value)
    run(main())


def test_unknown_members_and_enum_values_are_tolerated():
    # A newer server may add members and enum values; the client keeps working.
    def handler(req):
        return [{"id": req["id"], "return": {"running": True, "status": "hibernating",
                                             "extra": 1}}]

    async def main():
        async with FakeServer(handler) as srv:
            async with hull.connect(srv.path) as vm:
                st = await vm.query_status()
                assert st.running is True and st.status == "hibernating"
    run(main())


def test_connection_dropped_mid_call():
    def handler(req):
        return "close"

    async def main():
        async with FakeServer(handler) as srv:
            vm = await hull.connect(srv.path)
            stream = vm.events()
            with pytest.raises(hull.ConnectionLost) as exc:
                await vm.query_version()
            assert "query-version" in str(exc.value)
            assert [e async for e in stream] == []
            with pytest.raises(hull.ConnectionLost):
                await vm.query_version()
            await vm.close()
    run(main())


def test_garbage_from_the_server_ends_the_connection():
    def handler(req):
        return [b"this is not json\r\n"]

    async def main():
        async with FakeServer(handler) as srv:
            vm = await hull.connect(srv.path)
            with pytest.raises(hull.ConnectionLost) as exc:
                await vm.query_version()
            assert "undecodable" in str(exc.value)
            await vm.close()
    run(main())


@pytest.mark.parametrize("greeting", [{"hello": 1}, [1, 2]])
def test_bad_greeting(greeting):
    async def main():
        async with FakeServer(lambda req: [], greeting=greeting) as srv:
            with pytest.raises(hull.ProtocolError) as exc:
                await hull.connect(srv.path)
            assert "greeting" in str(exc.value)
    run(main())


def test_oob_negotiation_and_exec_oob():
    def handler(req):
        return [{"id": req["id"], "return": {"running": False, "status": "paused"}}]

    async def main():
        async with FakeServer(handler) as srv:
            async with hull.connect(srv.path, oob=True) as vm:
                await vm.execute("query-status", oob=True)
                assert srv.requests[0] == {"execute": "qmp_capabilities", "id": 1,
                                           "arguments": {"enable": ["oob"]}}
                assert "exec-oob" in srv.requests[1]
            async with hull.connect(srv.path) as vm:
                with pytest.raises(ValueError):
                    await vm.execute("query-status", oob=True)
    run(main())
