"""The parts of a stored decision record a reviewer reads: rules hit, scorecard, each pledged
patent's pledge value, graph risk and what moved it, the policy cell, limit and pricing.

Pure: everything comes from the record stored with the decision (a referral made without
model inputs has only its policy, pricing and reasons).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain.decision.graph_reasons import CODES as GRAPH_CODES
from domain.decision.inputs import GraphDriver, RuleHit
from domain.decision.policy import load_policy


@dataclass(frozen=True)
class Scorecard:
    """The credit scorecard's result and the reasons that cost the most points."""

    score: int
    grade: str
    probability_of_default: float
    reasons: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class PledgeLine:
    """One pledged patent: the pledge value the decision used and the valuation behind it."""

    patent_number: str
    pledge_value: Decimal
    valuation_id: int | None


@dataclass(frozen=True)
class GraphRisk:
    """Graph risk, the policy's review and reject thresholds, and what moved it."""

    value: float | None
    used: bool
    review_at: float | None
    reject_at: float | None
    drivers: tuple[GraphDriver, ...]
    reasons: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class Breakdown:
    """A decision record in parts; None where the record has no such part."""

    outcome: str
    policy_version: str | None
    model_versions: Mapping[str, str]
    rules_hit: tuple[RuleHit, ...]
    scorecard: Scorecard | None
    pledges: tuple[PledgeLine, ...]
    graph_risk: GraphRisk
    policy_cell: Mapping[str, str] | None
    limit: Mapping[str, Decimal] | None
    pricing: Mapping[str, Decimal] | None
    model_outcome: str | None  # what the model proposed, when a person decided


def _money(part: Any) -> Mapping[str, Decimal] | None:
    if not isinstance(part, Mapping):
        return None
    return {str(k): Decimal(str(v)) for k, v in part.items()}


def _thresholds(version: str | None) -> tuple[float | None, float | None]:
    if not version:
        return None, None
    try:
        policy = load_policy(version)
    except (ValueError, OSError):
        return None, None
    return policy.graph_risk_review, policy.graph_risk_reject


def breakdown(record: Mapping[str, Any]) -> Breakdown:
    """The parts of a stored decision record (pure)."""
    inputs: Mapping[str, Any] = record.get("inputs") or {}
    version = record.get("policy_version")
    scorecard = None
    if "score" in inputs and "grade" in inputs:
        scorecard = Scorecard(
            score=int(inputs["score"]),
            grade=str(inputs["grade"]),
            probability_of_default=float(inputs.get("probability_of_default") or 0.0),
            reasons=tuple(inputs.get("reasons") or ()),
        )
    valuation_ids: Mapping[str, Any] = inputs.get("valuation_ids") or {}
    pledges = tuple(
        PledgeLine(str(number), Decimal(str(value)), _int(valuation_ids.get(number)))
        for number, value in sorted((inputs.get("pledge_values") or {}).items())
    )
    driver = inputs.get("graph_driver")
    risk = inputs.get("graph_risk")
    review_at, reject_at = _thresholds(version)
    graph_codes = {"GRAPH_RISK_HIGH", "GRAPH_RISK_ELEVATED", *GRAPH_CODES.values()}
    graph = GraphRisk(
        value=None if risk is None else float(risk),
        used=bool(record.get("graph_risk_used")),
        review_at=review_at,
        reject_at=reject_at,
        drivers=() if not driver else (GraphDriver.from_dict(driver),),
        reasons=tuple(r for r in record.get("reasons") or () if r.get("code") in graph_codes),
    )
    cell = record.get("matrix_cell")
    model = record.get("model")
    return Breakdown(
        outcome=str(record.get("outcome")),
        policy_version=None if version is None else str(version),
        model_versions=dict(record.get("model_versions") or {}),
        rules_hit=tuple(RuleHit(**h) for h in inputs.get("rule_hits") or ()),
        scorecard=scorecard,
        pledges=pledges,
        graph_risk=graph,
        policy_cell=None if not isinstance(cell, Mapping) else {k: str(v) for k, v in cell.items()},
        limit=_money(record.get("limit")),
        pricing=_money(record.get("pricing")),
        model_outcome=None if not isinstance(model, Mapping) else str(model.get("outcome")),
    )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) else None


__all__ = ["Breakdown", "GraphRisk", "PledgeLine", "Scorecard", "breakdown"]
