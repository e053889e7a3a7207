"""The limit rules, the error policy and the document cache, through schema.execute."""

from __future__ import annotations

from collections import Counter
from typing import Any

import graphql
import pytest
import strawberry.schema.schema as strawberry_schema_module
from graphql import GraphQLError, GraphQLSyntaxError, Source, get_introspection_query, parse
from strawberry.types import ExecutionResult

import schema.limits.extension as extension_module
from schema.http import make_graphql_app
from schema.limits import (
    LimitConfig,
    MaxDepthRule,
    build_extensions_and_rules,
)
from schema.limits.analysis import shape_document
from schema.limits.cache import DocumentCache
from schema.limits.rules import configured_rules

from .conftest import SchemaFactory, nested


async def run(schema: Any, query: str, variables: dict[str, Any] | None = None) -> ExecutionResult:
    return await schema.execute(query, variable_values=variables)


def codes(result: ExecutionResult) -> list[str]:
    return [str((e.extensions or {}).get("code")) for e in result.errors or []]


def limit_kinds(result: ExecutionResult) -> list[str]:
    return [str((e.extensions or {}).get("limit")) for e in result.errors or []]


def deep_query(depth: int) -> str:
    """Exactly `depth` levels: node, depth-2 children, name."""
    return "{ node(id: 1) { " + nested("children(first: 1)", depth - 2) + " } }"


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


# ---- cost -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "variables", "cost"),
    [
        ("{ hello }", None, 1),
        ("{ node(id: 1) { name } }", None, 2),
        ("{ node(id: 1) { children(first: 3) { id name } } }", None, 1 + 1 + 3 * 2),
        ("{ node(id: 1) { children { name } } }", None, 1 + 1 + 20),
        ("{ node(id: 1) { children(first: null) { name } } }", None, 1 + 1 + 20),
        ("{ node(id: 1) { children(first: -5) { name } } }", None, 1 + 1),
        # connection: edges once, what is under them per item, totalCount once
        ("{ nodes(first: 5) { edges { node { name } } totalCount } }", None, 1 + 1 + 5 * 2 + 1),
        ("{ nodes { edges { cursor } } }", None, 1 + 1 + 20),
        ("{ nodes(first: 0) { totalCount edges { cursor } } }", None, 3),
        # a fragment spread right in a connection counts per item as a whole (safe side)
        (
            "{ nodes(first: 5) { ...P } } fragment P on NodeConnection { totalCount }",
            None,
            1 + 5 * 1,
        ),
        (
            "query($n: Int) { nodes(first: $n) { edges { node {"
            " kids(first: $n) { edges { node { name } } } } } } }",
            {"n": 3},
            1 + 1 + 3 * (1 + 1 + 1 + 3 * 2),
        ),
        # a plain list of objects without `first`: the default list size
        ("{ rows { name } }", None, 1 + 20),
        ("query($n: Int) { node(id: 1) { children(first: $n) { name } } }", {"n": 3}, 5),
        ("query($n: Int) { node(id: 1) { children(first: $n) { name } } }", {}, 22),
        ("query($n: Int = 7) { node(id: 1) { children(first: $n) { name } } }", None, 9),
        ("query($n: Int = 7) { node(id: 1) { children(first: $n) { name } } }", {"n": 2}, 4),
        (
            "{ node(id: 1) { children(first: 2) { ...F } } }"
            " fragment F on Node { children(first: 3) { name } }",
            None,
            1 + 1 + 2 * (1 + 3),
        ),
        (
            "query($n: Int) { node(id: 1) { children(first: $n) { ...F } } }"
            " fragment F on Node { children(first: $n) { name } }",
            {"n": 10},
            1 + 1 + 10 * (1 + 10),
        ),
        # introspection lists are not multiplied
        ("{ __schema { types { name fields { name } } } }", None, 5),
    ],
)
def test_cost_of_documents(
    make_schema: SchemaFactory, query: str, variables: dict[str, Any] | None, cost: int
) -> None:
    schema, _ = make_schema()
    shape = shape_document(schema._schema, parse(query))
    operation = shape.operation(None)
    assert operation is not None
    assert shape.cost(operation, variables=variables, page_size=20, list_size=20) == cost


@pytest.mark.parametrize(("first", "refused"), [(10, False), (11, True)])
async def test_cost_limit_with_literal_sizes(
    make_schema: SchemaFactory, first: int, refused: bool
) -> None:
    # 1 + 1 + first * (1 + 1 + 1) with a limit of 32: ten pass, eleven do not
    schema, _ = make_schema(limits=LimitConfig(max_cost=32))
    query = f"{{ node(id: 1) {{ children(first: {first}) {{ id name children(first: 0) {{ id }} }} }} }}"
    result = await run(schema, query)
    if refused:
        assert codes(result) == ["LIMIT_EXCEEDED"]
        assert limit_kinds(result) == ["cost"]
    else:
        assert result.errors is None


