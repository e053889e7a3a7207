"""Verifying that a registrant acts for its enterprise, as banks do it online.

The platform pays a small random amount (0.01 to 0.99 CNY) into the enterprise's settlement
account on record at the registry, and sends a 6-digit code to the legal representative's
mobile on record. The registrant confirms both: whoever does so controls the enterprise's
account and has its legal representative's consent.

A challenge stays open for 72 hours (a transfer may land on the next working day), allows five
answers, then fails; a new request sends a new deposit and supersedes the open challenge. At
most three requests a day per account. The code is stored only as a hash. The first verified
account of an enterprise administers it; others join by invitation. Every step, refused or
not, is in the audit log.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from db.models import (
    ChallengeStatus,
    Enterprise,
    Role,
    User,
    VerificationChallenge,
    VerificationStatus,
)
from domain import audit
from domain.accounts.passwords import hash_password_async, verify_password_async
from domain.accounts.principal import Principal
from domain.accounts.registry import ContactDetails, contact_details_of, lookup
from domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    InvalidState,
    LimitExceeded,
    NotFound,
    Unavailable,
)
from domain.money import parse_amount
from domain.notify import Notice, NoticeKind, NotifyError, current_notifier
from domain.providers.base import DataProvider

MAX_ATTEMPTS = 5
CHALLENGE_TTL = timedelta(hours=72)
MAX_REQUESTS_PER_DAY = 3
CODE_DIGITS = 6
WRONG = "the deposit amount or the code is wrong"


@dataclass(frozen=True)
class VerificationState:
    """An account and its open challenge, if any: when it expires and how many tries remain."""

    user: User
    expires_at: datetime | None = None
    attempts_left: int | None = None


async def verification_state(*, user_id: int) -> VerificationState | None:
    """The account and its open challenge now; None when the account does not exist."""
    user = await User.get_or_none(id=user_id)
    if user is None:
        return None
    challenge = await _latest(user.id)
    if challenge is None or challenge.status != ChallengeStatus.PENDING:
        return VerificationState(user)
    return VerificationState(user, challenge.expires_at, MAX_ATTEMPTS - challenge.attempts)


async def request_verification(
    *, principal: Principal, provider: DataProvider | None = None
) -> VerificationState:
    """Send a new micro-deposit and legal representative code for the caller's account."""
    user = await _unverified_applicant(principal)
    enterprise = await Enterprise.get(id=user.enterprise_id)  # type: ignore[attr-defined]
    await _refuse_if_administered(user, enterprise, "verification_requested")
    details = await _contact_details(enterprise, provider)
    since = datetime.now(UTC) - timedelta(days=1)
    recent = await VerificationChallenge.filter(user_id=user.id, created_at__gte=since).count()
    if recent >= MAX_REQUESTS_PER_DAY:
        raise LimitExceeded("too many verification requests today; try again tomorrow")
    amount = Decimal(secrets.randbelow(99) + 1) / 100
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    expires = datetime.now(UTC) + CHALLENGE_TTL
    code_hash = await hash_password_async(code)
    async with in_transaction() as conn:
        await (
            VerificationChallenge.filter(user_id=user.id, status=ChallengeStatus.PENDING)
            .using_db(conn)
            .update(status=ChallengeStatus.SUPERSEDED)
        )
        challenge = await VerificationChallenge.create(
            user_id=user.id,
            enterprise_id=enterprise.id,
            deposit_amount=amount,
            code_hash=code_hash,
            expires_at=expires,
            using_db=conn,
        )
        await audit.record(
            actor=user.email,
            action="verification_requested",
            entity_type="user",
            entity_id=user.id,
            data={"challenge_id": challenge.id, "uscc": enterprise.uscc, "expires_at": expires},
            connection=conn,
        )
        # sent inside the transaction: a channel that refuses leaves no open challenge behind
        await _send_challenge(enterprise.uscc, details, amount, code)
    return VerificationState(user, expires, MAX_ATTEMPTS)


