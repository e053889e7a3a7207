"""compute_indicators on a small generated world: shape, coverage, firm selection, no leakage."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from db.frames import WorldFrames
from domain.indicators import compute as compute_module
from domain.indicators.compute import IndicatorBlockError, compute_indicators
from domain.indicators.registry import codes
from domain.indicators.spec import Block, IndicatorDefinition
from domain.world.frames import frames_from_rows, period_end
from domain.world.generator import generate_world

T = pd.Timestamp("2025-01-01")  # 12 months into the default timeline


@pytest.fixture(scope="module")
def world() -> WorldFrames:
    return frames_from_rows(generate_world(enterprises=150, seed=5))


@pytest.fixture(scope="module")
def at_t(world: WorldFrames) -> pd.DataFrame:
    return compute_indicators(world, T)


def test_one_float_column_per_indicator(world: WorldFrames, at_t: pd.DataFrame) -> None:
    assert list(at_t.columns) == codes()
    assert (at_t.dtypes == "float64").all()
    assert list(at_t.index) == list(world.enterprises["uscc"])
    assert at_t.index.name == "uscc"


def test_no_indicator_is_constant_nan(at_t: pd.DataFrame) -> None:
    empty = [c for c in at_t.columns if at_t[c].isna().all()]
    assert empty == []
    varying = sum(at_t[c].nunique() > 1 for c in at_t.columns)
    assert varying > 0.8 * len(at_t.columns)


def test_selected_firms_in_the_order_given(world: WorldFrames, at_t: pd.DataFrame) -> None:
    ids = list(world.enterprises["uscc"])
    chosen = [ids[7], ids[2], "UNKNOWN-FIRM", ids[7]]
    some = compute_indicators(world, T.to_pydatetime(), usccs=chosen)
    assert list(some.index) == chosen
    pd.testing.assert_frame_equal(some.iloc[:2], at_t.loc[[ids[7], ids[2]]])
    pd.testing.assert_series_equal(some.iloc[3], some.iloc[0])
    unknown = some.loc["UNKNOWN-FIRM"]
    assert np.isnan(unknown["reg.age_years"])
    assert unknown["ip.all.count"] == 0.0
    assert compute_indicators(world, T, usccs=[]).shape == (0, len(codes()))


def test_a_block_must_produce_what_it_declares(
    world: WorldFrames, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = IndicatorDefinition("x.y", "x", "ip", "patent", "u", "d", "risk_up")
    broken = Block("broken", (d,), lambda ctx: {"x.z": np.zeros(ctx.n)})
    monkeypatch.setattr(compute_module, "BLOCKS", (broken,))
    with pytest.raises(IndicatorBlockError, match="x.y"):
        compute_indicators(world, T)


def _later(days: int) -> pd.Timestamp:
    return T + pd.Timedelta(days=days)


Pick = Callable[[int], np.ndarray]


def _future_patents(
    pats: pd.DataFrame, pick: Pick, rng: np.random.Generator, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Twenty patents filed after T, each citing an existing one."""
    new = pats.sample(20, random_state=seed).copy()
    new["number"] = [f"FUT{i}" for i in range(20)]
    new["owner"] = pick(20)
    new["filed_on"], new["granted_on"] = _later(10), _later(100)
    old_numbers = pats["number"].to_numpy()
    cites = pd.DataFrame({"citing": new["number"], "cited": rng.choice(old_numbers, 20)})
    return new, cites