@pytest.mark.parametrize(
    ("variables", "refused"),
    [({"n": 10}, False), ({"n": 1000}, True), ({}, False), ({"n": None}, False)],
)
async def test_cost_limit_with_variable_sizes_is_checked_at_execution(
    make_schema: SchemaFactory, variables: dict[str, Any], refused: bool
) -> None:
    schema, hardening = make_schema()
    query = (
        "query Nested($n: Int) { node(id: 1) { children(first: $n) {"
        " children(first: $n) { name } } } }"
    )
    result = await run(schema, query, variables)
    if refused:
        assert codes(result) == ["LIMIT_EXCEEDED"]
        assert 'Operation "Nested" would cost 1001002' in result.errors[0].message  # type: ignore[index]
        assert result.data is None
    else:
        assert result.errors is None
    # the validation of the text was cached either way: pricing never re-validates
    assert len(hardening.cache) == 1


async def test_variable_cost_applies_to_subscriptions(make_schema: SchemaFactory) -> None:
    schema, _ = make_schema()
    query = "subscription S($n: Int) { nodeStream(first: $n) { children(first: $n) { name } } }"
    results = [r async for r in await schema.subscribe(query, variable_values={"n": 5000})]
    assert [codes(r) for r in results] == [["LIMIT_EXCEEDED"]]
    fine = [r async for r in await schema.subscribe(query, variable_values={"n": 2})]
    assert len(fine) == 3
    assert all(r.errors is None for r in fine)


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


# ---- error policy -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("production", "query", "variables", "code", "message_has", "message_lacks"),
    [
        (True, "{ boom }", None, "INTERNAL_SERVER_ERROR", "Unexpected error.", "secret"),
        (False, "{ boom }", None, "INTERNAL_SERVER_ERROR", "secret", None),
        (True, "{ forbidden }", None, "FORBIDDEN", "not allowed", None),
        (True, "{ helo }", None, "GRAPHQL_VALIDATION_FAILED", "'helo'", "Did you mean"),
        (False, "{ helo }", None, "GRAPHQL_VALIDATION_FAILED", "Did you mean", None),
        (True, "{ node(idd: 1) { name } }", None, "GRAPHQL_VALIDATION_FAILED", "idd", "Did you"),
        (
            True,
            "query($c: Color!) { color(c: $c) }",
            {"c": "GREN"},
            "BAD_USER_INPUT",
            "GREN",
            "Did you mean",
        ),
        (True, "{ __schema { queryType { name } } }", None, "GRAPHQL_VALIDATION_FAILED",
         "Introspection is disabled", None),
        (True, "query($n: Int!) { node(id: $n) { name } }", {"n": "x"}, "BAD_USER_INPUT",
         "Int cannot represent", None),
    ],
)  # fmt: skip
async def test_error_policy(
    make_schema: SchemaFactory,
    production: bool,
    query: str,
    variables: dict[str, Any] | None,
    code: str,
    message_has: str,
    message_lacks: str | None,
) -> None:
    schema, _ = make_schema(production=production)
    result = await run(schema, query, variables)
    assert set(codes(result)) == {code}
    message = " ".join(e.message for e in result.errors or [])
    assert message_has in message
    if message_lacks:
        assert message_lacks not in message


async def test_introspection_is_served_outside_production(make_schema: SchemaFactory) -> None:
    schema, _ = make_schema(production=False)
    result = await run(schema, "{ __schema { queryType { name } } }")
    assert result.errors is None
    assert result.data == {"__schema": {"queryType": {"name": "Query"}}}


async def test_typename_stays_allowed_in_production(make_schema: SchemaFactory) -> None:
    schema, _ = make_schema()
    result = await run(schema, "{ __typename }")
    assert result.data == {"__typename": "Query"}


@pytest.mark.parametrize(
    ("production", "error", "code", "message"),
    [
        (True, GraphQLSyntaxError(Source("{"), 1, "Unexpected <EOF>."), "GRAPHQL_PARSE_FAILED", None),
        (True, GraphQLError("db password is x", original_error=RuntimeError()),
         "INTERNAL_SERVER_ERROR", "Unexpected error."),
        (False, GraphQLError("db password is x"), "INTERNAL_SERVER_ERROR", "db password is x"),
        (True, GraphQLError("no", extensions={"code": "FORBIDDEN"}), "FORBIDDEN", "no"),
    ],
)  # fmt: skip
async def test_http_view_codes_errors_that_escaped_the_policy(
    make_schema: SchemaFactory,
    production: bool,
    error: GraphQLError,
    code: str,
    message: str | None,
) -> None:
    # an error raised from an extension hook skips ErrorPolicy; the view still codes it
    schema, hardening = make_schema(production=production)
    view = make_graphql_app(
        schema, production=production, limits=hardening.limits, context_getter=_no_context
    )
    response = await view.process_result(None, ExecutionResult(data=None, errors=[error]))  # type: ignore[arg-type]
    [formatted] = response["errors"]  # type: ignore[misc]
    assert formatted["extensions"]["code"] == code  # type: ignore[index]
    if message is not None:
        assert formatted["message"] == message  # type: ignore[index]


