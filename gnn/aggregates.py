"""Neighbour aggregates: the engineered baseline's view of the graph, as plain columns.

For every enterprise and every enterprise-to-enterprise relation direction (guarantor of /
guaranteed by, holds shares in / held by, supplies / supplied by, and co-party in a case): the
number of counterparties, and the sum and mean of their distress block (known default, recent
default, severe events): "how many of my guarantors have defaulted". Over all those
counterparties together: the sum and mean of every enterprise feature. All sparse matrix products
over the bundle's edge arrays (no per-edge Python), so a million firms take seconds. A scorer
that reads only some columns (`columns`, a `Plan`) gets only the products those need, each
computed exactly as for the full set: the same numbers to the bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from gnn.features import DISTRESS_COLUMNS
from gnn.graph import GraphBundle
from gnn.relations import ENTERPRISE, LITIGATION, PARTY_ROLES

ENTERPRISE_RELATIONS: tuple[str, ...] = ("guarantees", "holds_shares", "supplies")
# the relation directions of the aggregate columns, in their order
RELATION_KEYS: tuple[str, ...] = (
    *(f"{r}_{d}" for r in ENTERPRISE_RELATIONS for d in ("out", "in")), "co_party",
)  # fmt: skip


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
    for rel in RELATION_KEYS:
        names.append(f"nb_{rel}_count")
        names += [f"nb_{rel}_sum_{c}" for c in distress]
        names += [f"nb_{rel}_mean_{c}" for c in distress]
    names += [f"nb_all_sum_{c}" for c in feature_names]
    names += [f"nb_all_mean_{c}" for c in feature_names]
    return names


@dataclass(frozen=True)
class Plan:
    """The products some aggregate columns need: per relation direction whether it is read at
    all and the distress inputs whose sums it needs, and the inputs summed over every
    counterparty (numbers of enterprise feature columns)."""

    columns: np.ndarray
    counted: tuple[bool, ...]
    distress: tuple[tuple[int, ...], ...]
    union: tuple[int, ...]

    @classmethod
    def of(cls, feature_names: list[str], columns: np.ndarray | None = None) -> Plan:
        """The plan for `columns` (indices into `aggregate_names`; default all)."""
        width = len(aggregate_names(feature_names))
        cols = np.arange(width) if columns is None else np.asarray(columns, dtype=np.int64)
        if len(cols) and (cols.min() < 0 or cols.max() >= width):
            raise ValueError(f"aggregate columns out of range 0..{width - 1}")
        if len(np.unique(cols)) != len(cols):
            raise ValueError("aggregate columns repeat")
        distress = [feature_names.index(c) for c in DISTRESS_COLUMNS if c in feature_names]
        d, f = len(distress), len(feature_names)
        block = 1 + 2 * d
        counted, summed = [], []
        for r in range(len(RELATION_KEYS)):
            mine = cols[(cols >= r * block) & (cols < (r + 1) * block)] - r * block
            counted.append(bool(len(mine)))
            summed.append(tuple(sorted({distress[(k - 1) % d] for k in mine if k > 0})))
        rest = cols[cols >= len(RELATION_KEYS) * block] - len(RELATION_KEYS) * block
        union = tuple(sorted({int(k) % f for k in rest}))
        return cls(cols, tuple(counted), tuple(summed), union)


def union_matrix(bundle: GraphBundle) -> sp.csr_matrix:
    """Enterprise x enterprise 0/1 matrix of every counterparty over all relation directions."""
    cached = bundle.cache.get("aggregates:union")
    if cached is not None:
        out: sp.csr_matrix = cached
        return out
    mats = relation_matrices(bundle)
    union: sp.csr_matrix | None = None
    for key in RELATION_KEYS:
        union = mats[key] if union is None else union + mats[key]
    assert union is not None
    if union is mats[RELATION_KEYS[0]]:
        union = union.copy()  # not the relation's own matrix
    union.data[:] = 1.0
    bundle.cache["aggregates:union"] = union
    return union


@dataclass(frozen=True)
class Inputs:
    """What the aggregates add up, float64 with missing values as 0, row-major (a column-major
    operand is copied whole by every sparse product): the distress block, and the plan's
    `union` columns."""

    signal: np.ndarray
    union: np.ndarray


def aggregate_inputs(
    bundle: GraphBundle, x: np.ndarray | None = None, plan: Plan | None = None
) -> Inputs:
    """The inputs of `plan` (default: every aggregate column) from the bundle's raw enterprise
    features, or from `x` in their place."""
    raw = bundle.x[ENTERPRISE] if x is None else x
    names = bundle.feature_names[ENTERPRISE]
    spec = Plan.of(names) if plan is None else plan
    distress = [names.index(c) for c in DISTRESS_COLUMNS if c in names]

    def take(columns: list[int]) -> np.ndarray:
        block = np.array(raw[:, columns], dtype=np.float64, order="C")
        return np.nan_to_num(block, copy=False)

    return Inputs(take(distress), take(list(spec.union)))


def _rows(m: sp.csr_matrix, rows: np.ndarray | slice | None) -> sp.csr_matrix:
    return m if rows is None else m[rows]


def neighbour_aggregates(
    bundle: GraphBundle,
    x: np.ndarray | None = None,
    rows: np.ndarray | slice | None = None,
    *,
    columns: np.ndarray | None = None,
    inputs: Inputs | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Aggregate columns (`aggregate_names` order, or the `columns` of it) for `rows` (default:
    every enterprise).

    `x` replaces the bundle's raw enterprise features (a shocked copy, say); missing values
    count as 0 in sums and means. `inputs` is `aggregate_inputs(bundle, x, Plan.of(names,
    columns))` when the caller has it already (slices of one graph); `out` receives the
    columns (a view of a wider matrix, say) instead of a new array. Only the products the
    wanted columns need are computed, each exactly as for the full set.
    """
    names = bundle.feature_names[ENTERPRISE]
    plan = Plan.of(names, columns)
    feats = aggregate_inputs(bundle, x, plan) if inputs is None else inputs
    n_rows = bundle.num_nodes(ENTERPRISE) if rows is None else _count(rows, bundle)
    res = np.empty((n_rows, len(plan.columns))) if out is None else out
    where = {int(c): i for i, c in enumerate(plan.columns)}

    def put(column: int, values: np.ndarray) -> None:
        if column in where:
            res[:, where[column]] = values

    distress = [names.index(c) for c in DISTRESS_COLUMNS if c in names]
    d, block, mats = len(distress), 1 + 2 * len(distress), relation_matrices(bundle)
    for r, key in enumerate(RELATION_KEYS):
        if not plan.counted[r]:
            continue
        sub = _rows(mats[key], rows)
        count = np.diff(sub.indptr).astype(np.float64)
        put(r * block, count)
        total = np.asarray(sub @ feats.signal) if plan.distress[r] else None
        for k, i in enumerate(distress):
            if total is not None and i in plan.distress[r]:
                put(r * block + 1 + k, total[:, k])
                put(r * block + 1 + d + k, total[:, k] / np.maximum(count, 1.0))
    if plan.union:
        sub = _rows(union_matrix(bundle), rows)
        count = np.diff(sub.indptr).astype(np.float64)
        total = np.asarray(sub @ feats.union)
        start, f = len(RELATION_KEYS) * block, len(names)
        for k, i in enumerate(plan.union):
            put(start + i, total[:, k])
            put(start + f + i, total[:, k] / np.maximum(count, 1.0))
    return res


def _count(rows: np.ndarray | slice, bundle: GraphBundle) -> int:
    if isinstance(rows, slice):
        return len(range(*rows.indices(bundle.num_nodes(ENTERPRISE))))
    return len(rows)
