"""Role changes: an administrator's act on another staff account, audited, ending its sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from db.models import AuditEntry, RefreshToken, Role, User
from domain.accounts.principal import Principal
from domain.accounts.roles import change_role
from domain.errors import DomainError, ErrorCode
from tests.domain.lending_fixtures import LendingWorld


async def _code(call: object) -> tuple[ErrorCode, str]:
    with pytest.raises(DomainError) as err:
        await call  # type: ignore[misc]
    return err.value.code, err.value.message


async def test_a_role_change_is_audited_and_ends_the_sessions(world: LendingWorld) -> None:
    before = await User.get(id=world.officer.user_id)
    assert before.sessions_valid_after is None
    user = await change_role(
        principal=world.admin, email=" Officer1@Bank.example ", role=Role.RISK_MANAGER,
        reason="moved to the risk desk",
    )  # fmt: skip
    assert user.role == Role.RISK_MANAGER and user.sessions_valid_after is not None
    entry = await AuditEntry.filter(action="user.role_change").get()
    assert entry.actor == f"user:{world.admin.email}"
    assert entry.entity_id == str(world.officer.user_id)
    assert entry.data == {
        "email": world.officer.email, "from": "LOAN_OFFICER", "to": "RISK_MANAGER",
        "reason": "moved to the risk desk",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("who", "email", "role", "code", "words"),
    [
        ("officer", "officer2@bank.example", Role.ADMIN, ErrorCode.FORBIDDEN, "administrator"),
        ("admin", "admin@bank.example", Role.LOAN_OFFICER, ErrorCode.FORBIDDEN, "their own role"),
        ("admin", "cfo@photon.example", Role.LOAN_OFFICER, ErrorCode.INVALID_INPUT, "applicants"),
        ("admin", "officer1@bank.example", Role.APPLICANT, ErrorCode.INVALID_INPUT, "applicants"),
        ("admin", "officer1@bank.example", Role.LOAN_OFFICER, ErrorCode.INVALID_STATE, "already"),
        ("admin", "nobody@bank.example", Role.LOAN_OFFICER, ErrorCode.NOT_FOUND, "no such"),
    ],
)
async def test_refused_role_changes_write_nothing(
    world: LendingWorld, who: str, email: str, role: Role, code: ErrorCode, words: str
) -> None:
    principal = {"officer": world.officer, "admin": world.admin}[who]
    roles_before = dict(await User.all().values_list("id", "role"))
    got, message = await _code(change_role(principal=principal, email=email, role=role))
    assert got is code and words in message
    assert dict(await User.all().values_list("id", "role")) == roles_before
    assert not await AuditEntry.filter(action="user.role_change").exists()


async def test_the_last_administrator_keeps_its_role(world: LendingWorld) -> None:
    operator = Principal(user_id=0, email="cli:operator", role=Role.ADMIN)
    got, message = await _code(
        change_role(principal=operator, email=world.admin.email, role=Role.LOAN_OFFICER)
    )
    assert got is ErrorCode.INVALID_STATE and "last administrator" in message
    # with a second administrator the first may step down
    await change_role(principal=world.admin, email=world.officer.email, role=Role.ADMIN)
    user = await change_role(principal=operator, email=world.admin.email, role=Role.LOAN_OFFICER)
    assert user.role == Role.LOAN_OFFICER
    entry = await AuditEntry.filter(action="user.role_change").order_by("-id").first()
    assert entry is not None and entry.actor == "cli:operator"


async def test_a_role_change_revokes_the_refresh_tokens(world: LendingWorld) -> None:
    now = datetime.now(UTC)
    await RefreshToken.create(
        user_id=world.officer.user_id, family="s1", token_hash="h1", issued_at=now,
        expires_at=now + timedelta(days=1),
    )  # fmt: skip
    await change_role(principal=world.admin, email=world.officer.email, role=Role.RISK_MANAGER)
    token = await RefreshToken.get(token_hash="h1")
    user = await User.get(id=world.officer.user_id)
    assert token.revoked_at is not None and user.sessions_valid_after is not None
    assert token.issued_at <= user.sessions_valid_after
