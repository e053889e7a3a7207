"""The staff work queue: who holds an application in manual review, and the two inboxes.

A loan officer or risk manager claims an unheld application (or one whose holder has already
reviewed it) and may hand it to a colleague; taking one that someone else still holds is a
risk manager's reassignment. `my_queue` lists what awaits a first review (held by the caller
or by nobody); `awaiting_second_approval` lists the four-eyes inbox: approved once, waiting for
the caller's role, never the caller's own approval.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from db import batch
from db.models import ApplicationStatus, LoanApplication, Review, Role, User
from domain import audit
from domain.accounts.principal import MONEY_ROLES, Principal
from domain.errors import AlreadyAssigned, Conflict, Forbidden, InvalidInput, InvalidState, NotFound

APPROVE = "APPROVE"
ENTITY = "loan_application"


@dataclass(frozen=True)
class QueueFacts:
    """What a queue row shows of an application, read from it and its stored decision."""

    waiting_since: datetime
    proposed_amount: Decimal | None
    grade: str | None
    graph_risk: float | None

    def age_hours(self, now: datetime) -> float:
        """Hours since the application was referred to a person."""
        return round(max((now - self.waiting_since).total_seconds(), 0.0) / 3600, 2)


def queue_facts(application: LoanApplication) -> QueueFacts:
    """When it was referred, the model's proposal, grade and graph risk (pure)."""
    record: dict[str, Any] = application.decision or {}
    inputs: dict[str, Any] = record.get("inputs") or {}
    referred = record.get("decided_at")
    since = (
        datetime.fromisoformat(referred)
        if isinstance(referred, str)
        else application.submitted_at or application.created_at
    )
    proposed = record.get("approved_amount")
    grade = inputs.get("grade")
    risk = inputs.get("graph_risk")
    return QueueFacts(
        waiting_since=since,
        proposed_amount=None if proposed is None else Decimal(str(proposed)),
        grade=None if grade is None else str(grade),
        graph_risk=None if risk is None else float(risk),
    )


def _require_holder_role(principal: Principal) -> None:
    if principal.role not in MONEY_ROLES:
        raise Forbidden("only a loan officer or a risk manager may hold applications for review")


async def _reviewable(application_id: int) -> tuple[LoanApplication, set[int]]:
    """The application in manual review and who has reviewed it, else NOT_FOUND/INVALID_STATE."""
    application = await LoanApplication.get_or_none(id=application_id)
    if application is None:
        raise NotFound("no such application", field="applicationId")
    if application.status != ApplicationStatus.MANUAL_REVIEW:
        raise InvalidState(f"the application is {application.status}, not in manual review")
    reviewers = await Review.filter(application_id=application_id).values_list(
        "reviewer_id", flat=True
    )
    return application, {int(str(r)) for r in reviewers}


