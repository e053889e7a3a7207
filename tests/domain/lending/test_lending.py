"""Contract, disbursement, repayment, classification and portfolio figures end to end."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from db.models import (
    ApplicationStatus,
    Contract,
    Event,
    Installment,
    Loan,
    LoanApplication,
    OutboxMessage,
    Patent,
    Repayment,
)
from domain.accounts.principal import Principal
from domain.applications import withdraw_application
from domain.credit.pledges import release_pledge
from domain.errors import DomainError, ErrorCode
from domain.lending.contract import accept_offer, contract_pdf, sign_contract, verify_contract
from domain.lending.loans import disburse, installments_by_loan_ids, record_repayment
from domain.lending.stats import portfolio_stats
from domain.loanbook.classification import Classification, classify_loans
from domain.loanbook.overdue import classify
from tests.domain.contracts.codes import signing_code
from tests.domain.lending_fixtures import (
    OWN_PATENTS,
    LendingWorld,
    decided,
    inputs,
    register_pledges,
)

S = ApplicationStatus
D = Decimal


async def _approved(world: LendingWorld, **kwargs: object) -> LoanApplication:
    application = await decided(world, inputs(), **kwargs)
    assert application.status == S.APPROVED
    return application


async def _signed(world: LendingWorld, **kwargs: object) -> Contract:
    application = await _approved(world, **kwargs)
    contract = await accept_offer(principal=world.applicant, application_id=application.id)
    await _sign(world.applicant, contract.id)
    signed = await _sign(world.officer, contract.id)
    await register_pledges(world.officer, application.id)
    return signed


async def _sign(principal: Principal, contract_id: int) -> Contract:
    otp = await signing_code(principal.user_id)
    return await sign_contract(principal=principal, contract_id=contract_id, otp=otp)


async def _code(call: object) -> ErrorCode:
    with pytest.raises(DomainError) as err:
        await call  # type: ignore[misc]
    return err.value.code


async def test_contract_is_generated_signed_twice_and_verifies(world: LendingWorld) -> None:
    application = await _approved(world)
    contract = await accept_offer(principal=world.applicant, application_id=application.id)
    assert contract.status == "GENERATED" and len(contract.sha256) == 64
    assert (await LoanApplication.get(id=application.id)).status == S.OFFER_ACCEPTED
    pdf = await contract_pdf(principal=world.applicant, contract_id=contract.id)
    assert pdf.startswith(b"%PDF")
    # the bank cannot sign first, nor can another enterprise sign
    assert await _code(_sign(world.officer, contract.id)) is ErrorCode.INVALID_STATE
    assert await _code(_sign(world.other_applicant, contract.id)) is ErrorCode.FORBIDDEN
    contract = await _sign(world.applicant, contract.id)
    assert contract.status == "BORROWER_SIGNED"
    assert await _code(_sign(world.applicant, contract.id)) is ErrorCode.INVALID_STATE
    contract = await _sign(world.officer, contract.id)
    assert contract.status == "SIGNED"
    assert [s["role"] for s in contract.signatures] == ["BORROWER", "LENDER"]
    assert (await LoanApplication.get(id=application.id)).status == S.CONTRACT_SIGNED
    check = await verify_contract(principal=world.officer, contract_id=contract.id)
    assert check.intact and check.accepted and len(check.signatures) == 2
    assert check.signatures[0].signer == world.enterprise.name


async def test_contract_access_is_for_parties_and_staff(world: LendingWorld) -> None:
    application = await _approved(world)
    contract = await accept_offer(principal=world.applicant, application_id=application.id)
    assert await _code(contract_pdf(principal=world.other_applicant, contract_id=contract.id)) is (
        ErrorCode.FORBIDDEN
    )
    assert (
        await _code(verify_contract(principal=world.other_applicant, contract_id=contract.id))
        is ErrorCode.FORBIDDEN
    )
    assert (await contract_pdf(principal=world.risk_manager, contract_id=contract.id))[
        :4
    ] == b"%PDF"
    assert (
        await _code(contract_pdf(principal=world.officer, contract_id=999)) is ErrorCode.NOT_FOUND
    )


async def test_tampered_contract_does_not_verify(world: LendingWorld) -> None:
    contract = await _signed(world)
    path = world_path(contract)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    check = await verify_contract(principal=world.officer, contract_id=contract.id)
    assert not check.intact


def world_path(contract: Contract):  # type: ignore[no-untyped-def]
    from config import settings

    return settings().data_dir / contract.path


async def test_accepting_an_unapproved_offer_writes_nothing(world: LendingWorld) -> None:
    application = await decided(world, inputs(graph_risk=0.6))
    assert application.status == S.MANUAL_REVIEW
    code = await _code(accept_offer(principal=world.applicant, application_id=application.id))
    assert code is ErrorCode.INVALID_STATE
    assert await Contract.all().count() == 0


async def test_signing_after_withdrawal_is_refused(world: LendingWorld) -> None:
    application = await _approved(world)
    contract = await accept_offer(principal=world.applicant, application_id=application.id)
    await withdraw_application(principal=world.applicant, application_id=application.id)
    code = await _code(_sign(world.applicant, contract.id))
    assert code is ErrorCode.INVALID_STATE
    assert (await Contract.get(id=contract.id)).status == "GENERATED"


async def test_disbursement_creates_the_loan_once(world: LendingWorld) -> None:
    contract = await _signed(world, amount="1200000", term=12)
    assert await _code(disburse(principal=world.applicant, contract_id=contract.id)) is (
        ErrorCode.FORBIDDEN
    )
    loan = await disburse(principal=world.officer2, contract_id=contract.id)
    assert loan.principal == loan.outstanding == D("1200000.00")
    (schedule,) = await installments_by_loan_ids(ids=[loan.id])
    assert len(schedule) == 12
    assert sum((i.principal for i in schedule), D(0)) == D("1200000.00")
    # interest only (the pledge product): principal comes back with the last installment
    assert schedule[-1].principal == D("1200000.00")
    assert (await LoanApplication.get(id=loan.application_id)).status == S.DISBURSED  # type: ignore[attr-defined]
    assert (await Patent.get(number=OWN_PATENTS[0])).pledged
    assert await _code(disburse(principal=world.officer2, contract_id=contract.id)) is (
        ErrorCode.INVALID_STATE
    )
    assert await Loan.all().count() == 1


async def test_concurrent_disbursements_make_one_loan(world: LendingWorld) -> None:
    contract = await _signed(world)

    async def attempt() -> ErrorCode | None:
        try:
            await disburse(principal=world.officer2, contract_id=contract.id)
        except DomainError as exc:
            return exc.code
        return None

    results = await asyncio.gather(*(attempt() for _ in range(5)))
    assert results.count(None) == 1
    assert set(results) - {None} <= {ErrorCode.INVALID_STATE, ErrorCode.CONFLICT}
    assert await Loan.all().count() == 1
    assert await Installment.all().count() == 12


async def test_disbursing_an_unsigned_contract_is_refused(world: LendingWorld) -> None:
    application = await _approved(world)
    contract = await accept_offer(principal=world.applicant, application_id=application.id)
    assert await _code(disburse(principal=world.officer2, contract_id=contract.id)) is (
        ErrorCode.INVALID_STATE
    )


async def _loan(world: LendingWorld) -> Loan:
    # TECH_CREDIT repays in equal installments, so every installment carries principal
    contract = await _signed(world, product="TECH_CREDIT", amount="120000", term=6, patents=())
    return await disburse(principal=world.officer2, contract_id=contract.id)


async def test_repayment_pays_interest_then_principal_oldest_first(world: LendingWorld) -> None:
    """Paid on installment 1's due date: installment 1 is owed now (interest, then principal),
    installment 2 is the current one (its interest, then 100.00 of its principal)."""
    loan = await _loan(world)
    (schedule,) = await installments_by_loan_ids(ids=[loan.id])
    first, second = schedule[0], schedule[1]
    paid = first.principal + first.interest
    amount = paid + second.interest + D("100.00")
    now = datetime.now(UTC)
    result = await record_repayment(
        principal=world.officer,
        loan_id=loan.id,
        amount=amount,
        received_at=now,
        business_date=first.due_on,
    )
    assert [(a.number, a.interest, a.principal) for a in result.installments] == [
        (1, first.interest, first.principal),
        (2, second.interest, D("100.00")),
    ]
    assert result.allocation.overdue_interest == first.interest
    assert result.allocation.current_principal == D("100.00")
    (after,) = await installments_by_loan_ids(ids=[loan.id])
    assert after[0].paid_at is not None and after[1].paid_at is None
    assert after[1].paid_principal == D("100.00")
    # both installments' interest was recognised in full before it was paid: only principal
    # is owed
    assert result.loan.outstanding == D("120000.00") - first.principal - D("100.00")
    assert result.loan.interest_outstanding == 0


async def test_repayment_bad_input_writes_nothing(world: LendingWorld) -> None:
    loan = await _loan(world)
    now = datetime.now(UTC)
    for amount in ("0", "-5", "1.001", "999999999"):
        code = await _code(
            record_repayment(
                principal=world.officer, loan_id=loan.id, amount=amount, received_at=now
            )
        )
        assert code is ErrorCode.INVALID_INPUT
    assert (
        await _code(
            record_repayment(
                principal=world.applicant, loan_id=loan.id, amount="1", received_at=now
            )
        )
        is ErrorCode.FORBIDDEN
    )
    assert await Repayment.all().count() == 0


async def test_full_repayment_closes_the_loan_and_frees_pledges(world: LendingWorld) -> None:
    contract = await _signed(world, amount="300000", term=6)
    loan = await disburse(principal=world.officer2, contract_id=contract.id)
    (schedule,) = await installments_by_loan_ids(ids=[loan.id])
    # each installment paid in full on its due date
    for row in schedule:
        result = await record_repayment(
            principal=world.officer,
            loan_id=loan.id,
            amount=row.principal + row.interest,
            received_at=datetime.now(UTC),
            business_date=row.due_on,
        )
    assert result.loan.status == "CLOSED" and result.loan.outstanding == 0
    # the registration stands until the bank releases it at the patent office
    await release_pledge(principal=world.officer, patent_number=OWN_PATENTS[0])
    assert not (await Patent.get(number=OWN_PATENTS[0])).pledged
    # the freed patent may back a new application
    again = await decided(world, inputs(), amount="300000", term=6)
    assert again.status == S.APPROVED


@pytest.mark.parametrize(
    ("days", "category"),
    [
        (0, Classification.NORMAL),
        (1, Classification.SPECIAL_MENTION),
        (90, Classification.SPECIAL_MENTION),
        (91, Classification.SUBSTANDARD),
        (180, Classification.SUBSTANDARD),
        (181, Classification.DOUBTFUL),
        (360, Classification.DOUBTFUL),
        (361, Classification.LOSS),
    ],
)
def test_five_tier_bands(days: int, category: Classification) -> None:
    assert classify(days) is category


async def test_overdue_loans_are_classified_with_events_raised_once(world: LendingWorld) -> None:
    loan = await _loan(world)
    (schedule,) = await installments_by_loan_ids(ids=[loan.id])
    first_due: date = schedule[0].due_on
    (on_time,) = await classify_loans(as_of=first_due)
    assert on_time.classification is Classification.NORMAL and on_time.new_events == ()
    late = first_due + timedelta(days=45)
    (result,) = await classify_loans(as_of=late)
    assert result.classification is Classification.SPECIAL_MENTION
    assert result.days_past_due == 45
    # installment 1 is 45 days late (past the 30-day mark), installment 2 some days late
    assert f"overdue:{loan.id}:1:30" in result.new_events
    event = await Event.get(event_id=f"overdue:{loan.id}:1:30")
    assert event.type == "overdue_payment" and event.source == "lending"
    assert event.uscc == world.enterprise.uscc
    assert await OutboxMessage.filter(topic="process_event", key=event.event_id).count() == 1
    (again,) = await classify_loans(as_of=late)
    assert again.new_events == ()
    assert (await Loan.get(id=loan.id)).classification == "SPECIAL_MENTION"
    (worse,) = await classify_loans(as_of=first_due + timedelta(days=200))
    assert worse.classification is Classification.DOUBTFUL
    assert f"overdue:{loan.id}:1:180" in worse.new_events


async def test_portfolio_stats(world: LendingWorld) -> None:
    await _loan(world)
    await decided(world, inputs(hits=()), patents=(OWN_PATENTS[1],))
    stats = await portfolio_stats(principal=world.officer)
    assert stats.registered_enterprises == 2
    assert stats.applications == 2 and stats.approved == 2
    assert stats.disbursed_loans == 1 and stats.outstanding == D("120000.00")
    assert stats.open_warnings == 0
    assert stats.median_decision_seconds is not None and stats.median_decision_seconds >= 0
    assert await _code(portfolio_stats(principal=world.applicant)) is ErrorCode.FORBIDDEN
