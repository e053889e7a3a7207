"""Renewals: asking to renew a loan, and the links between a loan and its renewal."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from db import models as m
from domain.credit import renewals as service
from resolvers.application import ApplicationPayload
from resolvers.context import ctx
from resolvers.errors import payload
from resolvers.ids import decode_or_raise


async def renew_loan(
    info: Info,
    loan_id: strawberry.ID,
    without_principal_repayment: bool,
    term_months: int | None = None,
) -> ApplicationPayload:
    """The borrower starts a renewal application for its loan near maturity."""
    principal = ctx(info).require()

    async def call() -> m.LoanApplication:
        principal.require_role(m.Role.APPLICANT)  # before the id says whether a loan exists
        return await service.renew_loan(
            principal=principal,
            loan_id=decode_or_raise(str(loan_id), "Loan", "loanId"),
            without_principal_repayment=without_principal_repayment,
            term_months=term_months,
        )

    return await payload(ApplicationPayload, call)


async def loan_renewal_of(root: strawberry.Parent[m.Loan], info: Info) -> m.Loan | None:
    """The loan this one renewed, if any."""
    if not root.renewal_of_id:
        return None
    return await ctx(info).loaders.loan.load(root.renewal_of_id)


async def loan_renewed_by(root: strawberry.Parent[m.Loan], info: Info) -> m.Loan | None:
    """The loan that renewed this one, if any."""
    return await ctx(info).loaders.loan_renewal.load(root.id)


__all__ = ["loan_renewal_of", "loan_renewed_by", "renew_loan"]
