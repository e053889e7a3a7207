"""A live feed of one loan's postings: replay from the journal, then go live, with no gap.

Each posting that `ledger.post` writes for a loan queues an outbox message on the
`loan_posting` topic ({"loan_id", "entry_id", "kind"}); a batch (the end-of-day run) queues one
for all the loans it posted to ({"loan_ids", "business_date"}); both are published to
subscribers after commit. A notice concerning the loan makes the feed read the loan's entries
after the last one it sent, so it never depends on one notice per entry. As with the warnings
feed, the subscription to live notices starts before the replay, so a posting committed
meanwhile is in the replay or read after the next notice, never lost.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from typing import Any

from db.models import JournalEntry, Loan
from domain.accounts.principal import Principal
from domain.errors import NotFound
from domain.messaging.publisher import Publisher, SubscriptionGap, current_publisher
from domain.messaging.topics import Topic

# the outbox topic of a loan's postings (spelled as the Topic member once it is declared)
LOAN_POSTING = str(getattr(Topic, "LOAN_POSTING", "loan_posting"))
REPLAY_PAGE = 200


async def visible_loan(principal: Principal, loan_id: int) -> Loan:
    """The loan when the caller may see it; NOT_FOUND otherwise (a foreign loan reads as
    unknown)."""
    loan = await Loan.get_or_none(id=loan_id)
    if loan is None or not principal.can_see_enterprise(loan.enterprise_id):  # type: ignore[attr-defined]
        raise NotFound("no such loan", field="loanId")
    return loan


async def subscribe_loan_postings(
    *,
    principal: Principal,
    loan_id: int,
    after_id: int | None = None,
    publisher: Publisher | None = None,
) -> AsyncGenerator[JournalEntry, None]:
    """The loan's journal entries as they are posted; with `after_id`, first every entry
    posted since. NOT_FOUND when the caller may not see the loan."""
    await visible_loan(principal, loan_id)
    sub = await (publisher or current_publisher()).subscribe({LOAN_POSTING})
    try:
        last = after_id if after_id is not None else await _latest_id(loan_id)
        if after_id is not None:
            async for entry in _replay(loan_id, last):
                last = entry.id
                yield entry
        while True:
            try:
                notice = await sub.get()
            except SubscriptionGap:
                pass  # the pub/sub link was back after a drop: replay what it may have missed
            else:
                if not _concerns(notice.payload, loan_id):
                    continue
            async for entry in _replay(loan_id, last):
                last = entry.id
                yield entry
    finally:
        await sub.close()


async def _replay(loan_id: int, after_id: int) -> AsyncGenerator[JournalEntry, None]:
    """Every entry of the loan after `after_id`, in posting order, a page at a time."""
    cursor = after_id
    while True:
        rows = (
            await JournalEntry.filter(loan_id=loan_id, id__gt=cursor)
            .order_by("id")
            .limit(REPLAY_PAGE)
        )
        for entry in rows:
            yield entry
        if len(rows) < REPLAY_PAGE:
            break
        cursor = rows[-1].id


async def _latest_id(loan_id: int) -> int:
    """The loan's newest entry id now (0 when none): a feed without a cursor starts after it."""
    newest = await JournalEntry.filter(loan_id=loan_id).order_by("-id").first()
    return newest.id if newest is not None else 0


def _concerns(payload: Mapping[str, Any], loan_id: int) -> bool:
    """Whether a notice is about this loan: one posting's, or a batch's list of loans."""
    try:
        if "loan_ids" in payload:
            return loan_id in {int(i) for i in payload["loan_ids"]}
        return int(payload["loan_id"]) == loan_id
    except (KeyError, TypeError, ValueError):
        return False


__all__ = ["LOAN_POSTING", "subscribe_loan_postings", "visible_loan"]
