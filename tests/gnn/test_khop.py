"""k-hop neighbourhoods, induced subgraphs and paths on the tiny world."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from gnn.errors import InvalidGraphInput, UnknownEnterprise
from gnn.graph import build_graph
from gnn.khop import check_hops, global_csr, induced_subgraph, khop, neighbourhood
from gnn.nxview import nx_view, shortest_paths
from gnn.relations import FORWARD_RELATIONS, NODE_TYPES
from tests.gnn.worlds import E, tiny_frames

AS_OF = "2024-06-01"


def bundle():  # type: ignore[no-untyped-def]
    return build_graph(tiny_frames(), None, AS_OF)


@pytest.mark.parametrize("hops", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("start", [0, 1, 6])
def test_khop_matches_breadth_first_search(hops: int, start: int) -> None:
    b = bundle()
    csr = global_csr(b)
    nodes, dist = khop(csr, np.array([start]), hops)
    g = nx_view(b)
    expected = nx.single_source_shortest_path_length(g, ("enterprise", start), cutoff=hops)
    got = {}
    for node, d in zip(nodes, dist, strict=True):
        split = csr.split(np.array([node]))
        nt = next(t for t in NODE_TYPES if len(split[t]))
        got[(nt, int(split[nt][0]))] = int(d)
    assert got == expected


def test_isolated_enterprise_has_no_neighbours() -> None:
    nodes, dist = khop(global_csr(bundle()), np.array([6]), 4)
    assert nodes.tolist() == [6]
    assert dist.tolist() == [0]


def test_induced_subgraph_keeps_exactly_the_inner_edges() -> None:
    b = bundle()
    csr = global_csr(b)
    nodes, _ = khop(csr, np.array([0]), 1)
    sub = induced_subgraph(b, nodes)
    inside = {nt: set(sub.parent[nt].tolist()) for nt in NODE_TYPES}
    for et in FORWARD_RELATIONS:
        s, d = b.edges[et]
        expected = {
            (int(a), int(c))
            for a, c in zip(s, d, strict=True)
            if a in inside[et[0]] and c in inside[et[2]]
        }
        ss, dd = sub.bundle.edges[et]
        got = {
            (int(sub.parent[et[0]][a]), int(sub.parent[et[2]][c]))
            for a, c in zip(ss, dd, strict=True)
        }
        assert got == expected
    for nt in NODE_TYPES:
        assert np.array_equal(sub.bundle.x[nt], b.x[nt][sub.parent[nt]], equal_nan=True)
    # E1's one-hop ball: E1, E2 (guaranteed), E3 (supplier)
    assert list(sub.bundle.ids["enterprise"]) == [E[0], E[1], E[2]]


@pytest.mark.parametrize("hops", [0, 5, -1, True, 2.0])
def test_hops_outside_range_are_refused(hops: object) -> None:
    with pytest.raises(InvalidGraphInput, match="hops"):
        check_hops(hops)  # type: ignore[arg-type]


def test_shortest_path_reports_relations_in_their_direction() -> None:
    b = bundle()
    g = nx_view(b)
    paths = shortest_paths(g, [("enterprise", 1)], [("enterprise", 3), ("enterprise", 2)])
    to_e4 = [(s.source, s.relation, s.target) for s in paths[("enterprise", 3)]]
    assert to_e4 == [
        (E[0], "guarantees", E[1]),
        ("P1", "officer_of", E[0]),
        ("P1", "officer_of", E[3]),
    ]
    to_e3 = [(s.source, s.relation, s.target) for s in paths[("enterprise", 2)]]
    assert to_e3 == [(E[0], "guarantees", E[1]), (E[2], "supplies", E[0])]
    assert paths[("enterprise", 3)][0].source_name == "Firm 1"
    assert ("enterprise", 6) not in shortest_paths(g, [("enterprise", 1)], [("enterprise", 6)])


def test_neighbourhood_of_given_enterprises() -> None:
    b = bundle()
    sub = neighbourhood(b, [E[0], E[6]], 1)
    assert list(sub.bundle.ids["enterprise"]) == [E[0], E[1], E[2], E[6]]
    assert set(sub.bundle.ids["person"]) == {"P1"}
    with pytest.raises(UnknownEnterprise, match="nope"):
        neighbourhood(b, ["nope"], 1)
    with pytest.raises(InvalidGraphInput):
        neighbourhood(b, [E[0]], 5)
