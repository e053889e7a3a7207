"""Tiny hand-made worlds for graph tests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from db.frames import WorldFrames
from domain.world.frames import frames_from_rows

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

E = [f"91340100MA0000000{i}" for i in range(1, 8)]  # E[6] is isolated
Rows = dict[str, list[dict[str, Any]]]


def _tiny_enterprises() -> list[dict[str, Any]]:
    return [
        {
            "uscc": u,
            "name": f"Firm {i + 1}",
            "founded_on": f"20{10 + i}-03-01",
            "registered_capital": 1_000_000 * (i + 1),
            "industry": "C39" if i % 2 else "I65",
            "region": "340100",
            "employees": 10 * (i + 1),
            "high_tech": i % 2 == 0,
            "srdi": i == 3,
            "status": "active",
        }
        for i, u in enumerate(E)
    ]


def _tiny_relations() -> list[dict[str, Any]]:
    return [
        {"kind": "guarantee", "from": E[0], "to": E[1], "amount": 500000, "since": "2020-01-01"},
        {"kind": "supply", "from": E[2], "to": E[0], "amount": 900000, "since": "2021-01-01"},
        {"kind": "officer", "from": "P1", "to": E[0], "role": "legal_rep", "since": "2019-01-01"},
        {"kind": "officer", "from": "P1", "to": E[3], "role": "director", "since": "2019-01-01"},
        {"kind": "shareholding", "from": E[4], "to": E[1], "ratio": 0.3, "since": "2018-01-01"},
        {"kind": "shareholding", "from": "P2", "to": E[2], "ratio": 0.6, "since": "2018-01-01"},
        {"kind": "officer", "from": "P9", "to": E[5], "role": "director", "since": "2019-01-01"},
        # not yet in force at the test dates
        {"kind": "guarantee", "from": E[3], "to": E[5], "amount": 100, "since": "2030-01-01"},
    ]  # fmt: skip


def _tiny_patents() -> list[dict[str, Any]]:
    return [
        {"number": "CN1A", "owner": E[0], "title": "Sensor", "kind": "invention",
         "filed_on": "2018-01-01", "granted_on": "2020-01-01", "status": "granted",
         "claims": 10, "independent_claims": 2, "inventors": 3, "family_size": 2,
         "transfers": 0, "licenses": 1, "pledged": False},
        {"number": "CN2A", "owner": E[1], "title": "Valve", "kind": "utility_model",
         "filed_on": "2019-01-01", "granted_on": "2019-09-01", "status": "lapsed",
         "claims": 5, "independent_claims": 1, "inventors": 1, "family_size": 1,
         "transfers": 1, "licenses": 0, "pledged": True},
        {"number": "CN3A", "owner": E[3], "title": "Future", "kind": "invention",
         "filed_on": "2031-01-01", "status": "pending", "claims": 8},
    ]  # fmt: skip


def _tiny_litigations() -> list[dict[str, Any]]:
    return [
        {"case_no": "(2022)01", "court": "c", "filed_on": "2022-03-01", "closed_on": "2022-09-01",
         "cause": "ip_infringement", "amount": 200000, "status": "judged", "outcome": "won",
         "parties": [{"uscc": E[0], "role": "plaintiff"}, {"uscc": E[1], "role": "defendant"},
                     {"uscc": E[4], "role": "third_party"}],
         "patents": ["CN1A"]},
        {"case_no": "(2031)02", "court": "c", "filed_on": "2031-03-01",
         "cause": "loan_dispute", "amount": 1, "status": "pending",
         "parties": [{"uscc": E[2], "role": "defendant"}], "patents": []},
    ]  # fmt: skip


def tiny_rows() -> Rows:
    """Seven firms, two people, three patents, two cases; one firm has no relation at all."""
    return {
        "enterprises": _tiny_enterprises(),
        "persons": [{"id": "P1", "name": "Zhang San"}, {"id": "P2", "name": "Li Si"}],
        "relations": _tiny_relations(),
        "patents": _tiny_patents(),
        "patent_citations": [
            {"citing": "CN2A", "cited": "CN1A"},
            {"citing": "CN3A", "cited": "CN1A"},
            {"citing": "CN2A", "cited": "XX-outside"},
        ],
        "litigations": _tiny_litigations(),
        "tax": [{"uscc": E[1], "year": 2022, "rating": "C", "revenue": 100, "tax_paid": 5,
                 "arrears": 3}],
        "financials": [{"uscc": E[0], "period": "2022", "revenue": 1000, "net_profit": 50,
                        "total_assets": 2000, "total_liabilities": 1500, "current_assets": 800,
                        "current_liabilities": 400, "cash": 100, "rd_expense": 60,
                        "operating_cash_flow": 70}],
        "events": [
            {"id": "ev1", "uscc": E[1], "occurred_at": "2024-02-01T00:00:00+00:00",
             "type": "overdue_payment", "payload": {}},
            {"id": "ev2", "uscc": E[1], "occurred_at": "2024-03-01T00:00:00+00:00",
             "type": "patent_lapsed", "payload": {"number": "CN2A"}},
        ],
        "outcomes": [
            {"uscc": u, "defaulted": i == 1, "as_of": "2026-01-01",
             "default_date": "2024-04-01" if i == 1 else None}
            for i, u in enumerate(E)
        ],
    }  # fmt: skip


def tiny_frames() -> WorldFrames:
    """`tiny_rows` as frames."""
    return frames_from_rows(tiny_rows())


def _add_firm(
    rows: Rows, rng: np.random.Generator, i: int, u: str, risk: float, rating: str
) -> None:
    """One firm's registration, tax year, annual statement (leverage rising with its latent risk)
    and a few patents."""
    import numpy as np

    rows["enterprises"].append(
        {
            "uscc": u,
            "name": f"Firm {i}",
            "founded_on": f"{2005 + i % 15}-01-01",
            "registered_capital": float(np.exp(rng.normal(15, 1))),
            "industry": "C39",
            "region": "340100",
            "employees": int(rng.integers(5, 300)),
            "high_tech": bool(i % 3),
            "srdi": False,
            "status": "active",
        }  # fmt: skip
    )
    rows["tax"].append({"uscc": u, "year": 2022, "rating": rating,
                        "revenue": 1e6, "tax_paid": 5e4, "arrears": 0})  # fmt: skip
    assets = 1e7
    lev = float(np.clip(0.5 + 0.12 * risk + rng.normal(scale=0.1), 0.05, 1.5))
    rows["financials"].append(
        {
            "uscc": u,
            "period": "2022",
            "revenue": 5e6,
            "net_profit": 2e5,
            "total_assets": assets,
            "total_liabilities": lev * assets,
            "current_assets": 4e6,
            "current_liabilities": 3e6,
            "cash": 1e6,
            "rd_expense": 3e5,
            "operating_cash_flow": 4e5,
        }  # fmt: skip
    )
    for k in range(int(rng.integers(0, 3))):
        rows["patents"].append(
            {
                "number": f"CN{i:06d}{k}A",
                "owner": u,
                "title": "t",
                "kind": "invention",
                "filed_on": "2019-05-01",
                "granted_on": "2021-01-01",
                "status": "granted",
                "claims": int(rng.integers(3, 20)),
                "independent_claims": 1,
                "inventors": 2,
                "family_size": 1,
                "transfers": 0,
                "licenses": 0,
                "pledged": False,
            }  # fmt: skip
        )


def _add_links(rows: Rows, rng: np.random.Generator, usccs: list[str]) -> list[set[int]]:
    """One guarantee and two supply links from each firm; returns each firm's neighbours."""
    n = len(usccs)
    nbrs: list[set[int]] = [set() for _ in range(n)]
    for kind, per in (("guarantee", 1), ("supply", 2)):
        for i in range(n):
            for j in rng.choice(n, size=per, replace=False):
                if j == i:
                    continue
                rows["relations"].append({"kind": kind, "from": usccs[i], "to": usccs[int(j)],
                                          "amount": 1e6, "since": "2020-01-01"})  # fmt: skip
                nbrs[i].add(int(j))
                nbrs[int(j)].add(i)
    return nbrs


