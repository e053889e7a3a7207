"""Loan products."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from db import models as m
from schema.ids import encode_id


@strawberry.type(description="A loan product offered online.")
class LoanProduct:
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    code: str = strawberry.field(description="Stable product code.")
    name: str = strawberry.field(description="Product name.")
    max_amount: Decimal = strawberry.field(description="Largest amount, CNY.")
    terms_months: list[int] = strawberry.field(description="Terms offered, in months.")
    annual_rate: float = strawberry.field(description="Base annual rate, e.g. 0.0395.")
    repayment_method: str = strawberry.field(description="How the loan is repaid.")
    guarantee_on_approval: bool = strawberry.field(
        description="A partner guarantee is recorded automatically on approval."
    )
    subsidy_rate: float = strawberry.field(description="Government interest subsidy, annual.")

    @classmethod
    def of(cls, r: m.LoanProduct) -> LoanProduct:
        """The API view of a record."""
        return cls(
            id=strawberry.ID(encode_id("LoanProduct", r.id)),
            code=r.code,
            name=r.name,
            max_amount=r.max_amount,
            terms_months=list(r.terms_months),
            annual_rate=float(r.annual_rate),
            repayment_method=r.repayment_method,
            guarantee_on_approval=r.guarantee_on_approval,
            subsidy_rate=float(r.subsidy_rate),
        )
