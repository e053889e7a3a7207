"""The application state machine: one table of events, a dry check, and a guarded apply.

An event is allowed only from the states listed for it. Applying one updates the row only if
it still has the status and version that were read (an optimistic guard), so of any number of
concurrent attempts exactly one wins; in the same transaction it writes the status history,
an audit entry and an `application_updated` outbox message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from db.models import ApplicationStatus, LoanApplication, OutboxMessage, StatusChange
from domain import audit
from domain.accounts.principal import Principal
from domain.errors import Conflict, InvalidState
from domain.messaging.topics import Topic

S = ApplicationStatus


class Event(StrEnum):
    """Things that move an application."""

    SUBMIT = "SUBMIT"
    WITHDRAW = "WITHDRAW"
    START_ASSESSMENT = "START_ASSESSMENT"
    WAIT_FOR_DATA = "WAIT_FOR_DATA"
    AUTO_APPROVE = "AUTO_APPROVE"
    AUTO_REJECT = "AUTO_REJECT"
    REFER = "REFER"
    APPROVE = "APPROVE"
    REJECT = "REJECT"
    ACCEPT_OFFER = "ACCEPT_OFFER"
    SIGN_CONTRACT = "SIGN_CONTRACT"
    DISBURSE = "DISBURSE"


@dataclass(frozen=True)
class Rule:
    """An event's allowed source states and its target state."""

    sources: frozenset[ApplicationStatus]
    target: ApplicationStatus


def _rule(sources: set[ApplicationStatus], target: ApplicationStatus) -> Rule:
    return Rule(frozenset(sources), target)


TRANSITIONS: dict[Event, Rule] = {
    Event.SUBMIT: _rule({S.DRAFT}, S.SUBMITTED),
    # the applicant may walk away until the contract is signed
    Event.WITHDRAW: _rule(
        {
            S.DRAFT,
            S.SUBMITTED,
            S.WAITING_FOR_DATA,
            S.ASSESSING,
            S.MANUAL_REVIEW,
            S.APPROVED,
            S.OFFER_ACCEPTED,
        },
        S.WITHDRAWN,
    ),
    # a retry of the data refresh starts the assessment again from the waiting state
    Event.START_ASSESSMENT: _rule({S.SUBMITTED, S.WAITING_FOR_DATA}, S.ASSESSING),
    # the outside data could not be refreshed: wait and try again later, never decide on it
    Event.WAIT_FOR_DATA: _rule({S.SUBMITTED, S.ASSESSING}, S.WAITING_FOR_DATA),
    Event.AUTO_APPROVE: _rule({S.ASSESSING}, S.APPROVED),
    Event.AUTO_REJECT: _rule({S.ASSESSING}, S.REJECTED),
    Event.REFER: _rule({S.ASSESSING}, S.MANUAL_REVIEW),
    Event.APPROVE: _rule({S.MANUAL_REVIEW}, S.APPROVED),
    Event.REJECT: _rule({S.MANUAL_REVIEW}, S.REJECTED),
    Event.ACCEPT_OFFER: _rule({S.APPROVED}, S.OFFER_ACCEPTED),
    Event.SIGN_CONTRACT: _rule({S.OFFER_ACCEPTED}, S.CONTRACT_SIGNED),
    Event.DISBURSE: _rule({S.CONTRACT_SIGNED}, S.DISBURSED),
}

FINAL_STATES = frozenset({S.REJECTED, S.WITHDRAWN, S.DISBURSED})
# states in which an application holds its pledged patents; once disbursed, the patents'
# `pledged` flag holds them until the loan is repaid
OPEN_STATES = frozenset(set(S) - FINAL_STATES)


def can_transition(status: ApplicationStatus | str, event: Event | str) -> bool:
    """True if `event` may happen to an application in `status` (changes nothing)."""
    return ApplicationStatus(status) in TRANSITIONS[Event(event)].sources


