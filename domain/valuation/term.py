"""Statutory protection terms of Chinese patents and the remaining life they leave."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

# Patent Law art. 42: invention 20 years, utility model 10 years from filing; designs 15 years
# for applications filed from 2021-06-01 (the fourth amendment), 10 years before.
TERM_YEARS = {"invention": 20.0, "utility_model": 10.0, "design": 15.0}
DESIGN_OLD_TERM_BEFORE = pd.Timestamp("2021-06-01")
IN_FORCE = "granted"


def term_years(kind: pd.Series, filed_on: pd.Series) -> npt.NDArray[np.float64]:
    """Protection term in years per patent (NaN for an unknown kind)."""
    years = np.array(kind.map(TERM_YEARS).to_numpy(dtype=float, na_value=np.nan), dtype=float)
    old_design = (kind == "design").to_numpy() & (
        pd.to_datetime(filed_on) < DESIGN_OLD_TERM_BEFORE
    ).to_numpy()
    years[old_design] = 10.0
    return years


def remaining_life_years(
    kind: pd.Series, filed_on: pd.Series, as_of: pd.Timestamp
) -> npt.NDArray[np.float64]:
    """Years of protection left at `as_of` (0 once expired; NaN when kind or filing is unknown)."""
    filed = pd.to_datetime(filed_on)
    age = ((as_of - filed).dt.days / 365.25).to_numpy(dtype=float, na_value=np.nan)
    left = term_years(kind, filed_on) - age
    return np.where(np.isnan(left), np.nan, np.clip(left, 0.0, None))


def as_naive_utc(when: object) -> pd.Timestamp:
    """A date, datetime (aware or naive UTC) or ISO string as a naive UTC timestamp."""
    ts = pd.Timestamp(when)  # type: ignore[arg-type]
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return ts
