"""Whether a stored loan contract carries the post-loan monitoring clause.

Contracts are rendered with a marker of the clause in their document metadata
(`domain.contracts.terms.MONITORING_CLAUSE_MARK`); each stored version is a new file that never
changes, so the answer is cached per file (an unreadable file is not cached: read again later).
"""

from __future__ import annotations

import asyncio
from functools import lru_cache
from pathlib import Path

from config import settings
from domain.contracts.terms import MONITORING_CLAUSE_MARK


async def has_monitoring_clause(relative_path: str) -> bool:
    """Whether the contract file at `relative_path` (under the data directory) has the clause."""
    path = str(settings().data_dir / relative_path)
    try:
        return await asyncio.to_thread(_file_has_clause, path)
    except OSError:
        return False


@lru_cache(maxsize=4096)
def _file_has_clause(path: str) -> bool:
    return MONITORING_CLAUSE_MARK.encode("ascii") in Path(path).read_bytes()
