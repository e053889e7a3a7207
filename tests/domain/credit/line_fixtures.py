"""A granted credit line for the line and drawing tests: an approved TECH_CREDIT application
(no pledge) whose line contract the borrower and the bank signed."""

from __future__ import annotations

from db.models import ApplicationStatus, CreditLine, LoanProduct
from domain.accounts.principal import Principal
from domain.lending.contract import accept_offer, sign_contract
from tests.domain.contracts.codes import signing_code
from tests.domain.lending_fixtures import LendingWorld, decided, inputs


async def sign(principal: Principal, contract_id: int) -> None:
    """Sign the contract as `principal`, with a fresh one-time code."""
    otp = await signing_code(principal.user_id)
    await sign_contract(principal=principal, contract_id=contract_id, otp=otp)


async def granted_line(
    world: LendingWorld, *, amount: str = "1000000", term: int = 12, revolving: bool = False
) -> CreditLine:
    """The line an approved, signed TECH_CREDIT application grants (revolving when asked)."""
    await LoanProduct.filter(code="TECH_CREDIT").update(revolving=revolving)
    application = await decided(
        world, inputs(patents=()), product="TECH_CREDIT", amount=amount, term=term, patents=()
    )
    assert application.status == ApplicationStatus.APPROVED, application.decision
    contract = await accept_offer(principal=world.applicant, application_id=application.id)
    await sign(world.applicant, contract.id)
    await sign(world.officer, contract.id)
    return await CreditLine.get(application_id=application.id)
