"""Training a scorecard on a bank's historical table (CSV) or on a world's outcomes."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.model_selection import train_test_split

from domain.errors import InvalidInput
from domain.scoring.metrics import classification_metrics
from domain.scoring.scorecard import Scorecard
from domain.scoring.train import FitOptions, fit_scorecard

MIN_PER_CLASS = 5


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}", field="csv")
    try:
        df = pd.read_csv(path, low_memory=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {path.name} as CSV: {exc}", field="csv") from exc
    if df.empty:
        raise InvalidInput(f"{path.name} has no rows", field="csv")
    df.columns = [str(c).strip() for c in df.columns]
    return df


def label_vector(column: pd.Series, bad: object) -> npt.NDArray[np.int64]:
    """1 where the label equals `bad` (compared as text, or as numbers when both are numeric)."""
    text = column.astype(str).str.strip()
    hit = text == str(bad).strip()
    num = pd.to_numeric(column, errors="coerce")
    try:
        bad_num = float(str(bad))
    except ValueError:
        bad_num = None
    if bad_num is not None:
        hit = hit | (num == bad_num)
    return np.asarray(hit.to_numpy(), dtype=np.int64)


def frame_hash(df: pd.DataFrame) -> str:
    """SHA-256 of a table's content (values and column names), for model cards."""
    h = hashlib.sha256()
    h.update("\x1f".join(map(str, df.columns)).encode())
    h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()


def _check_classes(y: npt.NDArray[np.int64], where: str) -> None:
    bads = int(y.sum())
    goods = int(y.size - bads)
    if bads == 0 or goods == 0:
        raise InvalidInput(
            f"the label has one class only in {where} ({bads} bad, {goods} good): "
            "a scorecard needs both",
            field="label",
        )
    if min(bads, goods) < MIN_PER_CLASS:
        raise InvalidInput(
            f"too few of one class in {where} ({bads} bad, {goods} good; "
            f"at least {MIN_PER_CLASS} of each are needed)",
            field="label",
        )


def fit_from_csv(
    path: Path | str,
    *,
    label: str,
    bad: object,
    test_share: float = 0.3,
    seed: int = 0,
    options: FitOptions | None = None,
) -> tuple[Scorecard, dict[str, Any]]:
    """Fit on a CSV table with a stratified hold-out; metrics on the held-out part."""
    if not 0.0 < test_share < 1.0:
        raise InvalidInput("test share must be between 0 and 1 (exclusive)", field="test_share")
    df = _read_csv(Path(path))
    if label not in df.columns:
        raise InvalidInput(
            f"no column {label!r} in the CSV (columns: {', '.join(df.columns[:20])})",
            field="label",
        )
    df = df[df[label].notna() & (df[label].astype(str).str.strip() != "")].reset_index(drop=True)
    y = label_vector(df[label], bad)
    _check_classes(y, "the table")
    x = df.drop(columns=[label])
    if x.shape[1] == 0:
        raise InvalidInput("the CSV has no feature columns besides the label", field="csv")
    idx = np.arange(len(df))
    try:
        tr, te = train_test_split(idx, test_size=test_share, random_state=seed, stratify=y)
    except ValueError as exc:
        raise InvalidInput(f"cannot split the table: {exc}", field="test_share") from exc
    _check_classes(y[tr], "the training part")
    _check_classes(y[te], "the test part")
    meta = {"source": "csv", "label": label, "bad": str(bad)}
    card, report = fit_scorecard(x.iloc[tr], y[tr], options=options, meta=meta)
    metrics = _metrics(card, x.iloc[tr], y[tr], x.iloc[te], y[te])
    metrics.update(
        {"split": "stratified", "test_share": test_share, "seed": seed,
         "data_hash": frame_hash(df), **report.to_dict()}
    )  # fmt: skip
    return card, metrics


def _metrics(
    card: Scorecard,
    x_tr: pd.DataFrame,
    y_tr: npt.NDArray[np.int64],
    x_te: pd.DataFrame,
    y_te: npt.NDArray[np.int64],
) -> dict[str, Any]:
    """Headline test metrics at the top level, train metrics alongside."""
    test = classification_metrics(y_te, card.probability(x_te))
    train = classification_metrics(y_tr, card.probability(x_tr))
    return {
        "auc": test["auc"],
        "ks": test["ks"],
        "gini": test["gini"],
        "brier": test["brier"],
        "calibration": test["calibration"],
        "n_train": int(len(y_tr)),
        "n_test": int(len(y_te)),
        "bad_rate_train": train["bad_rate"],
        "bad_rate_test": test["bad_rate"],
        "train": {k: train[k] for k in ("auc", "ks", "gini", "brier")},
        "version": card.version,
        "features": card.features,
        "trained_at": datetime.now(UTC).isoformat(),
    }


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    last = (pd.Timestamp(year=year, month=month, day=1) + pd.offsets.MonthEnd(0)).day
    return date(year, month, min(d.day, last))


