"""Loans, their schedules, and the bank's portfolio figures as the API shows them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

import resolvers.loan
from db import models as m
from schema.errors import UserError
from schema.fields import opaque_id
from schema.types.enterprise import Enterprise

if TYPE_CHECKING:
    from schema.types.application import LoanApplication


def _paid(root: strawberry.Parent[m.Installment]) -> bool:
    return root.paid_principal >= root.principal and root.paid_interest >= root.interest


@strawberry.type(description="One scheduled repayment.")
class Installment:
    number: int = strawberry.field(description="1-based.")
    due_on: date = strawberry.field(description="Due date.")
    principal: Decimal = strawberry.field(description="Principal due, CNY.")
    interest: Decimal = strawberry.field(description="Interest due, CNY.")
    paid: bool = strawberry.field(resolver=_paid, description="Fully paid.")


def _annual_rate(root: strawberry.Parent[m.Loan]) -> float:
    return float(root.annual_rate)


@strawberry.type(description="Money lent.")
class Loan:
    id: strawberry.ID = opaque_id("Loan")
    principal: Decimal = strawberry.field(description="Amount lent, CNY.")
    outstanding: Decimal = strawberry.field(description="Principal still owed, CNY.")
    annual_rate: float = strawberry.field(resolver=_annual_rate, description="Annual rate.")
    status: str = strawberry.field(description="ACTIVE, OVERDUE or CLOSED.")
    disbursed_at: datetime = strawberry.field(description="When the money went out.")
    enterprise: Enterprise = strawberry.field(
        resolver=resolvers.loan.loan_enterprise, description="The borrower."
    )
    application: Annotated[LoanApplication, strawberry.lazy("schema.types.application")] = (
        strawberry.field(
            resolver=resolvers.loan.loan_application, description="The application that led to it."
        )
    )
    schedule: list[Installment] = strawberry.field(
        resolver=resolvers.loan.schedule, description="The repayment schedule."
    )


@strawberry.type(description="The result of disbursement or of a repayment.")
class LoanPayload:
    loan: Loan | None = strawberry.field(
        description="The loan paid out or paid into; a payment feed gets the loan it paid into, "
        "not its borrower or application."
    )
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Figures for the bank's dashboard.")
class PortfolioStats:
    registered_enterprises: int = strawberry.field(description="Enterprises with an account.")
    applications: int = strawberry.field(description="All applications.")
    approved: int = strawberry.field(description="Applications approved.")
    disbursed_loans: int = strawberry.field(description="Loans disbursed.")
    outstanding: Decimal = strawberry.field(description="Principal outstanding, CNY.")
    open_warnings: int = strawberry.field(description="Warnings not yet resolved.")
    median_decision_seconds: float | None = strawberry.field(
        description="Median seconds from submission to decision."
    )


__all__ = ["Installment", "Loan", "LoanPayload", "PortfolioStats"]
