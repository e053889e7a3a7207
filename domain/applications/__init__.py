"""Loan applications: create, submit, withdraw, review, and batched reads for the API."""

from domain.applications.review import ReviewDecision, approvals_complete, review_application
from domain.applications.service import (
    applications_by_enterprise_ids,
    applications_by_ids,
    check_pledge,
    check_terms,
    create_application,
    get_application,
    get_application_or_raise,
    history_by_application_ids,
    pledged_numbers,
    pledged_patents_by_application_ids,
    submit_application,
    visible_applications,
    withdraw_application,
)

__all__ = [
    "ReviewDecision",
    "applications_by_enterprise_ids",
    "applications_by_ids",
    "approvals_complete",
    "check_pledge",
    "check_terms",
    "create_application",
    "get_application",
    "get_application_or_raise",
    "history_by_application_ids",
    "pledged_numbers",
    "pledged_patents_by_application_ids",
    "review_application",
    "submit_application",
    "visible_applications",
    "withdraw_application",
]
