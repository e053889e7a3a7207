"""A typed heterogeneous GraphSAGE for enterprise risk.

Mean aggregation per relation is a sparse CSR product with a row-normalised adjacency, which is
several times faster on CPU than generic scatter-based message passing at 2M edges.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import cast

import numpy as np
import torch
from torch import Tensor, nn

from gnn.relations import ENTERPRISE, EdgeType, key

Adjacency = dict[EdgeType, Tensor]


def mean_adjacency(
    src: np.ndarray, dst: np.ndarray, n_src: int, n_dst: int, device: torch.device | None = None
) -> Tensor:
    """Row-normalised (dst x src) CSR matrix: `A @ h_src` is the mean over in-neighbours."""
    order = np.lexsort((src, dst))
    s = src[order]
    d = dst[order]
    deg = np.bincount(d, minlength=n_dst)
    crow = np.zeros(n_dst + 1, dtype=np.int64)
    np.cumsum(deg, out=crow[1:])
    values = (1.0 / np.maximum(deg, 1))[d].astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "sparse CSR support is in beta"
        mat = torch.sparse_csr_tensor(
            torch.from_numpy(crow),
            torch.from_numpy(s.astype(np.int64, copy=False)),
            torch.from_numpy(values),
            size=(n_dst, n_src),
            check_invariants=False,
        )
    return mat.to(device) if device is not None else mat


class HeteroSAGE(nn.Module):
    """Heterogeneous GraphSAGE with per-relation weights and a skip to the input encoding.

    Each node type is encoded by its own linear layer. A layer updates node type `t` as
    `relu(W_root h_t + sum_r W_r mean_{u in N_r(v)} h_u)` over every relation `r` ending in `t`
    (reverse relations are separate types, so a guarantor and a guaranteed firm are told
    apart). The last layer only updates the target type. The head reads the concatenation of
    the target's input encoding and its last hidden state, so node features keep a direct path.

    Args:
        in_dims: number of input features per node type.
        edge_types: every relation the model knows (missing ones at call time send nothing).
        hidden: width of every hidden layer (default 32).
        layers: message-passing layers, i.e. the receptive field in hops (default 2).
        dropout: dropout on hidden states during training (default 0.2).
        target: node type that gets scored (default "enterprise").
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
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-initialise every weight."""
        for module in self.modules():
            if isinstance(module, nn.Linear):
                module.reset_parameters()

    def forward(self, x: Mapping[str, Tensor], adj: Mapping[EdgeType, Tensor]) -> Tensor:
        """Logits of the target nodes, shape [num_target_nodes]."""
        h = {nt: torch.relu(self.encoders[nt](v)) for nt, v in x.items() if nt in self.encoders}
        h0 = h[self.target]
        for layer in range(self.num_layers):
            roots = cast(nn.ModuleDict, self.roots[layer])
            rels = cast(nn.ModuleDict, self.rels[layer])
            out = {nt: roots[nt](h[nt]) for nt in roots if nt in h}
            for et, a in adj.items():
                k = key(et)
                if k in rels and et[0] in h and et[2] in out:
                    out[et[2]] = out[et[2]] + rels[k](a @ h[et[0]])
            h = {nt: torch.relu(v) for nt, v in out.items()}
            if self.training and self.dropout > 0:
                h = {nt: nn.functional.dropout(v, self.dropout, True) for nt, v in h.items()}
        z = torch.cat([h0, h[self.target]], dim=1)
        return self.head(z).squeeze(-1)
