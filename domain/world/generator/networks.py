"""Enterprise networks: guarantees (mutual, chains, circles), shareholdings and supply chains.

Who is linked to whom depends on size, city and group membership, never on the latent health,
so that without contagion a neighbour's default says nothing about a firm's own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from domain.world.generator.arrays import F64, I64, round_to, weighted_pick
from domain.world.generator.enterprises import Firms, pick_lender
from domain.world.generator.timeline import Ctx

# Structures of guarantee groups among SMEs of one city: (size, kind, weight).
GROUP_SHAPES = (
    (2, "mutual", 0.32), (2, "single", 0.14), (3, "circle", 0.14), (3, "chain", 0.12),
    (4, "circle", 0.07), (4, "chain", 0.06), (4, "mutual_chain", 0.05), (5, "circle", 0.04),
    (5, "star", 0.03), (6, "mutual_chain", 0.03),
)  # fmt: skip
GUARANTEE_SHARE = 0.32  # share of SMEs in guarantee groups
GUARANTEE_COMPANY_SHARE = 0.08  # share of SMEs guaranteed by a guarantee company
PARENT_SHARE = 0.06
MINORITY_SHARE = 0.04


@dataclass
class Edges:
    """Directed edges of one kind: src -> dst with an amount or ratio and a start day."""

    src: I64
    dst: I64
    value: F64
    since: I64

    def __len__(self) -> int:
        return len(self.src)


@dataclass
class Network:
    """All enterprise-to-enterprise relations of the world."""

    guarantee: Edges  # guarantor -> guaranteed, value = amount guaranteed
    shareholding: Edges  # holder -> investee, value = ratio
    supply: Edges  # supplier -> customer, value = amount per year


def _dedupe(src: I64, dst: I64, value: F64, since: I64) -> Edges:
    keep = src != dst
    src, dst, value, since = src[keep], dst[keep], value[keep], since[keep]
    _, first = np.unique(src * 10_000_000 + dst, return_index=True)
    first.sort()
    return Edges(src[first], dst[first], value[first], since[first])


def _since(rng: np.random.Generator, ctx: Ctx, firms: Firms, src: I64, dst: I64) -> I64:
    """Start day: mostly in the years before S, about one in ten during the timeline."""
    lo = np.maximum(firms.founded[src], firms.founded[dst]) + 60
    past = -np.floor(rng.random(len(src)) * 6 * 365).astype(np.int64)
    during = np.floor(rng.random(len(src)) * ctx.horizon).astype(np.int64)
    day = np.where(rng.random(len(src)) < 0.1, during, past)
    return np.asarray(np.minimum(np.maximum(day, lo), ctx.horizon - 1), dtype=np.int64)


def _guarantee_groups(rng: np.random.Generator, firms: Firms) -> tuple[I64, I64]:
    """Guarantee groups among SMEs of the same city."""
    sme = firms.sme
    members = sme[rng.random(len(sme)) < GUARANTEE_SHARE]
    members = members[np.lexsort((rng.random(len(members)), firms.city[members]))]
    w = np.array([s[2] for s in GROUP_SHAPES])
    src: list[int] = []
    dst: list[int] = []
    pos = 0
    shapes = rng.choice(len(GROUP_SHAPES), size=len(members), p=w / w.sum())
    city = firms.city
    for shape in shapes.tolist():
        k, kind, _ = GROUP_SHAPES[shape]
        g = members[pos : pos + k].tolist()
        if len(g) < k or city[g[0]] != city[g[-1]]:
            pos += 1  # skip a firm at a city boundary rather than link across cities
            if pos >= len(members):
                break
            continue
        pos += k
        pairs: list[tuple[int, int]] = []
        if kind == "mutual":
            pairs = [(g[0], g[1]), (g[1], g[0])]
        elif kind == "single":
            pairs = [(g[0], g[1])]
        elif kind == "circle":
            pairs = [(g[i], g[(i + 1) % k]) for i in range(k)]
        elif kind == "chain":
            pairs = [(g[i], g[i + 1]) for i in range(k - 1)]
        elif kind == "mutual_chain":
            pairs = [p for i in range(k - 1) for p in ((g[i], g[i + 1]), (g[i + 1], g[i]))]
        elif kind == "star":
            pairs = [(g[0], x) for x in g[1:]]
        for a, b in pairs:
            src.append(a)
            dst.append(b)
        if pos >= len(members):
            break
    return np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64)


def make_network(ctx: Ctx, firms: Firms) -> Network:
    """Draw guarantee, shareholding and supply relations."""
    rng = ctx.rng("relations")
    sme = firms.sme
    size = firms.size

    # Shareholdings: groups around larger parents, and minority stakes.
    p_parent = np.exp(0.7 * size[sme])
    n_parents = int(round(PARENT_SHARE * len(sme)))
    parents = rng.choice(sme, size=n_parents, replace=False, p=p_parent / p_parent.sum())
    n_subs = np.minimum(1 + rng.geometric(0.5, n_parents) - 1, 6)
    sh_src = np.repeat(parents, n_subs)
    sh_dst = rng.choice(sme, size=len(sh_src))
    ratio = rng.choice([1.0, 0.51, 0.6, 0.7, 0.8, 0.9, 0.55], size=len(sh_src))
    holders = rng.choice(sme, size=int(round(MINORITY_SHARE * len(sme))))
    stakes = rng.choice(sme, size=len(holders))
    minority = np.round(0.05 + 0.25 * rng.random(len(holders)), 2)
    sh_src = np.r_[sh_src, holders]
    sh_dst = np.r_[sh_dst, stakes]
    ratio = np.r_[ratio, minority]
    shareholding = _dedupe(sh_src, sh_dst, ratio, _since(rng, ctx, firms, sh_src, sh_dst))
    # One majority holder per investee.
    major = shareholding.value > 0.5
    order = np.lexsort((~major, shareholding.dst))
    dup_major = np.zeros(len(shareholding), bool)
    sd = shareholding.dst[order]
    dup_major[order[1:]] = (sd[1:] == sd[:-1]) & major[order[1:]]
    keep = ~dup_major
    shareholding = Edges(
        shareholding.src[keep], shareholding.dst[keep], shareholding.value[keep],
        shareholding.since[keep],
    )  # fmt: skip

    # Guarantees: city groups, parents for subsidiaries, guarantee companies for some SMEs.
    g_src, g_dst = _guarantee_groups(rng, firms)
    sub = shareholding.value > 0.5
    par = sub & (rng.random(len(shareholding)) < 0.4)
    g_src = np.r_[g_src, shareholding.src[par]]
    g_dst = np.r_[g_dst, shareholding.dst[par]]
    backed = sme[rng.random(len(sme)) < GUARANTEE_COMPANY_SHARE]
    g_src = np.r_[g_src, pick_lender(rng, firms, firms.city[backed], "J69")]
    g_dst = np.r_[g_dst, backed]
    amount = round_to(
        1e6 * np.exp(0.8 + 0.6 * size[g_dst] + 0.5 * rng.standard_normal(len(g_dst))), 1e4
    )
    guarantee = _dedupe(g_src, g_dst, amount, _since(rng, ctx, firms, g_src, g_dst))

    # Supply: suppliers sell to customers drawn by size, half of them in the same city.
    n_cust = rng.poisson(0.55 * np.exp(0.35 * size[sme]))
    s_src = np.repeat(sme, n_cust)
    want = np.where(rng.random(len(s_src)) < 0.5, firms.city[s_src], -1)
    s_dst = weighted_pick(rng, sme, np.exp(0.8 * size[sme]), firms.city[sme], want)
    revenue = 4e5 * firms.employees[s_src]
    s_amount = round_to(revenue * (0.03 + 0.25 * rng.random(len(s_src))), 1e3)
    supply = _dedupe(s_src, s_dst, s_amount, _since(rng, ctx, firms, s_src, s_dst))
    return Network(guarantee=guarantee, shareholding=shareholding, supply=supply)
