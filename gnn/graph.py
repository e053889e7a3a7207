"""Building the heterogeneous risk graph from world frames as of a date.

Everything is vectorised: ids are mapped with pandas indexes and edge arrays go straight into
tensors. Relations, patents and cases that did not exist yet at `as_of` are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch_geometric.data import HeteroData

from db.frames import WorldFrames
from gnn import features as feat
from gnn.errors import InvalidGraphInput
from gnn.relations import (
    ENTERPRISE,
    FORWARD_RELATIONS,
    LITIGATION,
    NODE_TYPES,
    PARTY_ROLES,
    PATENT,
    PERSON,
    EdgeType,
    reverse,
)

IntArray = np.ndarray
EMPTY = np.zeros(0, dtype=np.int64)


@dataclass
class GraphBundle:
    """The graph as of a date: node ids and raw features per type, forward edge arrays.

    `edges` holds forward relations only (local indices per node type); `data` is the same
    graph as PyG `HeteroData` with reverse edge types added and raw (unscaled) features.
    """

    as_of: pd.Timestamp
    ids: dict[str, pd.Index]
    x: dict[str, np.ndarray]
    feature_names: dict[str, list[str]]
    edges: dict[EdgeType, tuple[IntArray, IntArray]]
    names: dict[str, np.ndarray]
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def num_nodes(self, node_type: str) -> int:
        """Number of nodes of a type."""
        return len(self.ids[node_type])

    @property
    def num_edges(self) -> int:
        """Directed edges including reverses."""
        return 2 * sum(len(s) for s, _ in self.edges.values())

    def enterprise_index(self, usccs: list[str] | np.ndarray) -> IntArray:
        """Row numbers of enterprises by USCC; -1 where unknown."""
        return np.asarray(self.ids[ENTERPRISE].get_indexer(pd.Index(list(usccs))), dtype=np.int64)

    def enterprise_frame(self) -> pd.DataFrame:
        """Raw enterprise features as a DataFrame indexed by USCC (the tabular view)."""
        return pd.DataFrame(
            self.x[ENTERPRISE], index=self.ids[ENTERPRISE], columns=self.feature_names[ENTERPRISE]
        )

    def label(self, node_type: str, index: int) -> tuple[str, str]:
        """(id, display name) of one node."""
        return str(self.ids[node_type][index]), str(self.names[node_type][index])

    @property
    def data(self) -> HeteroData:
        """The PyG view: raw features, forward and reverse edge types (built once)."""
        if "data" not in self.cache:
            self.cache["data"] = to_hetero_data(self)
        out: HeteroData = self.cache["data"]
        return out


def to_hetero_data(bundle: GraphBundle) -> HeteroData:
    """PyG HeteroData with `x` per node type and every forward and reverse edge type."""
    data = HeteroData()
    for nt in NODE_TYPES:
        data[nt].x = torch.from_numpy(bundle.x[nt])
        data[nt].num_nodes = bundle.num_nodes(nt)
    for et in FORWARD_RELATIONS:
        src, dst = bundle.edges[et]
        data[et].edge_index = torch.from_numpy(np.stack([src, dst]))
        data[reverse(et)].edge_index = torch.from_numpy(np.stack([dst, src]))
    return data


def _unique_pairs(src: IntArray, dst: IntArray, n_dst: int) -> tuple[IntArray, IntArray]:
    """Drop duplicate (src, dst) pairs, keeping a deterministic order."""
    if len(src) == 0:
        return EMPTY, EMPTY
    code = src.astype(np.int64) * max(n_dst, 1) + dst.astype(np.int64)
    code.sort()  # then dropping repeats: np.unique without its extra passes
    code = code[np.concatenate(([True], code[1:] != code[:-1]))]
    return code // max(n_dst, 1), code % max(n_dst, 1)


def _map(index: pd.Index, values: pd.Series) -> IntArray:
    return np.asarray(index.get_indexer(pd.Index(values.astype(str))), dtype=np.int64)


def _pairs(
    src_index: pd.Index, dst_index: pd.Index, src: pd.Series, dst: pd.Series
) -> tuple[IntArray, IntArray]:
    s = _map(src_index, src)
    d = _map(dst_index, dst)
    ok = (s >= 0) & (d >= 0)
    return _unique_pairs(s[ok], d[ok], len(dst_index))


def _enterprise_x(
    frames: WorldFrames,
    node_features: pd.DataFrame | None,
    t: pd.Timestamp,
    index: pd.Index,
) -> pd.DataFrame:
    if node_features is None:
        return feat.enterprise_features(frames, t).reindex(index)
    x = node_features.copy()
    x.index = x.index.astype(str)
    x = x[~x.index.duplicated(keep="last")].reindex(index)
    x = x.apply(pd.to_numeric, errors="coerce").astype(np.float64)
    missing = [c for c in feat.DISTRESS_COLUMNS if c not in x.columns]
    if missing:
        x = pd.concat([x, feat.distress_features(frames, t, index)[missing]], axis=1)
    return x.replace([np.inf, -np.inf], np.nan)


def _relations_as_of(frames: WorldFrames, t: pd.Timestamp) -> pd.DataFrame:
    """Relations in force at `t` (or undated), with string endpoints."""
    rel = frames.relations
    rel = rel[rel["since"].isna() | (rel["since"] <= t)]
    return rel.assign(src=rel["src"].astype(str), dst=rel["dst"].astype(str))


def _person_nodes(
    frames: WorldFrames, rel: pd.DataFrame, ent_index: pd.Index
) -> tuple[pd.Index, np.ndarray]:
    """Person ids and names: known persons, then holders and officers named only in relations."""
    person_rel = rel[rel["kind"].isin(("officer", "shareholding"))]
    persons = frames.persons.drop_duplicates("id", keep="last")
    known = pd.Index(persons["id"].astype(str))
    extra = pd.Index(person_rel["src"].unique()).difference(ent_index).difference(known)
    names = np.concatenate(
        [persons["name"].fillna("").astype(str).to_numpy(), extra.to_numpy(dtype=object)]
    )
    return known.append(extra), names


def _edges(
    frames: WorldFrames,
    rel: pd.DataFrame,
    ids: dict[str, pd.Index],
    pats: pd.DataFrame,
) -> dict[EdgeType, tuple[IntArray, IntArray]]:
    """Every forward relation as (source, target) local indices."""
    ent_index, pat_index = ids[ENTERPRISE], ids[PATENT]
    lit_index, person_index = ids[LITIGATION], ids[PERSON]
    edges: dict[EdgeType, tuple[IntArray, IntArray]] = {}
    edges[(ENTERPRISE, "owns", PATENT)] = _pairs(
        ent_index, pat_index, pats["owner"], pats["number"]
    )
    cit = frames.citations
    edges[(PATENT, "cites", PATENT)] = _pairs(pat_index, pat_index, cit["citing"], cit["cited"])
    parties = frames.litigation_parties
    for role, name in PARTY_ROLES.items():
        p = parties[parties["role"] == role]
        edges[(ENTERPRISE, name, LITIGATION)] = _pairs(
            ent_index, lit_index, p["uscc"], p["case_no"]
        )
    lp = frames.litigation_patents
    edges[(LITIGATION, "concerns", PATENT)] = _pairs(
        lit_index, pat_index, lp["case_no"], lp["number"]
    )
    for kind, name in (("guarantee", "guarantees"), ("supply", "supplies")):
        r = rel[rel["kind"] == kind]
        edges[(ENTERPRISE, name, ENTERPRISE)] = _pairs(ent_index, ent_index, r["src"], r["dst"])
    sh = rel[rel["kind"] == "shareholding"]
    edges[(ENTERPRISE, "holds_shares", ENTERPRISE)] = _pairs(
        ent_index, ent_index, sh["src"], sh["dst"]
    )
    edges[(PERSON, "holds_shares", ENTERPRISE)] = _pairs(
        person_index, ent_index, sh["src"], sh["dst"]
    )
    off = rel[rel["kind"] == "officer"]
    edges[(PERSON, "officer_of", ENTERPRISE)] = _pairs(
        person_index, ent_index, off["src"], off["dst"]
    )
    return edges


def _person_x(edges: dict[EdgeType, tuple[IntArray, IntArray]], n_person: int) -> np.ndarray:
    """Person features: a constant and the log of officer roles and of holdings."""
    officer_deg = np.bincount(edges[(PERSON, "officer_of", ENTERPRISE)][0], minlength=n_person)
    holding_deg = np.bincount(edges[(PERSON, "holds_shares", ENTERPRISE)][0], minlength=n_person)
    return np.column_stack(
        [np.ones(n_person), np.log1p(officer_deg), np.log1p(holding_deg)]
    ).astype(np.float32)


def build_graph(
    frames: WorldFrames, node_features: pd.DataFrame | None, as_of: object
) -> GraphBundle:
    """Build the graph as of `as_of`; `node_features` (index USCC) replaces built-in features."""
    t = feat._ts(as_of)
    ent_index = feat.enterprise_index(frames)
    if len(ent_index) == 0:
        raise InvalidGraphInput("the world has no enterprises", field="enterprises")
    ent = frames.enterprises.drop_duplicates("uscc", keep="last").set_index("uscc")
    ent_names = ent["name"].reindex(ent_index).fillna("").astype(str).to_numpy()
    rel = _relations_as_of(frames, t)
    person_index, person_names = _person_nodes(frames, rel, ent_index)
    pats = feat.patents_as_of(frames, t)
    lits = feat.litigations_as_of(frames, t)
    ids = {
        ENTERPRISE: ent_index,
        PATENT: pd.Index(pats["number"]),
        LITIGATION: pd.Index(lits["case_no"]),
        PERSON: person_index,
    }
    edges = _edges(frames, rel, ids, pats)

    ex = _enterprise_x(frames, node_features, t, ent_index)
    pat_x, pat_cols = feat.patent_node_features(frames, pats, t)
    lit_x, lit_cols = feat.litigation_node_features(frames, lits)
    return GraphBundle(
        as_of=t,
        ids=ids,
        x={
            ENTERPRISE: np.array(ex.to_numpy(dtype=np.float64), dtype=np.float32),
            PATENT: pat_x,
            LITIGATION: lit_x,
            PERSON: _person_x(edges, len(person_index)),
        },
        feature_names={
            ENTERPRISE: [str(c) for c in ex.columns],
            PATENT: pat_cols,
            LITIGATION: lit_cols,
            PERSON: ["constant", "log_officer_roles", "log_holdings"],
        },
        edges=edges,
        names={
            ENTERPRISE: ent_names,
            PATENT: pats["title"].fillna("").astype(str).to_numpy(),
            LITIGATION: lits["case_no"].to_numpy(dtype=object),
            PERSON: person_names,
        },
    )


def with_enterprise_features(bundle: GraphBundle, x: np.ndarray) -> GraphBundle:
    """A shallow copy of the bundle with replaced raw enterprise features."""
    if x.shape != bundle.x[ENTERPRISE].shape:
        raise InvalidGraphInput("enterprise feature matrix has the wrong shape")
    # adjacency and CSR depend on edges only, so the copy may share them
    shared = {k: v for k, v in bundle.cache.items() if k != "data"}
    return GraphBundle(
        as_of=bundle.as_of,
        ids=bundle.ids,
        x={**bundle.x, ENTERPRISE: x.astype(np.float32, copy=False)},
        feature_names=bundle.feature_names,
        edges=bundle.edges,
        names=bundle.names,
        cache=shared,
    )
