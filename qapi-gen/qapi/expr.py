# Stage 2: check each expression's shape (keys, value types, names, 'if' conditions,
# features) before the model resolves types; report the first violation as file:line.

import re

from .error import QAPIError

METAS = ('enum', 'struct', 'union', 'alternate', 'command', 'event')

_VALID_KEYS = {
    'enum': (['enum', 'data'], ['prefix', 'if', 'features']),
    'struct': (['struct', 'data'], ['base', 'if', 'features']),
    'union': (['union', 'base', 'discriminator', 'data'], ['if', 'features']),
    'alternate': (['alternate', 'data'], ['if', 'features']),
    'command': (['command'], ['data', 'returns', 'boxed', 'gen', 'success-response',
                              'allow-oob', 'if', 'features', 'phases']),
    'event': (['event'], ['data', 'boxed', 'if', 'features']),
}

PRAGMAS = ('doc-required', 'command-name-exceptions', 'command-returns-exceptions',
           'member-name-exceptions', 'phase-enum')

_VALID_NAME = re.compile(r'^(__[a-zA-Z0-9.-]+_)?(x-)?([a-zA-Z][a-zA-Z0-9_-]*)$')
_VALID_ENUM_VALUE = re.compile(r'^(__[a-zA-Z0-9.-]+_)?(x-)?([a-zA-Z0-9][a-zA-Z0-9_-]*)$')


def describe(meta, name):
    return "%s '%s'" % (meta, name)


class Pragma:
    def __init__(self):
        self.doc_required = False
        self.command_name_exceptions = []
        self.command_returns_exceptions = []
        self.member_name_exceptions = []
        self.phase_enum = None


def _check_keys(value, info, source, required, optional):
    missing = [k for k in required if k not in value]
    if missing:
        raise QAPIError(info, "%s misses key%s %s" % (
            source, 's' if len(missing) > 1 else '', ', '.join("'%s'" % k for k in missing)))
    allowed = required + optional
    unknown = [k for k in value if k not in allowed]
    if unknown:
        raise QAPIError(info, "%s has unknown key%s %s\nValid keys are %s." % (
            source, 's' if len(unknown) > 1 else '', ', '.join("'%s'" % k for k in unknown),
            ', '.join("'%s'" % k for k in sorted(allowed))))


def _check_bool(value, info, source, key):
    if key in value and not isinstance(value[key], bool):
        raise QAPIError(info, "%s: flag '%s' must be a boolean" % (source, key))


def _check_str_list(value, info, what):
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise QAPIError(info, "%s must be a list of strings" % what)


def check_name_str(name, info, source, enum_value=False):
    """Returns the name with its 'x-' / '__RFQDN_' prefixes removed."""
    regex = _VALID_ENUM_VALUE if enum_value else _VALID_NAME
    m = regex.match(name)
    if not m:
        raise QAPIError(info, "%s has an invalid name" % source)
    if name.lower().startswith('q_'):
        raise QAPIError(info, "%s uses reserved prefix 'q_'" % source)
    return m.group(3)


def _check_name_upper(name, info, source):
    stem = check_name_str(name, info, source)
    if re.search(r'[a-z-]', stem):
        raise QAPIError(info, "name of %s must not use lowercase or '-'" % source)


def _check_name_lower(name, info, source, permit_upper=False, permit_underscore=False):
    stem = check_name_str(name, info, source)
    if (not permit_upper and re.search(r'[A-Z]', stem)) or \
            (not permit_underscore and '_' in stem):
        raise QAPIError(info, "name of %s must use lowercase, with '-' between words"
                        % source)


def _check_name_camel(name, info, source):
    stem = check_name_str(name, info, source)
    if not re.match(r'^[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*$', stem):
        raise QAPIError(info, "name of %s must use CamelCase" % source)


