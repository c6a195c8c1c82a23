# A synchronous wrapper for scripts: the same methods as hull.Client, each running the
# client's private event loop until the call completes.

import asyncio
import functools

from .errors import ConnectionLost


class SyncEventStream:
    """Iterates over events, blocking; ends when the connection closes."""

    def __init__(self, owner, stream):
        self._owner = owner
        self._stream = stream

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return self._owner._run(self._stream.__anext__())
        except StopAsyncIteration:
            raise StopIteration from None

    def get(self, timeout=None):
        """The next event; TimeoutError after timeout seconds, ConnectionLost when the
        connection closed."""
        return self._owner._run(self._stream.get(timeout))

    @property
    def dropped(self):
        return self._stream.dropped

    def close(self):
        self._stream.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class SyncClient:
    """hull.Client without asyncio: `with hull.connect_sync(path) as vm:
    vm.query_status()`. Events are read only while a call or an event stream waits, so
    create the stream (vm.events(...)) before the command that causes the event."""

    def __init__(self, path, *, oob=False, retry=0.0):
        from . import Client
        self._loop = asyncio.new_event_loop()
        try:
            self._client = self._run(Client.connect(path, oob=oob, retry=retry))
        except BaseException:
            self._loop.close()
            raise

    def _run(self, coro):
        if self._loop.is_closed():
            coro.close()
            raise ConnectionLost("the client is closed")
        return self._loop.run_until_complete(coro)

    @property
    def client(self):
        """The underlying asyncio client."""
        return self._client

    @property
    def greeting(self):
        return self._client.greeting

    @property
    def connected(self):
        return self._client.connected

    def execute(self, command, arguments=None, *, oob=False, fds=()):
        return self._run(self._client.execute(command, arguments, oob=oob, fds=fds))

    def call(self, command, **kwargs):
        """Runs a command of the schema by name, with Python values (validated)."""
        return self._run(self._client._qapi_call(command, kwargs))

    def events(self, *names, max_queued=1000):
        return SyncEventStream(self, self._client.events(*names, max_queued=max_queued))

    def with_fds(self, fds):
        return _SyncView(self, self._client.with_fds(fds))

    def reconnect(self, *, retry=10.0):
        self._run(self._client.reconnect(retry=retry))

    def wait_closed(self, timeout=None):
        self._run(asyncio.wait_for(self._client.wait_closed(), timeout))

    def close(self):
        if self._loop.is_closed():
            return
        self._run(self._client.close())
        self._loop.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _SyncView:
    def __init__(self, owner, view):
        self._owner = owner
        self._view = view

    def __getattr__(self, name):
        method = getattr(self._view, name)
        return lambda *a, **kw: self._owner._run(method(*a, **kw))


def _sync_method(async_method):
    @functools.wraps(async_method)
    def method(self, *args, **kwargs):
        return self._run(async_method(self._client, *args, **kwargs))
    return method


def _install_commands():
    from . import qapi
    for meta in qapi.COMMANDS.values():
        setattr(SyncClient, meta.method, _sync_method(getattr(qapi.Commands, meta.method)))


_install_commands()


def connect_sync(path, *, oob=False, retry=0.0):
    """A connected SyncClient for the QMP socket at path."""
    return SyncClient(path, oob=oob, retry=retry)
