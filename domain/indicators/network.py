"""Network indicators: guarantees (incl. mutual guarantees and guarantee circles), shareholding,
supply chain, shared officers, and neighbours with adverse events before the as-of date.

Only relations whose `since` is on or before the as-of date count, and only neighbours' events
that occurred by then.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from domain.indicators.common import F64, ratio
from domain.indicators.context import Context
from domain.indicators.events import SEVERE
from domain.indicators.network_one import NEIGHBOUR_EVENTS, NEIGHBOUR_KINDS, one_firm
from domain.indicators.small import one_firm_path
from domain.indicators.spec import DOWN, UP, Block, IndicatorDefinition, definer

_d = definer("network", "network")


def definitions() -> tuple[IndicatorDefinition, ...]:
    """Network indicator definitions."""
    return (*_relation_definitions(), *_neighbour_definitions())


def _relation_definitions() -> list[IndicatorDefinition]:
    """Guarantees, shareholding, supply chain and shared officers of the firm itself."""
    return [
        _d("net.guarantee.given.count", "guarantees given", "guarantees",
           "Guarantees the firm gives to other firms.", UP),
        _d("net.guarantee.given.amount", "amount guaranteed for others", "CNY",
           "Total amount of guarantees given.", UP),
        _d("net.guarantee.received.count", "guarantees received", "guarantees",
           "Guarantees other firms give for the firm.", UP),
        _d("net.guarantee.received.amount", "amount guaranteed by others", "CNY",
           "Total amount of guarantees received.", UP),
        _d("net.guarantee.net_exposure", "net guarantee exposure", "CNY",
           "Amount guaranteed for others minus amount guaranteed by others.", UP),
        _d("net.guarantee.given_to_capital", "guarantees given to capital", "ratio",
           "Amount guaranteed for others / registered capital.", UP),
        _d("net.guarantee.partners", "guarantee partners", "firms",
           "Distinct firms linked to the firm by a guarantee either way.", UP),
        _d("net.guarantee.mutual.count", "mutual guarantees", "firms",
           "Firms that guarantee the firm and are guaranteed by it.", UP),
        _d("net.guarantee.in_cycle", "in a guarantee circle", "flag",
           "1 when the firm lies on a directed cycle of guarantees.", UP),
        _d("net.guarantee.cycle_size", "guarantee circle size", "firms",
           "Size of the strongly connected guarantee component (0 outside any circle).", UP),
        _d("net.guarantee.group_size", "guarantee group size", "firms",
           "Size of the connected guarantee group (0 without guarantees).", UP),
        _d("net.shareholders.count", "shareholders", "holders",
           "Distinct shareholders (firms and persons, from shareholdings and officer roles).",
           DOWN),
        _d("net.shareholders.corporate", "corporate shareholders", "firms",
           "Shareholders that are enterprises.", UP),
        _d("net.shareholders.persons", "person shareholders", "persons",
           "Shareholders that are persons.", DOWN),
        _d("net.shareholders.max_ratio", "largest shareholding", "share",
           "Largest recorded shareholding ratio.", UP),
        _d("net.shareholders.hhi", "shareholding concentration", "index",
           "Herfindahl index of the recorded shareholding ratios.", UP),
        _d("net.investees.count", "investees", "firms", "Firms the firm holds shares in.", UP),
        _d("net.investees.ratio_sum", "sum of holdings", "share",
           "Sum of the firm's shareholding ratios in other firms.", UP),
        _d("net.suppliers.count", "suppliers", "firms", "Distinct suppliers.", DOWN),
        _d("net.customers.count", "customers", "firms", "Distinct customers.", DOWN),
        _d("net.suppliers.amount", "purchases", "CNY/year", "Yearly supply bought.", DOWN),
        _d("net.customers.amount", "sales to recorded customers", "CNY/year",
           "Yearly supply sold.", DOWN),
        _d("net.suppliers.hhi", "supplier concentration", "index",
           "Herfindahl index of purchase amounts over suppliers.", UP),
        _d("net.customers.hhi", "customer concentration", "index",
           "Herfindahl index of sales amounts over customers.", UP),
        _d("net.suppliers.top_share", "main supplier share", "share",
           "Share of purchases from the main supplier.", UP),
        _d("net.customers.top_share", "main customer share", "share",
           "Share of sales to the main customer.", UP),
        _d("net.officer_peers.count", "firms sharing an officer", "firms",
           "Other firms with at least one officer in common.", UP),
        _d("net.legal_rep.other_firms", "legal representative's other firms", "firms",
           "Other firms where the legal representative is also an officer.", UP),
    ]  # fmt: skip


def _neighbour_definitions() -> list[IndicatorDefinition]:
    """Per kind of neighbour: how many, how many with each adverse event, the share in distress."""
    out: list[IndicatorDefinition] = []
    for kind, text in NEIGHBOUR_KINDS.items():
        out.append(
            _d(
                f"net.nb.{kind}.count",
                f"number of {text}",
                "firms",
                f"Distinct {text}.",
                UP if kind == "guarantee" else DOWN,
            )
        )
        for etype in NEIGHBOUR_EVENTS:
            out.append(
                _d(
                    f"net.nb.{kind}.{etype}.count",
                    f"{text} with {etype}",
                    "firms",
                    f"Distinct {text} with a {etype} event by the as-of date.",
                    UP,
                )
            )
        out.append(
            _d(
                f"net.nb.{kind}.severe.share",
                f"share of {text} in distress",
                "share",
                f"Share of {text} with a severe event by the as-of date.",
                UP,
            )
        )
    out.append(
        _d(
            "net.nb.any.severe_365d.count",
            "related firms in recent distress",
            "firms",
            "Related firms with a severe event in the last 365 days.",
            UP,
        )
    )
    return out


def compute(ctx: Context) -> Mapping[str, F64]:
    """All network indicators."""
    rel = ctx.relations
    if one_firm_path(ctx.n, len(rel), scale=50):
        return one_firm(ctx)
    out: dict[str, F64] = {}
    out.update(_guarantees(ctx, rel[rel["kind"] == "guarantee"]))
    holders = (rel["kind"] == "shareholding") | (
        (rel["kind"] == "officer") & (rel["role"] == "shareholder")
    )
    out.update(_shareholding(ctx, rel[holders]))
    out.update(_supply(ctx, rel[rel["kind"] == "supply"]))
    out.update(_neighbours(ctx, rel))
    return out


def _guarantees(ctx: Context, g: pd.DataFrame) -> dict[str, F64]:
    out: dict[str, F64] = {}
    # sums over the firms' own rows only (grouped sums depend in their last bits on the rest)
    mine = ctx.index
    given = g[g["src"].isin(mine)].groupby("src")["amount"]
    got = g[g["dst"].isin(mine)].groupby("dst")["amount"]
    out["net.guarantee.given.count"] = ctx.align(given.size(), 0.0)
    out["net.guarantee.given.amount"] = ctx.align(given.sum(), 0.0)
    out["net.guarantee.received.count"] = ctx.align(got.size(), 0.0)
    out["net.guarantee.received.amount"] = ctx.align(got.sum(), 0.0)
    out["net.guarantee.net_exposure"] = (
        out["net.guarantee.given.amount"] - out["net.guarantee.received.amount"]
    )
    capital = ctx.enterprises["registered_capital"].to_numpy(np.float64)
    out["net.guarantee.given_to_capital"] = ratio(out["net.guarantee.given.amount"], capital)
    pairs = pd.concat([g[["src", "dst"]], g[["dst", "src"]].set_axis(["src", "dst"], axis=1)])
    pairs = pairs[pairs["src"] != pairs["dst"]].drop_duplicates()
    out["net.guarantee.partners"] = ctx.align(pairs.groupby("src").size(), 0.0)
    edges = g[["src", "dst"]].drop_duplicates()
    back = edges.merge(edges, left_on=["src", "dst"], right_on=["dst", "src"])
    back = back[back["src_x"] != back["dst_x"]]
    out["net.guarantee.mutual.count"] = ctx.align(back.groupby("src_x").size(), 0.0)
    nodes = pd.Index(pd.unique(np.r_[edges["src"].to_numpy(), edges["dst"].to_numpy()]))
    cycle = np.zeros(len(nodes))
    group = np.zeros(len(nodes))
    if len(nodes):
        i, j = nodes.get_indexer(edges["src"]), nodes.get_indexer(edges["dst"])
        adj = coo_matrix((np.ones(len(i)), (i, j)), shape=(len(nodes), len(nodes))).tocsr()
        _, strong = connected_components(adj, directed=True, connection="strong")
        _, weak = connected_components(adj, directed=True, connection="weak")
        size = np.bincount(strong)[strong].astype(np.float64)
        loops = np.zeros(len(nodes), dtype=bool)
        loops[i[i == j]] = True
        cycle = np.where((size > 1) | loops, size, 0.0)
        group = np.bincount(weak)[weak].astype(np.float64)
    out["net.guarantee.in_cycle"] = ctx.align(pd.Series(cycle > 0, index=nodes), 0.0)
    out["net.guarantee.cycle_size"] = ctx.align(pd.Series(cycle, index=nodes), 0.0)
    out["net.guarantee.group_size"] = ctx.align(pd.Series(group, index=nodes), 0.0)
    return out


def _hhi_top(keys: pd.Series, amounts: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Herfindahl index and top share of positive `amounts` within each key."""
    a = amounts.clip(lower=0).fillna(0.0)
    total = a.groupby(keys).transform("sum")
    share = a / total.where(total > 0)
    return (share**2).groupby(keys).sum(min_count=1), share.groupby(keys).max()


