"""Changing a staff account's role: audited, never one's own, and it ends the account's sessions.

Roles are the bank's side of separation of duties (see domain/lending/duties.py): loan officers
and risk managers hold money powers, administrators manage accounts, a service account feeds
data. Applicant accounts belong to an enterprise and never change role; nor does a staff or
service account become an applicant. The last administrator keeps its role.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from db.models import RefreshToken, Role, User
from domain import audit
from domain.accounts.principal import Principal
from domain.accounts.standing import session_cache
from domain.errors import Conflict, Forbidden, InvalidInput, InvalidState, NotFound

BANK_ROLES = frozenset({Role.LOAN_OFFICER, Role.RISK_MANAGER, Role.ADMIN, Role.SERVICE})
MAX_REASON = 500


def _checked_change(principal: Principal, user: User, role: Role, reason: str) -> str:
    """The stripped reason, once the change is one the caller may make (pure)."""
    if principal.role != Role.ADMIN:
        raise Forbidden("only an administrator changes roles")
    if user.id == principal.user_id:
        raise Forbidden("separation of duties: nobody changes their own role")
    if role not in BANK_ROLES or user.role not in BANK_ROLES:
        raise InvalidInput(
            "only staff and service accounts change role; applicants belong to their enterprise",
            field="role",
        )
    if user.role == role:
        raise InvalidState(f"{user.email} already has the role {role.value}")
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"the reason is longer than {MAX_REASON} characters", field="reason")
    return reason


async def change_role(*, principal: Principal, email: str, role: Role, reason: str = "") -> User:
    """Give a staff or service account another role (an administrator, not on itself).

    The change, who made it and why are in the audit log, in the same transaction; every
    session the account holds ends (`sessions_valid_after`), so no token keeps the old role.
    """
    user = await User.get_or_none(email=email.strip().lower())
    if user is None:
        raise NotFound("no such account", field="email")
    reason = _checked_change(principal, user, role, reason)
    was = user.role
    # the command line acts as a trusted principal without an account (user id 0)
    actor = f"user:{principal.email}" if principal.user_id else principal.email
    now = datetime.now(UTC)
    async with in_transaction() as conn:
        if was == Role.ADMIN:
            admins = await User.filter(role=Role.ADMIN).using_db(conn).count()
            if admins <= 1:
                raise InvalidState("the last administrator keeps its role")
        # guarded on the role read above: of two concurrent changes only one applies
        changed = (
            await User.filter(id=user.id, role=was)
            .using_db(conn)
            .update(role=role, sessions_valid_after=now)
        )
        if changed != 1:
            raise Conflict("the account's role was changed by someone else meanwhile")
        # every token issued before now is refused (sessions_valid_after); its refresh tokens
        # are revoked outright as well
        await (
            RefreshToken.filter(user_id=user.id, revoked_at=None)
            .using_db(conn)
            .update(revoked_at=now)
        )
        await audit.record(
            actor=actor,
            action="user.role_change",
            entity_type="user",
            entity_id=user.id,
            data={"email": user.email, "from": was.value, "to": role.value, "reason": reason},
            connection=conn,
        )
    # this process's recent check of the account's sessions is stale from now on
    session_cache.forget(user.id)
    await user.refresh_from_db()
    return user


__all__ = ["BANK_ROLES", "change_role"]
