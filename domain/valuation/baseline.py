"""The naive valuation baseline: median transaction price by kind and IPC section."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

MIN_CELL = 5


def _keys(kind: pd.Series | None, section: pd.Series | None, n: int) -> tuple[list[str], list[str]]:
    k = ["?"] * n if kind is None else [str(v) if isinstance(v, str) else "?" for v in kind]
    s = ["?"] * n if section is None else [str(v) if isinstance(v, str) else "?" for v in section]
    return k, s


@dataclass
class Baseline:
    """Median price per (kind, section) cell with at least MIN_CELL prices, else per kind, else all."""

    by_cell: dict[str, float]
    by_kind: dict[str, float]
    overall: float

    @classmethod
    def fit(cls, kind: pd.Series | None, section: pd.Series | None, price: pd.Series) -> Baseline:
        """Medians of priced patents by kind and IPC section."""
        k, s = _keys(kind, section, len(price))
        df = pd.DataFrame({"kind": k, "section": s, "price": price.to_numpy(dtype=float)})
        cells = df.groupby(["kind", "section"])["price"].agg(["median", "size"])
        cells = cells[cells["size"] >= MIN_CELL]
        kinds = df.groupby("kind")["price"].agg(["median", "size"])
        kinds = kinds[kinds["size"] >= MIN_CELL]
        return cls(
            by_cell={
                f"{a}|{b}": float(m) for (a, b), m in zip(cells.index, cells["median"], strict=True)
            },
            by_kind={str(a): float(m) for a, m in zip(kinds.index, kinds["median"], strict=True)},
            overall=float(df["price"].median()),
        )

    def predict(self, kind: pd.Series | None, section: pd.Series | None) -> npt.NDArray[np.float64]:
        """The baseline price of each patent."""
        n = len(kind) if kind is not None else len(section) if section is not None else 0
        k, s = _keys(kind, section, n)
        return np.asarray(
            [
                self.by_cell.get(f"{a}|{b}", self.by_kind.get(a, self.overall))
                for a, b in zip(k, s, strict=True)
            ],
            dtype=float,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"by_cell": self.by_cell, "by_kind": self.by_kind, "overall": self.overall}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Baseline:
        """Inverse of `to_dict`."""
        return cls(
            by_cell={str(k): float(v) for k, v in data["by_cell"].items()},
            by_kind={str(k): float(v) for k, v in data["by_kind"].items()},
            overall=float(data["overall"]),
        )
