"""A synthetic priced-patent table whose log price follows known drivers."""

from __future__ import annotations

import numpy as np
import pandas as pd

KIND_EFFECT = {"invention": 1.0, "utility_model": 0.0, "design": -0.5}


def synthetic(n: int = 1600, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Patents frame and quality table where ln(price) depends on claims, citations, family."""
    rng = np.random.default_rng(seed)
    kind = rng.choice(list(KIND_EFFECT), n, p=[0.5, 0.35, 0.15])
    claims = rng.integers(1, 30, n)
    cites = rng.poisson(3, n)
    family = rng.integers(1, 6, n)
    filed = pd.Timestamp("2012-01-01") + pd.to_timedelta(rng.integers(0, 4000, n), unit="D")
    log_price = (
        11 + 0.05 * claims + 0.3 * np.log1p(cites) + 0.2 * family
        + pd.Series(kind).map(KIND_EFFECT).to_numpy() + rng.normal(0, 0.4, n)
    )  # fmt: skip
    numbers = [f"CN{i:09d}B" for i in range(n)]
    patents = pd.DataFrame(
        {
            "number": numbers,
            "owner": "91340100MA2XXXXX0X",
            "kind": kind,
            "ipc": [f"{s}06N3/08" for s in rng.choice(list("ABCDEFGH"), n)],
            "status": "granted",
            "filed_on": filed,
            "pledged": False,
            "annuity_paid_through": pd.Timestamp("2026-01-01"),
            "transaction_price": np.where(rng.random(n) < 0.4, np.exp(log_price), np.nan),
        }
    )
    quality = pd.DataFrame(
        {"claims": claims, "forward_citations": cites, "family_size": family,
         "age_years": (pd.Timestamp("2025-01-01") - filed).days / 365.25},
        index=pd.Index(numbers, name="number"),
    )  # fmt: skip
    return patents, quality