def _shareholding(ctx: Context, holders: pd.DataFrame) -> dict[str, F64]:
    """Shareholders from shareholding relations and from officers in the shareholder role;
    ratios and investees from shareholding relations only."""
    out: dict[str, F64] = {}
    out["net.shareholders.count"] = ctx.align(holders.groupby("dst")["src"].nunique(), 0.0)
    corporate = holders["src"].isin(ctx.all_usccs)
    sh = holders[holders["kind"] == "shareholding"]
    out["net.shareholders.corporate"] = ctx.align(
        holders[corporate].groupby("dst")["src"].nunique(), 0.0
    )
    out["net.shareholders.persons"] = ctx.align(
        holders[~corporate].groupby("dst")["src"].nunique(), 0.0
    )
    out["net.shareholders.max_ratio"] = ctx.align(sh.groupby("dst")["ratio"].max())
    held = sh[sh["dst"].isin(ctx.index)]
    hhi, _ = _hhi_top(held["dst"], held["ratio"])
    out["net.shareholders.hhi"] = ctx.align(hhi)
    holds = sh[sh["src"].isin(ctx.index)]
    out["net.investees.count"] = ctx.align(holds.groupby("src")["dst"].nunique(), 0.0)
    out["net.investees.ratio_sum"] = ctx.align(holds.groupby("src")["ratio"].sum(), 0.0)
    return out


