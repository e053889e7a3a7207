"""The served schema contains the contract, and schema.graphql is the served SDL."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema as parse_sdl

from schema import build_schema
from schema.export import sdl
from tests.schema.contract import compare

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "schema" / "contract.graphql"
SHARED = ROOT.parent / "shared" / "design" / "api-contract.graphql"
MISSING = ROOT / "tests" / "schema" / "contract_missing.txt"


def _comparison():  # type: ignore[no-untyped-def]
    return compare(parse_sdl(CONTRACT.read_text()), build_schema()._schema)


def test_copy_equals_shared_contract() -> None:
    if not SHARED.exists():
        pytest.skip("no shared design directory beside the checkout")
    assert CONTRACT.read_text() == SHARED.read_text()


def test_no_mismatch_with_contract() -> None:
    assert _comparison().mismatches == []


def test_missing_list_is_current() -> None:
    """What is still missing is recorded; adding a piece must shrink the list, never grow it."""
    missing = _comparison().missing
    recorded = [line for line in MISSING.read_text().splitlines() if line.strip()]
    assert missing == recorded, "update tests/schema/contract_missing.txt"


def test_every_type_and_field_has_a_description() -> None:
    schema = build_schema()._schema
    undocumented = []
    for name, t in schema.type_map.items():
        if name.startswith("__") or name in ("String", "Int", "Float", "Boolean", "ID"):
            continue
        if not t.description:
            undocumented.append(name)
        for fname, f in (getattr(t, "fields", None) or {}).items():
            if not f.description:
                undocumented.append(f"{name}.{fname}")
    assert undocumented == []


def test_schema_file_is_current() -> None:
    assert (ROOT / "schema.graphql").read_text() == sdl(), "run `make schema`"


def test_an_output_string_may_be_served_as_an_enum_wrapped_the_same_way() -> None:
    contract = parse_sdl("type Query { t: T }  type T { s: String!  l: [String!] }"
                         "  input I { s: String! }  type Mutation { m(i: I): T }")  # fmt: skip
    same = parse_sdl("enum E { A }  type Query { t: T }  type T { s: E!  l: [E!] }"
                     "  input I { s: String! }  type Mutation { m(i: I): T }")  # fmt: skip
    rewrapped = parse_sdl("enum E { A }  type Query { t: T }  type T { s: E  l: [E!]! }"
                          "  input I { s: E! }  type Mutation { m(i: I): T }")  # fmt: skip

    assert compare(contract, same).mismatches == []
    assert sorted(compare(contract, rewrapped).mismatches) == [
        "I.s: type E!, contract says String!",
        "T.l: type [E!]!, contract says [String!]",
        "T.s: type E, contract says String!",
    ]
