"""Patent valuation model: ln(price) from patent facts, interval from out-of-fold residuals.

The centre is an ensemble (domain.valuation.ensemble: ridge and monotone gradient boosting on
log-scaled claims, citations, family, licences, inventors and the share of the legal term
left, with the patent kind and IPC section) fitted to ln(transaction price). The low-high
interval takes the 10th and 90th percentiles of out-of-fold residuals (5-fold, per kind when a
kind has 30 priced patents, else pooled) around the centre, so about 80 % of prices fall
inside it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.stats import spearmanr
from sklearn.model_selection import KFold, train_test_split
from threadpoolctl import ThreadpoolController, threadpool_limits

from domain.errors import InvalidInput
from domain.valuation.baseline import Baseline
from domain.valuation.ensemble import INPUTS, LogPriceEnsemble, fit_ensemble

KINDS = ("invention", "utility_model", "design")
SECTIONS = tuple("ABCDEFGH")
CATEGORICAL = ("kind_code", "ipc_section_code")
INTERVAL = (0.10, 0.90)
MIN_PRICED = 40
MIN_PER_KIND = 30
SMALL = 50_000
_CONTROLLER: list[ThreadpoolController] = []
_CONTROLLER_LOCK = threading.Lock()


def _controller() -> ThreadpoolController:
    """The thread pools of the native libraries loaded (found once: `threadpool_limits` looks
    them up again on every call, reading the process's memory map, a few milliseconds each)."""
    with _CONTROLLER_LOCK:
        if not _CONTROLLER:
            _CONTROLLER.append(ThreadpoolController())
        return _CONTROLLER[0]


@contextlib.contextmanager
def _one_thread_below(rows: int) -> Iterator[None]:
    """One thread per native library while predicting fewer than SMALL rows (thread start-up
    costs more than it saves there); as configured otherwise."""
    if rows >= SMALL:
        yield
        return
    with _controller().limit(limits=1):
        yield


FloatArray = npt.NDArray[np.float64]


# deterministic in kind (term) or duplicating the kind input: left out of the plain inputs
EXCLUDED = frozenset({"term_years", "kind_invention", "kind_utility_model", "kind_design"})


def numeric_features(quality: pd.DataFrame) -> list[str]:
    """Numeric (float, int or bool) columns of a quality table, in order: the inputs of a plain
    model on the whole table (the comparison baseline), not of the valuation model."""
    return [
        str(c)
        for c in quality.columns
        if str(c) not in EXCLUDED
        and (pd.api.types.is_numeric_dtype(quality[c]) or pd.api.types.is_bool_dtype(quality[c]))
    ]


def design_matrix(quality: pd.DataFrame, features: list[str]) -> FloatArray:
    """Inputs in model order: `features`, then kind and IPC section codes (one row per patent).

    `quality` is the patent-quality table (domain.indicators.patent_quality): numeric features
    plus the text columns kind and ipc_section. Absent features are NaN, which the model treats
    as missing.
    """
    n = len(quality)
    cols = [
        quality[f].to_numpy(dtype=float, na_value=np.nan) if f in quality.columns
        else np.full(n, np.nan)
        for f in features
    ]  # fmt: skip
    kind = _codes(quality, "kind", KINDS)
    section = _codes(quality, "ipc_section", SECTIONS)
    return np.column_stack([*cols, kind, section])


def _codes(quality: pd.DataFrame, column: str, vocabulary: tuple[str, ...]) -> FloatArray:
    if column not in quality.columns:
        return np.full(len(quality), np.nan)
    codes = pd.Categorical(quality[column], categories=vocabulary).codes.astype(float)
    codes[codes < 0] = np.nan
    return codes


@dataclass
class ValuationModel:
    """A fitted valuation model: estimator, interval residual quantiles, reference patent."""

    features: list[str]
    estimator: LogPriceEnsemble
    residual_quantiles: dict[str, tuple[float, float]]
    reference: list[float]
    baseline: Baseline
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def input_names(self) -> list[str]:
        """Model inputs in order (quality features, then kind and IPC section)."""
        return [*self.features, "kind", "ipc_section"]

    def predict_log(self, x: FloatArray) -> FloatArray:
        """ln(value) of each row of a design matrix."""
        with _one_thread_below(len(x)):
            return np.asarray(self.estimator.predict(x), dtype=float)

    def interval(self, kind: pd.Series) -> tuple[FloatArray, FloatArray]:
        """Residual quantiles (low, high) per row, by kind with the pooled ones as fallback."""
        lo_all, hi_all = self.residual_quantiles["*"]
        lo = kind.map(lambda k: self.residual_quantiles.get(k, (lo_all, hi_all))[0])
        hi = kind.map(lambda k: self.residual_quantiles.get(k, (lo_all, hi_all))[1])
        return lo.to_numpy(dtype=float), hi.to_numpy(dtype=float)

    def estimate(self, quality: pd.DataFrame) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Value, low and high in CNY for each row of the quality table (vectorised)."""
        centre = self.predict_log(design_matrix(quality, self.features))
        kind = quality["kind"] if "kind" in quality.columns else pd.Series([None] * len(quality))
        lo, hi = self.interval(kind.reset_index(drop=True))
        return np.exp(centre), np.exp(centre + lo), np.exp(centre + hi)

    def drivers(self, quality: pd.DataFrame, *, permutations: int = 12) -> list[dict[str, Any]]:
        """Each input's contribution in CNY for the first patent of `quality`; they sum to its
        value minus the reference value.

        Sampled Shapley values: over random orders of the inputs, switch them one by one from
        the reference patent (training medians) to this patent's values and credit each switch
        with the change in predicted value. Seeded, so the same patent gets the same drivers.
        """
        x = design_matrix(quality.iloc[:1], self.features)[0]
        ref = np.asarray(self.reference, dtype=float)
        p = x.size
        rng = np.random.default_rng(0)
        orders = [rng.permutation(p) for _ in range(permutations)]
        rows = np.empty((permutations * (p + 1), p), dtype=float)
        for k, order in enumerate(orders):
            cur = ref.copy()
            rows[k * (p + 1)] = cur
            for step, j in enumerate(order, start=1):
                cur[j] = x[j]
                rows[k * (p + 1) + step] = cur
        values = np.exp(self.predict_log(rows)).reshape(permutations, p + 1)
        contrib = np.zeros(p, dtype=float)
        for k, order in enumerate(orders):
            contrib[order] += np.diff(values[k])
        contrib /= permutations
        names = self.input_names
        ranked = sorted(range(p), key=lambda j: -abs(contrib[j]))
        return [{"name": names[j], "contribution": round(float(contrib[j]), 2)} for j in ranked]

    def reference_value(self) -> float:
        """Predicted value of the reference patent (every input at its training median)."""
        ref = np.asarray(self.reference, dtype=float)[None, :]
        return float(np.exp(self.predict_log(ref))[0])


def priced(quality: pd.DataFrame, prices: pd.Series) -> pd.DataFrame:
    """Quality rows of the patents with a positive price, with the price as `price`."""
    p = pd.to_numeric(prices, errors="coerce")
    p = p[(p > 0) & p.index.isin(quality.index)]
    p = p[~p.index.duplicated(keep="last")]
    out = quality.loc[quality.index.isin(p.index)].copy()
    out = out[~out.index.duplicated(keep="last")]
    out["price"] = p.reindex(out.index).to_numpy(dtype=float)
    return out


def split_priced(
    data: pd.DataFrame, *, test_share: float = 0.25, seed: int = 0
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Row positions (train, test) of priced patents: seeded, stratified by kind when every
    kind has two rows."""
    idx = np.arange(len(data))
    strat = data["kind"].astype(str).to_numpy() if "kind" in data.columns else None
    counts = pd.Series(strat).value_counts() if strat is not None else pd.Series(dtype=int)
    stratify = strat if counts.size > 1 and counts.min() >= 2 else None
    tr, te = train_test_split(idx, test_size=test_share, random_state=seed, stratify=stratify)
    return np.asarray(tr, dtype=np.int64), np.asarray(te, dtype=np.int64)


def _residual_quantiles(
    resid: FloatArray, kinds: npt.NDArray[Any]
) -> dict[str, tuple[float, float]]:
    out = {"*": (float(np.quantile(resid, INTERVAL[0])), float(np.quantile(resid, INTERVAL[1])))}
    for k in KINDS:
        r = resid[kinds == k]
        if r.size >= MIN_PER_KIND:
            out[k] = (float(np.quantile(r, INTERVAL[0])), float(np.quantile(r, INTERVAL[1])))
    return out


def fit_valuation(
    quality: pd.DataFrame,
    prices: pd.Series,
    *,
    test_share: float = 0.25,
    seed: int = 0,
) -> tuple[ValuationModel, dict[str, Any]]:
    """Fit on priced patents (prices indexed by number), hold out `test_share` of them, and
    compare with the naive baseline on the held-out part."""
    data = priced(quality, prices)
    if len(data) < MIN_PRICED:
        raise InvalidInput(
            f"too few patents with a transaction price to learn from ({len(data)}, "
            f"at least {MIN_PRICED} are needed)",
            field="transaction_price",
        )
    features = list(INPUTS)
    y = np.log(data["price"].to_numpy(dtype=float))
    x = design_matrix(data, features)
    strat = data["kind"].astype(str).to_numpy() if "kind" in data.columns else None
    tr, te = split_priced(data, test_share=test_share, seed=seed)
    # on a few thousand rows, thread start-up costs far more than it saves
    with threadpool_limits(limits=1 if len(data) < SMALL else None):
        est = fit_ensemble(x[tr], y[tr], seed)
        oof = np.empty(tr.size, dtype=float)
        for f_tr, f_va in KFold(5, shuffle=True, random_state=seed).split(tr):
            fold = fit_ensemble(x[tr][f_tr], y[tr][f_tr], seed)
            oof[f_va] = fold.predict(x[tr][f_va])
    kinds = strat if strat is not None else np.full(len(data), "", dtype=object)
    resid_q = _residual_quantiles(y[tr] - oof, kinds[tr])
    reference = np.nanmedian(np.where(np.isnan(x[tr]), np.nan, x[tr]), axis=0)
    for j in range(x.shape[1] - len(CATEGORICAL), x.shape[1]):
        vals = pd.Series(x[tr][:, j]).dropna()
        reference[j] = float(vals.mode().iloc[0]) if not vals.empty else np.nan
    train = data.iloc[tr]
    baseline = Baseline.fit(train.get("kind"), train.get("ipc_section"), train["price"])
    model = ValuationModel(
        features=features,
        estimator=est,
        residual_quantiles=resid_q,
        reference=[float(v) for v in reference],
        baseline=baseline,
        meta={
            "interval": list(INTERVAL),
            "target": "ln(transaction_price)",
            "estimator": "ridge+monotone-gbm",
        },
    )
    metrics = evaluate(model, data.iloc[te])
    metrics.update(
        {"n_train": int(tr.size), "n_test": int(te.size), "n_priced": int(len(data)),
         "test_share": test_share, "seed": seed, "features": model.input_names}
    )  # fmt: skip
    return model, metrics


def evaluate(model: ValuationModel, test: pd.DataFrame) -> dict[str, Any]:
    """Spearman rank correlation, median absolute percentage error and interval coverage of the
    model and of the baseline on priced patents (quality rows with a `price` column)."""
    price = test["price"].to_numpy(dtype=float)
    value, low, high = model.estimate(test)
    base = model.baseline.predict(test.get("kind"), test.get("ipc_section"))
    return {
        "spearman": _spearman(value, price),
        "mdape": float(np.median(np.abs(value - price) / price)),
        "interval_coverage": float(np.mean((price >= low) & (price <= high))),
        "baseline_spearman": _spearman(base, price),
        "baseline_mdape": float(np.median(np.abs(base - price) / price)),
    }


def _spearman(a: FloatArray, b: FloatArray) -> float | None:
    if a.size < 3 or np.all(a == a[0]):
        return None
    return float(spearmanr(a, b).statistic)
