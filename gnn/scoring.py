"""A trained graph model (network, scalers, calibration) and scoring of a bundle with it."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import Tensor

from gnn.device import graph_threads
from gnn.errors import InvalidGraphInput
from gnn.graph import GraphBundle
from gnn.model import COUNTERPARTY_RELATIONS, Adjacency, HeteroSAGE, mean_adjacency
from gnn.relations import ENTERPRISE, FORWARD_RELATIONS, NODE_TYPES, reverse
from gnn.scaling import FeatureScaler
from gnn.served import Blend


@dataclass(frozen=True)
class Calibration:
    """Platt scaling of logits: p = sigmoid(a * logit + b)."""

    a: float = 1.0
    b: float = 0.0

    def apply(self, logits: np.ndarray) -> np.ndarray:
        """Calibrated probabilities."""
        z = self.a * logits.astype(np.float64) + self.b
        return 1.0 / (1.0 + np.exp(-z))


def adjacency(
    bundle: GraphBundle, device: torch.device, drop: Iterable[str] = (), *, training: bool = False
) -> Adjacency:
    """Adjacencies of every relation and its reverse; `drop` names forward relations to omit.

    Counterparty relations are summed, the others averaged (see `COUNTERPARTY_RELATIONS`).
    """
    dropped = set(drop)
    cache_key = f"adj:{device}:{training}"
    cached = bundle.cache.get(cache_key) if not dropped else None
    if cached is not None:
        out: Adjacency = cached
        return out
    adj: Adjacency = {}
    for et in FORWARD_RELATIONS:
        if et[1] in dropped:
            continue
        s, d = bundle.edges[et]
        n_s, n_d = bundle.num_nodes(et[0]), bundle.num_nodes(et[2])
        rev = reverse(et)
        adj[et] = mean_adjacency(
            s, d, n_s, n_d, device, normalise=et[1] not in COUNTERPARTY_RELATIONS,
            transpose=training,
        )  # fmt: skip
        adj[rev] = mean_adjacency(
            d, s, n_d, n_s, device, normalise=rev[1] not in COUNTERPARTY_RELATIONS,
            transpose=training,
        )  # fmt: skip
    if not dropped:
        bundle.cache[cache_key] = adj
    return adj


def node_inputs(
    bundle: GraphBundle, scaler: FeatureScaler, device: torch.device
) -> dict[str, Tensor]:
    """Scaled feature tensors per node type."""
    wrong = scaler.check_names(bundle.feature_names)
    if wrong:
        raise InvalidGraphInput(
            "node features differ from the ones the model was trained on: " + ", ".join(wrong)
        )
    scaled = scaler.transform(bundle.x)
    return {nt: torch.from_numpy(scaled[nt]).to(device) for nt in NODE_TYPES}


@dataclass
class GraphModel:
    """Everything needed to score: the network, its scalers, calibration and metadata."""

    network: HeteroSAGE
    scaler: FeatureScaler
    calibration: Calibration
    meta: dict[str, Any] = field(default_factory=dict)
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    blend: Blend | None = None

    @property
    def version(self) -> str:
        """The model version ("" before it is saved)."""
        return str(self.meta.get("version", ""))

    def to(self, device: torch.device) -> GraphModel:
        """Move the network to a device."""
        self.network.to(device)
        self.device = device
        return self

    def logits(self, bundle: GraphBundle, drop: Iterable[str] = ()) -> np.ndarray:
        """Raw logits of every enterprise of the bundle."""
        if bundle.num_nodes(ENTERPRISE) == 0:
            return np.zeros(0)
        self.network.eval()
        with graph_threads(self.device), torch.inference_mode():
            x = node_inputs(bundle, self.scaler, self.device)
            out = self.network(x, adjacency(bundle, self.device, drop))
        return np.asarray(out.float().cpu().numpy(), dtype=np.float64)

    def graph_predict(self, bundle: GraphBundle, drop: Iterable[str] = ()) -> np.ndarray:
        """The graph network's own calibrated probabilities (no tabular part)."""
        return self.calibration.apply(self.logits(bundle, drop))

    def base(
        self,
        bundle: GraphBundle,
        x: np.ndarray | None = None,
        rows: Any = None,
        *,
        workers: int | None = None,
    ) -> np.ndarray:
        """The served tabular logits of enterprise `rows` (zeros without a tabular part)."""
        if self.blend is None:
            n = bundle.num_nodes(ENTERPRISE) if rows is None else len(rows)
            return np.zeros(n)
        return self.blend.base(bundle, x, rows, workers=workers)

    def served(self, logits: np.ndarray, base: np.ndarray) -> np.ndarray:
        """The score in service from graph logits and tabular logits of the same rows."""
        if self.blend is None:
            return self.calibration.apply(logits)
        return self.blend.apply(logits, base)

    def predict(self, bundle: GraphBundle, drop: Iterable[str] = ()) -> np.ndarray:
        """The served default probabilities of every enterprise of the bundle (`drop` removes
        relations from the graph part only)."""
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(self.base, bundle, workers=1)  # beside the network
            logits = self.logits(bundle, drop)
            return self.served(logits, pending.result())


@dataclass
class ScoredGraph:
    """A graph scored once in full, keeping what exact incremental re-scoring needs."""

    model: GraphModel
    bundle: GraphBundle
    x: dict[str, Tensor]
    hidden: list[dict[str, Tensor]]
    logits: np.ndarray
    scores: np.ndarray
    base: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def build(cls, model: GraphModel, bundle: GraphBundle) -> ScoredGraph:
        """Score every enterprise of the bundle, keeping inputs and hidden states."""
        net = model.network
        net.eval()
        hidden: list[dict[str, Tensor]] = []
        # the tabular part on a thread of its own beside the network (one thread each): both
        # spend their time in compiled loops that leave the interpreter lock, so with a core to
        # spare the slower of the two sets the time, not their sum
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(model.base, bundle, workers=1)
            with graph_threads(model.device), torch.inference_mode():
                x = node_inputs(bundle, model.scaler, model.device)
                out = net(x, adjacency(bundle, model.device), hidden_out=hidden)
            logits = np.asarray(out.float().cpu().numpy(), dtype=np.float64)
            base = pending.result()
        return cls(model, bundle, x, hidden, logits, model.served(logits, base), base)

    def score_map(self) -> dict[str, float]:
        """Graph risk per USCC."""
        ids = self.bundle.ids[ENTERPRISE]
        return {str(u): float(p) for u, p in zip(ids, self.scores, strict=True)}
