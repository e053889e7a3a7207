"""Overdue events for monitoring, raised by the end-of-day batch as installments age.

An event is raised once per installment as its days past due reach each of EVENT_THRESHOLDS
(1, 30, 60, 90, 180, 360); the warning rules turn overdue_30/60/90 into warnings. Its id is the
natural key, so a rerun of the batch raises nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient

from db.models import Event, Loan, OutboxMessage
from domain.loanbook.accrual import ScheduleRow
from domain.loanbook.classification import Classification, rule_floor
from domain.loanbook.interest import installment_days_past_due, unpaid_interest, unpaid_principal
from domain.messaging.topics import Topic

# an overdue event is raised once per installment as it reaches each of these day counts
EVENT_THRESHOLDS = (1, 30, 60, 90, 180, 360)


def classify(days_past_due: int) -> Classification:
    """The category the rules give to a number of days past due alone."""
    return rule_floor(days_past_due)[0]


def event_id(loan_id: int, inst: ScheduleRow, threshold: int) -> str:
    """The event's natural key (the schedule version is named from the second one on)."""
    version = "" if inst.version == 1 else f"v{inst.version}:"
    return f"overdue:{loan_id}:{version}{inst.number}:{threshold}"


def overdue_events(
    loan: Loan, schedule: Sequence[ScheduleRow], day: date, uscc: str
) -> list[Event]:
    """The events of the thresholds the loan's installments reach on `day` (pure)."""
    events = []
    for inst in schedule:
        late = installment_days_past_due(inst, day)
        if late not in EVENT_THRESHOLDS:
            continue
        owed = unpaid_principal(inst) + unpaid_interest(inst)
        events.append(
            Event(
                event_id=event_id(loan.id, inst, late),
                uscc=uscc,
                # the end of the day the threshold was reached, so a late run dates it the same
                occurred_at=datetime.combine(inst.due_on + timedelta(days=late), time(), UTC),
                type="overdue_payment",
                source="lending",
                payload={
                    "loan_id": loan.id,
                    "installment": inst.number,
                    "version": inst.version,
                    "due_on": inst.due_on.isoformat(),
                    "days_past_due": late,
                    "amount_overdue": str(owed),
                    "classification": classify(late).value,
                },
            )
        )
    return events


async def store_events(events: Sequence[Event], *, conn: BaseDBAsyncClient) -> int:
    """Store the events not stored before, each with its outbox message; how many were new."""
    if not events:
        return 0
    ids = [e.event_id for e in events]
    known = set(
        await Event.filter(event_id__in=ids).using_db(conn).values_list("event_id", flat=True)
    )
    fresh = list({e.event_id: e for e in events if e.event_id not in known}.values())
    if not fresh:
        return 0
    now = datetime.now(UTC)
    for event in fresh:
        event.received_at = now
    await Event.bulk_create(fresh, using_db=conn)
    await OutboxMessage.bulk_create(
        [
            OutboxMessage(
                topic=Topic.PROCESS_EVENT.value, key=e.event_id, payload={"event_id": e.event_id}
            )
            for e in fresh
        ],  # fmt: skip
        using_db=conn,
    )
    return len(fresh)


__all__ = ["EVENT_THRESHOLDS", "classify", "event_id", "overdue_events", "store_events"]
