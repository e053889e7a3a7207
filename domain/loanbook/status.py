"""The loan lifecycle after disbursement: one transition table, a guarded move, history.

    ACTIVE -> OVERDUE -> ACTIVE           (days past due: the end-of-day batch, a repayment)
    ACTIVE | OVERDUE -> RESTRUCTURED      (extension / new schedule, maker-checker)
    RESTRUCTURED -> OVERDUE -> RESTRUCTURED
    ACTIVE | OVERDUE | RESTRUCTURED -> WRITTEN_OFF        (maker-checker; recoveries go on)
    ACTIVE | OVERDUE | RESTRUCTURED -> SETTLED_BY_GUARANTOR
    ACTIVE | OVERDUE | RESTRUCTURED -> CLOSED            (everything owed is paid)

A loan that was restructured keeps `restructured = True` whatever its status: leaving OVERDUE
returns it to RESTRUCTURED, and its classification stays at least SUBSTANDARD.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from tortoise.backends.base.client import BaseDBAsyncClient

from db.models import Loan, LoanStatusChange
from domain import audit
from domain.errors import ErrorCode, InvalidState


class LoanStatus(StrEnum):
    """Where a loan is."""

    ACTIVE = "ACTIVE"
    OVERDUE = "OVERDUE"
    RESTRUCTURED = "RESTRUCTURED"
    WRITTEN_OFF = "WRITTEN_OFF"
    SETTLED_BY_GUARANTOR = "SETTLED_BY_GUARANTOR"
    CLOSED = "CLOSED"


class LoanEvent(StrEnum):
    """Things that move a loan."""

    FALL_OVERDUE = "FALL_OVERDUE"
    CATCH_UP = "CATCH_UP"
    RESTRUCTURE = "RESTRUCTURE"
    WRITE_OFF = "WRITE_OFF"
    SETTLE_BY_GUARANTOR = "SETTLE_BY_GUARANTOR"
    CLOSE = "CLOSE"


S = LoanStatus
LIVE = frozenset({S.ACTIVE, S.OVERDUE, S.RESTRUCTURED})
# statuses in which money is still owed on the balance sheet and the daily batch runs
SERVICED = LIVE
FINAL = frozenset({S.CLOSED, S.SETTLED_BY_GUARANTOR})


@dataclass(frozen=True)
class Rule:
    """An event's allowed source statuses and its target (None: decided by the loan)."""

    sources: frozenset[LoanStatus]
    target: LoanStatus | None


TRANSITIONS: dict[LoanEvent, Rule] = {
    LoanEvent.FALL_OVERDUE: Rule(frozenset({S.ACTIVE, S.RESTRUCTURED}), S.OVERDUE),
    # back to ACTIVE, or to RESTRUCTURED for a loan that was restructured
    LoanEvent.CATCH_UP: Rule(frozenset({S.OVERDUE}), None),
    LoanEvent.RESTRUCTURE: Rule(LIVE, S.RESTRUCTURED),
    LoanEvent.WRITE_OFF: Rule(LIVE, S.WRITTEN_OFF),
    LoanEvent.SETTLE_BY_GUARANTOR: Rule(LIVE, S.SETTLED_BY_GUARANTOR),
    LoanEvent.CLOSE: Rule(LIVE, S.CLOSED),
}


def target_of(loan: Loan, event: LoanEvent) -> LoanStatus:
    """Where `event` takes the loan; INVALID_STATE (stable message) where it may not (pure)."""
    rule = TRANSITIONS[event]
    current = LoanStatus(loan.status)
    if current not in rule.sources:
        raise InvalidState(
            f"a loan that is {current.value} cannot {event.value.lower().replace('_', ' ')}",
            code=ErrorCode.INVALID_STATE,
        )
    if rule.target is not None:
        return rule.target
    return S.RESTRUCTURED if loan.restructured else S.ACTIVE


def can_move(loan: Loan, event: LoanEvent) -> bool:
    """Whether `event` is allowed for the loan now (pure)."""
    return LoanStatus(loan.status) in TRANSITIONS[event].sources


async def move(
    loan: Loan,
    event: LoanEvent,
    *,
    actor: str,
    conn: BaseDBAsyncClient,
    business_date: date | None = None,
    reason: str = "",
    data: dict[str, object] | None = None,
) -> LoanStatus:
    """Apply `event` to the loan (already locked or guarded by the caller's transaction):
    status row update guarded by the status read, history row and audit entry, all in `conn`.
    INVALID_STATE when not allowed, or when another transaction moved the loan first."""
    before = LoanStatus(loan.status)
    after = target_of(loan, event)
    now = datetime.now(UTC)
    fields: dict[str, object] = {"status": after.value}
    if after == S.RESTRUCTURED:
        fields["restructured"] = True
    if after in FINAL:
        fields["closed_at"] = now
    if after == S.WRITTEN_OFF:
        fields["written_off_at"] = now
    changed = await Loan.filter(id=loan.id, status=before.value).using_db(conn).update(**fields)
    if not changed:
        raise InvalidState("the loan changed meanwhile; read it again")
    for name, value in fields.items():
        setattr(loan, name, value)
    await LoanStatusChange.create(
        loan_id=loan.id,
        from_status=before.value,
        to_status=after.value,
        event=event.value,
        business_date=business_date,
        at=now,
        actor=actor,
        reason=reason,
        using_db=conn,
    )
    await audit.record(
        actor=actor,
        action=f"loan.{event.value.lower()}",
        entity_type="loan",
        entity_id=loan.id,
        data={"from": before.value, "to": after.value, "reason": reason, **(data or {})},
        connection=conn,
    )
    return after


__all__ = ["FINAL", "LIVE", "SERVICED", "TRANSITIONS", "LoanEvent", "LoanStatus", "can_move",
           "move", "target_of"]  # fmt: skip
