"""Building the heterogeneous graph from frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from db.frames import WorldFrames
from gnn.errors import InvalidGraphInput
from gnn.features import DISTRESS_COLUMNS
from gnn.graph import build_graph
from gnn.relations import ALL_EDGE_TYPES, FORWARD_RELATIONS, NODE_TYPES, reverse
from tests.gnn.worlds import E, tiny_frames

AS_OF = "2024-06-01"


def edge_set(bundle, et):  # type: ignore[no-untyped-def]
    s, d = bundle.edges[et]
    return {(bundle.ids[et[0]][a], bundle.ids[et[2]][b]) for a, b in zip(s, d, strict=True)}


def test_node_counts_and_id_maps() -> None:
    b = build_graph(tiny_frames(), None, AS_OF)
    assert b.num_nodes("enterprise") == 7
    assert list(b.ids["enterprise"]) == E
    assert set(b.ids["patent"]) == {"CN1A", "CN2A"}  # CN3A is filed in 2031
    assert list(b.ids["litigation"]) == ["(2022)01"]
    assert set(b.ids["person"]) == {"P1", "P2", "P9"}  # P9 appears only in a relation
    assert b.enterprise_index([E[3], "nope"]).tolist() == [3, -1]
    for nt in NODE_TYPES:
        assert b.x[nt].shape == (b.num_nodes(nt), len(b.feature_names[nt]))
        assert b.x[nt].dtype == np.float32


@pytest.mark.parametrize(
    ("edge_type", "expected"),
    [
        (("enterprise", "guarantees", "enterprise"), {(E[0], E[1])}),
        (("enterprise", "supplies", "enterprise"), {(E[2], E[0])}),
        (("enterprise", "holds_shares", "enterprise"), {(E[4], E[1])}),
        (("person", "holds_shares", "enterprise"), {("P2", E[2])}),
        (("person", "officer_of", "enterprise"), {("P1", E[0]), ("P1", E[3]), ("P9", E[5])}),
        (("enterprise", "owns", "patent"), {(E[0], "CN1A"), (E[1], "CN2A")}),
        (("patent", "cites", "patent"), {("CN2A", "CN1A")}),
        (("enterprise", "party_to_plaintiff", "litigation"), {(E[0], "(2022)01")}),
        (("enterprise", "party_to_defendant", "litigation"), {(E[1], "(2022)01")}),
        (("enterprise", "party_to_third_party", "litigation"), {(E[4], "(2022)01")}),
        (("litigation", "concerns", "patent"), {("(2022)01", "CN1A")}),
    ],
)
def test_relations_as_of(edge_type: tuple[str, str, str], expected: set[tuple[str, str]]) -> None:
    b = build_graph(tiny_frames(), None, AS_OF)
    assert edge_set(b, edge_type) == expected


def test_later_relations_appear_later() -> None:
    later = build_graph(tiny_frames(), None, "2032-01-01")
    assert (E[3], E[5]) in edge_set(later, ("enterprise", "guarantees", "enterprise"))
    assert "CN3A" in set(later.ids["patent"])
    assert edge_set(later, ("enterprise", "party_to_defendant", "litigation")) == {
        (E[1], "(2022)01"),
        (E[2], "(2031)02"),
    }


def test_hetero_data_has_reverse_edges() -> None:
    b = build_graph(tiny_frames(), None, AS_OF)
    data = b.data
    assert data.validate()
    assert set(data.edge_types) == set(ALL_EDGE_TYPES)
    for et in FORWARD_RELATIONS:
        fwd = data[et].edge_index
        rev = data[reverse(et)].edge_index
        assert fwd.shape == rev.shape
        assert (fwd.flip(0) == rev).all()
    assert data["enterprise"].x.shape == (7, len(b.feature_names["enterprise"]))
    assert b.num_edges == 2 * sum(len(s) for s, _ in b.edges.values())


def test_isolated_enterprise_is_kept() -> None:
    b = build_graph(tiny_frames(), None, AS_OF)
    isolated = 6
    for et in FORWARD_RELATIONS:
        s, d = b.edges[et]
        if et[0] == "enterprise":
            assert isolated not in s
        if et[2] == "enterprise":
            assert isolated not in d


def test_distress_known_only_after_the_fact() -> None:
    frames = tiny_frames()
    before = build_graph(frames, None, "2024-02-15").enterprise_frame()
    after = build_graph(frames, None, AS_OF).enterprise_frame()
    assert before.loc[E[1], "distress_defaulted"] == 0.0
    assert after.loc[E[1], "distress_defaulted"] == 1.0
    assert after.loc[E[1], "distress_defaulted_recent"] == 1.0
    much_later = build_graph(frames, None, "2025-06-01").enterprise_frame()
    assert much_later.loc[E[1], "distress_defaulted"] == 1.0
    assert much_later.loc[E[1], "distress_defaulted_recent"] == 0.0
    assert before.loc[E[1], "distress_severe_events"] == 1.0  # overdue payment in February
    assert after.loc[E[1], "pat_dead_n"] == 1.0
    assert before.loc[E[1], "pat_dead_n"] == 0.0  # the patent lapsed in March


def test_provided_features_get_the_distress_block() -> None:
    frames = tiny_frames()
    given = pd.DataFrame({"x1": range(7), "x2": 1.5}, index=E)
    b = build_graph(frames, given.iloc[::-1], AS_OF)
    assert b.feature_names["enterprise"] == ["x1", "x2", *DISTRESS_COLUMNS]
    assert b.enterprise_frame()["x1"].tolist() == list(range(7))


def test_empty_world_is_refused() -> None:
    with pytest.raises(InvalidGraphInput, match="no enterprises"):
        build_graph(WorldFrames.from_tables({}), None, AS_OF)
