"""Event indicators: counts of each monitored event type over look-back windows."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from domain.indicators.common import F64
from domain.indicators.context import Context
from domain.indicators.small import one_firm_path
from domain.indicators.spec import (
    DOWN,
    UP,
    WINDOWS,
    Block,
    Direction,
    IndicatorDefinition,
    window_tag,
    window_text,
)

# event type -> (source, direction, readable)
EVENT_TYPES: dict[str, tuple[str, Direction, str]] = {
    "litigation_filed": ("judicial", UP, "lawsuits filed against or by the firm"),
    "judgment_lost": ("judicial", UP, "judgments lost"),
    "enforcement_listed": ("judicial", UP, "listings as a person subject to enforcement"),
    "dishonest_listed": ("judicial", UP, "listings as a dishonest judgment debtor"),
    "equity_frozen": ("judicial", UP, "equity freezes"),
    "legal_rep_changed": ("registration", UP, "changes of legal representative"),
    "shareholder_changed": ("registration", UP, "shareholder changes"),
    "business_abnormal": ("registration", UP, "listings in the abnormal operations register"),
    "deregistered": ("registration", UP, "deregistrations"),
    "tax_arrears": ("tax", UP, "tax arrears notices"),
    "tax_rating_downgraded": ("tax", UP, "tax rating downgrades"),
    "patent_lapsed": ("patent", UP, "patent lapses"),
    "patent_invalidated": ("patent", UP, "patent invalidations"),
    "patent_transferred": ("patent", DOWN, "patent transfers"),
    "financial_decline": ("financial", UP, "financial decline reports"),
    "overdue_payment": ("financial", UP, "overdue payments"),
}
SEVERE = (
    "judgment_lost", "enforcement_listed", "dishonest_listed", "equity_frozen", "tax_arrears",
    "overdue_payment", "business_abnormal", "deregistered",
)  # fmt: skip


def definitions() -> tuple[IndicatorDefinition, ...]:
    """Event indicator definitions."""
    out: list[IndicatorDefinition] = []
    for etype, (source, direction, text) in EVENT_TYPES.items():
        for w in WINDOWS:
            out.append(IndicatorDefinition(
                f"evt.{etype}.{window_tag(w)}.count", f"{text}, {window_tag(w)}", "events",
                source, "events", f"Number of {text} recorded {window_text(w)}.", direction,
            ))  # fmt: skip
    for w in WINDOWS:
        out.append(IndicatorDefinition(
            f"evt.severe.{window_tag(w)}.count", f"severe events, {window_tag(w)}", "events",
            "judicial", "events", f"Number of severe events ({', '.join(SEVERE)}) recorded "
            f"{window_text(w)}.", UP,
        ))  # fmt: skip
        out.append(IndicatorDefinition(
            f"evt.any.{window_tag(w)}.types", f"distinct event types, {window_tag(w)}", "events",
            "judicial", "types", f"Number of distinct event types recorded {window_text(w)}.",
            UP,
        ))  # fmt: skip
    out.append(IndicatorDefinition(
        "evt.severe.all.days_since_last", "days since the last severe event", "events",
        "judicial", "days", "Days from the latest severe event to the as-of date (missing when "
        "none).", DOWN,
    ))  # fmt: skip
    return tuple(out)


def compute(ctx: Context) -> Mapping[str, F64]:
    """All event indicators."""
    ev = ctx.events[ctx.events["uscc"].isin(ctx.index)]
    if one_firm_path(ctx.n, len(ev)):
        return _one_firm(ev)
    out: dict[str, F64] = {}
    severe = ev["type"].isin(SEVERE)
    for w in WINDOWS:
        sel = ev if w is None else ev[ev["age_days"] < w]
        counts = sel.groupby(["uscc", "type"]).size().unstack("type")
        for etype in EVENT_TYPES:
            col = counts[etype] if etype in counts.columns else None
            out[f"evt.{etype}.{window_tag(w)}.count"] = (
                np.zeros(ctx.n) if col is None else ctx.align(col, 0.0)
            )
        sev = sel[severe.reindex(sel.index).to_numpy()]
        out[f"evt.severe.{window_tag(w)}.count"] = ctx.align(sev.groupby("uscc").size(), 0.0)
        out[f"evt.any.{window_tag(w)}.types"] = ctx.align(
            sel.groupby("uscc")["type"].nunique(), 0.0
        )
    out["evt.severe.all.days_since_last"] = ctx.align(ev[severe].groupby("uscc")["age_days"].min())
    return out


def _one_firm(ev: pd.DataFrame) -> dict[str, F64]:
    """`compute` for one firm, counting its few events in plain Python (same values)."""
    rows = list(zip(ev["type"].tolist(), ev["age_days"].to_numpy(np.float64).tolist(), strict=True))
    out: dict[str, F64] = {}
    for w in WINDOWS:
        sel = [t for t, age in rows if w is None or age < w]
        for etype in EVENT_TYPES:
            out[f"evt.{etype}.{window_tag(w)}.count"] = np.array([float(sel.count(etype))])
        severe = sum(1 for t in sel if t in SEVERE)
        out[f"evt.severe.{window_tag(w)}.count"] = np.array([float(severe)])
        types = {t for t in sel if not pd.isna(t)}
        out[f"evt.any.{window_tag(w)}.types"] = np.array([float(len(types))])
    ages = [age for t, age in rows if t in SEVERE and age == age]
    out["evt.severe.all.days_since_last"] = np.array([min(ages) if ages else np.nan])
    return out


BLOCK = Block("events", definitions(), compute)
