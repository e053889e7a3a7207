"""The regulator's inclusive-finance figures as the API shows them. Ratios are decimals to six
places (0.012345 is 1.2345 %), null where the base is zero."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from domain.credit import regulator as reg


@strawberry.type(description="The figures of one slice of the book.")
class RegulatorSegment:
    key: str = strawberry.field(
        description="ALL, INCLUSIVE (small and micro), or of the inclusive: HIGH_TECH, SRDI "
        "(specialised and innovative), TECH (either)."
    )
    borrowers: int = strawberry.field(description="Borrowers with a balance.")
    loans: int = strawberry.field(description="Loans with a balance.")
    balance: Decimal = strawberry.field(description="Principal outstanding, CNY.")
    npl_balance: Decimal = strawberry.field(description="Of it SUBSTANDARD, DOUBTFUL or LOSS.")
    npl_ratio: Decimal | None = strawberry.field(description="npl_balance over balance.")
    disbursed_loans: int = strawberry.field(description="Loans disbursed in the month.")
    disbursed_amount: Decimal = strawberry.field(description="Their principal, CNY.")
    average_rate: Decimal | None = strawberry.field(
        description="Their principal-weighted average annual rate."
    )
    first_loans: int = strawberry.field(description="Of them first loans (首贷).")
    first_loan_amount: Decimal = strawberry.field(description="Their principal, CNY.")


def _all(root: strawberry.Parent[reg.RegulatorReport]) -> RegulatorSegment:
    return root.all_loans  # type: ignore[return-value]


def _inclusive(root: strawberry.Parent[reg.RegulatorReport]) -> RegulatorSegment:
    return root.inclusive  # type: ignore[return-value]


def _tech(root: strawberry.Parent[reg.RegulatorReport]) -> list[RegulatorSegment]:
    return list(root.tech)  # type: ignore[arg-type]


@strawberry.type(description="The inclusive-finance report for small and micro loans "
                 "(普惠小微 两增两控) of one month.")  # fmt: skip
class RegulatorReport:
    month: str = strawberry.field(description="YYYY-MM.")
    as_of: date = strawberry.field(description="The date the balances are of.")
    source: str = strawberry.field(
        description="MONTH_END (the batch's month-end snapshot) or CURRENT (balances now)."
    )
    definition: str = strawberry.field(description="Who counts as small and micro.")
    all_loans: RegulatorSegment = strawberry.field(resolver=_all, description="Every loan.")
    inclusive: RegulatorSegment = strawberry.field(
        resolver=_inclusive, description="Inclusive small and micro loans."
    )
    tech: list[RegulatorSegment] = strawberry.field(
        resolver=_tech, description="Inclusive loans of tech enterprises."
    )
    all_balance_year_start: Decimal = strawberry.field(
        description="All loans' balance at last year end."
    )
    inclusive_balance_year_start: Decimal = strawberry.field(
        description="Inclusive balance at last year end."
    )
    inclusive_borrowers_year_start: int = strawberry.field(
        description="Inclusive borrowers at last year end."
    )
    all_growth: Decimal | None = strawberry.field(description="All loans' growth this year.")
    inclusive_growth: Decimal | None = strawberry.field(
        description="Inclusive loans' growth this year."
    )
    growth_ok: bool | None = strawberry.field(
        description="Inclusive growth at least all loans' growth (null without a base)."
    )
    borrowers_ok: bool = strawberry.field(
        description="Inclusive borrowers not below last year end."
    )
