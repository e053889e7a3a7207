"""Reading the decision record stored on an application, so callers need not know its shape."""

from __future__ import annotations

from db.models import LoanApplication


def decision_risk_score_id(application: LoanApplication) -> int | None:
    """The risk score the stored decision used (`inputs.risk_score_id`); None when absent."""
    inputs = (application.decision or {}).get("inputs") or {}
    score_id = inputs.get("risk_score_id")
    return score_id if isinstance(score_id, int) else None


def is_decided(application: LoanApplication) -> bool:
    """Whether a decision was made: a decision record with its `decided_at` set."""
    decision = application.decision
    return bool(decision and decision.get("decided_at"))
