"""Node features computed from the world frames as of a date (no look-ahead).

Enterprise features here are a compact built-in set used when the caller passes no indicator
matrix (and by tests). The distress block (`DISTRESS_COLUMNS`) is always part of the enterprise
features: it is what a contagion shock changes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from db.frames import WorldFrames

EVENT_TYPES: tuple[str, ...] = (
    "litigation_filed", "judgment_lost", "enforcement_listed", "dishonest_listed",
    "equity_frozen", "legal_rep_changed", "shareholder_changed", "tax_arrears",
    "tax_rating_downgraded", "patent_lapsed", "patent_invalidated", "patent_transferred",
    "financial_decline", "overdue_payment", "business_abnormal", "deregistered",
)  # fmt: skip
SEVERE_EVENTS: frozenset[str] = frozenset(
    {
        "judgment_lost", "enforcement_listed", "dishonest_listed", "equity_frozen",
        "tax_arrears", "overdue_payment", "business_abnormal", "deregistered",
    }
)  # fmt: skip
RECENT_DAYS = 90
WINDOW_DAYS = 365

DISTRESS_DEFAULTED = "distress_defaulted"
DISTRESS_DEFAULTED_RECENT = "distress_defaulted_recent"
DISTRESS_SEVERE = "distress_severe_events"
DISTRESS_RECENT = "distress_severe_recent"
DISTRESS_COLUMNS: tuple[str, ...] = (
    DISTRESS_DEFAULTED, DISTRESS_DEFAULTED_RECENT, DISTRESS_SEVERE, DISTRESS_RECENT,
)  # fmt: skip
RECENT_DEFAULT_DAYS = 180

INDUSTRY_SECTIONS = "ABCDEFGHIJKLMNOPQRST"
TAX_RATING = {"A": 4.0, "B": 3.0, "M": 2.0, "C": 1.0, "D": 0.0}
PATENT_KINDS = ("invention", "utility_model", "design")
DEAD_PATENT = frozenset({"lapsed", "invalidated", "expired"})
CAUSES = ("contract_dispute", "loan_dispute", "ip_infringement", "labor", "equity_dispute", "other")
OUTCOMES = ("won", "lost", "partial")
DEBT_CAUSES = frozenset({"contract_dispute", "loan_dispute"})


def _ts(as_of: object) -> pd.Timestamp:
    ts = pd.Timestamp(as_of)  # type: ignore[arg-type]
    return ts.tz_convert(None) if ts.tzinfo is not None else ts


def _rows(keys: pd.Series, index: pd.Index) -> pd.Series:
    """Row of each key in the (unique) index, -1 for keys it lacks, aligned with `keys`: looked
    up once, then counted under many masks."""
    rows = np.asarray(index.get_indexer(pd.Index(keys.to_numpy())), dtype=np.int64)
    return pd.Series(rows, index=keys.index)


def _positions(keys: pd.Series, index: pd.Index) -> np.ndarray:
    """`_rows` of the keys (integer keys are rows already)."""
    if pd.api.types.is_integer_dtype(keys.dtype):
        return np.asarray(keys.to_numpy(), dtype=np.int64)
    return np.asarray(_rows(keys, index).to_numpy(), dtype=np.int64)


def _counts(keys: pd.Series, index: pd.Index) -> np.ndarray:
    """How many times each index value occurs in `keys` (0 when absent)."""
    if keys.empty:
        return np.zeros(len(index), dtype=np.float64)
    pos = _positions(keys, index)
    return np.bincount(pos[pos >= 0], minlength=len(index)).astype(np.float64)


def _sums(keys: pd.Series, values: pd.Series, index: pd.Index) -> np.ndarray:
    """Sum of `values` per index value of `keys` (missing values count as 0)."""
    if keys.empty:
        return np.zeros(len(index), dtype=np.float64)
    pos = _positions(keys, index)
    v = values.to_numpy(dtype=np.float64, na_value=np.nan)
    ok = (pos >= 0) & ~np.isnan(v)
    return np.bincount(pos[ok], weights=v[ok], minlength=len(index)).astype(np.float64)


def _years(later: pd.Timestamp, earlier: pd.Series) -> np.ndarray:
    return ((later - earlier).dt.days / 365.25).to_numpy(dtype=np.float64)


def _safe_div(a: pd.Series, b: pd.Series) -> pd.Series:
    return a / b.where(b.abs() > 1e-9)


def enterprise_index(frames: WorldFrames) -> pd.Index:
    """The enterprises' USCCs in frame order, without duplicates."""
    return pd.Index(frames.enterprises["uscc"].astype(str).drop_duplicates(keep="last"))


