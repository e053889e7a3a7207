"""Fixtures of the world tests."""

from __future__ import annotations

import pytest

from domain.world.generator import generate_world
from tests.domain.world.generator.rows import Rows


@pytest.fixture(scope="module")
def world() -> Rows:
    """One mid-sized world with contagion on, built once per test module."""
    return generate_world(enterprises=3000, seed=11)
