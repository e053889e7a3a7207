"""Interest subsidies: eligibility as data, the daily amount, quarters, the batch's postings
and the statement reconciling to the ledger to the fen."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from db.models import Enterprise, Installment, JournalEntry, JournalLine, Role, SubsidyClaim
from domain.accounts.principal import Principal
from domain.credit import subsidy_claims as claims
from domain.credit.subsidy import Facts, ineligible_reasons, parse_quarter
from domain.errors import DomainError, ErrorCode
from domain.loanbook.accrual import plan_subsidy
from domain.loanbook.eod import close_through
from domain.loanbook.interest import fen
from domain.products import seed_products
from domain.products.programmes import load_programmes
from domain.products.service import CATALOGUE
from tests.domain.credit.subsidy_world import subsidised_loan
from tests.factories import uscc
from tests.schema.loanbook_world import make_user

RULES = {"high_tech_or_srdi": True, "max_amount": "5000000.00"}


def test_eligibility_is_data() -> None:
    fine = Facts(Decimal("5000000.00"), high_tech=False, srdi=True, employees=80)
    assert ineligible_reasons(RULES, fine) == []
    too_big = Facts(Decimal("5000000.01"), high_tech=True, srdi=False, employees=None)
    assert ineligible_reasons(RULES, too_big) == ["amount 5000000.01 above 5000000.00"]
    plain = Facts(Decimal("100.00"), high_tech=False, srdi=False, employees=None)
    assert ineligible_reasons(RULES, plain) == ["neither high-tech nor specialised-and-innovative"]
    assert ineligible_reasons({"high_tech_or_srdi": False}, plain) == []
    with pytest.raises(ValueError, match="unknown"):
        ineligible_reasons({"max_turnover": "1"}, plain)


def test_the_catalogues_agree_on_the_subsidy_rate() -> None:
    """The product lowers the borrower's rate by exactly what its programme pays on top."""
    programmes = {p["code"]: p for p in load_programmes()["subsidy_programmes"]}
    products = json.loads(CATALOGUE.read_text(encoding="utf-8"))["products"]
    subsidised = [p for p in products if p.get("subsidy_programme")]
    assert subsidised, "the catalogue names no subsidy programme: nothing would be compared"
    for product in subsidised:
        programme = programmes[product["subsidy_programme"]]
        assert Decimal(product["subsidy_rate"]) == Decimal(programme["subsidy_rate"])


def test_quarters() -> None:
    q = parse_quarter("2026Q3")
    assert (q.start, q.end) == (date(2026, 7, 1), date(2026, 9, 30))
    assert parse_quarter("2026Q4").end == date(2026, 12, 31)
    assert parse_quarter("2027Q1").end == date(2027, 3, 31)
    for bad in ("2026Q5", "2026-Q3", "Q3"):
        with pytest.raises(DomainError) as err:
            parse_quarter(bad)
        assert err.value.code == ErrorCode.INVALID_INPUT


class _Inst:
    def __init__(self, due_on: date, principal: str, paid: str = "0") -> None:
        self.number, self.starts_on, self.due_on = 1, None, due_on
        self.principal, self.paid_principal = Decimal(principal), Decimal(paid)
        self.interest = self.accrued_interest = self.paid_interest = Decimal(0)


def test_the_daily_amount_is_rounded_on_its_own() -> None:
    schedule = [_Inst(date(2026, 8, 1), "1000.00"), _Inst(date(2026, 9, 1), "2333.33")]
    loan = type("L", (), {"id": 7})()
    rate = Decimal("0.01")
    first = plan_subsidy(loan, schedule, date(2026, 7, 15), rate)  # type: ignore[arg-type]
    assert first is not None and first.key == "subsidy:7:2026-07-15"
    assert first.lines[0].debit == fen(Decimal("3333.33") * rate / 360) == Decimal("0.09")
    later = plan_subsidy(loan, schedule, date(2026, 8, 1), rate)  # type: ignore[arg-type]
    assert later is not None and later.lines[1].credit == Decimal("0.06")  # 2333.33 not due
    assert plan_subsidy(loan, schedule, date(2026, 9, 1), rate) is None  # type: ignore[arg-type]


