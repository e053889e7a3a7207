"""Credit lines (授信): granted when an approved application's line contract is signed, then
frozen, unfrozen, reduced, closed or expired, each change guarded and kept as history.

The line's limit is the approved amount, its rate the offer's, its validity the product's
`line_months` from the signing day; the product says whether repaid principal can be drawn
again (revolving). A product with a guarantee programme gets a guarantee awaiting the
guarantor's signature; one with a subsidy programme names it on the line.

Every change moves the line from the status it was read in (and its version) to the next in
one guarded UPDATE, and writes a `CreditLineChange` and an audit entry in the same transaction.
Closing stops further drawings only: loans already drawn run on to their own end.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from db.models import (
    Contract,
    CreditLine,
    CreditLineChange,
    GuaranteeProgramme,
    LoanApplication,
    LoanProduct,
    RiskWarning,
    Role,
    SubsidyProgramme,
    WarningLevel,
)
from domain import audit
from domain.accounts.principal import Principal
from domain.credit.guarantee_signing import open_guarantee
from domain.credit.line_reads import drawn_on_line, get_line_or_raise
from domain.errors import Conflict, ErrorCode, InvalidInput, InvalidState
from domain.loanbook.amortisation import add_months
from domain.money import parse_amount

# who changes a line by hand: the bank's credit staff
LINE_STAFF = (Role.LOAN_OFFICER, Role.RISK_MANAGER)
MAX_REASON = 2000


class LineStatus(StrEnum):
    """A credit line's states."""

    ACTIVE = "ACTIVE"
    FROZEN = "FROZEN"
    EXPIRED = "EXPIRED"
    CLOSED = "CLOSED"


class LineChange(StrEnum):
    """What can happen to a line after it is granted."""

    FREEZE = "FREEZE"
    UNFREEZE = "UNFREEZE"
    REDUCE = "REDUCE"
    CLOSE = "CLOSE"
    EXPIRE = "EXPIRE"


L = LineStatus
# change -> (statuses it may start from, the status it leaves; None: unchanged)
TRANSITIONS: dict[LineChange, tuple[frozenset[LineStatus], LineStatus | None]] = {
    LineChange.FREEZE: (frozenset({L.ACTIVE}), L.FROZEN),
    LineChange.UNFREEZE: (frozenset({L.FROZEN}), L.ACTIVE),
    LineChange.REDUCE: (frozenset({L.ACTIVE, L.FROZEN}), None),
    LineChange.CLOSE: (frozenset({L.ACTIVE, L.FROZEN}), L.CLOSED),
    LineChange.EXPIRE: (frozenset({L.ACTIVE, L.FROZEN}), L.EXPIRED),
}


_DONE = {LineChange.FREEZE: "frozen", LineChange.UNFREEZE: "unfrozen",
         LineChange.REDUCE: "reduced", LineChange.CLOSE: "closed",
         LineChange.EXPIRE: "expired"}  # fmt: skip


async def grant_line(
    application: LoanApplication,
    contract: Contract,
    *,
    amount: Decimal,
    annual_rate: Decimal,
    actor: str,
    now: datetime,
    conn: BaseDBAsyncClient,
) -> CreditLine:
    """The line an approved application grants, once its line contract is signed (in the
    signing transaction; the application's unique line stops a second one)."""
    product = await LoanProduct.get(id=application.product_id, using_db=conn)  # type: ignore[attr-defined]
    guarantee, subsidy = await _programmes(product, conn)
    today = now.date()
    line = await CreditLine.create(
        enterprise_id=application.enterprise_id,  # type: ignore[attr-defined]
        application_id=application.id,
        product_id=product.id,
        contract_id=contract.id,
        limit=amount,
        annual_rate=annual_rate,
        revolving=product.revolving,
        max_term_months=application.term_months,
        status=LineStatus.ACTIVE.value,
        valid_from=today,
        valid_until=add_months(today, product.line_months),
        guarantee_programme_id=guarantee.id if guarantee else None,
        subsidy_programme_id=subsidy.id if subsidy else None,
        using_db=conn,
    )
    if guarantee is not None:
        # the guarantee and its contract, for the guarantor to sign (signGuarantee)
        await open_guarantee(
            line, guarantee, application=application, actor=actor, now=now, conn=conn
        )
    await audit.record(
        actor=actor,
        action="credit_line.grant",
        entity_type="credit_line",
        entity_id=line.id,
        data={
            "application_id": application.id,
            "contract_id": contract.id,
            "limit": str(line.limit),
            "valid_until": line.valid_until.isoformat(),
            "revolving": line.revolving,
            "guarantee_programme": product.guarantee_programme,
            "subsidy_programme": product.subsidy_programme,
        },
        connection=conn,
    )
    return line


