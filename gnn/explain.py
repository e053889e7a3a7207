"""Why a graph score is what it is: leave-one-relation-out and neighbour occlusion.

Both re-score the target on its receptive-field subgraph with something removed; the
difference (full minus without) is the contribution, positive when it raises risk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gnn.contagion import resolve
from gnn.graph import GraphBundle
from gnn.khop import global_csr, induced_subgraph, khop
from gnn.nxview import best_edge, nx_view
from gnn.relations import ENTERPRISE, FORWARD_RELATIONS
from gnn.scoring import GraphModel

MAX_NEIGHBOURS = 30
# occlusion looks at firms and cases before patents: they are the ones a banker acts on
TYPE_ORDER = {ENTERPRISE: 0, "litigation": 1, "person": 2, "patent": 3}

RELATION_WORDS: dict[str, str] = {
    "owns": "patent ownership",
    "cites": "patent citations",
    "party_to_plaintiff": "cases as plaintiff",
    "party_to_defendant": "cases as defendant",
    "party_to_third_party": "cases as third party",
    "concerns": "cases about patents",
    "guarantees": "guarantees",
    "holds_shares": "shareholdings",
    "supplies": "supply links",
    "officer_of": "officers",
}


@dataclass(frozen=True)
class Contribution:
    """How much one relation type or one neighbour moves the target's graph risk."""

    kind: str  # "relation" or "neighbour"
    relation: str
    node_type: str
    node_id: str
    node_name: str
    delta: float


@dataclass(frozen=True)
class Explanation:
    """A target's graph risk and its largest contributions (by absolute size)."""

    uscc: str
    risk: float
    relations: tuple[Contribution, ...]
    neighbours: tuple[Contribution, ...]
    model_version: str


def _by_size(c: Contribution) -> float:
    return -abs(c.delta)


def explain(model: GraphModel, bundle: GraphBundle, uscc: str, *, top: int = 5) -> Explanation:
    """Leave-one-relation-out and top-neighbour occlusion for one enterprise."""
    row = resolve(bundle, [uscc])
    csr = global_csr(bundle)
    layers = model.network.num_layers
    seed = csr.to_global(ENTERPRISE, row)
    nodes, _ = khop(csr, seed, layers)
    sub = induced_subgraph(bundle, nodes)
    sb = sub.bundle
    t = int(sub.local_index(ENTERPRISE, row)[0])
    risk = float(model.predict(sb)[t])

    relations = []
    for et in FORWARD_RELATIONS:
        if len(sb.edges[et][0]) == 0:
            continue
        without = float(model.predict(sb, drop=[et[1]])[t])
        relations.append(Contribution("relation", et[1], "", "", "", risk - without))
    # the same relation name may join different node types: merge by name
    merged: dict[str, float] = {}
    for c in relations:
        merged[c.relation] = merged.get(c.relation, 0.0) + c.delta
    rel_out = [Contribution("relation", r, "", "", "", d) for r, d in merged.items()]

    g = nx_view(sb)
    me = (ENTERPRISE, t)
    first = sorted(g.neighbors(me), key=lambda n: (TYPE_ORDER.get(n[0], 9), n[1]))
    neighbours = []
    for nt, i in first[:MAX_NEIGHBOURS]:
        keep = nodes[nodes != csr.to_global(nt, sub.parent[nt][[i]])[0]]
        occluded = induced_subgraph(bundle, keep)
        tt = int(occluded.local_index(ENTERPRISE, row)[0])
        without = float(model.predict(occluded.bundle)[tt])
        rel = str(best_edge(g, me, (nt, i))["relation"])
        node_id, name = sb.label(nt, i)
        neighbours.append(Contribution("neighbour", rel, nt, node_id, name, risk - without))
    return Explanation(
        uscc=str(uscc),
        risk=risk,
        relations=tuple(sorted(rel_out, key=_by_size)[:top]),
        neighbours=tuple(sorted(neighbours, key=_by_size)[:top]),
        model_version=model.version,
    )


def reason_codes(
    expl: Explanation, *, top: int = 3, min_delta: float = 0.005
) -> list[dict[str, Any]]:
    """Reason codes ({code, description, weight}) for the contributions that raise risk most."""
    out: list[dict[str, Any]] = []
    for c in [c for c in expl.relations if c.delta >= min_delta][:top]:
        words = RELATION_WORDS.get(c.relation, c.relation)
        out.append(
            {
                "code": f"GRAPH_{c.relation.upper()}",
                "description": f"Graph risk {100 * c.delta:+.1f} points from {words}",
                "weight": round(c.delta, 6),
            }
        )
    for c in [c for c in expl.neighbours if c.delta >= min_delta][:top]:
        words = RELATION_WORDS.get(c.relation, c.relation)
        who = (
            f"{c.node_name} ({c.node_id})"
            if c.node_name and c.node_name != c.node_id
            else c.node_id
        )
        out.append(
            {
                "code": "GRAPH_NEIGHBOUR",
                "description": f"Graph risk {100 * c.delta:+.1f} points from {who} via {words}",
                "weight": round(c.delta, 6),
            }
        )
    return out
