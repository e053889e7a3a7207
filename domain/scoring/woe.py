"""Weight-of-evidence binning: numeric and categorical features, each with a missing bin.

The WoE table and its convention are in `woe_table`. Two engines choose the bins: "optimal"
(the default, `woe_optimal`: optbinning's optimal binning under monotonic-trend, size and event
constraints) and "quantile" (`woe_numeric` and `woe_categorical`, merging bins greedily with
`woe_merge`; kept for comparison and for model files fitted with it). `bin_feature` picks the
numeric or categorical treatment per column and the engine by `BinningOptions.method`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from domain.scoring.woe_categorical import bin_categorical
from domain.scoring.woe_numeric import bin_numeric
from domain.scoring.woe_optimal import bin_categorical_optimal, bin_numeric_optimal
from domain.scoring.woe_table import Binning, BinningError, BinningOptions

__all__ = ["METHODS", "Binning", "BinningError", "BinningOptions", "bin_feature", "classify"]

METHODS = ("optimal", "quantile")


def classify(values: pd.Series, options: BinningOptions) -> str:
    """'numeric' or 'categorical', or raise BinningError for a column that cannot be used."""
    present = values.dropna()
    if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
        present = present[present.astype(str).str.strip() != ""]
    if present.empty:
        raise BinningError("no values")
    if pd.api.types.is_bool_dtype(values):
        kind = "categorical"
    elif pd.api.types.is_numeric_dtype(values):
        kind = "numeric"
    else:
        numeric = pd.to_numeric(present, errors="coerce")
        kind = "numeric" if numeric.notna().mean() >= options.numeric_share else "categorical"
    if kind == "numeric":
        x = pd.to_numeric(present, errors="coerce")
        x = x[np.isfinite(x.to_numpy(dtype=float))]
        if x.nunique() < 2:
            raise BinningError("constant")
        return kind
    n_unique = present.astype(str).str.strip().nunique()
    if n_unique < 2:
        raise BinningError("constant")
    if n_unique > options.max_categories and n_unique > 0.05 * len(present):
        raise BinningError(f"{n_unique} distinct text values (identifier or free text)")
    return kind


def bin_feature(
    feature: str, values: pd.Series, y: npt.ArrayLike, options: BinningOptions | None = None
) -> Binning:
    """Bin one column, choosing numeric or categorical treatment; BinningError if unusable."""
    opts = options or BinningOptions()
    if opts.method not in METHODS:
        raise ValueError(f"unknown binning method {opts.method!r} (one of {', '.join(METHODS)})")
    kind = classify(values, opts)
    if opts.method == "optimal":
        if kind == "numeric":
            return bin_numeric_optimal(feature, values, y, opts)
        return bin_categorical_optimal(feature, values, y, opts)
    if kind == "numeric":
        return bin_numeric(feature, values, y, opts)
    return bin_categorical(feature, values, y, opts)
