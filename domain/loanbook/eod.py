"""The end-of-day batch: close business days for every serviced loan, in chunks.

A chunk of loans is one transaction: its loans are locked, each loan's missing days are closed
in order (accrual, subsidy, penalty, credit applied, days past due and status, classification,
provisions, overdue events, the month-end snapshot) and `closed_through` is set with them. A
crash leaves every loan either wholly closed for a day or not at all, and running the batch
again picks up the loans still behind (`closed_through` before the date). Journal keys make
each posting happen once whatever is retried.

A chunk costs a fixed handful of statements per day on PostgreSQL (loans, installments,
allowances, entries, lines, balances, installments, loans), plus one per loan whose status
moves; status moves and classification audits go last, so the audit chain's lock is held for
the shortest time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from db.models import BusinessDay, Enterprise, JournalEntry, Loan
from domain import audit
from domain.loanbook import eod_writes as writes
from domain.loanbook.accounts import Account
from domain.loanbook.accrual import (
    ACTOR,
    ScheduleRow,
    Standing,
    next_day,
    plan_interest,
    plan_provision,
    plan_standing,
    plan_subsidy,
)
from domain.loanbook.ledger import Posting, post_batch
from domain.loanbook.overdue import overdue_events, store_events
from domain.loanbook.provisions import allowances
from domain.loanbook.status import SERVICED, move

CHUNK_SIZE = 1000


@dataclass
class ChunkReport:
    """What a chunk (or a whole day) did."""

    loans: int = 0
    loan_days: int = 0
    accruals: int = 0
    penalties: int = 0
    provisions: int = 0
    subsidies: int = 0
    moved: int = 0
    reclassified: int = 0
    events: int = 0

    def add(self, other: ChunkReport) -> None:
        """Add another report's counts to this one."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict[str, int]:
        """The counts by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class _Chunk:
    """A chunk's loans and what the batch knows of them, inside its transaction."""

    conn: BaseDBAsyncClient
    loans: list[Loan]
    schedules: dict[int, list[ScheduleRow]]
    held: dict[int, Decimal]
    subsidy_rates: dict[int, Decimal] = field(default_factory=dict)  # loan id -> annual rate
    report: ChunkReport = field(default_factory=ChunkReport)


def _pending(day: date) -> Q:
    """Serviced loans paid out by `day` whose `day` is not closed yet."""
    opened = datetime.combine(day + timedelta(days=1), time(), UTC)
    behind = Q(closed_through__isnull=True) | Q(closed_through__lt=day)
    return Q(status__in=[s.value for s in SERVICED], disbursed_at__lt=opened) & behind


async def pending_loan_ids(day: date) -> list[int]:
    """The loans the batch still has to close `day` for, by id."""
    ids: list[int] = await Loan.filter(_pending(day)).order_by("id").values_list("id", flat=True)  # type: ignore[assignment]
    return ids


def chunked(ids: Sequence[int], size: int = CHUNK_SIZE) -> Iterator[list[int]]:
    """`ids` in consecutive chunks of at most `size`."""
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


async def close_chunk(loan_ids: Sequence[int], day: date) -> ChunkReport:
    """Close every missing business day through `day` for these loans, in one transaction
    (loans already closed, or not serviced, are skipped). Idempotent."""
    async with in_transaction() as conn:
        chunk = await _load(conn, loan_ids, day)
        if not chunk.loans:
            return chunk.report
        chunk.report.loans = len(chunk.loans)
        current = min(next_day(loan) for loan in chunk.loans)
        while current <= day:
            group = [loan for loan in chunk.loans if next_day(loan) <= current]
            if group:
                await _close_date(chunk, group, current)
            current += timedelta(days=1)
    return chunk.report


async def _load(conn: BaseDBAsyncClient, loan_ids: Sequence[int], day: date) -> _Chunk:
    """Lock the chunk's loans still behind, and read their schedules and allowances."""
    if conn.capabilities.dialect == "sqlite":
        # take the write lock first: a read followed by a write fails if another process wrote
        await conn.execute_query("UPDATE loan SET id = id WHERE 0 = 1")
    loans = (
        await Loan.filter(Q(id__in=list(loan_ids)) & _pending(day))
        .using_db(conn)
        .select_for_update()
        .order_by("id")
    )
    ids = [loan.id for loan in loans]
    schedules = await writes.schedules(conn, loans)
    held = await allowances(ids, conn=conn)
    return _Chunk(conn, loans, schedules, held, await writes.subsidy_rates(conn, loans))


