"""Tiny hand-made worlds for indicator tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from db.frames import WorldFrames
from domain.indicators.compute import compute_indicators

AS_OF = pd.Timestamp("2024-06-30")


def day(offset: int) -> str:
    """The ISO date `offset` days after AS_OF (negative: before)."""
    return (AS_OF + pd.Timedelta(days=offset)).date().isoformat()


def firm(uscc: str, **extra: Any) -> dict[str, Any]:
    """An enterprise row with plain defaults."""
    row: dict[str, Any] = {
        "uscc": uscc, "name": uscc, "founded_on": "2015-01-01", "registered_capital": 1e7,
        "industry": "C39", "region": "340104", "employees": 50, "high_tech": False,
        "srdi": False, "status": "active",
    }  # fmt: skip
    row.update(extra)
    return row


def frames(**tables: list[dict[str, Any]]) -> WorldFrames:
    """Frames from lists of rows, by frame name."""
    return WorldFrames.from_tables({k: pd.DataFrame(v) for k, v in tables.items()})


def values(world: WorldFrames, as_of: pd.Timestamp = AS_OF) -> pd.DataFrame:
    """Every indicator of every firm of `world`."""
    return compute_indicators(world, as_of)


def value(df: pd.DataFrame, uscc: str, code: str) -> float:
    """One indicator value as a float."""
    return float(df[code].to_numpy(np.float64)[df.index.get_loc(uscc)])
