"""The honest comparison: the same enterprise features without the graph."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from gnn.forest import Forest, cpu_workers
from gnn.scaling import ColumnScaler


@dataclass
class TabularModel:
    """A fitted tabular classifier over raw enterprise features."""

    kind: str
    estimator: HistGradientBoostingClassifier | LogisticRegression
    scaler: ColumnScaler | None = None
    empty: np.ndarray | None = None

    def forest(self) -> Forest | None:
        """Boosted trees over the design columns they read (`gnn.forest`); None for logistic
        regression or where scikit-learn's internals differ."""
        return Forest.of(self.estimator) if self.scaler is None else None

    def predict(self, x: np.ndarray, *, forest: Forest | None = None) -> np.ndarray:
        """Default probabilities of design rows `x`; with `forest` (this model's `forest()`)
        `x` holds only the forest's columns, in its order, and one thread walks them."""
        if forest is not None:
            return forest.proba(self._filled(x, forest.columns), workers=1)
        if self.scaler is not None:
            z = self.scaler.transform(x)
        else:
            z = self._filled(x, None)
        fast = _binned_proba(self.estimator, z)
        if fast is not None:
            return fast
        with threadpool_limits(_threads(len(z))):
            return np.asarray(self.estimator.predict_proba(z)[:, 1], dtype=np.float64)

    def _filled(self, x: np.ndarray, columns: np.ndarray | None) -> np.ndarray:
        """Columns missing everywhere at fit are 0, as they were then."""
        empty = self.empty
        if empty is None:
            return x
        if columns is not None:
            empty = empty[columns]
        return np.where(empty, 0.0, x) if empty.any() else x


def _binned_proba(est: object, z: np.ndarray) -> np.ndarray | None:
    """Boosted trees' probabilities walked on byte codes of the columns they read (see
    `gnn.forest`: the same leaves as `predict_proba`); None where that does not apply."""
    if len(z) < BINNED_MIN_ROWS:
        return None
    forest = Forest.of(est)
    if forest is None:
        return None
    cols = np.asfortranarray(np.asarray(z)[:, forest.columns], dtype=np.float64)
    return forest.proba(cols, workers=1 if len(z) < SMALL_TABLE_ROWS else cpu_workers())


SMALL_TABLE_ROWS = 100_000
# below this many rows `predict_proba` is as quick and binning is not worth it
BINNED_MIN_ROWS = 1_000


def _threads(rows: int) -> int | None:
    # an OpenMP pool costs far more than it saves on small tables, and much more under load
    return 1 if rows < SMALL_TABLE_ROWS else None


def fit_tabular(
    x: np.ndarray, y: np.ndarray, names: list[str], *, kind: str = "hgb", seed: int = 0
) -> TabularModel:
    """Gradient boosting (`hgb`, NaN-aware) or scaled logistic regression (`logistic`)."""
    with threadpool_limits(_threads(len(x))):
        return _fit(x, y, names, kind, seed)


def _fit(x: np.ndarray, y: np.ndarray, names: list[str], kind: str, seed: int) -> TabularModel:
    yy = y.astype(int)
    if kind == "hgb":
        # columns missing everywhere carry nothing and trip the binner
        est = HistGradientBoostingClassifier(
            learning_rate=0.05,
            max_iter=300,
            max_leaf_nodes=15,
            min_samples_leaf=20,
            l2_regularization=1.0,
            early_stopping=True,
            validation_fraction=0.2,
            n_iter_no_change=20,
            random_state=seed,
        )
        empty = np.isnan(x).all(axis=0)
        est.fit(np.where(empty, 0.0, x), yy)
        return TabularModel(kind, est, empty=empty)
    if kind == "logistic":
        scaler = ColumnScaler.fit(x, names)
        lr = LogisticRegression(C=0.1, max_iter=2000)
        lr.fit(scaler.transform(x), yy)
        return TabularModel(kind, lr, scaler)
    raise ValueError(f"unknown baseline kind {kind!r}")