def _default_days(
    rng: np.random.Generator, risk: np.ndarray, nbrs: list[set[int]], contagion: float
) -> dict[int, pd.Timestamp]:
    """Default day by firm over four half years; a defaulted counterparty adds `contagion`."""
    import numpy as np
    import pandas as pd

    n = len(nbrs)
    start = pd.Timestamp("2024-01-01")
    default_at: dict[int, pd.Timestamp] = {}
    for period in range(4):
        p_start = start + pd.DateOffset(months=6 * period)
        hit = [i for i in range(n) if i not in default_at and any(
            j in default_at and default_at[j] < p_start for j in nbrs[i])]  # fmt: skip
        logit = -3.6 + 1.2 * risk
        logit[hit] += contagion
        draw = rng.random(n) < 1 / (1 + np.exp(-logit))
        for k in np.flatnonzero(draw).tolist():
            if k not in default_at:
                default_at[k] = p_start + pd.Timedelta(days=int(rng.integers(0, 180)))
    return default_at


def _add_outcomes(rows: Rows, usccs: list[str], default_at: dict[int, pd.Timestamp]) -> None:
    """Outcomes, and an overdue payment ten days before each default."""
    import pandas as pd

    for i, u in enumerate(usccs):
        when = default_at.get(i)
        rows["outcomes"].append(
            {
                "uscc": u,
                "defaulted": when is not None,
                "as_of": "2026-01-01",
                "default_date": when.date().isoformat() if when else None,
            }
        )
        if when is not None:
            rows["events"].append({"id": f"od{i}", "uscc": u, "type": "overdue_payment",
                                   "occurred_at": (when - pd.Timedelta(days=10)).isoformat() + "+00:00",
                                   "payload": {}})  # fmt: skip


def synthetic_rows(n: int = 300, *, seed: int = 0, contagion: float = 2.0) -> Rows:
    """A small random world over 2024-2025 whose defaults spread along guarantees and supply.

    Each firm has a latent risk seen noisily through its tax rating and leverage; every half
    year it defaults with a probability that rises by `contagion` (in logits) once a
    counterparty has defaulted.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    usccs = [f"9134{i:014d}" for i in range(n)]
    risk = rng.normal(size=n)
    ratings = np.array(["A", "B", "M", "C", "D"])
    rating_idx = np.clip(np.round(1.5 + risk + rng.normal(scale=0.8, size=n)), 0, 4).astype(int)
    rows: Rows = {k: [] for k in (
        "enterprises", "persons", "relations", "patents", "patent_citations", "litigations",
        "tax", "financials", "events", "outcomes")}  # fmt: skip
    for i, u in enumerate(usccs):
        _add_firm(rows, rng, i, u, float(risk[i]), str(ratings[rating_idx[i]]))
    nbrs = _add_links(rows, rng, usccs)
    _add_outcomes(rows, usccs, _default_days(rng, risk, nbrs, contagion))
    return rows


def synthetic_frames(n: int = 300, *, seed: int = 0, contagion: float = 2.0) -> WorldFrames:
    """`synthetic_rows` as frames."""
    return frames_from_rows(synthetic_rows(n, seed=seed, contagion=contagion))
