"""Waiting for outside data: an application whose data refresh failed waits, and is retried.

A failed refresh moves the application to WAITING_FOR_DATA with the attempt counted, the
error kept and the next try due after an exponential backoff (the policy's `refresh_retry`).
`queue_due_retries`, run by the scheduler every few seconds, claims each application whose
retry is due (a guarded update, so of several schedulers one wins) and queues its assessment
again through the outbox. The assessment then starts from WAITING_FOR_DATA; after the last
allowed attempt it refers the application to a person instead of waiting again.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from db.models import ApplicationStatus, LoanApplication, OutboxMessage
from domain.errors import Conflict, InvalidState
from domain.messaging import outbox
from domain.messaging.topics import Topic
from domain.workflow import Event, apply_transition, guarded_update

# who moves an application to and from the waiting state, in its history and the audit log
WAIT_ACTOR = "system:data-refresh"
DUE_BATCH = 200


def retry_is_due(application: LoanApplication, now: datetime) -> bool:
    """Whether a waiting application may be assessed again now (claimed retries have no time)."""
    due = application.data_retry_at
    return due is None or due <= now


async def wait_for_data(
    application: LoanApplication, *, attempts: int, error: str, retry_at: datetime
) -> bool:
    """Move the application to WAITING_FOR_DATA, the `attempts`-th failed refresh recorded and
    the next due at `retry_at`; False when it was withdrawn or changed meanwhile."""
    try:
        async with in_transaction() as conn:
            await apply_transition(
                application,
                Event.WAIT_FOR_DATA,
                by=WAIT_ACTOR,
                conn=conn,
                comment=error[:2000],
                changes={"data_attempts": attempts, "data_retry_at": retry_at,
                         "data_error": error[:2000]},
                audit_data={"attempts": attempts, "retry_at": retry_at.isoformat(),
                            "error": error[:2000]},
            )  # fmt: skip
    except (Conflict, InvalidState):
        return False
    return True


async def queue_due_retries(*, now: datetime | None = None, limit: int = DUE_BATCH) -> int:
    """Queue the assessment of every waiting application whose retry is due (oldest due
    first, at most `limit`); returns how many were queued."""
    moment = now or datetime.now(UTC)
    due = (
        await LoanApplication.filter(
            status=ApplicationStatus.WAITING_FOR_DATA, data_retry_at__lte=moment
        )
        .order_by("data_retry_at", "id")
        .limit(limit)
    )
    queued = 0
    for application in due:
        try:
            async with in_transaction() as conn:
                # claimed: no longer due for another scheduler, and due for the assessment
                await guarded_update(application, conn=conn, values={"data_retry_at": None})
                await OutboxMessage.create(
                    topic=Topic.ASSESS_APPLICATION,
                    key=str(application.id),
                    payload={"application_id": application.id, "request_id": None,
                             "attempt": application.data_attempts + 1},
                    using_db=conn,
                )  # fmt: skip
        except Conflict:
            continue  # another scheduler claimed it, or the applicant withdrew
        queued += 1
    if queued:
        outbox.notify()
    return queued
