"""Contagion in the generated world: a defaulted neighbour matters with contagion on, and tells
little with it off, also given the firm's own health."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from domain.world.generator import generate_world
from domain.world.generator.defaults import simulate_defaults
from domain.world.generator.enterprises import make_firms
from domain.world.generator.networks import make_network
from domain.world.generator.timeline import Ctx
from tests.domain.world.generator.rows import E, Rows, S, as_date

LENDER_INDUSTRIES = {"J66", "J69"}


def _neighbour_stats(rows: Rows) -> tuple[float, ...]:
    """Counts behind two measures over guarantee and supply neighbours: (exposed, exposed and
    defaulted, unexposed, unexposed and defaulted) for the plain rate ratio, and (defaults after
    the first neighbour's default, defaults expected then at the unexposed firms' pace) for the
    hazard after exposure."""
    lenders = {e["uscc"] for e in rows["enterprises"] if e["industry"] in LENDER_INDUSTRIES}
    when = {
        o["uscc"]: as_date(o["default_date"]) if o["default_date"] else None
        for o in rows["outcomes"]
        if o["uscc"] not in lenders
    }
    nb: dict[str, set[str]] = defaultdict(set)
    for r in rows["relations"]:
        if r["kind"] in ("guarantee", "supply") and r["from"] in when and r["to"] in when:
            nb[r["from"]].add(r["to"])
            nb[r["to"]].add(r["from"])
    first = {u: min((d for v in nb[u] if (d := when[v])), default=None) for u in when}
    exposed = {u for u in when if first[u]}
    bad = {u for u, d in when.items() if d}
    base = len(bad - exposed) / (len(when) - len(exposed))
    span = (E - S).days
    observed = expected = 0.0
    for u in exposed:
        t, d = first[u], when[u]
        assert t is not None
        if d is None or d > t:
            observed += d is not None
            expected += base * (E - t).days / span
    return (len(exposed), len(exposed & bad), len(when) - len(exposed), len(bad - exposed),
            observed, expected)  # fmt: skip


def _pooled(contagion: float) -> tuple[float, float]:
    """Pooled over four worlds of 4000 firms: (default rate ratio, exposed vs not; hazard ratio
    after a neighbour's default)."""
    total = np.zeros(6)
    for seed in range(4):
        rows = generate_world(enterprises=4000, seed=100 + seed, contagion=contagion)
        total += _neighbour_stats(rows)
    exp_n, exp_d, un_n, un_d, observed, expected = total
    return (exp_d / exp_n) / (un_d / un_n), observed / expected


def test_with_contagion_a_defaulted_neighbour_raises_default_and_comes_first() -> None:
    ratio, after = _pooled(1.0)
    assert ratio > 1.5
    assert after > 2.0


def test_without_contagion_a_defaulted_neighbour_tells_little() -> None:
    ratio, after = _pooled(0.0)
    assert 0.6 < ratio < 1.4
    assert 0.5 < after < 1.5


@pytest.mark.parametrize(("contagion", "lo", "hi"), [(0.0, 0.85, 1.15), (1.0, 3.0, 30.0)])
def test_neighbour_effect_given_the_firms_own_health(
    contagion: float, lo: float, hi: float
) -> None:
    """Mantel-Haenszel rate ratio of default, exposed vs not, within deciles of latent health."""
    ctx = Ctx(seed=77, start=S, months=24, contagion=contagion)
    firms = make_firms(ctx, 60_000)
    net = make_network(ctx, firms)
    defaulted = simulate_defaults(ctx, firms, net).defaulted
    a = np.r_[net.guarantee.src, net.guarantee.dst, net.supply.src, net.supply.dst]
    b = np.r_[net.guarantee.dst, net.guarantee.src, net.supply.dst, net.supply.src]
    exposed = np.zeros(firms.n, bool)
    exposed[a[defaulted[b]]] = True
    sme = ~firms.lender
    decile = np.digitize(firms.health, np.quantile(firms.health[sme], np.linspace(0.1, 0.9, 9)))
    num = den = 0.0
    for k in range(10):
        s = sme & (decile == k)
        n = s.sum()
        d1, n1 = (defaulted & exposed & s).sum(), (exposed & s).sum()
        d0, n0 = (defaulted & ~exposed & s).sum(), (~exposed & s).sum()
        num += d1 * n0 / n
        den += d0 * n1 / n
    assert lo < num / den < hi
