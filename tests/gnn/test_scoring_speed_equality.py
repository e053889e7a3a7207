"""The fast scoring paths give the unoptimised computation's answers.

Boosted trees walked on byte codes of the columns they read (`gnn.forest`), aggregates computed
only for the columns asked for, the whole graph's tabular part in blocks of rows on several
threads and beside the network: each against scikit-learn's `predict_proba` on the full
float64 design (own features next to every aggregate column) and against aggregates counted
with dense matrices. The forest gives the same leaves, so the same sums in the same order:
probabilities agree to the last bit (tolerance 0), aggregates to 1e-9 of a dense sum.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from gnn import forest as forest_module
from gnn import served as served_module
from gnn.aggregates import RELATION_KEYS, Plan, aggregate_names, neighbour_aggregates
from gnn.baseline import TabularModel, fit_tabular
from gnn.features import DISTRESS_COLUMNS
from gnn.forest import MISSING, Forest
from gnn.graph import GraphBundle
from gnn.relations import ENTERPRISE, LITIGATION, PARTY_ROLES
from gnn.scoring import GraphModel, ScoredGraph
from gnn.served import Blend, design, fit_kind, logit
from tests.gnn.conftest import Trained


def _reference_proba(tab: TabularModel, full_design: np.ndarray) -> np.ndarray:
    """scikit-learn's own answer on the whole float64 design (columns empty at fit as 0)."""
    z = np.asarray(full_design, dtype=np.float64)
    if tab.empty is not None:
        z = np.where(tab.empty, 0.0, z)
    return np.asarray(tab.estimator.predict_proba(z)[:, 1], dtype=np.float64)


def _dense_aggregates(b: GraphBundle) -> np.ndarray:
    """Every aggregate column from dense 0/1 matrices, the definition in the module docstring."""
    n = b.num_nodes(ENTERPRISE)
    names = b.feature_names[ENTERPRISE]
    x = np.nan_to_num(b.x[ENTERPRISE].astype(np.float64))
    distress = x[:, [names.index(c) for c in DISTRESS_COLUMNS if c in names]]
    mats: list[np.ndarray] = []
    for rel in ("guarantees", "holds_shares", "supplies"):
        a = np.zeros((n, n))
        s, d = b.edges.get((ENTERPRISE, rel, ENTERPRISE), (np.zeros(0, int), np.zeros(0, int)))
        a[s, d] = 1.0
        mats += [a, a.T.copy()]
    party = np.zeros((n, b.num_nodes(LITIGATION)))
    for rel in PARTY_ROLES.values():
        if (ENTERPRISE, rel, LITIGATION) in b.edges:
            s, c = b.edges[(ENTERPRISE, rel, LITIGATION)]
            party[s, c] = 1.0
    co = (party @ party.T > 0).astype(float)
    np.fill_diagonal(co, 0.0)
    mats.append(co)
    cols: list[np.ndarray] = []
    for a in mats:
        count = a.sum(axis=1)
        total = a @ distress
        cols += [count[:, None], total, total / np.maximum(count, 1.0)[:, None]]
    union = (np.sum(mats, axis=0) > 0).astype(float)
    count = union.sum(axis=1)
    total = union @ x
    cols += [total, total / np.maximum(count, 1.0)[:, None]]
    return np.hstack(cols)


def _agg_model(t: Trained, seed: int = 0) -> TabularModel:
    b = t.bundle
    names = b.feature_names[ENTERPRISE]
    x = design(b, "hgb_agg")
    rng = np.random.default_rng(seed)
    risk = x[:, len(names) :].sum(axis=1) + x[:, 0]
    y = (rng.random(len(x)) < 1 / (1 + np.exp(-(risk - np.median(risk))))).astype(float)
    return fit_kind(x, y, names + aggregate_names(names), "hgb_agg", seed)


def test_aggregates_equal_dense_matrix_sums(trained: Trained) -> None:
    b = trained.bundle
    agg = neighbour_aggregates(b)
    assert agg.shape[1] == len(aggregate_names(b.feature_names[ENTERPRISE]))
    assert np.allclose(agg, _dense_aggregates(b), rtol=1e-9, atol=1e-9)


