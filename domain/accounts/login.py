"""Login: limits per client address and per account, hashing off the loop, second factor.

Failures are counted in sliding windows (`throttle`), one row per attempt, written before the
password is checked: parallel guesses each count, and at most the limit of them is ever
checked. Limits, in a 15-minute window:
- per account and client address: 10 failures, then LIMIT_EXCEEDED for that pair only;
- per client address: 50 failures (over any accounts), then LIMIT_EXCEEDED;
- per account, from every address together: past 10 failures each further attempt is slowed,
  never refused, so that nobody can lock a colleague out by failing on purpose.
An email without an account is counted and slowed exactly like one with an account.

Staff who move money (MONEY_ROLES) log in with a one-time code once they enrolled one;
before that a correct password gets a token good only for enrolling (enrollTotp,
confirmTotp, me, logout), with a refusal that tells them so.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import timedelta

from tortoise.expressions import F

from db.models import Role, User
from domain import audit
from domain.accounts import throttle
from domain.accounts.passwords import (
    DUMMY_HASH,
    hash_password_async,
    needs_rehash,
    verify_password_async,
)
from domain.accounts.principal import MONEY_ROLES, Principal, Scope
from domain.accounts.sessions import (
    AuthResult,
    enrolment_session,
    revoke_session,
    start_session,
)
from domain.accounts.totp import check_otp, confirm_totp, has_second_factor
from domain.errors import InvalidInput, LimitExceeded

log = logging.getLogger("ipcredit.accounts")
WINDOW = timedelta(minutes=15)
PAIR_LIMIT = 10
ADDRESS_LIMIT = 50
ACCOUNT_SLOW_AFTER = 10
MAX_DELAY_SECONDS = 3.0
WRONG_LOGIN = "wrong email or password"
PAIR_LIMITED = "too many failed logins for this account from this address; try again in 15 minutes"
ADDRESS_LIMITED = "too many failed logins from this address; try again in 15 minutes"
OTP_NEEDED = "this account logs in with a one-time code from its authenticator app (otp)"
ENROL_NEEDED = (
    "staff who move money log in with a second factor: enrol one with this token "
    "(enrollTotp, then confirmTotp), then log in again with the code"
)


def _keys(email: str, client: str | None) -> tuple[str, str, str]:
    address = client or "unknown"
    pair = hashlib.sha256(f"{email}|{address}".encode()).hexdigest()[:40]
    return f"acct:{email}", f"pair:{pair}", f"ip:{address}"


async def _admit(account_key: str, pair_key: str, address_key: str) -> int:
    """Count this attempt against the pair and the address (LIMIT_EXCEEDED past either), and
    slow down an account that fails a lot from everywhere; the address attempt's row id."""
    admission = await throttle.admit_all(
        {pair_key: PAIR_LIMIT, address_key: ADDRESS_LIMIT}, window=WINDOW, count=[account_key]
    )
    if not admission.ok:
        # a refused attempt is not kept: the window is full already, and an attacker
        # hammering must not grow the table
        await throttle.clear(admission.rows.values())
        raise LimitExceeded(PAIR_LIMITED if not admission.within[pair_key] else ADDRESS_LIMITED)
    failures = admission.counts[account_key]
    if failures >= ACCOUNT_SLOW_AFTER:
        # slows, never refuses: nobody can lock a colleague out by failing on purpose
        await asyncio.sleep(min(0.25 * (failures - ACCOUNT_SLOW_AFTER + 1), MAX_DELAY_SECONDS))
    return admission.rows[address_key]


async def login(
    *, email: str, password: str, otp: str | None = None, client: str | None = None
) -> AuthResult:
    """A session for valid credentials (and a one-time code where the role needs one)."""
    email = email.strip().lower()[:254]
    account_key, pair_key, address_key = _keys(email, client)
    address_row = await _admit(account_key, pair_key, address_key)
    user = await User.get_or_none(email=email)
    right = await verify_password_async(user.password_hash if user else DUMMY_HASH, password)
    if user is None or not right:
        await _failed(user, email, account_key, pair_key)
        raise InvalidInput(WRONG_LOGIN)
    # the password was right: this attempt is no failure, and the pair's slate is clean
    # (a wrong one-time code counts in the second factor's own window)
    await throttle.clear([address_row], [pair_key])
    if needs_rehash(user.password_hash):
        user.password_hash = await hash_password_async(password)
        await User.filter(id=user.id).update(password_hash=user.password_hash)
    if Role(user.role) in MONEY_ROLES:
        if not has_second_factor(user):
            return enrolment_session(user)
        if not (otp or "").strip():
            raise InvalidInput(OTP_NEEDED, field="otp")
        await check_otp(user_id=user.id, code=otp, purpose="login")
    if user.failed_logins:
        await User.filter(id=user.id).update(failed_logins=0)
    return await start_session(user)


async def _failed(user: User | None, email: str, account_key: str, pair_key: str) -> None:
    """Count a failure: one INSERT for the window, one UPDATE ... + 1 on the account."""
    await throttle.record_failure(account_key)
    if user is None:
        return
    await User.filter(id=user.id).update(failed_logins=F("failed_logins") + 1)
    if await throttle.failures(pair_key, window=WINDOW) == PAIR_LIMIT:
        await audit.record(
            actor=email,
            action="login_limited",
            entity_type="user",
            entity_id=user.id,
            data={"failures": PAIR_LIMIT, "window_minutes": int(WINDOW.total_seconds() // 60)},
        )


async def confirm_and_sign_in(*, principal: Principal, code: str) -> AuthResult:
    """Confirm the caller's second factor and start a full session (both factors were just
    shown: the password for the caller's token, the code now); an enrolment-only session
    ends."""
    user = await confirm_totp(principal=principal, code=code)
    session = principal.session
    if session is not None and session.scope == Scope.ENROL:
        await revoke_session(
            family=session.session_id, user_id=user.id, reason="enrolled", actor=user.email
        )
    return await start_session(user)


__all__ = [
    "ACCOUNT_SLOW_AFTER",
    "ADDRESS_LIMIT",
    "PAIR_LIMIT",
    "WINDOW",
    "confirm_and_sign_in",
    "login",
]
