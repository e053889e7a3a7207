"""Application actors: assessment of a submitted application.

Assessment first refreshes the applicant's outside data through the data provider; when that
fails the application waits and the scheduler queues this actor again once its retry is due
(`domain.decision.waiting`). Assessment reads graph risk from the graph model, so it imports torch: it runs on the "gnn"
queue with the other actors that do.
"""

from __future__ import annotations

from actors.broker import GNN_QUEUE, declare
from domain.messaging.topics import Topic
from domain.monitoring.urgency import urgent


async def do_assess_application(application_id: int) -> None:
    """Refresh the data and decide a submitted (or due waiting) application; safe to run twice:
    the second run does nothing."""
    from domain.decision.service import assess_application as assess

    async with urgent():  # derived work in this process waits between its chunks
        await assess(application_id=application_id)


assess_application = declare(
    do_assess_application,
    name=Topic.ASSESS_APPLICATION.value,
    queue=GNN_QUEUE,
    time_limit_ms=300_000,
)