async def confirm_verification(
    *, principal: Principal, deposit_amount: Decimal | str, legal_rep_code: str
) -> VerificationState:
    """Check the deposit amount and the code; the account becomes VERIFIED when both are right
    (the enterprise's administrator when it is the first)."""
    amount = _amount(deposit_amount)
    code = legal_rep_code.strip()
    if len(code) != CODE_DIGITS or not code.isdigit():
        raise InvalidInput(f"the code has {CODE_DIGITS} digits", field="legalRepCode")
    user = await _unverified_applicant(principal)
    challenge = await _open_challenge(user)
    enterprise = await Enterprise.get(id=user.enterprise_id)  # type: ignore[attr-defined]
    await _refuse_if_administered(user, enterprise, "verification_confirmed")
    # both checks always run, so a wrong amount answers as slowly as a wrong code
    right_code = await verify_password_async(challenge.code_hash, code)
    right = right_code and amount == challenge.deposit_amount
    if not right:
        await _wrong_answer(user, challenge)
    async with in_transaction() as conn:
        await Enterprise.filter(id=enterprise.id).using_db(conn).select_for_update().first()
        claimed = await (
            VerificationChallenge.filter(
                id=challenge.id, status=ChallengeStatus.PENDING, attempts=challenge.attempts
            )
            .using_db(conn)
            .update(
                attempts=challenge.attempts + 1,
                status=ChallengeStatus.CONFIRMED,
                confirmed_at=datetime.now(UTC),
            )
        )
        if not claimed:
            raise InvalidState("this challenge changed meanwhile; try again")
        admin = not await _verified_admin_exists(enterprise.id, user.id, conn)
        now = datetime.now(UTC)
        await (
            User.filter(id=user.id)
            .using_db(conn)
            .update(
                verification=VerificationStatus.VERIFIED, verified_at=now, enterprise_admin=admin
            )
        )
        await audit.record(
            actor=user.email,
            action="verification_confirmed",
            entity_type="user",
            entity_id=user.id,
            data={"challenge_id": challenge.id, "uscc": enterprise.uscc, "admin": admin},
            connection=conn,
        )
    await user.refresh_from_db()
    return VerificationState(user)


async def _unverified_applicant(principal: Principal) -> User:
    """The caller's account: an applicant of an enterprise, not verified yet, not revoked."""
    if principal.role != Role.APPLICANT:
        raise Forbidden("verification is for applicants of an enterprise")
    user = await User.get_or_none(id=principal.user_id)
    if user is None or user.enterprise_id is None:  # type: ignore[attr-defined]
        raise NotFound("no such account")
    if user.verification == VerificationStatus.REVOKED:
        raise Forbidden("the bank revoked this account's verification; contact the bank")
    if user.verification == VerificationStatus.VERIFIED:
        raise InvalidState("this account is already verified")
    return user


async def _verified_admin_exists(
    enterprise_id: int, user_id: int, conn: BaseDBAsyncClient | None = None
) -> bool:
    """Whether another verified account administers the enterprise."""
    query = User.filter(
        enterprise_id=enterprise_id,
        enterprise_admin=True,
        verification=VerificationStatus.VERIFIED,
    ).exclude(id=user_id)
    return await query.using_db(conn).exists()


async def _refuse_if_administered(user: User, enterprise: Enterprise, action: str) -> None:
    """CONFLICT when someone else already administers the enterprise: colleagues join by
    invitation, never by a second verification."""
    if not await _verified_admin_exists(enterprise.id, user.id):
        return
    await _refused(user, action, "enterprise already verified by its administrator")
    raise Conflict("this enterprise is already verified; ask its administrator for an invitation")


