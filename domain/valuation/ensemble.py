"""The valuation model's estimator: ridge regression and monotone gradient boosting on
log-scaled patent facts, averaged in ln(price).

Both members read the same engineered inputs, built from the raw ones (INPUTS, then kind and
IPC section codes): ln claims, ln independent claims, ln(1 + forward citations), ln family
size, ln(1 + licences), ln inventors, ln(1 + backward citations) and the share of the statutory
term still to run, (term - age) / term in 0..1. That share is the legal term left by kind and
filing date whatever the recorded status: the value is what the patent would be worth in
force; a dead patent's pledge value is set to 0 by the status rules, not by the model.

- Ridge (standardised inputs, penalty chosen by leave-one-out): the inputs, their products
  with an invention flag (inventions get their own slopes), and one-hot kind and IPC section.
  Missing inputs take the training median. It extrapolates smoothly beyond the priced patents,
  which are a selected few (granted, traded or licensed).
- Gradient boosting (scikit-learn HistGradientBoostingRegressor, 300 trees of 7 leaves,
  learning rate 0.05, at least 20 patents a leaf) with the value rising, all else equal, in
  claims, independent claims, forward citations, family size, licences and term left: it
  finds interactions and curvature the ridge misses, and the constraints keep its steps in
  the direction every valuation guide gives them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

FloatArray = npt.NDArray[np.float64]

INPUTS = (
    "claims", "independent_claims", "forward_citations", "family_size", "licenses",
    "inventors", "backward_citations", "age_years", "term_years",
)  # fmt: skip
ENGINEERED = (
    "ln_claims", "ln_independent_claims", "ln1p_forward_citations", "ln_family_size",
    "ln1p_licenses", "ln_inventors", "ln1p_backward_citations", "term_left_share",
)  # fmt: skip
# +1: the value rises with the input, all else equal; 0: no constraint
MONOTONE = (1, 1, 1, 1, 1, 0, 0, 1)
N_KINDS, N_SECTIONS = 3, 8
INVENTION = 0  # kind code of inventions (model.KINDS order)
ALPHAS = tuple(float(a) for a in np.logspace(-2, 3, 16))
WEIGHT_RIDGE = 0.5


def engineered(x: FloatArray) -> FloatArray:
    """Engineered inputs (ENGINEERED order) from raw rows (INPUTS, kind code, section code)."""
    col = {name: x[:, j] for j, name in enumerate(INPUTS)}
    with np.errstate(invalid="ignore", divide="ignore"):
        left = np.clip((col["term_years"] - col["age_years"]) / col["term_years"], 0.0, 1.0)
        return np.column_stack(
            [
                np.log(np.maximum(col["claims"], 1.0)),
                np.log(np.maximum(col["independent_claims"], 1.0)),
                np.log1p(np.maximum(col["forward_citations"], 0.0)),
                np.log(np.maximum(col["family_size"], 1.0)),
                np.log1p(np.maximum(col["licenses"], 0.0)),
                np.log(np.maximum(col["inventors"], 1.0)),
                np.log1p(np.maximum(col["backward_citations"], 0.0)),
                left,
            ]
        )


def _one_hot(codes: FloatArray, n: int) -> FloatArray:
    out = np.zeros((codes.size, n), dtype=float)
    ok = ~np.isnan(codes)
    out[np.flatnonzero(ok), codes[ok].astype(int)] = 1.0
    return out


def _ridge_matrix(z: FloatArray, kind: FloatArray, section: FloatArray) -> FloatArray:
    invention = (kind == INVENTION).astype(float)[:, None]
    return np.column_stack(
        [z, z * invention, _one_hot(kind, N_KINDS), _one_hot(section, N_SECTIONS)]
    )


@dataclass
class LogPriceEnsemble:
    """Fitted members; `predict` maps raw rows to ln(price)."""

    medians: FloatArray
    ridge: Pipeline
    gbm: HistGradientBoostingRegressor
    weight_ridge: float = WEIGHT_RIDGE

    def _parts(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        z = engineered(x)
        kind, section = x[:, len(INPUTS)], x[:, len(INPUTS) + 1]
        filled = np.where(np.isnan(z), self.medians[None, :], z)
        ridge_x = _ridge_matrix(filled, kind, section)
        gbm_x = np.column_stack([z, kind, section])
        return ridge_x, gbm_x

    def members(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """ln(price) by the ridge and by the gradient boosting, for each raw row."""
        ridge_x, gbm_x = self._parts(x)
        ridge = np.asarray(self.ridge.predict(ridge_x), dtype=float)
        return ridge, np.asarray(self.gbm.predict(gbm_x), dtype=float)

    def predict(self, x: FloatArray) -> FloatArray:
        """ln(price) of each raw row: the weighted mean of the two members."""
        ridge, gbm = self.members(x)
        return self.weight_ridge * ridge + (1.0 - self.weight_ridge) * gbm


def fit_ensemble(x: FloatArray, y: FloatArray, seed: int) -> LogPriceEnsemble:
    """Fit both members on raw rows `x` (INPUTS, kind code, section code) and ln prices `y`."""
    z = engineered(x)
    medians = np.nanmedian(np.where(np.isnan(z), np.nan, z), axis=0)
    medians = np.where(np.isnan(medians), 0.0, medians)
    model = LogPriceEnsemble(
        medians=medians,
        ridge=make_pipeline(StandardScaler(), RidgeCV(alphas=ALPHAS)),
        gbm=HistGradientBoostingRegressor(
            learning_rate=0.05,
            max_iter=300,
            max_leaf_nodes=7,
            min_samples_leaf=20,
            l2_regularization=1.0,
            categorical_features=[False] * len(ENGINEERED) + [True, True],
            monotonic_cst=[*MONOTONE, 0, 0],
            early_stopping=False,
            random_state=seed,
        ),
    )
    ridge_x, gbm_x = model._parts(x)
    model.ridge.fit(ridge_x, y)
    model.gbm.fit(gbm_x, y)
    return model
