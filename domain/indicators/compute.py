"""Compute every registered indicator for many firms at once, as of a date (pure core)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from db.frames import WorldFrames
from db.neighbourhood import NeighbourhoodFrames
from domain.indicators.common import as_of_ts
from domain.indicators.context import Context
from domain.indicators.registry import BLOCKS, codes


class IndicatorBlockError(RuntimeError):
    """A block did not produce exactly the indicators it declares (a programming error)."""


def compute_indicators(
    frames: WorldFrames, as_of: Any, usccs: Sequence[str] | None = None
) -> pd.DataFrame:
    """Indicators of `usccs` (default: every enterprise) as of `as_of`, from facts known then.

    A neighbourhood slice (`domain.indicators.slice`) serves the firms it was read for only
    (default: those), as of the date it was read for.

    Returns a float64 frame indexed by uscc (in the order given), one column per registered
    indicator in registry order, NaN where an indicator cannot be computed.
    """
    t = as_of_ts(as_of)
    if usccs is None and isinstance(frames, NeighbourhoodFrames):
        usccs = frames.firms
    if usccs is None:
        ids = frames.enterprises["uscc"].dropna().astype(str).unique()
    else:
        ids = np.asarray([str(u) for u in usccs], dtype=object)
    if isinstance(frames, NeighbourhoodFrames):
        outside = set(ids) - set(frames.firms)
        if outside:
            raise ValueError(f"not read with this neighbourhood: {sorted(outside)[:5]}")
    index = pd.Index(ids, name="uscc", dtype=object)
    lookup = index.drop_duplicates()
    ctx = Context(frames, t, lookup)
    columns: dict[str, np.ndarray] = {}
    for block in BLOCKS:
        produced = block.compute(ctx)
        declared = [d.code for d in block.definitions]
        missing = set(declared) - set(produced)
        extra = set(produced) - set(declared)
        if missing or extra:
            raise IndicatorBlockError(
                f"block {block.name}: missing {sorted(missing)[:5]}, undeclared {sorted(extra)[:5]}"
            )
        for code in declared:
            col = np.asarray(produced[code], dtype=np.float64)
            if col.shape != (len(lookup),):
                raise IndicatorBlockError(f"{code}: shape {col.shape}, expected ({len(lookup)},)")
            columns[code] = col
    # one 2-d array: a frame built from a dict of hundreds of columns costs more than the
    # values of one firm
    table = np.empty((len(lookup), len(columns)), dtype=np.float64)
    for j, code in enumerate(codes()):
        table[:, j] = columns[code]
    out = pd.DataFrame(table, index=lookup, columns=codes())
    if len(lookup) != len(index):
        out = out.reindex(index)
    return out
