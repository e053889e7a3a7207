"""The synthetic world: determinism, integrity, statistical shape and contagion."""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from domain.errors import InvalidInput
from domain.world import commands
from domain.world.gen_common import Ctx
from domain.world.gen_defaults import simulate_defaults
from domain.world.gen_enterprises import make_firms
from domain.world.gen_reference import INDUSTRIES
from domain.world.gen_relations import make_network
from domain.world.generator import FILES, generate_to_dir, generate_world, write_world
from domain.world.uscc import is_valid_uscc

S, E = date(2024, 1, 1), date(2026, 1, 1)
KEYS = {
    "enterprises": ["uscc", "name", "founded_on", "registered_capital", "industry", "region",
                    "employees", "high_tech", "srdi", "status"],
    "persons": ["id", "name"],
    "relations": ["kind", "from", "to", "amount", "ratio", "role", "since"],
    "patents": ["number", "owner", "title", "ipc", "kind", "filed_on", "granted_on", "status",
                "claims", "independent_claims", "inventors", "family_size", "transfers",
                "licenses", "pledged", "annuity_paid_through", "transaction_price"],
    "patent_citations": ["citing", "cited"],
    "litigations": ["case_no", "court", "filed_on", "closed_on", "cause", "amount", "status",
                    "parties", "patents", "outcome"],
    "tax": ["uscc", "year", "rating", "revenue", "tax_paid", "arrears"],
    "financials": ["uscc", "period", "revenue", "net_profit", "total_assets", "total_liabilities",
                   "current_assets", "current_liabilities", "cash", "rd_expense",
                   "operating_cash_flow"],
    "events": ["id", "uscc", "occurred_at", "type", "payload"],
    "outcomes": ["uscc", "defaulted", "as_of", "default_date"],
}  # fmt: skip
EVENT_TYPES = {
    "litigation_filed", "judgment_lost", "enforcement_listed", "dishonest_listed",
    "equity_frozen", "legal_rep_changed", "shareholder_changed", "tax_arrears",
    "tax_rating_downgraded", "patent_lapsed", "patent_invalidated", "patent_transferred",
    "financial_decline", "overdue_payment", "business_abnormal", "deregistered",
}  # fmt: skip
LEADING = {
    "litigation_filed", "equity_frozen", "legal_rep_changed", "tax_arrears",
    "tax_rating_downgraded", "financial_decline", "overdue_payment", "business_abnormal",
}  # fmt: skip
LENDER_INDUSTRIES = {"J66", "J69"}
Rows = dict[str, list[dict[str, Any]]]


@pytest.fixture(scope="module")
def world() -> Rows:
    """One mid-sized world with contagion on, shared by the shape tests."""
    return generate_world(enterprises=3000, seed=11)


def _d(s: str) -> date:
    return date.fromisoformat(s)


