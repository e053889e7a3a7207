"""Verification by micro-deposit and legal representative code: tries, expiry, reuse, conflicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

import config
from db.models import (
    AuditEntry,
    ChallengeStatus,
    Role,
    User,
    VerificationChallenge,
    VerificationStatus,
)
from domain.accounts import service, verification
from domain.accounts.principal import Principal
from domain.accounts.verification import MAX_ATTEMPTS, confirm_verification, request_verification
from domain.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    InvalidState,
    LimitExceeded,
    Unavailable,
)
from tests.domain.accounts.kyb import applicant, kyb_world, last_challenge, notices, verified
from tests.factories import A, B, C


@pytest.fixture
async def world(db: str, data_dir: Path) -> dict[str, int]:
    return await kyb_world()


def _wrong(amount: Decimal) -> Decimal:
    return Decimal("0.02") if amount == Decimal("0.01") else amount - Decimal("0.01")


async def test_a_request_sends_a_deposit_and_a_code(world: dict[str, int], data_dir: Path) -> None:
    user, principal = await applicant("cfo@a.cn")

    state = await request_verification(principal=principal)

    deposit, text = notices(data_dir, "micro_deposit"), notices(data_dir, "legal_rep_code")
    assert [n["uscc"] for n in deposit + text] == [A, A]
    assert deposit[0]["to"] == "****6789" and text[0]["to"] == "138****1234"
    assert Decimal("0.01") <= Decimal(deposit[0]["amount"]) <= Decimal("0.99")
    assert len(text[0]["code"]) == 6 and text[0]["code"].isdigit()
    assert datetime.fromisoformat(deposit[0]["at"]).tzinfo is not None
    challenge = await VerificationChallenge.get(user_id=user.id)
    assert challenge.status == ChallengeStatus.PENDING
    assert challenge.deposit_amount == Decimal(deposit[0]["amount"])
    assert text[0]["code"] not in challenge.code_hash
    assert state.attempts_left == MAX_ATTEMPTS
    assert state.expires_at == challenge.expires_at
    entry = await AuditEntry.get(action="verification_requested")
    assert text[0]["code"] not in str(entry.data) and deposit[0]["amount"] not in str(entry.data)


async def test_the_right_answers_verify_and_the_first_account_administers(
    world: dict[str, int], data_dir: Path
) -> None:
    user, _ = await verified("cfo@a.cn", data_dir)

    assert user.verification == VerificationStatus.VERIFIED
    assert user.enterprise_admin is True
    assert user.verified_at is not None
    assert (await VerificationChallenge.get(user_id=user.id)).status == ChallengeStatus.CONFIRMED
    assert await AuditEntry.filter(action="verification_confirmed").count() == 1
    assert service.principal_of(user).enterprise_id == world[A]


async def test_wrong_answers_count_and_the_last_try_fails_the_challenge(
    world: dict[str, int], data_dir: Path
) -> None:
    user, principal = await applicant("cfo@a.cn")
    await request_verification(principal=principal)
    amount, code = last_challenge(data_dir)

    for left in range(MAX_ATTEMPTS - 1, -1, -1):
        with pytest.raises(InvalidInput, match="wrong") as exc:
            await confirm_verification(
                principal=principal, deposit_amount=_wrong(amount), legal_rep_code=code
            )
        assert f"{left} tries left" in exc.value.message or left == 0
    with pytest.raises(InvalidState, match="request a new deposit"):
        await confirm_verification(principal=principal, deposit_amount=amount, legal_rep_code=code)

    challenge = await VerificationChallenge.get(user_id=user.id)
    assert (challenge.status, challenge.attempts) == (ChallengeStatus.FAILED, MAX_ATTEMPTS)
    assert (await User.get(id=user.id)).verification == VerificationStatus.UNVERIFIED
    assert await AuditEntry.filter(action="verification_confirmed_refused").count() == 6
    # a new deposit starts over
    await request_verification(principal=principal)
    amount, code = last_challenge(data_dir)
    state = await confirm_verification(
        principal=principal, deposit_amount=amount, legal_rep_code=code
    )
    assert state.user.verification == VerificationStatus.VERIFIED


async def test_a_wrong_code_with_the_right_amount_is_wrong(
    world: dict[str, int], data_dir: Path
) -> None:
    _, principal = await applicant("cfo@a.cn")
    await request_verification(principal=principal)
    amount, code = last_challenge(data_dir)
    other = f"{(int(code) + 1) % 1_000_000:06d}"

    with pytest.raises(InvalidInput, match="wrong"):
        await confirm_verification(principal=principal, deposit_amount=amount, legal_rep_code=other)


async def test_an_expired_challenge_is_refused(world: dict[str, int], data_dir: Path) -> None:
    user, principal = await applicant("cfo@a.cn")
    await request_verification(principal=principal)
    amount, code = last_challenge(data_dir)
    await VerificationChallenge.filter(user_id=user.id).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )

    with pytest.raises(InvalidState, match="expired"):
        await confirm_verification(principal=principal, deposit_amount=amount, legal_rep_code=code)
    assert (await VerificationChallenge.get(user_id=user.id)).status == ChallengeStatus.EXPIRED
    assert (await User.get(id=user.id)).verification == VerificationStatus.UNVERIFIED


async def test_a_used_code_is_refused(world: dict[str, int], data_dir: Path) -> None:
    user, principal = await applicant("cfo@a.cn")
    await request_verification(principal=principal)
    amount, code = last_challenge(data_dir)
    await confirm_verification(principal=principal, deposit_amount=amount, legal_rep_code=code)

    with pytest.raises(InvalidState, match="already verified"):
        await confirm_verification(principal=principal, deposit_amount=amount, legal_rep_code=code)
    with pytest.raises(InvalidState, match="already verified"):
        await request_verification(principal=principal)


async def test_a_new_request_supersedes_the_open_one(world: dict[str, int], data_dir: Path) -> None:
    user, principal = await applicant("cfo@a.cn")
    await request_verification(principal=principal)
    old_amount, old_code = last_challenge(data_dir)
    await request_verification(principal=principal)
    amount, code = last_challenge(data_dir)

    statuses = (
        await VerificationChallenge.filter(user_id=user.id)
        .order_by("id")
        .values_list("status", flat=True)
    )
    assert statuses == [ChallengeStatus.SUPERSEDED, ChallengeStatus.PENDING]
    if (old_amount, old_code) != (amount, code):
        with pytest.raises(InvalidInput, match="wrong"):
            await confirm_verification(
                principal=principal, deposit_amount=old_amount, legal_rep_code=old_code
            )


async def test_an_enterprise_with_an_administrator_refuses_other_verifications(
    world: dict[str, int], data_dir: Path
) -> None:
    _, late = await applicant("late@a.cn")
    await request_verification(principal=late)  # before anyone was verified
    late_amount, late_code = last_challenge(data_dir)
    await verified("cfo@a.cn", data_dir)
    _, other = await applicant("other@a.cn")

    with pytest.raises(Conflict):
        await request_verification(principal=other)
    with pytest.raises(Conflict):
        await confirm_verification(
            principal=late, deposit_amount=late_amount, legal_rep_code=late_code
        )
    assert await User.filter(verification=VerificationStatus.VERIFIED).count() == 1
    assert await AuditEntry.filter(action="verification_requested_refused").count() == 1
    assert await AuditEntry.filter(action="verification_confirmed_refused").count() == 1
    # another enterprise is not concerned
    user_b, _ = await verified("cfo@b.cn", data_dir, uscc=B)
    assert user_b.enterprise_admin is True


async def test_verification_needs_contact_details_on_record(
    world: dict[str, int], data_dir: Path
) -> None:
    result = await service.register(
        email="cfo@c.cn", password="correct horse battery", uscc=C,
        enterprise_name="蚌埠新材料有限公司", provider=None,
    )  # fmt: skip

    with pytest.raises(InvalidState, match="settlement account"):
        await request_verification(principal=service.principal_of(result.user))
    assert await VerificationChallenge.all().count() == 0
    assert notices(data_dir) == []


async def test_without_a_channel_nothing_is_sent_or_written(
    world: dict[str, int], data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, principal = await applicant("cfo@a.cn")
    monkeypatch.setenv("IPCREDIT_NOTIFIER", "none")
    config.settings.cache_clear()

    with pytest.raises(Unavailable):
        await request_verification(principal=principal)
    assert await VerificationChallenge.all().count() == 0
    assert await AuditEntry.filter(action="verification_requested").count() == 0


async def test_requests_are_limited_per_day(world: dict[str, int], data_dir: Path) -> None:
    _, principal = await applicant("cfo@a.cn")
    for _ in range(verification.MAX_REQUESTS_PER_DAY):
        await request_verification(principal=principal)

    with pytest.raises(LimitExceeded):
        await request_verification(principal=principal)


@pytest.mark.parametrize(
    ("amount", "code", "field"),
    [
        ("0.123", "123456", "depositAmount"),
        ("1.50", "123456", "depositAmount"),
        ("0", "123456", "depositAmount"),
        ("abc", "123456", "depositAmount"),
        ("0.50", "12a456", "legalRepCode"),
        ("0.50", "1234567", "legalRepCode"),
    ],
)
async def test_malformed_answers_are_refused_without_using_a_try(
    world: dict[str, int], data_dir: Path, amount: str, code: str, field: str
) -> None:
    user, principal = await applicant("cfo@a.cn")
    await request_verification(principal=principal)

    with pytest.raises(InvalidInput) as exc:
        await confirm_verification(principal=principal, deposit_amount=amount, legal_rep_code=code)
    assert exc.value.field == field
    assert (await VerificationChallenge.get(user_id=user.id)).attempts == 0


async def test_confirming_without_a_request_is_refused(world: dict[str, int]) -> None:
    _, principal = await applicant("cfo@a.cn")
    with pytest.raises(InvalidState, match="request one"):
        await confirm_verification(
            principal=principal, deposit_amount="0.10", legal_rep_code="123456"
        )


async def test_staff_do_not_verify(world: dict[str, int]) -> None:
    officer = Principal(user_id=99, email="officer@bank.cn", role=Role.LOAN_OFFICER)
    with pytest.raises(Forbidden):
        await request_verification(principal=officer)
