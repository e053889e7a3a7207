"""Fixtures: a monitored portfolio on a fresh database, and an in-process publisher."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from domain.messaging import publisher as pub
from tests.domain.monitoring.helpers import Portfolio, make_portfolio


@pytest.fixture
async def portfolio(db: str, data_dir: Path) -> Portfolio:
    """Borrowers, loans, pledges and users in a fresh database."""
    return await make_portfolio()


@pytest.fixture
async def hub() -> AsyncIterator[pub.InProcessPublisher]:
    """A private in-process publisher used by feeds on this loop."""
    publisher = pub.InProcessPublisher()
    pub.set_publisher(publisher)
    yield publisher
    pub.set_publisher(None)
    await publisher.close()
