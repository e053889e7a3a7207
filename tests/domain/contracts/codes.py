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
        await confirm_totp(principal=who, code=_code_at(secret, int(time.time() // PERIOD)))
        _SECRETS[user_id] = secret
        user = await User.get(id=user_id)
    step = _next_step(user.totp_last_step)
    if step is None:
        # this step's and the next one's codes are spent: forget which were used rather than
        # wait up to half a minute for the clock (replay refusal has tests of its own)
        await User.filter(id=user_id).update(totp_last_step=None)
        step = _next_step(None)
    assert step is not None
    return _code_at(secret, step)


def _next_step(last: int | None) -> int | None:
    """The step of a code not accepted yet, within the allowed drift; None when there is none
    until the clock moves on (a code is accepted once: after this step's, use the next)."""
    current = int(time.time() // PERIOD)
    step = current if last is None else max(current, last + 1)
    return step if step <= current + 1 else None


def _code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, interval=PERIOD).at(step * PERIOD)