def distress_features(frames: WorldFrames, as_of: object, index: pd.Index) -> pd.DataFrame:
    """Known default before `as_of` and severe negative events in the last year and quarter."""
    t = _ts(as_of)
    out = pd.DataFrame(index=index)
    oc = frames.outcomes
    known = oc[oc["defaulted"] & oc["default_date"].notna() & (oc["default_date"] < t)]
    out[DISTRESS_DEFAULTED] = index.isin(known["uscc"].astype(str)).astype(np.float64)
    # a counterparty's default hits within months; an old one has already done its damage
    recent = known[known["default_date"] >= t - pd.Timedelta(days=RECENT_DEFAULT_DAYS)]
    out[DISTRESS_DEFAULTED_RECENT] = index.isin(recent["uscc"].astype(str)).astype(np.float64)
    ev = frames.events
    ev = ev[(ev["occurred_at"] < t) & (ev["occurred_at"] >= t - pd.Timedelta(days=WINDOW_DAYS))]
    severe = ev[ev["type"].isin(SEVERE_EVENTS)]
    out[DISTRESS_SEVERE] = _counts(severe["uscc"].astype(str), index)
    recent = severe[severe["occurred_at"] >= t - pd.Timedelta(days=RECENT_DAYS)]
    out[DISTRESS_RECENT] = _counts(recent["uscc"].astype(str), index)
    return out


def _registration(frames: WorldFrames, t: pd.Timestamp, index: pd.Index) -> pd.DataFrame:
    ent = frames.enterprises.drop_duplicates("uscc", keep="last").set_index("uscc")
    ent = ent.reindex(index)
    out = pd.DataFrame(index=index)
    out["age_years"] = _years(t, ent["founded_on"])
    out["log_capital"] = np.log1p(ent["registered_capital"].clip(lower=0).to_numpy(np.float64))
    emp = pd.to_numeric(ent["employees"], errors="coerce").astype("float64")
    out["log_employees"] = np.log1p(emp.clip(lower=0).to_numpy(np.float64))
    out["high_tech"] = ent["high_tech"].fillna(False).astype(np.float64).to_numpy()
    out["srdi"] = ent["srdi"].fillna(False).astype(np.float64).to_numpy()
    section = ent["industry"].astype("string").str[:1].fillna("")
    for letter in INDUSTRY_SECTIONS:
        out[f"industry_{letter}"] = (section == letter).to_numpy(np.float64)
    return out


def _patent_dead_since(frames: WorldFrames) -> pd.Series:
    """Date each patent lapsed or was invalidated, from events (payload `number`/`patent`)."""
    ev = frames.events
    ev = ev[ev["type"].isin(("patent_lapsed", "patent_invalidated"))]
    if ev.empty:
        return pd.Series(dtype="datetime64[ns]")
    numbers = [
        (p.get("number") or p.get("patent")) if isinstance(p, dict) else None for p in ev["payload"]
    ]
    s = pd.Series(ev["occurred_at"].to_numpy(), index=pd.Index(numbers, dtype=object))
    s = s[s.index.notna()]
    return s.groupby(level=0).min()


def patents_as_of(frames: WorldFrames, as_of: object) -> pd.DataFrame:
    """Patents filed by `as_of` (or undated), with `granted` and `dead` as of that date."""
    t = _ts(as_of)
    pat = frames.patents.drop_duplicates("number", keep="last")
    pat = pat[pat["filed_on"].isna() | (pat["filed_on"] <= t)].copy()
    pat["number"] = pat["number"].astype(str)
    pat["granted"] = pat["granted_on"].notna() & (pat["granted_on"] <= t)
    dead_since = _patent_dead_since(frames).reindex(pat["number"]).to_numpy()
    dead_status = pat["status"].isin(DEAD_PATENT).to_numpy()
    # a dead status without a dated event happened before the timeline began
    pat["dead"] = dead_status & (pd.isna(dead_since) | (dead_since <= np.datetime64(t)))
    return pat.reset_index(drop=True)


def _patent_block(
    frames: WorldFrames, pats: pd.DataFrame, t: pd.Timestamp, index: pd.Index
) -> pd.DataFrame:
    out = pd.DataFrame(index=index)
    owner = _rows(pats["owner"].astype(str), index)
    out["pat_n"] = _counts(owner, index)
    out["pat_granted_n"] = _counts(owner[pats["granted"]], index)
    out["pat_invention_n"] = _counts(owner[pats["kind"] == "invention"], index)
    out["pat_pledged_n"] = _counts(owner[pats["pledged"]], index)
    out["pat_dead_n"] = _counts(owner[pats["dead"]], index)
    n = np.maximum(out["pat_n"].to_numpy(), 1.0)
    out["pat_claims_mean"] = _sums(owner, pats["claims"], index) / n
    out["pat_family_mean"] = _sums(owner, pats["family_size"], index) / n
    fwd = forward_citations(frames, pats, t)
    out["pat_fwd_citations"] = _sums(owner, fwd, index)
    return out


