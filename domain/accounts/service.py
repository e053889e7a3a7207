"""Registration, login and staff accounts."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from config import settings
from db.models import Enterprise, Role, User, VerificationStatus
from domain import audit
from domain.accounts.lockout import UNKNOWN_LOGINS
from domain.accounts.passwords import DUMMY_HASH, hash_password, verify_password
from domain.accounts.principal import Principal
from domain.accounts.registry import registry_enterprise
from domain.accounts.tokens import issue_token
from domain.errors import Duplicate, InvalidInput, LimitExceeded
from domain.notify import Notice, NoticeKind, NotifyError, current_notifier
from domain.providers.base import DataProvider
from domain.world.uscc import is_valid_uscc

log = logging.getLogger("ipcredit.accounts")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
# one answer for an unknown code and a wrong name: neither tells what the registry holds
NO_MATCH = "the code and the name do not match an enterprise in the registry"
# one answer for every other refusal after the input checks (a taken email among them)
REFUSED = "registration could not be completed with these details"
WRONG_LOGIN = "wrong email or password"
LOCKED = "too many failed logins; the account is locked for 15 minutes"


@dataclass(frozen=True)
class AuthResult:
    """A token and the user it was issued to."""

    token: str
    user: User


def principal_of(user: User) -> Principal:
    """The principal a user acts as (an applicant acts for its enterprise once verified)."""
    if Role(user.role) == Role.APPLICANT:
        return Principal.applicant(
            user_id=user.id,
            email=user.email,
            enterprise_id=user.enterprise_id,  # type: ignore[attr-defined]
            verification=VerificationStatus(user.verification),
        )
    return Principal(
        user_id=user.id,
        email=user.email,
        role=Role(user.role),
        enterprise_id=user.enterprise_id,  # type: ignore[attr-defined]
    )


def _token(user: User) -> str:
    s = settings()
    return issue_token(
        principal_of(user),
        secret=s.jwt_secret,
        issuer=s.jwt_issuer,
        audience=s.jwt_audience,
        ttl_seconds=s.jwt_ttl_seconds,
    )


def normalised_email(email: str) -> str:
    """The email trimmed and lower-cased; INVALID_INPUT when it is not an address."""
    email = email.strip().lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise InvalidInput("not a valid email address", field="email")
    return email


def _check_credentials(email: str, password: str) -> str:
    email = normalised_email(email)
    if len(password) < 10:
        raise InvalidInput("password must have at least 10 characters", field="password")
    if len(password) > 256:
        raise InvalidInput("password is too long", field="password")
    return email


async def register(
    *,
    email: str,
    password: str,
    uscc: str,
    enterprise_name: str,
    provider: DataProvider | None,
    data_dir: Path | None = None,
) -> AuthResult:
    """Open an UNVERIFIED account for an enterprise of the registry (USCC and name must match
    its public record); it acts for the enterprise only once verified.

    Refusals do not tell whether an email or an enterprise is known: an unknown code and a
    wrong name read the same, a taken email gets the generic refusal (its owner is told), and
    every refusal after the input checks costs a password hash, as a success does.
    """
    email = _check_credentials(email, password)
    uscc = uscc.strip().upper()
    if not is_valid_uscc(uscc):
        raise InvalidInput("not a valid unified social credit code", field="uscc")
    enterprise = await registry_enterprise(uscc, enterprise_name, provider)
    if enterprise is None:
        hash_password(password)
        raise InvalidInput(NO_MATCH, field="enterpriseName")
    if enterprise.status in ("revoked", "cancelled"):
        hash_password(password)
        raise InvalidInput("this enterprise is not active in the registry", field="uscc")
    owner = await User.get_or_none(email=email)
    if owner is not None:
        hash_password(password)
        await _tell_owner(owner, uscc)
        raise InvalidInput(REFUSED)
    key_pem, cert_pem = _enterprise_certificate(uscc, enterprise.name, data_dir)
    try:
        async with in_transaction() as conn:
            user = await User.create(
                email=email,
                password_hash=hash_password(password),
                role=Role.APPLICANT,
                enterprise_id=enterprise.id,
                certificate_pem=cert_pem,
                private_key_pem=key_pem,
                verification=VerificationStatus.UNVERIFIED,
                using_db=conn,
            )
            await Enterprise.filter(id=enterprise.id).using_db(conn).update(registered=True)
            await audit.record(
                actor=email,
                action="register",
                entity_type="enterprise",
                entity_id=enterprise.id,
                data={"uscc": uscc, "user_id": user.id, "verification": "UNVERIFIED"},
                connection=conn,
            )
    except IntegrityError:
        raise InvalidInput(REFUSED) from None
    return AuthResult(token=_token(user), user=user)


async def _tell_owner(owner: User, uscc: str) -> None:
    """Tell an account's owner that someone tried to register its email (best effort)."""
    await audit.record(
        actor=owner.email,
        action="register_refused",
        entity_type="user",
        entity_id=owner.id,
        data={"reason": "email already registered", "uscc": uscc},
    )
    notice = Notice(kind=NoticeKind.ACCOUNT_EXISTS, address=owner.email, uscc=uscc)
    try:
        await current_notifier().send(notice)
    except NotifyError as exc:
        log.warning("could not tell account %s of a registration attempt: %s", owner.id, exc)


