"""Test helpers for the second factor: enrol an account and hand out codes it accepts."""

from __future__ import annotations

import asyncio
import time

import pyotp

from db.models import User
from domain.accounts import totp
from domain.accounts.principal import Principal
from domain.accounts.standing import principal_of


async def away_from_a_step_boundary(margin: float = 2.0) -> None:
    """Wait for the next time step when the current one ends within `margin` seconds: a code
    computed for a step just before it rolls over is no longer in the accepted window."""
    left = totp.PERIOD - time.time() % totp.PERIOD
    if left < margin:
        await asyncio.sleep(left)


async def enrol(user: User) -> pyotp.TOTP:
    """Enrol and confirm a second factor for the user; its authenticator."""
    principal: Principal = principal_of(user)
    enrolment = await totp.enroll_totp(principal=principal)
    app = pyotp.TOTP(enrolment.secret)
    await away_from_a_step_boundary()
    await totp.confirm_totp(principal=principal, code=app.at(time.time() - totp.PERIOD))
    await User.filter(id=user.id).update(totp_last_step=None)
    return app


async def fresh_code(user_id: int, app: pyotp.TOTP) -> str:
    """A code the account accepts now: the memory of used codes is cleared first (each code
    is good once, and a test may need several within one 30-second step)."""
    await User.filter(id=user_id).update(totp_last_step=None)
    return app.now()
