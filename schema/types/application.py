"""Loan applications, their status history and payloads as the API shows them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

import resolvers.application
import resolvers.console_api
import resolvers.credit_line
from db import models as m
from domain.decision import is_decided
from schema.errors import UserError
from schema.fields import opaque_id
from schema.types.contract import Contract
from schema.types.decision import Decision, Record
from schema.types.enterprise import Enterprise
from schema.types.patent import Patent
from schema.types.product import LoanProduct
from schema.types.risk_score import RiskScore

if TYPE_CHECKING:
    from schema.types.console import DecisionBreakdown, Review, StaffUser
    from schema.types.credit_line import CreditLine

ApplicationStatus = strawberry.enum(
    m.ApplicationStatus, name="ApplicationStatus", description="Where an application stands."
)


def _from_status(root: strawberry.Parent[m.StatusChange]) -> ApplicationStatus | None:  # type: ignore[valid-type]
    return m.ApplicationStatus(root.from_status) if root.from_status else None


def _to_status(root: strawberry.Parent[m.StatusChange]) -> ApplicationStatus:  # type: ignore[valid-type]
    return m.ApplicationStatus(root.to_status)


@strawberry.type(description="One status change of an application.")
class StatusChange:
    from_: ApplicationStatus | None = strawberry.field(  # type: ignore[valid-type]
        name="from", resolver=_from_status, description="Status before."
    )
    to: ApplicationStatus = strawberry.field(resolver=_to_status, description="Status after.")  # type: ignore[valid-type]
    at: datetime = strawberry.field(description="When.")
    by: str = strawberry.field(
        resolver=resolvers.application.history_by,
        description="Who: the user's email, model:<versions>, or system:<task>; applicants "
        "read `bank` for bank staff.",
    )


def _decision(root: strawberry.Parent[m.LoanApplication]) -> Record | None:
    decision: Record | None = root.decision
    return decision if is_decided(root) else None


@strawberry.type(description="A loan application.")
class LoanApplication:
    id: strawberry.ID = opaque_id("LoanApplication")
    amount: Decimal = strawberry.field(description="Amount requested, CNY.")
    term_months: int = strawberry.field(description="Term requested, months.")
    purpose: str | None = strawberry.field(description="What the money is for.")
    status: ApplicationStatus = strawberry.field(description="Where it stands.")  # type: ignore[valid-type]
    decision: Decision | None = strawberry.field(
        resolver=_decision, description="The decision, once made."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    enterprise: Enterprise = strawberry.field(
        resolver=resolvers.application.application_enterprise,
        description="The applicant enterprise.",
    )
    product: LoanProduct = strawberry.field(
        resolver=resolvers.application.application_product,
        description="The product applied for.",
    )
    pledged_patents: list[Patent] = strawberry.field(
        resolver=resolvers.application.pledged_patents, description="Patents offered as pledge."
    )
    risk_score: RiskScore | None = strawberry.field(
        resolver=resolvers.application.application_risk_score,
        description="The risk score the decision used; before a decision, the latest one.",
    )
    contract: Contract | None = strawberry.field(
        resolver=resolvers.application.application_contract,
        description="The contract, once the offer is accepted.",
    )
    history: list[StatusChange] = strawberry.field(
        resolver=resolvers.application.application_history,
        description="Every status change, oldest first.",
    )
    credit_line: Annotated[CreditLine, strawberry.lazy("schema.types.credit_line")] | None = (
        strawberry.field(
            resolver=resolvers.credit_line.application_credit_line,
            description="The credit line it granted, once its line contract is signed.",
        )
    )
    # the staff console
    assignee: Annotated[StaffUser, strawberry.lazy("schema.types.console")] | None = (
        strawberry.field(
            resolver=resolvers.console_api.application_assignee,
            description="The staff member holding it in the work queue (bank staff; null to "
            "others and when nobody holds it).",
        )
    )
    assigned_at: datetime | None = strawberry.field(
        resolver=resolvers.console_api.application_assigned_at,
        description="When its holder claimed it or was assigned it (bank staff).",
    )
    reviews: list[Annotated[Review, strawberry.lazy("schema.types.console")]] = strawberry.field(
        resolver=resolvers.console_api.application_reviews,
        description="Staff reviews with their comments, oldest first (bank staff; empty to "
        "others).",
    )
    decision_breakdown: (
        Annotated[DecisionBreakdown, strawberry.lazy("schema.types.console")] | None
    ) = strawberry.field(
        resolver=resolvers.console_api.decision_breakdown,
        description="The stored decision in parts: rules hit, scorecard, pledged patents' "
        "values, graph risk and what moved it, policy cell, limit and pricing (bank staff; "
        "null to others and before a decision).",
    )


@strawberry.type(description="The result of an application operation.")
class ApplicationPayload:
    application: LoanApplication | None = strawberry.field(description="The application.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.input(description="What an applicant asks for.")
class CreateApplicationInput:
    product_code: str = strawberry.field(description="Product code, e.g. IP_PLEDGE.")
    amount: Decimal = strawberry.field(description="Amount, CNY.")
    term_months: int = strawberry.field(description="Term, months (one the product offers).")
    purpose: str | None = strawberry.field(description="What the money is for.")
    pledged_patent_numbers: list[str] = strawberry.field(
        description="Patents to pledge: owned, granted and not pledged elsewhere."
    )


__all__ = [
    "ApplicationPayload",
    "ApplicationStatus",
    "CreateApplicationInput",
    "LoanApplication",
    "StatusChange",
]
