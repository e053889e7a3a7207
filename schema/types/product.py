"""Loan products as the API shows them."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from db import models as m
from schema.fields import opaque_id


def _terms_months(root: strawberry.Parent[m.LoanProduct]) -> list[int]:
    return list(root.terms_months)


def _annual_rate(root: strawberry.Parent[m.LoanProduct]) -> float:
    return float(root.annual_rate)


def _subsidy_rate(root: strawberry.Parent[m.LoanProduct]) -> float:
    return float(root.subsidy_rate)


@strawberry.type(description="A loan product offered online.")
class LoanProduct:
    id: strawberry.ID = opaque_id("LoanProduct")
    code: str = strawberry.field(description="Stable product code.")
    name: str = strawberry.field(description="Product name.")
    max_amount: Decimal = strawberry.field(description="Largest amount, CNY.")
    terms_months: list[int] = strawberry.field(
        resolver=_terms_months, description="Terms offered, in months."
    )
    annual_rate: float = strawberry.field(
        resolver=_annual_rate, description="Base annual rate, e.g. 0.0395."
    )
    repayment_method: str = strawberry.field(description="How the loan is repaid.")
    guarantee_on_approval: bool = strawberry.field(
        description="A partner guarantee is recorded automatically on approval."
    )
    subsidy_rate: float = strawberry.field(
        resolver=_subsidy_rate, description="Government interest subsidy, annual."
    )


__all__ = ["LoanProduct"]
