"""Loan applications: create, submit, withdraw, and batched reads for the API."""

from domain.applications.service import (
    applications_by_enterprise_ids,
    applications_by_ids,
    check_pledge,
    check_terms,
    create_application,
    get_application,
    get_application_or_raise,
    history_by_application_ids,
    page_of_applications,
    pledged_numbers,
    pledged_patents_by_application_ids,
    submit_application,
    visible_applications,
    withdraw_application,
)

__all__ = [
    "applications_by_enterprise_ids",
    "applications_by_ids",
    "check_pledge",
    "check_terms",
    "create_application",
    "get_application",
    "get_application_or_raise",
    "history_by_application_ids",
    "page_of_applications",
    "pledged_numbers",
    "pledged_patents_by_application_ids",
    "submit_application",
    "visible_applications",
    "withdraw_application",
]