def _files(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


# ---- determinism ---------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    generate_to_dir(out_dir=tmp_path / "a", enterprises=400, seed=5)
    generate_to_dir(out_dir=tmp_path / "b", enterprises=400, seed=5)
    write_world(generate_world(enterprises=400, seed=5), tmp_path / "c")
    a = _files(tmp_path / "a")
    assert sorted(a) == sorted(f"{f}.jsonl" for f in FILES)
    assert a == _files(tmp_path / "b")
    assert a == _files(tmp_path / "c")


@pytest.mark.parametrize(("seed", "contagion"), [(6, 1.0), (5, 0.0)])
def test_other_seed_or_contagion_gives_other_files(
    tmp_path: Path, seed: int, contagion: float
) -> None:  # fmt: skip
    generate_to_dir(out_dir=tmp_path / "a", enterprises=400, seed=5)
    generate_to_dir(out_dir=tmp_path / "b", enterprises=400, seed=seed, contagion=contagion)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a["outcomes.jsonl"] != b["outcomes.jsonl"] or a["events.jsonl"] != b["events.jsonl"]


def test_files_are_compact_utf8_json_lines_in_fixed_key_order(tmp_path: Path) -> None:
    generate_to_dir(out_dir=tmp_path, enterprises=200, seed=1)
    for name, keys in KEYS.items():
        raw = (tmp_path / f"{name}.jsonl").read_bytes()
        assert raw.endswith(b"\n") and b"\r" not in raw
        text = raw.decode("utf-8")
        assert "\\u" not in text  # no ASCII escaping of Chinese text
        for line in text.splitlines()[:50]:
            row = json.loads(line)
            assert list(row) == keys, name
            assert line == json.dumps(row, ensure_ascii=False, separators=(",", ":"))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"enterprises": 2, "seed": 1}, "enterprises"),
        ({"enterprises": 10, "seed": -1}, "seed"),
        ({"enterprises": 10, "seed": 1, "contagion": -0.5}, "contagion"),
        ({"enterprises": 10, "seed": 1, "contagion": float("nan")}, "contagion"),
        ({"enterprises": 10, "seed": 1, "months": 0}, "months"),
    ],
)
def test_invalid_arguments_are_rejected(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        generate_world(**kwargs)
    assert err.value.field == field


def test_cli_generate_writes_world_and_json_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # fmt: skip
    parser = argparse.ArgumentParser(prog="ipcredit")
    groups = parser.add_subparsers(dest="group", required=True)
    commands.register(groups.add_parser("world").add_subparsers(dest="command", required=True))
    args = parser.parse_args(["world", "generate", "--enterprises", "120", "--seed", "4",
                              "--out", str(tmp_path), "--contagion", "0", "--json"])  # fmt: skip
    assert args.func(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rows"]["enterprises"] == 120 and out["contagion"] == 0.0
    lines = (tmp_path / "outcomes.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 120
    bad = parser.parse_args(["world", "generate", "--enterprises", "1", "--seed", "4",
                             "--out", str(tmp_path / "x")])  # fmt: skip
    assert bad.func(bad) == 2
    assert not (tmp_path / "x").exists()


# ---- integrity -----------------------------------------------------------------------------


def test_usccs_valid_unique_and_names_unique(world: Rows) -> None:
    ents = world["enterprises"]
    assert all(is_valid_uscc(e["uscc"]) for e in ents)
    assert len({e["uscc"] for e in ents}) == len(ents)
    assert len({e["name"] for e in ents}) == len(ents)
    assert all(re.fullmatch(r"\d{6}", e["region"]) and e["uscc"][2:8] == e["region"] for e in ents)


def test_natural_keys_are_unique(world: Rows) -> None:
    keys = {
        "persons": lambda r: r["id"],
        "relations": lambda r: (r["kind"], r["from"], r["to"], r["role"]),
        "patents": lambda r: r["number"],
        "patent_citations": lambda r: (r["citing"], r["cited"]),
        "litigations": lambda r: r["case_no"],
        "tax": lambda r: (r["uscc"], r["year"]),
        "financials": lambda r: (r["uscc"], r["period"]),
        "events": lambda r: r["id"],
        "outcomes": lambda r: r["uscc"],
    }
    for name, key in keys.items():
        values = [key(r) for r in world[name]]
        assert len(set(values)) == len(values), name


def test_every_reference_resolves(world: Rows) -> None:
    usccs = {e["uscc"] for e in world["enterprises"]}
    persons = {p["id"] for p in world["persons"]}
    patents = {p["number"] for p in world["patents"]}
    cases = {c["case_no"] for c in world["litigations"]}
    for r in world["relations"]:
        assert r["from"] in (persons if r["kind"] == "officer" else usccs)
        assert r["to"] in usccs
    assert all(p["owner"] in usccs for p in world["patents"])
    assert all(c["citing"] in patents and c["cited"] in patents for c in world["patent_citations"])
    for c in world["litigations"]:
        assert all(p["uscc"] in usccs for p in c["parties"])
        assert all(n in patents for n in c["patents"])
    for name in ("tax", "financials", "events", "outcomes"):
        assert all(r["uscc"] in usccs for r in world[name]), name
    refs = {
        "patent_transferred": {"number": patents, "from": usccs, "to": usccs},
        "patent_lapsed": {"number": patents},
        "patent_invalidated": {"number": patents},
        "overdue_payment": {"creditor": usccs},
        "legal_rep_changed": {"old": persons, "new": persons},
        "shareholder_changed": {"holder": persons},
        "tax_rating_downgraded": {"from": {"A", "B", "C"}, "rating": {"B", "C", "D"}},
    }
    case_events = {"litigation_filed", "judgment_lost", "enforcement_listed", "dishonest_listed",
                   "equity_frozen"}  # fmt: skip
    for ev in world["events"]:
        for key, known in refs.get(ev["type"], {}).items():
            assert ev["payload"][key] in known, (ev["type"], key)
        if ev["type"] in case_events:
            assert ev["payload"]["case_no"] in cases
    assert {o["uscc"] for o in world["outcomes"]} == usccs


def test_dates_are_consistent_with_the_timeline(world: Rows) -> None:
    assert all(_d(e["founded_on"]) < S for e in world["enterprises"])
    for p in world["patents"]:
        if p["granted_on"] is None:
            assert p["status"] == "pending"
        else:
            assert _d(p["filed_on"]) < _d(p["granted_on"]) < E
        assert _d(p["filed_on"]) < E
    for c in world["litigations"]:
        assert _d(c["filed_on"]) < E
        assert (c["closed_on"] is None) == (c["status"] == "pending")
        if c["closed_on"]:
            assert _d(c["filed_on"]) <= _d(c["closed_on"]) < E
    times = [ev["occurred_at"] for ev in world["events"]]
    assert times == sorted(times)
    assert all(S.isoformat() <= t[:10] < E.isoformat() and t.endswith("+00:00") for t in times)
    for o in world["outcomes"]:
        assert o["as_of"] == E.isoformat()
        assert (o["default_date"] is not None) == o["defaulted"]
        if o["defaulted"]:
            assert S <= _d(o["default_date"]) < E
    assert all(r["since"] is None or _d(r["since"]) < E for r in world["relations"])


def test_every_event_type_occurs(world: Rows) -> None:
    assert {ev["type"] for ev in world["events"]} == EVENT_TYPES


# ---- statistical shape ---------------------------------------------------------------------


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
            lags[p["kind"]].append((_d(p["granted_on"]) - _d(p["filed_on"])).days)
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
         (_d(p["filed_on"]) - S).days / 3650, np.log1p(p["licenses"])]
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
    defaults = {o["uscc"]: _d(o["default_date"]) for o in world["outcomes"] if o["defaulted"]}
    late = {u for u, d in defaults.items() if d >= S + timedelta(days=180)}
    window = (S + timedelta(days=180), S + timedelta(days=360))
    warned, noisy = set(), set()
    before = after = 0
    for ev in world["events"]:
        if ev["type"] not in LEADING:
            continue
        day, u = _d(ev["occurred_at"][:10]), ev["uscc"]
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


# ---- contagion -----------------------------------------------------------------------------


def _neighbour_stats(rows: Rows) -> tuple[float, ...]:
    """Counts behind two measures over guarantee and supply neighbours: (exposed, exposed and
    defaulted, unexposed, unexposed and defaulted) for the plain rate ratio, and (defaults after
    the first neighbour's default, defaults expected then at the unexposed firms' pace) for the
    hazard after exposure."""
    lenders = {e["uscc"] for e in rows["enterprises"] if e["industry"] in LENDER_INDUSTRIES}
    when = {
        o["uscc"]: _d(o["default_date"]) if o["default_date"] else None
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
