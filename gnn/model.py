"""A typed heterogeneous GraphSAGE for enterprise risk.

Mean aggregation per relation is a sparse CSR product with a row-normalised adjacency, which is
several times faster on CPU than generic scatter-based message passing at 2M edges.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import torch
from torch import Tensor, nn

from gnn.relations import ENTERPRISE, EdgeType, key

# relations along which exposure adds up per counterparty: aggregated by sum, not mean
COUNTERPARTY_RELATIONS: frozenset[str] = frozenset(
    {"guarantees", "supplies", "holds_shares", "rev_guarantees", "rev_supplies", "rev_holds_shares"}
)


@dataclass(frozen=True)
class SparseAdjacency:
    """A (dst x src) CSR matrix and, for training, its transpose (saves a conversion per step).

    Training adjacencies take two shortcuts (scoring keeps the plain product): with `take`,
    every target has exactly one source of weight 1 (a patent's owner) and the product is a
    row gather; with `rows`, only those targets have sources (litigation about a patent), `fwd`
    holds just their rows and a message updates just them. `n_dst`: the number of targets.
    """

    fwd: Tensor
    bwd: Tensor | None = None
    n_dst: int = -1
    take: Tensor | None = None
    rows: Tensor | None = None

    @property
    def empty(self) -> bool:
        """No edges at all: the relation sends nothing."""
        return self.take is None and self.fwd._nnz() == 0


Adjacency = dict[EdgeType, SparseAdjacency]


class _SpMM(torch.autograd.Function):
    """`A @ h` whose backward uses a precomputed transpose of A."""

    @staticmethod
    def forward(ctx: Any, fwd: Tensor, bwd: Tensor, h: Tensor) -> Tensor:
        ctx.bwd = bwd
        return fwd @ h

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[None, None, Tensor]:
        return None, None, ctx.bwd @ grad


def _product(adj: SparseAdjacency, h: Tensor) -> Tensor:
    """The stored rows of `adj @ h` (every row without `rows`), differentiable in h."""
    if adj.take is not None:
        return h.index_select(0, adj.take)
    if adj.bwd is not None and h.requires_grad and torch.is_grad_enabled():
        out: Tensor = _SpMM.apply(adj.fwd, adj.bwd, h)
        return out
    return adj.fwd @ h


def aggregate(adj: SparseAdjacency, h: Tensor) -> Tensor:
    """`adj @ h`, differentiable in h."""
    part = _product(adj, h)
    if adj.rows is None:
        return part
    return part.new_zeros(adj.n_dst, part.shape[1]).index_copy(0, adj.rows, part)


def add_message(
    out: Tensor, weight: nn.Module, adj: SparseAdjacency, h: Tensor, grad: bool
) -> None:
    """Add `weight(adj @ h)`, a relation's message, to the targets' states `out` in place.

    The weight has no bias, so it may as well go first, `adj @ weight(h)`: in training, where
    the sources are fewer than the targets (firms to their patents or officers), the dense
    product then runs over the fewer rows. Scoring keeps one order, so a sub-graph's scores
    equal the full graph's to the bit.
    """
    if adj.empty:
        return
    n_rows = len(out) if adj.rows is None else len(adj.rows)
    if grad and len(h) < n_rows:
        msg = _product(adj, weight(h))
    else:
        msg = weight(_product(adj, h))
    if adj.rows is None:
        out.add_(msg)
    else:
        out.index_add_(0, adj.rows, msg)


def dropout(h: Tensor, p: float) -> Tensor:
    """Inverted dropout (zero with probability p, scale the rest by 1 / (1 - p)), as
    `nn.functional.dropout` in training, with the mask from uniform draws: about a third of
    its time on CPU, where its Bernoulli sampling costs more than the layer it follows."""
    mask = torch.rand_like(h).ge_(p).mul_(1.0 / (1.0 - p))
    return h * mask


def _row_major_order(rows: np.ndarray, cols: np.ndarray, n_cols: int) -> np.ndarray | slice:
    """The permutation that sorts edges by (row, column): `np.lexsort((cols, rows))`, without
    sorting when they are in that order already (edge arrays come sorted by source) and with one
    stable sort by row when the columns are sorted already (sorted by target)."""
    if len(rows) < 2:
        return slice(None)
    code = rows.astype(np.int64) * max(n_cols, 1) + cols
    if not (code[1:] < code[:-1]).any():
        return slice(None)
    if not (cols[1:] < cols[:-1]).any():
        return np.argsort(rows, kind="stable")
    return np.lexsort((cols, rows))


def _csr(
    rows: np.ndarray, cols: np.ndarray, values: np.ndarray, n_rows: int, n_cols: int
) -> Tensor:
    order = _row_major_order(rows, cols, n_cols)
    crow = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=crow[1:])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "sparse CSR support is in beta"
        return torch.sparse_csr_tensor(
            torch.from_numpy(crow),
            torch.from_numpy(cols[order].astype(np.int64, copy=False)),
            torch.from_numpy(values[order].astype(np.float32, copy=False)),
            size=(n_rows, n_cols),
            check_invariants=False,
        )


def mean_adjacency(
    src: np.ndarray,
    dst: np.ndarray,
    n_src: int,
    n_dst: int,
    device: torch.device | None = None,
    *,
    normalise: bool = True,
    transpose: bool = False,
) -> SparseAdjacency:
    """(dst x src) adjacency: `A @ h_src` is the mean (or, unnormalised, the sum) over
    in-neighbours. `transpose` (training) adds the transpose and the shortcuts of
    `SparseAdjacency`: a gather where every target has one source, only the targets that have
    sources where they are fewer than half."""
    deg = np.bincount(dst, minlength=n_dst)
    if normalise:
        values = (1.0 / np.maximum(deg, 1))[dst].astype(np.float32)
    else:
        values = np.ones(len(dst), dtype=np.float32)
    take = rows = None
    n_stored = n_dst  # the targets `fwd` holds rows for
    if transpose and n_dst and len(dst) == n_dst and bool((deg == 1).all()):
        take = torch.from_numpy(src[np.argsort(dst, kind="stable")].astype(np.int64))
    elif transpose and 0 < int(np.count_nonzero(deg)) < n_dst / 2:
        targets = np.flatnonzero(deg)
        dst = np.searchsorted(targets, dst)
        n_stored, rows = len(targets), torch.from_numpy(targets.astype(np.int64))
    fwd = _csr(dst, src, values, n_stored, n_src)
    bwd = _csr(src, dst, values, n_src, n_stored) if transpose and take is None else None
    if device is not None:
        fwd = fwd.to(device)
        bwd, take, rows = (t.to(device) if t is not None else None for t in (bwd, take, rows))
    return SparseAdjacency(fwd, bwd, n_dst, take, rows)


Frozen = Sequence[Mapping[str, tuple[Tensor, Tensor]]]


class HeteroSAGE(nn.Module):
    """Heterogeneous GraphSAGE with per-relation weights, an input skip and a distress channel.

    Each node type is encoded by its own linear layer. A layer updates node type `t` as
    `relu(W_root h_t + sum_r W_r agg_{u in N_r(v)} h_u)` over every relation `r` ending in `t`
    (reverse relations are separate types, so a guarantor and a guaranteed firm are told
    apart); `agg` is a sum over counterparties (guarantees, supply, shareholding: exposure adds
    up) and a mean elsewhere. The last layer only updates the target type. The head reads the
    target's input encoding next to its gated last hidden state: the gate starts at zero, so
    the model starts from the firm's own features and lets neighbours in as far as they help.

    The distress channel is a deliberately small contagion path: a few input columns of each
    counterparty (known default, recent severe events) go through a tiny positive transform,
    are summed per counterparty relation and weighted into the logit. With the handful of
    contagion defaults a bank observes, this learns what the wide layers cannot.

    Args:
        in_dims: number of input features per node type.
        edge_types: every relation the model knows (missing ones at call time send nothing).
        hidden: width of every hidden layer (default 32).
        layers: message-passing layers, i.e. the receptive field in hops (default 2).
        dropout: dropout on hidden states during training (default 0.2).
        target: node type that gets scored (default "enterprise").
        signal_index: target input columns fed to the distress channel (default none).
        signal_dim: width of the distress channel (default 4).
    """

    def __init__(
        self,
        in_dims: Mapping[str, int],
        edge_types: Sequence[EdgeType],
        *,
        hidden: int = 32,
        layers: int = 2,
        dropout: float = 0.2,
        target: str = ENTERPRISE,
        signal_index: Sequence[int] = (),
        signal_dim: int = 4,
    ) -> None:
        super().__init__()
        if layers < 1:
            raise ValueError("layers must be at least 1")
        self.node_types = list(in_dims)
        self.edge_types: list[EdgeType] = [(et[0], et[1], et[2]) for et in edge_types]
        self.hidden = hidden
        self.num_layers = layers
        self.dropout = dropout
        self.target = target
        self.signal_index = [int(i) for i in signal_index]
        self.signal_dim = signal_dim
        self.encoders = nn.ModuleDict(
            {nt: nn.Linear(max(d, 1), hidden) for nt, d in in_dims.items()}
        )
        self.roots = nn.ModuleList()
        self.rels = nn.ModuleList()
        for layer in range(layers):
            dst_types = [target] if layer == layers - 1 else self.node_types
            self.roots.append(nn.ModuleDict({nt: nn.Linear(hidden, hidden) for nt in dst_types}))
            self.rels.append(
                nn.ModuleDict(
                    {
                        key(et): nn.Linear(hidden, hidden, bias=False)
                        for et in self.edge_types
                        if et[2] in dst_types
                    }
                )
            )
        self.head = nn.Sequential(nn.Linear(2 * hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))
        # the graph path enters the head through a gate that starts closed (ReZero-style): the
        # model begins as a model of the firm's own features and opens the gate only as far as
        # neighbours help on the training data
        self.graph_gate = nn.Parameter(torch.zeros(1))
        self.signal_relations: list[EdgeType] = [
            et
            for et in self.edge_types
            if et[0] == target == et[2] and et[1] in COUNTERPARTY_RELATIONS
        ]
        n_signal = len(self.signal_index)
        self.signal_in = nn.Linear(max(n_signal, 1), signal_dim)
        self.signal_out = nn.Linear(signal_dim * max(len(self.signal_relations), 1), 1, bias=False)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-initialise every weight (the distress channel starts silent)."""
        for module in self.modules():
            if isinstance(module, nn.Linear):
                module.reset_parameters()
        nn.init.zeros_(self.signal_out.weight)
        nn.init.zeros_(self.graph_gate)

    def forward(
        self,
        x: Mapping[str, Tensor],
        adj: Mapping[EdgeType, SparseAdjacency],
        *,
        frozen: Frozen | None = None,
        hidden_out: list[dict[str, Tensor]] | None = None,
    ) -> Tensor:
        """Logits of the target nodes, shape [num_target_nodes].

        `frozen[l]` overwrites rows of the hidden states after layer l+1 (per node type: row
        indices and values), for exact re-scoring of a subgraph from cached states;
        `hidden_out` receives those intermediate states.
        """
        h = {nt: torch.relu(self.encoders[nt](v)) for nt, v in x.items() if nt in self.encoders}
        h0 = h[self.target]
        for layer in range(self.num_layers):
            roots = cast(nn.ModuleDict, self.roots[layer])
            rels = cast(nn.ModuleDict, self.rels[layer])
            out = {nt: roots[nt](h[nt]) for nt in roots if nt in h}
            # the sums build up in place (autograd keeps none of them): no new million-row
            # tensor per relation
            grad = torch.is_grad_enabled()
            for et, a in adj.items():
                k = key(et)
                if k in rels and et[0] in h and et[2] in out:
                    add_message(out[et[2]], rels[k], a, h[et[0]], grad)
            h = {nt: torch.relu(v) for nt, v in out.items()}
            if self.training and self.dropout > 0:
                h = {nt: dropout(v, self.dropout) for nt, v in h.items()}
            if layer < self.num_layers - 1:
                if frozen is not None:
                    for nt, (rows, values) in frozen[layer].items():
                        h[nt] = h[nt].index_copy(0, rows, values)
                if hidden_out is not None:
                    hidden_out.append(h)
        z = torch.cat([h0, self.graph_gate * h[self.target]], dim=1)
        logit = self.head(z).squeeze(-1)
        if self.signal_index and self.signal_relations:
            logit = logit + self._signal(x[self.target], adj)
        return logit

    def _signal(self, x: Tensor, adj: Mapping[EdgeType, SparseAdjacency]) -> Tensor:
        s = nn.functional.softplus(self.signal_in(x[:, self.signal_index]))
        parts = [
            aggregate(adj[et], s) if et in adj else torch.zeros_like(s)
            for et in self.signal_relations
        ]
        out: Tensor = self.signal_out(torch.cat(parts, dim=1)).squeeze(-1)
        return out
