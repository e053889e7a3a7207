"""Staff see who waits for verification and revoke accounts; a revoked account acts for nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.models import AuditEntry, ChallengeStatus, Role, User, VerificationStatus
from domain.accounts import staff, verification
from domain.accounts.principal import Principal
from domain.accounts.standing import fresh_principal, require_verified
from domain.errors import ErrorCode, Forbidden, InvalidInput, InvalidState, NotFound, Unverified
from tests.domain.accounts.kyb import applicant, kyb_world, verified
from tests.factories import A, B
from tests.schema.helpers import count_queries

OFFICER = Principal(user_id=0, email="officer@bank.cn", role=Role.LOAN_OFFICER)


@pytest.fixture
async def world(db: str, data_dir: Path) -> dict[str, int]:
    return await kyb_world()


async def test_pending_lists_unverified_applicants_with_their_latest_challenge(
    world: dict[str, int], data_dir: Path
) -> None:
    await verified("done@a.cn", data_dir)
    never, _ = await applicant("never@a.cn")
    asked, asking = await applicant("asked@b.cn", uscc=B)
    await verification.request_verification(principal=asking)
    revoked, _ = await applicant("revoked@b.cn", uscc=B)
    await staff.revoke_verification(principal=OFFICER, user_id=revoked.id, reason="not them")

    page = await staff.pending_verifications(principal=OFFICER, first=10, after=None)

    assert page.total_count == 2
    assert [(p.user.email, p.enterprise and p.enterprise.uscc) for p in page.items] == [
        ("never@a.cn", A),
        ("asked@b.cn", B),
    ]
    assert page.items[0].challenge is None
    challenge = page.items[1].challenge
    assert challenge is not None and challenge.status == ChallengeStatus.PENDING
    second = await staff.pending_verifications(principal=OFFICER, first=1, after=never.id)
    assert [p.user.id for p in second.items] == [asked.id]


async def test_pending_is_for_staff(world: dict[str, int]) -> None:
    _, principal = await applicant("cfo@a.cn")
    with pytest.raises(Forbidden):
        await staff.pending_verifications(principal=principal, first=10, after=None)


async def test_a_revoked_account_acts_for_nothing(world: dict[str, int], data_dir: Path) -> None:
    user, principal = await verified("cfo@a.cn", data_dir)
    assert (await fresh_principal(principal)).enterprise_id == world[A]

    revoked = await staff.revoke_verification(principal=OFFICER, user_id=user.id, reason=" fraud ")

    assert revoked.verification == VerificationStatus.REVOKED
    assert revoked.enterprise_admin is False
    now = await fresh_principal(principal)
    assert now.enterprise_id is None and now.own_enterprise_id == world[A]
    assert not now.can_see_enterprise(world[A])
    with pytest.raises(Unverified, match="revoked"):
        now.require_enterprise(world[A])
    with pytest.raises(Unverified):
        await require_verified(principal.__class__(user.id, user.email, Role.APPLICANT, world[A]))
    with pytest.raises(Forbidden):
        await verification.request_verification(principal=now)
    entry = await AuditEntry.get(action="verification_revoked")
    assert entry.actor == "officer@bank.cn" and entry.data["reason"] == "fraud"


@pytest.mark.parametrize(("reason", "error"), [("", InvalidInput), ("x" * 501, InvalidInput)])
async def test_a_revocation_needs_a_reason(
    world: dict[str, int], reason: str, error: type[Exception]
) -> None:
    user, _ = await applicant("cfo@a.cn")
    with pytest.raises(error):
        await staff.revoke_verification(principal=OFFICER, user_id=user.id, reason=reason)
    assert (await User.get(id=user.id)).verification == VerificationStatus.UNVERIFIED


async def test_revoking_is_for_staff_and_once(world: dict[str, int]) -> None:
    user, principal = await applicant("cfo@a.cn")
    with pytest.raises(Forbidden):
        await staff.revoke_verification(principal=principal, user_id=user.id, reason="x")
    with pytest.raises(NotFound):
        await staff.revoke_verification(principal=OFFICER, user_id=user.id + 100, reason="x")
    await staff.revoke_verification(principal=OFFICER, user_id=user.id, reason="x")
    with pytest.raises(InvalidState):
        await staff.revoke_verification(principal=OFFICER, user_id=user.id, reason="x")


async def test_the_standing_is_one_query_and_staff_need_none(
    world: dict[str, int], data_dir: Path
) -> None:
    _, principal = await verified("cfo@a.cn", data_dir)
    with count_queries() as seen:
        fresh = await fresh_principal(principal)
        await fresh_principal(OFFICER)
    assert len(seen) == 1
    assert fresh.enterprise_id == world[A]
    _, pending = await applicant("new@a.cn")
    with pytest.raises(Unverified) as exc:
        await require_verified(pending)
    assert exc.value.code == ErrorCode.UNVERIFIED
