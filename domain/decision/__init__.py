"""The automated credit decision: policy files, a pure engine and the assessment service."""

from domain.decision.engine import DecisionResult, Outcome, credit_limit, decide, price
from domain.decision.inputs import ApplicationTerms, ProductTerms, Reason, RiskInputs, RuleHit
from domain.decision.policy import CURRENT_VERSION, Policy, load_policy
from domain.decision.service import assess_application, product_terms, replay_decision

__all__ = [
    "CURRENT_VERSION",
    "ApplicationTerms",
    "DecisionResult",
    "Outcome",
    "Policy",
    "ProductTerms",
    "Reason",
    "RiskInputs",
    "RuleHit",
    "assess_application",
    "credit_limit",
    "decide",
    "load_policy",
    "price",
    "product_terms",
    "replay_decision",
]
