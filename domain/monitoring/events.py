"""Events in: validated ingest with its outbox message, and idempotent processing into warnings."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from db.models import Enterprise, Event, Loan, OutboxMessage, RiskWarning, Role
from domain.accounts.principal import Principal
from domain.context import current_request_id
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.indicators.refresh import queue_refresh
from domain.messaging import outbox
from domain.messaging.topics import Topic
from domain.money import MAX_AMOUNT
from domain.monitoring.graph_risk import schedule_rescore
from domain.monitoring.records import active_loans, apply_event, gather_context, is_customer
from domain.monitoring.rules import EventContext, EventFacts, evaluate_event, load_rules
from domain.monitoring.store import in_retried_transaction, raise_warning
from domain.monitoring.urgency import urgent
from domain.world.uscc import is_valid_uscc
from domain.world.validate import EVENT_TYPES, TAX_RATINGS

# clocks of data feeds drift; an event dated further ahead than this is refused
MAX_FUTURE = timedelta(hours=1)
EARLIEST = datetime(1980, 1, 1, tzinfo=UTC)
MAX_PAYLOAD_BYTES = 16_384
INGEST_ROLES = frozenset({Role.LOAN_OFFICER, Role.RISK_MANAGER, Role.ADMIN, Role.SERVICE})
SOURCES = frozenset({"api", "replay", "lending", "import", "provider"})
MAX_AMOUNT_FLOAT = float(MAX_AMOUNT)


def _int_at_least_zero(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _text(v: Any) -> bool:
    return isinstance(v, str) and 0 < len(v.strip()) <= 200


def _number(v: Any) -> bool:
    """An amount of 0 or more that a money column can hold ("Infinity" and 1e30 are not)."""
    if isinstance(v, bool):
        return False
    try:
        return 0 <= float(v) <= MAX_AMOUNT_FLOAT  # NaN compares false
    except (TypeError, ValueError, OverflowError):
        return False


# per event type: payload field -> (required, check, what it must be)
PAYLOAD_SHAPES: dict[str, dict[str, tuple[bool, Callable[[Any], bool], str]]] = {
    "overdue_payment": {
        "days_past_due": (True, _int_at_least_zero, "a whole number of days, 0 or more"),
        "loan_id": (False, _int_at_least_zero, "a loan id"),
    },
    "patent_lapsed": {"number": (True, _text, "a patent number")},
    "patent_invalidated": {"number": (True, _text, "a patent number")},
    "patent_transferred": {
        "number": (True, _text, "a patent number"),
        "from": (False, _text, "a USCC"),
        "to": (False, _text, "a USCC"),
        "role": (False, lambda v: v in ("assignor", "assignee"), "assignor or assignee"),
    },
    "tax_rating_downgraded": {
        "rating": (True, lambda v: v in TAX_RATINGS, "one of A B M C D"),
        "year": (False, _int_at_least_zero, "a year"),
    },
    "tax_arrears": {"amount": (False, _number, "an amount of 0 or more")},
    "litigation_filed": {
        "case_no": (False, _text, "a case number"),
        "amount": (False, _number, "an amount of 0 or more"),
        "role": (False, lambda v: v in ("plaintiff", "defendant", "third_party"), "a party role"),
    },
    "judgment_lost": {
        "case_no": (False, _text, "a case number"),
        "amount": (False, _number, "an amount of 0 or more"),
    },
}


@dataclass(frozen=True)
class IngestResult:
    """accepted: stored now and queued for processing; duplicate: the id was already known."""

    accepted: bool
    duplicate: bool
    event_id: str


def validate_event(
    *,
    event_id: str,
    uscc: str,
    type: str,
    occurred_at: datetime,
    payload: Any,
    now: datetime,
) -> dict[str, Any]:
    """Check an incoming event; INVALID_INPUT naming the field at fault."""
    if not isinstance(event_id, str) or not event_id.strip() or len(event_id) > 128:
        raise InvalidInput("the event id must be 1 to 128 characters", field="id")
    if not isinstance(uscc, str) or not is_valid_uscc(uscc.strip()):
        raise InvalidInput("not a valid USCC", field="uscc")
    if type not in EVENT_TYPES:
        raise InvalidInput(
            f"unknown event type {type!r}; expected one of {', '.join(sorted(EVENT_TYPES))}",
            field="type",
        )
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        raise InvalidInput("occurredAt needs a time zone offset", field="occurredAt")
    if occurred_at > now + MAX_FUTURE:
        raise InvalidInput("occurredAt is in the future", field="occurredAt")
    if occurred_at < EARLIEST:
        raise InvalidInput("occurredAt is before 1980", field="occurredAt")
    if not isinstance(payload, Mapping):
        raise InvalidInput("the payload must be a JSON object", field="payload")
    try:
        size = len(json.dumps(payload, ensure_ascii=False).encode())
    except (TypeError, ValueError):
        raise InvalidInput("the payload must be plain JSON", field="payload") from None
    if size > MAX_PAYLOAD_BYTES:
        raise InvalidInput(f"the payload exceeds {MAX_PAYLOAD_BYTES} bytes", field="payload")
    for key, (required, check, what) in PAYLOAD_SHAPES.get(type, {}).items():
        if key not in payload or payload[key] is None:
            if required:
                raise InvalidInput(f"payload.{key} is required for {type}", field="payload")
            continue
        if not check(payload[key]):
            raise InvalidInput(f"payload.{key} must be {what}", field="payload")
    return dict(payload)


def require_ingest_role(principal: Principal) -> None:
    """Events come from bank staff or a data feed's service account."""
    if principal.role not in INGEST_ROLES:
        raise Forbidden("events come from staff or a data feed")


