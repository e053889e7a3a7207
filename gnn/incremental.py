"""Keeping a scored graph current: event features recounted, neighbourhoods re-scored exactly.

An event changes the features of the enterprise it is about (its event counts and distress
block), and only enterprises within the model's receptive field (its number of layers) of that
firm can change score. `rescore_ball` runs the network on that ball, plus the neighbours of its
outermost enterprises, with every hidden state the change cannot reach taken from the cached
full pass: the scores are the full pass's scores, not approximations. `apply_update` also
writes the recomputed states back, so the next update is exact too. Contagion shocks use the
same ball without writing anything back.

Events dated after the graph's date are news the graph takes in: they count in the window and
as recent. For an enterprise without such news the recount equals the full build's features.
What an event changes in other records (a new court case, a patent's owner or status) changes
the graph's nodes and links: the next background rebuild takes that in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from gnn import features as feat
from gnn.device import graph_threads
from gnn.graph import GraphBundle
from gnn.khop import Subgraph, distances, entries, global_csr, induced_subgraph, khop
from gnn.relations import ENTERPRISE, NODE_TYPES
from gnn.scoring import ScoredGraph, adjacency

EVENT_COLUMNS: dict[str, str] = {f"ev_{name}": name for name in feat.EVENT_TYPES}


@dataclass(frozen=True)
class Ball:
    """The subgraph around changed enterprises and every node's hop distance from them."""

    sub: Subgraph
    full_dist: np.ndarray
    layers: int

    def distance(self, node_type: str, csr_offsets: dict[str, int]) -> np.ndarray:
        """Hop distances of the subgraph's nodes of one type."""
        return self.full_dist[self.sub.parent[node_type] + csr_offsets[node_type]]


def ball(scored: ScoredGraph, rows: np.ndarray) -> Ball:
    """The layers-hop ball around enterprise `rows`, plus what its outermost firms read."""
    bundle = scored.bundle
    csr = global_csr(bundle)
    layers = scored.model.network.num_layers
    core, dist = khop(csr, csr.to_global(ENTERPRISE, rows), layers)
    full_dist = distances(csr, core, dist)
    # the last layer only updates enterprises, so beyond the core only the neighbours of the
    # outermost enterprises are needed (their cached states feed it)
    lo = csr.offsets[ENTERPRISE]
    edge = core[(dist == layers) & (core >= lo) & (core < lo + bundle.num_nodes(ENTERPRISE))]
    outer = np.unique(csr.neighbour[entries(csr.indptr, edge)])
    outer = outer[full_dist[outer] < 0]
    full_dist[outer] = layers + 1
    sub = induced_subgraph(bundle, np.concatenate([core, outer]), core=core)
    return Ball(sub, full_dist, layers)


def rescore_ball(
    scored: ScoredGraph,
    area: Ball,
    rows: np.ndarray,
    raw: np.ndarray,
    *,
    hidden_out: list[dict[str, Tensor]] | None = None,
) -> np.ndarray:
    """Logits of the ball's enterprises with enterprise `rows` given raw features `raw`.

    Exact for every enterprise within `layers` hops of the rows; `hidden_out` receives the
    ball's hidden states (exact within l+1 hops after layer l+1).
    """
    model, sub = scored.model, area.sub
    dev = model.device
    raw = np.asarray(raw, dtype=np.float32)  # as the graph stores them
    offsets = global_csr(scored.bundle).offsets
    parent = {nt: torch.from_numpy(sub.parent[nt]).to(dev) for nt in NODE_TYPES}
    x = {nt: scored.x[nt].index_select(0, parent[nt]) for nt in NODE_TYPES}
    changed = torch.from_numpy(model.scaler.columns[ENTERPRISE].transform(raw)).to(dev)
    local = torch.from_numpy(sub.local_index(ENTERPRISE, rows)).to(dev)
    x[ENTERPRISE] = x[ENTERPRISE].index_copy(0, local, changed.to(x[ENTERPRISE].dtype))
    frozen = []
    for layer, states in enumerate(scored.hidden):
        # hidden states after layer l+1 can only change within l+1 hops of the change
        layer_frozen = {}
        for nt, h in states.items():
            far = np.flatnonzero(area.distance(nt, offsets) > layer + 1)
            idx = torch.from_numpy(far).to(dev)
            layer_frozen[nt] = (idx, h.index_select(0, parent[nt].index_select(0, idx)))
        frozen.append(layer_frozen)
    net = model.network
    net.eval()
    with graph_threads(dev), torch.inference_mode():
        out = net(x, adjacency(sub.bundle, dev), frozen=frozen, hidden_out=hidden_out)
    return np.asarray(out.float().cpu().numpy(), dtype=np.float64)


