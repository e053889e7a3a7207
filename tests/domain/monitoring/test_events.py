"""Ingest (validated, duplicate-safe) and idempotent processing of events into warnings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from db.models import (
    AuditEntry,
    Enterprise,
    Event,
    OutboxMessage,
    Patent,
    RiskWarning,
    TaxRecord,
    WarningStatus,
)
from domain.errors import DomainError, ErrorCode
from domain.monitoring.events import ingest_event, process_event
from domain.monitoring.warnings import resolve_warning
from tests.domain.monitoring.helpers import T0, Portfolio
from tests.factories import uscc


async def ingest(p: Portfolio, event_id: str, type_: str, payload: dict[str, Any] | None = None,
                 *, firm: Enterprise | None = None, at: datetime = T0) -> Any:  # fmt: skip
    return await ingest_event(
        principal=p.feed,
        event_id=event_id,
        uscc=(firm or p.a).uscc,
        type=type_,
        occurred_at=at,
        payload=payload or {},
    )


async def test_ingest_stores_the_event_and_queues_it_in_one_go(portfolio: Portfolio) -> None:
    result = await ingest(portfolio, "ev-1", "dishonest_listed", {"court": "合肥中院"})
    assert (result.accepted, result.duplicate) == (True, False)
    stored = await Event.get(event_id="ev-1")
    assert (stored.type, stored.source, stored.processed_at) == ("dishonest_listed", "api", None)
    [message] = await OutboxMessage.filter(topic="process_event")
    assert message.key == "ev-1" and message.payload["event_id"] == "ev-1"


async def test_a_duplicate_id_changes_nothing(portfolio: Portfolio) -> None:
    await ingest(portfolio, "ev-1", "dishonest_listed")
    before = (await Event.all().count(), await OutboxMessage.all().count())
    again = await ingest(portfolio, "ev-1", "equity_frozen", firm=portfolio.b)
    assert (again.accepted, again.duplicate) == (False, True)
    assert (await Event.all().count(), await OutboxMessage.all().count()) == before
    assert (await Event.get(event_id="ev-1")).type == "dishonest_listed"


NOW = datetime.now(UTC)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"event_id": ""}, "id"),
        ({"event_id": "x" * 129}, "id"),
        ({"uscc": "91340100MA0000000X"}, "uscc"),
        ({"type": "alien_landing"}, "type"),
        ({"occurred_at": datetime(2025, 1, 1)}, "occurredAt"),
        ({"occurred_at": NOW + timedelta(days=2)}, "occurredAt"),
        ({"occurred_at": datetime(1970, 1, 1, tzinfo=UTC)}, "occurredAt"),
        ({"payload": ["not", "an", "object"]}, "payload"),
        ({"payload": {"blob": "x" * 20000}}, "payload"),
        ({"type": "overdue_payment", "payload": {}}, "payload"),
        ({"type": "overdue_payment", "payload": {"days_past_due": -3}}, "payload"),
        ({"type": "overdue_payment", "payload": {"days_past_due": "ten"}}, "payload"),
        ({"type": "patent_lapsed", "payload": {}}, "payload"),
        ({"type": "tax_rating_downgraded", "payload": {"rating": "Z"}}, "payload"),
        ({"type": "litigation_filed", "payload": {"amount": -1}}, "payload"),
    ],
)
async def test_bad_events_are_refused_and_nothing_is_written(
    portfolio: Portfolio, changes: dict[str, Any], field: str
) -> None:
    args: dict[str, Any] = {"event_id": "ev-1", "uscc": portfolio.a.uscc,
                            "type": "dishonest_listed", "occurred_at": T0, "payload": {}}  # fmt: skip
    args.update(changes)
    with pytest.raises(DomainError) as err:
        await ingest_event(principal=portfolio.feed, **args)
    assert (err.value.code, err.value.field) == (ErrorCode.INVALID_INPUT, field)
    assert await Event.all().count() == 0


async def test_an_unknown_enterprise_is_not_found(portfolio: Portfolio) -> None:
    with pytest.raises(DomainError) as err:
        await ingest_event(principal=portfolio.feed, event_id="ev-1", uscc=uscc(999),
                           type="deregistered", occurred_at=T0, payload={})  # fmt: skip
    assert err.value.code == ErrorCode.NOT_FOUND


async def test_applicants_may_not_ingest(portfolio: Portfolio) -> None:
    with pytest.raises(DomainError) as err:
        await ingest_event(principal=portfolio.applicant_a, event_id="ev-1", uscc=portfolio.a.uscc,
                           type="deregistered", occurred_at=T0, payload={})  # fmt: skip
    assert err.value.code == ErrorCode.FORBIDDEN


async def test_processing_twice_raises_one_warning(portfolio: Portfolio) -> None:
    await ingest(portfolio, "ev-1", "dishonest_listed", {"court": "合肥中院"})
    first = await process_event(event_id="ev-1")
    second = await process_event(event_id="ev-1")
    assert first.processed and not second.processed
    [warning] = await RiskWarning.all()
    assert (warning.level, warning.kind, warning.enterprise_id) == ("RED", "dishonest_listed",
                                                                    portfolio.a.id)  # fmt: skip
    assert warning.loan_id == portfolio.loans["a"].id
    assert warning.evidence["events"][0]["payload"] == {"court": "合肥中院"}
    assert (await Event.get(event_id="ev-1")).processed_at is not None
    for topic in ("warning", "run_contagion"):
        [message] = await OutboxMessage.filter(topic=topic)
        assert message.payload["warning_id"] == warning.id
    assert await AuditEntry.filter(action="warning.raise", entity_id=str(warning.id)).count() == 1
    # the borrower is re-evaluated after any event
    assert await OutboxMessage.filter(topic="monitor_borrowers").count() == 1


async def test_repeats_fold_into_the_open_warning_until_it_is_resolved(
    portfolio: Portfolio,
) -> None:
    for n in (1, 2):
        await ingest(portfolio, f"ev-{n}", "equity_frozen", at=T0 + timedelta(days=n))
        await process_event(event_id=f"ev-{n}")
    [warning] = await RiskWarning.all()
    assert [e["event_id"] for e in warning.evidence["events"]] == ["ev-1", "ev-2"]
    assert warning.evidence["repeats"] == 1
    assert await OutboxMessage.filter(topic="warning").count() == 1

    await resolve_warning(principal=portfolio.staff, warning_id=warning.id, note="court lifted it")
    await ingest(portfolio, "ev-3", "equity_frozen", at=T0 + timedelta(days=9))
    await process_event(event_id="ev-3")
    statuses = await RiskWarning.all().order_by("id").values_list("status", flat=True)
    assert statuses == [WarningStatus.RESOLVED, WarningStatus.OPEN]


async def test_a_more_severe_repeat_supersedes_the_open_warning(portfolio: Portfolio) -> None:
    from db.models import WarningLevel
    from domain.monitoring.rules import WarningDraft
    from domain.monitoring.store import in_retried_transaction, raise_warning

    async def put(level: WarningLevel, fp: str) -> None:
        draft = WarningDraft(level, "contagion", "m", "CONTAGION", {}, source="S", fingerprint=fp)
        await in_retried_transaction(
            lambda conn: raise_warning(
                draft, enterprise_id=portfolio.b.id, conn=conn, contagion_source_id=portfolio.a.id
            )  # fmt: skip
        )

    await put(WarningLevel.YELLOW, "1")
    await put(WarningLevel.YELLOW, "1")
    await put(WarningLevel.ORANGE, "2")
    rows = await RiskWarning.all().order_by("id").values_list("level", "status")
    assert rows == [("YELLOW", "RESOLVED"), ("ORANGE", "OPEN")]
    assert await OutboxMessage.filter(topic="warning").count() == 2
    # contagion warnings never set off more contagion
    assert await OutboxMessage.filter(topic="run_contagion").count() == 0


async def test_events_update_the_records(portfolio: Portfolio) -> None:
    await TaxRecord.create(enterprise_id=portfolio.a.id, year=2024, rating="B")
    await ingest(portfolio, "ev-1", "patent_lapsed", {"number": "CN500000001B"})
    await ingest(portfolio, "ev-2", "tax_rating_downgraded", {"rating": "D", "year": 2024})
    await ingest(portfolio, "ev-3", "deregistered", firm=portfolio.c)
    await ingest(portfolio, "ev-4", "patent_transferred",
                 {"number": "CN500000002B", "from": portfolio.b.uscc, "to": portfolio.a.uscc},
                 firm=portfolio.b)  # fmt: skip
    for n in (1, 2, 3, 4):
        await process_event(event_id=f"ev-{n}")
    assert (await Patent.get(number="CN500000001B")).status == "lapsed"
    assert (await TaxRecord.get(enterprise_id=portfolio.a.id, year=2024)).rating == "D"
    assert (await Enterprise.get(id=portfolio.c.id)).status == "cancelled"
    moved = await Patent.get(number="CN500000002B")
    assert (moved.owner_id, moved.transfers) == (portfolio.a.id, 1)  # type: ignore[attr-defined]
    kinds = dict(await RiskWarning.all().values_list("kind", "level"))
    # the lapsed and the transferred patents were pledged to the bank
    assert kinds == {"pledged_patent_lost": "ORANGE", "tax_downgrade": "ORANGE",
                     "deregistered": "RED"}  # fmt: skip
    tax = await RiskWarning.get(kind="tax_downgrade")
    assert "from B to D" in tax.message
    assert await RiskWarning.filter(enterprise_id=portfolio.b.id).count() == 1


async def test_litigation_as_defendant_uses_the_stored_case(portfolio: Portfolio) -> None:
    payload = {"case_no": "(2025)皖01民初1号", "amount": 2500000, "role": "defendant",
               "cause": "loan_dispute"}  # fmt: skip
    await ingest(portfolio, "ev-1", "litigation_filed", payload)
    await process_event(event_id="ev-1")
    await ingest(portfolio, "ev-2", "judgment_lost", {"case_no": "(2025)皖01民初1号"},
                 at=T0 + timedelta(days=30))  # fmt: skip
    await process_event(event_id="ev-2")
    kinds = await RiskWarning.all().order_by("id").values_list("kind", flat=True)
    assert kinds == ["major_litigation", "judgment_lost"]
    judged = await RiskWarning.get(kind="judgment_lost")
    assert "2500000" in judged.message


async def test_outsiders_are_recorded_but_not_warned_about(portfolio: Portfolio) -> None:
    await ingest(portfolio, "ev-1", "dishonest_listed", firm=portfolio.d)
    result = await process_event(event_id="ev-1")
    assert result.processed and result.warnings == []
    assert await RiskWarning.all().count() == 0


async def test_an_unknown_event_id_is_not_found(portfolio: Portfolio) -> None:
    with pytest.raises(DomainError) as err:
        await process_event(event_id="nope")
    assert err.value.code == ErrorCode.NOT_FOUND
