"""A second factor: time-based one-time codes (RFC 6238) from an authenticator app.

`enroll_totp` creates a secret (shown once, sealed at rest under the platform's key
passphrase, see domain/contracts/keystore.py), `confirm_totp` proves the app
holds it, and from then on `check_otp` guards logins and signatures with a code. A code is
accepted once: the time step of the last accepted code is kept, and only a later step passes
(one conditional UPDATE, so two requests racing with one code cannot both win). Wrong codes
count in a sliding window per account, whatever the purpose.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
from tortoise.expressions import Q

from db.models import User
from domain import audit
from domain.accounts import throttle
from domain.accounts.principal import Principal
from domain.errors import InvalidInput, InvalidState, LimitExceeded, NotFound

ISSUER = "ipcredit"
PERIOD = 30
DIGITS = 6
DRIFT_STEPS = 1  # a code of the step before or after is accepted (clock drift, typing time)
MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
WRONG_CODE = "wrong or expired code"
ENROL_FIRST = "enrol a second factor first (enrollTotp, confirmTotp)"


@dataclass(frozen=True)
class TotpEnrollment:
    """What an authenticator app needs, shown once: the otpauth:// URI and the secret."""

    uri: str
    secret: str


def _context(user_id: int) -> str:
    # the account is part of the context: a sealed secret copied to another row does not open
    return f"totp:user:{user_id}"


def _seal(secret: str, user_id: int) -> str:
    """The secret sealed (AES-GCM) under the platform's key passphrase: a copy of the
    database alone reveals no second factor."""
    from domain.contracts import keystore
    from domain.contracts.platform import key_passphrase

    return keystore.seal(secret, passphrase=key_passphrase(), context=_context(user_id))


def _secret(user: User) -> str:
    from domain.contracts import keystore
    from domain.contracts.platform import key_passphrase

    if not user.totp_secret:
        raise InvalidState(ENROL_FIRST)
    try:
        return keystore.unseal(
            user.totp_secret, passphrase=key_passphrase(), context=_context(user.id)
        )
    except InvalidState:
        raise InvalidState("the second factor cannot be read; enrol again", field="otp") from None


def _matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step whose code this is, within the allowed drift; None when none is."""
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=PERIOD)
    current = int(now // PERIOD)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if pyotp.utils.strings_equal(totp.at(step * PERIOD), code):
            return step
    return None


def _code(code: str | None) -> str:
    text = (code or "").strip().replace(" ", "")
    if not text:
        raise InvalidInput("a one-time code from the authenticator app is required", field="otp")
    if len(text) != DIGITS or not text.isdigit():
        raise InvalidInput(WRONG_CODE, field="otp")
    return text


async def enroll_totp(*, principal: Principal) -> TotpEnrollment:
    """A new secret for the caller, pending until confirmed; refused once one is confirmed
    (a confirmed factor is replaced only by the bank resetting it)."""
    user = await User.get_or_none(id=principal.user_id)
    if user is None:
        raise NotFound("no such account")
    if user.totp_confirmed_at is not None:
        raise InvalidState("a second factor is already enrolled; ask the bank to reset it")
    secret = pyotp.random_base32()
    await User.filter(id=user.id, totp_confirmed_at=None).update(
        totp_secret=_seal(secret, user.id), totp_last_step=None
    )
    await audit.record(
        actor=user.email, action="totp_enrolment_started", entity_type="user", entity_id=user.id
    )
    uri = pyotp.TOTP(secret, digits=DIGITS, interval=PERIOD).provisioning_uri(
        name=user.email, issuer_name=ISSUER
    )
    return TotpEnrollment(uri=uri, secret=secret)


async def confirm_totp(*, principal: Principal, code: str) -> User:
    """Confirm the pending secret with a code from the app; the factor is then required."""
    user = await User.get_or_none(id=principal.user_id)
    if user is None:
        raise NotFound("no such account")
    if user.totp_confirmed_at is not None:
        raise InvalidState("the second factor is already confirmed")
    await _verify(user, code, purpose="enrol")
    await User.filter(id=user.id).update(totp_confirmed_at=datetime.now(UTC))
    await audit.record(
        actor=user.email, action="totp_confirmed", entity_type="user", entity_id=user.id
    )
    await user.refresh_from_db()
    return user


async def check_otp(*, user_id: int, code: str | None, purpose: str) -> None:
    """Accept a code of the user's confirmed factor once; INVALID_INPUT when wrong or used,
    LIMIT_EXCEEDED after too many wrong codes, INVALID_STATE when none is enrolled."""
    user = await User.get_or_none(id=user_id)
    if user is None:
        raise NotFound("no such account")
    if user.totp_confirmed_at is None:
        raise InvalidState(ENROL_FIRST, field="otp")
    await _verify(user, code, purpose=purpose)


def has_second_factor(user: User) -> bool:
    """Whether the user confirmed a second factor."""
    return user.totp_confirmed_at is not None


async def reset_totp(*, user_id: int, actor: str) -> None:
    """Remove the user's second factor (the bank, after checking who asks): enrol again."""
    await User.filter(id=user_id).update(
        totp_secret=None, totp_confirmed_at=None, totp_last_step=None
    )
    await audit.record(actor=actor, action="totp_reset", entity_type="user", entity_id=user_id)


async def _verify(user: User, code: str | None, *, purpose: str) -> None:
    text = _code(code)
    secret = _secret(user)
    key = f"otp:{user.id}"
    admitted, attempt = await throttle.admit(key, limit=MAX_FAILURES, window=WINDOW)
    if not admitted:
        await _refused(user, purpose, "too many wrong codes")
        raise LimitExceeded("too many wrong codes; wait 15 minutes and try again", field="otp")
    step = _matching_step(secret, text, time.time())
    # the code's step must be later than the last accepted one: a code is good once
    used = step is None or not await User.filter(
        Q(totp_last_step=None) | Q(totp_last_step__lt=step), id=user.id
    ).update(totp_last_step=step)
    if used:
        await _refused(user, purpose, WRONG_CODE if step is None else "code already used")
        raise InvalidInput(WRONG_CODE, field="otp")
    await throttle.withdraw(attempt)


async def _refused(user: User, purpose: str, reason: str) -> None:
    await audit.record(
        actor=user.email,
        action="otp_refused",
        entity_type="user",
        entity_id=user.id,
        data={"purpose": purpose, "reason": reason},
    )


__all__ = [
    "TotpEnrollment",
    "check_otp",
    "confirm_totp",
    "enroll_totp",
    "has_second_factor",
    "reset_totp",
]
