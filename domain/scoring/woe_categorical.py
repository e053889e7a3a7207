"""Categorical binning: one bin per frequent category, rare and unseen ones sharing a bin."""

from __future__ import annotations

from functools import partial

import numpy as np
import numpy.typing as npt
import pandas as pd

from domain.scoring.woe_merge import merge_closest_pairs, merge_into_closer
from domain.scoring.woe_table import (
    OTHER,
    Binning,
    BinningError,
    BinningOptions,
    bad_rates,
    finish_binning,
)


def bin_categorical(
    feature: str, values: pd.Series, y: npt.ArrayLike, options: BinningOptions
) -> Binning:
    """One bin per frequent category, rare ones grouped; bins merged by bad rate until each is
    big enough (share and events) and there are at most max_bins."""
    yy = np.asarray(y, dtype=np.int64)
    as_str = values.astype(str).str.strip()
    missing = (values.isna() | (as_str == "")).to_numpy()
    cats = as_str[~missing]
    ys = yy[~missing]
    if cats.nunique() < 2:
        raise BinningError("constant")
    groups, counts, bads = _category_bins(cats, ys, options.rare_share * len(values))
    min_count = options.min_bin_share * len(values)
    _merge_small_bins(groups, counts, bads, min_count, options)
    other_bin = _drop_empty_other(groups, counts, bads)
    return finish_binning(
        feature, "categorical", counts, bads, yy[missing], min_count,
        groups=groups, other_bin=other_bin,
    )  # fmt: skip


def _category_bins(
    cats: pd.Series, ys: npt.NDArray[np.int64], rare_cut: float
) -> tuple[list[list[str]], list[int], list[int]]:
    """A bin per category seen at least `rare_cut` times plus the other bin, by bad rate."""
    stats = pd.DataFrame({"cat": cats.to_numpy(), "y": ys}).groupby("cat")["y"].agg(["size", "sum"])
    frequent = stats[stats["size"] >= rare_cut]
    rare = stats[stats["size"] < rare_cut]
    groups: list[list[str]] = [[str(c)] for c in frequent.index]
    counts = [int(v) for v in frequent["size"]]
    bads = [int(v) for v in frequent["sum"]]
    # rare and unseen categories share one bin, always present so scoring never fails
    groups.append([OTHER, *[str(c) for c in rare.index]])
    counts.append(int(rare["size"].sum()))
    bads.append(int(rare["sum"].sum()))
    order = np.argsort(bad_rates(counts, bads), kind="stable")
    groups = [groups[i] for i in order]
    counts = [counts[i] for i in order]
    bads = [bads[i] for i in order]
    return groups, counts, bads


def _merge_small_bins(
    groups: list[list[str]],
    counts: list[int],
    bads: list[int],
    min_count: float,
    options: BinningOptions,
) -> None:
    """Merge neighbours by bad rate until every bin is big enough and few enough remain."""
    merge = partial(_merge, groups, counts, bads)
    while len(counts) > 1:
        # an empty "other" bin is allowed (it only catches unseen values)
        small = [
            k
            for k, c in enumerate(counts)
            if 0 < c and (c < min_count or min(bads[k], c - bads[k]) < options.min_bin_events)
        ]
        if not small:
            break
        merge_into_closer(counts, bads, min(small, key=lambda j: counts[j]), merge)
    # merging two big enough bins never makes a small one, so this order loses nothing
    merge_closest_pairs(counts, bads, options.max_bins, merge)


def _merge(groups: list[list[str]], counts: list[int], bads: list[int], i: int) -> None:
    """Merge bin i with bin i+1 in place."""
    groups[i] = groups[i] + groups.pop(i + 1)
    counts[i] += counts.pop(i + 1)
    bads[i] += bads.pop(i + 1)


def _drop_empty_other(groups: list[list[str]], counts: list[int], bads: list[int]) -> int | None:
    """The other bin's index, or None once an empty other bin is dropped."""
    other_bin = next(i for i, g in enumerate(groups) if OTHER in g)
    if counts[other_bin] == 0 and len(counts) > 1:
        # an unseen value says nothing: score it neutral rather than like a real bin
        groups.pop(other_bin)
        counts.pop(other_bin)
        bads.pop(other_bin)
        return None
    return other_bin
