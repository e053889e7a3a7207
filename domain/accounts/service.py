"""Registration, login and staff accounts."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from db.models import Enterprise, GuarantorInstitution, Role, User, VerificationStatus
from domain import audit
from domain.accounts.login import login
from domain.accounts.passwords import check_password_policy, hash_password_async
from domain.accounts.registry import registry_enterprise
from domain.accounts.sessions import AuthResult, start_session
from domain.accounts.standing import principal_of
from domain.errors import Duplicate, InvalidInput
from domain.notify import Notice, NoticeKind, NotifyError, current_notifier
from domain.providers.base import DataProvider
from domain.world.uscc import is_valid_uscc

log = logging.getLogger("ipcredit.accounts")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
# one answer for an unknown code and a wrong name: neither tells what the registry holds
NO_MATCH = "the code and the name do not match an enterprise in the registry"
# one answer for every other refusal after the input checks (a taken email among them)
REFUSED = "registration could not be completed with these details"


def normalised_email(email: str) -> str:
    """The email trimmed and lower-cased; INVALID_INPUT when it is not an address."""
    email = email.strip().lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise InvalidInput("not a valid email address", field="email")
    return email


def _check_credentials(email: str, password: str) -> str:
    email = normalised_email(email)
    check_password_policy(password, email=email)
    return email


async def register(
    *,
    email: str,
    password: str,
    uscc: str,
    enterprise_name: str,
    provider: DataProvider | None,
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
        await hash_password_async(password)
        raise InvalidInput(NO_MATCH, field="enterpriseName")
    if enterprise.status in ("revoked", "cancelled"):
        await hash_password_async(password)
        raise InvalidInput("this enterprise is not active in the registry", field="uscc")
    owner = await User.get_or_none(email=email)
    if owner is not None:
        await hash_password_async(password)
        await _tell_owner(owner, uscc)
        raise InvalidInput(REFUSED)
    password_hash = await hash_password_async(password)
    try:
        async with in_transaction() as conn:
            user = await User.create(
                email=email,
                password_hash=password_hash,
                role=Role.APPLICANT,
                enterprise_id=enterprise.id,
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
    return await start_session(user)


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


async def create_staff_user(
    *, email: str, password: str, role: Role, institution: str | None = None
) -> User:
    """A staff or service account (the command line's `user create`); a GUARANTOR account
    belongs to a guarantor institution, named by its code, and only it has one."""
    if role == Role.APPLICANT:
        raise InvalidInput("applicants register themselves with their enterprise", field="role")
    institution_id = await _institution_of(role, institution)
    email = _check_credentials(email, password)
    if await User.filter(email=email).exists():
        raise Duplicate("this email is already registered", field="email")
    password_hash = await hash_password_async(password)
    async with in_transaction() as conn:
        user = await User.create(
            email=email,
            password_hash=password_hash,
            role=role,
            verification=VerificationStatus.VERIFIED,
            verified_at=datetime.now(UTC),
            institution_id=institution_id,
            using_db=conn,
        )
        data: dict[str, object] = {"email": email, "role": role.value}
        if institution is not None:
            data["institution"] = institution
        await audit.record(
            actor="cli",
            action="user_create",
            entity_type="user",
            entity_id=user.id,
            data=data,
            connection=conn,
        )
    return user


async def _institution_of(role: Role, code: str | None) -> int | None:
    """The id of the institution a GUARANTOR account belongs to; INVALID_INPUT when a
    guarantor names none (or an unknown one) or another role names one."""
    if role != Role.GUARANTOR:
        if code:
            raise InvalidInput(
                "only a GUARANTOR account belongs to an institution", field="institution"
            )
        return None
    if not code:
        raise InvalidInput("a GUARANTOR account needs its institution's code", field="institution")
    found = await GuarantorInstitution.get_or_none(code=code.strip().upper())
    if found is None:
        raise InvalidInput(f"no guarantor institution {code!r}", field="institution")
    return found.id


async def get_user(*, user_id: int) -> User | None:
    """A user by id."""
    return await User.get_or_none(id=user_id)


__all__ = [
    "AuthResult",
    "create_staff_user",
    "get_user",
    "login",
    "normalised_email",
    "principal_of",
    "register",
]
