"""IP indicators: each firm's patent portfolio at the as-of date, from `patent_quality`.

Counts over portfolio subsets (kind, legal status, IPC section, filing recency), shares of the
portfolio, mean / max / sum of per-patent quality features (OECD indicators and GB/T 42748 value
dimensions), IPC concentration and intensity per employee and capital.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from domain.indicators.common import F64, YEAR_DAYS, one_minus_hhi, ratio
from domain.indicators.context import Context
from domain.indicators.ip_one import one_firm
from domain.indicators.small import one_firm_path
from domain.indicators.spec import DOWN, UP, Block, Direction, IndicatorDefinition, definer

Q = pd.DataFrame
_d = definer("ip", "patent")


def _f(col: str) -> Callable[[Q], pd.Series]:
    return lambda q: q[col] > 0


def _filed_within(years: int) -> Callable[[Q], pd.Series]:
    return lambda q: q["age_years"] < years


def _granted_within(years: int) -> Callable[[Q], pd.Series]:
    # granted_on = filed_on + grant lag; it falls in (t - years, t]
    return lambda q: (
        (q["is_granted"] > 0) & (q["age_years"] - q["grant_lag_days"] / YEAR_DAYS < years)
    )


def _in_section(section: str) -> Callable[[Q], pd.Series]:
    return lambda q: q["ipc_section"] == section


# subset -> (readable, direction of its count, whether a share of the portfolio is reported)
SUBSETS: dict[str, tuple[str, Direction, bool, Callable[[Q], pd.Series]]] = {
    "all": ("patents", DOWN, False, lambda q: pd.Series(True, index=q.index)),
    "invention": ("invention patents", DOWN, True, _f("kind_invention")),
    "utility_model": ("utility models", DOWN, True, _f("kind_utility_model")),
    "design": ("design patents", DOWN, True, _f("kind_design")),
    "granted": ("granted patents", DOWN, True, _f("is_granted")),
    "in_force": ("patents in force", DOWN, True, _f("is_in_force")),
    "pending": ("pending applications", DOWN, True, _f("is_pending")),
    "lapsed": ("lapsed patents", UP, True, _f("is_lapsed")),
    "invalidated": ("invalidated patents", UP, True, _f("is_invalidated")),
    "expired": ("expired patents", UP, True, _f("is_expired")),
    "dead": ("lapsed, invalidated or expired patents", UP, True,
             lambda q: (q["is_lapsed"] + q["is_invalidated"] + q["is_expired"]) > 0),
    "pledged": ("pledged patents", UP, True, _f("pledged")),
    "litigated": ("patents in litigation", UP, True, _f("litigated")),
    "transferred": ("patents acquired by transfer", DOWN, True, _f("transfers")),
    "licensed": ("licensed patents", DOWN, True, _f("licenses")),
    "cited": ("patents cited at least once", DOWN, True, _f("forward_citations")),
    "highly_cited": ("patents cited 5 times or more", DOWN, True,
                     lambda q: q["forward_citations"] >= 5),
    "near_expiry": ("patents in force with under 2 years of life left", UP, True,
                    lambda q: (q["is_in_force"] > 0) & (q["remaining_life_years"] < 2)),
    "annuity_overdue": ("patents in force with unpaid annuities", UP, True,
                        lambda q: (q["is_in_force"] > 0) & (q["annuity_gap_days"] > 0)),
    "invention_in_force": ("invention patents in force", DOWN, True,
                           lambda q: (q["kind_invention"] > 0) & (q["is_in_force"] > 0)),
    "utility_model_in_force": ("utility models in force", DOWN, False,
                               lambda q: (q["kind_utility_model"] > 0) & (q["is_in_force"] > 0)),
    "design_in_force": ("design patents in force", DOWN, False,
                        lambda q: (q["kind_design"] > 0) & (q["is_in_force"] > 0)),
    "pledged_in_force": ("pledged patents in force", UP, False,
                         lambda q: (q["pledged"] > 0) & (q["is_in_force"] > 0)),
    **{
        f"section_{s}": (f"patents in IPC section {s}", DOWN, s in "GH", _in_section(s))
        for s in "ABCDEFGH"
    },
    **{f"filed_{k}y": (f"patents filed in the last {k} years", DOWN, k == 2, _filed_within(k))
       for k in (1, 2, 3, 5)},
    **{f"granted_{k}y": (f"patents granted in the last {k} years", DOWN, False,
                         _granted_within(k)) for k in (1, 2, 3)},
}  # fmt: skip
# feature -> (readable, unit, direction, aggregations)
FEATURES: dict[str, tuple[str, str, Direction, tuple[str, ...]]] = {
    "forward_citations": ("forward citations", "citations", DOWN, ("mean", "max", "sum")),
    "backward_citations": ("backward citations", "citations", DOWN, ("mean", "max", "sum")),
    "family_size": ("family size", "patents", DOWN, ("mean", "max", "sum")),
    "claims": ("claims", "claims", DOWN, ("mean", "max", "sum")),
    "independent_claims": ("independent claims", "claims", DOWN, ("mean", "max")),
    "inventors": ("inventors", "persons", DOWN, ("mean", "max")),
    "generality": ("generality", "index", DOWN, ("mean", "max")),
    "originality": ("originality", "index", DOWN, ("mean", "max")),
    "radicalness": ("radicalness", "share", DOWN, ("mean", "max")),
    "grant_lag_days": ("grant lag", "days", UP, ("mean", "max")),
    "age_years": ("patent age", "years", UP, ("mean", "max")),
    "remaining_life_years": ("remaining life", "years", DOWN, ("mean", "max")),
    "legal_value_score": ("legal value score", "score", DOWN, ("mean", "max", "sum")),
    "technical_value_score": ("technical value score", "score", DOWN, ("mean", "max", "sum")),
    "economic_value_score": ("economic value score", "score", DOWN, ("mean", "max", "sum")),
    "annuity_gap_days": ("annuity gap", "days", UP, ("mean", "max")),
    "transfers": ("transfers", "transfers", DOWN, ("mean", "max", "sum")),
    "licenses": ("licences", "licences", DOWN, ("mean", "max", "sum")),
    "litigated": ("litigations", "cases", UP, ("mean", "max", "sum")),
}
IN_FORCE_MEANS = (
    "remaining_life_years", "legal_value_score", "technical_value_score", "economic_value_score",
)  # fmt: skip
AGG_TEXT = {"mean": "Mean", "max": "Maximum", "sum": "Sum"}


def definitions() -> tuple[IndicatorDefinition, ...]:
    """IP indicator definitions."""
    return (*_subset_definitions(), *_feature_definitions(), *_portfolio_definitions())


def _subset_definitions() -> list[IndicatorDefinition]:
    """The count of every portfolio subset, then the share of those reporting one."""
    out: list[IndicatorDefinition] = []
    for key, (text, direction, _, _) in SUBSETS.items():
        out.append(
            _d(
                f"ip.{key}.count",
                f"number of {text}",
                "patents",
                f"Number of {text} owned at the as-of date.",
                direction,
            )
        )
    for key, (text, direction, share, _) in SUBSETS.items():
        if share:
            out.append(_d(f"ip.{key}.share", f"share of {text}", "share",
                          f"{text.capitalize()} / all patents owned (missing without patents).",
                          direction))  # fmt: skip
    return out


def _feature_definitions() -> list[IndicatorDefinition]:
    """Each aggregation of each quality feature, then the means over patents in force."""
    out: list[IndicatorDefinition] = []
    for key, (text, unit, direction, aggs) in FEATURES.items():
        for agg in aggs:
            out.append(_d(f"ip.{key}.{agg}", f"{agg} {text}", unit,
                          f"{AGG_TEXT[agg]} of {text} over the patents owned (patent_quality).",
                          direction))  # fmt: skip
    for key in IN_FORCE_MEANS:
        text, unit, direction, _ = FEATURES[key]
        out.append(
            _d(
                f"ip.in_force.{key}.mean",
                f"mean {text} in force",
                unit,
                f"Mean of {text} over the patents in force.",
                direction,
            )
        )
    return out


def _portfolio_definitions() -> list[IndicatorDefinition]:
    """Portfolio-wide indicators: concentration, growth, intensity and value."""
    return [
        _d("ip.in_force.remaining_life_years.min", "shortest remaining life in force", "years",
           "Smallest remaining life among the patents in force.", DOWN),
        _d("ip.ipc_subclass.hhi", "IPC subclass concentration", "index",
           "Herfindahl index of the IPC subclasses of the portfolio.", UP),
        _d("ip.ipc_section.hhi", "IPC section concentration", "index",
           "Herfindahl index of the IPC sections of the portfolio.", UP),
        _d("ip.ipc_subclass.distinct", "distinct IPC subclasses", "subclasses",
           "Number of distinct IPC subclasses in the portfolio.", DOWN),
        _d("ip.ipc_section.distinct", "distinct IPC sections", "sections",
           "Number of distinct IPC sections in the portfolio.", DOWN),
        _d("ip.ipc_subclass.top_share", "share of the main IPC subclass", "share",
           "Share of the portfolio in its most frequent IPC subclass.", UP),
        _d("ip.invention.grant_rate", "invention grant rate", "share",
           "Granted invention patents / invention patents filed more than 2 years ago.", DOWN),
        _d("ip.filing.growth_2y", "filing growth", "ratio",
           "Patents filed in the last 2 years / those filed 2 to 4 years ago, minus 1.", DOWN),
        _d("ip.per_employee", "patents per employee", "patents/person",
           "Patents owned / employees.", DOWN),
        _d("ip.invention_in_force.per_employee", "inventions in force per employee",
           "patents/person", "Invention patents in force / employees.", DOWN),
        _d("ip.per_million_capital", "patents per million of capital", "patents/MCNY",
           "Patents owned / registered capital in millions of CNY.", DOWN),
        _d("ip.in_force.value_index", "portfolio value index", "score",
           "Sum over patents in force of the mean of the three GB/T 42748 value scores.", DOWN),
    ]  # fmt: skip


def compute(ctx: Context) -> Mapping[str, F64]:
    """All IP indicators."""
    q = ctx.quality
    q = q[q["owner"].isin(ctx.index)]
    if one_firm_path(ctx.n, len(q)):
        out = one_firm(ctx, q, SUBSETS, FEATURES, IN_FORCE_MEANS)
    else:
        out = _grouped(ctx, q)
    total = out["ip.all.count"]
    employees = pd.to_numeric(ctx.enterprises["employees"], errors="coerce").astype("float64")
    capital = ctx.enterprises["registered_capital"].to_numpy(np.float64)
    out["ip.per_employee"] = ratio(total, employees.to_numpy())
    out["ip.invention_in_force.per_employee"] = ratio(
        out["ip.invention_in_force.count"], employees.to_numpy()
    )
    out["ip.per_million_capital"] = ratio(total, capital / 1e6)
    live = q[q["is_in_force"] > 0]
    value = live[["legal_value_score", "technical_value_score", "economic_value_score"]]
    out["ip.in_force.value_index"] = ctx.align(
        value.mean(axis=1).groupby(live["owner"].astype(str).to_numpy()).sum(), 0.0
    )
    return out


def _grouped(ctx: Context, q: Q) -> dict[str, F64]:
    """The portfolio indicators of many firms at once (all but the intensities)."""
    owner = q["owner"].astype(str)
    masks = pd.DataFrame({k: fn(q).to_numpy(bool) for k, (*_, fn) in SUBSETS.items()},
                         index=q.index)  # fmt: skip
    counts = masks.groupby(owner.to_numpy()).sum().reindex(ctx.index).fillna(0.0)
    out: dict[str, F64] = {}
    total = counts["all"].to_numpy(np.float64)
    for key, (_, _, share, _) in SUBSETS.items():
        out[f"ip.{key}.count"] = counts[key].to_numpy(np.float64)
        if share:
            out[f"ip.{key}.share"] = ratio(out[f"ip.{key}.count"], total)
    feats = q[list(FEATURES)].astype("float64")
    grouped = feats.groupby(owner.to_numpy())
    agg = {a: grouped.agg(a).reindex(ctx.index) for a in ("mean", "max", "sum")}
    for key, (*_, aggs) in FEATURES.items():
        for a in aggs:
            col = agg[a][key].to_numpy(np.float64)
            # a firm without patents has no mean/max, but its sums are zero
            out[f"ip.{key}.{a}"] = np.nan_to_num(col, nan=0.0) if a == "sum" else col
    live = q[q["is_in_force"] > 0]
    live_g = live[list(IN_FORCE_MEANS)].groupby(live["owner"].astype(str).to_numpy())
    live_mean = live_g.mean().reindex(ctx.index)
    for key in IN_FORCE_MEANS:
        out[f"ip.in_force.{key}.mean"] = live_mean[key].to_numpy(np.float64)
    out["ip.in_force.remaining_life_years.min"] = ctx.align(live_g["remaining_life_years"].min())
    out.update(_concentration(ctx, q, owner))
    inv = q[(q["kind_invention"] > 0) & (q["age_years"] >= 2)]
    inv_g = inv.groupby(inv["owner"].astype(str).to_numpy())["is_granted"]
    out["ip.invention.grant_rate"] = ctx.align(inv_g.mean())
    prior = ctx.align(((q["age_years"] >= 2) & (q["age_years"] < 4)).groupby(owner).sum(), 0.0)
    out["ip.filing.growth_2y"] = ratio(out["ip.filed_2y.count"], prior) - 1.0
    return out


def _concentration(ctx: Context, q: Q, owner: pd.Series) -> dict[str, F64]:
    out: dict[str, F64] = {}
    for level in ("subclass", "section"):
        cats = q[f"ipc_{level}"]
        out[f"ip.ipc_{level}.hhi"] = 1.0 - ctx.align(one_minus_hhi(owner, cats))
        out[f"ip.ipc_{level}.distinct"] = ctx.align(cats.groupby(owner).nunique(), 0.0)
    sizes = q.groupby([owner, q["ipc_subclass"]]).size()
    top = sizes.groupby(level=0).max() / sizes.groupby(level=0).sum()
    out["ip.ipc_subclass.top_share"] = ctx.align(top)
    return out


BLOCK = Block("ip", definitions(), compute)
