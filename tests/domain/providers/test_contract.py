"""The data platform's answers are checked whole: malformed ones are errors, never partial rows."""

from __future__ import annotations

import json
from typing import Any

import pytest

from db.models.consent import DataSource as S
from domain.providers.base import ProviderError
from domain.providers.contract import merge, parse_enterprise, parse_rows
from tests.factories import A, B, tiny_world

WORLD = tiny_world()
ENT_A, ENT_B = WORLD["enterprises"][0], WORLD["enterprises"][1]


def body(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode()


def tax_answer(**rows: Any) -> dict[str, Any]:
    return {"uscc": A, "source": "tax", "rows": rows}


def test_a_good_answer_is_its_rows() -> None:
    rows = {"tax": WORLD["tax"][:2], "enterprises": [ENT_A]}
    assert parse_rows(body(tax_answer(**rows)), S.TAX, A) == rows
    assert parse_enterprise(body({"enterprise": ENT_A}), A) == ENT_A


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (b"", "not JSON"),
        (b'{"uscc": "9134', "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (body([1, 2]), "not an object"),
        (body({**tax_answer(), "uscc": B}), "another enterprise"),
        (body({**tax_answer(), "source": "judicial"}), "another source"),
        (body({"uscc": A, "source": "tax", "rows": [1]}), "rows is not an object"),
        (body(tax_answer(litigations=[])), "not a file of this source"),
        (body(tax_answer(tax={"uscc": A})), "tax is not a list"),
        (body(tax_answer(tax=["A"])), "row is not an object"),
        (body(tax_answer(tax=[{"year": 2024}])), "without uscc"),
        (body(tax_answer(tax=[{"uscc": A, "year": "2024"}])), "without year"),
        (body(tax_answer(tax=[{**WORLD["tax"][2]}])), "about another enterprise"),
        (body(tax_answer(enterprises=[{"uscc": A}])), "without name"),
    ],
)
def test_a_malformed_answer_is_refused_whole(answer: bytes, reason: str) -> None:
    with pytest.raises(ProviderError, match=reason) as caught:
        parse_rows(answer, S.TAX, A)
    assert caught.value.source is S.TAX


@pytest.mark.parametrize(
    "lit",
    [
        {"case_no": "x", "parties": "A"},
        {"case_no": "x", "parties": [{"role": "plaintiff"}]},
        {"case_no": "x", "parties": [{"uscc": A}], "patents": [1]},
    ],
)
def test_a_case_needs_parties_and_patent_numbers(lit: dict[str, Any]) -> None:
    answer = {"uscc": A, "source": "judicial", "rows": {"litigations": [lit]}}
    with pytest.raises(ProviderError, match="litigations row"):
        parse_rows(body(answer), S.JUDICIAL, A)


@pytest.mark.parametrize(
    "doc", [{}, {"enterprise": [ENT_A]}, {"enterprise": ENT_B}, {"enterprise": {"uscc": A}}]
)
def test_a_malformed_lookup_is_refused(doc: dict[str, Any]) -> None:
    with pytest.raises(ProviderError, match="malformed"):
        parse_enterprise(body(doc), A)


def test_merge_keeps_one_copy_of_a_record_and_refuses_disagreeing_ones() -> None:
    one = {"enterprises": [ENT_A, ENT_B], "tax": WORLD["tax"][:1]}
    two = {"enterprises": [ENT_A], "tax": WORLD["tax"][1:2]}
    merged = merge([one, two])
    assert merged["enterprises"] == [ENT_A, ENT_B]
    assert len(merged["tax"]) == 2
    with pytest.raises(ProviderError, match="disagree"):
        merge([one, {"enterprises": [{**ENT_A, "name": "另一家"}]}])
