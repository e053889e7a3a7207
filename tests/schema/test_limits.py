"""The depth, alias, directive and parser limits, through schema.execute."""

from __future__ import annotations

import pytest
from graphql import get_introspection_query

from .conftest import SchemaFactory, nested
from .limits_helpers import codes, deep_query, limit_kinds, run

# ---- depth ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("depth", "refused"), [(2, False), (9, False), (10, False), (11, True)])
async def test_depth_limit_counts_field_levels(
    make_schema: SchemaFactory, depth: int, refused: bool
) -> None:
    schema, _ = make_schema()
    result = await run(schema, deep_query(depth))
    if refused:
        assert codes(result) == ["LIMIT_EXCEEDED"]
        assert limit_kinds(result) == ["depth"]
        assert f"{depth} levels deep" in result.errors[0].message  # type: ignore[index]
    else:
        assert result.errors is None


@pytest.mark.parametrize(
    ("query", "refused"),
    [
        # 1 + 4 in F + 4 in G + name: 10 levels through two fragments
        (
            "{ node(id: 1) { ...F } }"
            " fragment F on Node { " + nested("children(first: 1)", 4, "...G") + " }"
            " fragment G on Node { " + nested("children(first: 1)", 4) + " }",
            False,
        ),
        (
            "{ node(id: 1) { ...F } }"
            " fragment F on Node { " + nested("children(first: 1)", 5, "...G") + " }"
            " fragment G on Node { " + nested("children(first: 1)", 4) + " }",
            True,
        ),
        # the same fragment spread at different depths: the deepest counts
        (
            "{ node(id: 1) { ...G children(first: 1) { children(first: 1) { ...G } } } }"
            " fragment G on Node { " + nested("children(first: 1)", 7) + " }",
            True,
        ),
        # inline fragments add no level
        ("{ node(id: 1) { ... on Node { ... on Node { name } } } }", False),
    ],
)
async def test_depth_follows_fragments(
    make_schema: SchemaFactory, query: str, refused: bool
) -> None:
    schema, _ = make_schema()
    result = await run(schema, query)
    assert ("LIMIT_EXCEEDED" in codes(result)) is refused, result.errors


@pytest.mark.parametrize(
    "query",
    [
        "{ node(id: 1) { ...A } } fragment A on Node { children { ...B } }"
        " fragment B on Node { children { ...A } }",
        "{ node(id: 1) { ...A } } fragment A on Node { name ...A }",
    ],
)
async def test_fragment_cycles_are_refused_not_followed(
    make_schema: SchemaFactory, query: str
) -> None:
    schema, _ = make_schema()
    result = await run(schema, query)
    assert result.data is None
    assert codes(result) and set(codes(result)) <= {"GRAPHQL_VALIDATION_FAILED"}
    assert any("Cannot spread fragment" in e.message for e in result.errors or [])


async def test_introspection_is_counted_with_its_own_ceiling(make_schema: SchemaFactory) -> None:
    schema, _ = make_schema(production=False)
    standard = await run(schema, get_introspection_query())
    assert standard.errors is None
    # ofType nested 20 levels: deeper than any introspection query needs
    of_type = '{ __type(name: "Node") { ' + nested("ofType", 20, "name") + " } }"
    refused = await run(schema, of_type)
    assert codes(refused) == ["LIMIT_EXCEEDED"]
    assert "introspection fields 22 levels deep" in refused.errors[0].message  # type: ignore[index]


async def test_introspection_cycles_are_refused(make_schema: SchemaFactory) -> None:
    schema, _ = make_schema(production=False)
    query = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
    result = await run(schema, query)
    assert codes(result) == ["LIMIT_EXCEEDED"]
    assert limit_kinds(result) == ["introspection"]


# ---- aliases and directives ------------------------------------------------------------------


def aliases(n: int) -> str:
    return "{ " + " ".join(f"a{i}: hello" for i in range(n)) + " }"


@pytest.mark.parametrize(
    ("query", "refused"),
    [
        (aliases(15), False),
        (aliases(16), True),
        # 8 aliases in a fragment spread twice: 16
        (
            "{ node(id: 1) { x: children(first: 1) { ...F } y: children(first: 1) { ...F } } }"
            " fragment F on Node { " + " ".join(f"b{i}: name" for i in range(7)) + " }",
            True,
        ),
        (
            "{ node(id: 1) { x: children(first: 1) { ...F } } }"
            " fragment F on Node { " + " ".join(f"b{i}: name" for i in range(14)) + " }",
            False,
        ),
    ],
)
async def test_alias_limit(make_schema: SchemaFactory, query: str, refused: bool) -> None:
    schema, _ = make_schema()
    result = await run(schema, query)
    if refused:
        assert codes(result) == ["LIMIT_EXCEEDED"]
        assert limit_kinds(result) == ["aliases"]
    else:
        assert result.errors is None


def directives(n: int) -> str:
    fields = " ".join(f"a{i}: hello @include(if: true)" for i in range(n))
    return "{ " + fields + " }"


@pytest.mark.parametrize(
    ("query", "refused"),
    [
        (directives(10), False),
        (directives(11), True),
        # unknown directives count too, and are refused before the spec rules run
        ("{ hello " + "@x " * 11 + "}", True),
        ("query Q @a @b @c @d @e @f { hello @g @h @i @j @k }", True),
    ],
)
async def test_directive_limit(make_schema: SchemaFactory, query: str, refused: bool) -> None:
    schema, _ = make_schema()
    result = await run(schema, query)
    if refused:
        assert codes(result) == ["LIMIT_EXCEEDED"]
        assert limit_kinds(result) == ["directives"]
    else:
        assert result.errors is None


# ---- parsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "code"),
    [
        # `{ sum ( values : [` and `] ) }`: 9 tokens around the numbers
        ("{ sum(values: [" + "1 " * 1991 + "]) }", None),
        ("{ sum(values: [" + "1 " * 1992 + "]) }", "LIMIT_EXCEEDED"),
        ("{ " + "hello " * 2100 + "}", "LIMIT_EXCEEDED"),
        ("#\n" * 2100 + "{ hello }", "LIMIT_EXCEEDED"),
        ("{ node(id: 1) { name } } # " + "x" * 60_000, "LIMIT_EXCEEDED"),
        ("{ hello", "GRAPHQL_PARSE_FAILED"),
    ],
)
async def test_parser_limits(make_schema: SchemaFactory, query: str, code: str | None) -> None:
    schema, _ = make_schema()
    result = await run(schema, query)
    assert codes(result) == ([code] if code else [])