async def ingest_event(
    *,
    principal: Principal,
    event_id: str,
    uscc: str,
    type: str,
    occurred_at: datetime,
    payload: Any,
    source: str = "api",
    now: datetime | None = None,
) -> IngestResult:
    """Store a new event and queue its processing in one transaction; a known id writes nothing.

    Staff and data-feed service accounts only.
    """
    require_ingest_role(principal)
    if source not in SOURCES:
        raise InvalidInput(f"unknown event source {source!r}", field="source")
    clean = validate_event(
        event_id=event_id,
        uscc=uscc,
        type=type,
        occurred_at=occurred_at,
        payload=payload,
        now=now or datetime.now(UTC),
    )
    event_id, uscc = event_id.strip(), uscc.strip()
    if await Event.exists(event_id=event_id):
        return IngestResult(False, True, event_id)
    if not await Enterprise.exists(uscc=uscc):
        raise NotFound("no enterprise with this USCC", field="uscc")
    try:
        async with in_transaction() as conn:
            await Event.create(
                event_id=event_id,
                uscc=uscc,
                occurred_at=occurred_at.astimezone(UTC),
                type=type,
                payload=clean,
                source=source,
                using_db=conn,
            )
            await _queue(event_id, conn)
    except IntegrityError:
        return IngestResult(False, True, event_id)
    outbox.notify()
    return IngestResult(True, False, event_id)


async def _queue(event_id: str, conn: BaseDBAsyncClient) -> None:
    await OutboxMessage.create(
        topic=Topic.PROCESS_EVENT,
        key=event_id[:64],
        payload={"event_id": event_id, "request_id": current_request_id()},
        using_db=conn,
    )


async def schedule_processing(*, event_id: str) -> bool:
    """Queue a stored, never-processed event (an imported one) unless it is already queued."""
    event = await Event.get_or_none(event_id=event_id)
    if event is None or event.processed_at is not None:
        return False
    async with in_transaction() as conn:
        waiting = (
            await OutboxMessage.filter(
                topic=Topic.PROCESS_EVENT, key=event_id[:64], published_at__isnull=True
            )
            .using_db(conn)
            .exists()
        )
        if waiting:
            return False
        await _queue(event_id, conn)
    outbox.notify()
    return True


@dataclass(frozen=True)
class ProcessResult:
    """What processing did: nothing (already done), or the changes and new warnings."""

    processed: bool
    changes: list[str] = field(default_factory=list)
    warnings: list[RiskWarning] = field(default_factory=list)


async def process_event(*, event_id: str) -> ProcessResult:
    """Apply an event, evaluate the rules and raise warnings, exactly once per event id.

    The event is claimed by setting processed_at in the same transaction as everything it
    causes: a crash rolls all of it back, and a second run finds it claimed and does nothing.
    The work it derives (indicator refresh, contagion, graph re-scoring) waits meanwhile
    (`urgency`).
    """
    async with urgent():
        return await _process(event_id)


async def _process(event_id: str) -> ProcessResult:
    event = await Event.get_or_none(event_id=event_id)
    if event is None:
        raise NotFound(f"no event {event_id!r}", field="event_id")
    if event.processed_at is not None:
        return ProcessResult(False)

    async def work(conn: BaseDBAsyncClient) -> ProcessResult:
        claimed = (
            await Event.filter(id=event.id, processed_at__isnull=True)
            .using_db(conn)
            .update(processed_at=datetime.now(UTC))
        )
        if not claimed:
            return ProcessResult(False)
        enterprise = await Enterprise.filter(uscc=event.uscc).using_db(conn).first()
        if enterprise is None:
            return ProcessResult(True)
        loans = await active_loans(enterprise.id, conn)
        facts = await gather_context(event, enterprise, loans, conn)
        changes = await apply_event(event, enterprise, conn)
        # the firm's indicators and its neighbours' (neighbours in distress) read this event
        await queue_refresh([enterprise.uscc], neighbours=True, conn=conn)
        raised: list[RiskWarning] = []
        if load_rules().scope != "customers" or await is_customer(enterprise, conn):
            context = EventContext(
                name=enterprise.name,
                facts={**facts, "changes": changes},
                loan_id=await _loan_of(event, enterprise.id, loans, conn),
            )
            drafts = evaluate_event(_facts(event), context)
            for draft in drafts:
                result = await raise_warning(draft, enterprise_id=enterprise.id, conn=conn)
                if result.new and result.warning is not None:
                    raised.append(result.warning)
        if loans:
            # the event may move collateral or financial figures: re-evaluate the borrower
            await OutboxMessage.create(
                topic=Topic.MONITOR_BORROWERS,
                key=str(enterprise.id),
                payload={"enterprise_ids": [enterprise.id], "event_id": event.event_id},
                using_db=conn,
            )
        return ProcessResult(True, changes, raised)

    result = await in_retried_transaction(work)
    if result.processed:
        outbox.notify()
        # the firm's event features changed: its neighbourhood is re-scored in the loaded
        # graph soon, with the other firms' of the moment (the warnings do not wait for it)
        schedule_rescore(event.uscc)
    return result


async def _loan_of(
    event: Event, enterprise_id: int, loans: list[Loan], conn: BaseDBAsyncClient
) -> int | None:
    """The loan a warning is about: the one an overdue event names, else the newest active."""
    named = event.payload.get("loan_id") if event.type == "overdue_payment" else None
    if isinstance(named, int) and not isinstance(named, bool):
        if named in {loan.id for loan in loans}:
            return named
        if await Loan.filter(id=named, enterprise_id=enterprise_id).using_db(conn).exists():
            return named
    return loans[0].id if loans else None


def _facts(event: Event) -> EventFacts:
    return EventFacts(
        event_id=event.event_id,
        type=event.type,
        uscc=event.uscc,
        occurred_at=event.occurred_at,
        payload=dict(event.payload or {}),
    )
