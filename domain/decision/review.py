"""Manual review of referred applications, with four eyes above the policy's amount."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from db.models import ApplicationStatus, LoanApplication, Review, Role
from domain import audit
from domain.accounts.principal import Principal
from domain.applications.service import get_application_or_raise
from domain.decision.policy import CURRENT_VERSION, Policy, load_policy
from domain.errors import Duplicate, InvalidInput, InvalidState
from domain.lending.duties import Duty, require_money_role
from domain.workflow import Event, apply_transition, guarded_update, publish_update

# above the four-eyes amount both of these must approve, as two different people
FOUR_EYES_ROLES = frozenset({Role.LOAN_OFFICER.value, Role.RISK_MANAGER.value})
MAX_COMMENT = 2000


class ReviewDecision(StrEnum):
    """A reviewer's verdict."""

    APPROVE = "APPROVE"
    REJECT = "REJECT"


def decision_policy(record: dict[str, Any]) -> Policy:
    """The policy the application was decided under (the current one if the record names none)."""
    return load_policy(record.get("policy_version") or CURRENT_VERSION)


def four_eyes_amount(policy: Policy | None = None) -> Decimal:
    """Offers above this need a risk manager's approval besides a loan officer's."""
    return (policy or load_policy()).approvals.four_eyes_above


def approvals_complete(amount: Decimal, approver_roles: list[str], threshold: Decimal) -> bool:
    """True once the approvals so far suffice for an offer of `amount` (pure)."""
    if not approver_roles:
        return False
    if amount <= threshold:
        return True
    return FOUR_EYES_ROLES <= set(approver_roles)


async def review_application(
    *,
    principal: Principal,
    application_id: int,
    decision: ReviewDecision | str,
    comment: str,
) -> LoanApplication:
    """Record a staff review; reject at once, approve when enough distinct people agree."""
    require_money_role(principal, Duty.APPROVE)
    verdict = ReviewDecision(decision)
    comment = _checked_comment(comment)
    application = await get_application_or_raise(principal=principal, application_id=application_id)
    if application.status != ApplicationStatus.MANUAL_REVIEW:
        raise InvalidState(f"the application is {application.status}, not in manual review")
    record: dict[str, Any] = dict(application.decision or {})
    amount = Decimal(record.get("approved_amount") or application.amount)
    threshold = four_eyes_amount(decision_policy(record))
    now = datetime.now(UTC)
    try:
        async with in_transaction() as conn:
            prior = await _add_review(application, principal, verdict, comment, now, conn=conn)
            reviews = [*prior, Review(role=principal.role.value, decision=verdict.value)]
            approvers = [r.role for r in reviews if r.decision == ReviewDecision.APPROVE]
            event = _event_for(verdict, approvers, amount, threshold)
            if event is None:
                await _await_approvals(application, principal, verdict, comment, approvers, conn)
                return application
            final = _final_record(record, prior, principal, verdict, comment, now)
            if event is Event.APPROVE:
                guarantee = await _guarantee_on_approval(application, amount, conn=conn)
                if guarantee is not None:
                    final["guarantee"] = guarantee
            await apply_transition(
                application,
                event,
                by=principal,
                conn=conn,
                comment=comment,
                changes={"decision": final, "decided_at": now},
            )
    except IntegrityError:
        # the unique (application, reviewer) index caught a concurrent second review
        raise Duplicate("you have already reviewed this application") from None
    return application


def _checked_comment(comment: str) -> str:
    """The stripped comment, or INVALID_INPUT when it is empty or too long."""
    comment = comment.strip()
    if not comment:
        raise InvalidInput("a review needs a comment", field="comment")
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(f"comment is longer than {MAX_COMMENT} characters", field="comment")
    return comment


