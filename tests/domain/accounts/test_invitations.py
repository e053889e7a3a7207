"""Colleagues join a verified enterprise by invitation from its administrator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from db.models import AuditEntry, Invitation, Role, User, VerificationStatus
from domain.accounts import staff
from domain.accounts.invitations import accept_invitation, invite_user
from domain.accounts.principal import Principal
from domain.errors import Forbidden, InvalidInput, InvalidState, NotFound
from tests.domain.accounts.kyb import applicant, kyb_world, notices, verified
from tests.factories import B

OFFICER = Principal(user_id=0, email="officer@bank.cn", role=Role.LOAN_OFFICER)


@pytest.fixture
async def world(db: str, data_dir: Path) -> dict[str, int]:
    return await kyb_world()


def _code(data_dir: Path) -> str:
    return str(notices(data_dir, "invitation")[-1]["code"])


async def test_an_invited_colleague_is_verified_but_does_not_administer(
    world: dict[str, int], data_dir: Path
) -> None:
    _, admin = await verified("cfo@a.cn", data_dir)
    invitation = await invite_user(principal=admin, email=" Colleague@A.cn ")
    colleague, principal = await applicant("colleague@a.cn")

    user = await accept_invitation(principal=principal, code=_code(data_dir))

    assert invitation.email == "colleague@a.cn"
    assert user.id == colleague.id
    assert user.verification == VerificationStatus.VERIFIED
    assert user.enterprise_admin is False
    sent = notices(data_dir, "invitation")[-1]
    assert sent["to"] == "c***@a.cn" and sent["enterprise"] == "合肥量子科技有限公司"
    assert (await Invitation.get(id=invitation.id)).accepted_at is not None
    assert _code(data_dir) not in (await Invitation.get(id=invitation.id)).code_hash
    actions = set(await AuditEntry.all().values_list("action", flat=True))
    assert {"invitation_sent", "invitation_accepted"} <= actions


async def test_only_a_verified_administrator_invites(world: dict[str, int], data_dir: Path) -> None:
    await verified("cfo@a.cn", data_dir)
    _, pending = await applicant("pending@a.cn")

    with pytest.raises(Forbidden):
        await invite_user(principal=pending, email="x@a.cn")
    with pytest.raises(Forbidden):
        await invite_user(principal=OFFICER, email="x@a.cn")
    with pytest.raises(InvalidInput):
        await invite_user(
            principal=(await verified("cfo@b.cn", data_dir, uscc=B))[1], email="not an email"
        )


async def test_a_code_works_only_for_its_email_and_enterprise(
    world: dict[str, int], data_dir: Path
) -> None:
    _, admin = await verified("cfo@a.cn", data_dir)
    await invite_user(principal=admin, email="colleague@a.cn")
    code = _code(data_dir)
    _, wrong_email = await applicant("someone@a.cn")
    _, wrong_firm = await applicant("colleague@b.cn", uscc=B)

    for principal in (wrong_email, wrong_firm):
        with pytest.raises(NotFound):
            await accept_invitation(principal=principal, code=code)
    _, principal = await applicant("colleague@a.cn")
    with pytest.raises(NotFound):
        await accept_invitation(principal=principal, code="guess")
    assert await User.filter(verification=VerificationStatus.VERIFIED).count() == 1
    assert await AuditEntry.filter(action="invitation_accept_refused").count() == 3


async def test_used_expired_and_withdrawn_codes_are_refused(
    world: dict[str, int], data_dir: Path
) -> None:
    _, admin = await verified("cfo@a.cn", data_dir)
    await invite_user(principal=admin, email="first@a.cn")
    first_code = _code(data_dir)
    await invite_user(principal=admin, email="first@a.cn")  # withdraws the first
    second_code = _code(data_dir)
    _, principal = await applicant("first@a.cn")

    with pytest.raises(InvalidState, match="withdrawn"):
        await accept_invitation(principal=principal, code=first_code)
    await Invitation.filter(revoked_at=None).update(expires_at=datetime.now(UTC) - timedelta(1))
    with pytest.raises(InvalidState, match="expired"):
        await accept_invitation(principal=principal, code=second_code)
    await Invitation.filter(revoked_at=None).update(expires_at=datetime.now(UTC) + timedelta(1))
    await accept_invitation(principal=principal, code=second_code)
    with pytest.raises(InvalidState, match="already verified"):
        await accept_invitation(principal=principal, code=second_code)


async def test_an_invitation_dies_with_its_sender_s_standing(
    world: dict[str, int], data_dir: Path
) -> None:
    admin_user, admin = await verified("cfo@a.cn", data_dir)
    await invite_user(principal=admin, email="colleague@a.cn")
    code = _code(data_dir)
    await staff.revoke_verification(principal=OFFICER, user_id=admin_user.id, reason="fraud")
    _, principal = await applicant("colleague@a.cn")

    with pytest.raises(InvalidState):
        await accept_invitation(principal=principal, code=code)
