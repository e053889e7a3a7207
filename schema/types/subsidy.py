"""Interest subsidy claim statements and claims as the API shows them (money in CNY to the
fen, as posted to the ledger)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from db import models as m
from domain.credit import subsidy_claims as claims
from resolvers.ids import encode_id
from schema.errors import UserError
from schema.fields import opaque_id


def _loan_id(root: strawberry.Parent[claims.StatementLine]) -> strawberry.ID:
    return strawberry.ID(encode_id("Loan", root.loan_id))


@strawberry.type(description="One loan's interest subsidy in the quarter.")
class SubsidyStatementLine:
    loan_id: strawberry.ID = strawberry.field(resolver=_loan_id, description="The loan.")
    enterprise_name: str = strawberry.field(description="The borrower.")
    uscc: str = strawberry.field(description="The borrower's unified social credit code.")
    principal: Decimal = strawberry.field(description="Principal lent.")
    days: int = strawberry.field(description="Business days it earned a subsidy on.")
    amount: Decimal = strawberry.field(description="Sum of its daily subsidy postings.")


def _status(root: strawberry.Parent[m.SubsidyClaim]) -> str:
    return root.status


@strawberry.type(description="A quarter's claim on a subsidy programme, frozen when filed.")
class SubsidyClaim:
    id: strawberry.ID = opaque_id("SubsidyClaim")
    status: str = strawberry.field(resolver=_status, description="CLAIMED or PAID.")
    period_start: date = strawberry.field(description="The quarter's first day.")
    period_end: date = strawberry.field(description="The quarter's last day.")
    total: Decimal = strawberry.field(description="The amount claimed.")
    filed_at: datetime = strawberry.field(description="When it was filed.")
    filed_by: str = strawberry.field(description="Who filed it.")
    paid_at: datetime | None = strawberry.field(description="When the sponsor paid it.")


def _code(root: strawberry.Parent[claims.Statement]) -> str:
    return root.programme.code


def _name(root: strawberry.Parent[claims.Statement]) -> str:
    return root.programme.name


def _sponsor(root: strawberry.Parent[claims.Statement]) -> str:
    return root.programme.sponsor


def _rate(root: strawberry.Parent[claims.Statement]) -> Decimal:
    return Decimal(root.programme.subsidy_rate)


def _quarter(root: strawberry.Parent[claims.Statement]) -> str:
    return root.quarter.label


def _start(root: strawberry.Parent[claims.Statement]) -> date:
    return root.quarter.start


def _end(root: strawberry.Parent[claims.Statement]) -> date:
    return root.quarter.end


def _lines(root: strawberry.Parent[claims.Statement]) -> list[SubsidyStatementLine]:
    return list(root.lines)  # type: ignore[arg-type]


def _reconciled(root: strawberry.Parent[claims.Statement]) -> bool:
    return root.reconciled


def _claim(root: strawberry.Parent[claims.Statement]) -> SubsidyClaim | None:
    return root.claim  # type: ignore[return-value]


@strawberry.type(description="A subsidy programme's claim statement for one quarter.")
class SubsidyStatement:
    programme_code: str = strawberry.field(resolver=_code, description="The programme.")
    programme_name: str = strawberry.field(resolver=_name, description="Its name.")
    sponsor: str = strawberry.field(resolver=_sponsor, description="Who pays the subsidy.")
    subsidy_rate: Decimal = strawberry.field(resolver=_rate, description="Per year.")
    quarter: str = strawberry.field(resolver=_quarter, description="e.g. 2026Q3.")
    period_start: date = strawberry.field(resolver=_start, description="Its first day.")
    period_end: date = strawberry.field(resolver=_end, description="Its last day.")
    lines: list[SubsidyStatementLine] = strawberry.field(
        resolver=_lines, description="Per loan, by loan."
    )
    total: Decimal = strawberry.field(description="Sum of the lines.")
    ledger_total: Decimal = strawberry.field(
        description="The ledger's subsidy interest income for the programme's loans in the quarter."
    )
    reconciled: bool = strawberry.field(
        resolver=_reconciled,
        description="total equals ledgerTotal (and the filed claim's total, once filed).",
    )
    claim: SubsidyClaim | None = strawberry.field(
        resolver=_claim, description="The claim filed for the quarter, if any."
    )


@strawberry.type(description="The result of filing a quarter's claim.")
class SubsidyClaimPayload:
    statement: SubsidyStatement | None = strawberry.field(
        description="The statement as filed, with its claim."
    )
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="The result of recording a sponsor's payment.")
class SubsidyPaymentPayload:
    claim: SubsidyClaim | None = strawberry.field(description="The claim, now PAID.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")
