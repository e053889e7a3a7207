"""Registration, login and staff accounts."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from config import settings
from db.models import Enterprise, Role, User
from domain import audit
from domain.accounts.passwords import DUMMY_HASH, hash_password, verify_password
from domain.accounts.principal import Principal
from domain.accounts.tokens import issue_token
from domain.errors import Duplicate, Forbidden, InvalidInput, LimitExceeded, NotFound
from domain.providers.base import DataProvider
from domain.world.uscc import is_valid_uscc

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


@dataclass(frozen=True)
class AuthResult:
    """A token and the user it was issued to."""

    token: str
    user: User


def principal_of(user: User) -> Principal:
    """The principal a user acts as."""
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


def _check_credentials(email: str, password: str) -> str:
    email = email.strip().lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise InvalidInput("not a valid email address", field="email")
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
    """Sign an enterprise up: the USCC must be valid and known, and the name must match it."""
    from domain.world.importer import import_world_rows

    email = _check_credentials(email, password)
    uscc = uscc.strip().upper()
    if not is_valid_uscc(uscc):
        raise InvalidInput("not a valid unified social credit code", field="uscc")
    enterprise = await Enterprise.get_or_none(uscc=uscc)
    if enterprise is None:
        record = provider.lookup(uscc) if provider is not None else None
        if record is None:
            raise NotFound("no enterprise with this code is known to the registry", field="uscc")
        if record.get("name", "").strip() != enterprise_name.strip():
            raise InvalidInput("name does not match the registry", field="enterpriseName")
        assert provider is not None
        await import_world_rows(provider.fetch(uscc))
        enterprise = await Enterprise.get(uscc=uscc)
    if enterprise.name.strip() != enterprise_name.strip():
        raise InvalidInput("name does not match the registry", field="enterpriseName")
    if enterprise.status in ("revoked", "cancelled"):
        raise Forbidden("this enterprise is not active in the registry", field="uscc")
    if await User.filter(email=email).exists():
        raise Duplicate("this email is already registered", field="email")
    if await User.filter(enterprise_id=enterprise.id, role=Role.APPLICANT).exists():
        raise Duplicate("this enterprise is already registered", field="uscc")
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
                using_db=conn,
            )
            await Enterprise.filter(id=enterprise.id).using_db(conn).update(registered=True)
            await audit.record(
                actor=email,
                action="register",
                entity_type="enterprise",
                entity_id=enterprise.id,
                data={"uscc": uscc, "user_id": user.id},
                connection=conn,
            )
    except IntegrityError:
        raise Duplicate("this email or enterprise is already registered", field="email") from None
    return AuthResult(token=_token(user), user=user)


def _enterprise_certificate(uscc: str, name: str, data_dir: Path | None) -> tuple[str, str]:
    """A signing certificate for the enterprise from the platform CA."""
    from domain.contracts.pki import ensure_ca, issue_enterprise_certificate

    ca = ensure_ca(data_dir or settings().data_dir)
    key_pem, cert_pem = issue_enterprise_certificate(ca, uscc=uscc, name=name)
    as_text = [x.decode() if isinstance(x, bytes) else x for x in (key_pem, cert_pem)]
    return as_text[0], as_text[1]


async def login(*, email: str, password: str) -> AuthResult:
    """A token for valid credentials; failures are slowed down and lock the account a while."""
    email = email.strip().lower()
    user = await User.get_or_none(email=email) if len(email) <= 254 else None
    now = datetime.now(UTC)
    if user is not None and user.locked_until is not None and user.locked_until > now:
        raise LimitExceeded("too many failed logins; try again later")
    if user is None:
        verify_password(DUMMY_HASH, password)
        await asyncio.sleep(0.2)
        raise InvalidInput("wrong email or password", code=None)
    if not verify_password(user.password_hash, password):
        failures = user.failed_logins + 1
        locked = now + LOCKOUT if failures >= MAX_FAILED_LOGINS else None
        await User.filter(id=user.id).update(
            failed_logins=0 if locked else failures, locked_until=locked
        )
        await asyncio.sleep(min(0.1 * 2 ** (failures - 1), 1.6))
        if locked:
            await audit.record(
                actor=email, action="login_locked", entity_type="user", entity_id=user.id
            )
            raise LimitExceeded("too many failed logins; the account is locked for 15 minutes")
        raise InvalidInput("wrong email or password")
    if user.failed_logins or user.locked_until:
        await User.filter(id=user.id).update(failed_logins=0, locked_until=None)
    return AuthResult(token=_token(user), user=user)


async def create_staff_user(*, email: str, password: str, role: Role) -> User:
    """A staff or service account (the command line's `user create`)."""
    if role == Role.APPLICANT:
        raise InvalidInput("applicants register themselves with their enterprise", field="role")
    email = _check_credentials(email, password)
    if await User.filter(email=email).exists():
        raise Duplicate("this email is already registered", field="email")
    async with in_transaction() as conn:
        user = await User.create(
            email=email, password_hash=hash_password(password), role=role, using_db=conn
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