def _supply(ctx: Context, s: pd.DataFrame) -> dict[str, F64]:
    out: dict[str, F64] = {}
    for name, me, other in (("suppliers", "dst", "src"), ("customers", "src", "dst")):
        own = s[s[me].isin(ctx.index)]
        out[f"net.{name}.count"] = ctx.align(own.groupby(me)[other].nunique(), 0.0)
        out[f"net.{name}.amount"] = ctx.align(own.groupby(me)["amount"].sum(), 0.0)
        per = own.groupby([me, other])["amount"].sum().reset_index()
        hhi, top = _hhi_top(per[me], per["amount"])
        out[f"net.{name}.hhi"] = ctx.align(hhi)
        out[f"net.{name}.top_share"] = ctx.align(top)
    return out


def _neighbours(ctx: Context, rel: pd.DataFrame) -> dict[str, F64]:
    firms = ctx.all_usccs
    parts = []
    for kind in ("guarantee", "supply", "shareholding"):
        r = rel[(rel["kind"] == kind) & rel["src"].isin(firms) & rel["dst"].isin(firms)]
        parts.append(pd.DataFrame({"a": r["src"], "b": r["dst"], "kind": kind}))
        parts.append(pd.DataFrame({"a": r["dst"], "b": r["src"], "kind": kind}))
    off = rel.loc[rel["kind"] == "officer", ["src", "dst"]].drop_duplicates()
    shared = off.merge(off, on="src")
    shared = shared[shared["dst_x"] != shared["dst_y"]]
    parts.append(pd.DataFrame({"a": shared["dst_x"], "b": shared["dst_y"], "kind": "officer"}))
    pairs = pd.concat(parts, ignore_index=True)
    pairs = pairs[(pairs["a"] != pairs["b"]) & pairs["a"].isin(ctx.index)]
    pairs = pd.concat([pairs, pairs.assign(kind="any")]).drop_duplicates(["a", "b", "kind"])
    out: dict[str, F64] = {}
    out["net.officer_peers.count"] = ctx.align(
        pairs[pairs["kind"] == "officer"].groupby("a").size(), 0.0
    )
    rep = rel.loc[(rel["kind"] == "officer") & (rel["role"] == "legal_rep"), ["src", "dst"]]
    rep_firms = rep.drop_duplicates().merge(off, on="src")
    rep_firms = rep_firms[rep_firms["dst_x"] != rep_firms["dst_y"]]
    out["net.legal_rep.other_firms"] = ctx.align(rep_firms.groupby("dst_x")["dst_y"].nunique(), 0.0)
    out.update(_distress(ctx, pairs))
    return out


