"""A networkx view of a (small) bundle for paths and explanations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import networkx as nx

from gnn.graph import GraphBundle
from gnn.relations import FORWARD_RELATIONS, NODE_TYPES

Node = tuple[str, int]

# when two nodes are linked several ways, a path reports the most telling relation
PRIORITY: dict[str, int] = {
    "guarantees": 0, "supplies": 1, "holds_shares": 2, "officer_of": 3,
    "party_to_defendant": 4, "party_to_plaintiff": 5, "party_to_third_party": 6,
    "concerns": 7, "owns": 8, "cites": 9,
}  # fmt: skip


@dataclass(frozen=True)
class PathStep:
    """One link of a path, in the relation's own direction (`source` guarantees `target`)."""

    source: str
    relation: str
    target: str
    source_name: str
    target_name: str


def nx_view(bundle: GraphBundle) -> nx.MultiGraph:
    """Undirected multigraph: nodes (type, row) with id/name, edges with relation and direction."""
    g = nx.MultiGraph()
    for nt in NODE_TYPES:
        for i in range(bundle.num_nodes(nt)):
            node_id, name = bundle.label(nt, i)
            g.add_node((nt, i), type=nt, id=node_id, name=name)
    for et in FORWARD_RELATIONS:
        s, d = bundle.edges[et]
        g.add_edges_from(
            ((et[0], int(a)), (et[2], int(b)), {"relation": et[1], "source": (et[0], int(a))})
            for a, b in zip(s, d, strict=True)
        )
    return g


def best_edge(g: nx.MultiGraph, u: Node, v: Node) -> dict[str, object]:
    """The attributes of the most telling edge between two adjacent nodes."""
    edges = g.get_edge_data(u, v) or {}
    return min(edges.values(), key=lambda e: PRIORITY.get(str(e["relation"]), 99))


def steps(g: nx.MultiGraph, path: Sequence[Node]) -> list[PathStep]:
    """PathSteps along a node path."""
    out: list[PathStep] = []
    for u, v in zip(path[:-1], path[1:], strict=True):
        e = best_edge(g, u, v)
        src, dst = (u, v) if e["source"] == u else (v, u)
        out.append(
            PathStep(
                source=g.nodes[src]["id"],
                relation=str(e["relation"]),
                target=g.nodes[dst]["id"],
                source_name=g.nodes[src]["name"],
                target_name=g.nodes[dst]["name"],
            )
        )
    return out


def shortest_paths(
    g: nx.MultiGraph, sources: Iterable[Node], targets: Iterable[Node], cutoff: int | None = None
) -> dict[Node, list[PathStep]]:
    """For each reachable target, the steps of a shortest path from the nearest source."""
    src = [s for s in sources if s in g]
    if not src:
        return {}
    paths = nx.multi_source_dijkstra_path(g, src, cutoff=cutoff)
    return {t: steps(g, paths[t]) for t in targets if t in paths}
