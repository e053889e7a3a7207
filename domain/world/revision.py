"""The world's revision, and relation fingerprints for rows stored before they existed.

Caches of world-wide reads (`domain.indicators.slice`) assume rows are only ever added, which
their largest ids tell; an import that updates rows in place bumps the revision, in its own
transaction, so that every process sees the change once it commits.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from db.bulk import BulkWriter
from domain.world.rows import fingerprint

BACKFILL_BATCH = 10_000


async def bump_revision(bulk: BulkWriter) -> None:
    """Add one to the world's revision (creating its row the first time)."""
    mark = "$1" if bulk.postgres else "?"
    await bulk.fetch(
        "INSERT INTO world_revision (id, revision, changed_at) "
        f"VALUES (1, 1, {mark}) ON CONFLICT (id) DO UPDATE "
        "SET revision = world_revision.revision + 1, changed_at = excluded.changed_at",
        [datetime.now(UTC)],
    )


async def backfill_fingerprints(bulk: BulkWriter) -> int:
    """Give stored relations without a fingerprint the fingerprint of their fact (rows loaded
    before facts were fingerprinted); returns how many were filled."""
    done = 0
    while True:
        found = await bulk.fetch(
            "SELECT id, kind, src, dst, role, since, amount, ratio, extra FROM relation "
            f"WHERE fingerprint IS NULL ORDER BY id LIMIT {BACKFILL_BATCH}"
        )
        if not found:
            return done
        updates = []
        for row_id, kind, src, dst, role, since, amount, ratio, extra in found:
            facts = json.loads(extra) if isinstance(extra, str | bytes) else extra
            print_ = fingerprint(kind, src, dst, role, since, amount, ratio, facts)
            updates.append((print_, row_id))
        await bulk.update_rows("relation", ("fingerprint",), updates)
        done += len(updates)