def forward_citations(frames: WorldFrames, pats: pd.DataFrame, t: pd.Timestamp) -> pd.Series:
    """Citations each patent in `pats` received from patents filed by `t` (aligned to pats)."""
    cit = frames.citations
    filed = frames.patents.drop_duplicates("number", keep="last").set_index("number")["filed_on"]
    citing_filed = filed.reindex(cit["citing"].astype(str)).to_numpy()
    ok = pd.isna(citing_filed) | (citing_filed <= np.datetime64(t))
    counts = cit.loc[ok, "cited"].astype(str).value_counts()
    return pd.Series(
        counts.reindex(pats["number"], fill_value=0).to_numpy(np.float64), index=pats.index
    )


def litigations_as_of(frames: WorldFrames, as_of: object) -> pd.DataFrame:
    """Cases filed by `as_of` (or undated), with `closed` and the outcome known by then."""
    t = _ts(as_of)
    lit = frames.litigations.drop_duplicates("case_no", keep="last")
    lit = lit[lit["filed_on"].isna() | (lit["filed_on"] <= t)].copy()
    lit["case_no"] = lit["case_no"].astype(str)
    lit["closed"] = lit["closed_on"].notna() & (lit["closed_on"] <= t)
    lit["known_outcome"] = lit["outcome"].where(lit["closed"])
    return lit.reset_index(drop=True)


