"""One-time codes for tests that sign: enrol a user's second factor once, then give a code
that the platform has not accepted yet."""

from __future__ import annotations

import time

import pyotp

from db.models import User
from domain.accounts.principal import Principal
from domain.accounts.totp import PERIOD, confirm_totp, enroll_totp

_SECRETS: dict[int, str] = {}


async def signing_code(user_id: int) -> str:
    """A fresh code of the user's confirmed second factor (enrolled here when it has none)."""
    user = await User.get(id=user_id)
    secret = _SECRETS.get(user_id)
    if secret is None or user.totp_confirmed_at is None:
        who = Principal(user_id=user.id, email=user.email, role=user.role)
        secret = (await enroll_totp(principal=who)).secret
        await confirm_totp(principal=who, code=_code_at(secret, _next_step(None)))
        _SECRETS[user_id] = secret
        user = await User.get(id=user_id)
    return _code_at(secret, _next_step(user.totp_last_step))


def _next_step(last: int | None) -> int:
    # a code is accepted once: after one of this step, use the next (within the allowed drift)
    current = int(time.time() // PERIOD)
    step = current if last is None else max(current, last + 1)
    if step > current + 1:
        time.sleep(PERIOD - time.time() % PERIOD + 0.1)
        return _next_step(last)
    return step


def _code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, interval=PERIOD).at(step * PERIOD)