def apply_update(scored: ScoredGraph, rows: np.ndarray, raw: np.ndarray) -> dict[int, float]:
    """Give enterprise `rows` raw features `raw` and re-score their ball in place.

    Returns the new score of every enterprise whose score moved (by row). Not thread-safe:
    callers serialise updates of one graph.
    """
    rows = np.asarray(rows, dtype=np.int64)
    raw = np.asarray(raw, dtype=np.float32)  # as the graph stores them
    if len(rows) == 0:
        return {}
    model, bundle = scored.model, scored.bundle
    area = ball(scored, rows)
    hidden: list[dict[str, Tensor]] = []
    logits = rescore_ball(scored, area, rows, raw, hidden_out=hidden)
    offsets = global_csr(bundle).offsets
    dev = model.device
    bundle.x[ENTERPRISE][rows] = raw
    scaled = torch.from_numpy(model.scaler.columns[ENTERPRISE].transform(raw)).to(dev)
    target = torch.from_numpy(rows).to(dev)
    xs = scored.x[ENTERPRISE]
    scored.x = {**scored.x, ENTERPRISE: xs.index_copy(0, target, scaled.to(xs.dtype))}
    for layer, states in enumerate(hidden):
        kept = dict(scored.hidden[layer])
        for nt, h in states.items():
            exact = np.flatnonzero(area.distance(nt, offsets) <= layer + 1)
            where = torch.from_numpy(area.sub.parent[nt][exact]).to(dev)
            fresh = h.index_select(0, torch.from_numpy(exact).to(dev))
            kept[nt] = kept[nt].index_copy(0, where, fresh)
        scored.hidden[layer] = kept
    ent_rows = area.sub.parent[ENTERPRISE]
    exact = np.flatnonzero(area.distance(ENTERPRISE, offsets) <= area.layers)
    targets, new_logits = ent_rows[exact], logits[exact]
    new_base = model.base(bundle, rows=targets) if len(scored.base) else np.zeros(len(targets))
    new_scores = model.served(new_logits, new_base)
    moved = new_scores != scored.scores[targets]
    scored.logits[targets] = new_logits
    if len(scored.base):
        scored.base[targets] = new_base
    scored.scores[targets] = new_scores
    return {int(r): float(p) for r, p in zip(targets[moved], new_scores[moved], strict=True)}


def _count(keys: pd.Series, index: pd.Index) -> np.ndarray:
    if keys.empty:
        return np.zeros(len(index), dtype=np.float64)
    return keys.value_counts().reindex(index, fill_value=0).to_numpy(dtype=np.float64)


def recount_events(
    bundle: GraphBundle, events: pd.DataFrame, usccs: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Enterprise rows of the known `usccs` and their raw features with event columns recounted.

    `events` holds (at least) these firms' events: columns uscc, type and occurred_at (naive
    UTC). Columns the graph does not have are left alone.
    """
    wanted = list(dict.fromkeys(str(u) for u in usccs))
    rows = bundle.enterprise_index(wanted)
    known = [u for u, r in zip(wanted, rows, strict=True) if r >= 0]
    rows = rows[rows >= 0]
    x = bundle.x[ENTERPRISE][rows].astype(np.float64)
    if len(rows) == 0:
        return rows, x
    t = bundle.as_of
    index = pd.Index(known)
    ev = events[events["uscc"].astype(str).isin(known)]
    ev = ev[ev["occurred_at"] >= t - pd.Timedelta(days=feat.WINDOW_DAYS)]
    who, kinds = ev["uscc"].astype(str), ev["type"].astype(str)
    severe = kinds.isin(feat.SEVERE_EVENTS)
    recent = ev["occurred_at"] >= t - pd.Timedelta(days=feat.RECENT_DAYS)
    columns = {col: _count(who[kinds == name], index) for col, name in EVENT_COLUMNS.items()}
    columns[feat.DISTRESS_SEVERE] = _count(who[severe], index)
    columns[feat.DISTRESS_RECENT] = _count(who[severe & recent], index)
    names = bundle.feature_names[ENTERPRISE]
    for col, values in columns.items():
        if col in names:
            x[:, names.index(col)] = values
    return rows, x


def news(events: pd.DataFrame, as_of: pd.Timestamp) -> list[str]:
    """Enterprises with events dated on or after the graph's date."""
    if events.empty:
        return []
    return sorted(set(events.loc[events["occurred_at"] >= as_of, "uscc"].astype(str)))
