"""Lean lists: a list counts only when asked for totalCount, reads only the columns its query
shows, and answers exactly what reading whole records answers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLObjectType, get_named_type, is_leaf_type, is_required_argument

from resolvers import columns
from resolvers.columns import TABLES
from resolvers.selection import columns_for
from tests.schema.helpers import SCHEMA, count_queries, run
from tests.schema.lean_world import LeanWorld, make_lean_world


@pytest.fixture
async def world(db: str, tmp_path: Path) -> LeanWorld:
    return await make_lean_world(tmp_path / "w")


def _whole_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every list reads whole records (no field maps to columns), as before lists were lean."""
    for name in ("ENTERPRISE", "PATENT", "APPLICATION", "WARNING", "LOAN", "DEAD_LETTER"):
        monkeypatch.setattr(columns, name, {})


def _object(name: str) -> GraphQLObjectType:
    found = SCHEMA._schema.type_map[name]
    assert isinstance(found, GraphQLObjectType)
    return found


def _leaves(type_name: str) -> list[str]:
    fields = _object(type_name).fields.items()
    return [n for n, f in fields if is_leaf_type(get_named_type(f.type))]


def everything(type_name: str, depth: int, half: int | None = None) -> str:
    """Every field of a type: leaves, and objects and pages `depth` levels down (then only
    their leaves); `half` 0 or 1: only the first or second half of the type's object fields
    (with every leaf), for a type whose whole tree is over the parser's token limit."""
    parts = []
    objects = [
        n for n, f in _object(type_name).fields.items() if not is_leaf_type(get_named_type(f.type))
    ]
    if half is not None:
        cut = len(objects) // 2
        skip = set(objects[cut:] if half == 0 else objects[:cut])
    else:
        skip = set()
    for name, field in _object(type_name).fields.items():
        if name in skip:
            continue
        assert not any(is_required_argument(a) for a in field.args.values()), name
        inner = get_named_type(field.type)
        if is_leaf_type(inner):
            parts.append(name)
        elif inner.name.endswith("Connection") and depth > 0:
            node = get_named_type(_object(f"{inner.name[:-10]}Edge").fields["node"].type).name
            parts.append(
                f"{name}(first: 2) {{ totalCount pageInfo {{ hasNextPage endCursor }} "
                f"edges {{ cursor node {{ {everything(node, depth - 1)} }} }} }}"
            )
        elif inner.name.endswith("Connection"):
            parts.append(f"{name}(first: 2) {{ totalCount }}")
        elif depth > 0:
            parts.append(f"{name} {{ {everything(inner.name, depth - 1)} }}")
        else:
            parts.append(f"{name} {{ __typename {' '.join(_leaves(inner.name))} }}")
    return " ".join(parts)


def page(field: str, node: str, depth: int, half: int | None = None) -> str:
    return (
        f"{{ {field}(first: 10) {{ totalCount pageInfo {{ hasNextPage endCursor }} "
        f"edges {{ cursor node {{ {everything(node, depth, half)} }} }} }} }}"
    )


# test id -> (root field, query); an enterprise's whole tree two levels down is over the
# parser's token limit, so it is read in two halves
FULL = {
    "enterprises-1": ("enterprises", page("enterprises", "Enterprise", 2, half=0)),
    "enterprises-2": ("enterprises", page("enterprises", "Enterprise", 2, half=1)),
    "applications": ("applications", page("applications", "LoanApplication", 2)),
    "warnings-1": ("warnings", page("warnings", "Warning", 2, half=0)),
    "warnings-2": ("warnings", page("warnings", "Warning", 2, half=1)),
    "deadLetters": (
        "deadLetters",
        f"{{ deadLetters(first: 10) {{ {everything('DeadLetter', 1)} }} }}",
    ),
}