async def _close_date(chunk: _Chunk, group: list[Loan], day: date) -> None:
    """Close one business day for the group (all its loans are behind by exactly this day)."""
    await _post_interest(chunk, group, day)
    await _apply_credits(chunk, group, day)
    standings = {loan.id: plan_standing(loan, chunk.schedules[loan.id], day) for loan in group}
    await _post_provisions(chunk, group, standings, day)
    chunk.report.events += await _raise_events(chunk, group, standings, day)
    if (day + timedelta(days=1)).day == 1:
        await writes.month_end(chunk.conn, group, standings, day)
    await writes.loans_closed(chunk.conn, group, standings, day)
    await _moves_and_audit(chunk, group, standings, day)
    for loan in group:
        loan.closed_through = day
    chunk.report.loan_days += len(group)


async def _post_interest(chunk: _Chunk, group: list[Loan], day: date) -> None:
    """Post the day's accruals and penalties; record the accrued interest on installments."""
    postings: list[Posting] = []
    accrued: dict[str, tuple[ScheduleRow, Decimal]] = {}
    for loan in group:
        plan = plan_interest(loan, chunk.schedules[loan.id], day)
        postings.extend(plan.postings)
        if plan.accrued is not None:
            posting, inst, amount = plan.accrued
            accrued[posting.key] = (inst, amount)
        rate = chunk.subsidy_rates.get(loan.id)
        if rate is not None and (
            subsidy := plan_subsidy(loan, chunk.schedules[loan.id], day, rate)
        ):
            postings.append(subsidy)
    written = await post_batch(postings, business_date=day, actor=ACTOR, conn=chunk.conn)
    touched = []
    for posting in written:
        if posting.key in accrued:
            inst, amount = accrued[posting.key]
            inst.accrued_interest += amount
            touched.append(inst)
            chunk.report.accruals += 1
        elif posting.kind == "SUBSIDY":
            chunk.report.subsidies += 1
        else:
            chunk.report.penalties += 1
    await writes.accrued_interest(chunk.conn, touched)


async def _apply_credits(chunk: _Chunk, group: list[Loan], day: date) -> None:
    """Apply any credit balance to what is due, then read those loans' schedules again."""
    holders = [loan for loan in group if loan.credit_balance > 0]
    if not holders:
        return
    from domain.loanbook.repayments import apply_credit

    for loan in holders:
        await apply_credit(loan, business_date=day, conn=chunk.conn)
    chunk.schedules.update(await writes.schedules(chunk.conn, holders))


async def _post_provisions(
    chunk: _Chunk, group: list[Loan], standings: dict[int, Standing], day: date
) -> None:
    """Bring each loan's allowance to its (new) tier's rate."""
    postings = []
    for loan in group:
        posting = plan_provision(loan, standings[loan.id].classification, chunk.held[loan.id], day)
        if posting is not None:
            postings.append(posting)
    written = await post_batch(postings, business_date=day, actor=ACTOR, conn=chunk.conn)
    for posting in written:
        assert posting.loan is not None
        moved = sum((line.credit - line.debit for line in posting.lines
                     if line.account == Account.LOAN_LOSS_ALLOWANCE), Decimal(0))  # fmt: skip
        chunk.held[posting.loan.id] += moved
    chunk.report.provisions += len(written)


async def _raise_events(
    chunk: _Chunk, group: list[Loan], standings: dict[int, Standing], day: date
) -> int:
    """Overdue events for the thresholds reached today (the borrowers' USCCs read if any)."""
    late = [loan for loan in group if standings[loan.id].days_past_due > 0]
    candidates = [(loan, overdue_events(loan, chunk.schedules[loan.id], day, "")) for loan in late]
    candidates = [(loan, events) for loan, events in candidates if events]
    if not candidates:
        return 0
    enterprise_ids = {loan.enterprise_id for loan, _ in candidates}  # type: ignore[attr-defined]
    usccs = dict(
        await Enterprise.filter(id__in=enterprise_ids)
        .using_db(chunk.conn)
        .values_list("id", "uscc")
    )
    events = []
    for loan, found in candidates:
        for event in found:
            event.uscc = usccs[loan.enterprise_id]  # type: ignore[attr-defined]
            events.append(event)
    return await store_events(events, conn=chunk.conn)


