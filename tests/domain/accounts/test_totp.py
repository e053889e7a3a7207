"""The second factor: enrolment, codes good once, limits on wrong codes, sealed secrets."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pyotp
import pytest

from db.models import AuditEntry, Role, User, VerificationStatus
from domain.accounts import totp
from domain.accounts.principal import Principal
from domain.errors import ErrorCode, InvalidInput, InvalidState, LimitExceeded
from tests.domain.accounts.otp import away_from_a_step_boundary


@pytest.fixture(autouse=True)
def private_data(data_dir: Path) -> Path:
    """Secrets are sealed under the key passphrase of a data directory of the test's own."""
    return data_dir


async def _officer(email: str = "officer@bank.cn") -> tuple[User, Principal]:
    user = await User.create(
        email=email, password_hash="x", role=Role.LOAN_OFFICER,
        verification=VerificationStatus.VERIFIED,
    )  # fmt: skip
    return user, Principal(user_id=user.id, email=email, role=Role.LOAN_OFFICER)


async def _enrolled(email: str = "officer@bank.cn") -> tuple[User, pyotp.TOTP]:
    user, principal = await _officer(email)
    enrolment = await totp.enroll_totp(principal=principal)
    app = pyotp.TOTP(enrolment.secret)
    await away_from_a_step_boundary()
    # confirm with the previous step's code, so that the current one is still unused
    await totp.confirm_totp(principal=principal, code=app.at(time.time() - 30))
    return user, app


async def test_enrolment_gives_an_otpauth_uri_and_keeps_the_secret_sealed(db: str) -> None:
    user, principal = await _officer()

    enrolment = await totp.enroll_totp(principal=principal)

    assert enrolment.uri.startswith("otpauth://totp/")
    assert "issuer=ipcredit" in enrolment.uri
    stored = await User.get(id=user.id)
    assert stored.totp_secret is not None
    assert enrolment.secret not in stored.totp_secret
    assert stored.totp_secret.startswith("v1:")  # sealed under the platform's key passphrase
    assert stored.totp_confirmed_at is None


async def test_confirm_needs_the_right_code_then_the_factor_is_required(db: str) -> None:
    user, principal = await _officer()
    enrolment = await totp.enroll_totp(principal=principal)

    with pytest.raises(InvalidInput):
        await totp.confirm_totp(principal=principal, code="000000")
    confirmed = await totp.confirm_totp(
        principal=principal, code=pyotp.TOTP(enrolment.secret).now()
    )

    assert confirmed.totp_confirmed_at is not None
    with pytest.raises(InvalidState):
        await totp.enroll_totp(principal=principal)


async def test_check_otp_refuses_without_an_enrolled_factor(db: str) -> None:
    user, _ = await _officer()

    with pytest.raises(InvalidState) as refused:
        await totp.check_otp(user_id=user.id, code="123456", purpose="sign")

    assert "enrol a second factor first" in refused.value.message


async def test_a_code_is_accepted_once(db: str) -> None:
    user, app = await _enrolled()
    code = app.now()

    await totp.check_otp(user_id=user.id, code=code, purpose="sign")
    with pytest.raises(InvalidInput) as replayed:
        await totp.check_otp(user_id=user.id, code=code, purpose="sign")

    assert replayed.value.message == totp.WRONG_CODE


async def test_parallel_uses_of_one_code_accept_exactly_one(db: str) -> None:
    user, app = await _enrolled()
    code = app.now()

    results = await asyncio.gather(
        *(totp.check_otp(user_id=user.id, code=code, purpose="login") for _ in range(5)),
        return_exceptions=True,
    )

    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, InvalidInput) for r in results if r is not None)


async def test_an_older_code_is_refused_after_a_newer_one(db: str) -> None:
    user, app = await _enrolled()
    await totp.check_otp(user_id=user.id, code=app.now(), purpose="sign")

    with pytest.raises(InvalidInput):
        await totp.check_otp(user_id=user.id, code=app.at(time.time() - 30), purpose="sign")


@pytest.mark.parametrize("code", [None, "", "12345", "abcdef", "1234567"])
async def test_malformed_codes_are_invalid_input(db: str, code: str | None) -> None:
    user, _ = await _enrolled()

    with pytest.raises(InvalidInput):
        await totp.check_otp(user_id=user.id, code=code, purpose="sign")


async def test_too_many_wrong_codes_are_limited_even_in_parallel(db: str) -> None:
    user, app = await _enrolled()
    wrong = f"{(int(app.now()) + 500_000) % 1_000_000:06d}"

    results = await asyncio.gather(
        *(totp.check_otp(user_id=user.id, code=wrong, purpose="sign") for _ in range(12)),
        return_exceptions=True,
    )

    limited = [r for r in results if isinstance(r, LimitExceeded)]
    assert len(limited) >= 12 - totp.MAX_FAILURES
    with pytest.raises(LimitExceeded) as refused:
        await totp.check_otp(user_id=user.id, code=app.now(), purpose="sign")
    assert refused.value.code == ErrorCode.LIMIT_EXCEEDED
    assert await AuditEntry.filter(action="otp_refused").count() >= 12


async def test_a_sealed_secret_moved_to_another_account_does_not_open(db: str) -> None:
    first, _ = await _enrolled("a@bank.cn")
    second, _ = await _enrolled("b@bank.cn")
    stored = await User.get(id=first.id)
    await User.filter(id=second.id).update(totp_secret=stored.totp_secret)

    with pytest.raises(InvalidState):
        await totp.check_otp(user_id=second.id, code="123456", purpose="sign")


async def test_reset_lets_the_user_enrol_again(db: str) -> None:
    user, _ = await _enrolled()

    await totp.reset_totp(user_id=user.id, actor="admin@bank.cn")

    principal = Principal(user_id=user.id, email=user.email, role=Role.LOAN_OFFICER)
    assert (await totp.enroll_totp(principal=principal)).secret
