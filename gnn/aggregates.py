"""Neighbour aggregates: the engineered baseline's view of the graph, as plain columns.

For every enterprise and every enterprise-to-enterprise relation direction (guarantor of /
guaranteed by, holds shares in / held by, supplies / supplied by, and co-party in a case): the
number of counterparties, and the sum and mean of their distress block (known default, recent
default, severe events): "how many of my guarantors have defaulted". Over all those
counterparties together: the sum and mean of every enterprise feature. All sparse matrix products
over the bundle's edge arrays (no per-edge Python), so a million firms take seconds.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from gnn.features import DISTRESS_COLUMNS
from gnn.graph import GraphBundle
from gnn.relations import ENTERPRISE, LITIGATION, PARTY_ROLES

ENTERPRISE_RELATIONS: tuple[str, ...] = ("guarantees", "holds_shares", "supplies")


def _matrix(src: np.ndarray, dst: np.ndarray, n_src: int, n_dst: int) -> sp.csr_matrix:
    """0/1 matrix rows = src, columns = dst (duplicates collapse)."""
    m = sp.csr_matrix(
        (np.ones(len(src), dtype=np.float32), (src, dst)), shape=(n_src, n_dst), dtype=np.float32
    )
    m.data[:] = 1.0
    return m


def relation_matrices(bundle: GraphBundle) -> dict[str, sp.csr_matrix]:
    """Enterprise x enterprise counterparty matrices, one per relation direction."""
    n = bundle.num_nodes(ENTERPRISE)
    cached = bundle.cache.get("aggregates:matrices")
    if cached is not None:
        out: dict[str, sp.csr_matrix] = cached
        return out
    out = {}
    for rel in ENTERPRISE_RELATIONS:
        s, d = bundle.edges.get((ENTERPRISE, rel, ENTERPRISE), (np.zeros(0, int), np.zeros(0, int)))
        out[f"{rel}_out"] = _matrix(s, d, n, n)
        out[f"{rel}_in"] = _matrix(d, s, n, n)
    cases = bundle.num_nodes(LITIGATION)
    parts = [
        bundle.edges[(ENTERPRISE, rel, LITIGATION)]
        for rel in PARTY_ROLES.values()
        if (ENTERPRISE, rel, LITIGATION) in bundle.edges
    ]
    if parts and cases:
        s = np.concatenate([p[0] for p in parts])
        c = np.concatenate([p[1] for p in parts])
        party = _matrix(s, c, n, cases)
        co = (party @ party.T).tocsr()
        co.setdiag(0)
        co.eliminate_zeros()
        co.data[:] = 1.0
        out["co_party"] = co
    else:
        out["co_party"] = sp.csr_matrix((n, n), dtype=np.float32)
    bundle.cache["aggregates:matrices"] = out
    return out


def aggregate_names(feature_names: list[str]) -> list[str]:
    """Column names of `neighbour_aggregates` for these enterprise features."""
    distress = [c for c in DISTRESS_COLUMNS if c in feature_names]
    names: list[str] = []
    for rel in [f"{r}_{d}" for r in ENTERPRISE_RELATIONS for d in ("out", "in")] + ["co_party"]:
        names.append(f"nb_{rel}_count")
        names += [f"nb_{rel}_sum_{c}" for c in distress]
        names += [f"nb_{rel}_mean_{c}" for c in distress]
    names += [f"nb_all_sum_{c}" for c in feature_names]
    names += [f"nb_all_mean_{c}" for c in feature_names]
    return names


def aggregate_inputs(bundle: GraphBundle, x: np.ndarray | None = None) -> np.ndarray:
    """The enterprise features the aggregates add up: float64, missing values as 0, row-major
    (a column-major operand is copied whole by every sparse product)."""
    raw = bundle.x[ENTERPRISE] if x is None else x
    return np.nan_to_num(np.array(raw, dtype=np.float64, order="C"), copy=False)


def neighbour_aggregates(
    bundle: GraphBundle,
    x: np.ndarray | None = None,
    rows: np.ndarray | slice | None = None,
    *,
    inputs: np.ndarray | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Aggregate columns (`aggregate_names` order) for `rows` (default: every enterprise).

    `x` replaces the bundle's raw enterprise features (a shocked copy, say); missing values
    count as 0 in sums and means. `inputs` is `aggregate_inputs(bundle, x)` when the caller
    has it already (slices of one graph); `out` receives the columns (a view of a wider
    matrix, say) instead of a new array.
    """
    feats = aggregate_inputs(bundle, x) if inputs is None else inputs
    names = bundle.feature_names[ENTERPRISE]
    distress = [names.index(c) for c in DISTRESS_COLUMNS if c in names]
    mats = relation_matrices(bundle)
    blocks: list[np.ndarray] = []
    union: sp.csr_matrix | None = None
    signal = feats[:, distress]
    for m in mats.values():
        sub = m if rows is None else m[rows]
        count = np.asarray(sub.sum(axis=1)).ravel()
        total = np.asarray(sub @ signal)
        blocks += [count[:, None], total, total / np.maximum(count, 1.0)[:, None]]
        union = sub if union is None else union + sub
    assert union is not None
    union.data[:] = 1.0
    count = np.asarray(union.sum(axis=1)).ravel()
    total = np.asarray(union @ feats)
    blocks += [total, total / np.maximum(count, 1.0)[:, None]]
    if out is None:
        return np.hstack(blocks)
    col = 0
    for block in blocks:
        out[:, col : col + block.shape[1]] = block
        col += block.shape[1]
    return out
