# The QMP connection of the asyncio client: greeting and capabilities negotiation, request
# ids with any number of outstanding requests, typed results and errors, event streams,
# descriptor passing (SCM_RIGHTS), connection loss and reconnection.

import array
import asyncio
import errno
import json
import logging
import os
import socket
import time

from . import types as _rt
from .errors import ConnectionLost, ProtocolError, ValidationError, qmp_error

log = logging.getLogger("hull")

# A reply larger than this is not QMP from hulld (its own output limit is 16 MiB).
MAX_MESSAGE = 256 << 20
_END = object()


class EventStream:
    """Events as they arrive, optionally only some names: `async for ev in stream`.

    The stream subscribes when it is created, so no event sent after that is missed. It
    ends (StopAsyncIteration) when the connection closes. A subscriber that does not keep
    up loses the oldest events beyond max_queued; `dropped` counts them.
    """

    def __init__(self, client, names, max_queued=1000):
        self._client = client
        self.names = frozenset(names) if names else None
        self._queue = asyncio.Queue()
        self._max = max_queued
        self.dropped = 0
        self.closed = False
        client._streams.add(self)
        if not client.connected:
            self._end()

    def _put(self, ev):
        if self.names is not None and ev.name not in self.names:
            return
        if self._queue.qsize() >= self._max:
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(ev)

    def _end(self):
        self._queue.put_nowait(_END)

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self.closed:
            raise StopAsyncIteration
        item = await self._queue.get()
        if item is _END:
            self.closed = True
            self._client._streams.discard(self)
            raise StopAsyncIteration
        return item

    async def get(self, timeout=None):
        """The next event; asyncio.TimeoutError after timeout seconds, ConnectionLost when
        the connection closed."""
        try:
            return await asyncio.wait_for(self.__anext__(), timeout)
        except StopAsyncIteration:
            raise ConnectionLost("the connection closed") from None

    def close(self):
        self.closed = True
        self._client._streams.discard(self)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        self.close()


