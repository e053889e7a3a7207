"""Comparing the served schema with the contract frontend teams build against."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    ast_from_value,
    get_named_type,
    print_ast,
)


@dataclass
class Comparison:
    """Mismatches (what exists but differs) and what is still missing."""

    mismatches: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def compare(contract: GraphQLSchema, served: GraphQLSchema) -> Comparison:
    """Every contract type, field, argument and enum value must exist in `served`, identically."""
    out = Comparison()
    for name, ctype in sorted(contract.type_map.items()):
        if name.startswith("__"):
            continue
        stype = served.type_map.get(name)
        if stype is None:
            out.missing.append(f"type {name}")
            continue
        if _kind(stype) != _kind(ctype):
            out.mismatches.append(f"{name}: is {_kind(stype)}, contract says {_kind(ctype)}")
            continue
        if isinstance(ctype, GraphQLEnumType):
            assert isinstance(stype, GraphQLEnumType)
            for value in ctype.values:
                if value not in stype.values:
                    out.missing.append(f"enum value {name}.{value}")
        elif isinstance(ctype, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            _fields(name, ctype, stype, out)  # type: ignore[arg-type]
        elif isinstance(ctype, GraphQLUnionType):
            assert isinstance(stype, GraphQLUnionType)
            if {t.name for t in ctype.types} - {t.name for t in stype.types}:
                out.mismatches.append(f"{name}: union members differ")
    return out


KINDS = (
    GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType,
    GraphQLUnionType, GraphQLScalarType,
)  # fmt: skip


def _kind(t: object) -> str:
    return next((k.__name__ for k in KINDS if isinstance(t, k)), type(t).__name__)


def _default(arg: GraphQLArgument) -> str | None:
    """The default as GraphQL source text, whether the argument came from SDL or from code."""
    node = getattr(arg, "ast_node", None)
    if node is not None and node.default_value is not None:
        return print_ast(node.default_value)
    if arg.default_value is Undefined or arg.default_value is None:
        return None
    value_ast = ast_from_value(arg.default_value, arg.type)
    return print_ast(value_ast) if value_ast is not None else None


def _narrowed(cfield: object, sfield: object, output: bool) -> bool:
    """An output field the contract types `String` served as an enum, wrapped the same way: the
    response is the same JSON string, only its values are named (an issue may fix such a type,
    as the loan book did for `Loan.status: LoanStatus!`)."""
    if not output:
        return False
    named = get_named_type(sfield.type)  # type: ignore[attr-defined]
    if not isinstance(named, GraphQLEnumType):
        return False
    served = str(sfield.type).replace(named.name, "String")  # type: ignore[attr-defined]
    return served == str(cfield.type)  # type: ignore[attr-defined]


def _fields(name: str, ctype: GraphQLObjectType, stype: GraphQLObjectType, out: Comparison) -> None:
    output = not isinstance(ctype, GraphQLInputObjectType)
    for fname, cfield in ctype.fields.items():
        sfield = stype.fields.get(fname)
        if sfield is None:
            out.missing.append(f"field {name}.{fname}")
            continue
        if str(sfield.type) != str(cfield.type) and not _narrowed(cfield, sfield, output):
            out.mismatches.append(
                f"{name}.{fname}: type {sfield.type}, contract says {cfield.type}"
            )
        cargs = getattr(cfield, "args", {}) or {}
        sargs = getattr(sfield, "args", {}) or {}
        for aname, carg in cargs.items():
            sarg = sargs.get(aname)
            if sarg is None:
                out.mismatches.append(f"{name}.{fname}({aname}): argument missing")
                continue
            if str(sarg.type) != str(carg.type):
                out.mismatches.append(
                    f"{name}.{fname}({aname}): type {sarg.type}, contract says {carg.type}"
                )
            if _default(carg) != _default(sarg):
                out.mismatches.append(
                    f"{name}.{fname}({aname}): default {_default(sarg)}, contract says {_default(carg)}"
                )
        for aname, sarg in sargs.items():
            if aname not in cargs and str(sarg.type).endswith("!") and sarg.default_value is None:
                out.mismatches.append(f"{name}.{fname}({aname}): extra required argument")
