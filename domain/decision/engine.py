"""The pure credit decision: rules, thresholds, matrix, limit and price from given inputs.

`decide` reads nothing but its arguments, so a stored decision can be replayed from its
recorded inputs and policy version and must come out the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from domain.decision.graph_reasons import driver_reason
from domain.decision.inputs import ApplicationTerms, ProductTerms, Reason, RiskInputs, inputs_hash
from domain.decision.policy import Policy

RATE = Decimal("0.000001")
FEN = Decimal("0.01")


class Outcome(StrEnum):
    """What the model decides."""

    APPROVED = "APPROVED"
    MANUAL_REVIEW = "MANUAL_REVIEW"
    REJECTED = "REJECTED"


_SEVERITY = {Outcome.APPROVED: 0, Outcome.MANUAL_REVIEW: 1, Outcome.REJECTED: 2}
_ACTION = {"APPROVE": Outcome.APPROVED, "REVIEW": Outcome.MANUAL_REVIEW, "REJECT": Outcome.REJECTED}


@dataclass(frozen=True)
class LimitBreakdown:
    """How the credit limit came about."""

    pledge_component: Decimal
    credit_component: Decimal
    revenue_cap: Decimal
    product_max: Decimal
    limit: Decimal

    def to_dict(self) -> dict[str, str]:
        """JSON-ready."""
        return {k: str(v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Pricing:
    """The borrower's rate: base plus grade spread (with a floor), less the subsidy."""

    base_rate: Decimal
    grade_spread: Decimal
    bank_rate: Decimal
    subsidy_rate: Decimal
    annual_rate: Decimal

    def to_dict(self) -> dict[str, str]:
        """JSON-ready."""
        return {k: str(v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class DecisionResult:
    """The outcome with its offer (a proposal when referred), reasons and breakdowns."""

    outcome: Outcome
    approved_amount: Decimal | None
    annual_rate: Decimal | None
    reasons: tuple[Reason, ...]
    limit: LimitBreakdown
    pricing: Pricing
    matrix_cell: dict[str, str]
    graph_risk_used: bool
    policy_version: str
    inputs_hash: str

    def to_dict(self) -> dict[str, Any]:
        """The decision-specific part of the record stored on the application."""
        return {
            "outcome": self.outcome.value,
            "approved_amount": None if self.approved_amount is None else str(self.approved_amount),
            "annual_rate": None if self.annual_rate is None else str(self.annual_rate),
            "reasons": [r.to_dict() for r in self.reasons],
            "limit": self.limit.to_dict(),
            "pricing": self.pricing.to_dict(),
            "matrix_cell": dict(self.matrix_cell),
            "graph_risk_used": self.graph_risk_used,
            "policy_version": self.policy_version,
            "inputs_hash": self.inputs_hash,
        }


class _Verdict:
    """Collects reasons and keeps the most severe outcome seen."""

    def __init__(self) -> None:
        self.outcome = Outcome.APPROVED
        self.reasons: list[Reason] = []

    def add(self, outcome: Outcome, code: str, description: str, weight: float) -> None:
        self.reasons.append(Reason(code, description, round(weight, 4)))
        if _SEVERITY[outcome] > _SEVERITY[self.outcome]:
            self.outcome = outcome


def decide(
    inputs: RiskInputs, terms: ApplicationTerms, product: ProductTerms, policy: Policy
) -> DecisionResult:
    """Decide an application from its risk inputs, terms, product and policy."""
    verdict = _Verdict()
    grade = inputs.grade if inputs.grade in policy.grades else policy.grades[-1]
    if grade != inputs.grade:
        verdict.add(
            Outcome.MANUAL_REVIEW,
            "GRADE_UNKNOWN",
            f"grade {inputs.grade!r} is not in the policy; treated as {grade}",
            1.0,
        )
    _apply_rules(inputs, product, policy, verdict)
    _apply_thresholds(inputs, grade, policy, verdict)
    graph_used = inputs.graph_risk is not None
    _apply_graph_risk(inputs, policy, verdict)
    limit = credit_limit(inputs, grade, product, policy)
    offer = _offer(terms.amount, limit.limit, policy)
    _apply_limit(
        terms, product, limit, offer, policy, verdict, revenue_unknown=inputs.annual_revenue is None
    )
    band = policy.band_of(offer if offer > 0 else terms.amount)
    action = policy.matrix[grade][band]
    verdict.add(
        _ACTION[action],
        f"MATRIX_{action}",
        f"grade {grade} with amount band {band}: {action.lower()}",
        0.0 if action == "APPROVE" else 1.0,
    )
    for reason in inputs.reasons:
        verdict.reasons.append(reason)
    pricing = price(grade, product, policy)
    rejected = verdict.outcome is Outcome.REJECTED
    return DecisionResult(
        outcome=verdict.outcome,
        approved_amount=None if rejected else offer,
        annual_rate=None if rejected else pricing.annual_rate,
        reasons=tuple(verdict.reasons),
        limit=limit,
        pricing=pricing,
        matrix_cell={"grade": grade, "band": band, "action": action},
        graph_risk_used=graph_used,
        policy_version=policy.version,
        inputs_hash=inputs_hash(inputs, terms, product, policy.sha256),
    )


def credit_limit(
    inputs: RiskInputs, grade: str, product: ProductTerms, policy: Policy
) -> LimitBreakdown:
    """The most the bank lends: pledge value and (for credit products) revenue, capped."""
    pledge = inputs.pledge_total * policy.pledge_share[grade]
    credit = Decimal("0")
    if not product.requires_pledge and inputs.annual_revenue is not None:
        credit = inputs.annual_revenue * policy.credit_share[grade]
    if inputs.annual_revenue is None:
        cap = policy.revenue_unknown_cap
    else:
        cap = inputs.annual_revenue * policy.revenue_cap_share
    limit = min(pledge + credit, cap, product.max_amount)
    limit = max(limit, Decimal("0"))
    return LimitBreakdown(
        pledge_component=pledge.quantize(FEN, ROUND_DOWN),
        credit_component=credit.quantize(FEN, ROUND_DOWN),
        revenue_cap=cap.quantize(FEN, ROUND_DOWN),
        product_max=product.max_amount,
        limit=limit.quantize(FEN, ROUND_DOWN),
    )


def price(grade: str, product: ProductTerms, policy: Policy) -> Pricing:
    """The annual rate for a grade: base + spread (floored), less the product's subsidy."""
    spread = policy.grade_spread[grade]
    bank_rate = max(product.annual_rate + spread, policy.floor_rate)
    borrower = max(bank_rate - product.subsidy_rate, policy.min_borrower_rate)
    return Pricing(
        base_rate=product.annual_rate,
        grade_spread=spread,
        bank_rate=bank_rate.quantize(RATE, ROUND_HALF_UP),
        subsidy_rate=product.subsidy_rate,
        annual_rate=borrower.quantize(RATE, ROUND_HALF_UP),
    )


def _offer(requested: Decimal, limit: Decimal, policy: Policy) -> Decimal:
    if requested <= limit:
        return requested
    step = policy.round_down_to
    return ((limit / step).to_integral_value(ROUND_DOWN) * step).quantize(FEN)


def _apply_rules(
    inputs: RiskInputs, product: ProductTerms, policy: Policy, verdict: _Verdict
) -> None:
    for hit in inputs.rule_hits:
        if not product.requires_pledge and hit.code in policy.rules_needing_pledge:
            continue
        if hit.action.lower() == "reject":
            verdict.add(Outcome.REJECTED, hit.code, hit.description, 1.0)
        else:
            verdict.add(Outcome.MANUAL_REVIEW, hit.code, hit.description, 0.5)


def _apply_thresholds(inputs: RiskInputs, grade: str, policy: Policy, verdict: _Verdict) -> None:
    pd_text = f"{inputs.probability_of_default:.2%}"
    if inputs.probability_of_default > policy.max_pd:
        verdict.add(
            Outcome.REJECTED,
            "PD_TOO_HIGH",
            f"probability of default {pd_text} is above the policy maximum {policy.max_pd:.0%}",
            1.0,
        )
    if grade in policy.reject_grades:
        verdict.add(
            Outcome.REJECTED, "GRADE_REJECTED", f"credit grade {grade} is not admitted", 1.0
        )
    verdict.add(
        Outcome.APPROVED,
        f"GRADE_{grade}",
        f"credit grade {grade}, score {inputs.score}, probability of default {pd_text}",
        0.0,
    )


def _apply_graph_risk(inputs: RiskInputs, policy: Policy, verdict: _Verdict) -> None:
    """Graph risk in the review or reject band moves the decision; then the recorded driver
    (the relation and counterparty that raised it most) is a reason too."""
    risk = inputs.graph_risk
    if risk is None:
        verdict.add(
            Outcome.APPROVED, "GRAPH_RISK_NOT_USED", "no graph risk model was available", 0.0
        )
        return
    if risk >= policy.graph_risk_reject:
        verdict.add(
            Outcome.REJECTED,
            "GRAPH_RISK_HIGH",
            f"graph risk {risk:.2f} from related enterprises is at or above "
            f"{policy.graph_risk_reject}",
            risk,
        )
    elif risk >= policy.graph_risk_review:
        verdict.add(
            Outcome.MANUAL_REVIEW,
            "GRAPH_RISK_ELEVATED",
            f"graph risk {risk:.2f} from related enterprises is at or above "
            f"{policy.graph_risk_review}",
            risk,
        )
    else:
        return
    driver = driver_reason(inputs.graph_driver)
    if driver is not None:
        verdict.reasons.append(driver)


def _apply_limit(
    terms: ApplicationTerms,
    product: ProductTerms,
    limit: LimitBreakdown,
    offer: Decimal,
    policy: Policy,
    verdict: _Verdict,
    *,
    revenue_unknown: bool,
) -> None:
    if product.requires_pledge and limit.pledge_component <= 0:
        verdict.add(
            Outcome.REJECTED, "NO_PLEDGE_VALUE", "the pledged patents have no pledge value", 1.0
        )
    if revenue_unknown:
        verdict.add(
            Outcome.APPROVED,
            "REVENUE_UNKNOWN",
            f"no revenue on record: the limit is capped at {policy.revenue_unknown_cap}",
            0.3,
        )
    if offer < product.min_amount:
        verdict.add(
            Outcome.REJECTED,
            "LIMIT_BELOW_MINIMUM",
            f"credit limit {limit.limit} is below the product minimum {product.min_amount}",
            1.0,
        )
        return
    if offer < terms.amount:
        share = offer / terms.amount
        outcome = Outcome.MANUAL_REVIEW if share < policy.review_below_share else Outcome.APPROVED
        verdict.add(
            outcome,
            "AMOUNT_REDUCED",
            f"amount reduced from {terms.amount} to the credit limit {offer}",
            float(1 - share),
        )
