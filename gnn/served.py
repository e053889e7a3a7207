"""The served graph risk: the best tabular model's calibrated logit plus a gated graph correction.

    served logit = c0 + c1 * tabular logit + g * graph logit

`c0, c1` are Platt calibration of the tabular model and `g` the weight of the graph model's
logit, all fitted on enterprises held out of both models' training (stacking). The gate: `g` is
kept only when adding the graph logit lowers the out-of-fold log loss on those held-out rows
beyond bootstrap noise (the lower end of a 90 % interval above zero) and the weight is positive;
otherwise `g = 0` and the served score *is* the calibrated tabular model. Where relations carry
no signal the graph logit adds nothing the tabular one lacks, the gate stays shut and nothing
changes; where they do, the correction carries what only the graph knows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from gnn.aggregates import (
    Inputs,
    Plan,
    aggregate_inputs,
    aggregate_names,
    neighbour_aggregates,
)
from gnn.baseline import TabularModel, fit_tabular
from gnn.forest import BLOCK_ROWS, cpu_workers, in_threads
from gnn.graph import GraphBundle
from gnn.relations import ENTERPRISE

TABULAR_KINDS: tuple[str, ...] = ("logistic", "hgb", "hgb_agg")
EPS = 1e-6
# rows of the design matrix built at once when the whole graph is scored
CHUNK_ROWS = 131_072


def design(
    bundle: GraphBundle,
    kind: str,
    x: np.ndarray | None = None,
    rows: Any = None,
    *,
    inputs: Inputs | None = None,
    columns: np.ndarray | None = None,
) -> Any:
    """The tabular model's input for enterprise `rows` (default all): own features, plus the
    neighbour aggregates for `hgb_agg`. `columns`: only these columns of it, ascending, as one
    float64 column-major matrix (what a forest codes); `inputs`: `design_inputs(bundle, kind,
    x, columns)` when the caller has it already (slices of one graph)."""
    own = bundle.x[ENTERPRISE] if x is None else x
    own = own if rows is None else own[rows]
    width = own.shape[1]
    if columns is None:
        if kind != "hgb_agg":
            return own
        # one matrix filled in place: no stacked copy of a design this wide
        wanted = np.arange(width + len(aggregate_names(bundle.feature_names[ENTERPRISE])))
    else:
        wanted = np.asarray(columns, dtype=np.int64)
    if np.any(np.diff(wanted) <= 0) or (kind != "hgb_agg" and np.any(wanted >= width)):
        raise ValueError("design columns must be ascending and within the design")
    out = np.empty((own.shape[0], len(wanted)), order="C" if columns is None else "F")
    mine = int(np.searchsorted(wanted, width))
    out[:, :mine] = own[:, wanted[:mine]]
    if mine < len(wanted):
        agg = wanted[mine:] - width
        neighbour_aggregates(bundle, x, rows, columns=agg, inputs=inputs, out=out[:, mine:])
    return out


def design_inputs(
    bundle: GraphBundle, kind: str, x: np.ndarray | None = None, columns: np.ndarray | None = None
) -> Inputs | None:
    """What `design` adds up for these columns, for every enterprise (None without aggregates)."""
    if kind != "hgb_agg":
        return None
    width = bundle.x[ENTERPRISE].shape[1]
    agg = None if columns is None else np.asarray(columns)[np.asarray(columns) >= width] - width
    return aggregate_inputs(bundle, x, Plan.of(bundle.feature_names[ENTERPRISE], agg))


def fit_kind(x: np.ndarray, y: np.ndarray, names: list[str], kind: str, seed: int) -> TabularModel:
    """A tabular model of one of `TABULAR_KINDS` on its design matrix."""
    model = fit_tabular(x, y, names, kind="logistic" if kind == "logistic" else "hgb", seed=seed)
    model.kind = kind
    return model


def logit(p: np.ndarray) -> np.ndarray:
    """Log-odds, clipped away from 0 and 1."""
    q = np.clip(p, EPS, 1 - EPS)
    return np.asarray(np.log(q / (1 - q)), dtype=np.float64)


@dataclass
class Blend:
    """Calibrated tabular logit plus the gated graph logit; `choice` says what is in service."""

    tabular: TabularModel | None
    c0: float
    c1: float
    g: float
    choice: str
    reason: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)

    def base(
        self,
        bundle: GraphBundle,
        x: np.ndarray | None = None,
        rows: Any = None,
        *,
        workers: int | None = None,
    ) -> np.ndarray:
        """Tabular logits of enterprise `rows` (zeros when no tabular part is served); the
        whole graph's on `workers` threads (default: every core)."""
        n = bundle.num_nodes(ENTERPRISE) if rows is None else len(rows)
        if self.tabular is None or self.c1 == 0.0 or n == 0:
            return np.zeros(n)
        tabular, kind = self.tabular, self.tabular.kind
        forest = tabular.forest()
        if forest is None:
            return logit(self._plain(bundle, x, rows, n))
        columns = forest.columns
        if rows is not None:
            return logit(
                tabular.predict(design(bundle, kind, x, rows, columns=columns), forest=forest)
            )
        # the whole graph in blocks of rows on every core: every row's inputs and prediction
        # are its own, so the logits are the same while no design matrix is ever whole
        inputs = design_inputs(bundle, kind, x, columns)

        def block(part: slice) -> np.ndarray:
            cols = design(bundle, kind, x, part, inputs=inputs, columns=columns)
            return tabular.predict(cols, forest=forest)

        parts = [slice(lo, lo + BLOCK_ROWS) for lo in range(0, n, BLOCK_ROWS)]
        threads = cpu_workers() if workers is None else workers
        return logit(np.concatenate(in_threads(block, parts, threads)))

    def _plain(self, bundle: GraphBundle, x: np.ndarray | None, rows: Any, n: int) -> np.ndarray:
        """Probabilities of a tabular part that is not a forest, in slices of rows."""
        assert self.tabular is not None
        tabular, kind = self.tabular, self.tabular.kind
        if rows is not None or n <= CHUNK_ROWS:
            return tabular.predict(design(bundle, kind, x, rows))
        inputs = design_inputs(bundle, kind, x)
        parts = [
            tabular.predict(design(bundle, kind, x, slice(lo, lo + CHUNK_ROWS), inputs=inputs))
            for lo in range(0, n, CHUNK_ROWS)
        ]
        return np.concatenate(parts)

    def apply(self, graph_logits: np.ndarray, base: np.ndarray) -> np.ndarray:
        """Served probabilities."""
        z = self.c0 + self.c1 * base + self.g * np.asarray(graph_logits, dtype=np.float64)
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)

    def describe(self) -> dict[str, Any]:
        """JSON-ready card section."""
        return {
            "choice": self.choice,
            "tabular_kind": self.tabular.kind if self.tabular is not None else None,
            "c0": self.c0,
            "c1": self.c1,
            "g": self.g,
            "reason": self.reason,
            "evidence": self.evidence,
        }


