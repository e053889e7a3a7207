"""Facts the admission and anti-fraud rules read, computed from the world as of a moment.

Fact names (rules.json refers to them):
  status                      enterprise registration status (active, revoked, cancelled, ...)
  enterprise_age_years        years since founding
  dishonest_listed            listed as a dishonest judgment debtor at any time up to as_of
  enforcement_listed          listed for court enforcement up to as_of
  equity_frozen               equity frozen up to as_of
  business_abnormal_12m       abnormal-operation listings in the last 12 months
  overdue_payments_12m        overdue-payment reports in the last 12 months
  tax_arrears_events_12m      tax-arrears reports in the last 12 months
  tax_rating, tax_arrears     of the latest tax year published by as_of (1 June of the next year)
  legal_rep_changed_recently  legal representative changed within `recent_days`
  pledged_patents             number of patents the application pledges
  patents_unknown             pledged numbers missing from the patent register
  patents_not_owned           pledged patents owned by someone else at as_of
  patents_already_pledged     pledged patents already pledged elsewhere
  patents_not_in_force        pledged patents not granted and in force at as_of (pending,
                              lapsed, invalidated, expired; see patent_quality)
  patents_transferred_in_recently  pledged patents transferred within `recent_days`
  patents_in_open_litigation  pledged patents in a case filed by as_of and not closed by then
  min_remaining_life_years    shortest remaining protection among the pledged patents
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from db.frames import WorldFrames
from domain.indicators.common import as_of_ts
from domain.indicators.patent_quality import patent_quality
from domain.valuation.events import payload_number
from domain.valuation.slice import patent_slice

RECENT_DAYS = 180
YEAR_DAYS = 365


def _flag(events: pd.DataFrame, kind: str) -> bool:
    return bool((events["type"] == kind).any())


def _count_since(events: pd.DataFrame, kind: str, since: pd.Timestamp) -> int:
    return int(((events["type"] == kind) & (events["occurred_at"] >= since)).sum())


def application_facts(
    frames: WorldFrames,
    *,
    uscc: str,
    patent_numbers: Sequence[str],
    as_of: object,
    recent_days: int = RECENT_DAYS,
    quality: pd.DataFrame | None = None,
) -> dict[str, object]:
    """All rule facts for one applicant and the patents it offers as collateral.

    `quality`: the pledged patents' quality table as of the same date, if already computed.
    """
    t = as_of_ts(as_of)
    facts: dict[str, Any] = {}
    ent = frames.enterprises[frames.enterprises["uscc"] == uscc]
    if not ent.empty:
        row = ent.iloc[0]
        facts["status"] = row["status"]
        founded = row["founded_on"]
        facts["enterprise_age_years"] = (
            None if pd.isna(founded) else round((t - founded).days / 365.25, 3)
        )
    ev = frames.events[(frames.events["uscc"] == uscc) & (frames.events["occurred_at"] <= t)]
    year_ago = t - pd.Timedelta(days=YEAR_DAYS)
    recent = t - pd.Timedelta(days=recent_days)
    facts["dishonest_listed"] = _flag(ev, "dishonest_listed")
    facts["enforcement_listed"] = _flag(ev, "enforcement_listed")
    facts["equity_frozen"] = _flag(ev, "equity_frozen")
    facts["business_abnormal_12m"] = _count_since(ev, "business_abnormal", year_ago)
    facts["overdue_payments_12m"] = _count_since(ev, "overdue_payment", year_ago)
    facts["tax_arrears_events_12m"] = _count_since(ev, "tax_arrears", year_ago)
    facts["legal_rep_changed_recently"] = _count_since(ev, "legal_rep_changed", recent) > 0
    tax = frames.tax[frames.tax["uscc"] == uscc].dropna(subset=["year"])
    # a tax year's record is published on 1 June of the following year
    published = tax[
        (tax["year"].astype(float) + 1 < t.year)
        | (
            (tax["year"].astype(float) + 1 == t.year)
            & (t >= pd.Timestamp(year=t.year, month=6, day=1))
        )
    ]
    if not published.empty:
        last = published.sort_values("year").iloc[-1]
        facts["tax_rating"] = last["rating"]
        facts["tax_arrears"] = None if pd.isna(last["arrears"]) else float(last["arrears"])
    facts.update(_patent_facts(frames, uscc, list(patent_numbers), t, recent, quality))
    return facts


def _patent_facts(
    frames: WorldFrames,
    uscc: str,
    numbers: list[str],
    t: pd.Timestamp,
    recent: pd.Timestamp,
    quality: pd.DataFrame | None,
) -> dict[str, object]:
    registered = set(frames.patents.loc[frames.patents["number"].isin(numbers), "number"])
    # legal status, owner and remaining life as they stood at t
    if quality is None:
        quality = patent_quality(patent_slice(frames, numbers), t)
    q = quality[quality.index.isin(numbers)]
    transfers = frames.events[
        (frames.events["type"] == "patent_transferred")
        & (frames.events["occurred_at"] <= t)
        & (frames.events["occurred_at"] >= recent)
    ]
    moved = {payload_number(p) for p in transfers["payload"]}
    lit = frames.litigations
    open_cases = lit[(lit["filed_on"] <= t) & (lit["closed_on"].isna() | (lit["closed_on"] > t))][
        "case_no"
    ]
    lp = frames.litigation_patents
    disputed = set(lp[lp["case_no"].isin(set(open_cases))]["number"])
    known = [n for n in numbers if n in registered]
    return {
        "pledged_patents": len(numbers),
        "patents_unknown": len(numbers) - len(known),
        "patents_not_owned": int((q["owner"] != uscc).sum()),
        "patents_already_pledged": int((q["pledged"] > 0).sum()),
        # a registered patent not yet filed at t cannot be in force either
        "patents_not_in_force": int((q["is_in_force"] <= 0).sum()) + len(known) - len(q),
        "patents_transferred_in_recently": len([n for n in known if n in moved]),
        "patents_in_open_litigation": len([n for n in known if n in disputed]),
        "min_remaining_life_years": (None if q.empty else float(q["remaining_life_years"].min())),
    }