def test_some_aggregate_columns_are_those_columns_of_all(trained: Trained) -> None:
    b = trained.bundle
    full = neighbour_aggregates(b)
    rng = np.random.default_rng(1)
    for size in (1, 5, 40, full.shape[1]):
        cols = np.sort(rng.choice(full.shape[1], size=size, replace=False))
        part = neighbour_aggregates(b, columns=cols)
        assert np.array_equal(part, full[:, cols])
        rows = slice(17, 141)
        assert np.array_equal(neighbour_aggregates(b, rows=rows, columns=cols), full[rows][:, cols])
        picked = np.array([5, 2, 250, 9])
        assert np.array_equal(
            neighbour_aggregates(b, rows=picked, columns=cols), full[picked][:, cols]
        )
    plan = Plan.of(b.feature_names[ENTERPRISE], np.array([0]))
    assert plan.counted == (True,) + (False,) * (len(RELATION_KEYS) - 1) and not plan.union
    with pytest.raises(ValueError, match="out of range"):
        Plan.of(b.feature_names[ENTERPRISE], np.array([full.shape[1]]))
    with pytest.raises(ValueError, match="repeat"):
        Plan.of(b.feature_names[ENTERPRISE], np.array([3, 3]))


def test_design_columns_are_those_of_the_whole_design(trained: Trained) -> None:
    b = trained.bundle
    whole = design(b, "hgb_agg")
    cols = np.array([0, 3, whole.shape[1] - 1, 80, 120])
    with pytest.raises(ValueError, match="ascending"):
        design(b, "hgb_agg", columns=cols)
    cols.sort()
    part = design(b, "hgb_agg", rows=slice(10, 90), columns=cols)
    assert part.flags.f_contiguous and part.dtype == np.float64
    assert np.array_equal(part, whole[10:90][:, cols])
    own = design(b, "hgb", columns=np.array([1, 4]))
    assert np.array_equal(own, b.x[ENTERPRISE][:, [1, 4]].astype(np.float64))


