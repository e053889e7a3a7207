"""The warning rules table: events and figures in, warning drafts out."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from db.models import WarningLevel
from domain.monitoring.contagion import walk
from domain.monitoring.contagion_rules import ContagionSource, Exposure, contagion_draft
from domain.monitoring.figure_rules import Figures, LoanContext, evaluate_indicator_change
from domain.monitoring.rules import (
    EventContext,
    EventFacts,
    at_least,
    evaluate_event,
    load_rules,
    parse_rules,
)

R, OR, Y = WarningLevel.RED, WarningLevel.ORANGE, WarningLevel.YELLOW


def event(type_: str, payload: dict[str, Any] | None = None) -> EventFacts:
    return EventFacts("ev-1", type_, "X" * 18, datetime(2025, 1, 1, tzinfo=UTC), payload or {})


@pytest.mark.parametrize(
    ("type_", "payload", "facts", "expected"),
    [
        ("dishonest_listed", {}, {}, (R, "dishonest_listed")),
        ("enforcement_listed", {}, {}, (R, "enforcement_listed")),
        ("equity_frozen", {}, {}, (R, "equity_frozen")),
        ("deregistered", {}, {}, (R, "deregistered")),
        ("overdue_payment", {"days_past_due": 31}, {}, (R, "overdue_30")),
        ("overdue_payment", {"days_past_due": 30}, {}, (Y, "overdue")),
        ("overdue_payment", {"days_past_due": 0}, {}, None),
        ("judgment_lost", {}, {}, (OR, "judgment_lost")),
        ("litigation_filed", {}, {"role": "defendant", "amount": "1000000"}, (OR, "major_litigation")),
        ("litigation_filed", {}, {"role": "defendant", "amount": "999999.99"}, (Y, "litigation")),
        ("litigation_filed", {}, {"role": "defendant", "amount": None}, (Y, "litigation")),
        ("litigation_filed", {}, {"role": "plaintiff", "amount": "5000000"}, None),
        ("tax_rating_downgraded", {"rating": "C"}, {}, (OR, "tax_downgrade")),
        ("tax_rating_downgraded", {"rating": "D"}, {}, (OR, "tax_downgrade")),
        ("tax_rating_downgraded", {"rating": "B"}, {}, None),
        ("tax_arrears", {"amount": 5000}, {}, (OR, "tax_arrears")),
        ("patent_lapsed", {"number": "CN1B"}, {"pledged": True}, (OR, "pledged_patent_lost")),
        ("patent_lapsed", {"number": "CN1B"}, {"pledged": False}, None),
        ("patent_invalidated", {"number": "CN1B"}, {"pledged": True}, (OR, "pledged_patent_lost")),
        ("patent_transferred", {}, {"pledged": True, "role": "assignor"}, (OR, "pledged_patent_lost")),
        ("patent_transferred", {}, {"pledged": True, "role": "assignee"}, None),
        ("legal_rep_changed", {}, {}, (Y, "legal_rep_changed")),
        ("shareholder_changed", {}, {}, (Y, "shareholder_changed")),
        ("financial_decline", {}, {}, (Y, "financial_decline")),
        ("business_abnormal", {}, {}, (Y, "business_abnormal")),
    ],
)  # fmt: skip
def test_event_rules(
    type_: str, payload: dict[str, Any], facts: dict[str, Any], expected: tuple[Any, str] | None
) -> None:
    drafts = evaluate_event(event(type_, payload), EventContext("甲公司", facts))
    assert [(d.level, d.kind) for d in drafts] == ([] if expected is None else [expected])


def test_a_warning_carries_its_event_as_evidence() -> None:
    [draft] = evaluate_event(
        event("overdue_payment", {"days_past_due": 45, "loan_id": 7}),
        EventContext("甲公司", {}, loan_id=7),
    )
    assert draft.message == "甲公司 is 45 days overdue on loan 7"
    assert draft.evidence["events"][0]["event_id"] == "ev-1"
    assert draft.evidence["rule"] == "R-OVERDUE-30"
    assert draft.loan_id == 7


@pytest.mark.parametrize(
    ("bad", "needle"),
    [
        ({"id": "X", "event": "nope", "level": "RED", "kind": "k", "message": "m"}, "unknown event"),
        ({"id": "X", "event": "deregistered", "level": "PINK", "kind": "k", "message": "m"}, "level"),
        ({"id": "X", "event": "deregistered", "level": "RED", "kind": "k", "message": "m",
          "when": [["payload.x", "~", 1]]}, "bad condition"),
        ({"id": "X", "event": "deregistered", "level": "RED", "kind": "k", "message": "m",
          "when": [["other.x", "==", 1]]}, "payload"),
        ({"id": "X", "event": "deregistered", "level": "RED", "kind": "", "message": "m"}, "required"),
    ],
)  # fmt: skip
def test_bad_rules_are_refused(bad: dict[str, Any], needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        parse_rules({"version": "t", "events": [bad]})


def test_shipped_rules_parse() -> None:
    assert load_rules().version == "warning-rules-1"
    assert (
        at_least("RED", "ORANGE") and not at_least("YELLOW", "ORANGE") and at_least("YELLOW", None)
    )


def loan_ctx(outstanding: str = "1000000") -> LoanContext:
    return LoanContext("甲公司", 9, Decimal(outstanding), ("CN1B",))


@pytest.mark.parametrize(
    ("collateral", "expected_kinds"),
    [("1000000", []), ("1200000", []), ("999999", ["ltv_shortfall"]), ("0", ["ltv_shortfall"])],
)
def test_collateral_shortfall(collateral: str, expected_kinds: list[str]) -> None:
    after = Figures(collateral_value=Decimal(collateral))
    drafts = evaluate_indicator_change(
        Figures(collateral_value=Decimal("2000000")), after, loan_ctx()
    )
    assert [d.kind for d in drafts] == expected_kinds
    for d in drafts:
        assert d.level == OR and d.source == "loan:9"
        cover = (Decimal(collateral) / Decimal(1000000)).quantize(Decimal("0.0001"), "ROUND_FLOOR")
        assert d.evidence["indicators"] == [
            {"code": "collateral_cover", "before": "2.0000", "after": str(cover)}
        ]


def test_shortfall_bands_give_fingerprints() -> None:
    def fp(value: str) -> str | None:
        [d] = evaluate_indicator_change(None, Figures(collateral_value=Decimal(value)), loan_ctx())
        return d.fingerprint

    assert fp("750000") == fp("790000") != fp("650000")


@pytest.mark.parametrize(
    ("figures", "expected"),
    [
        (Figures(period="2024", revenue=Decimal(60), previous_period="2023",
                 previous_revenue=Decimal(100)), ["revenue down 40%"]),
        (Figures(period="2024", revenue=Decimal(80), previous_period="2023",
                 previous_revenue=Decimal(100)), []),
        (Figures(period="2024", net_profit=Decimal(-1), previous_period="2023",
                 previous_net_profit=Decimal(5)), ["net profit turned negative"]),
        (Figures(period="2024", net_profit=Decimal(-1), previous_period="2023",
                 previous_net_profit=Decimal(-5)), []),
        (Figures(period="2024", revenue=Decimal(1)), []),
    ],
)  # fmt: skip
def test_financial_decline(figures: Figures, expected: list[str]) -> None:
    drafts = evaluate_indicator_change(None, figures, LoanContext("甲公司", 9, Decimal(1)))
    assert [d.kind for d in drafts] == (["financial_decline"] if expected else [])
    for d, text in zip(drafts, expected, strict=True):
        assert text in d.message and d.fingerprint == "period=2024"


def test_graph_risk_rule() -> None:
    ctx = LoanContext("甲公司", 9, Decimal(1))
    assert evaluate_indicator_change(None, Figures(graph_risk=0.49), ctx) == []
    [d] = evaluate_indicator_change(None, Figures(graph_risk=0.61), ctx)
    assert (d.level, d.kind) == (Y, "graph_risk")


SOURCE_RED = ContagionSource(1, "S" * 18, "源公司", R, "dishonest_listed")
SOURCE_ORANGE = ContagionSource(1, "S" * 18, "源公司", OR, "judgment_lost")
GUARANTEE = ({"from": "G", "relation": "guarantee", "to": "S"},)
SUPPLY = ({"from": "S", "relation": "supply", "to": "C"},)


@pytest.mark.parametrize(
    ("source", "exposure", "method", "level"),
    [
        (SOURCE_RED, Exposure("G", "保证人", 1, GUARANTEE), "walk", OR),
        (SOURCE_ORANGE, Exposure("G", "保证人", 1, GUARANTEE), "walk", Y),
        (SOURCE_RED, Exposure("C", "客户", 1, SUPPLY), "walk", Y),
        (SOURCE_RED, Exposure("C", "客户", 2, GUARANTEE + SUPPLY), "walk", Y),
        (SOURCE_RED, Exposure("C", "客户", 3, GUARANTEE + SUPPLY * 2), "walk", None),
        (SOURCE_RED, Exposure("C", "客户", 1, SUPPLY, 0.10, 0.30), "gnn", OR),
        (SOURCE_RED, Exposure("C", "客户", 1, SUPPLY, 0.10, 0.12), "gnn", Y),
        (SOURCE_RED, Exposure("C", "客户", 1, SUPPLY, 0.10, 0.05), "gnn", None),
    ],
)
def test_contagion_levels(
    source: ContagionSource, exposure: Exposure, method: str, level: WarningLevel | None
) -> None:
    draft = contagion_draft(source, exposure, method=method, model_version=None)
    assert (None if draft is None else draft.level) == level
    if draft is not None:
        assert draft.source == source.uscc and draft.kind == "contagion"
        assert "源公司" in draft.message


def test_walk_keeps_relation_direction_and_shortest_paths() -> None:
    links = [
        ("guarantee", "B", "A"),
        ("supply", "C", "B"),
        ("supply", "A", "C"),
        ("supply", "D", "C"),
    ]
    found = walk(links, "A", 2)
    assert found["B"] == (1, ({"from": "B", "relation": "guarantee", "to": "A"},))
    assert found["C"][0] == 1
    assert found["D"] == (2, ({"from": "A", "relation": "supply", "to": "C"},
                              {"from": "D", "relation": "supply", "to": "C"}))  # fmt: skip
    assert "A" not in found
    assert set(walk(links, "A", 1)) == {"B", "C"}
