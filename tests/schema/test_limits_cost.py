"""The cost limit: how documents are priced, and where the limit is checked."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import parse

from schema.limits import LimitConfig
from schema.limits.analysis import shape_document

from .conftest import SchemaFactory
from .limits_helpers import codes, limit_kinds, run

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
