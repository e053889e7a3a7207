"""The data provider of the tests: it knows what the test database holds, and nothing more.

Most tests build their world straight into the database rather than through a provider. With
this provider installed (`IPCREDIT_PROVIDER_ADAPTER`, see tests/conftest.py) the stored world is
the provider's world too: the refresh at assessment finds every stored fact again and changes
nothing, while an enterprise the database does not hold stays unknown. It answers at the moment
of each call, so what a test changes in the database before an assessment is what the provider
says (a world directory written once would turn a later change back at the next refresh).

Each answer exports the database in the world format and lets a `DirectoryProvider` pick the
enterprise's rows of the named sources, so the answer has the shape of a real one.
"""

from __future__ import annotations

import tempfile
from collections.abc import Collection
from pathlib import Path
from typing import Any

from db.models.consent import DataSource
from domain.providers.base import Rows
from domain.providers.directory import DirectoryProvider
from domain.world.exporter import export_world


class StoredProvider:
    """A `DataProvider` answering from the current database."""

    name = "stored"

    async def warm(self) -> None:
        """Nothing to load: every answer is read from the database when asked."""

    async def lookup(self, uscc: str) -> dict[str, Any] | None:
        """The stored registration record, None when the database does not hold the USCC."""
        with tempfile.TemporaryDirectory(prefix="stored-world-") as root:
            return await (await _exported(Path(root))).lookup(uscc)

    async def fetch(self, uscc: str, sources: Collection[DataSource]) -> Rows:
        """What the database holds about the enterprise from the named sources; {} when it
        does not hold the enterprise."""
        with tempfile.TemporaryDirectory(prefix="stored-world-") as root:
            return await (await _exported(Path(root))).fetch(uscc, sources)


async def _exported(root: Path) -> DirectoryProvider:
    await export_world(root)
    return DirectoryProvider(root)
