"""k-hop neighbourhoods and induced subgraphs on a bundle's edge arrays.

Nodes get global ids (node types laid out one after the other); an undirected CSR over all
relations, built once per bundle, lets a breadth-first search expand whole frontiers at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gnn.errors import InvalidGraphInput, UnknownEnterprise
from gnn.graph import EMPTY, GraphBundle
from gnn.relations import ENTERPRISE, FORWARD_RELATIONS, NODE_TYPES, EdgeType

MAX_HOPS = 4


@dataclass(frozen=True)
class GlobalCSR:
    """Undirected adjacency over all node types; entries point back to forward edges."""

    offsets: dict[str, int]
    total: int
    indptr: np.ndarray
    neighbour: np.ndarray
    edge_type: np.ndarray
    edge_pos: np.ndarray

    def to_global(self, node_type: str, local: np.ndarray) -> np.ndarray:
        """Global ids of local node indices."""
        return np.asarray(local, dtype=np.int64) + self.offsets[node_type]

    def split(self, nodes: np.ndarray) -> dict[str, np.ndarray]:
        """Sorted local indices per node type of a set of global ids."""
        nodes = np.unique(nodes)
        out: dict[str, np.ndarray] = {}
        bounds = [*self.offsets.values(), self.total]
        for i, nt in enumerate(self.offsets):
            lo, hi = bounds[i], bounds[i + 1]
            sel = nodes[(nodes >= lo) & (nodes < hi)]
            out[nt] = sel - lo
        return out


def global_csr(bundle: GraphBundle) -> GlobalCSR:
    """The bundle's undirected CSR (built on first use and cached on the bundle)."""
    cached = bundle.cache.get("csr")
    if isinstance(cached, GlobalCSR):
        return cached
    offsets: dict[str, int] = {}
    total = 0
    for nt in NODE_TYPES:
        offsets[nt] = total
        total += bundle.num_nodes(nt)
    rows, cols, types, pos = [], [], [], []
    for t, et in enumerate(FORWARD_RELATIONS):
        s, d = bundle.edges[et]
        gs = s + offsets[et[0]]
        gd = d + offsets[et[2]]
        p = np.arange(len(s), dtype=np.int64)
        tt = np.full(len(s), t, dtype=np.int8)
        rows += [gs, gd]
        cols += [gd, gs]
        types += [tt, tt]
        pos += [p, p]
    row = np.concatenate(rows) if rows else EMPTY
    order = np.argsort(row, kind="stable")
    counts = np.bincount(row, minlength=total)
    indptr = np.zeros(total + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    csr = GlobalCSR(
        offsets=offsets,
        total=total,
        indptr=indptr,
        neighbour=np.concatenate(cols)[order],
        edge_type=np.concatenate(types)[order],
        edge_pos=np.concatenate(pos)[order],
    )
    bundle.cache["csr"] = csr
    return csr


def entries(indptr: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Positions in the CSR arrays of every entry of the given rows."""
    starts = indptr[rows]
    lens = indptr[rows + 1] - starts
    total = int(lens.sum())
    if total == 0:
        return EMPTY
    ends = np.cumsum(lens)
    base = np.repeat(starts - (ends - lens), lens)
    return base + np.arange(total, dtype=np.int64)


def check_hops(hops: int) -> int:
    """`hops` if it lies in 1..MAX_HOPS, else InvalidGraphInput."""
    if isinstance(hops, bool) or not isinstance(hops, int) or not 1 <= hops <= MAX_HOPS:
        raise InvalidGraphInput(f"hops must be an integer from 1 to {MAX_HOPS}", field="hops")
    return hops


def khop(csr: GlobalCSR, seeds: np.ndarray, hops: int) -> tuple[np.ndarray, np.ndarray]:
    """Global ids within `hops` of the seeds and their hop distance (seeds at 0), by distance."""
    if hops < 0:
        raise InvalidGraphInput("hops must not be negative", field="hops")
    dist = np.full(csr.total, -1, dtype=np.int16)
    frontier = np.unique(np.asarray(seeds, dtype=np.int64))
    dist[frontier] = 0
    found = [frontier]
    for h in range(1, hops + 1):
        if len(frontier) == 0:
            break
        nbrs = np.unique(csr.neighbour[entries(csr.indptr, frontier)])
        frontier = nbrs[dist[nbrs] < 0]
        dist[frontier] = h
        found.append(frontier)
    nodes = np.concatenate(found)
    return nodes, dist[nodes].astype(np.int64)


def distances(csr: GlobalCSR, nodes: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """A full-size array of hop distances (-1 outside `nodes`)."""
    full = np.full(csr.total, -1, dtype=np.int64)
    full[nodes] = dist
    return full


def predecessors(csr: GlobalCSR, full_dist: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Targets plus every node on some shortest path from the seeds (distance 0) to them."""
    keep = [np.unique(np.asarray(targets, dtype=np.int64))]
    level = keep[0]
    top = int(full_dist[level].max()) if len(level) else 0
    for d in range(top, 0, -1):
        frontier = np.unique(np.concatenate([k[full_dist[k] == d] for k in keep]))
        if len(frontier) == 0:
            continue
        nbrs = np.unique(csr.neighbour[entries(csr.indptr, frontier)])
        keep.append(nbrs[full_dist[nbrs] == d - 1])
    return np.unique(np.concatenate(keep))


@dataclass(frozen=True)
class Subgraph:
    """An induced subgraph as a bundle of its own, with the parent row of every node."""

    bundle: GraphBundle
    parent: dict[str, np.ndarray]

    def local_index(self, node_type: str, parent_rows: np.ndarray) -> np.ndarray:
        """Positions in the subgraph of parent rows (which must be in it)."""
        return np.searchsorted(self.parent[node_type], parent_rows)


def induced_subgraph(
    bundle: GraphBundle, nodes: np.ndarray, *, core: np.ndarray | None = None
) -> Subgraph:
    """The subgraph induced by a set of global node ids.

    With `core` (a subset of `nodes`), only edges touching the core are kept: enough to
    recompute the core exactly while skipping the edges among the outer shell.
    """
    csr = global_csr(bundle)
    nodes = np.unique(np.asarray(nodes, dtype=np.int64))
    inside = np.zeros(csr.total, dtype=bool)
    inside[nodes] = True
    rows = nodes if core is None else np.unique(np.asarray(core, dtype=np.int64))
    ent = entries(csr.indptr, rows)
    ent = ent[inside[csr.neighbour[ent]]]
    code = np.unique(csr.edge_type[ent].astype(np.int64) * (1 << 40) + csr.edge_pos[ent])
    types = code >> 40
    positions = code & ((1 << 40) - 1)
    local = csr.split(nodes)
    edges: dict[EdgeType, tuple[np.ndarray, np.ndarray]] = {}
    for t, et in enumerate(FORWARD_RELATIONS):
        p = positions[types == t]
        s, d = bundle.edges[et]
        edges[et] = (
            np.searchsorted(local[et[0]], s[p]).astype(np.int64),
            np.searchsorted(local[et[2]], d[p]).astype(np.int64),
        )
    sub = GraphBundle(
        as_of=bundle.as_of,
        ids={nt: bundle.ids[nt][local[nt]] for nt in NODE_TYPES},
        x={nt: bundle.x[nt][local[nt]] for nt in NODE_TYPES},
        feature_names=bundle.feature_names,
        edges=edges,
        names={nt: bundle.names[nt][local[nt]] for nt in NODE_TYPES},
    )
    return Subgraph(bundle=sub, parent=local)


def neighbourhood(bundle: GraphBundle, usccs: list[str], hops: int) -> Subgraph:
    """The induced subgraph of everything within `hops` (1..4) of the given enterprises."""
    check_hops(hops)
    rows = bundle.enterprise_index(usccs)
    unknown = [u for u, r in zip(usccs, rows, strict=True) if r < 0]
    if unknown:
        raise UnknownEnterprise("unknown enterprise(s): " + ", ".join(unknown[:10]))
    csr = global_csr(bundle)
    nodes, _ = khop(csr, csr.to_global(ENTERPRISE, rows), hops)
    return induced_subgraph(bundle, nodes)
