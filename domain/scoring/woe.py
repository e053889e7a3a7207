"""Weight-of-evidence binning: numeric and categorical features, each with a missing bin.

The WoE table and its convention are in `woe_table`, the two ways of binning in `woe_numeric`
and `woe_categorical` (merging bins the same way, by `woe_merge`); `bin_feature` picks one per
column.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from domain.scoring.woe_categorical import bin_categorical
from domain.scoring.woe_numeric import bin_numeric
from domain.scoring.woe_table import Binning, BinningError, BinningOptions

__all__ = ["Binning", "BinningError", "BinningOptions", "bin_feature", "classify"]


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
    kind = classify(values, opts)
    if kind == "numeric":
        return bin_numeric(feature, values, y, opts)
    return bin_categorical(feature, values, y, opts)