async def test_the_batch_posts_the_subsidy_and_the_statement_reconciles(db: str) -> None:
    await seed_products()
    officer = await make_user("officer@subsidy.example", Role.LOAN_OFFICER)
    tech = await Enterprise.create(uscc=uscc(801), name="补贴科技", high_tech=True)
    loan = await subsidised_loan(
        tech, by=officer.user_id, amount="1200000.00", on=date(2026, 6, 20)
    )
    # over the programme's cap: recorded ineligible at drawing, never subsidised
    big = await subsidised_loan(tech, by=officer.user_id, amount="6000000.00", on=date(2026, 6, 20))
    await close_through(date(2026, 9, 30))
    assert not await JournalEntry.filter(loan_id=big.id, kind="SUBSIDY").exists()
    installments = await Installment.filter(loan_id=loan.id)
    expected = Decimal("0.00")
    day = date(2026, 7, 1)
    while day <= date(2026, 9, 30):
        base = sum((i.principal for i in installments if i.due_on > day), Decimal("0.00"))
        expected += fen(base * Decimal("0.01") / 360)
        day += timedelta(days=1)
    found = await claims.statement(
        principal=officer, programme_code="ZXD_SUBSIDY", quarter="2026Q3"
    )
    assert [line.loan_id for line in found.lines] == [loan.id]
    assert found.lines[0].days == 92
    assert found.total == found.ledger_total == expected
    assert found.reconciled
    income = await JournalLine.filter(
        loan_id=loan.id,
        account="6013_SUBSIDY_INTEREST_INCOME",
        entry__business_date__lte=date(2026, 9, 30),
    ).values_list("credit", flat=True)
    june = sum((Decimal(c) for c in income), Decimal(0)) - expected
    assert june > 0  # 2026-06-20 .. 06-30 belongs to Q2
    # the batch run again posts nothing twice
    await close_through(date(2026, 9, 30))
    again = await claims.statement(
        principal=officer, programme_code="ZXD_SUBSIDY", quarter="2026Q3"
    )
    assert again.total == expected


async def test_claims_are_filed_once_for_ended_quarters(db: str) -> None:
    await seed_products()
    officer = await make_user("officer@claims.example", Role.LOAN_OFFICER)
    applicant = Principal(user_id=0, email="a@x", role=Role.APPLICANT, enterprise_id=1)
    tech = await Enterprise.create(uscc=uscc(802), name="补贴科技二", srdi=True)
    await subsidised_loan(tech, by=officer.user_id, amount="500000.00", on=date(2026, 6, 20))

    async def code(**kw: object) -> ErrorCode:
        with pytest.raises(DomainError) as err:
            await claims.file_claim(principal=officer, programme_code="ZXD_SUBSIDY", **kw)  # type: ignore[arg-type]
        return err.value.code

    # the batch has not closed the quarter yet
    assert await code(quarter="2026Q3", today=date(2026, 12, 5)) == ErrorCode.PERIOD_OPEN
    await close_through(date(2026, 9, 30))
    assert await code(quarter="2026Q3", today=date(2026, 9, 30)) == ErrorCode.PERIOD_OPEN
    filed = await claims.file_claim(
        principal=officer, programme_code="ZXD_SUBSIDY", quarter="2026Q3", today=date(2026, 10, 1)
    )
    assert filed.claim is not None and Decimal(filed.claim.total) == filed.total > 0
    assert await code(quarter="2026Q3", today=date(2026, 10, 2)) == ErrorCode.PERIOD_CLOSED
    assert await SubsidyClaim.all().count() == 1
    with pytest.raises(DomainError) as err:
        await claims.statement(principal=applicant, programme_code="ZXD_SUBSIDY", quarter="2026Q3")
    assert err.value.code == ErrorCode.FORBIDDEN
    paid = await claims.record_payment(principal=officer, claim_id=filed.claim.id)
    assert paid.status == "PAID"
    with pytest.raises(DomainError):
        await claims.record_payment(principal=officer, claim_id=filed.claim.id)
    cleared = await JournalLine.filter(account="1135_SUBSIDY_RECEIVABLE", credit__gt=0).count()
    assert cleared == 1
