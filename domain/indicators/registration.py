"""Registration indicators: age, capital, size, certifications, status, industry, region, officers.

Registration facts are the ones on record; the status is taken as of the as-of date (a firm with
a later dated deregistration was still active). A firm founded after the as-of date has no
registration indicators (NaN).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from db.neighbourhood import PeerCounts
from domain.indicators.common import F64, YEAR_DAYS, days_between, f64, known, ratio
from domain.indicators.context import Context
from domain.indicators.spec import DOWN, UP, Block, Direction, IndicatorDefinition, definer

STATUSES: dict[str, Direction] = {
    "active": DOWN, "revoked": UP, "cancelled": UP, "liquidating": UP,
}  # fmt: skip
# GB/T 4754 sections; the risk direction of a sector flag is nominal (set by the lender's view
# of the sector: primary, construction, real estate and hospitality as riskier)
INDUSTRY_SECTIONS: dict[str, tuple[str, Direction]] = {
    "A": ("agriculture, forestry, fishing", UP), "B": ("mining", UP),
    "C": ("manufacturing", DOWN), "D": ("utilities", DOWN), "E": ("construction", UP),
    "F": ("wholesale and retail", UP), "G": ("transport and storage", UP),
    "H": ("accommodation and catering", UP), "I": ("information technology services", DOWN),
    "J": ("finance", UP), "K": ("real estate", UP), "L": ("leasing and business services", UP),
    "M": ("scientific research and technical services", DOWN),
    "N": ("water, environment and public facilities", DOWN),
    "O": ("resident services", UP), "P": ("education", DOWN), "Q": ("health and social work", DOWN),
    "R": ("culture, sports and entertainment", UP), "S": ("public administration", DOWN),
    "T": ("international organisations", DOWN),
}  # fmt: skip
EASTERN_PROVINCES = frozenset(
    {"11", "12", "13", "21", "31", "32", "33", "35", "37", "44", "46"}
)  # fmt: skip
_d = definer("registration", "registration")


def definitions() -> tuple[IndicatorDefinition, ...]:
    """Registration indicator definitions."""
    out = [
        _d("reg.age_years", "firm age", "years", "Years from founding to the as-of date.", DOWN),
        _d("reg.young", "young firm", "flag", "1 when the firm is less than 3 years old.", UP),
        _d("reg.capital", "registered capital", "CNY", "Registered capital.", DOWN),
        _d("reg.log_capital", "log registered capital", "log CNY", "ln(1 + capital).", DOWN),
        _d("reg.employees", "employees", "persons", "Number of employees.", DOWN),
        _d("reg.log_employees", "log employees", "log persons", "ln(1 + employees).", DOWN),
        _d("reg.capital_per_employee", "capital per employee", "CNY",
           "Registered capital / employees.", DOWN),
        _d("reg.high_tech", "high-tech certified", "flag",
           "1 when certified as a high-tech enterprise.", DOWN),
        _d("reg.srdi", "SRDI certified", "flag",
           "1 when certified specialised, refined, distinctive and innovative.", DOWN),
        _d("reg.certifications", "certifications", "count",
           "Number of certifications among high-tech and SRDI.", DOWN),
    ]  # fmt: skip
    out += [
        _d(f"reg.status.{s}", f"status {s}", "flag",
           f"1 when the registration status at the as-of date is {s}.", d)
        for s, d in STATUSES.items()
    ]  # fmt: skip
    out += [
        _d(f"reg.industry.{k}", f"industry {name}", "flag",
           f"1 when the GB/T 4754 industry code is in section {k} ({name}).", d)
        for k, (name, d) in INDUSTRY_SECTIONS.items()
    ]  # fmt: skip
    out += [
        _d("reg.region.eastern", "eastern province", "flag",
           "1 when the region is in an eastern coastal province.", DOWN),
        _d("reg.region.city_firms", "firms in the same city", "firms",
           "Number of firms (founded by the as-of date) registered in the same prefecture "
           "(4-digit code).",
           DOWN),
        _d("reg.region.district_firms", "firms in the same district", "firms",
           "Number of firms (founded by the as-of date) registered in the same county "
           "(6-digit code).", DOWN),
        _d("reg.industry.peer_firms", "firms in the same industry", "firms",
           "Number of firms (founded by the as-of date) in the same industry division "
           "(3-character code).",
           DOWN),
        _d("reg.officers.count", "officers", "persons",
           "Distinct persons recorded as officers (legal representative, director, "
           "shareholder) at the as-of date.", DOWN),
        _d("reg.officers.directors", "directors", "persons", "Recorded directors.", DOWN),
        _d("reg.officers.legal_rep_known", "legal representative on record", "flag",
           "1 when a legal representative is on record.", DOWN),
        _d("reg.officers.legal_rep_tenure_years", "legal representative tenure", "years",
           "Years since the current legal representative took office (latest on record).",
           DOWN),
    ]  # fmt: skip
    return tuple(out)


def _district(codes: pd.Series) -> pd.Series:
    return codes.astype("string").str.strip()


def _city(codes: pd.Series) -> pd.Series:
    return _district(codes).str[:4]


def _division(codes: pd.Series) -> pd.Series:
    return codes.astype("string").str.strip().str.upper().str[:3]


def _code_counts(ctx: Context) -> tuple[pd.Series, pd.Series, PeerCounts | None]:
    """Firms founded by t (or undated), counted by recorded region and industry code: from
    the whole frames, or as a neighbourhood slice carries them (then also its peer counts)."""
    peers = ctx.peers
    if peers is not None:
        return (
            pd.Series(peers.regions, dtype="int64"),
            pd.Series(peers.industries, dtype="int64"),
            peers,
        )
    world = ctx.frames.enterprises.drop_duplicates("uscc", keep="last")
    world = world[known(world["founded_on"], ctx.t)]
    return world["region"].value_counts(), world["industry"].value_counts(), None


# counts by key of the peer counts a process keeps (`domain.indicators.slice`) for the next
# slices of the same date: (peer counts, code kind, key) -> (those peer counts, the table)
_BY_KEY: dict[tuple[int, str, str], tuple[PeerCounts, pd.Series]] = {}
_BY_KEY_LIMIT = 12


def _peer_counts(
    codes: pd.Series,
    counts: pd.Series,
    key: Callable[[pd.Series], pd.Series],
    kept: tuple[PeerCounts, str] | None = None,
) -> F64:
    """For each firm's code, the number of firms whose code has the same key (the counts by
    key worked out once per `kept` peer counts and code kind, when given)."""
    by_key = None
    if kept is not None:
        ident = (id(kept[0]), kept[1], key.__name__)
        hit = _BY_KEY.get(ident)
        by_key = hit[1] if hit is not None and hit[0] is kept[0] else None
    if by_key is None:
        raw = pd.Series(counts.index, dtype=object)
        by_key = counts.groupby(key(raw).to_numpy()).sum()
        if kept is not None:
            if len(_BY_KEY) >= _BY_KEY_LIMIT:
                _BY_KEY.clear()
            _BY_KEY[ident] = (kept[0], by_key)
    return np.asarray(key(codes).map(by_key).astype("float64").to_numpy(), dtype=np.float64)


def compute(ctx: Context) -> Mapping[str, F64]:
    """All registration indicators."""
    ent = ctx.enterprises
    age = days_between(ctx.t, ent["founded_on"]) / YEAR_DAYS
    alive = ~(age < 0)  # NaN ages (unknown founding) keep their other facts
    out: dict[str, F64] = {}
    out["reg.age_years"] = age
    out["reg.young"] = np.where(np.isnan(age), np.nan, (age < 3) * 1.0)
    capital = ent["registered_capital"].to_numpy(np.float64)
    employees = f64(pd.to_numeric(ent["employees"], errors="coerce").astype("float64"))
    out["reg.capital"] = capital
    out["reg.log_capital"] = np.log1p(np.clip(capital, 0, None))
    out["reg.employees"] = employees
    out["reg.log_employees"] = np.log1p(np.clip(employees, 0, None))
    out["reg.capital_per_employee"] = ratio(capital, employees)
    on_record = ent["uscc"].notna().to_numpy()
    high_tech = ent["high_tech"].fillna(False).astype(bool).to_numpy(np.float64)
    srdi = ent["srdi"].fillna(False).astype(bool).to_numpy(np.float64)
    out["reg.high_tech"] = np.where(on_record, high_tech, np.nan)
    out["reg.srdi"] = np.where(on_record, srdi, np.nan)
    out["reg.certifications"] = np.where(on_record, high_tech + srdi, np.nan)
    status = ctx.status.to_numpy(dtype=object)
    for s in STATUSES:
        out[f"reg.status.{s}"] = np.where(on_record, (status == s) * 1.0, np.nan)
    industry = ent["industry"].astype("string").str.strip().str.upper()
    section = industry.str[:1].fillna("").to_numpy(dtype=object)
    for k in INDUSTRY_SECTIONS:
        out[f"reg.industry.{k}"] = np.where(on_record, (section == k) * 1.0, np.nan)
    region = _district(ent["region"])
    out["reg.region.eastern"] = np.where(
        region.notna().to_numpy(),
        region.str[:2].isin(EASTERN_PROVINCES).fillna(False).to_numpy(bool) * 1.0,
        np.nan,
    )
    regions, industries, peers = _code_counts(ctx)
    by_region = None if peers is None else (peers, "region")
    by_industry = None if peers is None else (peers, "industry")
    out["reg.region.city_firms"] = _peer_counts(ent["region"], regions, _city, by_region)
    out["reg.region.district_firms"] = _peer_counts(ent["region"], regions, _district, by_region)
    out["reg.industry.peer_firms"] = _peer_counts(
        ent["industry"], industries, _division, by_industry
    )
    out.update(_officers(ctx))
    for code, values in out.items():
        out[code] = np.where(alive, values, np.nan)
    return out


def _officers(ctx: Context) -> dict[str, F64]:
    rel = ctx.relations
    off = rel[(rel["kind"] == "officer") & rel["dst"].isin(ctx.index)]
    out: dict[str, F64] = {}
    out["reg.officers.count"] = ctx.align(off.groupby("dst")["src"].nunique(), 0.0)
    for key, role in (("directors", "director"),):
        sel = off[off["role"] == role]
        out[f"reg.officers.{key}"] = ctx.align(sel.groupby("dst")["src"].nunique(), 0.0)
    rep = off[off["role"] == "legal_rep"]
    out["reg.officers.legal_rep_known"] = ctx.align(rep.groupby("dst").size().clip(upper=1), 0.0)
    since = rep.groupby("dst")["since"].max()
    out["reg.officers.legal_rep_tenure_years"] = (
        days_between(ctx.t, since.reindex(ctx.index)) / YEAR_DAYS
    )
    return out


BLOCK = Block("registration", definitions(), compute)
