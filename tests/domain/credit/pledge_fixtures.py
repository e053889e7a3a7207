"""A pledge-product loan paid out after its pledges were registered, for the pledge and
renewal tests."""

from __future__ import annotations

from db.models import Contract, Loan, LoanApplication
from domain.lending.contract import accept_offer, sign_contract
from domain.lending.loans import disburse
from tests.domain.contracts.codes import signing_code
from tests.domain.lending_fixtures import LendingWorld, decided, inputs, register_pledges


async def signed_contract(world: LendingWorld, **kwargs: object) -> Contract:
    """An approved pledge-product application's contract, signed by both parties (pledges
    not registered)."""
    application = await decided(world, inputs(), **kwargs)
    return await signed_for(world, application)


async def signed_for(world: LendingWorld, application: LoanApplication) -> Contract:
    """The approved application's offer accepted and its contract signed by both parties."""
    contract = await accept_offer(principal=world.applicant, application_id=application.id)
    for signer in (world.applicant, world.officer):
        otp = await signing_code(signer.user_id)
        contract = await sign_contract(principal=signer, contract_id=contract.id, otp=otp)
    return contract


async def pledged_loan(world: LendingWorld, **kwargs: object) -> Loan:
    """A loan paid out once its pledges were registered."""
    contract = await signed_contract(world, **kwargs)
    await register_pledges(world.officer, contract.application_id)  # type: ignore[attr-defined]
    return await disburse(principal=world.officer2, contract_id=contract.id)