class ClientBase:
    """A QMP client connection; hull.Client adds one coroutine per command of the schema.

    Created by hull.connect(). Not thread-safe: use it from the event loop it was created
    in. Every request carries an id, so any number of them may be outstanding
    (asyncio.gather works); replies are matched by id.
    """

    # Filled by hull.Client from the generated module.
    _qapi_commands = {}
    _qapi_events = {}
    _qapi_types = {}
    _with_fds_class = None

    def __init__(self):
        self.path = None
        self.greeting = None
        self.capabilities = ()
        self._sock = None
        self._reader = None
        self._pending = {}
        self._streams = set()
        self._next_id = 0
        self._write_lock = None
        self._lost_reason = "not connected"

    # --- connecting -----------------------------------------------------------------

    @classmethod
    async def connect(cls, path, *, oob=False, retry=0.0):
        """Connects to the QMP socket at path (a unix socket, or tcp:HOST:PORT for
        hulld --tcp), reads the greeting and negotiates
        capabilities (oob=True enables out-of-band execution). With retry > 0, keeps
        trying for that many seconds while the socket is absent or refuses connections
        (hulld still starting)."""
        client = cls()
        await client._open(path, oob, retry)
        return client

    async def _open(self, path, oob, retry):
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + retry
        while True:
            family, address = socket.AF_UNIX, path
            if path.startswith("tcp:"):
                # tcp:HOST:PORT (hulld --tcp); [::1]:PORT for IPv6 literals.
                host, _, port = path[4:].rpartition(":")
                try:
                    infos = await loop.getaddrinfo(host.strip("[]"), int(port),
                                                   type=socket.SOCK_STREAM)
                except (ValueError, OSError) as err:
                    raise ConnectionLost("cannot connect to %s: %s" % (path, err)) from err
                family, _, _, _, address = infos[0]
            sock = socket.socket(family, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
            sock.setblocking(False)
            try:
                await loop.sock_connect(sock, address)
                break
            except (FileNotFoundError, ConnectionRefusedError) as err:
                sock.close()
                if time.monotonic() >= deadline:
                    raise ConnectionLost("cannot connect to %s: %s" % (path, err.strerror)) \
                        from err
                await asyncio.sleep(0.05)
            except OSError as err:
                sock.close()
                raise ConnectionLost("cannot connect to %s: %s" % (path, err.strerror)) \
                    from err
        self.path = path
        self._sock = sock
        self._buf = bytearray()
        self._scan = 0
        self._write_lock = asyncio.Lock()
        self._lost_reason = None
        try:
            greeting = await self._recv()
            if not isinstance(greeting, dict) or not isinstance(greeting.get("QMP"), dict):
                raise ProtocolError("%s did not send a QMP greeting: %r" % (path, greeting))
            self.greeting = greeting["QMP"]
            offered = self.greeting.get("capabilities", [])
            if oob and "oob" not in offered:
                raise ProtocolError("the server does not offer out-of-band execution")
            self._reader = asyncio.ensure_future(self._read_loop())
            args = {"enable": ["oob"]} if oob else None
            await self.execute("qmp_capabilities", args)
            self.capabilities = ("oob",) if oob else ()
        except BaseException:
            self._lose("negotiation failed")
            raise

    async def reconnect(self, *, oob=None, retry=10.0):
        """Opens a new connection to the same socket (after hulld restarted, say). Calls
        still pending on the old one have already failed with ConnectionLost; event streams
        of the old connection have ended."""
        if self.connected:
            await self.close()
        if oob is None:
            oob = "oob" in self.capabilities
        await self._open(self.path, oob, retry)

    @property
    def connected(self):
        return self._lost_reason is None

    async def close(self):
        """Closes the connection; pending calls fail with ConnectionLost."""
        self._lose("closed by the client")
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except (asyncio.CancelledError, Exception):
                pass
            self._reader = None

    async def wait_closed(self):
        """Waits until the server closes the connection (after 'quit', say)."""
        if self._reader is not None:
            try:
                await asyncio.shield(self._reader)
            except (asyncio.CancelledError, Exception):
                pass

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()

    # --- wire -----------------------------------------------------------------------

    async def _recv(self):
        """The next message, decoded; None at end of stream."""
        loop = asyncio.get_running_loop()
        while True:
            idx = self._buf.find(b"\n", self._scan)
            if idx >= 0:
                line = bytes(self._buf[:idx])
                del self._buf[:idx + 1]
                self._scan = 0
                if not line.strip():
                    continue
                try:
                    return json.loads(line)
                except ValueError as err:
                    raise ProtocolError("undecodable message from the server: %s" % err) \
                        from None
            self._scan = len(self._buf)
            if len(self._buf) > MAX_MESSAGE:
                raise ProtocolError("message from the server exceeds %d bytes" % MAX_MESSAGE)
            data = await loop.sock_recv(self._sock, 1 << 16)
            if not data:
                if self._buf.strip():
                    raise ProtocolError("the connection closed inside a message")
                return None
            self._buf += data

    async def _read_loop(self):
        reason = "the server closed the connection"
        try:
            while True:
                msg = await self._recv()
                if msg is None:
                    break
                self._dispatch(msg)
        except asyncio.CancelledError:
            reason = "closed by the client"
            raise
        except ProtocolError as err:
            reason = str(err)
            log.warning("%s: %s", self.path, err)
        except OSError as err:
            reason = "connection error: %s" % os.strerror(err.errno or errno.EIO)
        finally:
            self._lose(reason)

    def _dispatch(self, msg):
        if not isinstance(msg, dict):
            log.warning("%s: ignoring non-object message %r", self.path, msg)
            return
        if "event" in msg:
            ev = self._event(msg)
            for stream in list(self._streams):
                stream._put(ev)
            return
        if "return" not in msg and "error" not in msg:
            log.warning("%s: ignoring unexpected message %r", self.path, msg)
            return
        ident = msg.get("id")
        entry = self._pending.pop(ident, None) if isinstance(ident, int) else None
        if entry is None and ident is None and self._pending:
            # A reply without id answers a request the server could not read at all; it
            # sends them in order, so it is the oldest one.
            ident = min(self._pending)
            entry = self._pending.pop(ident)
        if entry is None:
            log.debug("%s: reply for no pending request: %r", self.path, msg)
            return
        fut, command = entry
        if fut.done():
            return
        if "error" in msg:
            fut.set_exception(qmp_error(msg["error"], command))
        else:
            fut.set_result(msg["return"])

    def _event(self, msg):
        try:
            return _rt.event_from_wire(self._qapi_events, msg)
        except ValidationError as err:
            log.warning("%s: event %s does not match the schema (%s)", self.path,
                        msg.get("event"), err)
            return _rt.UnknownEvent(msg.get("event"), msg.get("data"), None)

    def _lose(self, reason):
        if self._lost_reason is not None:
            return
        self._lost_reason = reason
        pending, self._pending = self._pending, {}
        for fut, command in pending.values():
            if not fut.done():
                fut.set_exception(ConnectionLost("%s: %s before the reply to %s"
                                                 % (self.path, reason, command)))
        for stream in list(self._streams):
            stream._end()
        self._streams.clear()
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    async def _send(self, data, fds):
        loop = asyncio.get_running_loop()
        async with self._write_lock:
            if self._sock is None:
                raise ConnectionLost("%s: %s" % (self.path, self._lost_reason))
            sock = self._sock
            if fds and sock.family != socket.AF_UNIX:
                raise ValueError("file descriptors can be passed over unix sockets only")
            if fds:
                # The descriptors travel with the first byte; the rest goes as usual.
                anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))]
                while True:
                    try:
                        sent = sock.sendmsg([data], anc)
                        break
                    except BlockingIOError:
                        ready = loop.create_future()
                        loop.add_writer(sock.fileno(), ready.set_result, None)
                        try:
                            await ready
                        finally:
                            loop.remove_writer(sock.fileno())
                data = data[sent:]
            if data:
                await loop.sock_sendall(sock, data)

    # --- requests -------------------------------------------------------------------

    async def execute(self, command, arguments=None, *, oob=False, fds=()):
        """Sends one command with raw (JSON-ready) arguments and returns the raw "return"
        value. Raises a QMPError subclass for an error reply, ConnectionLost when the
        connection closes first. fds are sent with the command (SCM_RIGHTS); oob=True
        sends it with "exec-oob"."""
        if not self.connected:
            raise ConnectionLost("%s: %s" % (self.path, self._lost_reason))
        if oob and "oob" not in self.capabilities:
            raise ValueError("out-of-band execution was not negotiated (connect(oob=True))")
        self._next_id += 1
        ident = self._next_id
        req = {"exec-oob" if oob else "execute": command, "id": ident}
        if arguments is not None:
            req["arguments"] = arguments
        data = (json.dumps(req, separators=(",", ":")) + "\n").encode()
        fut = asyncio.get_running_loop().create_future()
        self._pending[ident] = (fut, command)
        try:
            await self._send(data, fds)
        except OSError as err:
            self._pending.pop(ident, None)
            self._lose("connection error: %s" % os.strerror(err.errno or errno.EIO))
            raise ConnectionLost("%s: %s" % (self.path, self._lost_reason)) from err
        except BaseException:
            self._pending.pop(ident, None)
            raise
        try:
            return await fut
        finally:
            self._pending.pop(ident, None)

    def build_arguments(self, command, args):
        """The JSON arguments for a command of the schema from Python values (dataclass
        instances, enum members or plain values; None leaves an optional member out), keyed
        by wire or Python member names. Raises ValidationError (and KeyError for unknown
        commands)."""
        meta = self._qapi_commands[command]
        if meta.boxed:
            return _rt.to_wire(meta.boxed, args, "", self._qapi_types) or None
        known = {m.name: m for m in meta.members}
        known.update({m.py_name: m for m in meta.members})
        out = {}
        for key, value in args.items():
            m = known.get(key)
            if m is None:
                if not meta.extra_args:
                    raise ValidationError(key, "unexpected member (%s takes: %s)" % (
                        command, ", ".join(x.name for x in meta.members) or "nothing"))
                if value is not None:
                    out[key] = _rt.any_to_wire(value, key)
                continue
            if m.name in out:
                raise ValidationError(m.name, "member given twice")
            if value is not None:
                out[m.name] = _rt.to_wire(m.type, value, m.name, self._qapi_types)
        for m in meta.members:
            if not m.optional and m.name not in out:
                raise ValidationError(m.name, "member is missing")
        return out or None

    async def send(self, command, arguments=None, *, fds=()):
        """Sends one command without waiting for a reply, for commands the schema marks
        'success-response': false (the server answers only errors, which are dropped)."""
        if not self.connected:
            raise ConnectionLost("%s: %s" % (self.path, self._lost_reason))
        self._next_id += 1
        req = {"execute": command, "id": self._next_id}
        if arguments is not None:
            req["arguments"] = arguments
        try:
            await self._send((json.dumps(req, separators=(",", ":")) + "\n").encode(), fds)
        except OSError as err:
            self._lose("connection error: %s" % os.strerror(err.errno or errno.EIO))
            raise ConnectionLost("%s: %s" % (self.path, self._lost_reason)) from err

    async def _qapi_call(self, command, args, fds=()):
        meta = self._qapi_commands[command]
        if not meta.success_response:
            await self.send(command, self.build_arguments(command, args), fds=fds)
            return None
        ret = await self.execute(command, self.build_arguments(command, args), fds=fds)
        if meta.returns is None:
            return None
        try:
            return _rt.from_wire(meta.returns, ret, "", self._qapi_types)
        except ValidationError as err:
            raise ProtocolError("the reply to %s does not match the schema: %s"
                                % (command, err)) from None

    def with_fds(self, fds):
        """A view of this client whose command calls send fds along (SCM_RIGHTS):
        `await vm.with_fds([fd]).getfd(fdname="disk0")`."""
        return self._with_fds_class(self, list(fds))

    def events(self, *names, max_queued=1000):
        """An EventStream of the events named (all when none are named). Names are event
        names ("SHUTDOWN") or event classes (hull.ShutdownEvent)."""
        wanted = []
        for n in names:
            name = getattr(n, "_qapi_name", n)
            if name not in self._qapi_events:
                raise ValueError("unknown event %r (known: %s)"
                                 % (name, ", ".join(sorted(self._qapi_events))))
            wanted.append(name)
        return EventStream(self, wanted, max_queued)