async def _programmes(
    product: LoanProduct, conn: BaseDBAsyncClient
) -> tuple[GuaranteeProgramme | None, SubsidyProgramme | None]:
    """The guarantee and subsidy programmes the product names, if any."""
    guarantee = subsidy = None
    if product.guarantee_programme:
        guarantee = await GuaranteeProgramme.get(code=product.guarantee_programme, using_db=conn)
    if product.subsidy_programme:
        subsidy = await SubsidyProgramme.get(code=product.subsidy_programme, using_db=conn)
    return guarantee, subsidy


# staff changes


def _reason(text: str | None) -> str:
    """A change's reason: required, trimmed, bounded."""
    reason = (text or "").strip()
    if not reason:
        raise InvalidInput("say why the line is changed", field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"the reason is longer than {MAX_REASON} characters", field="reason")
    return reason


def check_change(line: CreditLine, change: LineChange) -> LineStatus | None:
    """The status `change` leaves the line in, or INVALID_STATE when it cannot apply now."""
    sources, target = TRANSITIONS[change]
    if LineStatus(line.status) not in sources:
        code = ErrorCode.LINE_EXPIRED if line.status == L.EXPIRED else ErrorCode.INVALID_STATE
        raise InvalidState(
            f"the line is {line.status}: it cannot be {_DONE[change]}", code=code, field="lineId"
        )
    return target


async def apply_change(
    line: CreditLine,
    change: LineChange,
    *,
    actor: str,
    reason: str,
    conn: BaseDBAsyncClient,
    now: datetime,
    new_limit: Decimal | None = None,
    values: dict[str, Any] | None = None,
) -> CreditLine:
    """Move the line as read (status and version) by `change`, with history and an audit
    entry, in the caller's transaction; CONFLICT when someone changed it meanwhile."""
    target = check_change(line, change) or LineStatus(line.status)
    updates: dict[str, Any] = {"status": target.value, **(values or {})}
    if new_limit is not None:
        updates["limit"] = new_limit
    count = (
        await CreditLine.filter(id=line.id, status=line.status, version=line.version)
        .using_db(conn)
        .update(version=F("version") + 1, **updates)
    )
    if count != 1:
        raise Conflict("the credit line was changed meanwhile; read it again", field="lineId")
    await CreditLineChange.create(
        line_id=line.id, kind=change.value, from_status=line.status, to_status=target.value,
        old_limit=line.limit if new_limit is not None else None, new_limit=new_limit,
        reason=reason, actor=actor, at=now, using_db=conn,
    )  # fmt: skip
    data: dict[str, Any] = {"from": line.status, "to": target.value, "reason": reason}
    if new_limit is not None:
        data |= {"old_limit": str(line.limit), "new_limit": str(new_limit)}
    # the warning that froze it, on the freeze and on the unfreeze alike
    if warning_id := updates.get("frozen_by_warning_id") or line.frozen_by_warning_id:
        data["warning_id"] = warning_id
    await audit.record(
        actor=actor, action=f"credit_line.{change.lower()}", entity_type="credit_line",
        entity_id=line.id, data=data, connection=conn,
    )  # fmt: skip
    return await CreditLine.get(id=line.id, using_db=conn)


async def _staff_change(
    principal: Principal,
    line_id: int,
    change: LineChange,
    reason: str | None,
    **options: Any,
) -> CreditLine:
    """Run one staff change on a line in its own transaction."""
    principal.require_role(*LINE_STAFF)
    text = _reason(reason)
    line = await get_line_or_raise(principal=principal, line_id=line_id)
    check_change(line, change)
    async with in_transaction() as conn:
        return await apply_change(
            line, change, actor=f"user:{principal.email}", reason=text, conn=conn,
            now=datetime.now(UTC), **options,
        )  # fmt: skip


async def freeze_line(*, principal: Principal, line_id: int, reason: str | None) -> CreditLine:
    """Staff freeze a line: nothing more can be drawn until it is unfrozen."""
    text = _reason(reason)
    values = {"frozen_at": datetime.now(UTC), "frozen_by": f"user:{principal.email}",
              "frozen_reason": text}  # fmt: skip
    return await _staff_change(principal, line_id, LineChange.FREEZE, text, values=values)


async def unfreeze_line(*, principal: Principal, line_id: int, reason: str | None) -> CreditLine:
    """Staff unfreeze a line with a reason (a line frozen by a RED warning too: the reason and
    the warning go into its history); a line past its validity cannot be unfrozen."""
    line = await get_line_or_raise(principal=principal, line_id=line_id)
    if line.status == L.FROZEN and line.valid_until < datetime.now(UTC).date():
        raise InvalidState(
            f"the line ran until {line.valid_until}: it cannot be unfrozen",
            code=ErrorCode.LINE_EXPIRED,
            field="lineId",
        )
    text = _reason(reason)
    if line.frozen_by_warning_id:
        text = f"{text} (frozen by warning {line.frozen_by_warning_id})"
    values = {"frozen_at": None, "frozen_by": None, "frozen_reason": None,
              "frozen_by_warning_id": None}  # fmt: skip
    return await _staff_change(principal, line_id, LineChange.UNFREEZE, text, values=values)


