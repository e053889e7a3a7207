"""Per-patent quality features as of a date (OECD patent quality indicators, GB/T 42748-2023).

Only what is known at `as_of` is used: patents filed on or before it, citations from citing
patents filed on or before it (a citing patent absent from the frames cannot be dated and is
counted), litigations filed on or before it, and the legal status at that date. A patent's
`status` in the frames is its state at the end of the world's timeline; lapses and
invalidations during the timeline are also dated events (`patent_lapsed`,
`patent_invalidated`, payload `number`), so a patent whose lapse event comes after `as_of` is
still in force at `as_of`, and a dead status without any event happened before the timeline
(and so before `as_of`, provided the patent was granted by then). Recorded transfers are
reduced by `patent_transferred` events dated after `as_of`, and the owner at `as_of` is the
assignor (`from`) of the first transfer after it. Undated facts count as old.

Columns (all numeric columns float64; flags are 0/1):
  owner (at as_of), kind, ipc_section (first character of the IPC), ipc_subclass (first 4 characters)
  forward_citations     citations received from patents filed by as_of
  backward_citations    citations the patent makes (fixed at filing)
  family_size, claims, independent_claims, inventors   as recorded
  generality            1 - HHI of the IPC subclasses of citing patents (NaN without any)
  originality           1 - HHI of the IPC subclasses of cited patents (NaN without any)
  radicalness           share of cited patents in another subclass than the patent (NaN w/o)
  grant_lag_days        granted_on - filed_on when granted by as_of, else NaN
  age_years             (as_of - filed_on) / 365.25
  term_years            statutory term: 20 invention, 10 utility model, design 10 when filed
                        before 2021-06-01 else 15 (`patent_legal.term_years`)
  remaining_life_years  filed_on + term - as_of, floored at 0; 0 if lapsed/invalidated/expired
  is_granted            granted_on <= as_of
  is_in_force           granted, not lapsed, not invalidated, not expired at as_of
  is_lapsed, is_invalidated, is_expired   status at as_of (`patent_legal.legal_status`: the
                        recorded status unless a dated event says otherwise; expired also when
                        the term ran out while alive)
  is_pending            filed, not granted, not dead at as_of
  kind_invention, kind_utility_model, kind_design   one-hots of kind
  transfers, licenses   recorded counts (transfers less those dated after as_of)
  pledged               recorded pledge flag
  litigated             court cases about the patent filed by as_of
  annuity_gap_days      as_of - annuity_paid_through (positive: annuity unpaid), NaN if unknown
  legal_value_score     GB/T 42748 legal dimension, 0..1 (see `value_scores`)
  technical_value_score GB/T 42748 technical dimension, 0..1
  economic_value_score  GB/T 42748 economic dimension, 0..1
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from db.frames import WorldFrames
from domain.indicators.common import (
    F64,
    YEAR_DAYS,
    as_of_ts,
    days_between,
    known,
    one_minus_hhi,
    ratio,
    saturate,
    text,
)
from domain.indicators.patent_legal import legal_status, term_years
from domain.indicators.patent_quality_small import quality_columns, small_enough

KINDS = ("invention", "utility_model", "design")
LOST_EVENTS = {"patent_lapsed": "lapsed", "patent_invalidated": "invalidated"}
PATENT_EVENTS = (*LOST_EVENTS, "patent_transferred")  # the events about one patent

COLUMNS: tuple[str, ...] = (
    "owner", "kind", "ipc_section", "ipc_subclass", "forward_citations", "backward_citations",
    "family_size", "claims", "independent_claims", "inventors", "generality", "originality",
    "radicalness", "grant_lag_days", "age_years", "term_years", "remaining_life_years",
    "is_granted", "is_in_force", "is_lapsed", "is_invalidated", "is_expired", "is_pending",
    "kind_invention", "kind_utility_model", "kind_design", "transfers", "licenses", "pledged",
    "litigated", "annuity_gap_days", "legal_value_score", "technical_value_score",
    "economic_value_score",
)  # fmt: skip
TEXT_COLUMNS = frozenset({"owner", "kind", "ipc_section", "ipc_subclass"})


def patent_quality(frames: WorldFrames, as_of: Any) -> pd.DataFrame:
    """Quality features of every patent filed by `as_of`, indexed by patent number."""
    t = as_of_ts(as_of)
    pat = frames.patents.drop_duplicates("number", keep="last")
    pat = pat[pat["number"].notna() & known(pat["filed_on"], t)].reset_index(drop=True)
    if small_enough(frames):
        cols, index = quality_columns(frames, pat, t, KINDS, LOST_EVENTS)
        cols["legal_value_score"], cols["technical_value_score"], cols["economic_value_score"] = (
            value_scores(cols)
        )
        return pd.DataFrame({c: cols[c] for c in COLUMNS}, index=index)
    numbers = pat["number"].astype(str)
    out = pd.DataFrame(index=pd.Index(numbers.to_numpy(), name="number"))
    ipc = pat["ipc"].astype("string").str.strip().str.upper()
    out["owner"] = text(pat["owner"])
    out["kind"] = text(pat["kind"])
    out["ipc_section"] = text(ipc.str[:1])
    out["ipc_subclass"] = text(ipc.str[:4])

    _citation_features(frames, out, t)
    for col in ("family_size", "claims", "independent_claims", "inventors", "licenses"):
        out[col] = pat[col].to_numpy(np.float64)

    granted = (pat["granted_on"].notna() & (pat["granted_on"] <= t)).to_numpy()
    out["grant_lag_days"] = np.where(
        granted, days_between(pat["granted_on"], pat["filed_on"]), np.nan
    )
    out["age_years"] = days_between(t, pat["filed_on"]) / YEAR_DAYS
    out["term_years"] = term_years(pat["kind"], pat["filed_on"])

    _status_features(frames, pat, numbers, granted, out, t)
    for k in KINDS:
        out[f"kind_{k}"] = (pat["kind"] == k).to_numpy(np.float64)

    _transfer_features(frames, pat, numbers, out, t)
    out["pledged"] = pat["pledged"].astype(bool).to_numpy(np.float64)
    out["litigated"] = _litigated(frames, t).reindex(numbers, fill_value=0).to_numpy(np.float64)
    out["annuity_gap_days"] = days_between(t, pat["annuity_paid_through"])
    legal, technical, economic = value_scores(out)
    out["legal_value_score"] = legal
    out["technical_value_score"] = technical
    out["economic_value_score"] = economic
    return out.loc[:, list(COLUMNS)]


def value_scores(q: pd.DataFrame | Mapping[str, Any]) -> tuple[F64, F64, F64]:
    """GB/T 42748-2023 legal, technical and economic value dimensions, each in 0..1.

    Each is a weighted sum (weights add to 1) of terms in 0..1; s(x, h) = x / (x + h).
    legal     = alive * (0.35 remaining_life/term + 0.25 s(claims, 10)
                         + 0.15 s(independent_claims, 2) + 0.25 grant_strength)
                grant_strength: granted invention 1, granted utility model/design 0.7
                (no substantive examination), pending 0.3; alive: not lapsed/invalidated/expired
    technical = 0.35 s(forward, 3) + 0.15 s(backward, 5) + 0.15 generality
                + 0.15 originality + 0.10 radicalness + 0.10 s(inventors, 3)   (NaN -> 0)
    economic  = 0.30 s(family_size - 1, 2) + 0.30 s(transfers + licenses, 1) + 0.15 pledged
                + 0.10 s(litigated, 1) + 0.15 remaining_life/term
    """
    life_share = np.clip(ratio(q["remaining_life_years"], q["term_years"]), 0.0, 1.0)
    alive = 1.0 - np.maximum.reduce(
        [_f64(q["is_lapsed"]), _f64(q["is_invalidated"]), _f64(q["is_expired"])]
    )
    granted = _f64(q["is_granted"])
    strength = np.where(granted > 0, np.where(_f64(q["kind_invention"]) > 0, 1.0, 0.7), 0.3)
    legal = alive * (
        0.35 * life_share
        + 0.25 * saturate(q["claims"], 10.0)
        + 0.15 * saturate(q["independent_claims"], 2.0)
        + 0.25 * strength
    )
    technical = (
        0.35 * saturate(q["forward_citations"], 3.0)
        + 0.15 * saturate(q["backward_citations"], 5.0)
        + 0.15 * _zero_nan(q["generality"])
        + 0.15 * _zero_nan(q["originality"])
        + 0.10 * _zero_nan(q["radicalness"])
        + 0.10 * saturate(q["inventors"], 3.0)
    )
    economic = (
        0.30 * saturate(_f64(q["family_size"]) - 1.0, 2.0)
        + 0.30 * saturate(_f64(q["transfers"]) + _f64(q["licenses"]), 1.0)
        + 0.15 * _f64(q["pledged"])
        + 0.10 * saturate(q["litigated"], 1.0)
        + 0.15 * life_share
    )
    return (
        np.asarray(legal, np.float64),
        np.asarray(technical, np.float64),
        np.asarray(economic, np.float64),
    )


def _f64(column: Any) -> F64:
    return np.asarray(column, dtype=np.float64)


def _zero_nan(column: Any) -> F64:
    """A float column with 0 where it is missing (as `fillna(0.0)`)."""
    values = _f64(column)
    return np.where(np.isnan(values), 0.0, values)


def _status_features(
    frames: WorldFrames,
    pat: pd.DataFrame,
    numbers: pd.Series,
    granted: npt.NDArray[np.bool_],
    out: pd.DataFrame,
    t: pd.Timestamp,
) -> None:
    """Legal status at `t` (lapsed, invalidated, expired, pending, in force) and remaining life."""
    lost = _lost_dates(frames)
    lost_on = {name: dates.reindex(numbers).to_numpy() for name, dates in lost.items()}
    life = out["term_years"].to_numpy() - out["age_years"].to_numpy()
    status = legal_status(pat["status"], granted, life <= 0, lost_on, t)
    dead, expired = status.dead, status.expired
    out["remaining_life_years"] = np.where(dead, 0.0, np.clip(life, 0.0, None))
    out["is_granted"] = granted.astype(np.float64)
    out["is_in_force"] = (granted & ~dead).astype(np.float64)
    out["is_lapsed"] = status.lapsed.astype(np.float64)
    out["is_invalidated"] = status.invalidated.astype(np.float64)
    out["is_expired"] = expired.astype(np.float64)
    out["is_pending"] = (~granted & ~(status.lapsed | status.invalidated)).astype(np.float64)


def _transfer_features(
    frames: WorldFrames, pat: pd.DataFrame, numbers: pd.Series, out: pd.DataFrame, t: pd.Timestamp
) -> None:
    """The owner at `t` and the transfers recorded by then, into `out`."""
    moves = _transfers_after(frames, t)
    later = moves["number"].value_counts().reindex(numbers, fill_value=0).to_numpy(np.float64)
    # the owner at as_of is the assignor of the first transfer after it
    first = moves.drop_duplicates("number").set_index("number")["from"].dropna()
    owner_then = first.reindex(numbers).to_numpy(dtype=object)
    out["owner"] = np.where(pd.isna(owner_then), out["owner"].to_numpy(dtype=object), owner_then)
    out["transfers"] = np.clip(pat["transfers"].to_numpy(np.float64) - later, 0.0, None)


def _citation_features(frames: WorldFrames, out: pd.DataFrame, t: pd.Timestamp) -> None:
    """Forward/backward counts, generality, originality and radicalness into `out`."""
    idx = out.index
    allp = frames.patents.drop_duplicates("number", keep="last")
    allp = allp[allp["number"].notna()]
    filed = pd.Series(allp["filed_on"].to_numpy(), index=allp["number"].astype(str).to_numpy())
    sub = pd.Series(
        text(allp["ipc"].astype("string").str.strip().str.upper().str[:4]),
        index=filed.index,
    )
    cit = frames.citations.dropna().astype(str).drop_duplicates()
    cit = cit[cit["citing"] != cit["cited"]]
    citing_filed = filed.reindex(cit["citing"].to_numpy())
    cit = cit[known(pd.Series(citing_filed.to_numpy(), index=cit.index), t)]
    fwd = cit[cit["cited"].isin(idx)]
    bwd = cit[cit["citing"].isin(idx)]
    out["forward_citations"] = fwd["cited"].value_counts().reindex(idx, fill_value=0).astype(float)
    out["backward_citations"] = (
        bwd["citing"].value_counts().reindex(idx, fill_value=0).astype(float)
    )

    citing_sub = pd.Series(sub.reindex(fwd["citing"].to_numpy()).to_numpy(), index=fwd.index)
    out["generality"] = one_minus_hhi(fwd["cited"], citing_sub).reindex(idx).astype(float)
    cited_sub = pd.Series(sub.reindex(bwd["cited"].to_numpy()).to_numpy(), index=bwd.index)
    out["originality"] = one_minus_hhi(bwd["citing"], cited_sub).reindex(idx).astype(float)
    own_sub = pd.Series(out["ipc_subclass"].to_numpy(), index=idx).reindex(bwd["citing"].to_numpy())
    ok = cited_sub.notna().to_numpy() & own_sub.notna().to_numpy()
    other = pd.Series(
        (cited_sub.to_numpy() != own_sub.to_numpy())[ok].astype(np.float64),
        index=bwd["citing"].to_numpy()[ok],
    )
    out["radicalness"] = other.groupby(level=0).mean().reindex(idx).astype(float)


def payload_number(payload: object) -> str | None:
    """The patent number one event payload names (`number`, else `patent`), as text."""
    if not isinstance(payload, dict):
        return None
    value = payload.get("number") or payload.get("patent")
    return None if value is None else str(value)


def _payload_numbers(payloads: pd.Series) -> pd.Series:
    """The patent number each event payload names (`number`, else `patent`)."""
    return pd.Series(
        [
            (p.get("number") or p.get("patent")) if isinstance(p, dict) else None
            for p in payloads.to_numpy()
        ],
        index=payloads.index,
        dtype=object,
    )


def _lost_dates(frames: WorldFrames) -> dict[str, pd.Series]:
    """First dated lapse / invalidation per patent number."""
    ev = frames.events
    out: dict[str, pd.Series] = {}
    for etype, name in LOST_EVENTS.items():
        sel = ev[ev["type"] == etype]
        num = _payload_numbers(sel["payload"])
        s = pd.Series(sel["occurred_at"].to_numpy(), index=num.to_numpy())
        s = s[s.index.notna() & s.notna().to_numpy()]
        s.index = s.index.astype(str)
        out[name] = s.groupby(level=0).min() if not s.empty else s
    return out


def _transfers_after(frames: WorldFrames, t: pd.Timestamp) -> pd.DataFrame:
    """Transfers dated after `t`: number, occurred_at, from (one row per transfer, earliest
    first; the assignor's and the assignee's events of one transfer count once)."""
    ev = frames.events
    sel = ev[(ev["type"] == "patent_transferred") & (ev["occurred_at"] > t)]
    payloads = sel["payload"].to_numpy()
    df = pd.DataFrame(
        {
            "number": _payload_numbers(sel["payload"]).to_numpy(),
            "occurred_at": sel["occurred_at"].to_numpy(),
            "from": [p.get("from") if isinstance(p, dict) else None for p in payloads],
        }
    )
    df = df[df["number"].notna()].astype({"number": str})
    return df.sort_values("occurred_at", kind="stable").drop_duplicates(["number", "occurred_at"])


def _litigated(frames: WorldFrames, t: pd.Timestamp) -> pd.Series:
    """Number of distinct cases filed by `t` that concern each patent."""
    lit = frames.litigations.drop_duplicates("case_no", keep="last")
    cases = lit.loc[known(lit["filed_on"], t), "case_no"].astype(str)
    links = frames.litigation_patents.dropna().astype(str).drop_duplicates()
    links = links[links["case_no"].isin(cases)]
    return links["number"].value_counts()