def _distress(ctx: Context, pairs: pd.DataFrame) -> dict[str, F64]:
    """Per kind of neighbour (pairs a -> b): how many, how many with each adverse event by t,
    the share with a severe one; related firms with a severe event in the last 365 days."""
    ev = ctx.events
    ev = ev[ev["uscc"].isin(pairs["b"].unique())]
    severe = ev["type"].isin(SEVERE)
    marks = {etype: ev["type"].eq(etype) for etype in NEIGHBOUR_EVENTS}
    marks |= {"severe": severe, "severe_365d": severe & (ev["age_days"] < 365)}
    flags = pd.DataFrame(marks).groupby(ev["uscc"].to_numpy()).any()
    at = flags.index.get_indexer(pd.Index(pairs["b"]))
    raw = flags.to_numpy(np.float64)
    hit = raw[at] if len(raw) else np.zeros((len(at), flags.shape[1]))
    hit[at < 0] = 0.0
    table = pd.DataFrame(hit, columns=flags.columns).assign(n=1.0)
    table = table.groupby([pairs["kind"].to_numpy(), pairs["a"].to_numpy()]).sum()
    values = table.to_numpy(np.float64)
    column = {name: i for i, name in enumerate(table.columns)}
    out: dict[str, F64] = {}
    for kind in NEIGHBOUR_KINDS:
        where = table.index.get_indexer(pd.MultiIndex.from_product([[kind], ctx.index]))
        got = values[where] if len(values) else np.zeros((ctx.n, len(column)))
        got[where < 0] = 0.0
        n = got[:, column["n"]]
        out[f"net.nb.{kind}.count"] = n
        for etype in NEIGHBOUR_EVENTS:
            out[f"net.nb.{kind}.{etype}.count"] = got[:, column[etype]]
        out[f"net.nb.{kind}.severe.share"] = ratio(got[:, column["severe"]], n)
        if kind == "any":
            out["net.nb.any.severe_365d.count"] = got[:, column["severe_365d"]]
    return out


BLOCK = Block("network", definitions(), compute)
