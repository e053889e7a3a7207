"""The credit decision: policy files, a pure engine, the automated assessment and the
manual (maker-checker) review."""

from domain.decision.engine import DecisionResult, Outcome, credit_limit, decide, price
from domain.decision.inputs import ApplicationTerms, ProductTerms, Reason, RiskInputs, RuleHit
from domain.decision.policy import CURRENT_VERSION, Policy, load_policy
from domain.decision.record import decision_risk_score_id, is_decided
from domain.decision.refresh import DataUnavailable, refresh_application_data
from domain.decision.review import ReviewDecision, approvals_complete, review_application
from domain.decision.service import assess_application, product_terms, replay_decision
from domain.decision.waiting import queue_due_retries

__all__ = [
    "CURRENT_VERSION",
    "ApplicationTerms",
    "DataUnavailable",
    "DecisionResult",
    "Outcome",
    "Policy",
    "ProductTerms",
    "Reason",
    "ReviewDecision",
    "RiskInputs",
    "RuleHit",
    "approvals_complete",
    "assess_application",
    "credit_limit",
    "decide",
    "decision_risk_score_id",
    "is_decided",
    "load_policy",
    "price",
    "product_terms",
    "queue_due_retries",
    "refresh_application_data",
    "replay_decision",
    "review_application",
]
