"""An enrolment-only token (staff who move money, before enrolling a second factor) reaches
me, enrollTotp, confirmTotp and logout, and nothing else: every other root field answers as
to an anonymous caller."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from db.models import Enterprise, Role, User
from domain.accounts.principal import Principal, Scope, SessionClaims
from domain.world.importer import import_world_dir
from schema.context import Context
from schema.policies import ROOT_POLICIES, Policy
from tests.factories import tiny_world, write_world
from tests.schema.helpers import SCHEMA, make_user
from tests.schema.test_policies import OPERATIONS, ROOTS

FOR_ENROLMENT = {"Query.me", "Mutation.enrollTotp", "Mutation.confirmTotp", "Mutation.logout"}
CLOSED = sorted(
    r
    for r in ROOTS
    if not r.startswith("Subscription.")
    and r not in FOR_ENROLMENT
    and ROOT_POLICIES.get(r) is not Policy.PUBLIC
)


@pytest.fixture
async def enrolling(db: str, tmp_path: Path, data_dir: Path) -> Principal:
    write_world(tiny_world(), tmp_path / "w")
    await import_world_dir(tmp_path / "w")
    assert await Enterprise.all().count() == 3
    officer = await make_user("officer@bank.cn", Role.LOAN_OFFICER)
    session = SessionClaims(session_id="s", issued_at=0, expires_at=2e9, scope=Scope.ENROL)
    return Principal(
        user_id=officer.user_id, email=officer.email, role=Role.LOAN_OFFICER, session=session
    )


async def _run(query: str, enrolling: Principal) -> Any:
    return await SCHEMA.execute(query, context_value=Context(principal=None, enrolling=enrolling))


@pytest.mark.parametrize("root", CLOSED)
async def test_an_enrolment_token_reaches_nothing_else(enrolling: Principal, root: str) -> None:
    if root not in OPERATIONS:
        pytest.skip(f"no sample operation for {root} yet")

    result = await _run(OPERATIONS[root], enrolling)

    codes = {(e.extensions or {}).get("code") for e in result.errors or []}
    assert codes & {"UNAUTHENTICATED", "GRAPHQL_VALIDATION_FAILED"}, result


async def test_an_enrolment_token_reads_me_and_enrols(enrolling: Principal) -> None:
    me = await _run("{ me { email role } }", enrolling)
    enrol = await _run("mutation { enrollTotp { uri errors { code } } }", enrolling)

    assert me.data == {"me": {"email": "officer@bank.cn", "role": "LOAN_OFFICER"}}
    assert enrol.errors is None and enrol.data is not None
    assert enrol.data["enrollTotp"]["uri"].startswith("otpauth://totp/")
    stored = await User.get(id=enrolling.user_id)
    assert stored.totp_secret is not None and stored.totp_confirmed_at is None