async def _add_review(
    application: LoanApplication,
    principal: Principal,
    verdict: ReviewDecision,
    comment: str,
    now: datetime,
    *,
    conn: BaseDBAsyncClient,
) -> list[Review]:
    """Store the caller's review; the reviews before it, or DUPLICATE if the caller has one."""
    prior = (
        await Review.filter(application_id=application.id)
        .using_db(conn)
        .select_related("reviewer")
        .order_by("id")
    )
    if any(r.reviewer_id == principal.user_id for r in prior):  # type: ignore[attr-defined]
        raise Duplicate("you have already reviewed this application")
    await Review.create(
        application_id=application.id,
        reviewer_id=principal.user_id,
        role=principal.role.value,
        decision=verdict.value,
        comment=comment,
        at=now,
        using_db=conn,
    )
    return list(prior)


def _event_for(
    verdict: ReviewDecision, approvers: list[str], amount: Decimal, threshold: Decimal
) -> Event | None:
    """REJECT, APPROVE once the approvals suffice, or None while more are needed."""
    if verdict is ReviewDecision.REJECT:
        return Event.REJECT
    if approvals_complete(amount, approvers, threshold):
        return Event.APPROVE
    return None


async def _await_approvals(
    application: LoanApplication,
    principal: Principal,
    verdict: ReviewDecision,
    comment: str,
    approvers: list[str],
    conn: BaseDBAsyncClient,
) -> None:
    """An approval that is not yet enough: bump the version, audit it, announce the change."""
    await guarded_update(application, conn=conn)
    await audit.record(
        actor=f"user:{principal.email}",
        action="application.review",
        entity_type="loan_application",
        entity_id=application.id,
        data={
            "decision": verdict.value,
            "comment": comment,
            "awaiting": sorted(FOUR_EYES_ROLES - set(approvers)),
        },
        connection=conn,
    )
    await publish_update(application, conn=conn)


async def _guarantee_on_approval(
    application: LoanApplication,
    amount: Decimal,
    *,
    conn: BaseDBAsyncClient,
) -> dict[str, Any] | None:
    """The guarantee of the product's programme, recorded on approval; None without one.
    INVALID_STATE (nothing written) when the applicant or amount is outside the programme's
    eligibility rules: the programme would not guarantee it."""
    from domain.credit.guarantees import check_on_approval, ineligible, record_on_approval

    check = await check_on_approval(application, amount, conn=conn)
    if check is None:
        return None
    if not check.eligible:
        raise ineligible(check)
    return await record_on_approval(application, check, conn=conn)


def _final_record(
    record: dict[str, Any],
    prior: list[Review],
    principal: Principal,
    verdict: ReviewDecision,
    comment: str,
    now: datetime,
) -> dict[str, Any]:
    """The decision record after a final manual verdict, keeping the model's proposal."""
    approved = verdict is ReviewDecision.APPROVE
    deciders = [f"user:{r.reviewer.email}" for r in prior if approved and r.decision == verdict]
    deciders.append(f"user:{principal.email}")
    final = dict(record)
    final["model"] = {
        key: record.get(key)
        for key in ("outcome", "approved_amount", "annual_rate", "decided_by", "decided_at")
    }
    final["outcome"] = "APPROVED" if approved else "REJECTED"
    if not approved:
        final["approved_amount"] = None
        final["annual_rate"] = None
    code = "MANUAL_APPROVED" if approved else "MANUAL_REJECTED"
    final["reasons"] = [
        {"code": code, "description": comment, "weight": 1.0},
        *record.get("reasons", []),
    ]
    final["reviews"] = [
        {
            "by": f"user:{r.reviewer.email}",
            "role": r.role,
            "decision": r.decision,
            "comment": r.comment,
            "at": r.at.isoformat(),
        }
        for r in prior
    ] + [
        {
            "by": f"user:{principal.email}",
            "role": principal.role.value,
            "decision": verdict.value,
            "comment": comment,
            "at": now.isoformat(),
        }
    ]
    final["decided_by"] = ",".join(deciders)[:254]
    final["decided_at"] = now.isoformat()
    return final
