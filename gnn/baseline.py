"""The honest comparison: the same enterprise features without the graph."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from gnn.scaling import ColumnScaler


@dataclass
class TabularModel:
    """A fitted tabular classifier over raw enterprise features."""

    kind: str
    estimator: HistGradientBoostingClassifier | LogisticRegression
    scaler: ColumnScaler | None = None
    empty: np.ndarray | None = None

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Default probabilities."""
        if self.scaler is not None:
            z = self.scaler.transform(x)
        else:
            empty = self.empty
            z = np.where(empty, 0.0, x) if empty is not None and empty.any() else x
        with threadpool_limits(_threads(len(z))):
            fast = _binned_proba(self.estimator, z)
            if fast is not None:
                return fast
            return np.asarray(self.estimator.predict_proba(z)[:, 1], dtype=np.float64)


def _binned_proba(est: object, z: np.ndarray) -> np.ndarray | None:
    """Boosted trees' probabilities from the binned features, None where that does not apply.

    Each split `x <= threshold` is `bin(x) <= bin of the threshold` (the thresholds are the
    binner's edges), so walking the trees on the binned matrix gives the same leaves as
    `predict_proba` several times faster (uint8 against float64 compares). It reads the fitted
    estimator's internals; any version whose internals differ takes `predict_proba` instead.
    """
    if not isinstance(est, HistGradientBoostingClassifier) or len(z) < BINNED_MIN_ROWS:
        return None
    try:
        from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

        if est.is_categorical_ is not None or est.n_trees_per_iteration_ != 1:
            return None
        mapper = est._bin_mapper
        binned = mapper.transform(np.asarray(z, dtype=np.float64))
        threads = _threads(len(z)) or _openmp_effective_n_threads()
        raw = np.zeros(len(z), dtype=np.float64) + float(np.ravel(est._baseline_prediction)[0])
        for (tree,) in est._predictors:
            raw += tree.predict_binned(binned, mapper.missing_values_bin_idx_, threads)
    except (AttributeError, TypeError, ValueError):
        return None
    return np.asarray(expit(raw), dtype=np.float64)


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
