"""Portfolio analytics as the API shows them: portfolio at risk, NPL ratio, provisions and
coverage, vintage curves, roll rates and concentration. Ratios are decimals to six places
(0.012345 is 1.2345 %), null where the base is zero."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from domain.loanbook import portfolio as book


@strawberry.type(description="Portfolio at risk: loans this many or more days past due.")
class ParBucket:
    days: int = strawberry.field(description="1, 30, 60 or 90.")
    principal: Decimal = strawberry.field(description="Their principal outstanding, CNY.")
    ratio: Decimal | None = strawberry.field(description="Over the book's principal.")


@strawberry.type(description="A slice of the book.")
class PortfolioShare:
    key: str = strawberry.field(description="The tier, industry, region or group.")
    detail: str = strawberry.field(description="What the key stands for, where it needs it.")
    loans: int = strawberry.field(description="Loans in the slice.")
    principal: Decimal = strawberry.field(description="Their principal outstanding, CNY.")
    share: Decimal | None = strawberry.field(description="Share of the book's principal.")


@strawberry.type(description="One point of a vintage curve.")
class VintagePoint:
    cohort: str = strawberry.field(description="Disbursement month, YYYY-MM.")
    month_end: date = strawberry.field(description="The month end measured.")
    months_on_book: int = strawberry.field(description="Months since disbursement.")
    disbursed: Decimal = strawberry.field(description="Principal lent in the cohort, CNY.")
    bad: Decimal = strawberry.field(
        description="Principal lent of its loans 30+ days past due or written off then, CNY."
    )
    share: Decimal | None = strawberry.field(description="bad over disbursed.")


def _source(root: strawberry.Parent[book.Roll]) -> str:
    return root.source


def _target(root: strawberry.Parent[book.Roll]) -> str:
    return root.target


@strawberry.type(description="One cell of the roll-rate matrix between two month ends.")
class RollRate:
    from_tier: str = strawberry.field(resolver=_source, description="Tier at the first.")
    to_tier: str = strawberry.field(
        resolver=_target, description="Tier (or WRITTEN_OFF, CLOSED) at the second."
    )
    loans: int = strawberry.field(description="Loans that moved so.")
    principal: Decimal = strawberry.field(description="Their principal at the first, CNY.")
    rate: Decimal | None = strawberry.field(description="Share of the first tier's principal.")


def _par(root: strawberry.Parent[book.Portfolio]) -> list[ParBucket]:
    return [
        ParBucket(days=d, principal=root.par_principal[d], ratio=root.par.get(d))
        for d in sorted(root.par_principal)
    ]


def _rolls(root: strawberry.Parent[book.Portfolio]) -> list[book.Roll]:
    return root.rolls


@strawberry.type(description="The loan book's risk figures (loan officers and risk managers).")
class Portfolio:
    as_of: date | None = strawberry.field(description="The date asked for, if any.")
    snapshot: date | None = strawberry.field(
        description="The month end read; null for the loans as the batch last closed them."
    )
    loans: int = strawberry.field(description="Loans on the book.")
    principal: Decimal = strawberry.field(description="Principal outstanding, CNY.")
    outstanding: Decimal = strawberry.field(
        description="Everything owed: principal, interest, penalty and fees, CNY."
    )
    par: list[ParBucket] = strawberry.field(resolver=_par, description="PAR 1, 30, 60 and 90.")
    npl_principal: Decimal = strawberry.field(
        description="Principal classified SUBSTANDARD, DOUBTFUL or LOSS, CNY."
    )
    npl_ratio: Decimal | None = strawberry.field(description="NPL principal over the book's.")
    provisions: Decimal = strawberry.field(description="The loan-loss allowance held, CNY.")
    coverage: Decimal | None = strawberry.field(description="Provisions over NPL principal.")
    tiers: list[PortfolioShare] = strawberry.field(description="The book by classification.")
    vintages: list[VintagePoint] = strawberry.field(
        description="Vintage curves: by disbursement month and month on book."
    )
    roll_from: date | None = strawberry.field(description="The first month end of the rolls.")
    roll_to: date | None = strawberry.field(description="The second month end of the rolls.")
    roll_rates: list[RollRate] = strawberry.field(
        resolver=_rolls, description="How each tier's principal moved between the month ends."
    )
    by_industry: list[PortfolioShare] = strawberry.field(description="Concentration by industry.")
    by_region: list[PortfolioShare] = strawberry.field(description="Concentration by region.")
    by_guarantee_group: list[PortfolioShare] = strawberry.field(
        description="Concentration by guarantee group (enterprises linked by guarantees)."
    )


__all__ = ["ParBucket", "Portfolio", "PortfolioShare", "RollRate", "VintagePoint"]