def target_of(status: ApplicationStatus | str, event: Event | str) -> ApplicationStatus:
    """The status `event` leads to from `status`, or INVALID_STATE."""
    rule = TRANSITIONS[Event(event)]
    if ApplicationStatus(status) not in rule.sources:
        raise InvalidState(
            f"cannot {Event(event).value.lower().replace('_', ' ')} an application that is "
            f"{ApplicationStatus(status).value}"
        )
    return rule.target


def allowed_events(status: ApplicationStatus | str) -> list[Event]:
    """The events possible from `status`, in table order."""
    return [e for e, rule in TRANSITIONS.items() if ApplicationStatus(status) in rule.sources]


def actor_name(by: Principal | str) -> str:
    """How a principal or a system actor is named in history and audit."""
    if isinstance(by, Principal):
        return f"user:{by.email}"
    return by


async def apply_transition(
    application: LoanApplication,
    event: Event | str,
    *,
    by: Principal | str,
    conn: BaseDBAsyncClient,
    comment: str | None = None,
    changes: dict[str, Any] | None = None,
    audit_data: dict[str, Any] | None = None,
) -> LoanApplication:
    """Move `application` by `event` inside `conn`'s transaction, with history, audit, outbox."""
    event = Event(event)
    source = ApplicationStatus(application.status)
    target = target_of(source, event)
    now = datetime.now(UTC)
    values: dict[str, Any] = dict(changes or {})
    await guarded_update(application, conn=conn, event=event, status=target, values=values)
    application.update_from_dict({**values, "status": target, "updated_at": now})
    name = actor_name(by)
    await StatusChange.create(
        application_id=application.id,
        from_status=source.value,
        to_status=target.value,
        by=name,
        comment=comment,
        at=now,
        using_db=conn,
    )
    await audit.record(
        actor=name,
        action=f"application.{event.value.lower()}",
        entity_type="loan_application",
        entity_id=application.id,
        data={"from": source.value, "to": target.value, "comment": comment, **(audit_data or {})},
        connection=conn,
    )
    await publish_update(application, conn=conn)
    return application


async def record_creation(
    application: LoanApplication, *, by: Principal | str, conn: BaseDBAsyncClient
) -> None:
    """The first history row (none -> DRAFT), audit entry and update message of a new application."""
    name = actor_name(by)
    await StatusChange.create(
        application_id=application.id,
        from_status=None,
        to_status=application.status,
        by=name,
        at=application.created_at,
        using_db=conn,
    )
    await audit.record(
        actor=name,
        action="application.create",
        entity_type="loan_application",
        entity_id=application.id,
        data={"to": ApplicationStatus(application.status).value},
        connection=conn,
    )
    await publish_update(application, conn=conn)


async def guarded_update(
    application: LoanApplication,
    *,
    conn: BaseDBAsyncClient,
    event: Event | None = None,
    status: ApplicationStatus | None = None,
    values: dict[str, Any] | None = None,
) -> None:
    """Write `values` (and `status`) only if the row still has the status and version read.

    Also used without a status change (a first review of two) so that concurrent writers of
    the same application are serialised on its version.
    """
    new_version = application.version + 1
    updates: dict[str, Any] = {**(values or {}), "version": new_version}
    if status is not None:
        updates["status"] = status
    updates["updated_at"] = datetime.now(UTC)
    count = (
        await LoanApplication.filter(
            id=application.id, status=application.status, version=application.version
        )
        .using_db(conn)
        .update(**updates)
    )
    if count == 1:
        application.version = new_version
        return
    current = await LoanApplication.filter(id=application.id).using_db(conn).first()
    if current is not None and event is not None and not can_transition(current.status, event):
        target_of(current.status, event)  # raises INVALID_STATE with the current status
    raise Conflict("the application was changed by someone else; reload and try again")


async def publish_update(application: LoanApplication, *, conn: BaseDBAsyncClient) -> None:
    """Queue an `application_updated` message for subscribers (sent after commit)."""
    await OutboxMessage.create(
        topic=Topic.APPLICATION_UPDATED,
        key=str(application.id),
        payload={
            "application_id": application.id,
            "enterprise_id": application.enterprise_id,  # type: ignore[attr-defined]
            "status": ApplicationStatus(application.status).value,
            "version": application.version,
        },
        using_db=conn,
    )
