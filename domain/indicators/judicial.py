"""Judicial indicators: court cases by role, cause and look-back window, outcomes, open cases.

A case counts in a window when it was filed within it (t - w < filed_on <= t); outcomes count
when the case closed within the window. The outcome in the data is from the first plaintiff's
side, so a defendant lost when it is `won` and won when it is `lost`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from domain.indicators.common import F64, f64, ratio
from domain.indicators.context import Context
from domain.indicators.small import group_sums, one_firm_path, one_group_sum
from domain.indicators.spec import (
    DOWN,
    UP,
    WINDOWS,
    Block,
    Direction,
    IndicatorDefinition,
    definer,
    window_tag,
    window_text,
)

CAUSES = ("contract_dispute", "loan_dispute", "ip_infringement", "labor", "equity_dispute", "other")
ROLES: dict[str, str | None] = {"pl": "plaintiff", "def": "defendant", "any": None}
ROLE_TEXT = {"pl": "as plaintiff", "def": "as defendant", "any": "in any role"}
OUTCOME_FOR = {"def": {"lost": "won", "won": "lost"}, "pl": {"lost": "lost", "won": "won"}}
_d = definer("judicial", "judicial")


def _direction(role: str, cause: str) -> Direction:
    # a plaintiff enforcing its patents signals IP worth defending; other suits signal trouble
    return DOWN if role == "pl" and cause == "ip_infringement" else UP


def definitions() -> tuple[IndicatorDefinition, ...]:
    """Judicial indicator definitions, grid first."""
    out: list[IndicatorDefinition] = []
    for role, role_text in ROLE_TEXT.items():
        for w in WINDOWS:
            for cause in (*CAUSES, "all"):
                what = "cases" if cause == "all" else f"{cause.replace('_', ' ')} cases"
                base = f"jud.{role}.{window_tag(w)}.{cause}"
                out.append(_d(f"{base}.count", f"{what} {role_text}, {window_tag(w)}", "cases",
                              f"Number of {what} filed {window_text(w)} {role_text}.",
                              _direction(role, cause)))  # fmt: skip
                out.append(_d(f"{base}.amount", f"amount of {what} {role_text}, {window_tag(w)}",
                              "CNY", f"Total amount at stake in {what} filed {window_text(w)} "
                              f"{role_text}.", _direction(role, cause)))  # fmt: skip
    for role in ("pl", "def"):
        for w in WINDOWS:
            for result in ("lost", "won"):
                out.append(_d(f"jud.{role}.{window_tag(w)}.{result}.count",
                              f"cases {result} {ROLE_TEXT[role]}, {window_tag(w)}", "cases",
                              f"Cases closed {window_text(w)} that the firm {result} "
                              f"{ROLE_TEXT[role]}.", UP if result == "lost" else DOWN))  # fmt: skip
    for role, role_text in ROLE_TEXT.items():
        out.append(
            _d(
                f"jud.{role}.open.count",
                f"open cases {role_text}",
                "cases",
                f"Cases filed but not closed at the as-of date, {role_text}.",
                UP,
            )
        )
        out.append(
            _d(
                f"jud.{role}.open.amount",
                f"amount of open cases {role_text}",
                "CNY",
                f"Amount at stake in cases open at the as-of date, {role_text}.",
                UP,
            )
        )
    out += [
        _d("jud.def.all.lost_rate", "defendant loss rate", "ratio",
           "Closed cases lost as defendant / closed cases as defendant.", UP),
        _d("jud.pl.all.win_rate", "plaintiff win rate", "ratio",
           "Closed cases won as plaintiff / closed cases as plaintiff.", DOWN),
        _d("jud.def.365d.amount_to_capital", "defendant amount to capital, 365d", "ratio",
           "Amount claimed against the firm in cases filed in the last 365 days / registered "
           "capital.", UP),
        _d("jud.def.open.amount_to_capital", "open defendant amount to capital", "ratio",
           "Amount claimed against the firm in open cases / registered capital.", UP),
        _d("jud.any.all.counterparties", "distinct litigation counterparties", "firms",
           "Distinct other firms met in court (cases filed up to the as-of date).", UP),
        _d("jud.any.all.courts", "distinct courts", "courts",
           "Distinct courts that heard the firm's cases.", UP),
        _d("jud.def.all.days_since_last", "days since the last suit as defendant", "days",
           "Days from the filing of the latest case against the firm to the as-of date "
           "(missing when never sued).", DOWN),
    ]  # fmt: skip
    return tuple(out)


def _pivot(sel: pd.DataFrame, how: str, index: pd.Index) -> pd.DataFrame:
    """Count or sum of amounts per firm (rows, in `index` order) and cause (columns)."""
    if sel.empty:
        return pd.DataFrame(0.0, index=index, columns=list(CAUSES))
    g = sel["amount"].fillna(0.0).groupby([sel["uscc"], sel["cause"]])
    cells = g.size() if how == "size" else g.sum()
    table = cells.unstack("cause", fill_value=0)
    return table.reindex(index=index, columns=list(CAUSES), fill_value=0).astype("float64")


def _grid(cases: pd.DataFrame, ctx: Context, prefix: str) -> dict[str, F64]:
    out: dict[str, F64] = {}
    if cases.empty:  # most firms: no case at all
        for w in WINDOWS:
            for cause in (*CAUSES, "all"):
                for what in ("count", "amount"):
                    out[f"{prefix}.{window_tag(w)}.{cause}.{what}"] = np.zeros(ctx.n)
        return out
    for w in WINDOWS:
        sel = cases if w is None else cases[cases["age_days"] < w]
        size = _pivot(sel, "size", ctx.index)
        amount = _pivot(sel, "sum", ctx.index)
        for cause in (*CAUSES, "all"):
            base = f"{prefix}.{window_tag(w)}.{cause}"
            if cause == "all":
                out[f"{base}.count"] = f64(size.sum(axis=1))
                out[f"{base}.amount"] = f64(amount.sum(axis=1))
            else:
                out[f"{base}.count"] = f64(size[cause])
                out[f"{base}.amount"] = f64(amount[cause])
    return out


def compute(ctx: Context) -> Mapping[str, F64]:
    """All judicial indicators, vectorised over firms."""
    cases = ctx.cases[ctx.cases["uscc"].isin(ctx.index)].copy()
    if cases.empty:
        return _without_cases(ctx)
    cases["cause"] = cases["cause"].where(cases["cause"].isin(CAUSES), "other")
    if one_firm_path(ctx.n, len(cases)):
        return _one_firm(ctx, cases)
    out: dict[str, F64] = {}
    for role, name in ROLES.items():
        sel = cases if name is None else cases[cases["role"] == name]
        if name is None:  # a firm in two roles of one case counts the case once
            sel = sel.drop_duplicates(["case_no", "uscc"])
        out.update(_grid(sel, ctx, f"jud.{role}"))
        open_ = sel[~sel["closed"]]
        out[f"jud.{role}.open.count"] = ctx.align(open_.groupby("uscc").size(), 0.0)
        out[f"jud.{role}.open.amount"] = ctx.align(open_.groupby("uscc")["amount"].sum(), 0.0)
    closed_by_role: dict[str, pd.DataFrame] = {}
    for role in ("pl", "def"):
        sel = cases[(cases["role"] == ROLES[role]) & cases["closed"]]
        closed_by_role[role] = sel
        for w in WINDOWS:
            inw = sel if w is None else sel[sel["closed_age_days"] < w]
            for result, raw in OUTCOME_FOR[role].items():
                hit = inw[inw["outcome"] == raw]
                out[f"jud.{role}.{window_tag(w)}.{result}.count"] = ctx.align(
                    hit.groupby("uscc").size(), 0.0
                )
    n_def = ctx.align(closed_by_role["def"].groupby("uscc").size(), 0.0)
    n_pl = ctx.align(closed_by_role["pl"].groupby("uscc").size(), 0.0)
    out["jud.def.all.lost_rate"] = ratio(out["jud.def.all.lost.count"], n_def)
    out["jud.pl.all.win_rate"] = ratio(out["jud.pl.all.won.count"], n_pl)
    capital = ctx.enterprises["registered_capital"].to_numpy(np.float64)
    out["jud.def.365d.amount_to_capital"] = ratio(out["jud.def.365d.all.amount"], capital)
    out["jud.def.open.amount_to_capital"] = ratio(out["jud.def.open.amount"], capital)
    pairs = cases[["case_no", "uscc"]].merge(ctx.cases[["case_no", "uscc"]], on="case_no")
    pairs = pairs[pairs["uscc_x"] != pairs["uscc_y"]]
    out["jud.any.all.counterparties"] = ctx.align(pairs.groupby("uscc_x")["uscc_y"].nunique(), 0.0)
    out["jud.any.all.courts"] = ctx.align(cases.groupby("uscc")["court"].nunique(), 0.0)
    defendant = cases[cases["role"] == "defendant"]
    out["jud.def.all.days_since_last"] = ctx.align(defendant.groupby("uscc")["age_days"].min())
    return out


def _without_cases(ctx: Context) -> dict[str, F64]:
    """What `compute` gives when none of the firms has a case: counts and amounts 0, no rates,
    no time since a suit."""
    out = {d.code: np.zeros(ctx.n) for d in BLOCK.definitions}
    for code in ("jud.def.all.lost_rate", "jud.pl.all.win_rate", "jud.def.all.days_since_last"):
        out[code] = ctx.nan()
    capital = ctx.enterprises["registered_capital"].to_numpy(np.float64)
    for code in ("jud.def.365d.amount_to_capital", "jud.def.open.amount_to_capital"):
        out[code] = ratio(np.zeros(ctx.n), capital)
    return out


def _one_firm(ctx: Context, cases: pd.DataFrame) -> dict[str, F64]:
    """`compute` for one firm with a few cases, in plain Python over the rows (same values)."""
    rows = _Rows(cases)
    out: dict[str, F64] = {}
    for role, name in ROLES.items():
        at = [i for i in range(rows.n) if name is None or rows.role[i] == name]
        if name is None:  # a firm in two roles of one case counts the case once
            at = list({rows.case_no[i]: i for i in reversed(at)}.values())
            at.sort()
        for w in WINDOWS:
            inw = at if w is None else [i for i in at if rows.age[i] < w]
            out.update(_one_grid(rows, inw, f"jud.{role}.{window_tag(w)}"))
        open_ = [i for i in at if not rows.closed[i]]
        out[f"jud.{role}.open.count"] = _one(len(open_))
        out[f"jud.{role}.open.amount"] = _one(one_group_sum([rows.amount[i] for i in open_]))
    closed: dict[str, int] = {}
    for role in ("pl", "def"):
        sel = [i for i in range(rows.n) if rows.role[i] == ROLES[role] and rows.closed[i]]
        closed[role] = len(sel)
        for w in WINDOWS:
            inw = sel if w is None else [i for i in sel if rows.closed_age[i] < w]
            for result, raw in OUTCOME_FOR[role].items():
                hits = sum(1 for i in inw if rows.outcome[i] == raw)
                out[f"jud.{role}.{window_tag(w)}.{result}.count"] = _one(hits)
    out["jud.def.all.lost_rate"] = ratio(out["jud.def.all.lost.count"], _one(closed["def"]))
    out["jud.pl.all.win_rate"] = ratio(out["jud.pl.all.won.count"], _one(closed["pl"]))
    capital = ctx.enterprises["registered_capital"].to_numpy(np.float64)
    out["jud.def.365d.amount_to_capital"] = ratio(out["jud.def.365d.all.amount"], capital)
    out["jud.def.open.amount_to_capital"] = ratio(out["jud.def.open.amount"], capital)
    out.update(_one_parties(ctx, rows))
    return out


class _Rows:
    """The columns of one firm's case rows as Python lists."""

    def __init__(self, cases: pd.DataFrame) -> None:
        self.n = len(cases)
        self.case_no = cases["case_no"].tolist()
        self.role = cases["role"].tolist()
        self.cause = cases["cause"].tolist()
        self.court = cases["court"].tolist()
        self.outcome = cases["outcome"].tolist()
        self.closed = cases["closed"].to_numpy(bool).tolist()
        self.age = cases["age_days"].to_numpy(np.float64).tolist()
        self.closed_age = cases["closed_age_days"].to_numpy(np.float64).tolist()
        self.amount = cases["amount"].to_numpy(np.float64).tolist()