def _lr(cols: np.ndarray, y: np.ndarray) -> LogisticRegression:
    return LogisticRegression(C=1e3, max_iter=1000).fit(cols, y.astype(int))


def _log_loss_rows(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    q = np.clip(p, EPS, 1 - EPS)
    return np.asarray(-(y * np.log(q) + (1 - y) * np.log(1 - q)), dtype=np.float64)


def gate_test(
    tab: np.ndarray, graph: np.ndarray, y: np.ndarray, *, seed: int = 0, rounds: int = 500
) -> dict[str, Any]:
    """Out-of-fold log loss of calibrated tabular vs tabular + graph on held-out rows; the gate
    opens when the gain's 90 % bootstrap lower bound is above zero."""
    pos = int(y.sum())
    folds = min(5, pos, len(y) - pos)
    if folds < 2:
        return {"open": False, "why": "too few held-out defaults to test the graph correction"}
    loss_tab = np.zeros(len(y))
    loss_both = np.zeros(len(y))
    skf = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for tr, te in skf.split(tab, y.astype(int)):
        a = _lr(tab[tr, None], y[tr])
        b = _lr(np.column_stack([tab[tr], graph[tr]]), y[tr])
        loss_tab[te] = _log_loss_rows(y[te], a.predict_proba(tab[te, None])[:, 1])
        both = np.column_stack([tab[te], graph[te]])
        loss_both[te] = _log_loss_rows(y[te], b.predict_proba(both)[:, 1])
    gain = loss_tab - loss_both
    rng = np.random.default_rng(seed)
    means = [gain[rng.integers(0, len(gain), len(gain))].mean() for _ in range(rounds)]
    lo = float(np.percentile(means, 5))
    return {
        "open": lo > 0,
        "log_loss_gain": round(float(gain.mean()), 5),
        "gain_ci90_low": round(lo, 5),
        "held_out_rows": int(len(y)),
        "held_out_defaults": pos,
    }


def fit_blend(
    tabular: TabularModel | None,
    tab_logits: np.ndarray,
    graph_logits: np.ndarray,
    y: np.ndarray,
    *,
    mode: str = "served",
    seed: int = 0,
) -> Blend:
    """Coefficients on held-out rows. `mode`: `served` (gated stacking), `tabular` (calibrated
    tabular only) or `graph` (calibrated graph only)."""
    if mode == "graph" or tabular is None:
        m = _lr(graph_logits[:, None], y)
        return Blend(None, float(m.intercept_[0]), 0.0, float(m.coef_[0, 0]), "graph")
    cal = _lr(tab_logits[:, None], y)
    only_tab = Blend(tabular, float(cal.intercept_[0]), float(cal.coef_[0, 0]), 0.0, "tabular")
    if mode == "tabular":
        return only_tab
    gate = gate_test(tab_logits, graph_logits, y, seed=seed)
    both = _lr(np.column_stack([tab_logits, graph_logits]), y)
    g = float(both.coef_[0, 1])
    gate["graph_weight"] = round(g, 4)
    if not gate["open"] or g <= 0:
        only_tab.choice = "served"
        only_tab.evidence = {"gate": gate}
        return only_tab
    c0, c1 = float(both.intercept_[0]), float(both.coef_[0, 0])
    return Blend(tabular, c0, c1, g, "served", evidence={"gate": gate})
