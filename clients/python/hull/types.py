# Runtime of the generated Python types: the base classes of enums, structs, unions,
# alternates and events, and the schema-driven conversion between Python values and JSON.
#
# The generated module (hull.qapi) describes every type with metadata (members, their
# types as schema names, optional flags); one pair of functions here converts in both
# directions, validating against that metadata with errors that name the member path.

import dataclasses
import enum
import math
from typing import Any, NamedTuple, Optional

from .errors import ValidationError

# Built-in integer types: name -> (min, max).
INT_RANGES = {
    "int": (-(1 << 63), (1 << 63) - 1),
    "int8": (-(1 << 7), (1 << 7) - 1),
    "int16": (-(1 << 15), (1 << 15) - 1),
    "int32": (-(1 << 31), (1 << 31) - 1),
    "int64": (-(1 << 63), (1 << 63) - 1),
    "uint8": (0, (1 << 8) - 1),
    "uint16": (0, (1 << 16) - 1),
    "uint32": (0, (1 << 32) - 1),
    "uint64": (0, (1 << 64) - 1),
    "size": (0, (1 << 64) - 1),
}
BUILTINS = set(INT_RANGES) | {"str", "number", "bool", "null", "any"}


class Member(NamedTuple):
    """One member of an object type: its wire name, Python attribute name, type (a schema
    type name, or [name] for arrays), whether it may be absent, and its documentation."""
    name: str
    py_name: str
    type: Any
    optional: bool
    doc: str = ""


class CommandMeta(NamedTuple):
    """What the schema says about a command: its Python method name, its argument members
    (or, for 'boxed' commands, the name of the argument type), its return type (schema
    name, [name] for arrays, None), and the phases in which it may run (None: any)."""
    name: str
    method: str
    members: tuple
    boxed: Optional[str]
    returns: Any
    allow_oob: bool
    success_response: bool
    phases: Optional[tuple]
    summary: str
    ifcond: Optional[str]
    extra_args: bool = False    # takes members beyond `members` ('gen': false commands)


def bind_types(types, events):
    """Called once by the generated module: lets every class resolve the type names in
    its metadata."""
    for cls in list(types.values()) + list(events.values()):
        cls._qapi_types = types


def qapi_dataclass(cls):
    """Keyword-only dataclasses: optional and inherited members can come in any order."""
    return dataclasses.dataclass(kw_only=True)(cls)


class QAPIEnum(str, enum.Enum):
    """A schema enum; members compare equal to their wire names."""

    def __str__(self):
        return self.value

    @classmethod
    def from_json(cls, data):
        return from_wire(cls, data)

    def to_json(self):
        return self.value


class QAPIObject:
    """Common part of generated structs, unions and events."""
    _qapi_name = None
    _qapi_members = ()      # every member, inherited ones included
    _qapi_types = None      # name -> class, set by the generated module
    _qapi_tag = None        # unions: the Member of the discriminator
    _qapi_tag_value = None  # union branch classes: their tag value

    @classmethod
    def from_json(cls, data):
        """Builds an instance from a JSON object (as decoded by the json module)."""
        return from_wire(cls, data)

    def to_json(self):
        """The JSON object (dict) for this value, validated against the schema."""
        return to_wire(type(self), self)


class Struct(QAPIObject):
    pass


class Union(QAPIObject):
    """A union: the class itself holds the common members; each tag value that has a branch
    has a subclass adding the branch's members (its tag member is fixed)."""
    _qapi_variants = {}     # tag value -> branch class name


class Alternate:
    """A value that may be one of several types, told apart by JSON type. kind is the name
    of the branch, value the branch's value."""
    _qapi_name = None
    _qapi_branches = ()     # (branch name, type)
    _qapi_types = None

    def __init__(self, value, kind=None):
        if kind is None:
            kind, value = _alternate_pick(type(self), value, "")
        self.kind = kind
        self.value = value

    def __repr__(self):
        return "%s(%r, kind=%r)" % (type(self).__name__, self.value, self.kind)

    def __eq__(self, other):
        return type(other) is type(self) and (self.kind, self.value) == (other.kind,
                                                                         other.value)

    @classmethod
    def from_json(cls, data):
        return from_wire(cls, data)

    def to_json(self):
        return to_wire(type(self), self)


@qapi_dataclass
class Event(QAPIObject):
    """An event; timestamp is the server's time in seconds since the epoch."""
    timestamp: Optional[float] = None
    _qapi_boxed = False     # boxed events keep their data in member 'data'
    _qapi_data_type = None

    @property
    def name(self):
        return self._qapi_name


@dataclasses.dataclass
class UnknownEvent:
    """An event the schema of this client does not know (a newer server)."""
    name: str
    data: Any = None
    timestamp: Optional[float] = None


# --- conversion ------------------------------------------------------------------------

def _sub(path, name):
    return "%s.%s" % (path, name) if path else name


