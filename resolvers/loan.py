"""Loans: disbursement, repayments, the schedule, and the bank's portfolio figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from db import models as m
from db.rows import Row
from domain.errors import DomainError
from domain.lending import loans, stats
from domain.lending.stats import PortfolioStats
from resolvers import columns
from resolvers.application import required_application
from resolvers.context import ctx
from resolvers.enterprise import required_enterprise
from resolvers.errors import PayloadError, forbidden
from resolvers.idempotency import once
from resolvers.ids import decode_or_raise, readable_or_none
from resolvers.selection import list_selection


@dataclass(frozen=True)
class LoanPayload:
    """A loan after an operation, or why the operation failed."""

    loan: m.Loan | None = None
    errors: list[PayloadError] = field(default_factory=list)


async def loan(info: Info, id: strawberry.ID) -> m.Loan | None:
    """A loan by opaque id; None when unknown or not the caller's."""
    principal = ctx(info).require()
    return await readable_or_none(
        str(id), "Loan", lambda pk: loans.get_loan_or_raise(principal=principal, loan_id=pk)
    )


async def disburse(info: Info, contract_id: strawberry.ID) -> LoanPayload:
    """Pay out a signed contract, once per Idempotency-Key (staff)."""
    principal = ctx(info).require_staff()

    async def call() -> int:
        paid = await loans.disburse(
            principal=principal,
            contract_id=decode_or_raise(str(contract_id), "Contract", "contractId"),
        )
        return paid.id

    return await once(
        info,
        LoanPayload,
        call,
        reload=lambda pk: loans.get_loan_or_raise(principal=principal, loan_id=pk),
        operation="disburse",
        arguments={"contractId": str(contract_id)},
    )


async def record_repayment(
    info: Info, loan_id: strawberry.ID, amount: Decimal, received_at: datetime | None = None
) -> LoanPayload:
    """Record money received against a loan, once per Idempotency-Key."""
    principal = ctx(info).require()
    try:
        loans.require_payment_role(principal)
    except DomainError as exc:  # refused before any idempotency record is written
        raise forbidden(exc.message) from None
    when = received_at or datetime.now(UTC)

    async def call() -> int:
        result = await loans.record_repayment(
            principal=principal,
            loan_id=decode_or_raise(str(loan_id), "Loan", "loanId"),
            amount=amount,
            received_at=when,
        )
        return result.loan.id

    arguments = {"loanId": str(loan_id), "amount": str(amount)}
    if received_at is not None:
        # a retry without a time is the same request
        arguments["receivedAt"] = when.isoformat()
    return await once(
        info,
        LoanPayload,
        call,
        # the loan the money went to, for a payment feed too (not the borrower behind it)
        reload=lambda pk: loans.get_repaid_loan_or_raise(principal=principal, loan_id=pk),
        operation="recordRepayment",
        arguments=arguments,
    )


async def portfolio_stats(info: Info) -> PortfolioStats:
    """Figures for the bank's dashboard (staff)."""
    principal = ctx(info).require_staff()
    return await stats.portfolio_stats(principal=principal)


async def enterprise_loans(
    root: strawberry.Parent[m.Enterprise], info: Info
) -> list[m.Loan] | list[Row]:
    """An enterprise's loans, oldest first (the columns shown)."""
    wanted = list_selection(info).columns(columns.LOAN)
    return await ctx(info).loaders.enterprise_loans(wanted).load(root.id)


def _require_borrower_visible(info: Info, loan: m.Loan) -> None:
    """FORBIDDEN unless the caller may see the borrower: a payment feed gets the loan it paid
    into in its payload, and nothing about the enterprise or the application behind it."""
    if not ctx(info).require().can_see_enterprise(loan.enterprise_id):  # type: ignore[attr-defined]
        raise forbidden("a payment feed sees the loan, not the borrower or the application")


async def loan_enterprise(root: strawberry.Parent[m.Loan], info: Info) -> m.Enterprise:
    """The borrower (to those who may see it)."""
    _require_borrower_visible(info, root)
    return await required_enterprise(info, root.enterprise_id)  # type: ignore[attr-defined]


async def loan_application(root: strawberry.Parent[m.Loan], info: Info) -> m.LoanApplication:
    """The application that led to the loan (to those who may see the borrower)."""
    _require_borrower_visible(info, root)
    return await required_application(info, root.application_id)  # type: ignore[attr-defined]