async def _holder_email(user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = await User.get_or_none(id=user_id).only("id", "email")
    return None if user is None else user.email


async def _held_by_another(holder_id: int | None, remedy: str) -> AlreadyAssigned:
    """ALREADY_ASSIGNED naming who holds the application, and what the caller can do."""
    email = await _holder_email(holder_id)
    return AlreadyAssigned(f"{email or 'another staff member'} holds this application; {remedy}")


async def claim_application(*, principal: Principal, application_id: int) -> LoanApplication:
    """The caller takes an application in manual review (again: nothing changes). ALREADY_ASSIGNED
    when someone else holds it and has not reviewed it yet: a risk manager reassigns those."""
    _require_holder_role(principal)
    application, reviewers = await _reviewable(application_id)
    if principal.user_id in reviewers:
        raise InvalidState("you have already reviewed this application")
    held_by = application.assigned_to_id
    if held_by == principal.user_id:
        return application
    if held_by is not None and held_by not in reviewers:
        raise await _held_by_another(held_by, "ask a risk manager to reassign it")
    return await _hand_over(application, to=principal.user_id, to_email=principal.email,
                            by=principal, action="application.claim")  # fmt: skip


async def assign_application(
    *, principal: Principal, application_id: int, user_email: str
) -> LoanApplication:
    """Hand an application in manual review to a loan officer or risk manager. Anyone holding
    it (or any holder of an unheld one) may; taking it from another holder who has not reviewed
    it is a risk manager's reassignment (ALREADY_ASSIGNED otherwise)."""
    _require_holder_role(principal)
    assignee = await User.get_or_none(email__iexact=user_email.strip())
    if assignee is None:
        raise NotFound("no staff member with this email", field="userEmail")
    if assignee.role not in MONEY_ROLES:
        raise InvalidInput(
            "only a loan officer or a risk manager can be assigned an application",
            field="userEmail",
        )
    application, reviewers = await _reviewable(application_id)
    if assignee.id in reviewers:
        raise InvalidInput(f"{assignee.email} has already reviewed this application",
                           field="userEmail")  # fmt: skip
    held_by = application.assigned_to_id
    if held_by == assignee.id:
        return application
    taking = held_by is not None and held_by != principal.user_id and held_by not in reviewers
    if taking and principal.role != Role.RISK_MANAGER:
        raise await _held_by_another(held_by, "only a risk manager may reassign it")
    return await _hand_over(application, to=assignee.id, to_email=assignee.email,
                            by=principal, action="application.assign")  # fmt: skip


async def _hand_over(
    application: LoanApplication, *, to: int, to_email: str, by: Principal, action: str
) -> LoanApplication:
    """Write the new holder only if the holder and status read are still current, with an
    audit entry in the same transaction; CONFLICT when someone got there first."""
    previous = application.assigned_to_id
    now = datetime.now(UTC)
    async with in_transaction() as conn:
        still = LoanApplication.filter(
            id=application.id, status=ApplicationStatus.MANUAL_REVIEW
        ).using_db(conn)
        still = (
            still.filter(assigned_to_id__isnull=True)
            if previous is None
            else still.filter(assigned_to_id=previous)
        )
        if await still.update(assigned_to_id=to, assigned_at=now) != 1:
            raise Conflict("the application was claimed or changed meanwhile; reload it")
        await audit.record(
            actor=f"user:{by.email}",
            action=action,
            entity_type=ENTITY,
            entity_id=application.id,
            data={"from": await _holder_email(previous), "to": to_email},
            connection=conn,
        )
    application.assigned_to_id = to
    application.assigned_at = now
    return application


def _approved() -> QuerySet[Review]:
    return Review.filter(decision=APPROVE)


def my_queue(*, principal: Principal, only_mine: bool = False) -> QuerySet[LoanApplication]:
    """Applications awaiting a first review, held by the caller or (unless `only_mine`) by
    nobody. FORBIDDEN for callers who are not bank staff."""
    principal.require_staff()
    holder = Q(assigned_to_id=principal.user_id)
    if not only_mine:
        holder |= Q(assigned_to_id__isnull=True)
    approved = Subquery(_approved().values("application_id"))
    return (
        LoanApplication.filter(status=ApplicationStatus.MANUAL_REVIEW)
        .filter(holder)
        .exclude(id__in=approved)
        .order_by("id")  # first in, first out
    )


def awaiting_second_approval(*, principal: Principal) -> QuerySet[LoanApplication]:
    """The four-eyes inbox: applications in manual review approved by someone in the other
    role, none by the caller (so never the caller's own first approval). Empty for staff
    who cannot approve."""
    principal.require_staff()
    if principal.role not in MONEY_ROLES:
        return LoanApplication.filter(id=-1)
    approved = Subquery(_approved().values("application_id"))
    mine_or_my_role = Subquery(
        Review.filter(Q(reviewer_id=principal.user_id) | Q(role=principal.role.value)).values(
            "application_id"
        )
    )
    return (
        LoanApplication.filter(status=ApplicationStatus.MANUAL_REVIEW, id__in=approved)
        .exclude(id__in=mine_or_my_role)
        .order_by("id")  # first in, first out
    )


async def page_of_queue(
    query: QuerySet[LoanApplication], *, first: int, after_id: int | None, count: bool
) -> batch.KeysetPage[LoanApplication]:
    """Up to first+1 of the queue's applications, oldest first (first in, first out)."""
    return await batch.keyset_page(query, first=first, after=after_id, count=count)


async def reviews_by_application_ids(*, ids: Iterable[int]) -> list[list[Review]]:
    """Each application's reviews with their reviewer, oldest first, in one query."""
    wanted = list(ids)
    grouped: dict[int, list[Review]] = {i: [] for i in wanted}
    rows = (
        await Review.filter(application_id__in=set(wanted))
        .select_related("reviewer")
        .order_by("at", "id")
    )
    for row in rows:
        grouped[row.application_id].append(row)
    return [grouped[i] for i in wanted]


async def users_by_ids(*, ids: Iterable[int]) -> list[User | None]:
    """Users in the order of `ids` (None where missing), in one query."""
    return await batch.by_ids(User, list(ids))


async def staff_users(*, principal: Principal, role: Role | None = None) -> list[User]:
    """The loan officers and risk managers an application can be assigned to, by email."""
    principal.require_staff()
    roles = [r for r in MONEY_ROLES if role is None or r == role]
    return list(await User.filter(role__in=roles).order_by("email"))


__all__ = [
    "QueueFacts",
    "assign_application",
    "awaiting_second_approval",
    "claim_application",
    "my_queue",
    "page_of_queue",
    "queue_facts",
    "reviews_by_application_ids",
    "staff_users",
    "users_by_ids",
]
