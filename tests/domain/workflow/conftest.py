"""Fixtures: the shared lending world."""

from tests.domain.lending_fixtures import world

__all__ = ["world"]