def _litigation_block(frames: WorldFrames, lits: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    out = pd.DataFrame(index=index)
    parties = frames.litigation_parties.astype({"case_no": str})
    m = parties.merge(lits, on="case_no", how="inner")
    who = _rows(m["uscc"].astype(str), index)
    plaintiff = m["role"] == "plaintiff"
    defendant = m["role"] == "defendant"
    lost = (plaintiff & (m["known_outcome"] == "lost")) | (
        defendant & (m["known_outcome"] == "won")
    )
    out["lit_plaintiff_n"] = _counts(who[plaintiff], index)
    out["lit_defendant_n"] = _counts(who[defendant], index)
    out["lit_defendant_debt_n"] = _counts(who[defendant & m["cause"].isin(DEBT_CAUSES)], index)
    amount = np.log1p(_sums(who[defendant], m.loc[defendant, "amount"].fillna(0.0), index))
    out["lit_defendant_amount_log"] = amount
    out["lit_lost_n"] = _counts(who[lost], index)
    out["lit_pending_defendant_n"] = _counts(who[defendant & ~m["closed"]], index)
    out["lit_ip_n"] = _counts(who[m["cause"] == "ip_infringement"], index)
    return out


def _tax_block(frames: WorldFrames, t: pd.Timestamp, index: pd.Index) -> pd.DataFrame:
    out = pd.DataFrame(index=index)
    tax = frames.tax.dropna(subset=["year"])
    # a tax year's record is published on 1 June of the following year
    known = pd.to_datetime((tax["year"].astype("int64") + 1).astype(str) + "-06-01") <= t
    tax = tax[known.to_numpy()].copy()
    tax["score"] = tax["rating"].map(TAX_RATING)
    tax = tax.sort_values(["uscc", "year"])
    latest = tax.groupby("uscc").tail(1).set_index("uscc").reindex(index)
    out["tax_rating"] = latest["score"].to_numpy(np.float64)
    out["tax_rating_worst"] = tax.groupby("uscc")["score"].min().reindex(index).to_numpy(np.float64)
    out["tax_arrears_log"] = np.log1p(latest["arrears"].clip(lower=0).to_numpy(np.float64))
    out["tax_burden"] = _safe_div(latest["tax_paid"], latest["revenue"]).to_numpy(np.float64)
    return out


def _financial_block(frames: WorldFrames, t: pd.Timestamp, index: pd.Index) -> pd.DataFrame:
    out = pd.DataFrame(index=index)
    fin = frames.financials.dropna(subset=["period_end"]).copy()
    quarterly = fin["period"].astype(str).str.contains("Q")
    # annual accounts are known from 30 April next year, quarterly ones a month after quarter end
    lag = np.where(quarterly, 31, 121)
    fin["known_at"] = fin["period_end"] + pd.to_timedelta(lag, unit="D")
    fin = fin[fin["known_at"] <= t].sort_values(["uscc", "period_end"])
    last = fin.groupby("uscc").tail(1).set_index("uscc").reindex(index)
    out["fin_leverage"] = _safe_div(last["total_liabilities"], last["total_assets"]).to_numpy()
    out["fin_current_ratio"] = _safe_div(
        last["current_assets"], last["current_liabilities"]
    ).to_numpy()
    out["fin_cash_ratio"] = _safe_div(last["cash"], last["total_assets"]).to_numpy()
    out["fin_roa"] = _safe_div(last["net_profit"], last["total_assets"]).to_numpy()
    out["fin_ocf_ratio"] = _safe_div(last["operating_cash_flow"], last["total_assets"]).to_numpy()
    out["fin_rd_intensity"] = _safe_div(last["rd_expense"], last["revenue"]).to_numpy()
    out["fin_log_revenue"] = np.log1p(last["revenue"].clip(lower=0).to_numpy(np.float64))
    annual = fin[~fin["period"].astype(str).str.contains("Q")]
    two = annual.groupby("uscc").tail(2)
    first = two.groupby("uscc")["revenue"].first()
    latest = two.groupby("uscc")["revenue"].last()
    counts = two.groupby("uscc").size()
    growth = _safe_div(latest - first, first.abs()).where(counts >= 2)
    out["fin_revenue_growth"] = growth.reindex(index).to_numpy(np.float64)
    return out


def _event_block(frames: WorldFrames, t: pd.Timestamp, index: pd.Index) -> pd.DataFrame:
    # a fixed window keeps counts comparable between graphs of different dates
    ev = frames.events
    ev = ev[(ev["occurred_at"] < t) & (ev["occurred_at"] >= t - pd.Timedelta(days=WINDOW_DAYS))]
    who = _rows(ev["uscc"].astype(str), index)
    cols = {f"ev_{name}": _counts(who[ev["type"] == name], index) for name in EVENT_TYPES}
    return pd.DataFrame(cols, index=index)


def enterprise_features(frames: WorldFrames, as_of: object) -> pd.DataFrame:
    """The built-in enterprise feature set as of a date, index USCC, float64 columns."""
    t = _ts(as_of)
    index = enterprise_index(frames)
    blocks = [
        _registration(frames, t, index),
        _patent_block(frames, patents_as_of(frames, t), t, index),
        _litigation_block(frames, litigations_as_of(frames, t), index),
        _tax_block(frames, t, index),
        _financial_block(frames, t, index),
        _event_block(frames, t, index),
        distress_features(frames, t, index),
    ]
    out = pd.concat(blocks, axis=1).astype(np.float64)
    return out.replace([np.inf, -np.inf], np.nan)


def patent_node_features(
    frames: WorldFrames, pats: pd.DataFrame, as_of: object
) -> tuple[np.ndarray, list[str]]:
    """Features of patent nodes (rows aligned with `pats`)."""
    t = _ts(as_of)
    cols: dict[str, np.ndarray] = {}
    for kind in PATENT_KINDS:
        cols[f"kind_{kind}"] = (pats["kind"] == kind).to_numpy(np.float64)
    for name in ("claims", "independent_claims", "inventors", "family_size", "transfers",
                 "licenses"):  # fmt: skip
        cols[f"log_{name}"] = np.log1p(pats[name].clip(lower=0).to_numpy(np.float64))
    cols["pledged"] = pats["pledged"].to_numpy(np.float64)
    cols["granted"] = pats["granted"].to_numpy(np.float64)
    cols["dead"] = pats["dead"].to_numpy(np.float64)
    cols["age_years"] = np.nan_to_num(_years(t, pats["filed_on"]), nan=0.0)
    annuity = pats["annuity_paid_through"]
    cols["annuity_overdue"] = (annuity.notna() & (annuity < t) & pats["granted"]).to_numpy(
        np.float64
    )
    cols["log_fwd_citations"] = np.log1p(forward_citations(frames, pats, t).to_numpy())
    return _stack(cols, len(pats))


def litigation_node_features(
    frames: WorldFrames, lits: pd.DataFrame
) -> tuple[np.ndarray, list[str]]:
    """Features of litigation nodes (rows aligned with `lits`)."""
    cols: dict[str, np.ndarray] = {}
    for cause in CAUSES:
        cols[f"cause_{cause}"] = (lits["cause"] == cause).to_numpy(np.float64)
    cols["log_amount"] = np.log1p(lits["amount"].fillna(0.0).clip(lower=0).to_numpy(np.float64))
    cols["closed"] = lits["closed"].to_numpy(np.float64)
    for outcome in OUTCOMES:
        cols[f"outcome_{outcome}"] = (lits["known_outcome"] == outcome).to_numpy(np.float64)
    n_parties = frames.litigation_parties["case_no"].astype(str).value_counts()
    cols["log_parties"] = np.log1p(
        n_parties.reindex(lits["case_no"], fill_value=0).to_numpy(np.float64)
    )
    return _stack(cols, len(lits))


def _stack(cols: dict[str, np.ndarray], n: int) -> tuple[np.ndarray, list[str]]:
    names = list(cols)
    if not names:
        return np.zeros((n, 0), dtype=np.float32), names
    return np.column_stack([cols[c] for c in names]).astype(np.float32), names
