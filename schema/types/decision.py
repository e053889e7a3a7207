"""Decisions on applications as the API shows them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry

import resolvers.decision
from domain.decision import ReviewDecision as Verdict
from schema.types.risk_score import ReasonCode

ReviewDecision = strawberry.enum(
    Verdict, name="ReviewDecision", description="A reviewer's verdict."
)

# a stored decision is a dict: outcome, offer, reasons, who decided and when
Record = dict[str, Any]


def _outcome(root: strawberry.Parent[Record]) -> str:
    return str(root.get("outcome"))


def _approved_amount(root: strawberry.Parent[Record]) -> Decimal | None:
    amount = root.get("approved_amount")
    return Decimal(str(amount)) if amount is not None else None


def _annual_rate(root: strawberry.Parent[Record]) -> float | None:
    rate = root.get("annual_rate")
    return float(rate) if rate is not None else None


def _decided_at(root: strawberry.Parent[Record]) -> datetime:
    return datetime.fromisoformat(str(root["decided_at"]))


@strawberry.type(description="The outcome of the automated or manual decision.")
class Decision:
    outcome: str = strawberry.field(
        resolver=_outcome, description="APPROVED, REJECTED or MANUAL_REVIEW."
    )
    approved_amount: Decimal | None = strawberry.field(
        resolver=_approved_amount, description="Amount offered, CNY."
    )
    annual_rate: float | None = strawberry.field(
        resolver=_annual_rate, description="Rate offered, after subsidy."
    )
    reasons: list[ReasonCode] = strawberry.field(
        resolver=resolvers.decision.decision_reasons,
        description="Why, in codes and words (applicants read no reviewer's words).",
    )
    decided_by: str = strawberry.field(
        resolver=resolvers.decision.decided_by,
        description="model:<versions>, or the reviewers (`bank` to applicants).",
    )
    decided_at: datetime = strawberry.field(resolver=_decided_at, description="When.")
    data_refresh_ms: float | None = strawberry.field(
        resolver=resolvers.decision.data_refresh_ms,
        description="Milliseconds spent refreshing the applicant's data at assessment (pull, "
        "import, snapshot); staff only, null to applicants and where no refresh ran.",
    )


__all__ = ["Decision", "Record", "ReviewDecision"]
