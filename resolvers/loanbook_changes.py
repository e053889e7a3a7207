"""Loan-book mutations: prepayment, recoveries, reclassification, and the changes one staff
member asks for and another approves (restructure, write-off, reversal of a repayment).

Each checks the caller's role before it reads an argument, so a caller without the role is
refused the same way whatever it passes (FORBIDDEN in the payload's errors, naming the roles);
the domain checks ownership and state.
"""

# no `from __future__ import annotations`: strawberry reads the enum arguments' annotations
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

import strawberry
from strawberry.types import Info

from db import models as m
from db.models import Role
from domain.accounts.principal import Principal
from domain.errors import DomainError
from domain.loanbook import reads
from domain.loanbook.changes import CHECKER_ROLES, MAKER_ROLES
from domain.loanbook.prepayment import PREPAYERS as PREPAYMENT_ROLES
from domain.loanbook.writeoff import RECOVERY_ROLES
from resolvers.context import ctx
from resolvers.errors import PayloadError, payload
from resolvers.idempotency import once
from resolvers.ids import decode_or_raise
from resolvers.loan import LoanPayload
from resolvers.loanbook import in_role_order
from resolvers.loanbook_enums import Classification, PrepaymentMode

P = TypeVar("P")
# the domain's rules, checked here first so a caller without the role is refused before any
# argument is read
MAKERS = in_role_order(MAKER_ROLES)  # loan officers and risk managers ask for changes
CHECKERS = in_role_order(CHECKER_ROLES)  # a risk manager, never the maker, approves them
PREPAYERS = in_role_order(PREPAYMENT_ROLES)
COLLECTORS = in_role_order(RECOVERY_ROLES)


@dataclass(frozen=True)
class RepaymentPayload:
    """Money booked against a loan: the repayment and the loan after it, or why not."""

    loan: m.Loan | None = None
    repayment: m.Repayment | None = None
    errors: list[PayloadError] = field(default_factory=list)

    @classmethod
    def of(cls, repayment: m.Repayment | None = None, **kw: object) -> "RepaymentPayload":
        """The payload of a stored repayment (its loan read with it)."""
        if repayment is None:
            return cls(**kw)  # type: ignore[arg-type]
        return cls(loan=repayment.loan, repayment=repayment)


@dataclass(frozen=True)
class LoanChangePayload:
    """A change after it was asked for, approved or rejected, or why that failed."""

    change: m.LoanChange | None = None
    errors: list[PayloadError] = field(default_factory=list)


def refusal(info: Info, make: Callable[..., P], *roles: Role) -> tuple[Principal, P | None]:
    """The caller, and the payload refusing it when it has none of the roles."""
    principal = ctx(info).require()
    try:
        principal.require_role(*roles)
    except DomainError as exc:
        return principal, make(errors=[PayloadError.of(exc)])
    return principal, None


async def guarded(
    info: Info,
    make: Callable[..., P],
    roles: tuple[Role, ...],
    call: Callable[[Principal], Awaitable[Any]],
) -> P:
    """`call(principal)` as a payload, refused first when the caller has none of the roles."""
    principal, refused = refusal(info, make, *roles)
    if refused is not None:
        return refused
    return await payload(make, lambda: call(principal))


async def booked(
    info: Info,
    roles: tuple[Role, ...],
    operation: str,
    arguments: dict[str, str],
    received_at: datetime | None,
    run: Callable[[Principal, datetime], Awaitable[m.Repayment]],
) -> RepaymentPayload:
    """Money booked once per Idempotency-Key: `run(principal, when)`, refused first when the
    caller has none of the roles; an explicit `received_at` is part of the request."""
    principal, refused = refusal(info, RepaymentPayload, *roles)
    if refused is not None:
        return refused
    when = received_at or datetime.now(UTC)

    async def call() -> int:
        return int((await run(principal, when)).id)

    if received_at is not None:
        arguments = {**arguments, "receivedAt": when.isoformat()}
    return await once(
        info,
        RepaymentPayload.of,
        call,
        reload=reads.repayment_with_loan,
        operation=operation,
        arguments=arguments,
    )


def _loan_key(loan_id: strawberry.ID) -> int:
    return decode_or_raise(str(loan_id), "Loan", "loanId", message="no such loan")


def _change_key(change_id: strawberry.ID) -> int:
    return decode_or_raise(str(change_id), "LoanChange", "id", message="no such change")


