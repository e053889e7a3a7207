"""Synthetic patents run through the real quality indicators, priced by known drivers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from db.frames import WorldFrames
from domain.indicators.patent_quality import patent_quality

KIND_EFFECT = {"invention": 1.0, "utility_model": 0.0, "design": -0.5}
AS_OF = pd.Timestamp("2025-01-01")


def synthetic(n: int = 1600, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """(quality table as of AS_OF, transaction prices by number with 60 % missing)."""
    rng = np.random.default_rng(seed)
    kind = rng.choice(list(KIND_EFFECT), n, p=[0.5, 0.35, 0.15])
    filed = pd.Timestamp("2012-01-01") + pd.to_timedelta(rng.integers(0, 4200, n), unit="D")
    granted = filed + pd.Timedelta(days=700)
    numbers = [f"CN{i:09d}B" for i in range(n)]
    patents = pd.DataFrame(
        {
            "number": numbers,
            "owner": "91340100MA2XXXXX0X",
            "title": "t",
            "ipc": [f"{s}06N3/08" for s in rng.choice(list("ABCDEFGH"), n)],
            "kind": kind,
            "filed_on": filed,
            "granted_on": granted.where(granted <= AS_OF),
            "status": np.where(granted <= AS_OF, "granted", "pending"),
            "claims": rng.integers(1, 30, n),
            "independent_claims": rng.integers(1, 4, n),
            "inventors": rng.integers(1, 6, n),
            "family_size": rng.integers(1, 6, n),
            "transfers": 0,
            "licenses": 0,
            "pledged": False,
            "annuity_paid_through": pd.Timestamp("2026-01-01"),
        }
    )
    cited = rng.integers(0, n, 4 * n)
    citing = rng.integers(0, n, 4 * n)
    citations = pd.DataFrame(
        {"citing": [numbers[i] for i in citing], "cited": [numbers[i] for i in cited]}
    )
    frames = WorldFrames.from_tables({"patents": patents, "citations": citations})
    quality = patent_quality(frames, AS_OF)
    log_price = (
        11 + 0.05 * quality["claims"] + 0.3 * np.log1p(quality["forward_citations"])
        + 0.2 * quality["family_size"] + quality["kind"].map(KIND_EFFECT)
        + rng.normal(0, 0.4, len(quality))
    )  # fmt: skip
    prices = pd.Series(
        np.where(rng.random(len(quality)) < 0.4, np.exp(log_price), np.nan), index=quality.index
    )
    return quality, prices
