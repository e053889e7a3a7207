"""What every indicator block reads: the frames cut at the as-of date, aligned to the firms."""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from db.frames import WorldFrames
from db.neighbourhood import NeighbourhoodFrames, PeerCounts
from domain.indicators.common import F64, days_between, known
from domain.indicators.patent_quality import patent_quality


class Context:
    """Frames as known at `t` for the firms of `index` (derived tables computed once, lazily)."""

    def __init__(self, frames: WorldFrames, t: pd.Timestamp, index: pd.Index) -> None:
        self.frames = frames
        self.t = t
        self.index = index

    @property
    def n(self) -> int:
        """Number of firms."""
        return len(self.index)

    def nan(self) -> F64:
        """A column of NaN."""
        return np.full(self.n, np.nan)

    def align(self, values: pd.Series, fill: float = np.nan) -> F64:
        """A series keyed by uscc as a float column in index order (`fill` where missing)."""
        out = np.full(self.n, fill, dtype=np.float64)
        if len(values) == 0:
            return out
        at = values.index.get_indexer(self.index)
        found = at >= 0
        raw = values.to_numpy(dtype=np.float64, na_value=np.nan)[at[found]]
        out[found] = np.where(np.isnan(raw), fill, raw)
        return out

    @cached_property
    def enterprises(self) -> pd.DataFrame:
        """Registration rows of the firms, in index order (NaN rows for unknown firms)."""
        ent = self.frames.enterprises.drop_duplicates("uscc", keep="last")
        return ent.set_index(ent["uscc"].astype(str)).reindex(self.index)

    @cached_property
    def all_usccs(self) -> pd.Index:
        """Every enterprise of the world."""
        ids: pd.Index = pd.Index(self.frames.enterprises["uscc"].dropna().astype(str).unique())
        return ids

    @cached_property
    def peers(self) -> PeerCounts | None:
        """World-wide peer counts carried by a neighbourhood slice (None for whole frames)."""
        if not isinstance(self.frames, NeighbourhoodFrames):
            return None
        peers = self.frames.peers
        if peers.founded_by != self.t.date():
            raise ValueError(
                f"this neighbourhood was read as of {peers.founded_by}, not {self.t.date()}"
            )
        return peers

    @cached_property
    def quality(self) -> pd.DataFrame:
        """Per-patent quality as of t (with the owner at t)."""
        return patent_quality(self.frames, self.t)

    @cached_property
    def relations(self) -> pd.DataFrame:
        """Relations that exist at t; src/dst as strings."""
        rel = self.frames.relations
        rel = rel[known(rel["since"], self.t) & rel["src"].notna() & rel["dst"].notna()].copy()
        rel["src"] = rel["src"].astype(str)
        rel["dst"] = rel["dst"].astype(str)
        return rel

    @cached_property
    def events(self) -> pd.DataFrame:
        """Events that occurred by t, with `age_days` (days before t)."""
        ev = self.frames.events
        ev = ev[ev["occurred_at"].notna() & (ev["occurred_at"] <= self.t) & ev["uscc"].notna()]
        ev = ev.loc[:, ["uscc", "occurred_at", "type"]].copy()
        ev["uscc"] = ev["uscc"].astype(str)
        ev["age_days"] = days_between(self.t, ev["occurred_at"])
        return ev

    @cached_property
    def cases(self) -> pd.DataFrame:
        """Litigation parties joined with cases filed by t: one row per (case, firm, role).

        `age_days` is the time since filing; `closed` and `outcome` only as known at t.
        """
        lit = self.frames.litigations.drop_duplicates("case_no", keep="last")
        lit = lit[known(lit["filed_on"], self.t)].copy()
        lit["case_no"] = lit["case_no"].astype(str)
        lit["closed"] = lit["closed_on"].notna() & (lit["closed_on"] <= self.t)
        lit["outcome"] = lit["outcome"].where(lit["closed"])
        lit["age_days"] = days_between(self.t, lit["filed_on"])
        lit["closed_age_days"] = days_between(self.t, lit["closed_on"])
        parties = self.frames.litigation_parties.dropna(subset=["case_no", "uscc"])
        parties = parties.astype({"case_no": str, "uscc": str}).drop_duplicates()
        return parties.merge(lit, on="case_no", how="inner")

    @cached_property
    def status(self) -> pd.Series:
        """Registration status at t, by uscc of the index.

        The recorded status is the one at the end of the timeline; a firm with a dated
        `deregistered` event was still active before it.
        """
        status = self.enterprises["status"].astype("string").fillna("")
        ev = self.frames.events
        dereg = ev[(ev["type"] == "deregistered") & ev["occurred_at"].notna()]
        first = dereg.groupby(dereg["uscc"].astype(str))["occurred_at"].min()
        first = first.reindex(self.index)
        later = first.notna() & (first > self.t)
        return status.where(~later.to_numpy(), "active")