async def _contact_details(enterprise: Enterprise, provider: DataProvider | None) -> ContactDetails:
    """The settlement account and legal representative's contact on record: the registry's
    current record when it can be read, else the one stored at registration."""
    record = None
    if provider is not None:
        try:
            record = await lookup(provider, enterprise.uscc)
        except Unavailable:
            record = None
    details = (contact_details_of(record) if record else None) or contact_details_of(enterprise)
    if details is None:
        raise InvalidState(
            "the registry holds no settlement account and legal representative contact for "
            "this enterprise; verification needs both"
        )
    return details


async def _send_challenge(uscc: str, details: ContactDetails, amount: Decimal, code: str) -> None:
    notifier = current_notifier()
    deposit = Notice(
        kind=NoticeKind.MICRO_DEPOSIT,
        address=details.account,
        uscc=uscc,
        data={"amount": amount, "bank": details.bank},
    )
    text = Notice(
        kind=NoticeKind.LEGAL_REP_CODE,
        address=details.legal_rep_contact,
        uscc=uscc,
        data={"code": code},
    )
    try:
        await notifier.send(deposit)
        await notifier.send(text)
    except NotifyError as exc:
        raise Unavailable(f"the verification could not be sent: {exc}") from exc


def _amount(value: Decimal | str) -> Decimal:
    return parse_amount(
        value, field="depositAmount", minimum=Decimal("0.01"), maximum=Decimal("0.99")
    )


async def _latest(user_id: int) -> VerificationChallenge | None:
    return await VerificationChallenge.filter(user_id=user_id).order_by("-id").first()


async def _open_challenge(user: User) -> VerificationChallenge:
    """The account's pending, unexpired challenge; a refusal (audited) otherwise."""
    challenge = await _latest(user.id)
    problem: DomainError | None = None
    if challenge is None:
        problem = InvalidState("no verification was requested; request one first")
    elif challenge.status == ChallengeStatus.FAILED:
        problem = InvalidState("too many wrong answers; request a new deposit")
    elif challenge.status == ChallengeStatus.EXPIRED:
        problem = InvalidState("the verification expired; request a new deposit")
    elif challenge.status != ChallengeStatus.PENDING:
        problem = InvalidState("this verification was already used; request a new one")
    elif challenge.expires_at <= datetime.now(UTC):
        await VerificationChallenge.filter(id=challenge.id, status=ChallengeStatus.PENDING).update(
            status=ChallengeStatus.EXPIRED
        )
        problem = InvalidState("the verification expired; request a new deposit")
    if problem is None:
        assert challenge is not None
        return challenge
    await _refused(user, "verification_confirmed", problem.message)
    raise problem


async def _wrong_answer(user: User, challenge: VerificationChallenge) -> None:
    """Count a wrong answer (the fifth fails the challenge), audit it, and refuse."""
    attempts = challenge.attempts + 1
    status = ChallengeStatus.FAILED if attempts >= MAX_ATTEMPTS else ChallengeStatus.PENDING
    counted = await VerificationChallenge.filter(
        id=challenge.id, status=ChallengeStatus.PENDING, attempts=challenge.attempts
    ).update(attempts=attempts, status=status)
    if not counted:
        raise InvalidState("this challenge changed meanwhile; try again")
    left = MAX_ATTEMPTS - attempts
    await _refused(
        user, "verification_confirmed", WRONG, challenge_id=challenge.id, attempts_left=left
    )
    if left == 0:
        raise InvalidInput(f"{WRONG}; no tries left, request a new deposit", field="depositAmount")
    raise InvalidInput(f"{WRONG}; {left} tries left", field="depositAmount")


async def _refused(user: User, action: str, reason: str, **data: object) -> None:
    await audit.record(
        actor=user.email,
        action=f"{action}_refused",
        entity_type="user",
        entity_id=user.id,
        data={"reason": reason, **data},
    )


__all__ = [
    "CHALLENGE_TTL",
    "MAX_ATTEMPTS",
    "VerificationState",
    "confirm_verification",
    "request_verification",
    "verification_state",
]
