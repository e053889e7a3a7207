"""Loans, their schedules, and the bank's portfolio figures as the API shows them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

import resolvers.credit_line
import resolvers.loan
import resolvers.loanbook
import resolvers.renewal
from db import models as m
from domain.loanbook.status import LoanStatus as DomainLoanStatus
from resolvers.loanbook_enums import Classification
from schema.connection import Connection
from schema.errors import UserError
from schema.fields import opaque_id
from schema.types.enterprise import Enterprise

if TYPE_CHECKING:
    from schema.types.application import LoanApplication
    from schema.types.credit_line import CreditLine
    from schema.types.loanbook import JournalEntry, LoanChange, Repayment, ScheduleVersion

_BOOK = "schema.types.loanbook"


def _paid(root: strawberry.Parent[m.Installment]) -> bool:
    return root.paid_principal >= root.principal and root.paid_interest >= root.interest


@strawberry.type(description="One scheduled repayment.")
class Installment:
    number: int = strawberry.field(description="1-based.")
    due_on: date = strawberry.field(description="Due date.")
    principal: Decimal = strawberry.field(description="Principal due, CNY.")
    interest: Decimal = strawberry.field(description="Interest due, CNY.")
    paid: bool = strawberry.field(resolver=_paid, description="Fully paid.")
    starts_on: date | None = strawberry.field(
        description="First day of its interest period (the period ends the day before dueOn)."
    )
    paid_principal: Decimal = strawberry.field(description="Principal paid so far, CNY.")
    paid_interest: Decimal = strawberry.field(description="Interest paid so far, CNY.")


def _annual_rate(root: strawberry.Parent[m.Loan]) -> float:
    return float(root.annual_rate)


LoanStatus = strawberry.enum(DomainLoanStatus, name="LoanStatus", description="Where a loan is.")
LoanClassification = strawberry.enum(
    Classification,
    name="LoanClassification",
    description="The five regulatory tiers: 正常 NORMAL, 关注 SPECIAL_MENTION, 次级 SUBSTANDARD, "
    "可疑 DOUBTFUL, 损失 LOSS.",
)


def _status(root: strawberry.Parent[m.Loan]) -> LoanStatus:  # type: ignore[valid-type]
    return DomainLoanStatus(root.status)


def _classification(root: strawberry.Parent[m.Loan]) -> LoanClassification:  # type: ignore[valid-type]
    return Classification(root.classification)


def _fees_outstanding(root: strawberry.Parent[m.Loan]) -> Decimal:
    return root.fee_outstanding


@strawberry.type(description="Money lent.")
class Loan:
    id: strawberry.ID = opaque_id("Loan")
    principal: Decimal = strawberry.field(description="Amount lent, CNY.")
    outstanding: Decimal = strawberry.field(
        description="Everything owed: principal, interest, penalty and fees outstanding, CNY."
    )
    principal_outstanding: Decimal = strawberry.field(description="Principal owed, CNY.")
    interest_outstanding: Decimal = strawberry.field(
        description="Interest accrued and not paid, CNY."
    )
    penalty_outstanding: Decimal = strawberry.field(
        description="Penalty and compound interest accrued and not paid, CNY."
    )
    fees_outstanding: Decimal = strawberry.field(
        resolver=_fees_outstanding, description="Fees charged and not paid, CNY."
    )
    credit_balance: Decimal = strawberry.field(
        description="Money received beyond what was owed, held for the borrower, CNY."
    )
    annual_rate: float = strawberry.field(resolver=_annual_rate, description="Annual rate.")
    status: LoanStatus = strawberry.field(  # type: ignore[valid-type]
        resolver=_status, description="Where the loan is in its life."
    )
    days_past_due: int = strawberry.field(
        description="Days the oldest unpaid installment is past its due date (0: none)."
    )
    classification: LoanClassification = strawberry.field(  # type: ignore[valid-type]
        resolver=_classification, description="Its regulatory tier."
    )
    classification_reason: str = strawberry.field(description="Why it has that tier.")
    closed_through: date | None = strawberry.field(
        description="The last business day the end-of-day batch closed for it."
    )
    disbursed_at: datetime = strawberry.field(description="When the money went out.")
    enterprise: Enterprise = strawberry.field(
        resolver=resolvers.loan.loan_enterprise, description="The borrower."
    )
    application: Annotated[LoanApplication, strawberry.lazy("schema.types.application")] = (
        strawberry.field(
            resolver=resolvers.loan.loan_application, description="The application that led to it."
        )
    )
    credit_line: Annotated[CreditLine, strawberry.lazy("schema.types.credit_line")] | None = (
        strawberry.field(
            resolver=resolvers.credit_line.loan_credit_line,
            description="The credit line it was drawn on.",
        )
    )
    drawdown_number: int = strawberry.field(description="Its drawing number on the line.")
    first_loan: bool = strawberry.field(
        description="Whether it is the enterprise's first loan with the bank (首贷)."
    )
    renewal_of: Loan | None = strawberry.field(
        resolver=resolvers.renewal.loan_renewal_of,
        description="The loan this one renewed (续贷), if any.",
    )
    renewed_by: Loan | None = strawberry.field(
        resolver=resolvers.renewal.loan_renewed_by,
        description="The loan that renewed this one, if any.",
    )
    renewed_without_principal: bool = strawberry.field(
        description="Whether it renewed its predecessor without principal repayment (无还本续贷)."
    )
    schedule: list[Installment] = strawberry.field(
        resolver=resolvers.loanbook.schedule, description="The repayment schedule in force."
    )
    schedule_versions: list[Annotated[ScheduleVersion, strawberry.lazy(_BOOK)]] = strawberry.field(
        resolver=resolvers.loanbook.schedule_versions,
        description="Every version of the schedule, oldest first.",
    )
    repayments: Connection[Annotated[Repayment, strawberry.lazy(_BOOK)]] = strawberry.field(
        resolver=resolvers.loanbook.repayments, description="Money received, oldest first."
    )
    journal: Connection[Annotated[JournalEntry, strawberry.lazy(_BOOK)]] = strawberry.field(
        resolver=resolvers.loanbook.journal,
        description="Its journal entries in posting order (loan officers and risk managers; "
        "empty for others).",
    )
    changes: list[Annotated[LoanChange, strawberry.lazy(_BOOK)]] = strawberry.field(
        resolver=resolvers.loanbook.loan_changes,
        description="Changes asked for, newest first (loan officers and risk managers; empty "
        "for others).",
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


__all__ = [
    "Installment",
    "Loan",
    "LoanClassification",
    "LoanPayload",
    "LoanStatus",
    "PortfolioStats",
]
