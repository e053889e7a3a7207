"""Network indicators of one firm, in plain Python over its relations.

`network.compute` for a single firm with a small neighbourhood: the same values as the
vectorised code (sums added in the order pandas adds them, see `domain.indicators.small`),
without paying a groupby or a merge for each of a few rows.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from domain.indicators.common import F64, ratio
from domain.indicators.context import Context
from domain.indicators.events import SEVERE
from domain.indicators.small import group_sums, one_group_sum

NEIGHBOUR_KINDS = {
    "guarantee": "guarantee partners", "supply": "suppliers and customers",
    "shareholding": "shareholding partners", "officer": "firms sharing an officer",
    "any": "related firms",
}  # fmt: skip
NEIGHBOUR_EVENTS = (
    "dishonest_listed", "enforcement_listed", "judgment_lost", "equity_frozen",
    "overdue_payment", "business_abnormal", "deregistered", "tax_arrears",
)  # fmt: skip


class _Relations:
    """Relation columns as Python lists."""

    def __init__(self, rel: pd.DataFrame) -> None:
        self.kind = rel["kind"].tolist()
        self.src = rel["src"].tolist()
        self.dst = rel["dst"].tolist()
        self.role = rel["role"].tolist()
        self.amount = rel["amount"].to_numpy(np.float64).tolist()
        self.ratio = rel["ratio"].to_numpy(np.float64).tolist()
        self.rows = range(len(self.kind))

    def of(self, kind: str) -> list[int]:
        return [i for i in self.rows if self.kind[i] == kind]


def _one(value: float) -> F64:
    return np.array([value], dtype=np.float64)


def one_firm(ctx: Context) -> dict[str, F64]:
    """All network indicators of the one firm of `ctx`."""
    firm = str(ctx.index[0])
    rel = _Relations(ctx.relations)
    out = _guarantees(ctx, rel, firm)
    out.update(_shareholding(ctx, rel, firm))
    out.update(_supply(rel, firm))
    out.update(_neighbours(ctx, rel, firm))
    return out


def _guarantees(ctx: Context, rel: _Relations, firm: str) -> dict[str, F64]:
    g = rel.of("guarantee")
    given = [rel.amount[i] for i in g if rel.src[i] == firm]
    got = [rel.amount[i] for i in g if rel.dst[i] == firm]
    out = {
        "net.guarantee.given.count": _one(len(given)),
        "net.guarantee.given.amount": _one(one_group_sum(given)),
        "net.guarantee.received.count": _one(len(got)),
        "net.guarantee.received.amount": _one(one_group_sum(got)),
    }
    out["net.guarantee.net_exposure"] = (
        out["net.guarantee.given.amount"] - out["net.guarantee.received.amount"]
    )
    capital = ctx.enterprises["registered_capital"].to_numpy(np.float64)
    out["net.guarantee.given_to_capital"] = ratio(out["net.guarantee.given.amount"], capital)
    edges = {(rel.src[i], rel.dst[i]) for i in g}
    ahead = {d for s, d in edges if s == firm and d != firm}
    behind = {s for s, d in edges if d == firm and s != firm}
    out["net.guarantee.partners"] = _one(len(ahead | behind))
    out["net.guarantee.mutual.count"] = _one(len(ahead & behind))
    cycle, group = _components(edges, firm)
    out["net.guarantee.in_cycle"] = _one(1.0 if cycle > 0 else 0.0)
    out["net.guarantee.cycle_size"] = _one(cycle)
    out["net.guarantee.group_size"] = _one(group)
    return out


def _reach(start: str, links: dict[str, set[str]]) -> set[str]:
    seen = {start}
    todo = [start]
    while todo:
        for nxt in links.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _components(edges: set[tuple[str, str]], firm: str) -> tuple[float, float]:
    """The size of the firm's strongly connected guarantee component when it lies on a cycle
    (0 otherwise), and of its weakly connected one (0 without guarantees)."""
    ahead: dict[str, set[str]] = {}
    behind: dict[str, set[str]] = {}
    for s, d in edges:
        ahead.setdefault(s, set()).add(d)
        behind.setdefault(d, set()).add(s)
    if firm not in ahead and firm not in behind:
        return 0.0, 0.0
    strong = _reach(firm, ahead) & _reach(firm, behind)
    both = {k: ahead.get(k, set()) | behind.get(k, set()) for k in ahead.keys() | behind.keys()}
    size = float(len(strong))
    on_cycle = size > 1 or (firm, firm) in edges
    return (size if on_cycle else 0.0), float(len(_reach(firm, both)))


def _hhi_top(amounts: Iterable[float]) -> tuple[float, float]:
    """`network._hhi_top` for one key: Herfindahl index and top share of positive amounts."""
    a = [0.0 if v != v else max(v, 0.0) for v in amounts]
    if not a:
        return np.nan, np.nan
    total = one_group_sum(a)
    if not total > 0:
        return np.nan, np.nan
    shares = [v / total for v in a]
    return one_group_sum([s * s for s in shares]), max(shares)


def _shareholding(ctx: Context, rel: _Relations, firm: str) -> dict[str, F64]:
    holders = [
        i
        for i in rel.rows
        if rel.kind[i] == "shareholding"
        or (rel.kind[i] == "officer" and rel.role[i] == "shareholder")
    ]
    mine = {rel.src[i] for i in holders if rel.dst[i] == firm}
    firms = set(ctx.all_usccs)
    held = [i for i in holders if rel.kind[i] == "shareholding" and rel.dst[i] == firm]
    ratios = [rel.ratio[i] for i in held if rel.ratio[i] == rel.ratio[i]]
    holds = [i for i in holders if rel.kind[i] == "shareholding" and rel.src[i] == firm]
    return {
        "net.shareholders.count": _one(len(mine)),
        "net.shareholders.corporate": _one(len(mine & firms)),
        "net.shareholders.persons": _one(len(mine - firms)),
        "net.shareholders.max_ratio": _one(max(ratios) if ratios else np.nan),
        "net.shareholders.hhi": _one(_hhi_top(rel.ratio[i] for i in held)[0]),
        "net.investees.count": _one(len({rel.dst[i] for i in holds})),
        "net.investees.ratio_sum": _one(one_group_sum([rel.ratio[i] for i in holds])),
    }


def _supply(rel: _Relations, firm: str) -> dict[str, F64]:
    s = rel.of("supply")
    out: dict[str, F64] = {}
    for name, me, other in (("suppliers", rel.dst, rel.src), ("customers", rel.src, rel.dst)):
        own = [i for i in s if me[i] == firm]
        amounts = [rel.amount[i] for i in own]
        per = group_sums([other[i] for i in own], amounts) if own else {}
        hhi, top = _hhi_top(per[k] for k in sorted(per))
        out[f"net.{name}.count"] = _one(len(per))
        out[f"net.{name}.amount"] = _one(one_group_sum(amounts))
        out[f"net.{name}.hhi"] = _one(hhi)
        out[f"net.{name}.top_share"] = _one(top)
    return out


def _neighbours(ctx: Context, rel: _Relations, firm: str) -> dict[str, F64]:
    firms = set(ctx.all_usccs)
    near: dict[str, set[str]] = {}
    for kind in ("guarantee", "supply", "shareholding"):
        linked = [i for i in rel.of(kind) if rel.src[i] in firms and rel.dst[i] in firms]
        near[kind] = {rel.dst[i] for i in linked if rel.src[i] == firm} | {
            rel.src[i] for i in linked if rel.dst[i] == firm
        }
    off = rel.of("officer")
    persons = {rel.src[i] for i in off if rel.dst[i] == firm}
    near["officer"] = {rel.dst[i] for i in off if rel.src[i] in persons}
    near = {kind: others - {firm} for kind, others in near.items()}
    near["any"] = set().union(*near.values())
    reps = {rel.src[i] for i in off if rel.dst[i] == firm and rel.role[i] == "legal_rep"}
    rep_firms = {rel.dst[i] for i in off if rel.src[i] in reps} - {firm}
    out = {
        "net.officer_peers.count": _one(len(near["officer"])),
        "net.legal_rep.other_firms": _one(len(rep_firms)),
    }
    out.update(_distress(ctx, near))
    return out


def _distress(ctx: Context, near: dict[str, set[str]]) -> dict[str, F64]:
    ev = ctx.events
    marks: dict[str, set[str]] = {}
    for uscc, etype, age in zip(
        ev["uscc"].tolist(), ev["type"].tolist(), ev["age_days"].tolist(), strict=True
    ):
        if uscc not in near["any"]:
            continue
        if etype in NEIGHBOUR_EVENTS:
            marks.setdefault(etype, set()).add(uscc)
        if etype in SEVERE:
            marks.setdefault("severe", set()).add(uscc)
            if age < 365:
                marks.setdefault("severe_365d", set()).add(uscc)
    out: dict[str, F64] = {}
    for kind in NEIGHBOUR_KINDS:
        others = near[kind]
        n = _one(len(others))
        out[f"net.nb.{kind}.count"] = n
        for etype in NEIGHBOUR_EVENTS:
            out[f"net.nb.{kind}.{etype}.count"] = _one(len(others & marks.get(etype, set())))
        out[f"net.nb.{kind}.severe.share"] = ratio(
            _one(len(others & marks.get("severe", set()))), n
        )
        if kind == "any":
            out["net.nb.any.severe_365d.count"] = _one(
                len(others & marks.get("severe_365d", set()))
            )
    return out
