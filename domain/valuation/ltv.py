"""Loan-to-value rates for patent pledges, by kind and remaining life, read from a JSON table."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from domain.errors import InvalidInput

DEFAULT_LTV = Path(__file__).with_name("ltv.json")
ENV_PATH = "IPCREDIT_LTV_PATH"


@dataclass(frozen=True)
class LtvTable:
    """Per kind, (min remaining years, rate) bands from the longest life down."""

    bands: Mapping[str, tuple[tuple[float, float], ...]]
    version: str

    def rate(self, kind: str, remaining_years: float) -> float:
        """The rate for one patent (0 for an unknown kind or too short a life)."""
        for min_years, rate in self.bands.get(kind, ()):
            if remaining_years >= min_years:
                return rate
        return 0.0

    def rates(self, kind: pd.Series, remaining_years: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Vectorised `rate`; a NaN remaining life gives 0."""
        left = np.asarray(remaining_years, dtype=float)
        kinds = kind.to_numpy()
        out = np.zeros(left.shape, dtype=float)
        for k, bands in self.bands.items():
            is_kind = kinds == k
            # walk from the shortest band up so the longest matching band wins
            for min_years, rate in reversed(bands):
                out[is_kind & (left >= min_years)] = rate
        return out


def parse_ltv(data: object) -> LtvTable:
    """Validate a parsed LTV document."""
    if not isinstance(data, Mapping) or not isinstance(data.get("rates"), Mapping):
        raise InvalidInput('an LTV table is an object with a "rates" object by patent kind')
    bands: dict[str, tuple[tuple[float, float], ...]] = {}
    for kind, rows in data["rates"].items():
        if not isinstance(rows, list):
            raise InvalidInput(f"LTV rates of {kind} must be a list")
        parsed = []
        for row in rows:
            try:
                years, rate = float(row["min_remaining_years"]), float(row["rate"])
            except (KeyError, TypeError, ValueError) as exc:
                raise InvalidInput(f"LTV band of {kind} is malformed: {row!r}") from exc
            if not 0.0 <= rate <= 1.0 or years < 0:
                raise InvalidInput(f"LTV band of {kind} out of range: {row!r}")
            parsed.append((years, rate))
        bands[str(kind)] = tuple(sorted(parsed, reverse=True))
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return LtvTable(bands, "ltv-" + hashlib.sha256(canonical.encode()).hexdigest()[:12])


def load_ltv(path: Path | None = None) -> LtvTable:
    """Read the LTV table: `path`, else $IPCREDIT_LTV_PATH, else the shipped ltv.json."""
    p = path or (Path(os.environ[ENV_PATH]) if os.environ.get(ENV_PATH) else DEFAULT_LTV)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"cannot read LTV table {p}: {exc}") from exc
    return parse_ltv(data)
