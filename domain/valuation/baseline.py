"""The naive valuation baseline: median transaction price by kind and IPC section."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

MIN_CELL = 5


def ipc_section(ipc: pd.Series) -> pd.Series:
    """The IPC section letter (A-H) of each class, None when unknown."""
    first = ipc.astype("string").str.strip().str[:1].str.upper()
    return first.where(first.isin(list("ABCDEFGH"))).astype(object).where(first.notna(), None)


@dataclass
class Baseline:
    """Median price per (kind, section) cell with at least MIN_CELL prices, else per kind, else all."""

    by_cell: dict[str, float]
    by_kind: dict[str, float]
    overall: float

    @classmethod
    def fit(cls, priced: pd.DataFrame) -> Baseline:
        """Medians from priced patents (columns kind, ipc, transaction_price)."""
        df = pd.DataFrame(
            {
                "kind": priced["kind"].astype(str).to_numpy(),
                "section": ipc_section(priced["ipc"]).fillna("?").to_numpy(),
                "price": priced["transaction_price"].to_numpy(dtype=float),
            }
        )
        cells = df.groupby(["kind", "section"])["price"].agg(["median", "size"])
        cells = cells[cells["size"] >= MIN_CELL]
        kinds = df.groupby("kind")["price"].agg(["median", "size"])
        kinds = kinds[kinds["size"] >= MIN_CELL]
        return cls(
            by_cell={"|".join(map(str, key)): float(m) for key, m in cells["median"].items()},  # type: ignore[call-overload]
            by_kind={str(k): float(m) for k, m in kinds["median"].items()},
            overall=float(df["price"].median()),
        )

    def predict(self, patents: pd.DataFrame) -> npt.NDArray[np.float64]:
        """The baseline price of each patent."""
        kind = patents["kind"].astype(str).to_numpy()
        section = ipc_section(patents["ipc"]).fillna("?").to_numpy()
        out = np.empty(len(patents), dtype=float)
        for i, (k, s) in enumerate(zip(kind, section, strict=True)):
            out[i] = self.by_cell.get(f"{k}|{s}", self.by_kind.get(k, self.overall))
        return out

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