def _enterprise_certificate(uscc: str, name: str, data_dir: Path | None) -> tuple[str, str]:
    """A signing certificate for the enterprise from the platform CA."""
    from domain.contracts.pki import ensure_ca, issue_enterprise_certificate

    ca = ensure_ca(data_dir or settings().data_dir)
    key_pem, cert_pem = issue_enterprise_certificate(ca, uscc=uscc, name=name)
    as_text = [x.decode() if isinstance(x, bytes) else x for x in (key_pem, cert_pem)]
    return as_text[0], as_text[1]


async def login(*, email: str, password: str) -> AuthResult:
    """A token for valid credentials; failures are slowed down and lock the account a while.

    An email without an account fails, slows down and locks exactly as a wrong password does.
    """
    email = email.strip().lower()
    user = await User.get_or_none(email=email) if len(email) <= 254 else None
    now = datetime.now(UTC)
    failures, locked_until = (
        (user.failed_logins, user.locked_until) if user else UNKNOWN_LOGINS.state(email)
    )
    if locked_until is not None and locked_until > now:
        raise LimitExceeded("too many failed logins; try again later")
    if user is not None and verify_password(user.password_hash, password):
        if user.failed_logins or user.locked_until:
            await User.filter(id=user.id).update(failed_logins=0, locked_until=None)
        return AuthResult(token=_token(user), user=user)
    if user is None:
        verify_password(DUMMY_HASH, password)
    failures += 1
    locked = now + LOCKOUT if failures >= MAX_FAILED_LOGINS else None
    if user is None:
        UNKNOWN_LOGINS.set(email, 0 if locked else failures, locked)
    else:
        await User.filter(id=user.id).update(
            failed_logins=0 if locked else failures, locked_until=locked
        )
    await asyncio.sleep(min(0.1 * 2 ** (failures - 1), 1.6))
    if locked is None:
        raise InvalidInput(WRONG_LOGIN)
    if user is not None:
        await audit.record(
            actor=email, action="login_locked", entity_type="user", entity_id=user.id
        )
    raise LimitExceeded(LOCKED)


async def create_staff_user(*, email: str, password: str, role: Role) -> User:
    """A staff or service account (the command line's `user create`)."""
    if role == Role.APPLICANT:
        raise InvalidInput("applicants register themselves with their enterprise", field="role")
    email = _check_credentials(email, password)
    if await User.filter(email=email).exists():
        raise Duplicate("this email is already registered", field="email")
    async with in_transaction() as conn:
        user = await User.create(
            email=email,
            password_hash=hash_password(password),
            role=role,
            verification=VerificationStatus.VERIFIED,
            verified_at=datetime.now(UTC),
            using_db=conn,
        )
        await audit.record(
            actor="cli",
            action="user_create",
            entity_type="user",
            entity_id=user.id,
            data={"email": email, "role": role.value},
            connection=conn,
        )
    return user


async def get_user(*, user_id: int) -> User | None:
    """A user by id."""
    return await User.get_or_none(id=user_id)