def _json_kind(value):
    """The JSON type a Python value serializes to."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, (str, QAPIEnum)):
        return "string"
    if isinstance(value, (dict, QAPIObject)):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    return None


def _describe(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _lookup(owner, ref):
    """The class of schema type ref; owner is a generated class or a name -> class dict."""
    if isinstance(ref, str) and ref not in BUILTINS:
        types = owner if isinstance(owner, dict) else owner._qapi_types
        cls = types.get(ref) if types else None
        if cls is None:
            raise KeyError("unknown schema type %r" % ref)
        return cls
    return ref


def ref_json_kind(types, ref):
    """The JSON type of a schema type reference (as in an alternate's branches)."""
    if isinstance(ref, list):
        return "array"
    if isinstance(ref, str):
        if ref in INT_RANGES or ref == "number":
            return "number"
        return {"str": "string", "bool": "boolean", "null": "null",
                "any": "value"}.get(ref) or ref_json_kind(types, types[ref])
    if issubclass(ref, QAPIEnum):
        return "string"
    if issubclass(ref, Alternate):
        return "value"
    return "object"


def _alternate_pick(cls, value, path):
    if isinstance(value, Alternate):
        return value.kind, value.value
    kind = _json_kind(value)
    types = cls._qapi_types
    for name, ref in cls._qapi_branches:
        if ref_json_kind(types, ref) == kind:
            return name, value
    raise ValidationError(path, "expected one of %s, got %s" % (
        ", ".join(ref_json_kind(types, r) for _, r in cls._qapi_branches), _describe(value)))


def to_wire(ref, value, path="", owner=None):
    """The JSON value for value as schema type ref; raises ValidationError naming the path.
    Objects may be given as instances or as dicts keyed by wire or Python member names."""
    owner = owner or (ref if not isinstance(ref, (str, list)) else None)
    if isinstance(ref, list):
        if not isinstance(value, (list, tuple)):
            raise ValidationError(path, "expected an array, got %s" % _describe(value))
        return [to_wire(ref[0], v, "%s[%d]" % (path, i), owner) for i, v in enumerate(value)]
    if isinstance(ref, str):
        if ref not in BUILTINS:
            return to_wire(_lookup(owner, ref), value, path)
        return _builtin_to_wire(ref, value, path)
    if issubclass(ref, QAPIEnum):
        if isinstance(value, ref):
            return value.value
        if isinstance(value, str) and not isinstance(value, QAPIEnum):
            if value in ref._value2member_map_:
                return value
            raise ValidationError(path, "'%s' is not one of: %s" % (
                value, ", ".join(m.value for m in ref)))
        raise ValidationError(path, "expected a %s value, got %s" % (ref.__name__,
                                                                      _describe(value)))
    if issubclass(ref, Alternate):
        kind, inner = _alternate_pick(ref, value, path)
        branch = dict(ref._qapi_branches)[kind]
        return to_wire(branch, inner, path, ref)
    return _object_to_wire(ref, value, path)


def _builtin_to_wire(name, value, path):
    if name in INT_RANGES:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(path, "expected an integer, got %s" % _describe(value))
        lo, hi = INT_RANGES[name]
        if not lo <= value <= hi:
            raise ValidationError(path, "%d is out of range for %s (%d to %d)"
                                  % (value, name, lo, hi))
        return value
    if name == "str":
        if not isinstance(value, str) or isinstance(value, QAPIEnum):
            if isinstance(value, QAPIEnum):
                return value.value
            raise ValidationError(path, "expected a string, got %s" % _describe(value))
        return value
    if name == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError(path, "expected a number, got %s" % _describe(value))
        if not math.isfinite(value):
            raise ValidationError(path, "expected a finite number, got %s" % value)
        return value
    if name == "bool":
        if not isinstance(value, bool):
            raise ValidationError(path, "expected true or false, got %s" % _describe(value))
        return value
    if name == "null":
        if value is not None:
            raise ValidationError(path, "expected null, got %s" % _describe(value))
        return None
    return _any_to_wire(value, path)


def any_to_wire(value, path=""):
    """A Python value of no particular schema type as JSON (structs, enums and alternates
    by their wire form)."""
    return _any_to_wire(value, path)


def _any_to_wire(value, path):
    if isinstance(value, (QAPIObject, Alternate, QAPIEnum)):
        return value.to_json()
    if isinstance(value, dict):
        return {k: _any_to_wire(v, _sub(path, k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_any_to_wire(v, "%s[%d]" % (path, i)) for i, v in enumerate(value)]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise ValidationError(path, "%s cannot be sent as JSON" % _describe(value))


def _object_class(ref, value, path):
    """The class whose members describe value: a union's branch class by its tag."""
    if isinstance(value, ref):
        return type(value)
    if not issubclass(ref, Union) or not isinstance(value, dict):
        return ref
    tag = ref._qapi_tag
    raw = value.get(tag.name, value.get(tag.py_name))
    if raw is None:
        raise ValidationError(_sub(path, tag.name), "member is missing")
    tag_wire = to_wire(tag.type, raw, _sub(path, tag.name), ref)
    name = ref._qapi_variants.get(tag_wire)
    return ref._qapi_types[name] if name else ref


def members_of(ref, value):
    """The members that describe value as an instance of ref (union branches resolved)."""
    return _object_class(ref, value, "")._qapi_members


def _object_to_wire(ref, value, path):
    cls = _object_class(ref, value, path)
    out = {}
    if isinstance(value, ref):
        for m in cls._qapi_members:
            v = getattr(value, m.py_name)
            if v is None and m.optional:
                continue
            if v is None:
                raise ValidationError(_sub(path, m.name), "member is missing")
            out[m.name] = to_wire(m.type, v, _sub(path, m.name), cls)
        return out
    if not isinstance(value, dict):
        raise ValidationError(path, "expected %s (an object), got %s"
                              % (ref._qapi_name or ref.__name__, _describe(value)))
    by_name = {}
    for m in cls._qapi_members:
        by_name[m.name] = m
        by_name[m.py_name] = m
    seen = set()
    for key, v in value.items():
        m = by_name.get(key)
        if m is None:
            raise ValidationError(_sub(path, key), "unexpected member (%s has: %s)" % (
                cls._qapi_name or cls.__name__,
                ", ".join(x.name for x in cls._qapi_members) or "no members"))
        if m.name in seen:
            raise ValidationError(_sub(path, m.name), "member given twice")
        seen.add(m.name)
        if v is None and m.optional:
            continue
        out[m.name] = to_wire(m.type, v, _sub(path, m.name), cls)
    for m in cls._qapi_members:
        if not m.optional and m.name not in out:
            raise ValidationError(_sub(path, m.name), "member is missing")
    return out


def from_wire(ref, data, path="", owner=None):
    """The Python value for JSON data of schema type ref. Members the schema does not
    know are ignored and enum values it does not know are kept as str (a newer server);
    anything else that does not match raises ValidationError."""
    owner = owner or (ref if not isinstance(ref, (str, list)) else None)
    if isinstance(ref, list):
        if not isinstance(data, list):
            raise ValidationError(path, "expected an array, got %s" % _describe(data))
        return [from_wire(ref[0], v, "%s[%d]" % (path, i), owner) for i, v in enumerate(data)]
    if isinstance(ref, str):
        if ref not in BUILTINS:
            return from_wire(_lookup(owner, ref), data, path)
        if ref == "any":
            return data
        return _builtin_to_wire(ref, data, path)
    if issubclass(ref, QAPIEnum):
        if not isinstance(data, str):
            raise ValidationError(path, "expected a string, got %s" % _describe(data))
        return ref._value2member_map_.get(data, data)
    if issubclass(ref, Alternate):
        kind = _json_kind(data)
        for name, branch in ref._qapi_branches:
            if ref_json_kind(ref._qapi_types, branch) == kind:
                return ref(from_wire(branch, data, path, ref), kind=name)
        raise ValidationError(path, "%s matches no branch of %s" % (_describe(data),
                                                                   ref._qapi_name))
    if not isinstance(data, dict):
        raise ValidationError(path, "expected an object, got %s" % _describe(data))
    cls = ref
    if ref._qapi_tag_value is not None and data.get(ref._qapi_tag.name) != ref._qapi_tag_value:
        raise ValidationError(_sub(path, ref._qapi_tag.name), "%s needs %s '%s', got %s" % (
            ref.__name__, ref._qapi_tag.name, ref._qapi_tag_value,
            _describe(data.get(ref._qapi_tag.name))))
    if issubclass(ref, Union) and ref._qapi_tag is not None:
        tag = ref._qapi_tag
        name = ref._qapi_variants.get(data.get(tag.name))
        if name:
            cls = ref._qapi_types[name]
    kwargs = {}
    for m in cls._qapi_members:
        if cls._qapi_tag_value is not None and m.name == cls._qapi_tag.name:
            continue
        if m.name in data and not (m.optional and data[m.name] is None and m.type != "any"):
            kwargs[m.py_name] = from_wire(m.type, data[m.name], _sub(path, m.name), cls)
        elif not m.optional:
            raise ValidationError(_sub(path, m.name), "member is missing")
    return cls(**kwargs)


def event_from_wire(events, msg):
    """A typed event for a QMP event message; UnknownEvent for names not in events."""
    name = msg.get("event")
    ts = msg.get("timestamp")
    stamp = None
    if isinstance(ts, dict) and isinstance(ts.get("seconds"), int) \
            and isinstance(ts.get("microseconds"), int):
        stamp = ts["seconds"] + ts["microseconds"] / 1e6
    cls = events.get(name)
    if cls is None:
        return UnknownEvent(name, msg.get("data"), stamp)
    data = msg.get("data", {})
    if cls._qapi_boxed:
        ev = cls(data=from_wire(cls._qapi_data_type, data, "data", cls), timestamp=stamp)
        return ev
    ev = from_wire(cls, data if data is not None else {}, "data")
    ev.timestamp = stamp
    return ev
