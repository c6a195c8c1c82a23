# Exceptions of the Hull client: QMP errors by error class, connection loss, protocol
# violations, and arguments that do not match the schema (raised before anything is sent).


class HullError(Exception):
    """Base of every exception this package raises."""


class QMPError(HullError):
    """The server answered a command with an error.

    error_class is the QMP error class ("GenericError", ...), desc the server's text,
    command the name of the command that failed.
    """

    error_class = None

    def __init__(self, desc, command=None, error_class=None):
        super().__init__(desc)
        self.desc = desc
        self.command = command
        if error_class is not None:
            self.error_class = error_class

    def __str__(self):
        return self.desc


class GenericError(QMPError):
    error_class = "GenericError"


class CommandNotFound(QMPError):
    error_class = "CommandNotFound"


class DeviceNotActive(QMPError):
    error_class = "DeviceNotActive"


class DeviceNotFound(QMPError):
    error_class = "DeviceNotFound"


class KVMMissingCap(QMPError):
    error_class = "KVMMissingCap"


ERROR_CLASSES = {cls.error_class: cls for cls in
                 (GenericError, CommandNotFound, DeviceNotActive, DeviceNotFound,
                  KVMMissingCap)}


def qmp_error(error, command=None):
    """The exception for the "error" member of a reply; classes this client does not know
    (a newer server) become a plain QMPError that still carries the class name."""
    if not isinstance(error, dict):
        return ProtocolError("malformed error reply: %r" % (error,))
    cls_name = error.get("class")
    desc = error.get("desc")
    if not isinstance(desc, str):
        desc = repr(error)
    cls = ERROR_CLASSES.get(cls_name)
    if cls is None:
        return QMPError(desc, command, cls_name if isinstance(cls_name, str) else None)
    return cls(desc, command)


class ConnectionLost(HullError):
    """The connection closed (or broke) before the reply arrived, or the client is not
    connected."""


class ProtocolError(HullError):
    """The server sent something that is not QMP (bad greeting, undecodable message,
    a result that does not match the schema)."""


class ValidationError(HullError, ValueError):
    """A value does not match the schema: path names the member ("backend.data.size"),
    message says what is wrong."""

    def __init__(self, path, message):
        self.path = path
        self.message = message
        super().__init__("%s: %s" % (path, message) if path else message)
