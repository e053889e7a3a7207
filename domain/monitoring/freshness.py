"""Which borrowers a sweep must compute again: those with new facts since their snapshot.

A firm's indicators change when facts about it change. Imports ask for the snapshots of the
enterprises they changed to be recomputed (`domain.indicators.refresh.queue_refresh`) and a
submitted application refreshes its applicant's; what reaches a borrower between those is an
event (an ingested signal, a provider poll, an imported event line). So a borrower needs a
new snapshot when it has none, when its latest was computed under another indicator registry,
or when an event about it was received after its latest was stored. Everyone else keeps the
snapshot (and the score) it has: a sweep over an untouched portfolio computes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from tortoise.functions import Max

from db.models import Event
from domain.indicators.reads import latest_snapshots
from domain.indicators.registry import version as registry_version

CHUNK = 500  # keys per IN (...) clause


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


async def firms_with_new_facts(firms: Sequence[tuple[int, str]]) -> set[int]:
    """The enterprise ids among (id, uscc) pairs whose snapshot is missing, of another registry
    version, or older than the latest event received about them."""
    ids = [i for i, _ in firms]
    version = registry_version()
    stored_at: dict[str, datetime] = {}
    stale: set[int] = set()
    for (enterprise_id, uscc), snap in zip(firms, await latest_snapshots(ids), strict=True):
        if snap is None or snap.registry_version != version:
            stale.add(enterprise_id)
        else:
            stored_at[uscc] = _utc(snap.created_at)
    by_uscc = {uscc: enterprise_id for enterprise_id, uscc in firms}
    usccs = sorted(stored_at)
    for start in range(0, len(usccs), CHUNK):
        rows = (
            await Event.filter(uscc__in=usccs[start : start + CHUNK])
            .annotate(last=Max("received_at"))
            .group_by("uscc")
            .values("uscc", "last")
        )
        for row in rows:
            last = row["last"]
            if isinstance(last, str):  # SQLite answers an aggregate of datetimes as text
                last = datetime.fromisoformat(last)
            if last is not None and _utc(last) > stored_at[str(row["uscc"])]:
                stale.add(by_uscc[str(row["uscc"])])
    return stale
