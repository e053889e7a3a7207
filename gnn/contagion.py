"""Contagion: mark enterprises as defaulted, re-score their neighbourhood, explain the links.

Only enterprises within the model's receptive field (its number of layers) of a shocked firm
can change score. Hidden states after layer l can only change within l hops of the shock, so
the re-scoring runs on the layers-hop ball (plus the neighbours of its outermost enterprises)
with every state beyond reach taken from the full-graph pass: the scores are exact, not
approximations, at a fraction of the cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from gnn import features as feat
from gnn.device import graph_threads
from gnn.errors import InvalidGraphInput, UnknownEnterprise
from gnn.graph import GraphBundle
from gnn.khop import (
    GlobalCSR,
    Subgraph,
    check_hops,
    distances,
    entries,
    global_csr,
    induced_subgraph,
    khop,
    predecessors,
)
from gnn.nxview import PathStep, nx_view, shortest_paths
from gnn.relations import ENTERPRISE, NODE_TYPES
from gnn.scoring import ScoredGraph, adjacency

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
    layers = model.network.num_layers
    reach = min(hops, layers)
    seeds = csr.to_global(ENTERPRISE, rows)
    core, dist = khop(csr, seeds, layers)
    full_dist = distances(csr, core, dist)
    # the last layer only updates enterprises, so beyond the core only the neighbours of the
    # outermost enterprises are needed (their cached states feed it)
    lo = csr.offsets[ENTERPRISE]
    edge = core[(dist == layers) & (core >= lo) & (core < lo + bundle.num_nodes(ENTERPRISE))]
    outer = np.unique(csr.neighbour[entries(csr.indptr, edge)])
    outer = outer[full_dist[outer] < 0]
    full_dist[outer] = layers + 1
    sub = induced_subgraph(bundle, np.concatenate([core, outer]), core=core)
    after = _rescore(scored, sub, rows, full_dist)

    ent_rows = sub.parent[ENTERPRISE]
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


def _rescore(
    scored: ScoredGraph, sub: Subgraph, rows: np.ndarray, full_dist: np.ndarray
) -> np.ndarray:
    """Calibrated scores of the subgraph's enterprises after shocking `rows`."""
    model = scored.model
    dev = model.device
    csr = global_csr(scored.bundle)
    parent = {nt: torch.from_numpy(sub.parent[nt]).to(dev) for nt in NODE_TYPES}
    x = {nt: scored.x[nt].index_select(0, parent[nt]) for nt in NODE_TYPES}
    names = scored.bundle.feature_names[ENTERPRISE]
    raw = shock_features(scored.bundle.x[ENTERPRISE][rows], names, np.arange(len(rows)))
    shocked = torch.from_numpy(model.scaler.columns[ENTERPRISE].transform(raw)).to(dev)
    local = torch.from_numpy(sub.local_index(ENTERPRISE, rows)).to(dev)
    x[ENTERPRISE] = x[ENTERPRISE].index_copy(0, local, shocked)
    sub_dist = {nt: full_dist[csr.to_global(nt, sub.parent[nt])] for nt in NODE_TYPES}
    frozen = []
    for layer, states in enumerate(scored.hidden):
        # hidden states after layer l+1 can only change within l+1 hops of the shock
        layer_frozen = {}
        for nt, h in states.items():
            far = np.flatnonzero(sub_dist[nt] > layer + 1)
            idx = torch.from_numpy(far).to(dev)
            layer_frozen[nt] = (idx, h.index_select(0, parent[nt].index_select(0, idx)))
        frozen.append(layer_frozen)
    net = model.network
    net.eval()
    with graph_threads(dev), torch.inference_mode():
        out = net(x, adjacency(sub.bundle, dev), frozen=frozen)
    return model.calibration.apply(np.asarray(out.float().cpu().numpy(), dtype=np.float64))


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
