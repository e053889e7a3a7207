"""Fixtures: a monitored portfolio on a fresh database."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.domain.monitoring.helpers import Portfolio, make_portfolio


@pytest.fixture
async def portfolio(db: str, data_dir: Path) -> Portfolio:
    """Borrowers, loans, pledges and users in a fresh database."""
    return await make_portfolio()
