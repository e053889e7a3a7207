"""Full-graph training of the heterogeneous GNN with early stopping and Platt calibration."""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from gnn.device import graph_threads, reused_heap
from gnn.errors import InvalidGraphInput, TrainingFailed
from gnn.features import DISTRESS_COLUMNS
from gnn.graph import GraphBundle
from gnn.model import Adjacency, HeteroSAGE
from gnn.relations import ALL_EDGE_TYPES, ENTERPRISE, FORWARD_RELATIONS, NODE_TYPES, forward_name
from gnn.scaling import FeatureScaler
from gnn.scoring import Calibration, GraphModel, adjacency, node_inputs

MAX_POS_WEIGHT = 50.0


@dataclass(frozen=True)
class TrainOptions:
    """Network size and optimisation settings."""

    hidden: int = 32
    layers: int = 2
    dropout: float = 0.2
    lr: float = 0.01
    weight_decay: float = 1e-4
    epochs: int = 200
    patience: int = 30
    val_fraction: float = 0.2
    seed: int = 0
    signal_columns: tuple[str, ...] = DISTRESS_COLUMNS
    signal_dim: int = 4
    signal_lr: float = 0.05
    relation_dropout: float = 0.2
    stop_on: str = "loss"
    early_stopping: bool = True


@dataclass
class LabelledGraph:
    """A graph with labelled enterprise rows (row numbers into the bundle's enterprises)."""

    bundle: GraphBundle
    rows: np.ndarray
    y: np.ndarray


@dataclass
class TrainResult:
    """The calibrated model and how training went."""

    model: GraphModel
    epochs_run: int
    best_epoch: int
    val_auc: float | None
    train_rows: list[np.ndarray] = field(default_factory=list)
    val_rows: list[np.ndarray] = field(default_factory=list)


def auc(y: np.ndarray, p: np.ndarray) -> float | None:
    """ROC AUC, or None when only one class is present."""
    if len(y) == 0 or y.min() == y.max():
        return None
    return float(roc_auc_score(y, p))


