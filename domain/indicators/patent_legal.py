"""A patent's statutory term and its legal status at a date (Chinese Patent Law).

Term, counted from the filing date: invention 20 years, utility model 10, design 10 when filed
before 2021-06-01 and 15 from that day on (the fourth amendment of the Patent Law). An unknown
kind counts as an invention; a design with no filing date counts as filed before the reform.

Status at `as_of`, from the recorded status (the latest known state, authoritative) and the
dated `patent_lapsed` / `patent_invalidated` events:
  - a lapse or invalidation event dated on or before `as_of` ends the patent then;
  - a recorded dead status (`lapsed`, `invalidated`, `expired`) with no dated event of that kind
    happened before `as_of`, provided the patent was granted by then;
  - a dated lapse or invalidation after `as_of` says the patent was still alive at `as_of`, so it
    overrides a recorded `expired` (a patent only lapses or is invalidated while alive), unless
    the term itself had run out by `as_of`;
  - a granted patent whose term has run out by `as_of` has expired, whatever was recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

DESIGN_REFORM = pd.Timestamp("2021-06-01")
TERM_YEARS = {"invention": 20.0, "utility_model": 10.0, "design": 15.0}
DESIGN_TERM_BEFORE_REFORM = 10.0

Bools = npt.NDArray[np.bool_]


def term_years(kind: pd.Series, filed_on: pd.Series) -> npt.NDArray[np.float64]:
    """The statutory term in years of each patent, by kind and filing date."""
    kinds = kind.astype("string").fillna("")
    term = kinds.map(TERM_YEARS).astype("float64").fillna(TERM_YEARS["invention"]).to_numpy()
    filed = pd.to_datetime(filed_on.reset_index(drop=True))
    old_design = (kinds.reset_index(drop=True) == "design") & ~(filed >= DESIGN_REFORM)
    return np.where(old_design.to_numpy(dtype=bool), DESIGN_TERM_BEFORE_REFORM, term)


@dataclass(frozen=True)
class LegalStatus:
    """Status flags at one date, one row per patent."""

    lapsed: Bools
    invalidated: Bools
    expired: Bools

    @property
    def dead(self) -> Bools:
        """Lapsed, invalidated or expired."""
        return np.asarray(self.lapsed | self.invalidated | self.expired, dtype=bool)


def legal_status(
    recorded: pd.Series,
    granted: Bools,
    term_over: Bools,
    lost_on: dict[str, npt.NDArray[np.datetime64]],
    t: pd.Timestamp,
) -> LegalStatus:
    """Status at `t` of each patent (see the module docstring).

    `recorded`: the recorded status; `granted`: granted by `t`; `term_over`: the statutory term
    has run out by `t`; `lost_on`: per "lapsed" / "invalidated", the first dated event of that
    kind (NaT where none).
    """
    status = recorded.astype("string").fillna("").to_numpy(dtype=object)
    cut = np.datetime64(t)
    flags: dict[str, Bools] = {}
    later_loss = np.zeros(len(status), dtype=bool)
    for kind_of_loss in ("lapsed", "invalidated"):
        when = lost_on[kind_of_loss]
        has_event = ~pd.isna(when)
        by_event = has_event & (when <= cut)
        later_loss |= has_event & ~by_event
        by_status = ~has_event & (status == kind_of_loss) & granted
        flags[kind_of_loss] = np.asarray(by_event | by_status, dtype=bool)
    ended = flags["lapsed"] | flags["invalidated"]
    recorded_expiry = (status == "expired") & granted & ~later_loss
    expired = ~ended & granted & (term_over | recorded_expiry)
    return LegalStatus(flags["lapsed"], flags["invalidated"], np.asarray(expired, dtype=bool))
