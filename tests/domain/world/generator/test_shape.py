"""The generated world's statistical shape: portfolios, citations, legal life, prices, networks,
litigation, statements and the signals before a default."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import timedelta

import numpy as np

from domain.world.generator.reference import INDUSTRIES
from tests.domain.world.generator.rows import Rows, S, as_date

LEADING = {
    "litigation_filed", "equity_frozen", "legal_rep_changed", "tax_arrears",
    "tax_rating_downgraded", "financial_decline", "overdue_payment", "business_abnormal",
}  # fmt: skip


def test_patent_portfolios_are_heavy_tailed(world: Rows) -> None:
    owners = Counter(p["owner"] for p in world["patents"])
    counts = np.array([owners.get(e["uscc"], 0) for e in world["enterprises"]])
    assert np.mean(counts <= 5) > 0.5
    assert counts.max() >= 100
    top = np.sort(counts)[::-1][: len(counts) // 100]
    assert top.sum() > 0.15 * counts.sum()
    kinds = Counter(p["kind"] for p in world["patents"])
    assert kinds["invention"] > kinds["design"] and kinds["utility_model"] > kinds["design"] > 0


def test_citations_attach_preferentially_within_fields(world: Rows) -> None:
    ipc = {p["number"]: re.match(r"[A-H]\d\d[A-Z]", p["ipc"]).group(0) for p in world["patents"]}  # type: ignore[union-attr]
    cites = world["patent_citations"]
    same = np.mean([ipc[c["citing"]] == ipc[c["cited"]] for c in cites])
    assert same > 0.7
    fwd = np.array(list(Counter(c["cited"] for c in cites).values()))
    assert fwd.max() > 15 * fwd.mean()


def test_ipc_classes_match_the_owners_industry(world: Rows) -> None:
    fields = {i.code: set(i.ipc) for i in INDUSTRIES}
    industry = {e["uscc"]: e["industry"] for e in world["enterprises"]}
    ok = [p["ipc"][:4] in fields[industry[p["owner"]]] for p in world["patents"]]
    assert np.mean(ok) > 0.99


def test_patent_legal_life(world: Rows) -> None:
    status = Counter(p["status"] for p in world["patents"])
    n = len(world["patents"])
    assert status["granted"] > 0.4 * n
    assert 0.03 * n < status["lapsed"] < 0.4 * n
    assert 0 < status["invalidated"] < 0.02 * n
    lags = defaultdict(list)
    for p in world["patents"]:
        if p["granted_on"]:
            lags[p["kind"]].append((as_date(p["granted_on"]) - as_date(p["filed_on"])).days)
    assert np.median(lags["invention"]) > 2 * np.median(lags["utility_model"])
    assert any(p["transfers"] > 0 for p in world["patents"])
    assert any(p["pledged"] for p in world["patents"])


def test_transaction_prices_are_learnable_but_not_exactly(world: Rows) -> None:
    fwd = Counter(c["cited"] for c in world["patent_citations"])
    priced = [p for p in world["patents"] if p["transaction_price"] is not None]
    assert 0.02 < len(priced) / len(world["patents"]) < 0.2
    assert all(p["status"] == "granted" for p in priced)
    x = np.array([
        [1.0, p["kind"] == "invention", p["kind"] == "design", np.log(p["claims"]),
         np.log(p["independent_claims"]), np.log1p(fwd[p["number"]]), np.log(p["family_size"]),
         (as_date(p["filed_on"]) - S).days / 3650, np.log1p(p["licenses"])]
        for p in priced
    ], dtype=float)  # fmt: skip
    y = np.log([p["transaction_price"] for p in priced])
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    r2 = 1 - np.var(y - x @ coef) / np.var(y)
    assert 0.4 < r2 < 0.95


def test_default_rate_is_plausible(world: Rows) -> None:
    rate = np.mean([o["defaulted"] for o in world["outcomes"]])
    assert 0.03 <= rate <= 0.12


def test_guarantee_networks_have_mutual_pairs_chains_and_circles(world: Rows) -> None:
    out: dict[str, set[str]] = defaultdict(set)
    for r in world["relations"]:
        if r["kind"] == "guarantee":
            out[r["from"]].add(r["to"])
    mutual = sum(1 for a, bs in out.items() for b in bs if a in out.get(b, ()))
    assert mutual > 0
    circles = [(a, b, c) for a in out for b in out[a] for c in out.get(b, ())
               if c != a and a in out.get(c, ()) and b not in out.get(a, set()) - {b}]  # fmt: skip
    assert circles
    chain_heads = [a for a in out for b in out[a] if out.get(b) and a not in out[b]]
    assert chain_heads
    assert max(len(bs) for bs in out.values()) >= 3  # guarantee companies back several firms


def test_shared_officers_and_shareholdings(world: Rows) -> None:
    firms_of: dict[str, set[str]] = defaultdict(set)
    for r in world["relations"]:
        if r["kind"] == "officer" and r["role"] in ("legal_rep", "director"):
            firms_of[r["from"]].add(r["to"])
    assert max(len(f) for f in firms_of.values()) >= 3
    reps = Counter(r["to"] for r in world["relations"] if r["role"] == "legal_rep")
    assert set(reps.values()) == {1}  # exactly one legal representative per firm
    ratios = [r["ratio"] for r in world["relations"] if r["kind"] == "shareholding"]
    assert ratios and all(0 < x <= 1 for x in ratios)


def test_litigation_shape(world: Rows) -> None:
    cases = world["litigations"]
    causes = Counter(c["cause"] for c in cases)
    assert causes.most_common(1)[0][0] == "contract_dispute"
    assert set(causes) == {"contract_dispute", "loan_dispute", "ip_infringement", "labor",
                           "equity_dispute", "other"}  # fmt: skip
    pattern = re.compile(r"\(\d{4}\)[皖沪苏浙]\d{2,4}知?民初\d+号")
    assert all(pattern.fullmatch(c["case_no"]) for c in cases)
    ip = [c for c in cases if c["cause"] == "ip_infringement"]
    assert ip and all(c["patents"] for c in ip)
    sued = Counter(p["uscc"] for c in cases for p in c["parties"] if p["role"] == "defendant")
    assert max(sued.values()) >= 5  # some firms are sued again and again


def test_registration_status_and_certifications(world: Rows) -> None:
    ents = world["enterprises"]
    status = Counter(e["status"] for e in ents)
    assert status["active"] > 0.9 * len(ents)
    assert status["revoked"] + status["liquidating"] + status["cancelled"] > 0
    assert 0.05 < np.mean([e["high_tech"] for e in ents]) < 0.5
    assert 0.02 < np.mean([e["srdi"] for e in ents]) < 0.3
    assert {e["industry"][0] for e in ents} <= {"C", "I", "M", "J"}


def test_tax_and_financials_are_coherent(world: Rows) -> None:
    ratings = Counter(t["rating"] for t in world["tax"])
    assert set(ratings) == {"A", "B", "M", "C", "D"}
    assert ratings["A"] + ratings["B"] > 0.5 * sum(ratings.values())
    assert 0 < np.mean([t["arrears"] > 0 for t in world["tax"]]) < 0.1
    fin = world["financials"]
    assert all(f["current_assets"] <= f["total_assets"] for f in fin)
    assert all(f["current_liabilities"] <= f["total_liabilities"] for f in fin)
    assert all(f["revenue"] >= 0 and f["total_assets"] > 0 for f in fin)
    employees = {e["uscc"]: e["employees"] for e in world["enterprises"]}
    annual = [(employees[f["uscc"]], f["revenue"]) for f in fin if f["period"] == "2023"]
    e, r = np.array(annual, dtype=float).T
    rank_corr = np.corrcoef(np.argsort(np.argsort(e)), np.argsort(np.argsort(r)))[0, 1]
    assert rank_corr > 0.5


def test_distressed_firms_show_signals_before_default(world: Rows) -> None:
    """Leading signals mostly precede a default; consequences (judgments, enforcement, lapses,
    deregistration) may follow it."""
    defaults = {o["uscc"]: as_date(o["default_date"]) for o in world["outcomes"] if o["defaulted"]}
    late = {u for u, d in defaults.items() if d >= S + timedelta(days=180)}
    window = (S + timedelta(days=180), S + timedelta(days=360))
    warned, noisy = set(), set()
    before = after = 0
    for ev in world["events"]:
        if ev["type"] not in LEADING:
            continue
        day, u = as_date(ev["occurred_at"][:10]), ev["uscc"]
        if u in defaults:
            before += day < defaults[u]
            after += day >= defaults[u]
            if u in late and defaults[u] - timedelta(days=180) <= day < defaults[u]:
                warned.add(u)
        elif window[0] <= day < window[1]:
            noisy.add(u)
    assert before > 1.5 * after
    assert len(warned) >= 0.75 * len(late)
    # The same 180 days of signals are much rarer among firms that do not default.
    assert len(noisy) / (len(world["outcomes"]) - len(defaults)) < 0.5 * len(warned) / len(late)
