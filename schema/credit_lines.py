"""Root fields of credit lines: reading them, drawing on them, staff changes."""

from __future__ import annotations

import strawberry

import resolvers.credit_line
from schema.types.credit_line import CreditLine, CreditLinePayload, DrawdownPayload


@strawberry.type
class CreditLineQuery:
    credit_line: CreditLine | None = strawberry.field(
        resolver=resolvers.credit_line.credit_line,
        description="A credit line by id (null when unknown or not yours).",
    )
    credit_lines: list[CreditLine] = strawberry.field(  # type: ignore[assignment]
        resolver=resolvers.credit_line.credit_lines,
        description="Credit lines the caller may see, newest first (staff: all; an applicant: "
        "its enterprise's), at most 100.",
    )


@strawberry.type
class CreditLineMutation:
    drawdown: DrawdownPayload = strawberry.mutation(
        resolver=resolvers.credit_line.drawdown,
        description="The borrower draws on its credit line (用信): a contract addendum signed "
        "with a one-time code of its second factor and sealed by the bank, a loan with its "
        "schedule, the money paid out. Refused over the available limit (LIMIT_EXCEEDED), on "
        "a frozen line (LINE_FROZEN), after its validity or on a closed line (LINE_EXPIRED). "
        "Honours Idempotency-Key.",
    )
    freeze_credit_line: CreditLinePayload = strawberry.mutation(
        resolver=resolvers.credit_line.freeze_credit_line,
        description="Freeze a line: nothing more can be drawn (loan officers, risk managers).",
    )
    unfreeze_credit_line: CreditLinePayload = strawberry.mutation(
        resolver=resolvers.credit_line.unfreeze_credit_line,
        description="Unfreeze a line, with a reason (also one frozen by a RED warning).",
    )
    reduce_credit_line: CreditLinePayload = strawberry.mutation(
        resolver=resolvers.credit_line.reduce_credit_line,
        description="Lower a line's limit, never below what is drawn on it.",
    )
    close_credit_line: CreditLinePayload = strawberry.mutation(
        resolver=resolvers.credit_line.close_credit_line,
        description="Close a line: no more drawings; loans already drawn run on.",
    )


__all__ = ["CreditLineMutation", "CreditLineQuery"]
