# Pieces shared by the C backends: per-type C spellings of free/visit/output calls, and
# parameter lists of generated functions.

from .common import c_name
from .schema import AlternateType, ArrayType, BuiltinType, EnumType, ObjectType

QTYPE = {'string': 'QTYPE_QSTRING', 'number': 'QTYPE_QNUM', 'int': 'QTYPE_QNUM',
         'boolean': 'QTYPE_QBOOL', 'null': 'QTYPE_QNULL', 'object': 'QTYPE_QDICT',
         'array': 'QTYPE_QLIST'}

JSON_TYPE_DESC = {'string': 'string', 'number': 'number', 'int': 'integer',
                  'boolean': 'boolean', 'null': 'null', 'object': 'object', 'array': 'array'}


def free_stmt(typ, expr):
    """A statement releasing what a value of typ owns, or '' for plain values."""
    if isinstance(typ, BuiltinType):
        if typ.name == 'str':
            return 'g_free(%s);' % expr
        if typ.name in ('any', 'null'):
            return 'qapi_free_any(%s);' % expr
        return ''
    if isinstance(typ, EnumType):
        return ''
    return 'qapi_free_%s(%s);' % (typ.c_name, expr)


def visit_in_name(typ):
    return 'visit_in_%s' % typ.c_name


def visit_out_name(typ):
    return 'visit_out_%s' % typ.c_name


def out_expr(typ, expr):
    return '%s(%s)' % (visit_out_name(typ), expr)


def arg_params(cmd_or_event):
    """(C parameter list, call argument list from a struct named 'arg')."""
    t = cmd_or_event.arg_type
    if t is None:
        return [], []
    if cmd_or_event.boxed:
        return ['%s *arg' % t.c_name], ['&arg']
    params, call = [], []
    for m in t.members:
        if m.need_has():
            params.append('bool has_%s' % m.c_name)
            call.append('arg.has_%s' % m.c_name)
        ctype = m.type.c_param_type()
        sep = '' if ctype.endswith('*') else ' '
        params.append('%s%s%s' % (ctype, sep, m.c_name))
        call.append('arg.%s' % m.c_name)
    return params, call


def ret_ctype(typ):
    return 'void ' if typ is None else typ.c_type() + ('' if typ.c_type().endswith('*') else ' ')


def is_object(typ):
    return isinstance(typ, ObjectType)


__all__ = ['QTYPE', 'JSON_TYPE_DESC', 'free_stmt', 'visit_in_name', 'visit_out_name',
           'out_expr', 'arg_params', 'ret_ctype', 'is_object', 'c_name', 'ArrayType',
           'AlternateType', 'BuiltinType', 'EnumType', 'ObjectType']
