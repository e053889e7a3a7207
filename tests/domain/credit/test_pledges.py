"""Pledge registration: no money out before it, never two standing pledges on one patent,
released only once no loan relies on it."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from db.models import AuditEntry, Loan, Patent, PatentPledge
from domain.credit.pledges import register_pledge, release_pledge
from domain.errors import DomainError, ErrorCode
from domain.lending.loans import disburse
from tests.domain.credit.pledge_fixtures import pledged_loan, signed_contract
from tests.domain.lending_fixtures import OWN_PATENTS, PENDING_PATENT, LendingWorld

TODAY = datetime.now(UTC).date()


async def _code(call: object) -> ErrorCode:
    with pytest.raises(DomainError) as err:
        await call  # type: ignore[misc]
    return err.value.code


def _register(world: LendingWorld, number: str = OWN_PATENTS[0], reg: str = "R-1", **kw: object):  # type: ignore[no-untyped-def]
    return register_pledge(
        principal=kw.get("principal", world.officer),  # type: ignore[arg-type]
        patent_number=number,
        registration_number=reg,
        registered_on=kw.get("on", TODAY),  # type: ignore[arg-type]
    )


async def test_disbursement_waits_for_the_registration(world: LendingWorld) -> None:
    contract = await signed_contract(world)
    code = await _code(disburse(principal=world.officer2, contract_id=contract.id))
    assert code is ErrorCode.PLEDGE_NOT_REGISTERED
    assert await Loan.all().count() == 0
    assert not (await Patent.get(number=OWN_PATENTS[0])).pledged

    pledge = await _register(world)
    assert pledge.active_patent_id == pledge.patent_id  # type: ignore[attr-defined]
    assert (await Patent.get(number=OWN_PATENTS[0])).pledged
    assert await AuditEntry.filter(action="pledge.register").count() == 1
    loan = await disburse(principal=world.officer2, contract_id=contract.id)
    assert loan.id


async def test_registration_refusals_write_nothing(world: LendingWorld) -> None:
    await signed_contract(world)
    assert await _code(_register(world, principal=world.applicant)) is ErrorCode.FORBIDDEN
    assert await _code(_register(world, principal=world.admin)) is ErrorCode.FORBIDDEN
    assert await _code(_register(world, "CN999999999B")) is ErrorCode.NOT_FOUND
    assert await _code(_register(world, reg="  ")) is ErrorCode.INVALID_INPUT
    future = TODAY + timedelta(days=1)
    assert await _code(_register(world, on=future)) is ErrorCode.INVALID_INPUT
    # a patent of the enterprise not pledged in an approved application
    assert await _code(_register(world, OWN_PATENTS[1])) is ErrorCode.INVALID_STATE
    assert await _code(_register(world, PENDING_PATENT)) is ErrorCode.INVALID_STATE
    assert await PatentPledge.all().count() == 0
    assert await AuditEntry.filter(action="pledge.register").count() == 0


async def test_a_patent_is_never_pledged_twice(world: LendingWorld) -> None:
    await signed_contract(world)
    await _register(world)
    assert await _code(_register(world, reg="R-2")) is ErrorCode.ALREADY_PLEDGED
    assert await PatentPledge.all().count() == 1


async def test_a_registration_number_is_used_once(world: LendingWorld) -> None:
    await signed_contract(world, patents=OWN_PATENTS[:2])
    await _register(world)
    assert await _code(_register(world, OWN_PATENTS[1])) is ErrorCode.DUPLICATE


async def test_concurrent_registrations_make_one_pledge(world: LendingWorld) -> None:
    await signed_contract(world)

    async def attempt(n: int) -> ErrorCode | None:
        try:
            await _register(world, reg=f"R-{n}")
        except DomainError as exc:
            return exc.code
        return None

    results = await asyncio.gather(*(attempt(n) for n in range(4)))
    assert results.count(None) == 1
    assert set(results) - {None} <= {ErrorCode.ALREADY_PLEDGED, ErrorCode.DUPLICATE}
    assert await PatentPledge.filter(active_patent_id__not_isnull=True).count() == 1


async def test_release_only_once_no_loan_relies_on_it(world: LendingWorld) -> None:
    loan = await pledged_loan(world)
    code = await _code(release_pledge(principal=world.officer, patent_number=OWN_PATENTS[0]))
    assert code is ErrorCode.INVALID_STATE
    # a written-off loan still claims its pledge (recovery may enforce it)
    await Loan.filter(id=loan.id).update(status="WRITTEN_OFF")
    code = await _code(release_pledge(principal=world.officer, patent_number=OWN_PATENTS[0]))
    assert code is ErrorCode.INVALID_STATE
    await Loan.filter(id=loan.id).update(status="CLOSED")
    assert (
        await _code(release_pledge(principal=world.applicant, patent_number=OWN_PATENTS[0]))
        is ErrorCode.FORBIDDEN
    )
    released = await release_pledge(principal=world.officer, patent_number=OWN_PATENTS[0])
    assert released.released_at is not None and released.active_patent_id is None
    assert not (await Patent.get(number=OWN_PATENTS[0])).pledged
    assert await AuditEntry.filter(action="pledge.release").count() == 1
    # released twice: nothing stands
    code = await _code(release_pledge(principal=world.officer, patent_number=OWN_PATENTS[0]))
    assert code is ErrorCode.INVALID_STATE
    assert isinstance(released.registered_on, date)


async def test_a_live_renewal_keeps_the_renewed_loans_pledge(world: LendingWorld) -> None:
    """A renewal relies on the patents of the loan it renewed: while the renewal's loan is live,
    the old registration is not released even after the old loan closed."""
    from db.models import Contract, LoanApplication

    loan = await pledged_loan(world)
    await Loan.filter(id=loan.id).update(status="CLOSED")
    old = await LoanApplication.get(id=loan.application_id)  # type: ignore[attr-defined]
    renewal = await LoanApplication.create(
        enterprise_id=old.enterprise_id,  # type: ignore[attr-defined]
        product_id=old.product_id,  # type: ignore[attr-defined]
        created_by_id=old.created_by_id,  # type: ignore[attr-defined]
        amount=old.amount, term_months=old.term_months, status="DISBURSED",
        renewal_of_id=loan.id,
    )  # fmt: skip
    contract = await Contract.create(application_id=renewal.id, path="x.pdf", sha256="0" * 64)
    await Loan.create(
        enterprise_id=loan.enterprise_id,  # type: ignore[attr-defined]
        application_id=renewal.id, contract_id=contract.id, principal=loan.principal,
        outstanding=loan.principal, annual_rate=loan.annual_rate,
        repayment_method=loan.repayment_method, status="ACTIVE",
        disbursed_at=datetime.now(UTC), disbursed_by="test", renewal_of_id=loan.id,
    )  # fmt: skip
    code = await _code(release_pledge(principal=world.officer, patent_number=OWN_PATENTS[0]))
    assert code is ErrorCode.INVALID_STATE
    assert (await PatentPledge.get(patent__number=OWN_PATENTS[0])).active_patent_id is not None
