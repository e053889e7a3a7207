"""The end-of-day batch: catches up in order, idempotent, safe after a crash mid-run."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from db.models import BusinessDay, Event, JournalEntry, JournalLine, Loan, LoanMonthEnd
from domain.loanbook.accounts import LOAN_BALANCES
from domain.loanbook.eod import close_chunk, close_day, close_through, pending_loan_ids
from domain.loanbook.ledger import loan_balances
from tests.domain.loanbook.eod_fixtures import make_loan

FIELDS = ("principal_outstanding", "interest_outstanding", "penalty_outstanding", "outstanding",
          "days_past_due", "status", "classification", "closed_through")  # fmt: skip


async def _state() -> list[tuple[object, ...]]:
    loans = await Loan.all().order_by("id")
    return [tuple(getattr(loan, f) for f in FIELDS) for loan in loans]


async def _journal() -> list[tuple[str, str]]:
    rows = await JournalEntry.all().order_by("key").values_list("key", "kind")
    return [(str(key), str(kind)) for key, kind in rows]


async def _assert_ledger_agrees() -> None:
    lines = await JournalLine.all()
    assert sum(x.debit for x in lines) == sum(x.credit for x in lines)
    loans = await Loan.all()
    balances = await loan_balances([loan.id for loan in loans])
    for loan in loans:
        for account, name in LOAN_BALANCES.items():
            assert balances[loan.id].get(account, Decimal(0)) == getattr(loan, name), (
                loan.id,
                name,
            )


async def test_close_through_catches_up_every_day_in_order_and_records_them(db: str) -> None:
    """Two loans paid out on 01-15 and 01-20; closing through 02-16 closes 33 + 28 loan-days
    (the second loan from its own first day),
    one BusinessDay per date, a month-end row per loan for 01-31 (01-20's loan too)."""
    first = await make_loan(1)
    await make_loan(2, disbursed_on=date(2026, 1, 20))
    report = await close_through(date(2026, 2, 16))
    assert report.loan_days == 33 + 28
    assert await BusinessDay.filter(status="DONE").count() == 33
    assert await LoanMonthEnd.filter(month=date(2026, 1, 31)).count() == 2
    assert await pending_loan_ids(date(2026, 2, 16)) == []
    stored = await Loan.get(id=first.id)
    assert (stored.status, stored.days_past_due) == ("OVERDUE", 2)
    # both schedules fall due on 02-15: one overdue event each, raised once
    assert await Event.filter(type="overdue_payment").count() == 2
    await _assert_ledger_agrees()


async def test_running_a_day_twice_changes_nothing(db: str) -> None:
    await make_loan(1)
    await make_loan(2)
    await close_through(date(2026, 2, 20))
    state, journal = await _state(), await _journal()
    again = await close_day(date(2026, 2, 20))
    await close_through(date(2026, 2, 20))
    assert again.loan_days == 0
    assert await _state() == state
    assert await _journal() == journal
    await _assert_ledger_agrees()


async def test_a_crash_mid_run_then_a_rerun_ends_as_one_clean_run(db: str) -> None:
    """Reference: three loans closed through 02-20 at once. Crash: only the middle loan is
    closed through 02-20, then the whole batch runs; both end in the same balances and
    journal."""
    loans = [await make_loan(n) for n in (1, 2, 3)]
    await close_chunk([loans[1].id], date(2026, 2, 20))
    assert len(await pending_loan_ids(date(2026, 2, 20))) == 2
    await close_through(date(2026, 2, 20))
    crashed_state = await _state()
    kinds = sorted(k for _, k in await _journal())
    await _assert_ledger_agrees()
    # the same world closed in one go, on fresh rows
    await JournalLine.all().delete()
    await JournalEntry.all().delete()
    for loan in await Loan.all():
        await loan.delete()
    fresh = [await make_loan(n) for n in (4, 5, 6)]
    await close_through(date(2026, 2, 20))
    clean_state = await _state()
    assert [s[:-1] for s in crashed_state] == [s[:-1] for s in clean_state]
    assert sorted(k for _, k in await _journal()) == kinds
    assert len(fresh) == 3


async def test_chunks_spread_over_workers_mark_the_day_done_when_the_last_one_ends(
    db: str,
) -> None:
    from domain.loanbook.eod import close_chunk_and_finish, open_day

    await make_loan(1)
    await make_loan(2)
    day = date(2026, 1, 31)
    chunks = await open_day(day, chunk_size=1)
    assert len(chunks) == 2
    await close_chunk_and_finish(chunks[1], day)
    assert (await BusinessDay.get(business_date=day)).status == "RUNNING"
    await close_chunk_and_finish(chunks[0], day)
    done = await BusinessDay.get(business_date=day)
    assert (done.status, done.loans) == ("DONE", 2)
    assert done.summary == {"accrual": 2}  # the entries of 01-31 itself (days before caught up)


async def test_a_rerun_of_a_done_day_keeps_its_record(db: str) -> None:
    await make_loan(1)
    await close_through(date(2026, 1, 20))
    row = await BusinessDay.get(business_date=date(2026, 1, 20))
    assert row.summary["accrual"] == 1 and row.status == "DONE"
    await close_through(date(2026, 1, 20))
    assert (await BusinessDay.get(business_date=date(2026, 1, 20))).summary == row.summary


async def test_a_credit_balance_pays_what_falls_due_before_the_day_is_aged(db: str) -> None:
    """6,036.00 held as credit pays installment 1 (6,000.00 + 36.00) on its due date 02-15:
    nothing is past due after closing 02-15, no penalty, no allowance."""
    from tortoise.transactions import in_transaction

    from domain.loanbook.accounts import Account
    from domain.loanbook.ledger import cr, dr, post

    loan = await make_loan(1)
    async with in_transaction() as conn:
        await post(kind="REPAYMENT", lines=[dr(Account.SETTLEMENT, Decimal("6036.00")),
                   cr(Account.CUSTOMER_CREDIT, Decimal("6036.00"))],
                   business_date=date(2026, 1, 20), actor="test", conn=conn, loan=loan)  # fmt: skip
    await close_through(date(2026, 2, 16))
    stored = await Loan.get(id=loan.id)
    assert (stored.status, stored.days_past_due, stored.classification) == ("ACTIVE", 0, "NORMAL")
    assert stored.credit_balance == 0
    assert stored.principal_outstanding == Decimal("6000.00")
    assert not await JournalEntry.filter(loan_id=loan.id, kind="PENALTY").exists()
    await _assert_ledger_agrees()
