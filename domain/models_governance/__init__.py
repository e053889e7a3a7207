"""Governance of the models and decision policies: maker-checker activation, monitoring of the
models in service (drift, monthly AUC) and replays of stored decisions."""

from domain.models_governance.activation import (
    Kind,
    Status,
    approve_activation,
    bootstrap_allowed,
    get_request_or_raise,
    list_requests,
    reject_activation,
    request_activation,
)
from domain.models_governance.targets import POLICY_NAME, active_policy_version

__all__ = [
    "POLICY_NAME",
    "Kind",
    "Status",
    "active_policy_version",
    "approve_activation",
    "bootstrap_allowed",
    "get_request_or_raise",
    "list_requests",
    "reject_activation",
    "request_activation",
]
