"""Portfolio analytics on a hand-made book of four loans, every figure worked out by hand.

The book (principal outstanding; disbursed):
  L1 10,000 industry I65 region 340100, current, NORMAL                  (January)
  L2 20,000 I65 340200, 35 days past due, SPECIAL_MENTION, OVERDUE       (January)
  L3 30,000 C39 340100, 95 days past due, SUBSTANDARD, OVERDUE           (February)
  L4 40,000 C39 340100, CLOSED: off the book                             (January)
Book principal 60,000. Guarantees: L1's firm -> L2's firm -> an outside firm X.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from tortoise.transactions import in_transaction

from db.models import Enterprise, Loan, LoanMonthEnd, Relation
from domain.errors import Forbidden
from domain.loanbook.accounts import Account
from domain.loanbook.ledger import cr, dr, post
from domain.loanbook.portfolio import Share, portfolio, portfolio_csv
from domain.loanbook.portfolio_rows import months_between, union_groups
from tests.domain.loanbook.book_world import Book, make_book

D = Decimal
JAN, FEB, MAR = date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)


@pytest.fixture
async def book(db: str) -> Book:
    b = await make_book()
    l1 = await b.loan("10000.00", industry="I65", region="340100")
    l2 = await b.loan("20000.00", industry="I65", region="340200")
    l3 = await b.loan("30000.00", industry="C39", region="340100", on=date(2026, 2, 1))
    l4 = await b.loan("40000.00", industry="C39", region="340100")
    await Loan.filter(id=l2.id).update(status="OVERDUE", days_past_due=35,
                                       classification="SPECIAL_MENTION")  # fmt: skip
    await Loan.filter(id=l3.id).update(status="OVERDUE", days_past_due=95,
                                       classification="SUBSTANDARD")  # fmt: skip
    await Loan.filter(id=l4.id).update(status="CLOSED")
    async with in_transaction() as conn:
        for loan, amount in ((l2, D("400.00")), (l3, D("7500.00"))):
            await post(kind="PROVISION", lines=[dr(Account.PROVISION_EXPENSE, amount),
                       cr(Account.LOAN_LOSS_ALLOWANCE, amount)], business_date=MAR,
                       actor="system:test", conn=conn, loan=loan)  # fmt: skip
    firms = {e.id: e.uscc for e in await Enterprise.all()}
    u1, u2 = firms[l1.enterprise_id], firms[l2.enterprise_id]  # type: ignore[attr-defined]
    await Relation.create(kind="guarantee", src=u1, dst=u2)
    await Relation.create(kind="guarantee", src=u2, dst="91340100X00000000X")
    await Relation.create(kind="supply", src=u1, dst=firms[l3.enterprise_id])  # type: ignore[attr-defined]
    snapshots = [
        (JAN, l1, "NORMAL", 0, "10000"), (JAN, l2, "NORMAL", 0, "20000"),
        (JAN, l4, "NORMAL", 0, "40000"),
        (FEB, l1, "NORMAL", 0, "10000"), (FEB, l2, "SPECIAL_MENTION", 28, "20000"),
        (FEB, l3, "NORMAL", 0, "30000"), (FEB, l4, "NORMAL", 0, "40000"),
        (MAR, l1, "NORMAL", 0, "10000"), (MAR, l2, "SPECIAL_MENTION", 59, "20000"),
        (MAR, l3, "SPECIAL_MENTION", 30, "30000"),
    ]  # fmt: skip
    await LoanMonthEnd.bulk_create([
        LoanMonthEnd(loan_id=loan.id, month=month, status="OVERDUE" if dpd else "ACTIVE",
                     classification=tier, days_past_due=dpd, principal_outstanding=D(p),
                     outstanding=D(p))
        for month, loan, tier, dpd, p in snapshots
    ])  # fmt: skip
    await Loan.filter(id__in=[l1.id, l2.id, l3.id]).update(closed_through=date(2026, 4, 10))
    return b


async def test_the_book_par_npl_and_coverage(book: Book) -> None:
    """PAR1 = PAR30 = 50,000 / 60,000; PAR60 = PAR90 = NPL = 30,000 / 60,000; provisions
    400 + 7,500 = 7,900, coverage 7,900 / 30,000 = 0.263333."""
    p = await portfolio(principal=book.risk)
    assert (p.loans, p.principal, p.snapshot) == (3, D("60000.00"), None)
    assert p.par == {1: D("0.833333"), 30: D("0.833333"), 60: D("0.5"), 90: D("0.5")}
    assert p.par_principal[30] == D("50000.00")
    assert (p.npl_principal, p.npl_ratio) == (D("30000.00"), D("0.5"))
    assert (p.provisions, p.coverage) == (D("7900.00"), D("0.263333"))
    assert [(t.key, t.loans, t.principal) for t in p.tiers] == [
        ("NORMAL", 1, D("10000.00")), ("SPECIAL_MENTION", 1, D("20000.00")),
        ("SUBSTANDARD", 1, D("30000.00")), ("DOUBTFUL", 0, D("0.00")), ("LOSS", 0, D("0.00"))]  # fmt: skip


async def test_concentration_by_industry_region_and_guarantee_group(book: Book) -> None:
    p = await portfolio(principal=book.officer)
    assert p.by_industry == [Share("C39", 1, D("30000.00"), D("0.5")),
                             Share("I65", 2, D("30000.00"), D("0.5"))]  # fmt: skip
    assert [(s.key, s.principal, s.share) for s in p.by_region] == [
        ("340100", D("40000.00"), D("0.666667")), ("340200", D("20000.00"), D("0.333333"))]  # fmt: skip
    [group] = p.by_guarantee_group
    assert (group.loans, group.principal, group.share) == (2, D("30000.00"), D("0.5"))
    assert group.detail == "3 parties, 2 borrowers"


async def test_vintages_from_month_end_snapshots(book: Book) -> None:
    """January lent 70,000 (L1, L2, L4): 30+ days past due at March's end only L2, 20,000:
    0.285714 at 2 months on book. February lent 30,000 (L3), 30 days past due at March's end:
    1.0 at 1 month on book."""
    p = await portfolio(principal=book.risk)
    assert [(v.cohort, v.months_on_book, v.bad, v.share) for v in p.vintages] == [
        ("2026-01", 0, D("0.00"), D("0")), ("2026-01", 1, D("0.00"), D("0")),
        ("2026-01", 2, D("20000.00"), D("0.285714")),
        ("2026-02", 0, D("0.00"), D("0")), ("2026-02", 1, D("30000.00"), D("1")),
    ]  # fmt: skip


async def test_roll_rates_between_the_last_two_month_ends(book: Book) -> None:
    """At February's end NORMAL held 80,000 (L1, L3, L4): 10,000 stayed (0.125), 30,000 rolled
    to SPECIAL_MENTION (0.375), 40,000 closed (0.5); SPECIAL_MENTION (L2) stayed."""
    p = await portfolio(principal=book.risk)
    assert (p.roll_from, p.roll_to) == (FEB, MAR)
    assert [(r.source, r.target, r.loans, r.rate) for r in p.rolls] == [
        ("NORMAL", "NORMAL", 1, D("0.125")), ("NORMAL", "SPECIAL_MENTION", 1, D("0.375")),
        ("NORMAL", "CLOSED", 1, D("0.5")), ("SPECIAL_MENTION", "SPECIAL_MENTION", 1, D("1"))]  # fmt: skip


async def test_as_of_a_past_date_reads_the_month_end_snapshot(book: Book) -> None:
    """On 15 March the last month end is 28 February: four loans on the book, 100,000, L2 28
    days past due (PAR1 0.2, PAR30 0); rolls from January to February."""
    p = await portfolio(principal=book.risk, as_of=date(2026, 3, 15))
    assert (p.snapshot, p.loans, p.principal) == (FEB, 4, D("100000.00"))
    assert (p.par[1], p.par[30], p.npl_ratio) == (D("0.2"), D("0"), D("0"))
    assert (p.roll_from, p.roll_to) == (JAN, FEB)
    assert all(v.month_end <= FEB for v in p.vintages)
    later = await portfolio(principal=book.risk, as_of=date(2026, 5, 1))
    assert later.snapshot is None and later.loans == 3


@pytest.mark.parametrize("who", ["admin", "applicant", "feed"])
async def test_only_risk_managers_and_officers_read_it(book: Book, who: str) -> None:
    with pytest.raises(Forbidden):
        await portfolio(principal=getattr(book, who))


async def test_the_csv_export(book: Book) -> None:
    text = await portfolio_csv(principal=book.risk)
    lines = text.splitlines()
    assert lines[0] == "section,key,detail,loans,principal,ratio"
    assert "par,PAR90,90+ days past due,,30000.00,0.500000" in lines
    assert "provisions,allowance,coverage of NPL,,7900.00,0.263333" in lines
    assert "roll_rate,NORMAL->CLOSED,2026-02-28 to 2026-03-31,1,40000.00,0.500000" in lines


def test_guarantee_groups_and_months_on_book() -> None:
    groups = union_groups([("a", "b"), ("c", "d"), ("d", "b"), ("x", "y")])
    assert {groups[k] for k in "abcd"} == {"a"} and groups["y"] == "x"
    assert months_between("2025-11", date(2026, 2, 28)) == 3
