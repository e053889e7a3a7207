"""Contagion: mark enterprises as defaulted, re-score their neighbourhood, explain the links.

Only enterprises within the model's receptive field (its number of layers) of a shocked firm
can change score. Hidden states after layer l can only change within l hops of the shock, so
the re-scoring runs on the layers-hop ball (plus the neighbours of its outermost enterprises)
with every state beyond reach taken from the full-graph pass: the scores are exact, not
approximations, at a fraction of the cost (gnn.incremental, which also keeps the graph
current after events; a shock writes nothing back).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gnn import features as feat
from gnn.errors import InvalidGraphInput, UnknownEnterprise
from gnn.graph import GraphBundle
from gnn.incremental import ball, rescore_ball
from gnn.khop import GlobalCSR, check_hops, global_csr, induced_subgraph, predecessors
from gnn.nxview import PathStep, nx_view, shortest_paths
from gnn.relations import ENTERPRISE
from gnn.scoring import ScoredGraph

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
    """Raw enterprise features with `rows` marked (recently) defaulted and one more severe event."""
    try:
        cols = [names.index(c) for c in feat.DISTRESS_COLUMNS]
    except ValueError as exc:
        raise InvalidGraphInput("the graph lacks the distress features a shock sets") from exc
    out = x.copy()
    for name, c in zip(feat.DISTRESS_COLUMNS, cols, strict=True):
        if name in (feat.DISTRESS_DEFAULTED, feat.DISTRESS_DEFAULTED_RECENT):
            out[rows, c] = 1.0
        else:
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


def _shocked_base(
    scored: ScoredGraph, rows: np.ndarray, raw: np.ndarray, ent_rows: np.ndarray
) -> np.ndarray:
    """Tabular logits of the ball's enterprises with the shocked firms' features in place."""
    if scored.model.blend is None or len(scored.base) == 0:
        return np.zeros(len(ent_rows))
    x = scored.bundle.x[ENTERPRISE].copy()
    x[rows] = raw
    return scored.model.base(scored.bundle, x, ent_rows)


def simulate_shock(
    scored: ScoredGraph,
    usccs: Sequence[str],
    hops: int = 2,
    *,
    limit: int = DEFAULT_LIMIT,
    min_increase: float = MIN_INCREASE,
) -> ContagionResult:
    """Default the given enterprises and list who within `hops` links is exposed, and how.

    Risk before is the cached full-graph score; risk after is recomputed exactly around the
    shock, reusing cached hidden states wherever the shock cannot reach.
    """
    check_hops(hops)
    bundle, model = scored.bundle, scored.model
    rows = resolve(bundle, usccs)
    csr = global_csr(bundle)
    reach = min(hops, model.network.num_layers)
    area = ball(scored, rows)
    sub, full_dist = area.sub, area.full_dist
    names = bundle.feature_names[ENTERPRISE]
    raw = shock_features(bundle.x[ENTERPRISE][rows], names, np.arange(len(rows)))
    logits = rescore_ball(scored, area, rows, raw)
    ent_rows = sub.parent[ENTERPRISE]
    after = model.served(logits, _shocked_base(scored, rows, raw, ent_rows))
    ent_dist = full_dist[csr.to_global(ENTERPRISE, ent_rows)]
    cand = np.flatnonzero((ent_dist >= 1) & (ent_dist <= reach))
    delta = after[cand] - scored.scores[ent_rows[cand]]
    keep = delta > min_increase
    order = np.argsort(-delta[keep], kind="stable")[:limit]
    chosen = ent_rows[cand[keep][order]]

    paths = _paths(bundle, csr, full_dist, rows, chosen, reach)
    exposed = tuple(
        Exposure(
            uscc=str(bundle.ids[ENTERPRISE][r]),
            name=str(bundle.names[ENTERPRISE][r]),
            risk_before=float(scored.scores[r]),
            risk_after=float(after[np.searchsorted(ent_rows, r)]),
            hops=int(full_dist[csr.to_global(ENTERPRISE, np.array([r]))[0]]),
            path=tuple(paths.get(int(r), [])),
        )
        for r in chosen
    )
    return ContagionResult(
        sources=tuple(str(bundle.ids[ENTERPRISE][r]) for r in rows),
        source_names=tuple(str(bundle.names[ENTERPRISE][r]) for r in rows),
        exposed=exposed,
        hops=hops,
        model_version=model.version,
    )


def _paths(
    bundle: GraphBundle,
    csr: GlobalCSR,
    full_dist: np.ndarray,
    sources: np.ndarray,
    targets: np.ndarray,
    reach: int,
) -> dict[int, list[PathStep]]:
    """Shortest relation paths from the shocked firms to each target (enterprise rows)."""
    if len(targets) == 0:
        return {}
    on_paths = predecessors(csr, full_dist, csr.to_global(ENTERPRISE, targets))
    small = induced_subgraph(bundle, on_paths)
    g = nx_view(small.bundle)
    src_local = small.local_index(ENTERPRISE, sources[np.isin(sources, small.parent[ENTERPRISE])])
    tgt_local = small.local_index(ENTERPRISE, targets)
    found = shortest_paths(
        g,
        [(ENTERPRISE, int(i)) for i in src_local],
        [(ENTERPRISE, int(i)) for i in tgt_local],
        cutoff=reach,
    )
    return {
        int(t): found.get((ENTERPRISE, int(i)), []) for t, i in zip(targets, tgt_local, strict=True)
    }