def fit_from_world(
    frames: Any,
    *,
    as_of_train: date | None = None,
    horizon_months: int = 12,
    seed: int = 0,
    test_share: float = 0.3,
    options: FitOptions | None = None,
    descriptions: Mapping[str, str] | None = None,
) -> tuple[Scorecard, dict[str, Any]]:
    """Fit on a world's outcomes with the time split of the world contract (see docs/models.md).

    Train: indicators as of S, label = default in [S, S+h). Test: indicators as of S+h for firms
    not yet defaulted, label = default in [S+h, E). S defaults to E - 2h, E = the outcomes'
    as_of. Without default dates: a stratified hold-out on indicators as of E - h.
    """
    out = frames.outcomes
    if out.empty:
        raise InvalidInput("the world has no outcomes to learn from", field="outcomes")
    outcomes = _Outcomes(
        end=pd.Timestamp(out["as_of"].max()).date(),
        defaulted=out["defaulted"].astype(bool).to_numpy(),
        dates=pd.to_datetime(out["default_date"]),
        usccs=out["uscc"].astype(str).to_numpy(),
    )
    descs = dict(descriptions) if descriptions is not None else _registry_descriptions()
    if outcomes.has_dates:
        data = _time_split(frames, outcomes, as_of_train, horizon_months)
    else:
        data = _stratified_split(frames, outcomes, horizon_months, test_share, seed)
    meta = {"source": "world", "label": "default within horizon", "horizon_months": horizon_months}
    card, report = fit_scorecard(
        data.x_tr, data.y_tr, options=options, descriptions=descs, meta=meta
    )
    metrics = _metrics(card, data.x_tr, data.y_tr, data.x_te, data.y_te)
    metrics.update(data.split)
    metrics["data_hash"] = frame_hash(pd.concat([data.x_tr, data.x_te]).reset_index())
    metrics.update(report.to_dict())
    return card, metrics


@dataclass(frozen=True)
class _Outcomes:
    """A world's outcomes as arrays: who defaulted, when, and the outcomes' date."""

    end: date
    defaulted: npt.NDArray[np.bool_]
    dates: pd.Series
    usccs: npt.NDArray[np.object_]

    @property
    def has_dates(self) -> bool:
        """Whether there are defaults and every one of them is dated."""
        return bool(self.defaulted.any()) and bool(self.dates[self.defaulted].notna().all())


class _Split(NamedTuple):
    """Features and labels for training and testing, and how they were split."""

    x_tr: pd.DataFrame
    y_tr: npt.NDArray[np.int64]
    x_te: pd.DataFrame
    y_te: npt.NDArray[np.int64]
    split: dict[str, Any]


def _time_split(
    frames: Any, outcomes: _Outcomes, as_of_train: date | None, horizon_months: int
) -> _Split:
    """Train on defaults in [S, S+h) with features as of S, test on [S+h, E) as of S+h."""
    from domain.indicators.compute import compute_indicators

    end, defaulted, dates, usccs = outcomes.end, outcomes.defaulted, outcomes.dates, outcomes.usccs
    s = as_of_train or _add_months(end, -2 * horizon_months)
    mid = _add_months(s, horizon_months)
    if not s < mid < end:
        raise InvalidInput(
            f"the training date {s} leaves no test period before the outcomes' date {end}",
            field="as_of_train",
        )
    s_ts, mid_ts, end_ts = pd.Timestamp(s), pd.Timestamp(mid), pd.Timestamp(end)
    alive_at_s = ~((dates < s_ts) & defaulted).to_numpy()
    y_tr_all = ((dates >= s_ts) & (dates < mid_ts) & defaulted).to_numpy()
    alive_at_mid = ~((dates < mid_ts) & defaulted).to_numpy()
    y_te_all = ((dates >= mid_ts) & (dates < end_ts) & defaulted).to_numpy()
    tr_ids, te_ids = usccs[alive_at_s], usccs[alive_at_mid]
    y_tr = y_tr_all[alive_at_s].astype(np.int64)
    y_te = y_te_all[alive_at_mid].astype(np.int64)
    _check_classes(y_tr, f"the training window [{s}, {mid})")
    _check_classes(y_te, f"the test window [{mid}, {end})")
    x_tr = compute_indicators(frames, s_ts.to_pydatetime(), usccs=list(tr_ids))
    x_te = compute_indicators(frames, mid_ts.to_pydatetime(), usccs=list(te_ids))
    split: dict[str, Any] = {
        "split": "time", "train_as_of": s.isoformat(), "test_as_of": mid.isoformat(),
        "end": end.isoformat(), "horizon_months": horizon_months,
    }  # fmt: skip
    return _Split(x_tr.reindex(tr_ids), y_tr, x_te.reindex(te_ids), y_te, split)


def _stratified_split(
    frames: Any, outcomes: _Outcomes, horizon_months: int, test_share: float, seed: int
) -> _Split:
    """Without default dates: a stratified hold-out on features as of E - h."""
    from domain.indicators.compute import compute_indicators

    usccs = outcomes.usccs
    t = _add_months(outcomes.end, -horizon_months)
    y = outcomes.defaulted.astype(np.int64)
    _check_classes(y, "the outcomes")
    x_all = compute_indicators(frames, pd.Timestamp(t).to_pydatetime(), usccs=list(usccs)).reindex(
        usccs
    )
    tr, te = train_test_split(
        np.arange(len(usccs)), test_size=test_share, random_state=seed, stratify=y
    )
    _check_classes(y[te], "the test part")
    split = {"split": "stratified", "note": "outcomes carry no default dates",
             "features_as_of": t.isoformat(), "test_share": test_share}  # fmt: skip
    return _Split(x_all.iloc[tr], y[tr], x_all.iloc[te], y[te], split)


def _registry_descriptions() -> dict[str, str]:
    """Indicator code -> readable name, from the indicator registry."""
    from domain.indicators import registry

    return registry.descriptions()
