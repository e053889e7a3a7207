"""The indicator registry: every indicator's definition, in a stable order, and its version.

Definitions are declared next to the vectorised code that computes them (one block per
source); the registry concatenates the blocks. The version is a hash of all definitions, so a
stored snapshot records exactly which set of indicators produced it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from functools import cache

from domain.indicators import events, financial, ip, judicial, network, registration, tax
from domain.indicators.spec import CATEGORIES, SOURCES, Block, IndicatorDefinition

__all__ = [
    "BLOCKS", "CATEGORIES", "SOURCES", "IndicatorDefinition", "by_code", "codes", "definitions",
    "descriptions", "version",
]  # fmt: skip

BLOCKS: tuple[Block, ...] = (
    registration.BLOCK, judicial.BLOCK, tax.BLOCK, financial.BLOCK, ip.BLOCK, network.BLOCK,
    events.BLOCK,
)  # fmt: skip
# bump when a computation changes while the definitions stay the same
COMPUTE_REVISION = 1


@cache
def definitions() -> tuple[IndicatorDefinition, ...]:
    """All indicator definitions in registry order (codes are unique)."""
    defs = tuple(d for block in BLOCKS for d in block.definitions)
    seen: set[str] = set()
    for d in defs:
        if d.code in seen:
            raise ValueError(f"duplicate indicator code {d.code}")
        seen.add(d.code)
    return defs


def codes() -> list[str]:
    """All indicator codes in registry order."""
    return [d.code for d in definitions()]


@cache
def by_code() -> dict[str, IndicatorDefinition]:
    """Definitions keyed by code."""
    return {d.code: d for d in definitions()}


def descriptions() -> dict[str, str]:
    """Indicator code -> readable name."""
    return {d.code: d.name for d in definitions()}


@cache
def version() -> str:
    """Registry version: number of indicators and a hash of all definitions."""
    payload = json.dumps(
        {"revision": COMPUTE_REVISION, "definitions": [asdict(d) for d in definitions()]},
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )  # fmt: skip
    digest = hashlib.sha256(payload.encode()).hexdigest()[:12]
    return f"{len(definitions())}-{digest}"