def validation_mask(
    n: int, rows: np.ndarray, y: np.ndarray, fraction: float, seed: int
) -> np.ndarray:
    """Enterprises held out for validation, stratified by label (boolean over all n)."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(n, dtype=bool)
    for cls in (0.0, 1.0):
        members = rows[y == cls]
        k = int(round(len(members) * fraction))
        if cls == 1.0 and len(members) >= 2:
            k = max(k, 1)
        if k:
            mask[rng.choice(members, size=k, replace=False)] = True
    return mask


def _prepared(
    sets: Sequence[LabelledGraph], scaler: FeatureScaler, device: torch.device
) -> list[tuple[dict[str, torch.Tensor], Adjacency]]:
    return [
        (node_inputs(s.bundle, scaler, device), adjacency(s.bundle, device, training=True))
        for s in sets
    ]


def _platt(logits: np.ndarray, y: np.ndarray, pos_weight: float) -> Calibration:
    if len(y) < 10 or y.min() == y.max():
        # undo the class weighting only: the weighted loss shifts logits by log(pos_weight)
        return Calibration(1.0, -math.log(pos_weight))
    lr = LogisticRegression(C=1e4, max_iter=1000)
    lr.fit(logits.reshape(-1, 1), y.astype(int))
    return Calibration(float(lr.coef_[0, 0]), float(lr.intercept_[0]))


def train_graph_model(
    sets: Sequence[LabelledGraph],
    options: TrainOptions | None = None,
    *,
    device: torch.device | None = None,
    log: Any = None,
) -> TrainResult:
    """Train on labelled graphs (the first is the primary one); TrainingFailed when impossible."""
    dev = device or torch.device("cpu")
    opts = options or TrainOptions()
    if opts.stop_on not in ("loss", "auc"):
        raise InvalidGraphInput("stop_on must be 'loss' or 'auc'")
    with graph_threads(dev), reused_heap():
        return _train(sets, opts, dev, log)


@dataclass
class _Split:
    """Training and validation rows of every labelled graph, and the positive class weight."""

    train_rows: list[np.ndarray]
    val_rows: list[np.ndarray]
    train_y: torch.Tensor  # the training labels of every graph, concatenated
    val_y: np.ndarray
    pos_weight: float


def _check_sets(sets: Sequence[LabelledGraph]) -> None:
    if not sets:
        raise InvalidGraphInput("no labelled graph to train on")
    primary = sets[0]
    for s in sets:
        if not s.bundle.ids[ENTERPRISE].equals(primary.bundle.ids[ENTERPRISE]):
            raise InvalidGraphInput("training graphs must share the same enterprises")
    y_all = np.concatenate([s.y for s in sets])
    if y_all.size == 0 or y_all.max() == y_all.min():
        raise TrainingFailed("training labels need both defaulted and sound enterprises")


def _split(sets: Sequence[LabelledGraph], opts: TrainOptions, dev: torch.device) -> _Split:
    """Hold out the same enterprises for validation in every graph."""
    primary = sets[0]
    n_ent = primary.bundle.num_nodes(ENTERPRISE)
    val = validation_mask(n_ent, primary.rows, primary.y, opts.val_fraction, opts.seed)
    train_rows = [s.rows[~val[s.rows]] for s in sets]
    val_rows = [s.rows[val[s.rows]] for s in sets]
    train_y = [torch.from_numpy(s.y[~val[s.rows]]).to(dev) for s in sets]
    val_y = np.concatenate([s.y[val[s.rows]] for s in sets])
    ty = torch.cat(train_y)
    n_pos = float(ty.sum())
    if n_pos == 0 or n_pos == len(ty):
        raise TrainingFailed("the training rows need both defaulted and sound enterprises")
    pos_weight = min((len(ty) - n_pos) / n_pos, MAX_POS_WEIGHT)
    return _Split(train_rows, val_rows, ty, val_y, pos_weight)


def _network(
    in_dims: dict[str, int], names: list[str], opts: TrainOptions, dev: torch.device
) -> HeteroSAGE:
    signal_index = [names.index(c) for c in opts.signal_columns if c in names]
    return HeteroSAGE(
        in_dims,
        ALL_EDGE_TYPES,
        hidden=opts.hidden,
        layers=opts.layers,
        dropout=opts.dropout,
        signal_index=signal_index,
        signal_dim=opts.signal_dim,
    ).to(dev)


def _optimiser(net: HeteroSAGE, opts: TrainOptions) -> torch.optim.Optimizer:
    signal = [p for n, p in net.named_parameters() if n.startswith("signal_")]
    rest = [p for n, p in net.named_parameters() if not n.startswith("signal_")]
    # the few distress-channel weights learn faster and unpenalised: early stopping on the wide
    # layers would otherwise end training before contagion is learned
    return torch.optim.Adam(
        [
            {"params": rest, "lr": opts.lr, "weight_decay": opts.weight_decay},
            {"params": signal, "lr": opts.signal_lr, "weight_decay": 0.0},
        ]
    )


def _train(
    sets: Sequence[LabelledGraph], opts: TrainOptions, dev: torch.device, log: Any
) -> TrainResult:
    _check_sets(sets)
    primary = sets[0]
    torch.manual_seed(opts.seed)
    split = _split(sets, opts, dev)
    # fitted over every training graph: the first one may predate any known default
    pooled = {nt: np.concatenate([s.bundle.x[nt] for s in sets]) for nt in NODE_TYPES}
    scaler = FeatureScaler.fit(pooled, primary.bundle.feature_names)
    inputs = _prepared(sets, scaler, dev)
    in_dims = {nt: primary.bundle.x[nt].shape[1] for nt in NODE_TYPES}
    net = _network(in_dims, primary.bundle.feature_names[ENTERPRISE], opts, dev)
    epoch, best_epoch = _fit(net, inputs, split, opts, dev, log)
    val_logits = _val_logits(net, inputs, split.val_rows)
    n_primary_val = len(split.val_rows[0])
    calibration = _platt(val_logits[:n_primary_val], split.val_y[:n_primary_val], split.pos_weight)
    val_auc = auc(split.val_y, val_logits)
    meta = {
        "in_dims": in_dims,
        "feature_names": primary.bundle.feature_names,
        "options": asdict(opts),
        "best_epoch": best_epoch,
        "epochs_run": epoch,
        "pos_weight": split.pos_weight,
        "val_auc": val_auc,
    }
    model = GraphModel(net, scaler, calibration, meta, dev)
    return TrainResult(
        model=model,
        epochs_run=epoch,
        best_epoch=best_epoch,
        val_auc=val_auc,
        train_rows=split.train_rows,
        val_rows=split.val_rows,
    )


def _fit(
    net: HeteroSAGE,
    inputs: list[tuple[dict[str, torch.Tensor], Adjacency]],
    split: _Split,
    opts: TrainOptions,
    dev: torch.device,
    log: Any,
) -> tuple[int, int]:
    """Train until validation stops improving and keep the best weights; returns the number of
    epochs run and the best epoch. Without `early_stopping`: exactly `epochs` epochs, the last
    weights kept, no validation pass per epoch (a refit whose epoch count was chosen on
    held-out data already)."""
    optim = _optimiser(net, opts)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(split.pos_weight, device=dev))
    t_rows = [torch.from_numpy(r).to(dev) for r in split.train_rows]
    rng = np.random.default_rng(opts.seed)
    if not opts.early_stopping:
        for epoch in range(1, opts.epochs + 1):
            loss_value = _step(net, optim, loss_fn, inputs, t_rows, split.train_y, rng, opts, epoch)
            if log is not None and epoch % 20 == 0:
                log(f"epoch {epoch}: loss {loss_value:.4f}")
        net.eval()
        return opts.epochs, opts.epochs
    best_state = copy.deepcopy(net.state_dict())
    best_score = -math.inf
    best_epoch = 0
    epoch = 0
    for epoch in range(1, opts.epochs + 1):
        loss_value = _step(net, optim, loss_fn, inputs, t_rows, split.train_y, rng, opts, epoch)
        val_logits = _val_logits(net, inputs, split.val_rows)
        score = auc(split.val_y, val_logits)
        if opts.stop_on == "loss" and len(split.val_y):
            # the validation loss is a steadier stopping signal than the AUC of a few defaults
            v = torch.from_numpy(val_logits).to(dev)
            metric = -float(loss_fn(v, torch.from_numpy(split.val_y).to(dev).to(v.dtype)))
        else:
            metric = score if score is not None else -loss_value
        if metric > best_score + 1e-4:
            best_score, best_epoch = metric, epoch
            best_state = copy.deepcopy(net.state_dict())
        elif epoch - best_epoch >= opts.patience:
            break
        if log is not None and epoch % 20 == 0:
            log(f"epoch {epoch}: loss {loss_value:.4f} val auc {score}")
    net.load_state_dict(best_state)
    net.eval()
    return epoch, best_epoch


def _step(
    net: HeteroSAGE,
    optim: torch.optim.Optimizer,
    loss_fn: torch.nn.Module,
    inputs: list[tuple[dict[str, torch.Tensor], Adjacency]],
    t_rows: list[torch.Tensor],
    ty: torch.Tensor,
    rng: np.random.Generator,
    opts: TrainOptions,
    epoch: int,
) -> float:
    """One full-graph step with some relations dropped; returns the training loss.

    The loss is the mean over the training rows of every graph. Its gradient is accumulated
    one graph at a time (each graph's summed loss over the number of rows of all graphs), so
    only one graph's activations are held at once; the dropout masks are drawn graph by graph
    as in one joint pass (graphs without training rows are skipped).
    """
    net.train()
    optim.zero_grad()
    kept = _relation_dropout(rng, opts.relation_dropout)
    total = float(len(ty))
    loss_value, start = 0.0, 0
    for (x, a), r in zip(inputs, t_rows, strict=True):
        if len(r) == 0:
            continue
        out = net(x, {et: m for et, m in a.items() if forward_name(et[1]) in kept})[r]
        part = loss_fn(out, ty[start : start + len(r)]) * (len(r) / total)
        start += len(r)
        value = float(part.detach())
        if not math.isfinite(value):
            raise TrainingFailed(f"training diverged at epoch {epoch} (loss {value})")
        part.backward()
        loss_value += value
    optim.step()
    return loss_value


def _relation_dropout(rng: np.random.Generator, p: float) -> set[str]:
    """Relation names kept this epoch (each forward relation dropped with probability p)."""
    names = [et[1] for et in FORWARD_RELATIONS]
    return {n for n in names if rng.random() >= p}


def _val_logits(
    net: HeteroSAGE,
    inputs: list[tuple[dict[str, torch.Tensor], Adjacency]],
    val_rows: list[np.ndarray],
) -> np.ndarray:
    net.eval()
    with torch.no_grad():
        parts = [
            _rows_of(net(x, a), r).cpu().numpy() for (x, a), r in zip(inputs, val_rows, strict=True)
        ]
    return np.concatenate(parts).astype(np.float64)


def _rows_of(out: torch.Tensor, rows: np.ndarray) -> torch.Tensor:
    return out.index_select(0, torch.from_numpy(rows).to(out.device))
