"""Patent quality features of a few patents, computed row by row with exactly pandas' results.

A decision computes the quality of a handful of patents several times: the applicant's
portfolio for its indicator snapshot, each pledged patent for its valuation, the pledged
patents for the admission rules. On frames of a few rows each pandas call costs far more than
the arithmetic, so `domain.indicators.patent_quality` builds its columns with these helpers
when no frame it reads holds more than `SMALL_ROWS` rows. They give the very floats of its
pandas steps (counts and minima are exact; the sums of squared shares follow pandas' own order
and method, see `one_minus_hhi_rows`); `tests/domain/indicators/test_patent_quality_small.py`
compares the two to the last bit, dtypes included, on generated worlds and random inputs.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from db.frames import WorldFrames
from domain.indicators.common import YEAR_DAYS, days_between, text
from domain.indicators.patent_legal import legal_status, term_years
from domain.indicators.small import _kahan, _segment

SMALL_ROWS = 2_000  # rows of any one frame up to which the row-by-row helpers are used

F64 = npt.NDArray[np.float64]


def small_enough(frames: WorldFrames) -> bool:
    """Whether every frame the quality features read holds at most SMALL_ROWS rows."""
    return all(
        len(df) <= SMALL_ROWS
        for df in (
            frames.patents, frames.citations, frames.events, frames.litigations,
            frames.litigation_patents,
        )
    )  # fmt: skip


def quality_columns(
    frames: WorldFrames,
    pat: pd.DataFrame,
    t: pd.Timestamp,
    kinds: Sequence[str],
    lost_events: Mapping[str, str],
) -> tuple[dict[str, npt.NDArray[Any]], pd.Index]:
    """Every quality column but the three value scores, of the patents `pat` (the register's
    rows filed by `t`, one per number), and their index: `patent_quality`'s steps, with its
    grouped ones taken row by row."""
    numbers_text = pat["number"].astype(str)
    numbers = numbers_text.tolist()
    ipc = pat["ipc"].astype("string").str.strip().str.upper()
    cols: dict[str, npt.NDArray[Any]] = {
        "owner": text(pat["owner"]),
        "kind": text(pat["kind"]),
        "ipc_section": text(ipc.str[:1]),
        "ipc_subclass": text(ipc.str[:4]),
    }
    cols.update(citation_columns(frames, numbers, cols["ipc_subclass"].tolist(), t))
    for col in ("family_size", "claims", "independent_claims", "inventors", "licenses"):
        cols[col] = pat[col].to_numpy(np.float64)
    granted = (pat["granted_on"].notna() & (pat["granted_on"] <= t)).to_numpy()
    lag = days_between(pat["granted_on"], pat["filed_on"])
    cols["grant_lag_days"] = np.where(granted, lag, np.nan)
    cols["age_years"] = days_between(t, pat["filed_on"]) / YEAR_DAYS
    cols["term_years"] = term_years(pat["kind"], pat["filed_on"])
    life = cols["term_years"] - cols["age_years"]
    lost_on = lost_dates(frames, numbers, lost_events)
    status = legal_status(pat["status"], granted, life <= 0, lost_on, t)
    dead = status.dead
    cols["remaining_life_years"] = np.where(dead, 0.0, np.clip(life, 0.0, None))
    cols["is_granted"] = granted.astype(np.float64)
    cols["is_in_force"] = (granted & ~dead).astype(np.float64)
    cols["is_lapsed"] = status.lapsed.astype(np.float64)
    cols["is_invalidated"] = status.invalidated.astype(np.float64)
    cols["is_expired"] = status.expired.astype(np.float64)
    cols["is_pending"] = (~granted & ~(status.lapsed | status.invalidated)).astype(np.float64)
    kind = pat["kind"].tolist()
    for k in kinds:
        cols[f"kind_{k}"] = np.asarray(
            [0.0 if _missing(v) or v != k else 1.0 for v in kind], dtype=np.float64
        )
    later, owners = transfer_columns(frames, numbers, t)
    owner_then = np.asarray(owners, dtype=object)
    cols["owner"] = np.where(pd.isna(owner_then), cols["owner"], owner_then)
    cols["transfers"] = np.clip(pat["transfers"].to_numpy(np.float64) - later, 0.0, None)
    cols["pledged"] = pat["pledged"].astype(bool).to_numpy(np.float64)
    cols["litigated"] = litigated_counts(frames, numbers, t)
    cols["annuity_gap_days"] = days_between(t, pat["annuity_paid_through"])
    return cols, pd.Index(numbers_text.to_numpy(), name="number")


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or value != value


def one_minus_hhi_rows(keys: Sequence[Hashable], cats: Sequence[object]) -> dict[Hashable, float]:
    """{key: 1 - Herfindahl index of its cats}, rows with a missing key or cat skipped, keys in
    order of first appearance: `common.one_minus_hhi` to the last bit.

    pandas counts the (key, cat) pairs in order of first appearance, divides each count by its
    key's total and squares it, then adds the squares of each key: with `np.add.reduceat` when
    the pairs of each key come one after another, else with compensated summation.
    """
    counts: dict[tuple[Hashable, object], int] = {}
    for k, c in zip(keys, cats, strict=True):
        if _missing(k) or _missing(c):
            continue
        counts[(k, c)] = counts.get((k, c), 0) + 1
    if not counts:
        return {}
    totals: dict[Hashable, int] = {}
    for (k, _), n in counts.items():
        totals[k] = totals.get(k, 0) + n
    pair_keys = [k for k, _ in counts]
    share = np.asarray(list(counts.values()), dtype=np.int64) / np.asarray(
        [totals[k] for k in pair_keys], dtype=np.int64
    )
    squares = (share**2).tolist()
    order = {k: i for i, k in enumerate(totals)}
    ids = [order[k] for k in pair_keys]
    monotonic = all(a <= b for a, b in zip(ids, ids[1:], strict=False))
    grouped: dict[Hashable, list[float]] = {}
    for k, v in zip(pair_keys, squares, strict=True):
        grouped.setdefault(k, []).append(v)
    add = _segment if monotonic else _kahan
    sums = np.asarray([add(grouped[k]) for k in totals], dtype=np.float64)
    return dict(zip(totals, (1.0 - sums).tolist(), strict=True))


def _aligned(values: dict[str, float], numbers: Sequence[str], fill: float) -> F64:
    return np.asarray([values.get(n, fill) for n in numbers], dtype=np.float64)


def citation_columns(
    frames: WorldFrames, numbers: Sequence[str], own_subclass: Sequence[object], t: pd.Timestamp
) -> dict[str, F64]:
    """forward_citations, backward_citations, generality, originality and radicalness of the
    patents `numbers` (their IPC subclasses `own_subclass`), as `_citation_features` gives."""
    allp = frames.patents.drop_duplicates("number", keep="last")
    allp = allp[allp["number"].notna()]
    ipc = allp["ipc"].astype("string").str.strip().str.upper().str[:4]
    names = [str(n) for n in allp["number"].to_numpy()]
    filed = dict(zip(names, allp["filed_on"].tolist(), strict=True))
    sub = dict(zip(names, ipc.tolist(), strict=True))
    wanted = set(numbers)
    fwd: list[tuple[str, str]] = []
    bwd: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for citing, cited in _citation_pairs(frames.citations):
        if (citing, cited) in seen:
            continue
        seen.add((citing, cited))
        when = filed.get(citing)
        if citing == cited or not (when is None or _missing(when) or when <= t):
            continue
        if cited in wanted:
            fwd.append((citing, cited))
        if citing in wanted:
            bwd.append((citing, cited))
    forward: dict[str, float] = {}
    for _, cited in fwd:
        forward[cited] = forward.get(cited, 0.0) + 1.0
    backward: dict[str, float] = {}
    for citing, _ in bwd:
        backward[citing] = backward.get(citing, 0.0) + 1.0
    general = one_minus_hhi_rows([c for _, c in fwd], [_sub(sub, g) for g, _ in fwd])
    original = one_minus_hhi_rows([g for g, _ in bwd], [_sub(sub, c) for _, c in bwd])
    own = dict(zip(numbers, own_subclass, strict=True))
    other: dict[str, list[float]] = {}
    for citing, cited in bwd:
        theirs, mine = _sub(sub, cited), own.get(citing)
        if not _missing(theirs) and not _missing(mine):
            other.setdefault(citing, []).append(1.0 if theirs != mine else 0.0)
    # shares of 0/1 values: their sums are whole numbers, exact whichever way pandas adds
    radical = {n: sum(v) / len(v) for n, v in other.items()}
    return {
        "forward_citations": _aligned(forward, numbers, 0.0),
        "backward_citations": _aligned(backward, numbers, 0.0),
        "generality": _aligned({str(k): v for k, v in general.items()}, numbers, np.nan),
        "originality": _aligned({str(k): v for k, v in original.items()}, numbers, np.nan),
        "radicalness": _aligned(radical, numbers, np.nan),
    }


def _sub(sub: dict[str, Any], number: str) -> object:
    value = sub.get(number)
    return None if value is None or _missing(value) else value


def _citation_pairs(citations: pd.DataFrame) -> Iterable[tuple[str, str]]:
    """(citing, cited) as text, rows with a missing end left out, in frame order."""
    for citing, cited in zip(
        citations["citing"].tolist(), citations["cited"].tolist(), strict=True
    ):
        if not _missing(citing) and not _missing(cited):
            yield str(citing), str(cited)


def payload_number_raw(payload: object) -> object:
    """What `_payload_numbers` takes from one payload (`number`, else `patent`; not text)."""
    if not isinstance(payload, dict):
        return None
    return payload.get("number") or payload.get("patent")


def lost_dates(
    frames: WorldFrames, numbers: Sequence[str], kinds: Mapping[str, str]
) -> dict[str, npt.NDArray[Any]]:
    """Per loss (`kinds`: event type -> name): the first dated event of that type of each
    patent of `numbers` (NaT where none), as `_lost_dates(...)[name].reindex(numbers)` gives."""
    ev = frames.events
    dtype = ev["occurred_at"].dtype
    out: dict[str, npt.NDArray[Any]] = {}
    for etype, name in kinds.items():
        first: dict[str, Any] = {}
        sel = ev[ev["type"] == etype]
        for payload, when in zip(sel["payload"].tolist(), sel["occurred_at"].tolist(), strict=True):
            number = payload_number_raw(payload)
            if _missing(number) or _missing(when):
                continue
            key = str(number)
            if key not in first or when < first[key]:
                first[key] = when
        out[name] = pd.Series([first.get(n, pd.NaT) for n in numbers], dtype=dtype).to_numpy()
    return out


def transfer_columns(
    frames: WorldFrames, numbers: Sequence[str], t: pd.Timestamp
) -> tuple[F64, list[object]]:
    """Per patent of `numbers`: the transfers dated after `t` (one per date) and the assignor
    of the first of them (None where none names one), as `_transfer_features` reads them."""
    ev = frames.events
    sel = ev[(ev["type"] == "patent_transferred") & (ev["occurred_at"] > t)]
    moves: list[tuple[Any, str, object]] = []
    for payload, when in zip(sel["payload"].tolist(), sel["occurred_at"].tolist(), strict=True):
        number = payload_number_raw(payload)
        if _missing(number):
            continue
        giver = payload.get("from") if isinstance(payload, dict) else None
        moves.append((when, str(number), giver))
    moves.sort(key=lambda m: m[0])  # stable, as sort_values(kind="stable")
    later: dict[str, float] = {}
    first: dict[str, object] = {}
    seen: set[tuple[str, Any]] = set()
    for when, number, giver in moves:
        if (number, when) in seen:
            continue
        seen.add((number, when))
        later[number] = later.get(number, 0.0) + 1.0
        first.setdefault(number, giver)
    owners = [first.get(n) for n in numbers]
    return _aligned(later, numbers, 0.0), [None if _missing(o) else o for o in owners]


def litigated_counts(frames: WorldFrames, numbers: Sequence[str], t: pd.Timestamp) -> F64:
    """Distinct cases filed by `t` about each patent of `numbers`, as `_litigated` counts."""
    lit = frames.litigations
    filed: dict[object, Any] = {}
    for case, when in zip(lit["case_no"].tolist(), lit["filed_on"].tolist(), strict=True):
        filed[case] = when  # keep="last"
    cases = {str(case) for case, when in filed.items() if _missing(when) or when <= t}
    counts: dict[str, float] = {}
    seen: set[tuple[str, str]] = set()
    links = frames.litigation_patents
    for case, number in zip(links["case_no"].tolist(), links["number"].tolist(), strict=True):
        if _missing(case) or _missing(number):
            continue
        pair = (str(case), str(number))
        if pair in seen:
            continue
        seen.add(pair)
        if pair[0] in cases:
            counts[pair[1]] = counts.get(pair[1], 0.0) + 1.0
    return _aligned(counts, numbers, 0.0)