async def prepay(
    info: Info,
    loan_id: strawberry.ID,
    amount: Decimal | None = None,
    mode: PrepaymentMode = PrepaymentMode.SHORTEN_TERM,
    received_at: datetime | None = None,
) -> RepaymentPayload:
    """Pay early, in full (no amount, or enough) or in part, once per Idempotency-Key."""
    from domain.loanbook.prepayment import prepay as run_prepay

    async def run(principal: Principal, when: datetime) -> m.Repayment:
        result = await run_prepay(
            principal=principal,
            loan_id=_loan_key(loan_id),
            amount=amount,
            mode=mode.value,
            received_at=when,
        )
        return result.repayment

    arguments = {"loanId": str(loan_id), "amount": str(amount), "mode": mode.value}
    return await booked(info, PREPAYERS, "prepay", arguments, received_at, run)


async def record_recovery(
    info: Info, loan_id: strawberry.ID, amount: Decimal, received_at: datetime | None = None
) -> RepaymentPayload:
    """Money recovered on a written-off loan, once per Idempotency-Key."""
    from domain.loanbook.writeoff import record_recovery as run_recovery

    async def run(principal: Principal, when: datetime) -> m.Repayment:
        return await run_recovery(
            principal=principal, loan_id=_loan_key(loan_id), amount=amount, received_at=when
        )

    arguments = {"loanId": str(loan_id), "amount": str(amount)}
    return await booked(info, COLLECTORS, "recordRecovery", arguments, received_at, run)


async def reclassify_loan(
    info: Info, loan_id: strawberry.ID, classification: Classification, reason: str
) -> LoanPayload:
    """Downgrade a loan's classification with a reason (never better than the rules allow)."""
    from domain.loanbook.classification import reclassify_loan as run_reclassify

    return await guarded(
        info,
        LoanPayload,
        CHECKERS,
        lambda principal: run_reclassify(
            principal=principal,
            loan_id=_loan_key(loan_id),
            classification=classification.value,
            reason=reason,
        ),
    )


async def restructure_loan(
    info: Info,
    loan_id: strawberry.ID,
    reason: str,
    extra_months: int | None = None,
    new_term_months: int | None = None,
    annual_rate: Decimal | None = None,
) -> LoanChangePayload:
    """Ask for a new schedule (an extension or a new term or rate); a checker approves it."""
    from domain.loanbook.changes import request_restructure

    return await guarded(
        info,
        LoanChangePayload,
        MAKERS,
        lambda principal: request_restructure(
            principal=principal,
            loan_id=_loan_key(loan_id),
            extra_months=extra_months,
            new_term_months=new_term_months,
            annual_rate=annual_rate,
            reason=reason,
        ),
    )


async def write_off_loan(info: Info, loan_id: strawberry.ID, reason: str) -> LoanChangePayload:
    """Ask to write the loan off; a checker approves it."""
    from domain.loanbook.changes import request_write_off

    return await guarded(
        info,
        LoanChangePayload,
        MAKERS,
        lambda principal: request_write_off(
            principal=principal, loan_id=_loan_key(loan_id), reason=reason
        ),
    )


async def reverse_repayment(
    info: Info, repayment_id: strawberry.ID, reason: str
) -> LoanChangePayload:
    """Ask to reverse a repayment (a bounced transfer); a checker approves it."""
    from domain.loanbook.changes import request_reversal

    return await guarded(
        info,
        LoanChangePayload,
        MAKERS,
        lambda principal: request_reversal(
            principal=principal,
            repayment_id=decode_or_raise(
                str(repayment_id), "Repayment", "repaymentId", message="no such repayment"
            ),
            reason=reason,
        ),
    )


async def approve_loan_change(
    info: Info, id: strawberry.ID, comment: str | None = None
) -> LoanChangePayload:
    """Approve a change someone else asked for: it is carried out at once."""
    from domain.loanbook.changes import approve_change

    return await guarded(
        info,
        LoanChangePayload,
        CHECKERS,
        lambda principal: approve_change(
            principal=principal, change_id=_change_key(id), comment=comment or ""
        ),
    )


async def reject_loan_change(info: Info, id: strawberry.ID, comment: str) -> LoanChangePayload:
    """Reject a change someone else asked for: nothing changes on the loan."""
    from domain.loanbook.changes import reject_change

    return await guarded(
        info,
        LoanChangePayload,
        CHECKERS,
        lambda principal: reject_change(
            principal=principal, change_id=_change_key(id), comment=comment
        ),
    )