def check_defn_name(name, meta, info, pragma):
    source = describe(meta, name)
    if meta == 'event':
        _check_name_upper(name, info, source)
    elif meta == 'command':
        permit = name in pragma.command_name_exceptions
        _check_name_lower(name, info, source, permit_upper=permit, permit_underscore=permit)
    else:
        _check_name_camel(name, info, source)
        for suffix in ('Kind', 'List'):
            if name.endswith(suffix):
                raise QAPIError(info, "%s name should not end in '%s'" % (meta, suffix))


def check_if(value, info, source):
    if 'if' not in value:
        return

    def walk(cond, depth):
        if isinstance(cond, str):
            if not re.match(r'^[A-Z][A-Z0-9_]*$', cond):
                raise QAPIError(info, "'if' condition '%s' of %s is not a valid identifier"
                                % (cond, source))
            return
        if not isinstance(cond, dict):
            raise QAPIError(info, "'if' condition of %s must be a string or an object"
                            % source)
        if len(cond) != 1:
            raise QAPIError(info, "'if' condition of %s has conflicting keys '%s'"
                            % (source, "', '".join(cond)) if len(cond) > 1 else
                            "'if' condition of %s must not be empty" % source)
        op, arg = next(iter(cond.items()))
        if op not in ('all', 'any', 'not'):
            raise QAPIError(info, "'if' condition of %s has unknown operator '%s'\n"
                            "Valid operators are 'all', 'any' and 'not'." % (source, op))
        if op == 'not':
            walk(arg, depth + 1)
            return
        if not isinstance(arg, list):
            raise QAPIError(info, "'%s' condition of %s must be an array" % (op, source))
        if not arg:
            raise QAPIError(info, "'if' condition [] of %s is useless" % source)
        for sub in arg:
            walk(sub, depth + 1)

    walk(value['if'], 0)


def check_features(value, info, source):
    """Normalizes value['features'] to a list of {'name', 'if'?} dicts."""
    feats = value.get('features')
    if feats is None:
        return
    if not isinstance(feats, list):
        raise QAPIError(info, "'features' of %s must be an array" % source)
    out = []
    seen = set()
    for f in feats:
        if isinstance(f, str):
            f = {'name': f}
        if not isinstance(f, dict):
            raise QAPIError(info, "'features' of %s must contain strings or objects" % source)
        fsource = "feature of %s" % source
        _check_keys(f, info, fsource, ['name'], ['if'])
        if not isinstance(f['name'], str):
            raise QAPIError(info, "%s requires a string name" % fsource)
        fsource = "feature '%s' of %s" % (f['name'], source)
        _check_name_lower(f['name'], info, fsource)
        if f['name'] in seen:
            raise QAPIError(info, "%s is duplicated" % fsource)
        seen.add(f['name'])
        check_if(f, info, fsource)
        out.append(f)
    value['features'] = out


def _check_type_ref(value, info, source, allow_array=False, allow_dict=False):
    """A type reference: 'Name', ['Name'] or (where allowed) an inline member dict."""
    if value is None:
        return
    if isinstance(value, str):
        return
    if isinstance(value, list):
        if not allow_array:
            raise QAPIError(info, "%s cannot be an array" % source)
        if len(value) != 1 or not isinstance(value[0], str):
            raise QAPIError(info, "%s: array type must contain single type name" % source)
        return
    if isinstance(value, dict):
        if not allow_dict:
            raise QAPIError(info, "%s should be a type name" % source)
        return
    raise QAPIError(info, "%s should be a type name" % source)


