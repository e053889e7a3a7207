"""Fixtures shared by the domain tests: the lending world (a module may define its own `world`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.domain.lending_fixtures import LendingWorld, make_lending_world


@pytest.fixture
async def world(db: str, data_dir: Path) -> LendingWorld:
    """A fresh database holding the lending world."""
    return await make_lending_world()