@pytest.mark.parametrize("case", sorted(FULL))
async def test_every_field_reads_as_from_whole_records(
    world: LeanWorld, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    root, query = FULL[case]
    lean = await run(query, world.staff)
    lean_applicant = None if root == "deadLetters" else await run(query, world.applicant)
    _whole_records(monkeypatch)
    whole = await run(query, world.staff)
    whole_applicant = None if root == "deadLetters" else await run(query, world.applicant)

    assert lean == whole
    assert lean_applicant == whole_applicant
    assert lean[root]  # the world has records of each kind


def test_tables_name_every_field_of_their_types() -> None:
    for type_name, table in TABLES.items():
        fields = set(_object(type_name).fields)
        assert set(table) - {"__typename"} == fields, type_name


def test_a_field_without_columns_reads_whole_records() -> None:
    assert columns_for(columns.ENTERPRISE, ["uscc", "name"]) == ("id", "name", "uscc")
    assert columns_for(columns.ENTERPRISE, ["uscc", "somethingNew"]) is None
    assert columns_for(columns.APPLICATION, ["riskScore"]) == ("decision", "enterprise_id", "id")


def _counts(statements: list[str]) -> list[str]:
    return [s for s in statements if "COUNT(" in s.upper()]


COUNTED = {
    "enterprises": "{ enterprises(first: 5) { %s edges { node { id } } } }",
    "applications": "{ applications(first: 5) { %s edges { node { id } } } }",
    "warnings": "{ warnings(first: 5) { %s edges { node { id } } } }",
    "patents": "{ enterprises(first: 5) { edges { node { patents(first: 1) { %s edges { node { id } } } } } } }",
    "enterprise warnings": "{ enterprises(first: 5) { edges { node { warnings(first: 1) { %s edges { node { id } } } } } } }",
    "litigations": "{ enterprises(first: 5) { edges { node { litigations(first: 1) { %s edges { node { caseNo } } } } } } }",
    "through a fragment": "query { enterprises(first: 5) { ...Page } } fragment Page on EnterpriseConnection { %s edges { node { id } } }",
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(COUNTED))
async def test_counts_only_when_total_count_is_asked(world: LeanWorld, name: str) -> None:
    with count_queries() as without:
        unasked = await run(COUNTED[name] % "pageInfo { hasNextPage }", world.staff)
    with count_queries() as with_total:
        asked = await run(COUNTED[name] % "totalCount", world.staff)

    assert _counts(without) == [], without
    assert len(_counts(with_total)) == 1, with_total
    assert unasked and asked


def _selected(statement: str) -> set[str]:
    """The columns a SELECT names (its outermost list)."""
    head = statement.split(" FROM ", 1)[0].removeprefix("SELECT ")
    return {re.sub(r"^\w+\.", "", c.strip().split(" ")[0]).strip('"') for c in head.split(",")}


def _reading(statements: list[str], table: str) -> list[str]:
    return [s for s in statements if f'FROM "{table}"' in s or f"FROM {table} " in s]


async def test_root_lists_read_only_the_columns_shown(world: LeanWorld) -> None:
    with count_queries() as for_enterprises:
        await run("{ enterprises(first: 5) { edges { node { id uscc name } } } }", world.staff)
    with count_queries() as for_applications:
        await run(
            "{ applications(first: 5) { edges { cursor node { amount status enterprise { uscc } } } } }",
            world.staff,
        )
    with count_queries() as for_warnings:
        await run("{ warnings { edges { node { kind level } } } }", world.staff)

    (enterprises,) = _reading(for_enterprises, "enterprise")
    (applications,) = _reading(for_applications, "loan_application")
    (warnings,) = _reading(for_warnings, "risk_warning")
    assert _selected(enterprises) == {"id", "uscc", "name"}
    assert _selected(applications) == {"id", "amount", "status", "enterprise_id"}
    assert _selected(warnings) == {"id", "kind", "level"}


async def test_nested_lists_read_only_the_columns_shown(world: LeanWorld) -> None:
    query = """{ enterprises(first: 5) { edges { node {
      patents(first: 2) { edges { node { number grantedOn } } }
      warnings(first: 2) { edges { node { message } } }
      loans { outstanding }
      applications(first: 1) { edges { node { termMonths } } } } } } }"""
    with count_queries() as seen:
        await run(query, world.staff)

    (patents,) = _reading(seen, "patent")
    (warnings,) = _reading(seen, "risk_warning")
    (loans,) = _reading(seen, "loan")
    (applications,) = _reading(seen, "loan_application")
    assert _selected(patents) == {"id", "number", "granted_on", "parent_key"}
    # the kind too: an applicant's contagion warning reads without the other enterprise
    assert _selected(warnings) == {"id", "kind", "message", "parent_key"}
    assert _selected(loans) == {"id", "outstanding", "enterprise_id"}
    assert _selected(applications) == {"id", "term_months", "enterprise_id"}


FRAGMENTS = """
fragment Names on Enterprise { name uscc }
query { enterprises(first: 5) { edges { node { id ...Names ... on Enterprise { foundedOn }
  ... @include(if: true) { highTech } } } } }"""


async def test_fragments_bring_their_columns(
    world: LeanWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    with count_queries() as seen:
        lean = await run(FRAGMENTS, world.staff)
    _whole_records(monkeypatch)
    whole = await run(FRAGMENTS, world.staff)

    (enterprises,) = _reading(seen, "enterprise")
    assert _selected(enterprises) == {"id", "name", "uscc", "founded_on", "high_tech"}
    assert lean == whole


async def test_pages_and_visibility_are_as_before(
    world: LeanWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def walk(query: str, who: Any) -> list[Any]:
        pages, after = [], None
        while True:
            data = (await run(query, who, after=after))["enterprises"]
            pages.append(data)
            if not data["pageInfo"]["hasNextPage"]:
                return pages
            after = data["pageInfo"]["endCursor"]

    query = """query($after: String) { enterprises(first: 1, after: $after) {
      pageInfo { hasNextPage endCursor } edges { cursor node { id name } } } }"""
    lean = await walk(query, world.staff)
    mine = await walk(query, world.applicant)
    _whole_records(monkeypatch)

    assert len(lean) == 3
    assert [len(p["edges"]) for p in mine] == [1]
    assert lean == await walk(query, world.staff)
    assert mine == await walk(query, world.applicant)
