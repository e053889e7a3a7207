"""Drawing on a credit line: the addendum, the loan, the limit, and every refusal writing
nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from db.models import (
    AuditEntry,
    Contract,
    CreditLine,
    Installment,
    JournalEntry,
    Loan,
    Role,
)
from domain.accounts.principal import Principal
from domain.credit.drawdown import drawdown
from domain.credit.line_reads import available_of, uses_by_line_ids
from domain.errors import DomainError, ErrorCode
from domain.lending.contract import verify_contract
from domain.lending.loans import disburse, record_repayment
from tests.domain.contracts.codes import signing_code
from tests.domain.credit.line_fixtures import granted_line
from tests.domain.lending_fixtures import LendingWorld
from tests.schema.loanbook_world import make_user

D = Decimal


def _today() -> date:
    return datetime.now(UTC).date()


async def _draw(who: Principal, line: CreditLine, amount: str, term: int = 6) -> Loan:
    otp = await signing_code(who.user_id)
    return await drawdown(principal=who, line_id=line.id, amount=amount, term_months=term, otp=otp)


async def _available(line: CreditLine) -> Decimal:
    fresh = await CreditLine.get(id=line.id)
    (use,) = await uses_by_line_ids(ids=[line.id])
    return available_of(fresh, use)


async def _counts() -> tuple[int, ...]:
    return (
        await Loan.all().count(),
        await Contract.all().count(),
        await Installment.all().count(),
        await JournalEntry.all().count(),
        # a refused one-time code is audited on purpose (attempts are watched)
        await AuditEntry.exclude(action="otp_refused").count(),
    )


async def test_a_drawing_is_a_loan_with_its_own_signed_addendum(world: LendingWorld) -> None:
    line = await granted_line(world)

    loan = await _draw(world.applicant, line, "200000.00")

    contract = await Contract.get(id=loan.contract_id)  # type: ignore[attr-defined]
    assert (loan.credit_line_id, loan.drawdown_number, loan.principal) == (line.id, 1, D("200000"))
    assert loan.first_loan is True
    assert (await Loan.get(id=loan.id)).principal_outstanding == D("200000.00")
    assert (contract.kind, contract.sequence, contract.status) == ("DRAWDOWN", 1, "SIGNED")
    assert [s["role"] for s in contract.signatures] == ["BORROWER", "LENDER"]
    check = await verify_contract(principal=world.officer, contract_id=contract.id)
    assert check.intact and check.accepted and len(check.signatures) == 2
    assert await Installment.filter(loan_id=loan.id).count() == 6
    assert await _available(line) == line.limit - D("200000.00")
    assert await AuditEntry.filter(action="credit_line.drawdown").count() == 1
    second = await _draw(world.applicant, line, "100000.00")
    assert (second.drawdown_number, second.first_loan) == (2, False)


@pytest.mark.parametrize("revolving", [True, False])
async def test_repaid_principal_is_drawn_again_only_on_a_revolving_line(
    world: LendingWorld, revolving: bool
) -> None:
    line = await granted_line(world, revolving=revolving)
    loan = await _draw(world.applicant, line, "120000.00")
    before = await _available(line)
    first = await Installment.filter(loan_id=loan.id, number=1).get()

    await record_repayment(
        principal=world.officer, loan_id=loan.id, amount=first.principal + first.interest,
        received_at=datetime.now(UTC),
    )  # fmt: skip

    restored = first.principal if revolving else D("0")
    assert await _available(line) == before + restored


async def _refusal(call: object) -> DomainError:
    with pytest.raises(DomainError) as err:
        await call  # type: ignore[misc]
    return err.value


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("over_limit", ErrorCode.LIMIT_EXCEEDED),
        ("frozen", ErrorCode.LINE_FROZEN),
        ("expired", ErrorCode.LINE_EXPIRED),
        ("past_validity", ErrorCode.LINE_EXPIRED),
        ("closed", ErrorCode.LINE_EXPIRED),
        ("other_enterprise", ErrorCode.FORBIDDEN),
        ("staff", ErrorCode.FORBIDDEN),
        ("term_too_long", ErrorCode.INVALID_INPUT),
        ("term_not_offered", ErrorCode.INVALID_INPUT),
        ("below_minimum", ErrorCode.INVALID_INPUT),
        ("part_of_a_fen", ErrorCode.INVALID_INPUT),
        ("wrong_code", ErrorCode.INVALID_INPUT),
    ],
)
async def test_a_refused_drawing_writes_nothing(
    world: LendingWorld, case: str, code: ErrorCode
) -> None:
    line = await granted_line(world, term=12)
    who, amount, term, otp = world.applicant, "100000.00", 6, None
    if case == "over_limit":
        amount = str(line.limit + D("0.01"))
    elif case in ("frozen", "expired", "closed"):
        status = {"frozen": "FROZEN", "expired": "EXPIRED", "closed": "CLOSED"}[case]
        await CreditLine.filter(id=line.id).update(status=status)
    elif case == "past_validity":
        await CreditLine.filter(id=line.id).update(valid_until=_today() - timedelta(days=1))
    elif case == "other_enterprise":
        who = world.other_applicant
    elif case == "staff":
        who = world.officer
    elif case == "term_too_long":
        term = 24
    elif case == "term_not_offered":
        term = 7
    elif case == "below_minimum":
        amount = "49999.99"
    elif case == "part_of_a_fen":
        amount = "100000.001"
    else:
        otp = "000000"
    if otp is None:
        otp = await signing_code(who.user_id)
    before = await _counts()

    err = await _refusal(
        drawdown(principal=who, line_id=line.id, amount=amount, term_months=term, otp=otp)
    )

    assert err.code == code, err.message
    assert await _counts() == before
    if case == "over_limit":
        assert str(line.limit) in err.message


async def test_concurrent_drawings_never_exceed_the_limit(world: LendingWorld) -> None:
    line = await granted_line(world)
    half_and_more = (line.limit / 2 + D("1000")).quantize(D("0.01"))
    # two people of the borrower, each with a code of its own second factor
    colleague = await make_user("ceo@photon.example", Role.APPLICANT, world.enterprise.id)
    people = [world.applicant, colleague]
    codes = [await signing_code(p.user_id) for p in people]

    results = await asyncio.gather(
        *(
            drawdown(principal=who, line_id=line.id, amount=half_and_more, term_months=6, otp=code)
            for who, code in zip(people, codes, strict=True)
        ),
        return_exceptions=True,
    )  # fmt: skip

    loans = [r for r in results if isinstance(r, Loan)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(loans) == 1, results
    assert refused and refused[0].code in (ErrorCode.LIMIT_EXCEEDED, ErrorCode.CONFLICT)
    assert await Loan.filter(credit_line_id=line.id).count() == 1


async def test_the_line_contract_disbursed_after_a_drawing_is_checked_against_the_line(
    world: LendingWorld,
) -> None:
    line = await granted_line(world)
    await _draw(world.applicant, line, "100000.00")
    contract = await Contract.get(id=line.contract_id)  # type: ignore[attr-defined]
    payer = world.officer2

    err = await _refusal(disburse(principal=payer, contract_id=contract.id))

    assert err.code == ErrorCode.LIMIT_EXCEEDED
    assert await Loan.filter(credit_line_id=line.id).count() == 1


async def test_the_first_disbursement_then_a_drawing(world: LendingWorld) -> None:
    line = await granted_line(world, revolving=True)
    contract = await Contract.get(id=line.contract_id)  # type: ignore[attr-defined]
    first = await disburse(principal=world.officer2, contract_id=contract.id)
    assert (first.drawdown_number, first.credit_line_id) == (1, line.id)
    assert await _available(line) == D("0.00")

    err = await _refusal(_draw(world.applicant, line, "50000.00"))

    assert err.code == ErrorCode.LIMIT_EXCEEDED
