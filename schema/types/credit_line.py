"""Credit lines (授信) and their history as the API shows them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

import resolvers.credit_line
import resolvers.pledge
from db import models as m
from domain.credit.lines import LineChange as DomainLineChange
from domain.credit.lines import LineStatus
from schema.errors import UserError
from schema.fields import opaque_id
from schema.types.enterprise import Enterprise
from schema.types.guarantee import Guarantee
from schema.types.loan import Loan

if TYPE_CHECKING:
    from schema.pledges import PatentPledge

CreditLineStatus = strawberry.enum(
    LineStatus,
    name="CreditLineStatus",
    description="ACTIVE: can be drawn; FROZEN: nothing can be drawn until staff unfreeze it; "
    "EXPIRED: its validity ended; CLOSED: closed by the bank. Loans drawn run on in every state.",
)
CreditLineChangeKind = strawberry.enum(
    DomainLineChange, name="CreditLineChangeKind", description="What changed on a credit line."
)


def _status(root: strawberry.Parent[m.CreditLine]) -> CreditLineStatus:  # type: ignore[valid-type]
    return LineStatus(root.status)


def _annual_rate(root: strawberry.Parent[m.CreditLine]) -> float:
    return float(root.annual_rate)


def _kind(root: strawberry.Parent[m.CreditLineChange]) -> CreditLineChangeKind:  # type: ignore[valid-type]
    return DomainLineChange(root.kind)


def _from(root: strawberry.Parent[m.CreditLineChange]) -> CreditLineStatus:  # type: ignore[valid-type]
    return LineStatus(root.from_status)


def _to(root: strawberry.Parent[m.CreditLineChange]) -> CreditLineStatus:  # type: ignore[valid-type]
    return LineStatus(root.to_status)


async def _guarantee(root: strawberry.Parent[m.CreditLine], info: Info) -> Guarantee | None:
    view = await resolvers.credit_line.line_guarantee(root, info)
    return None if view is None else Guarantee(view=view)


@strawberry.type(description="One change to a credit line, with who made it and why.")
class CreditLineChange:
    kind: CreditLineChangeKind = strawberry.field(resolver=_kind, description="What changed.")  # type: ignore[valid-type]
    from_status: CreditLineStatus = strawberry.field(  # type: ignore[valid-type]
        resolver=_from, description="Its status before."
    )
    to_status: CreditLineStatus = strawberry.field(  # type: ignore[valid-type]
        resolver=_to, description="Its status after."
    )
    old_limit: Decimal | None = strawberry.field(description="The limit before a reduction, CNY.")
    new_limit: Decimal | None = strawberry.field(description="The limit after a reduction, CNY.")
    reason: str = strawberry.field(description="Why.")
    actor: str = strawberry.field(description="Who (a person, or the system).")
    at: datetime = strawberry.field(description="When.")


@strawberry.type(description="A credit line (授信) granted by an approved application: drawn "
                 "online, each drawing a loan with its own signed addendum.")  # fmt: skip
class CreditLine:
    id: strawberry.ID = opaque_id("CreditLine")
    limit: Decimal = strawberry.field(description="The line's limit, CNY.")
    available: Decimal = strawberry.field(
        resolver=resolvers.credit_line.line_available,
        description="What can still be drawn now (limit less what is drawn), CNY.",
    )
    drawn: Decimal = strawberry.field(
        resolver=resolvers.credit_line.line_drawn,
        description="What counts against the limit, CNY: a revolving line's principal "
        "outstanding; a non-revolving line's principal ever drawn.",
    )
    status: CreditLineStatus = strawberry.field(  # type: ignore[valid-type]
        resolver=_status, description="Whether it can be drawn."
    )
    revolving: bool = strawberry.field(description="Whether repaid principal can be drawn again.")
    annual_rate: float = strawberry.field(resolver=_annual_rate, description="Rate of drawings.")
    max_term_months: int = strawberry.field(description="The longest term a drawing can take.")
    valid_from: date = strawberry.field(description="First day it can be drawn.")
    valid_until: date = strawberry.field(description="Last day it can be drawn.")
    frozen_at: datetime | None = strawberry.field(description="When it was frozen, if it is.")
    frozen_reason: str | None = strawberry.field(description="Why it is frozen, if it is.")
    closed_at: datetime | None = strawberry.field(description="When the bank closed it.")
    enterprise: Enterprise = strawberry.field(
        resolver=resolvers.credit_line.line_enterprise, description="The borrower."
    )
    loans: list[Loan] = strawberry.field(
        resolver=resolvers.credit_line.line_loans,
        description="Loans drawn on it, in drawing order.",
    )
    guarantee: Guarantee | None = strawberry.field(
        resolver=_guarantee,
        description="The guarantee programme's guarantee of this line, if its product has one "
        "(drawing waits until the guarantor has signed it).",
    )
    pledges: list[Annotated[PatentPledge, strawberry.lazy("schema.pledges")]] = strawberry.field(
        resolver=resolvers.pledge.line_pledges,
        description="Pledge registrations securing the line, with each patent's legal status "
        "(patent { status }).",
    )
    changes: list[CreditLineChange] = strawberry.field(
        resolver=resolvers.credit_line.line_changes,
        description="Its history, oldest first (bank staff; empty for others).",
    )


@strawberry.type(description="The result of a drawing on a credit line.")
class DrawdownPayload:
    loan: Loan | None = strawberry.field(description="The loan drawn.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="The result of a change to a credit line.")
class CreditLinePayload:
    credit_line: CreditLine | None = strawberry.field(description="The line as it now stands.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


__all__ = [
    "CreditLine",
    "CreditLineChange",
    "CreditLineChangeKind",
    "CreditLinePayload",
    "CreditLineStatus",
    "DrawdownPayload",
]
