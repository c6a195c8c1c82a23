# The Hull QMP client: asyncio bindings generated from the QMP schema (hull.qapi) on a
# hand-written protocol runtime, plus a synchronous wrapper for scripts.
"""Client for hulld's QMP interface.

    import asyncio, hull

    async def main():
        async with hull.connect("/run/hull/vm1.qmp") as vm:
            print(await vm.query_status())
            async for ev in vm.events("SHUTDOWN"):
                print(ev.reason)
                break

    asyncio.run(main())

Every command of the schema is a coroutine method of hull.Client (help(hull.Client)),
every type and event a class of this package; hull.SyncClient / hull.connect_sync() offer
the same methods without asyncio.
"""

from . import qapi
from .errors import (CommandNotFound, ConnectionLost, DeviceNotActive, DeviceNotFound,
                     GenericError, HullError, KVMMissingCap, ProtocolError, QMPError,
                     ValidationError)
from .protocol import ClientBase, EventStream
from .qapi import *  # noqa: F401,F403  (every type and event class of the schema)
from .types import Alternate, Event, QAPIEnum, Struct, Union, UnknownEvent
from .version import __version__

COMMANDS = qapi.COMMANDS
EVENTS = qapi.EVENTS
TYPES = qapi.TYPES


class Client(ClientBase, qapi.Commands):
    """A QMP connection with one coroutine per command of the schema (see ClientBase for
    connect, execute, events, close, reconnect and with_fds)."""
    _qapi_commands = qapi.COMMANDS
    _qapi_events = qapi.EVENTS
    _qapi_types = qapi.TYPES


class _WithFds(qapi.Commands):
    """The commands of a client, each sending the same descriptors along."""

    def __init__(self, client, fds):
        self._client = client
        self._fds = fds

    async def _qapi_call(self, command, args):
        return await self._client._qapi_call(command, args, fds=self._fds)


Client._with_fds_class = _WithFds


class _Connecting:
    """What connect() returns: await it for a Client, or use it with `async with`."""

    def __init__(self, path, kwargs):
        self._path = path
        self._kwargs = kwargs
        self._client = None

    def __await__(self):
        return Client.connect(self._path, **self._kwargs).__await__()

    async def __aenter__(self):
        self._client = await Client.connect(self._path, **self._kwargs)
        return self._client

    async def __aexit__(self, *exc):
        await self._client.close()


def connect(path, *, oob=False, retry=0.0):
    """Connects to hulld's QMP socket at path, greets and negotiates; see
    ClientBase.connect. `async with hull.connect(path) as vm:` closes at the end."""
    return _Connecting(path, {"oob": oob, "retry": retry})


from .sync import SyncClient, connect_sync  # noqa: E402

__all__ = ["Client", "ClientBase", "EventStream", "SyncClient", "connect", "connect_sync",
           "COMMANDS", "EVENTS", "TYPES", "HullError", "QMPError", "GenericError",
           "CommandNotFound", "DeviceNotActive", "DeviceNotFound", "KVMMissingCap",
           "ConnectionLost", "ProtocolError", "ValidationError", "Alternate", "Event",
           "QAPIEnum", "Struct", "Union", "UnknownEvent"] + qapi.__all__
