"""Maker-checker changes to a loan: who may ask, who may decide, and what approval does."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from db.models import AuditEntry, Installment, Loan, LoanChange, LoanStatusChange
from domain.errors import Conflict, DomainError, ErrorCode, Forbidden, InvalidState
from domain.loanbook.changes import (
    approve_change,
    pending_changes,
    reject_change,
    request_restructure,
    request_write_off,
)
from tests.domain.loanbook.book_world import Book, book_interest, make_book

FEB_11 = date(2026, 2, 11)


@pytest.fixture
async def book(db: str) -> Book:
    return await make_book()


async def test_a_request_waits_for_a_checker_and_changes_nothing(book: Book) -> None:
    loan = await book.loan()
    change = await request_write_off(principal=book.officer, loan_id=loan.id, reason="fled")
    assert change.status == "PENDING" and change.requested_by == "user:officer@bank.example"
    assert [c.id for c in await pending_changes(principal=book.risk)] == [change.id]
    assert (await Loan.get(id=loan.id)).status == "ACTIVE"
    assert await AuditEntry.filter(action="loan_change.request.write_off").exists()


@pytest.mark.parametrize("who", ["admin", "feed", "applicant"])
async def test_only_money_staff_make_requests(book: Book, who: str) -> None:
    loan = await book.loan()
    with pytest.raises(Forbidden):
        await request_write_off(principal=getattr(book, who), loan_id=loan.id, reason="x")
    assert await LoanChange.all().count() == 0


async def test_the_maker_cannot_check_and_an_officer_cannot_approve(book: Book) -> None:
    loan = await book.loan()
    change = await request_write_off(principal=book.risk, loan_id=loan.id, reason="fled")
    with pytest.raises(Forbidden, match="maker"):
        await approve_change(principal=book.risk, change_id=change.id, comment="ok")
    with pytest.raises(Forbidden):
        await approve_change(principal=book.officer, change_id=change.id, comment="ok")
    assert (await LoanChange.get(id=change.id)).status == "PENDING"


async def test_a_second_decision_is_invalid_state(book: Book) -> None:
    loan = await book.loan()
    change = await request_write_off(principal=book.officer, loan_id=loan.id, reason="fled")
    await approve_change(principal=book.risk, change_id=change.id, comment="agreed",
                         business_date=FEB_11)  # fmt: skip
    for decide in (approve_change, reject_change):
        with pytest.raises(InvalidState):
            await decide(principal=book.risk2, change_id=change.id, comment="again")
    assert (await Loan.get(id=loan.id)).status == "WRITTEN_OFF"


async def test_a_rejected_change_does_nothing_and_needs_a_comment(book: Book) -> None:
    loan = await book.loan()
    change = await request_write_off(principal=book.officer, loan_id=loan.id, reason="fled")
    with pytest.raises(DomainError) as err:
        await reject_change(principal=book.risk, change_id=change.id, comment=" ")
    assert err.value.code is ErrorCode.INVALID_INPUT
    done = await reject_change(principal=book.risk, change_id=change.id, comment="keep trying")
    assert done.status == "REJECTED" and done.decided_by == "user:risk@bank.example"
    assert (await Loan.get(id=loan.id)).status == "ACTIVE"
    assert await pending_changes(principal=book.officer) == []


async def test_one_pending_change_of_a_kind_per_loan(book: Book) -> None:
    loan = await book.loan()
    await request_write_off(principal=book.officer, loan_id=loan.id, reason="fled")
    with pytest.raises(Conflict):
        await request_write_off(principal=book.risk, loan_id=loan.id, reason="fled too")


@pytest.mark.parametrize(
    ("extra", "term", "rate"),
    [(2, 4, None), (None, None, None), (0, None, None), (None, 0, None), (None, None, "0.5"),
     (None, None, "abc")],
)  # fmt: skip
async def test_bad_restructure_terms_are_refused(
    book: Book, extra: int | None, term: int | None, rate: str | None
) -> None:
    loan = await book.loan()
    with pytest.raises(DomainError) as err:
        await request_restructure(principal=book.officer, loan_id=loan.id, extra_months=extra,
                                  new_term_months=term, annual_rate=rate, reason="cash flow")  # fmt: skip
    assert err.value.code is ErrorCode.INVALID_INPUT
    assert await LoanChange.all().count() == 0


async def test_a_closed_or_written_off_loan_cannot_be_changed(book: Book) -> None:
    loan = await book.loan()
    await Loan.filter(id=loan.id).update(status="CLOSED")
    with pytest.raises(InvalidState):
        await request_write_off(principal=book.officer, loan_id=loan.id, reason="x")
    with pytest.raises(InvalidState):
        await request_restructure(principal=book.officer, loan_id=loan.id, extra_months=3,
                                  new_term_months=None, annual_rate=None, reason="x")  # fmt: skip


async def test_an_approved_restructure_writes_a_new_version_and_carries_interest(
    book: Book,
) -> None:
    """12,000.00 at 7.2 % over 3 months from 1 January, equal principal; 88.00 of interest
    recognised and unpaid. Extended by 2 months on 11 February: 2 installments were still to
    fall due (1 March, 1 April), so 4 months from 11 February: 3,000.00 principal each, interest
    12,000 x 0.006 = 72.00, then 54.00, 36.00, 18.00; the 88.00 carried into the first, already
    accrued: 160.00 of which 88.00 accrued."""
    loan = await book.loan()
    await book_interest(loan, "88.00", on=date(2026, 2, 10))
    change = await request_restructure(principal=book.officer, loan_id=loan.id, extra_months=2,
                                       new_term_months=None, annual_rate=None, reason="cash flow")  # fmt: skip
    done = await approve_change(principal=book.risk, change_id=change.id, comment="ok",
                                business_date=FEB_11)  # fmt: skip
    assert done.result["version"] == 2 and done.result["interest_carried"] == "88.00"
    after = await Loan.get(id=loan.id)
    assert (after.status, after.restructured, after.schedule_version) == ("RESTRUCTURED", True, 2)
    assert after.classification == "SUBSTANDARD"
    rows = await Installment.filter(loan_id=loan.id, version=2).order_by("number")
    assert [(r.due_on, r.principal, r.interest, r.accrued_interest) for r in rows] == [
        (date(2026, 3, 11), Decimal("3000.00"), Decimal("160.00"), Decimal("88.00")),
        (date(2026, 4, 11), Decimal("3000.00"), Decimal("54.00"), Decimal("0.00")),
        (date(2026, 5, 11), Decimal("3000.00"), Decimal("36.00"), Decimal("0.00")),
        (date(2026, 6, 11), Decimal("3000.00"), Decimal("18.00"), Decimal("0.00")),
    ]
    assert rows[0].starts_on == FEB_11
    assert await Installment.filter(loan_id=loan.id, version=1).count() == 3  # history kept
    assert await LoanStatusChange.filter(loan_id=loan.id, event="RESTRUCTURE").exists()


async def test_a_restructure_at_a_new_rate_and_term(book: Book) -> None:
    loan = await book.loan()
    change = await request_restructure(principal=book.officer, loan_id=loan.id,
                                       extra_months=None, new_term_months=6,
                                       annual_rate="0.06", reason="rate cut")  # fmt: skip
    await approve_change(principal=book.risk, change_id=change.id, comment="ok",
                         business_date=FEB_11)  # fmt: skip
    after = await Loan.get(id=loan.id)
    assert after.annual_rate == Decimal("0.06")
    rows = await Installment.filter(loan_id=loan.id, version=2).order_by("number")
    assert len(rows) == 6 and rows[0].interest == Decimal("60.00")  # 12,000 x 0.005


async def test_a_doubtful_loan_stays_doubtful_when_restructured(book: Book) -> None:
    loan = await book.loan()
    await Loan.filter(id=loan.id).update(classification="DOUBTFUL", days_past_due=200,
                                         status="OVERDUE")  # fmt: skip
    change = await request_restructure(principal=book.officer, loan_id=loan.id, extra_months=6,
                                       new_term_months=None, annual_rate=None, reason="x")  # fmt: skip
    await approve_change(principal=book.risk, change_id=change.id, comment="ok",
                         business_date=FEB_11)  # fmt: skip
    after = await Loan.get(id=loan.id)
    assert (after.status, after.classification, after.days_past_due) == (
        "RESTRUCTURED", "DOUBTFUL", 0)  # fmt: skip