async def _moves_and_audit(
    chunk: _Chunk, group: list[Loan], standings: dict[int, Standing], day: date
) -> None:
    """Status moves (history and audit) and classification changes in the audit log."""
    for loan in group:
        standing = standings[loan.id]
        tiers = {"from": loan.classification, "to": standing.classification.value}
        reclassified = tiers["from"] != tiers["to"]
        chunk.report.reclassified += reclassified
        if standing.event is not None:
            # one audit entry tells both the move and the classification it brought
            await move(loan, standing.event, actor=ACTOR, conn=chunk.conn, business_date=day,
                       reason=f"{standing.days_past_due} days past due",
                       data={"classification": tiers} if reclassified else None)  # fmt: skip
            chunk.report.moved += 1
        elif reclassified:
            await audit.record(
                actor="system:classification",
                action="loan.classify",
                entity_type="loan",
                entity_id=loan.id,
                data={
                    "from": loan.classification,
                    "to": standing.classification.value,
                    "days_past_due": standing.days_past_due,
                    "reason": standing.reason,
                    "business_date": day.isoformat(),
                },  # fmt: skip
                connection=chunk.conn,
            )
        loan.days_past_due = standing.days_past_due
        loan.classification = standing.classification.value
        loan.classification_reason = standing.reason


async def close_day(day: date, *, chunk_size: int = CHUNK_SIZE) -> ChunkReport:
    """Close `day` for every serviced loan (loans further behind catch up first, in order).
    A day already DONE with no loan behind it is left as it is."""
    ids = await pending_loan_ids(day)
    if not ids and await BusinessDay.filter(business_date=day, status="DONE").exists():
        return ChunkReport()
    await start_day(day)
    report = ChunkReport()
    for chunk in chunked(ids, chunk_size):
        report.add(await close_chunk(chunk, day))
    await finish_day(day, report)
    return report


async def close_through(day: date, *, chunk_size: int = CHUNK_SIZE) -> ChunkReport:
    """Close every business day from the first one still open through `day`, in order."""
    report = ChunkReport()
    current = await first_open_day(day)
    while current <= day:
        report.add(await close_day(current, chunk_size=chunk_size))
        current += timedelta(days=1)
    return report


async def first_open_day(day: date) -> date:
    """The earliest day a serviced loan still has open (`day` when none is behind)."""
    rows = await Loan.filter(_pending(day)).values_list("closed_through", "disbursed_at")
    opens = [c + timedelta(days=1) if c else d.date() for c, d in rows]
    return min(opens, default=day)


async def start_day(day: date) -> BusinessDay:
    """The day's batch row, RUNNING (created once; a rerun starts it again)."""
    now = datetime.now(UTC)
    row, created = await BusinessDay.get_or_create(
        business_date=day, defaults={"status": "RUNNING", "started_at": now}
    )
    if not created and row.status != "RUNNING":
        await BusinessDay.filter(id=row.id).update(status="RUNNING", started_at=now)
    return row


async def finish_day(day: date, report: ChunkReport | None = None) -> bool:
    """Mark the day DONE once no serviced loan is behind it; whether it is done. The summary
    counts the batch's entries of the day by kind (and what this run did, when given)."""
    if await Loan.filter(_pending(day)).exists():
        return False
    closed = await Loan.filter(
        status__in=[s.value for s in SERVICED], closed_through__gte=day
    ).count()
    summary: dict[str, object] = dict(await _posted(day))
    if report is not None:
        summary["last_run"] = report.as_dict()
    await BusinessDay.filter(business_date=day).update(
        status="DONE", finished_at=datetime.now(UTC), loans=closed, summary=summary
    )
    return True


async def _posted(day: date) -> dict[str, int]:
    """The batch's entries of `day` by kind (the summary when chunks ran on many workers)."""
    rows = (
        await JournalEntry.filter(business_date=day, actor=ACTOR)
        .annotate(n=Count("id"))
        .group_by("kind")
        .values_list("kind", "n")
    )
    return {str(kind).lower(): int(n) for kind, n in rows}


async def open_day(day: date, *, chunk_size: int = CHUNK_SIZE) -> list[list[int]]:
    """Start the day's batch row and split the loans still behind into chunks (the fan-out
    of a batch spread over workers; each chunk then runs `close_chunk_and_finish`)."""
    await start_day(day)
    return list(chunked(await pending_loan_ids(day), chunk_size))


async def close_chunk_and_finish(loan_ids: Sequence[int], day: date) -> ChunkReport:
    """Close a chunk through `day`; the last chunk to finish marks the day DONE."""
    report = await close_chunk(loan_ids, day)
    await finish_day(day)
    return report


__all__ = [
    "close_chunk_and_finish",
    "open_day",
    "CHUNK_SIZE",
    "ChunkReport",
    "chunked",
    "close_chunk",
    "close_day",
    "close_through",
    "finish_day",
    "first_open_day",
    "pending_loan_ids",
    "start_day",
]
