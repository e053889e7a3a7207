"""The order of the generator's stages and its entry points: a world in memory or on disk.

Stages, each with its own random stream: enterprises -> networks -> defaults (own hazard and
contagion) -> lifecycle -> people -> patents -> patent status -> litigation -> financials and tax
-> overdue payments -> events and outcomes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import numpy as np

from domain.errors import InvalidInput
from domain.world.generator.defaults import outcome_table, simulate_defaults
from domain.world.generator.enterprises import enterprise_table, make_firms
from domain.world.generator.events import EventBatch, event_table
from domain.world.generator.financials import financial_decline_events, financial_table, make_books
from domain.world.generator.lifecycle import lifecycle_events, make_lifecycle
from domain.world.generator.litigation import litigation_events, litigation_table, make_cases
from domain.world.generator.networks import make_network
from domain.world.generator.overdue import overdue_events
from domain.world.generator.patent_status import (
    citation_table,
    finish_patents,
    patent_events,
    patent_table,
    settle_patents,
)
from domain.world.generator.patents import make_patents
from domain.world.generator.people import make_people, person_table, relation_table
from domain.world.generator.tables import Table, WorldRows, encode_lines, table_rows, write_rows
from domain.world.generator.tax import make_tax, tax_arrears_events
from domain.world.generator.timeline import Ctx

DEFAULT_CONTAGION = 1.0
DEFAULT_START = date(2024, 1, 1)
DEFAULT_MONTHS = 24
MAX_MONTHS = 120
FILES = (
    "enterprises", "persons", "relations", "patents", "patent_citations", "litigations",
    "tax", "financials", "events", "outcomes",
)  # fmt: skip


def _check(enterprises: int, seed: int, contagion: float, months: int) -> None:
    if enterprises < 3:
        raise InvalidInput("a world needs at least 3 enterprises", field="enterprises")
    if seed < 0:
        raise InvalidInput("the seed must be a non-negative integer", field="seed")
    if not np.isfinite(contagion) or contagion < 0:
        raise InvalidInput("contagion must be a finite number >= 0", field="contagion")
    if not 1 <= months <= MAX_MONTHS:
        raise InvalidInput(f"months must be between 1 and {MAX_MONTHS}", field="months")


def generate_tables(
    *,
    enterprises: int,
    seed: int,
    contagion: float = DEFAULT_CONTAGION,
    start: date = DEFAULT_START,
    months: int = DEFAULT_MONTHS,
) -> Iterator[tuple[str, Table]]:
    """Each world file as a columnar table, one at a time (in FILES order but for enterprises,
    which comes once certifications are settled). Arguments are checked before anything runs."""
    _check(enterprises, seed, contagion, months)
    ctx = Ctx(seed=seed, start=start, months=months, contagion=float(contagion))
    return _stages(ctx, enterprises)


def _stages(ctx: Ctx, enterprises: int) -> Iterator[tuple[str, Table]]:
    firms = make_firms(ctx, enterprises)
    net = make_network(ctx, firms)
    defaults = simulate_defaults(ctx, firms, net)
    life = make_lifecycle(ctx, firms, defaults)
    batches: list[EventBatch] = lifecycle_events(firms, life)

    people, people_events = make_people(ctx, firms, net, defaults)
    batches += people_events
    yield "persons", person_table(people)
    yield "relations", relation_table(ctx, firms, net, people)
    del people

    pats = make_patents(ctx, firms, defaults)
    settle_patents(ctx, firms, defaults, pats)
    cases = make_cases(ctx, firms, net, defaults, pats)
    finish_patents(ctx, firms, pats)
    batches += patent_events(ctx, firms, pats)
    batches += litigation_events(ctx, firms, defaults, cases)
    # A high-tech certificate needs core IP: firms without a granted patent before S lose it.
    has_ip = np.bincount(pats.owner[pats.granted < 0], minlength=firms.n) > 0
    firms.high_tech &= has_ip
    yield "patents", patent_table(ctx, firms, pats)
    yield "patent_citations", citation_table(pats)
    yield "litigations", litigation_table(ctx, firms, pats, cases)
    del pats, cases

    books = make_books(ctx, firms, defaults, life)
    tax, tax_events = make_tax(ctx, firms, defaults, books)
    batches += tax_events + financial_decline_events(ctx, books)
    batches += tax_arrears_events(ctx, firms, defaults)
    yield "tax", tax
    yield "financials", financial_table(ctx, firms, books)
    del books, tax

    batches += overdue_events(ctx, firms, defaults)
    yield "enterprises", enterprise_table(ctx, firms, life.status)
    yield "events", event_table(ctx, firms, batches)
    yield "outcomes", outcome_table(ctx, firms, defaults)


def generate_world(
    *,
    enterprises: int,
    seed: int,
    contagion: float = DEFAULT_CONTAGION,
    start: date = DEFAULT_START,
    months: int = DEFAULT_MONTHS,
) -> WorldRows:
    """A whole world in memory as rows (for tests and small worlds)."""
    tables = generate_tables(
        enterprises=enterprises, seed=seed, contagion=contagion, start=start, months=months
    )
    rows = {name: table_rows(tab) for name, tab in tables}
    return {name: rows[name] for name in FILES}


def write_world(rows: WorldRows, out_dir: Path) -> dict[str, int]:
    """Write world rows as JSON Lines files; returns rows per file."""
    return write_rows({name: rows[name] for name in FILES if name in rows}, Path(out_dir))


def generate_to_dir(
    *,
    out_dir: Path,
    enterprises: int,
    seed: int,
    contagion: float = DEFAULT_CONTAGION,
    start: date = DEFAULT_START,
    months: int = DEFAULT_MONTHS,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Generate a world straight into `out_dir`, writing each file as soon as it is ready.

    Files are written under temporary names and renamed at the end, so a directory never holds
    a half-written world. Returns rows per file.
    """
    tables = generate_tables(
        enterprises=enterprises, seed=seed, contagion=contagion, start=start, months=months
    )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    try:
        for name, tab in tables:
            tmp = out / f".{name}.jsonl.part"
            counts[name] = 0
            with tmp.open("w", encoding="utf-8", newline="\n") as fh:
                for text in encode_lines(tab):
                    fh.write(text)
            counts[name] = len(tab)
            if progress is not None:
                progress(name, len(tab))
    except BaseException:
        for name in counts:
            (out / f".{name}.jsonl.part").unlink(missing_ok=True)
        raise
    for name in counts:
        (out / f".{name}.jsonl.part").replace(out / f"{name}.jsonl")
    return {name: counts[name] for name in FILES}
