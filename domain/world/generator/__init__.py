"""The synthetic world generator: a seeded, documented process (docs/world.md) that writes the
world format. Same arguments, same bytes.

One module per thing the generator makes (enterprises, networks, defaults, lifecycle, people,
patents, patent_status, suits, litigation, financials, tax, overdue, events), on top of the
timeline and its random streams (timeline), array helpers (arrays), reference data (reference)
and the columnar tables with their JSON Lines encoding (tables); pipeline runs the stages.
"""

from domain.world.generator.pipeline import (
    DEFAULT_CONTAGION,
    DEFAULT_MONTHS,
    DEFAULT_START,
    FILES,
    MAX_MONTHS,
    WorldRows,
    generate_tables,
    generate_to_dir,
    generate_world,
    write_world,
)

__all__ = [
    "DEFAULT_CONTAGION", "DEFAULT_MONTHS", "DEFAULT_START", "FILES", "MAX_MONTHS", "WorldRows",
    "generate_tables", "generate_to_dir", "generate_world", "write_world",
]  # fmt: skip
