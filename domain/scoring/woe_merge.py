"""Merging adjacent bins by bad rate: the steps numeric and categorical binning share."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from domain.scoring.woe_table import bad_rates

# merges bin i with bin i+1 in place: the counts, the bads and the bins' edges or groups
Merge = Callable[[int], None]


def merge_into_closer(counts: list[int], bads: list[int], k: int, merge: Merge) -> None:
    """Merge bin k into the neighbour whose bad rate is closer (the only one at an end)."""
    rates = bad_rates(counts, bads)
    if k == 0:
        merge(0)
    elif k == len(counts) - 1:
        merge(k - 1)
    elif abs(rates[k] - rates[k - 1]) <= abs(rates[k + 1] - rates[k]):
        merge(k - 1)
    else:
        merge(k)


def merge_closest_pairs(counts: list[int], bads: list[int], max_bins: int, merge: Merge) -> None:
    """Merge the neighbours with the closest bad rates until at most `max_bins` bins remain."""
    # one bin is always kept: there is no pair left to merge below it
    while len(counts) > max(max_bins, 1):
        rates = bad_rates(counts, bads)
        diffs = [abs(rates[k + 1] - rates[k]) for k in range(len(rates) - 1)]
        merge(int(np.argmin(diffs)))