def test_forest_gives_predict_probas_answer_on_awkward_values() -> None:
    """Missing values, values exactly on split thresholds, infinities, a column missing
    everywhere at fit, columns the trees never read: bit for bit."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(4000, 8))
    x[:, 5] = np.nan  # empty at fit: served as 0
    x[::5, 2] = np.nan
    x[:, 6] = rng.integers(0, 4, 4000)  # few values: thresholds between them
    y = (x[:, 0] + 0.5 * x[:, 1] - 0.3 * x[:, 6] + rng.normal(size=4000) > 0).astype(int)
    model = fit_tabular(x, y, [f"f{i}" for i in range(8)], kind="hgb", seed=0)
    forest = model.forest()
    assert forest is not None
    assert set(forest.columns.tolist()) < set(range(8))  # the noise-free design has unread columns
    assert all(len(s) < MISSING for s in forest.splits)
    new = rng.normal(size=(3000, 8))
    new[::3, 2] = np.nan
    new[::11, 0] = np.nan
    new[1::13, 1] = np.inf
    new[2::13, 1] = -np.inf
    new[:, 6] = rng.integers(-1, 5, 3000)
    for pos, col in enumerate(forest.columns):
        on = forest.splits[pos]
        new[: len(on), col] = on  # exactly on the split values
        new[len(on) : 2 * len(on), col] = np.nextafter(on, np.inf)  # just above them
    want = _reference_proba(model, new)
    assert np.array_equal(model.predict(new), want)
    cols = np.asfortranarray(new[:, forest.columns])
    for workers in (1, 2):
        assert np.array_equal(model.predict(cols, forest=forest), want)
        assert np.array_equal(forest.proba(cols, workers=workers), want)


def test_forest_in_small_blocks_and_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3000, 5))
    y = (x[:, 0] - x[:, 3] + rng.normal(size=3000) > 0).astype(int)
    model = fit_tabular(x, y, list("abcde"), kind="hgb", seed=1)
    forest = model.forest()
    assert forest is not None
    cols = np.asfortranarray(x[:, forest.columns])
    want = _reference_proba(model, x)
    monkeypatch.setattr(forest_module, "BLOCK_ROWS", 97)
    assert np.array_equal(forest.proba(cols, workers=3), want)
    assert np.array_equal(forest.proba(cols[:0], workers=2), np.zeros(0))


def test_no_forest_where_it_does_not_apply() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(600, 3))
    y = (x[:, 0] > 0).astype(int)
    assert fit_tabular(x, y, list("abc"), kind="logistic").forest() is None
    assert Forest.of(object()) is None
    multi = HistGradientBoostingClassifier(max_iter=5).fit(x, rng.integers(0, 3, 600))
    assert Forest.of(multi) is None  # several trees per iteration: predict_proba instead


def _served(t: Trained, tab: TabularModel, g: float) -> GraphModel:
    model = copy.copy(t.model)
    model.blend = Blend(tab, -1.0, 0.5, g, "served")
    return model


@pytest.mark.parametrize("workers", [None, 1, 2])
def test_whole_graph_tabular_part_equals_predict_proba_on_the_full_design(
    trained: Trained, monkeypatch: pytest.MonkeyPatch, workers: int | None
) -> None:
    """The whole graph in blocks of rows (several here), threads or not, equals scikit-learn
    on the full design built the plain way; so do row selections and shocked features."""
    monkeypatch.setattr(served_module, "BLOCK_ROWS", 64)
    b = trained.bundle
    tab = _agg_model(trained)
    model = _served(trained, tab, g=0.7)
    full = np.hstack([b.x[ENTERPRISE].astype(np.float64), _dense_aggregates(b)])
    want = logit(_reference_proba(tab, full))
    assert model.blend is not None
    got = model.blend.base(b, workers=workers)
    assert np.allclose(got, want, rtol=0, atol=1e-12)
    exact = logit(_reference_proba(tab, design(b, "hgb_agg")))
    assert np.array_equal(got, exact)
    rows = np.array([4, 0, 77, 31])
    assert np.array_equal(model.base(b, rows=rows), exact[rows])
    shocked = b.x[ENTERPRISE].copy()
    shocked[:50, 0] += 3.0
    plain = logit(_reference_proba(tab, design(b, "hgb_agg", shocked)))
    assert np.array_equal(model.blend.base(b, shocked, workers=workers), plain)


@pytest.mark.parametrize("kind", ["hgb", "logistic"])
def test_other_tabular_kinds_equal_their_reference(trained: Trained, kind: str) -> None:
    b = trained.bundle
    names = b.feature_names[ENTERPRISE]
    x = b.x[ENTERPRISE]
    y = (np.nan_to_num(x[:, 0]) > np.nanmedian(x[:, 0])).astype(float)
    tab = fit_kind(x, y, names, kind, 0)
    model = _served(trained, tab, g=0.4)
    if kind == "logistic":
        assert tab.scaler is not None
        want = tab.estimator.predict_proba(tab.scaler.transform(x))[:, 1].astype(np.float64)
    else:
        want = _reference_proba(tab, x)
    assert np.allclose(model.base(b), logit(want), rtol=0, atol=1e-12)


def test_scoring_the_whole_graph_beside_the_network_is_the_sequential_answer(
    trained: Trained,
) -> None:
    b = trained.bundle
    tab = _agg_model(trained, seed=3)
    model = _served(trained, tab, g=0.6)
    scored = ScoredGraph.build(model, b)
    logits = model.logits(b)
    base = logit(_reference_proba(tab, design(b, "hgb_agg")))
    assert np.array_equal(scored.base, base)
    assert np.allclose(scored.logits, logits, rtol=0, atol=1e-6)
    assert np.allclose(scored.scores, model.blend.apply(logits, base), rtol=0, atol=1e-9)  # type: ignore[union-attr]
    assert np.allclose(model.predict(b), scored.scores, rtol=0, atol=1e-9)


def test_a_compiled_forest_follows_its_estimators_refit() -> None:
    rng = np.random.default_rng(6)
    x = rng.normal(size=(1500, 4))
    est = HistGradientBoostingClassifier(max_iter=20, random_state=0)
    est.fit(x, (x[:, 0] > 0).astype(int))
    first = Forest.of(est)
    assert first is not None and Forest.of(est) is first
    est.fit(x, (x[:, 2] > 0.5).astype(int))
    again = Forest.of(est)
    assert again is not None and again is not first
    assert np.array_equal(
        again.proba(np.asfortranarray(x[:, again.columns])), est.predict_proba(x)[:, 1]
    )