def _one(value: float) -> F64:
    return np.array([value], dtype=np.float64)


def _one_grid(rows: _Rows, at: list[int], base: str) -> dict[str, F64]:
    """Counts and amounts by cause of the rows `at`, as `_grid` gives them for one firm."""
    causes = [rows.cause[i] for i in at]
    filled = [0.0 if rows.amount[i] != rows.amount[i] else rows.amount[i] for i in at]
    amounts = group_sums(causes, filled) if at else {}
    counts = [float(causes.count(c)) for c in CAUSES]
    sums = [amounts.get(c, 0.0) for c in CAUSES]
    out: dict[str, F64] = {}
    for cause, count, amount in zip(CAUSES, counts, sums, strict=True):
        out[f"{base}.{cause}.count"] = _one(count)
        out[f"{base}.{cause}.amount"] = _one(amount)
    out[f"{base}.all.count"] = np.sum(np.array([counts]), axis=1)
    out[f"{base}.all.amount"] = np.sum(np.array([sums]), axis=1)
    return out


def _one_parties(ctx: Context, rows: _Rows) -> dict[str, F64]:
    """Counterparties, courts and the time since the last suit of one firm."""
    firm = str(ctx.index[0])
    mine = set(rows.case_no)
    every = ctx.cases
    others = {
        u
        for c, u in zip(every["case_no"].tolist(), every["uscc"].tolist(), strict=True)
        if c in mine and u != firm
    }
    courts = {c for c in rows.court if not pd.isna(c)}
    ages = [a for a, r in zip(rows.age, rows.role, strict=True) if r == "defendant" and a == a]
    return {
        "jud.any.all.counterparties": _one(len(others)),
        "jud.any.all.courts": _one(len(courts)),
        "jud.def.all.days_since_last": _one(min(ages) if ages else np.nan),
    }


BLOCK = Block("judicial", definitions(), compute)
