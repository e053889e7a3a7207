"""The pure decision core on hand-made inputs, and the policy file loader."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

import pytest

from domain.decision import (
    ApplicationTerms,
    Outcome,
    ProductTerms,
    RiskInputs,
    RuleHit,
    decide,
    load_policy,
)
from domain.decision.policy import POLICY_DIR, parse_policy
from domain.products import load_catalogue
from tests.domain.lending_fixtures import inputs

D = Decimal
POLICY = load_policy("v1")
PRODUCTS = {
    p["code"]: ProductTerms(
        code=p["code"],
        min_amount=p["min_amount"],
        max_amount=p["max_amount"],
        annual_rate=p["annual_rate"],
        subsidy_rate=p["subsidy_rate"],
        requires_pledge=p["requires_pledge"],
        guarantee_on_approval=p["guarantee_on_approval"],
        guarantor_name=p["guarantor_name"],
    )
    for p in load_catalogue()
}
PLEDGE = PRODUCTS["IPCREDIT_IP_PLEDGE"]
REJECT_HIT = RuleHit("ADM_DISHONEST", "admission", "reject", "listed as dishonest")
REVIEW_HIT = RuleHit("ADM_ENFORCEMENT", "admission", "review", "subject to enforcement")
NO_PATENT_HIT = RuleHit("FRD_NO_PATENT", "fraud", "reject", "pledges no patent")


def run(risk: RiskInputs, amount: str = "1000000", product: ProductTerms = PLEDGE):  # type: ignore[no-untyped-def]
    return decide(risk, ApplicationTerms(D(amount), 12, tuple(risk.pledge_values)), product, POLICY)


def codes(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.code for r in result.reasons]


def test_good_borrower_is_approved_in_full_at_base_plus_spread() -> None:
    result = run(inputs(grade="A"))
    assert result.outcome is Outcome.APPROVED
    assert result.approved_amount == D("1000000")
    assert result.annual_rate == D("0.044500")  # 3.95% base + 0.50% for grade A
    assert {"GRADE_A", "MATRIX_APPROVE", "GRAPH_RISK_NOT_USED", "SC_R_AND_D"} <= set(codes(result))
    assert result.graph_risk_used is False
    assert result.policy_version == "v1"


@pytest.mark.parametrize(
    ("risk", "outcome", "code"),
    [
        (inputs(hits=(REJECT_HIT,)), Outcome.REJECTED, "ADM_DISHONEST"),
        (inputs(hits=(REVIEW_HIT,)), Outcome.MANUAL_REVIEW, "ADM_ENFORCEMENT"),
        (inputs(hits=(REVIEW_HIT, REJECT_HIT)), Outcome.REJECTED, "ADM_DISHONEST"),
        (inputs(pd=0.2, grade="B"), Outcome.REJECTED, "PD_TOO_HIGH"),
        (inputs(grade="CCC", pd=0.1), Outcome.REJECTED, "GRADE_REJECTED"),
        (inputs(graph_risk=0.55), Outcome.MANUAL_REVIEW, "GRAPH_RISK_ELEVATED"),
        (inputs(graph_risk=0.9), Outcome.REJECTED, "GRAPH_RISK_HIGH"),
        (inputs(graph_risk=0.1), Outcome.APPROVED, "MATRIX_APPROVE"),
        (inputs(grade="BB", pd=0.06), Outcome.MANUAL_REVIEW, "MATRIX_REVIEW"),
        (inputs(grade="ZZ"), Outcome.REJECTED, "GRADE_UNKNOWN"),
        (inputs(pledge="0"), Outcome.REJECTED, "NO_PLEDGE_VALUE"),
        (inputs(pledge="90000"), Outcome.REJECTED, "LIMIT_BELOW_MINIMUM"),
    ],
)
def test_outcome_table(risk: RiskInputs, outcome: Outcome, code: str) -> None:
    result = run(risk)
    assert result.outcome is outcome
    assert code in codes(result)
    assert (result.approved_amount is None) == (outcome is Outcome.REJECTED)


def test_graph_risk_is_recorded_as_used_when_present() -> None:
    assert run(inputs(graph_risk=0.1)).graph_risk_used is True


@pytest.mark.parametrize(
    ("grade", "amount", "action"),
    [
        ("AAA", "8000000", "APPROVE"),
        ("AA", "8000000", "REVIEW"),
        ("BBB", "1000000", "APPROVE"),
        ("BBB", "2000000", "REVIEW"),
        ("B", "500000", "REVIEW"),
        ("B", "2000000", "REJECT"),
    ],
)
def test_grade_by_amount_matrix(grade: str, amount: str, action: str) -> None:
    risk = inputs(grade=grade, pd=0.01, pledge="20000000", revenue="100000000")
    result = run(risk, amount)
    assert result.matrix_cell == {
        "grade": grade,
        "band": POLICY.band_of(D(amount)),
        "action": action,
    }
    assert f"MATRIX_{action}" in codes(result)


def test_offer_is_cut_to_the_pledge_limit_and_rounded_down() -> None:
    result = run(inputs(grade="A", pledge="800555"))  # 90% of pledge = 720,499.50
    assert result.limit.pledge_component == D("720499.50")
    assert result.approved_amount == D("720000.00")
    assert result.outcome is Outcome.APPROVED
    assert "AMOUNT_REDUCED" in codes(result)


def test_offer_below_half_the_request_goes_to_review() -> None:
    result = run(inputs(grade="A", pledge="400000"))
    assert result.approved_amount == D("360000.00")
    assert result.outcome is Outcome.MANUAL_REVIEW


def test_revenue_caps_the_limit() -> None:
    result = run(inputs(grade="AAA", pledge="5000000", revenue="1200000"))
    assert result.limit.revenue_cap == D("600000.00")
    assert result.approved_amount == D("600000.00")


def test_unknown_revenue_uses_the_policy_cap_and_says_so() -> None:
    result = run(inputs(grade="AAA", pledge="5000000", revenue=None), "400000")
    assert result.limit.revenue_cap == D("500000.00")
    assert result.approved_amount == D("400000")
    assert "REVENUE_UNKNOWN" in codes(result)


def test_credit_product_lends_on_revenue_and_ignores_the_no_pledge_rule() -> None:
    risk = inputs(grade="A", pledge="0", patents=(), revenue="5000000", hits=(NO_PATENT_HIT,))
    result = run(risk, "800000", PRODUCTS["TECH_CREDIT"])
    assert result.limit.credit_component == D("1000000.00")  # 20% of revenue for grade A
    assert result.outcome is Outcome.APPROVED
    assert "FRD_NO_PATENT" not in codes(result)


def test_pledge_product_keeps_the_no_pledge_rule() -> None:
    assert run(inputs(hits=(NO_PATENT_HIT,))).outcome is Outcome.REJECTED


def test_product_maximum_caps_the_limit() -> None:
    risk = inputs(grade="AAA", pledge="50000000", revenue="500000000")
    result = run(risk, "3000000", PRODUCTS["TECH_CREDIT"])
    assert result.limit.limit == D("3000000.00")


def test_subsidy_lowers_the_borrowers_rate() -> None:
    result = run(inputs(grade="BBB", pledge="5000000"), "500000", PRODUCTS["GOV_SUBSIDY"])
    assert result.pricing.bank_rate == D("0.048500")  # 3.85% + 1.00%
    assert result.pricing.subsidy_rate == D("0.010000")
    assert result.annual_rate == D("0.038500")


def test_every_outcome_carries_reasons_with_weights() -> None:
    for risk in (inputs(), inputs(hits=(REJECT_HIT,)), inputs(graph_risk=0.6)):
        result = run(risk)
        assert result.reasons
        assert all(isinstance(r.weight, float) and r.description for r in result.reasons)


def test_same_inputs_same_hash_and_result_replayable_from_json() -> None:
    risk = inputs(graph_risk=0.3)
    first = run(risk)
    again = run(RiskInputs.from_dict(json.loads(json.dumps(risk.to_dict()))))
    assert again == first
    assert run(inputs(graph_risk=0.31)).inputs_hash != first.inputs_hash
    assert run(risk, "999000").inputs_hash != first.inputs_hash


def test_policy_file_version_and_hash() -> None:
    raw = (POLICY_DIR / "v1.json").read_bytes()
    assert POLICY.version == "v1"
    assert POLICY.sha256 == hashlib.sha256(raw).hexdigest()


@pytest.mark.parametrize(
    "breakage",
    [
        lambda p: p["matrix"].pop("BB"),
        lambda p: p["matrix"]["A"].update(M="MAYBE"),
        lambda p: p["pricing"]["grade_spread"].pop("AAA"),
        lambda p: p["amount_bands"][-1].update(up_to="9"),
        lambda p: p["admission"].update(graph_risk_review=0.9),
    ],
)
def test_incomplete_policy_is_refused(breakage) -> None:  # type: ignore[no-untyped-def]
    data = json.loads((POLICY_DIR / "v1.json").read_text())
    breakage(data)
    with pytest.raises(ValueError):  # noqa: PT011
        parse_policy(json.dumps(data).encode())


def test_unknown_policy_version_is_refused() -> None:
    with pytest.raises((ValueError, FileNotFoundError)):
        load_policy("../v1")