def check_members(value, info, source, pragma, defn_name, allow_optional=True):
    """Normalizes an inline member dict to {name: {'type', 'optional', 'if'?, 'features'?}}."""
    if not isinstance(value, dict):
        raise QAPIError(info, "%s should be an object or type name" % source)
    out = {}
    permit_upper = defn_name in pragma.member_name_exceptions
    for key, arg in value.items():
        optional = key.startswith('*')
        name = key[1:] if optional else key
        msource = "member '%s' of %s" % (name, source)
        if name in out:
            raise QAPIError(info, "%s is duplicated" % msource)
        if optional and not allow_optional:
            raise QAPIError(info, "%s cannot be optional" % msource)
        _check_name_lower(name, info, msource, permit_upper=permit_upper,
                          permit_underscore=permit_upper)
        if name == 'u' or name.startswith('has-') or name.startswith('has_'):
            raise QAPIError(info, "%s uses reserved name" % msource)
        if isinstance(arg, dict):
            _check_keys(arg, info, msource, ['type'], ['if', 'features'])
            check_if(arg, info, msource)
            check_features(arg, info, msource)
            member = dict(arg)
        else:
            member = {'type': arg}
        _check_type_ref(member['type'], info, msource, allow_array=True)
        member['optional'] = optional
        out[name] = member
    return out


def check_enum(value, info, pragma):
    name = value['enum']
    source = describe('enum', name)
    members = value['data']
    if 'prefix' in value and not isinstance(value['prefix'], str):
        raise QAPIError(info, "%s: 'prefix' must be a string" % source)
    if not isinstance(members, list):
        raise QAPIError(info, "%s: 'data' must be an array" % source)
    permit_upper = name in pragma.member_name_exceptions
    out = []
    for m in members:
        if isinstance(m, str):
            m = {'name': m}
        if not isinstance(m, dict):
            raise QAPIError(info, "%s: 'data' member must be a string or an object" % source)
        _check_keys(m, info, "value of %s" % source, ['name'], ['if', 'features'])
        if not isinstance(m['name'], str):
            raise QAPIError(info, "value of %s requires a string name" % source)
        vsource = "value '%s' of %s" % (m['name'], source)
        stem = check_name_str(m['name'], info, vsource, enum_value=True)
        if not permit_upper and (re.search(r'[A-Z]', stem) or '_' in stem):
            raise QAPIError(info, "name of %s must use lowercase, with '-' between words"
                            % vsource)
        check_if(m, info, vsource)
        check_features(m, info, vsource)
        out.append(m)
    value['data'] = out


def check_struct(value, info, pragma):
    name = value['struct']
    source = describe('struct', name)
    value['data'] = check_members(value['data'], info, source, pragma, name)
    _check_type_ref(value.get('base'), info, "'base' of %s" % source)


def check_union(value, info, pragma):
    name = value['union']
    source = describe('union', name)
    base = value['base']
    if isinstance(base, dict):
        value['base'] = check_members(base, info, "'base' of %s" % source, pragma, name)
    else:
        _check_type_ref(base, info, "'base' of %s" % source)
    if not isinstance(value['discriminator'], str):
        raise QAPIError(info, "%s: 'discriminator' must be a string" % source)
    branches = value['data']
    if not isinstance(branches, dict):
        raise QAPIError(info, "%s: 'data' must be an object" % source)
    value['data'] = _check_branches(branches, info, source, pragma, name)


def _check_branches(branches, info, source, pragma, defn_name):
    out = {}
    for key, arg in branches.items():
        bsource = "branch '%s' of %s" % (key, source)
        if key.startswith('*'):
            raise QAPIError(info, "%s cannot be optional" % bsource)
        check_name_str(key, info, bsource, enum_value=True)
        if isinstance(arg, dict):
            _check_keys(arg, info, bsource, ['type'], ['if'])
            check_if(arg, info, bsource)
            branch = dict(arg)
        else:
            branch = {'type': arg}
        _check_type_ref(branch['type'], info, bsource, allow_array=True)
        out[key] = branch
    return out


def check_alternate(value, info, pragma):
    name = value['alternate']
    source = describe('alternate', name)
    branches = value['data']
    if not isinstance(branches, dict):
        raise QAPIError(info, "%s: 'data' must be an object" % source)
    if not branches:
        raise QAPIError(info, "%s cannot have empty 'data'" % source)
    for key in branches:
        if not key.startswith('*'):
            _check_name_lower(key, info, "branch '%s' of %s" % (key, source))
    value['data'] = _check_branches(branches, info, source, pragma, name)


