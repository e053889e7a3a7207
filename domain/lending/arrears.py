"""Days past due, the five-tier loan classification, and overdue events for monitoring.

Bands follow the five-category rule (正常/关注/次级/可疑/损失) by days overdue:
0 normal, 1-90 special mention, 91-180 substandard, 181-360 doubtful, over 360 loss.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from db.models import Enterprise, Event, Installment, Loan, OutboxMessage
from domain import audit
from domain.lending.loans import LoanStatus
from domain.messaging.topics import Topic


class Classification(StrEnum):
    """The five loan risk categories, best first."""

    NORMAL = "NORMAL"
    SPECIAL_MENTION = "SPECIAL_MENTION"
    SUBSTANDARD = "SUBSTANDARD"
    DOUBTFUL = "DOUBTFUL"
    LOSS = "LOSS"


# (most days past due in the band, category); beyond the last band: LOSS
BANDS: tuple[tuple[int, Classification], ...] = (
    (0, Classification.NORMAL),
    (90, Classification.SPECIAL_MENTION),
    (180, Classification.SUBSTANDARD),
    (360, Classification.DOUBTFUL),
)
# an overdue event is raised once per installment as it crosses each of these day counts
EVENT_THRESHOLDS = (1, 30, 60, 90, 180, 360)


def classify(days_past_due: int) -> Classification:
    """The category for a number of days past due."""
    if days_past_due < 0:
        raise ValueError("days past due cannot be negative")
    for top, category in BANDS:
        if days_past_due <= top:
            return category
    return Classification.LOSS


def days_past_due(installments: list[Installment], as_of: date) -> int:
    """Days since the oldest installment still unpaid fell due (0 if none is late)."""
    late = [(as_of - i.due_on).days for i in installments if i.paid_at is None and i.due_on < as_of]
    return max(late, default=0)


def threshold_crossed(days: int) -> int | None:
    """The highest event threshold `days` has reached, if any."""
    reached = [t for t in EVENT_THRESHOLDS if days >= t]
    return reached[-1] if reached else None


@dataclass(frozen=True)
class LoanClassification:
    """A loan's days past due and category as of a date, and what changed."""

    loan_id: int
    days_past_due: int
    classification: Classification
    previous: str
    new_events: tuple[str, ...]


async def classify_loans(*, as_of: date) -> list[LoanClassification]:
    """Classify every active loan as of a date; store changes and raise overdue events once."""
    loans = await Loan.filter(status=LoanStatus.ACTIVE).order_by("id")
    if not loans:
        return []
    schedules: dict[int, list[Installment]] = defaultdict(list)
    for inst in await Installment.filter(loan_id__in=[loan.id for loan in loans]):
        schedules[inst.loan_id].append(inst)  # type: ignore[attr-defined]
    usccs = dict(
        await Enterprise.filter(
            id__in={loan.enterprise_id for loan in loans}  # type: ignore[attr-defined]
        ).values_list("id", "uscc")
    )
    results = []
    for loan in loans:
        schedule = schedules[loan.id]
        dpd = days_past_due(schedule, as_of)
        category = classify(dpd)
        events = _overdue_events(loan, schedule, as_of, usccs[loan.enterprise_id])  # type: ignore[attr-defined]
        created = await _store(loan, category, dpd, events)
        results.append(LoanClassification(loan.id, dpd, category, loan.classification, created))
    return results


def _overdue_events(loan: Loan, schedule: list[Installment], as_of: date, uscc: str) -> list[Event]:
    events = []
    for inst in schedule:
        if inst.paid_at is not None or inst.due_on >= as_of:
            continue
        late = (as_of - inst.due_on).days
        crossed = threshold_crossed(late)
        if crossed is None:
            continue
        owed = (inst.principal - inst.paid_principal) + (inst.interest - inst.paid_interest)
        events.append(
            Event(
                event_id=f"overdue:{loan.id}:{inst.number}:{crossed}",
                uscc=uscc,
                # the moment the threshold was crossed, so a late sweep dates it the same
                occurred_at=datetime.combine(inst.due_on + timedelta(days=crossed), time(), UTC),
                type="overdue_payment",
                source="lending",
                payload={
                    "loan_id": loan.id,
                    "installment": inst.number,
                    "due_on": inst.due_on.isoformat(),
                    "days_past_due": crossed,
                    "amount_overdue": str(owed),
                    "classification": classify(late).value,
                },
            )
        )
    return events


async def _store(
    loan: Loan, category: Classification, dpd: int, events: list[Event]
) -> tuple[str, ...]:
    ids = [e.event_id for e in events]
    known = (
        set(await Event.filter(event_id__in=ids).values_list("event_id", flat=True))
        if ids
        else set()
    )
    fresh = [e for e in events if e.event_id not in known]
    if not fresh and loan.classification == category.value:
        return ()
    try:
        await _write(loan, category, dpd, fresh)
    except IntegrityError:
        return ()  # a concurrent sweep raised the same events first
    return tuple(e.event_id for e in fresh)


async def _write(loan: Loan, category: Classification, dpd: int, fresh: list[Event]) -> None:
    async with in_transaction() as conn:
        for event in fresh:
            await event.save(using_db=conn)
            await OutboxMessage.create(
                topic=Topic.PROCESS_EVENT,
                key=event.event_id,
                payload={"event_id": event.event_id},
                using_db=conn,
            )
        if loan.classification != category.value:
            await Loan.filter(id=loan.id).using_db(conn).update(classification=category.value)
            await audit.record(
                actor="system:classification",
                action="loan.classify",
                entity_type="loan",
                entity_id=loan.id,
                data={"from": loan.classification, "to": category.value, "days_past_due": dpd},
                connection=conn,
            )
