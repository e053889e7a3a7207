"""Grouped sums over a handful of rows, exactly as pandas' groupby adds them.

Indicators computed for one firm group frames of a few rows, where each pandas groupby costs
far more than the arithmetic. These helpers give the same floats without pandas. pandas (3.x)
adds the values of each group with `np.add.reduceat` when the group ids of the rows are sorted
and no value is missing, and with compensated (Kahan) summation skipping missing values
otherwise; the ids number the groups in sorted key order. The helpers follow both ways
(`tests/domain/indicators/test_small.py` checks them against pandas on random inputs).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SMALL = 1_000  # rows up to which a block computes one firm's indicators the plain way


def one_firm_path(firms: int, rows: int, scale: int = 1) -> bool:
    """Whether a block computes for `firms` firms over `rows` rows (of a kind it has `scale`
    times as many of) the plain way rather than grouped: for one firm with few rows."""
    return firms == 1 and rows <= SMALL * scale


def _kahan(values: Sequence[float]) -> float:
    total = 0.0
    carry = 0.0
    for v in values:
        if v != v:  # NaN
            continue
        y = v - carry
        t = total + y
        carry = t - total - y
        if carry != carry:  # an infinite value: keep it rather than NaN
            carry = 0.0
        total = t
    return total


def _segment(values: Sequence[float]) -> float:
    # the very call pandas makes for sorted groups without missing values
    return float(np.add.reduceat(np.asarray(values, dtype=np.float64), [0])[0])


def group_sums(keys: Sequence[str], values: Sequence[float]) -> dict[str, float]:
    """{key: sum of its values} as `pd.Series(values).groupby(keys).sum()` gives it (keys
    sortable, none missing)."""
    rank = {k: i for i, k in enumerate(sorted(set(keys)))}
    ids = [rank[k] for k in keys]
    sequential = all(a <= b for a, b in zip(ids, ids[1:], strict=False)) and not any(
        v != v for v in values
    )
    rows: dict[str, list[float]] = {}
    for k, v in zip(keys, values, strict=True):
        rows.setdefault(k, []).append(v)
    add = _segment if sequential else _kahan
    return {k: add(vs) for k, vs in rows.items()}


def one_group_sum(values: Sequence[float]) -> float:
    """The sum pandas' groupby gives for one group holding every one of `values` (0 if empty)."""
    if not values:
        return 0.0
    return _kahan(values) if any(v != v for v in values) else _segment(values)


def one_group_mean(values: Sequence[float]) -> float:
    """The mean pandas' groupby gives for one group holding every one of `values`."""
    known = sum(1 for v in values if v == v)
    return one_group_sum(values) / known if known else float("nan")
