"""Separation of duties on one loan: the approver, the bank's countersigner and the disburser
are three different people, and an administrator is none of them."""

from __future__ import annotations

from typing import Any

import pytest

from db.models import ApplicationStatus, AuditEntry, Contract, Loan, LoanApplication, Role
from domain.accounts.principal import Principal
from domain.decision import review_application
from domain.errors import DomainError, ErrorCode
from domain.lending.contract import accept_offer, sign_contract
from domain.lending.duties import check_countersigner, signed_for_bank
from domain.lending.loans import disburse
from tests.domain.contracts.codes import signing_code
from tests.domain.lending_fixtures import LendingWorld, decided, inputs, register_pledges

S = ApplicationStatus


async def _sign(principal: Principal, contract_id: int) -> Contract:
    otp = await signing_code(principal.user_id)
    return await sign_contract(principal=principal, contract_id=contract_id, otp=otp)


async def _approved_by(world: LendingWorld, approver: Principal) -> LoanApplication:
    """An application referred by the model and approved by `approver`."""
    application = await decided(world, inputs(grade="BB", pd=0.06, pledge="9000000"))
    assert application.status == S.MANUAL_REVIEW
    await review_application(
        principal=approver, application_id=application.id, decision="APPROVE", comment="checked"
    )
    return await LoanApplication.get(id=application.id)


async def _borrower_signed(world: LendingWorld, approver: Principal) -> Contract:
    application = await _approved_by(world, approver)
    contract = await accept_offer(principal=world.applicant, application_id=application.id)
    await register_pledges(world.officer, application.id)
    return await _sign(world.applicant, contract.id)


async def _refusal(call: Any) -> str:
    with pytest.raises(DomainError) as err:
        await call
    assert err.value.code is ErrorCode.FORBIDDEN, err.value
    return err.value.message


async def test_the_approver_cannot_countersign(world: LendingWorld) -> None:
    contract = await _borrower_signed(world, approver=world.officer)
    message = await _refusal(_sign(world.officer, contract.id))
    assert message == (
        "separation of duties: the approver of this loan cannot countersign its contract"
    )
    assert (await Contract.get(id=contract.id)).status == "BORROWER_SIGNED"


async def test_an_administrator_cannot_countersign(world: LendingWorld) -> None:
    contract = await _borrower_signed(world, approver=world.officer)
    message = await _refusal(_sign(world.admin, contract.id))
    assert message.startswith("separation of duties: an administrator manages accounts")
    assert (await Contract.get(id=contract.id)).status == "BORROWER_SIGNED"


async def test_the_countersigner_check_alone(world: LendingWorld) -> None:
    application = await _approved_by(world, world.officer)
    for who in (world.officer, world.admin):
        await _refusal(check_countersigner(principal=who, application_id=application.id))
    for who in (world.officer2, world.risk_manager, world.applicant):
        await check_countersigner(principal=who, application_id=application.id)


async def test_three_different_people_approve_countersign_and_disburse(
    world: LendingWorld,
) -> None:
    contract = await _borrower_signed(world, approver=world.officer)
    contract = await _sign(world.officer2, contract.id)
    assert contract.status == "SIGNED"
    refusals = {
        "approver": await _refusal(disburse(principal=world.officer, contract_id=contract.id)),
        "countersigner": await _refusal(
            disburse(principal=world.officer2, contract_id=contract.id)
        ),
        "admin": await _refusal(disburse(principal=world.admin, contract_id=contract.id)),
    }
    assert refusals == {
        "approver": "separation of duties: the approver of this loan cannot disburse it",
        "countersigner": (
            "separation of duties: the bank's countersigner of this contract cannot disburse it"
        ),
        "admin": "separation of duties: an administrator manages accounts and cannot "
        "disburse loans",
    }
    assert await Loan.all().count() == 0
    loan = await disburse(principal=world.risk_manager, contract_id=contract.id)
    assert loan.disbursed_by == f"user:{world.risk_manager.email}"
    entry = await AuditEntry.filter(action="loan.disburse").get()
    assert entry.actor == f"user:{world.risk_manager.email}"


async def test_a_model_approved_loan_still_needs_two_people(world: LendingWorld) -> None:
    application = await decided(world, inputs())
    assert application.status == S.APPROVED  # nobody approved by hand
    contract = await accept_offer(principal=world.applicant, application_id=application.id)
    await register_pledges(world.officer, application.id)
    await _sign(world.applicant, contract.id)
    contract = await _sign(world.officer, contract.id)
    await _refusal(disburse(principal=world.officer, contract_id=contract.id))
    assert (await disburse(principal=world.officer2, contract_id=contract.id)).id


def test_a_bank_signature_names_its_signer_by_id_or_email() -> None:
    me = Principal(user_id=7, email="o@bank.example", role=Role.LOAN_OFFICER)
    by_email = [{"role": "LENDER", "by": "user:o@bank.example"}]
    by_id = [{"role": "LENDER", "by": "user:renamed@bank.example", "user_id": 7}]
    other_id = [{"role": "LENDER", "by": "user:o@bank.example", "user_id": 8}]
    borrower = [{"role": "BORROWER", "by": "user:o@bank.example"}]
    assert signed_for_bank(me, by_email) and signed_for_bank(me, by_id)
    assert not signed_for_bank(me, other_id) and not signed_for_bank(me, borrower)