def check_command(value, info, pragma):
    name = value['command']
    source = describe('command', name)
    for flag in ('boxed', 'gen', 'success-response', 'allow-oob'):
        _check_bool(value, info, source, flag)
    data = value.get('data')
    if value.get('boxed'):
        if not isinstance(data, str):
            raise QAPIError(info, "%s: 'data' must be a type name when 'boxed': true" % source)
    elif isinstance(data, dict):
        value['data'] = check_members(data, info, "'data' of %s" % source, pragma, name)
    else:
        _check_type_ref(data, info, "'data' of %s" % source)
    _check_type_ref(value.get('returns'), info, "'returns' of %s" % source, allow_array=True)
    if 'phases' in value:
        phases = value['phases']
        _check_str_list(phases, info, "'phases' of %s" % source)
        if not phases:
            raise QAPIError(info, "'phases' of %s must not be empty" % source)
        if len(set(phases)) != len(phases):
            raise QAPIError(info, "'phases' of %s lists a phase twice" % source)


def check_event(value, info, pragma):
    name = value['event']
    source = describe('event', name)
    _check_bool(value, info, source, 'boxed')
    data = value.get('data')
    if value.get('boxed'):
        if not isinstance(data, str):
            raise QAPIError(info, "%s: 'data' must be a type name when 'boxed': true" % source)
    elif isinstance(data, dict):
        value['data'] = check_members(data, info, "'data' of %s" % source, pragma, name)
    else:
        _check_type_ref(data, info, "'data' of %s" % source)


def check_pragma(value, info, pragma):
    if not isinstance(value, dict):
        raise QAPIError(info, "value of 'pragma' must be an object")
    for key, val in value.items():
        if key == 'doc-required':
            if not isinstance(val, bool):
                raise QAPIError(info, "pragma 'doc-required' must be boolean")
            pragma.doc_required = val
        elif key == 'phase-enum':
            if not isinstance(val, str):
                raise QAPIError(info, "pragma 'phase-enum' must be a type name")
            pragma.phase_enum = (val, info)
        elif key in PRAGMAS:
            _check_str_list(val, info, "pragma '%s'" % key)
            getattr(pragma, key.replace('-', '_')).extend(val)
        else:
            raise QAPIError(info, "unknown pragma '%s'" % key)


_CHECKERS = {'enum': check_enum, 'struct': check_struct, 'union': check_union,
             'alternate': check_alternate, 'command': check_command, 'event': check_event}


def check_exprs(exprs):
    """Checks every expression in place; returns (pragma, definitions)."""
    pragma = Pragma()
    defs = []
    # Pragmas apply to the whole schema, whatever their position.
    for expr in exprs:
        if 'pragma' in expr.data:
            if len(expr.data) != 1:
                raise QAPIError(expr.info, "invalid 'pragma' directive")
            check_pragma(expr.data['pragma'], expr.info, pragma)
    for expr in exprs:
        data = expr.data
        if 'pragma' in data:
            continue
        metas = [m for m in METAS if m in data]
        if not metas:
            raise QAPIError(expr.info, "expression is missing metatype")
        if len(metas) > 1:
            raise QAPIError(expr.info, "expression has conflicting metatypes '%s' and '%s'"
                            % (metas[0], metas[1]))
        meta = metas[0]
        name = data[meta]
        if not isinstance(name, str):
            raise QAPIError(expr.info, "'%s' requires a string name" % meta)
        source = describe(meta, name)
        required, optional = _VALID_KEYS[meta]
        _check_keys(data, expr.info, source, required, optional)
        check_defn_name(name, meta, expr.info, pragma)
        check_if(data, expr.info, source)
        check_features(data, expr.info, source)
        _CHECKERS[meta](data, expr.info, pragma)
        expr.meta = meta
        defs.append(expr)
    return pragma, defs