async def _no_context(request: Any) -> None:
    return None


# ---- caching ----------------------------------------------------------------------------------


async def test_repeated_query_is_parsed_and_validated_once(
    make_schema: SchemaFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: Counter[str] = Counter()

    def counting(name: str, real: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return real(*args, **kwargs)

        return wrapper

    # ours and strawberry's own: neither may run again for a repeated text
    for module in (extension_module, strawberry_schema_module):
        monkeypatch.setattr(module, "validate", counting("validate", graphql.validate))
        monkeypatch.setattr(module, "parse", counting("parse", graphql.parse))
    schema, hardening = make_schema()
    query = "query Q($n: Int) { node(id: 1) { children(first: $n) { name } } }"

    first = await run(schema, query, {"n": 2})
    assert first.errors is None
    after_first = calls.copy()
    assert after_first["parse"] == 1
    assert after_first["validate"] >= 1

    for n in range(5):
        again = await run(schema, query, {"n": n})
        assert again.errors is None
    assert calls == after_first
    assert hardening.cache.hits == 5

    # another text is parsed and validated on its own
    await run(schema, "{ hello }")
    assert calls["parse"] == 2
    assert calls["validate"] > after_first["validate"]


async def test_refused_documents_are_cached_too(
    make_schema: SchemaFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = Counter[str]()
    real = graphql.validate

    def counting(*args: Any, **kwargs: Any) -> Any:
        counter["validate"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(extension_module, "validate", counting)
    schema, _ = make_schema()
    results = [await run(schema, deep_query(20)) for _ in range(3)]
    assert all(codes(r) == ["LIMIT_EXCEEDED"] for r in results)
    # the limits phase refused it once; the spec rules never ran on it
    assert counter["validate"] == 1


def test_rule_classes_are_stable_across_builds() -> None:
    first = build_extensions_and_rules(production=True)
    second = build_extensions_and_rules(production=True)
    assert first.validation_rules == second.validation_rules
    assert MaxDepthRule in first.validation_rules
    custom = LimitConfig(max_depth=5)
    assert configured_rules(custom, production=False) is configured_rules(
        LimitConfig(max_depth=5), production=False
    )
    depth_rule = configured_rules(custom, production=False)[0]
    assert issubclass(depth_rule, MaxDepthRule)
    assert depth_rule.limits.max_depth == 5


def test_document_cache_is_bounded() -> None:
    cache = DocumentCache(max_entries=3, max_chars=100)
    document = parse("{ a }")
    for i in range(5):
        cache.put(f"{{ a{i} }}", document)
    assert len(cache) == 3
    assert cache.get("{ a0 }") is None
    assert cache.get("{ a4 }") is not None
    cache.put("{ " + "b " * 40 + "}", document)
    cache.put("{ " + "c " * 40 + "}", document)
    assert len(cache) == 1  # the character bound evicted the rest
    assert cache.put("x" * 200, document).query == "x" * 200
    assert len(cache) == 1  # too long to keep


@pytest.mark.parametrize(("list_sizes", "cost"), [((), 1 + 10), ((("Query.rows", 50),), 1 + 50)])
async def test_plain_list_sizes_are_configurable(
    make_schema: SchemaFactory, list_sizes: tuple[tuple[str, int], ...], cost: int
) -> None:
    schema, _ = make_schema(limits=LimitConfig(max_cost=30, list_sizes=list_sizes))
    result = await run(schema, "{ rows { name } }")
    assert ("LIMIT_EXCEEDED" in codes(result)) is (cost > 30)
    shape = shape_document(schema._schema, parse("{ rows { name } }"))
    operation = shape.operation(None)
    assert operation is not None
    sizes = dict(list_sizes)
    assert (
        shape.cost(operation, variables=None, page_size=20, list_size=10, list_sizes=sizes) == cost
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_depth": 0},
        {"max_cost": -1},
        {"list_sizes": (("rows", 5),)},
        {"list_sizes": (("Q.f", -1),)},
    ],
)
def test_limit_config_refuses_nonsense(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="LimitConfig"):
        LimitConfig(**kwargs)