def _future_cases(
    old_numbers: np.ndarray, pick: Pick, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Ten cases filed after T, with their defendants and patents."""
    cases = pd.DataFrame({"case_no": [f"FC{i}" for i in range(10)], "court": "c",
                          "filed_on": _later(5), "cause": "loan_dispute", "amount": 1e6})  # fmt: skip
    parties = pd.DataFrame({"case_no": cases["case_no"], "uscc": pick(10), "role": "defendant"})
    links = pd.DataFrame({"case_no": cases["case_no"], "number": rng.choice(old_numbers, 10)})
    return cases, parties, links


def _future_statements(firms: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Dreadful tax records and statements for periods that end after T."""
    tax = pd.DataFrame({"uscc": firms, "year": T.year + 1, "rating": "D", "revenue": 1.0,
                        "tax_paid": 0.0, "arrears": 9e9})  # fmt: skip
    fin = pd.concat([
        pd.DataFrame({"uscc": firms, "period": p, "period_end": period_end(p), "revenue": 1.0,
                      "total_assets": 1.0, "total_liabilities": 9.0})
        for p in (str(T.year), f"{T.year + 1}Q1")
    ])  # fmt: skip
    return tax, fin


def _future_links_and_events(types: np.ndarray, pick: Pick) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Relations that start after T, and five events of every type after T."""
    a, b = pick(40), pick(40)
    rel = pd.DataFrame({"kind": np.repeat(["guarantee", "supply", "shareholding", "officer"], 10),
                        "src": np.r_[a[:30], ["p-new"] * 10], "dst": b[:40], "amount": 1e8,
                        "ratio": 0.9, "role": "director", "since": _later(1)})  # fmt: skip
    ev = pd.DataFrame({"id": [f"fe{i}" for i in range(len(types) * 5)],
                       "uscc": pick(len(types) * 5), "occurred_at": _later(3),
                       "type": np.repeat(types, 5), "payload": [{}] * (len(types) * 5)})  # fmt: skip
    return rel, ev


def _future_histories(pats: pd.DataFrame, ent: pd.DataFrame, firms: np.ndarray) -> pd.DataFrame:
    """End-of-timeline states (a lapse, a transfer, a deregistration) written into `pats` and
    `ent`, and the events after T behind them."""
    alive = pats.index[(pats["status"] == "granted") & (pats["granted_on"] < T)
                       & (pats["filed_on"] > T - pd.DateOffset(years=5))]  # fmt: skip
    lapse_i, move_i = alive[0], alive[1]
    pats.loc[lapse_i, "status"] = "lapsed"
    seller = pats.loc[move_i, "owner"]
    buyer = next(f for f in firms if f != seller)
    pats.loc[move_i, ["owner", "transfers"]] = [buyer, pats.loc[move_i, "transfers"] + 1]
    quit_i = ent.index[ent["status"] == "active"][0]
    ent.loc[quit_i, "status"] = "cancelled"
    move = {"number": pats.loc[move_i, "number"], "from": seller, "to": buyer}
    return pd.DataFrame([
        {"id": "h1", "uscc": pats.loc[lapse_i, "owner"], "occurred_at": _later(30),
         "type": "patent_lapsed", "payload": {"number": pats.loc[lapse_i, "number"]}},
        {"id": "h2", "uscc": seller, "occurred_at": _later(40), "type": "patent_transferred",
         "payload": {**move, "role": "assignor"}},
        {"id": "h3", "uscc": buyer, "occurred_at": _later(40), "type": "patent_transferred",
         "payload": {**move, "role": "assignee"}},
        {"id": "h4", "uscc": ent.loc[quit_i, "uscc"], "occurred_at": _later(50),
         "type": "deregistered", "payload": {"status": "cancelled"}},
    ])  # fmt: skip


def _with_future(world: WorldFrames, seed: int = 0) -> WorldFrames:
    """The same world plus facts dated after T, and end-of-timeline states consistent with
    future histories (a later lapse, transfer and deregistration)."""
    rng = np.random.default_rng(seed)
    t = {name: getattr(world, name).copy() for name in world.names()}
    firms = t["enterprises"]["uscc"].to_numpy()

    def pick(n: int) -> np.ndarray:
        return rng.choice(firms, n)

    pats = t["patents"]
    new, cites = _future_patents(pats, pick, rng, seed)
    cases, parties, links = _future_cases(pats["number"].to_numpy(), pick, rng)
    lit = t["litigations"]
    still_open = lit["closed_on"].isna() | (lit["closed_on"] > T)
    lit.loc[still_open, "closed_on"] = _later(20)
    lit.loc[still_open, "outcome"] = "won"
    tax, fin = _future_statements(firms)
    rel, ev = _future_links_and_events(t["events"]["type"].unique(), pick)
    ent = t["enterprises"]
    history = _future_histories(pats, ent, firms)
    newcomer = ent.iloc[[0]].assign(uscc="NEWFIRM", founded_on=_later(60))
    return WorldFrames.from_tables({
        **t,
        "enterprises": pd.concat([ent, newcomer], ignore_index=True),
        "patents": pd.concat([pats, new], ignore_index=True),
        "citations": pd.concat([t["citations"], cites], ignore_index=True),
        "litigations": pd.concat([lit, cases], ignore_index=True),
        "litigation_parties": pd.concat([t["litigation_parties"], parties], ignore_index=True),
        "litigation_patents": pd.concat([t["litigation_patents"], links], ignore_index=True),
        "tax": pd.concat([t["tax"], tax], ignore_index=True),
        "financials": pd.concat([t["financials"], fin], ignore_index=True),
        "relations": pd.concat([t["relations"], rel], ignore_index=True),
        "events": pd.concat([t["events"], ev, history], ignore_index=True),
    })  # fmt: skip


def test_facts_after_as_of_change_nothing(world: WorldFrames, at_t: pd.DataFrame) -> None:
    future = _with_future(world)
    again = compute_indicators(future, T, usccs=list(world.enterprises["uscc"]))
    pd.testing.assert_frame_equal(again, at_t, check_exact=False, rtol=1e-12)
    # and the added facts are real: they do show once their dates have passed
    later = compute_indicators(future, T + pd.DateOffset(years=2))
    assert float(later["reg.age_years"].to_numpy()[later.index.get_loc("NEWFIRM")]) > 0
    assert (
        later["jud.def.all.loan_dispute.count"].sum() > at_t["jud.def.all.loan_dispute.count"].sum()
    )
