"""On PostgreSQL, 20 concurrent approvals or disbursements of one item: exactly one succeeds."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from db.models import Loan, LoanApplication, Review, Role, StatusChange
from domain.accounts.principal import Principal
from domain.decision import review_application
from domain.errors import DomainError, ErrorCode
from domain.lending.contract import accept_offer, sign_contract
from domain.lending.loans import disburse
from tests.domain.contracts.codes import signing_code
from tests.domain.lending_fixtures import (
    LendingWorld,
    _user,
    decided,
    inputs,
    make_lending_world,
    register_pledges,
)

pytestmark = pytest.mark.postgres
BASE = os.environ.get("TEST_DATABASE_URL", "")
RACERS = 20


@pytest.fixture
async def pg_world(data_dir: Path) -> AsyncIterator[LendingWorld]:
    """A lending world in a database of its own, with a pool wide enough for every racer."""
    if not BASE.startswith("postgres"):
        pytest.skip("needs TEST_DATABASE_URL pointing at PostgreSQL")
    import asyncpg

    from db.connection import close_db, init_db

    name = f"ipcredit_wf_{uuid.uuid4().hex[:10]}"
    admin_url = BASE.replace("postgres://", "postgresql://", 1)
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    await init_db(BASE.rsplit("/", 1)[0] + f"/{name}?minsize=1&maxsize={RACERS + 5}")
    try:
        yield await make_lending_world()
    finally:
        await close_db()
        admin = await asyncpg.connect(admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def _outcomes(calls: list) -> list[ErrorCode | None]:  # type: ignore[type-arg]
    async def one(call) -> ErrorCode | None:  # type: ignore[no-untyped-def]
        try:
            await call
        except DomainError as exc:
            return exc.code
        return None

    return list(await asyncio.gather(*(one(c) for c in calls)))


async def test_twenty_concurrent_approvals(pg_world: LendingWorld) -> None:
    application = await decided(pg_world, inputs(grade="BB", pd=0.06, pledge="9000000"))
    officers: list[Principal] = [
        await _user(f"officer{i}@race.example", Role.LOAN_OFFICER) for i in range(RACERS)
    ]
    results = await _outcomes(
        [
            review_application(
                principal=p, application_id=application.id, decision="APPROVE", comment="race"
            )
            for p in officers
        ]
    )
    assert results.count(None) == 1
    assert set(results) - {None} <= {ErrorCode.INVALID_STATE, ErrorCode.CONFLICT}
    assert (await LoanApplication.get(id=application.id)).status == "APPROVED"
    assert await Review.filter(application_id=application.id).count() == 1
    assert (
        await StatusChange.filter(application_id=application.id, to_status="APPROVED").count() == 1
    )


async def test_twenty_concurrent_disbursements(pg_world: LendingWorld) -> None:
    application = await decided(pg_world, inputs())
    contract = await accept_offer(principal=pg_world.applicant, application_id=application.id)
    await sign_contract(
        principal=pg_world.applicant,
        contract_id=contract.id,
        otp=await signing_code(pg_world.applicant.user_id),
    )
    await sign_contract(
        principal=pg_world.officer,
        contract_id=contract.id,
        otp=await signing_code(pg_world.officer.user_id),
    )
    await register_pledges(pg_world.officer, application.id)
    # separation of duties: the countersigner does not disburse
    results = await _outcomes(
        [disburse(principal=pg_world.officer2, contract_id=contract.id) for _ in range(RACERS)]
    )
    assert results.count(None) == 1
    assert set(results) - {None} <= {ErrorCode.INVALID_STATE, ErrorCode.CONFLICT}
    assert await Loan.filter(application_id=application.id).count() == 1
    assert (
        await StatusChange.filter(application_id=application.id, to_status="DISBURSED").count() == 1
    )
