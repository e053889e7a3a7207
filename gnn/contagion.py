"""Contagion: mark enterprises as defaulted, re-score their neighbourhood, explain the links.

Only enterprises within the model's receptive field (its number of layers) of a shocked firm
can change score, so the re-scored subgraph is the ball of radius min(hops, layers) + layers
around the shock; scores inside it are exact, not approximations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gnn import features as feat
from gnn.errors import InvalidGraphInput, UnknownEnterprise
from gnn.graph import GraphBundle, with_enterprise_features
from gnn.khop import check_hops, global_csr, induced_subgraph, khop
from gnn.nxview import PathStep, nx_view, shortest_paths
from gnn.relations import ENTERPRISE
from gnn.scoring import GraphModel

DEFAULT_LIMIT = 100
MIN_INCREASE = 1e-4
MAX_SHOCKED = 1000


@dataclass(frozen=True)
class Exposure:
    """An enterprise whose graph risk rises when the shock happens, and how it is linked."""

    uscc: str
    name: str
    risk_before: float
    risk_after: float
    hops: int
    path: tuple[PathStep, ...]

    @property
    def increase(self) -> float:
        """risk_after - risk_before."""
        return self.risk_after - self.risk_before


@dataclass(frozen=True)
class ContagionResult:
    """The shocked enterprises and the exposed ones, most affected first."""

    sources: tuple[str, ...]
    source_names: tuple[str, ...]
    exposed: tuple[Exposure, ...]
    hops: int
    model_version: str


def shock_features(x: np.ndarray, names: list[str], rows: np.ndarray) -> np.ndarray:
    """Raw enterprise features with `rows` marked defaulted and one more severe event each."""
    try:
        cols = [names.index(c) for c in feat.DISTRESS_COLUMNS]
    except ValueError as exc:
        raise InvalidGraphInput("the graph lacks the distress features a shock sets") from exc
    out = x.copy()
    out[rows, cols[0]] = 1.0
    for c in cols[1:]:
        out[rows, c] = np.nan_to_num(out[rows, c], nan=0.0) + 1.0
    return out


def resolve(bundle: GraphBundle, usccs: Sequence[str]) -> np.ndarray:
    """Enterprise rows of USCCs; UnknownEnterprise naming the unknown ones."""
    wanted = list(dict.fromkeys(str(u) for u in usccs))
    if not wanted:
        raise InvalidGraphInput("name at least one enterprise", field="enterpriseIds")
    if len(wanted) > MAX_SHOCKED:
        raise InvalidGraphInput(
            f"at most {MAX_SHOCKED} enterprises per shock", field="enterpriseIds"
        )
    rows = bundle.enterprise_index(wanted)
    unknown = [u for u, r in zip(wanted, rows, strict=True) if r < 0]
    if unknown:
        raise UnknownEnterprise(
            "unknown enterprise(s) in the graph: " + ", ".join(unknown[:10]), field="enterpriseIds"
        )
    return rows


def simulate_shock(
    model: GraphModel,
    bundle: GraphBundle,
    usccs: Sequence[str],
    hops: int = 2,
    *,
    limit: int = DEFAULT_LIMIT,
    min_increase: float = MIN_INCREASE,
) -> ContagionResult:
    """Default the given enterprises and list who within `hops` links is exposed, and how."""
    check_hops(hops)
    rows = resolve(bundle, usccs)
    csr = global_csr(bundle)
    layers = model.network.num_layers
    reach = min(hops, layers)
    seeds = csr.to_global(ENTERPRISE, rows)
    nodes, dist = khop(csr, seeds, reach + layers)
    sub = induced_subgraph(bundle, nodes)
    sb = sub.bundle
    local = sub.local_index(ENTERPRISE, rows)
    before = model.predict(sb)
    shocked = with_enterprise_features(
        sb, shock_features(sb.x[ENTERPRISE], sb.feature_names[ENTERPRISE], local)
    )
    after = model.predict(shocked)

    ent_lo = csr.offsets[ENTERPRISE]
    ent_hi = ent_lo + bundle.num_nodes(ENTERPRISE)
    is_ent = (nodes >= ent_lo) & (nodes < ent_hi) & (dist >= 1) & (dist <= reach)
    cand_rows = nodes[is_ent] - ent_lo
    cand_dist = dist[is_ent]
    cand_local = sub.local_index(ENTERPRISE, cand_rows)
    delta = after[cand_local] - before[cand_local]
    keep = delta > min_increase
    order = np.argsort(-delta[keep], kind="stable")[:limit]
    chosen = cand_local[keep][order]
    chosen_dist = cand_dist[keep][order]

    near = induced_subgraph(bundle, nodes[dist <= reach])
    g = nx_view(near.bundle)
    near_src = near.local_index(ENTERPRISE, rows)
    near_tgt = near.local_index(ENTERPRISE, sub.parent[ENTERPRISE][chosen])
    paths = shortest_paths(
        g,
        [(ENTERPRISE, int(i)) for i in near_src],
        [(ENTERPRISE, int(i)) for i in near_tgt],
        cutoff=reach,
    )
    exposed = tuple(
        Exposure(
            uscc=str(sb.ids[ENTERPRISE][i]),
            name=str(sb.names[ENTERPRISE][i]),
            risk_before=float(before[i]),
            risk_after=float(after[i]),
            hops=int(h),
            path=tuple(paths.get((ENTERPRISE, int(t)), [])),
        )
        for i, h, t in zip(chosen, chosen_dist, near_tgt, strict=True)
    )
    return ContagionResult(
        sources=tuple(str(bundle.ids[ENTERPRISE][r]) for r in rows),
        source_names=tuple(str(bundle.names[ENTERPRISE][r]) for r in rows),
        exposed=exposed,
        hops=hops,
        model_version=model.version,
    )