async def reduce_line(
    *, principal: Principal, line_id: int, new_limit: Decimal | str, reason: str | None
) -> CreditLine:
    """Staff lower a line's limit, never below what is drawn on it (revolving: the principal
    outstanding; otherwise everything ever drawn)."""
    principal.require_role(*LINE_STAFF)
    limit = parse_amount(new_limit, field="newLimit")
    text = _reason(reason)
    line = await get_line_or_raise(principal=principal, line_id=line_id)
    check_change(line, LineChange.REDUCE)
    async with in_transaction() as conn:
        locked = await lock_line(line.id, statuses=TRANSITIONS[LineChange.REDUCE][0], conn=conn)
        if limit >= locked.limit:
            raise InvalidInput(f"a reduction goes below the limit {locked.limit}", field="newLimit")
        drawn = await drawn_on_line(locked, conn=conn)
        if limit < drawn:
            raise InvalidInput(
                f"the line has {drawn} drawn: the limit cannot go below it", field="newLimit"
            )
        return await apply_change(
            locked, LineChange.REDUCE, actor=f"user:{principal.email}", reason=text, conn=conn,
            now=datetime.now(UTC), new_limit=limit,
        )  # fmt: skip


async def close_line(*, principal: Principal, line_id: int, reason: str | None) -> CreditLine:
    """Staff close a line: no more drawings; loans already drawn run on."""
    values = {"closed_at": datetime.now(UTC)}
    return await _staff_change(principal, line_id, LineChange.CLOSE, reason, values=values)


async def lock_line(
    line_id: int, *, statuses: frozenset[LineStatus], conn: BaseDBAsyncClient
) -> CreditLine:
    """Take the line's row for this transaction (a guarded version bump, so concurrent writers
    serialise on it on every database) and read it; the refusal its status earns otherwise."""
    count = (
        await CreditLine.filter(id=line_id, status__in=[s.value for s in statuses])
        .using_db(conn)
        .update(version=F("version") + 1)
    )
    line = await CreditLine.get(id=line_id, using_db=conn)
    if count != 1:
        raise status_refusal(line)
    return line


def status_refusal(line: CreditLine) -> InvalidState:
    """Why nothing can be drawn on a line in its status."""
    if line.status == L.FROZEN:
        reason = f": {line.frozen_reason}" if line.frozen_reason else ""
        return InvalidState(
            f"the line is frozen{reason}", code=ErrorCode.LINE_FROZEN, field="lineId"
        )
    if line.status in (L.EXPIRED, L.CLOSED):
        return InvalidState(
            f"the line is {line.status.lower()}", code=ErrorCode.LINE_EXPIRED, field="lineId"
        )
    return InvalidState(f"the line is {line.status}", field="lineId")


# monitoring and the daily batch


async def freeze_for_warning(warning: RiskWarning, *, conn: BaseDBAsyncClient, actor: str) -> int:
    """A RED warning freezes the undrawn limit of its enterprise's ACTIVE lines, in the
    warning's transaction; how many lines it froze."""
    if str(warning.level) != WarningLevel.RED.value:
        return 0
    now = datetime.now(UTC)
    reason = f"RED warning {warning.id} ({warning.kind}): {warning.message}"[:MAX_REASON]
    enterprise_id: int = warning.enterprise_id  # type: ignore[attr-defined]
    lines = await CreditLine.filter(enterprise_id=enterprise_id, status=L.ACTIVE).using_db(conn)
    values = {"frozen_at": now, "frozen_by": actor, "frozen_reason": reason,
              "frozen_by_warning_id": warning.id}  # fmt: skip
    for line in lines:
        await apply_change(
            line, LineChange.FREEZE, actor=actor, reason=reason, conn=conn, now=now, values=values
        )
    return len(lines)


EXPIRY_ACTOR = "system:credit-lines"


async def expire_lines(day: date) -> int:
    """Lines (ACTIVE or FROZEN) valid through `day` at the latest become EXPIRED once `day` is
    over; how many (idempotent: each line in its own guarded change)."""
    now = datetime.now(UTC)
    due = await CreditLine.filter(
        status__in=[L.ACTIVE.value, L.FROZEN.value], valid_until__lte=day
    ).order_by("id")
    expired = 0
    for line in due:
        try:
            async with in_transaction() as conn:
                await apply_change(
                    line, LineChange.EXPIRE, actor=EXPIRY_ACTOR,
                    reason=f"valid until {line.valid_until}", conn=conn, now=now,
                )  # fmt: skip
            expired += 1
        except Conflict:
            continue  # changed meanwhile: the next run sees it again
    return expired


__all__ = [
    "LINE_STAFF",
    "LineChange",
    "LineStatus",
    "apply_change",
    "check_change",
    "close_line",
    "expire_lines",
    "freeze_for_warning",
    "freeze_line",
    "grant_line",
    "lock_line",
    "reduce_line",
    "status_refusal",
    "unfreeze_line",
]
