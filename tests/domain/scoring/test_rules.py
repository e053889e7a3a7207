"""The rule interpreter and the shipped admission and anti-fraud rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from domain.errors import InvalidInput
from domain.scoring.rules import evaluate_rules, holds, load_rules, parse_rules, validate_condition


@pytest.mark.parametrize(
    ("cond", "facts", "expected"),
    [
        ({"fact": "a", "op": "eq", "value": 1}, {"a": 1}, True),
        ({"fact": "a", "op": "eq", "value": 1}, {"a": 2}, False),
        ({"fact": "a", "op": "ne", "value": 1}, {"a": 2}, True),
        ({"fact": "a", "op": "lt", "value": 1}, {"a": 0.5}, True),
        ({"fact": "a", "op": "le", "value": 1}, {"a": 1}, True),
        ({"fact": "a", "op": "gt", "value": 1}, {"a": 1}, False),
        ({"fact": "a", "op": "ge", "value": 1}, {"a": 1}, True),
        ({"fact": "s", "op": "in", "value": ["x", "y"]}, {"s": "y"}, True),
        ({"fact": "s", "op": "not_in", "value": ["x", "y"]}, {"s": "y"}, False),
        ({"fact": "b", "op": "is_true"}, {"b": True}, True),
        ({"fact": "b", "op": "is_true"}, {"b": False}, False),
        ({"fact": "b", "op": "is_false"}, {"b": False}, True),
        ({"fact": "b", "op": "present"}, {"b": 0}, True),
        ({"fact": "b", "op": "absent"}, {}, True),
        ({"fact": "b", "op": "absent"}, {"b": None}, True),
        # a missing fact never satisfies a comparison, even a negative one
        ({"fact": "a", "op": "gt", "value": 1}, {}, False),
        ({"fact": "a", "op": "ne", "value": 1}, {}, False),
        ({"fact": "a", "op": "is_false"}, {}, False),
        # wrong type: no match instead of a crash
        ({"fact": "a", "op": "gt", "value": 1}, {"a": "text"}, False),
        ({"all": [{"fact": "a", "op": "gt", "value": 1}, {"fact": "b", "op": "is_true"}]},
         {"a": 2, "b": True}, True),
        ({"all": [{"fact": "a", "op": "gt", "value": 1}, {"fact": "b", "op": "is_true"}]},
         {"a": 2, "b": False}, False),
        ({"any": [{"fact": "a", "op": "gt", "value": 1}, {"fact": "b", "op": "is_true"}]},
         {"a": 0, "b": True}, True),
        ({"not": {"fact": "a", "op": "eq", "value": 1}}, {"a": 2}, True),
    ],
)  # fmt: skip
def test_conditions(cond: dict, facts: dict, expected: bool) -> None:
    validate_condition(cond)
    assert holds(cond, facts) is expected


@pytest.mark.parametrize(
    "cond",
    [
        {"fact": "a", "op": "matches", "value": ".*"},
        {"fact": "a", "op": "eq"},
        {"fact": "a", "op": "in", "value": "abc"},
        {"fact": "a", "op": "is_true", "value": 1},
        {"all": []},
        {"fact": "a", "op": "eq", "value": 1, "extra": 2},
        {"python": "__import__('os')"},
        "status == 'revoked'",
    ],
)
def test_malformed_conditions_are_refused(cond: object) -> None:
    with pytest.raises(InvalidInput):
        validate_condition(cond)


def test_rule_file_validation() -> None:
    rule = {"code": "X", "kind": "admission", "action": "reject", "description": "d",
            "when": {"fact": "a", "op": "is_true"}}  # fmt: skip
    with pytest.raises(InvalidInput, match="duplicate"):
        parse_rules({"rules": [rule, rule]})
    with pytest.raises(InvalidInput, match="kind"):
        parse_rules({"rules": [{**rule, "kind": "other"}]})
    with pytest.raises(InvalidInput, match="lacks"):
        parse_rules({"rules": [{"code": "X"}]})
    assert parse_rules({"rules": [rule]}).version != parse_rules({"rules": []}).version


CLEAN = {
    "status": "active", "enterprise_age_years": 5.0, "dishonest_listed": False,
    "enforcement_listed": False, "equity_frozen": False, "business_abnormal_12m": 0,
    "overdue_payments_12m": 0, "tax_arrears_events_12m": 0, "tax_rating": "A",
    "tax_arrears": 0.0, "legal_rep_changed_recently": False, "pledged_patents": 2,
    "patents_unknown": 0, "patents_not_owned": 0, "patents_already_pledged": 0,
    "patents_not_in_force": 0, "patents_transferred_in_recently": 0,
    "patents_in_open_litigation": 0, "min_remaining_life_years": 12.0,
}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "code", "action"),
    [
        ({"status": "revoked"}, "ADM_STATUS", "reject"),
        ({"dishonest_listed": True}, "ADM_DISHONEST", "reject"),
        ({"enforcement_listed": True}, "ADM_ENFORCEMENT", "review"),
        ({"tax_rating": "D"}, "ADM_TAX_D", "reject"),
        ({"tax_arrears": 1200.0}, "ADM_TAX_ARREARS", "review"),
        ({"enterprise_age_years": 0.4}, "ADM_YOUNG", "reject"),
        ({"patents_not_owned": 1}, "FRD_NOT_OWNER", "reject"),
        ({"patents_already_pledged": 1}, "FRD_ALREADY_PLEDGED", "reject"),
        ({"patents_transferred_in_recently": 1}, "FRD_RECENT_TRANSFER", "review"),
        ({"patents_not_in_force": 1}, "FRD_NOT_IN_FORCE", "reject"),
        ({"pledged_patents": 0}, "FRD_NO_PATENT", "reject"),
        ({"min_remaining_life_years": 1.2}, "FRD_SHORT_LIFE", "review"),
    ],
)
def test_shipped_rules(change: dict, code: str, action: str) -> None:
    rules = load_rules()
    assert evaluate_rules(CLEAN, rules) == []
    hits = evaluate_rules({**CLEAN, **change}, rules)
    assert [(h.code, h.action) for h in hits] == [(code, action)]
    assert hits[0].facts == {k: v for k, v in {**CLEAN, **change}.items() if k in hits[0].facts}
    assert hits[0].description


def test_rules_file_is_plain_json() -> None:
    path = Path(__file__).parents[3] / "domain" / "scoring" / "rules.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert {r["code"] for r in data["rules"]} == {r.code for r in load_rules().rules}
