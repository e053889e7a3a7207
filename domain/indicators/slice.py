"""The neighbourhood of some enterprises: every row their indicators read, and nothing else.

`compute_indicators(await neighbourhood_frames(usccs, t), t, usccs)` equals the indicators of
those firms computed over the whole world, at the cost of their neighbourhood only:

- registration: the firms' rows; their officer relations; world-wide counts of firms by region
  and industry code founded by t (grouped counts, see `db.neighbourhood.PeerCounts`);
- network: relations with a firm at either end (known at t); the officer relations of the
  persons who are officers of a firm (shared officers, the legal representative's other firms);
  the whole guarantee group of each firm (every firm joined to it by guarantees either way, in
  one recursive query, for circle and group sizes; capped, see below); the registration rows of every
  counterparty (which shareholders are enterprises) and the events of every counterparty and
  officer peer (neighbours in distress);
- judicial: the cases a firm is a party to, with every party of them (counterparties);
- tax, financial, events: the firms' own rows;
- ip: the patents a firm owns now or that its patent events name (a patent sold after t was
  still the firm's at t), every patent citing or cited by them, the cases about them, and their
  lapse, invalidation and transfer events, read from the firms and parties each transfer names
  (patent events are filed under the owner, and under both parties of a transfer) until no new
  party appears.

Two world-wide reads are kept by the process for the next slices of the same date, as long as
the relation and enterprise tables have not grown (their largest ids tell) and no import has
changed stored rows in place since (the world's revision tells, in any process): the peer
counts, and guarantee groups of `KEEP_GROUP` firms or more (read for one firm, they serve every
other member without reading them again).

A guarantee group is read up to `MAX_GUARANTEE_NODES` firms; a larger one is cut there (the
slice says `truncated`) and its circle and group sizes count only the part read. Real guarantee
circles hold tens to a few thousand firms; the largest group of a generated world holds about
15 % of its firms, so the cap binds from about 330,000 enterprises on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from weakref import WeakKeyDictionary

import pandas as pd
from tortoise.backends.base.client import BaseDBAsyncClient

from db.frames import decoded_frames
from db.neighbourhood import KeyReader, NeighbourhoodFrames, PeerCounts, ordered
from domain.indicators.common import as_of_ts
from domain.indicators.patent_quality import PATENT_EVENTS, payload_number

MAX_GUARANTEE_NODES = 50_000
KEEP_GROUP = 1_000  # a guarantee group this large, read for at most KEEP_FOR firms, is kept
KEEP_FOR = 16
MAX_TRANSFER_ROUNDS = 20  # owners followed along a patent's chain of transfers


def _ids(*columns: pd.Series) -> set[str]:
    out: set[str] = set()
    for col in columns:
        out |= {str(v) for v in col.dropna()}
    return out


def _column(df: pd.DataFrame, name: str) -> pd.Series:
    return df[name] if name in df.columns else pd.Series(dtype=object)


async def neighbourhood_frames(usccs: Sequence[str], as_of: Any) -> NeighbourhoodFrames:
    """The world slice the indicators of `usccs` as of `as_of` read (see the module notes)."""
    t = as_of_ts(as_of)
    by = t.date()
    firms = list(dict.fromkeys(str(u) for u in usccs))
    reader = KeyReader()
    kept = await _kept(reader, by)
    relations, near, truncated = await _relations(reader, kept, firms, by)
    near_list = sorted(near | set(firms))
    tables: dict[str, pd.DataFrame] = {
        "relations": relations,
        "enterprises": await reader.enterprises(near_list),
        "tax": await reader.tax(firms),
        "financials": await reader.financials(firms),
    }
    events = await reader.events(near_list)
    parties, cases = await _cases(reader, firms)
    patent_tables, patent_events = await _patents(reader, firms, events, set(near_list))
    tables.update(patent_tables)
    tables["litigation_parties"] = parties
    tables["litigations"] = ordered([cases, patent_tables["litigations"]])
    tables["events"] = ordered([events, patent_events])
    peers = await _peer_counts(reader, kept, by)
    frames = decoded_frames(tables)
    return NeighbourhoodFrames(frames, firms=firms, peers=peers, truncated=truncated)


async def _relations(
    reader: KeyReader, kept: _Kept, firms: list[str], by: date
) -> tuple[pd.DataFrame, set[str], bool]:
    """Relations the firms' indicators read, the ids of their neighbours, and whether the
    guarantee group was cut at a cap."""
    own = await reader.relations(firms, by)
    is_officer = _column(own, "kind") == "officer"
    mine = _column(own, "dst").isin(firms)
    persons = sorted(_ids(own.loc[is_officer & mine, "src"])) if not own.empty else []
    peers = await reader.relations(persons, by, kind="officer", ends="src")
    group, truncated = await _guarantee_group(reader, kept, firms, by)
    near = _ids(_column(own, "src"), _column(own, "dst"), _column(peers, "dst"))
    return ordered([own, peers, group]), near - set(persons), truncated


@dataclass
class _Kept:
    """What this process keeps of world-wide reads, valid for one date and for the relation and
    enterprise tables as they were (their largest ids and the world's revision say which)."""

    key: tuple[date, int, int, int]
    peers: PeerCounts | None = None
    group_of: dict[str, int] = field(default_factory=dict)  # firm -> index in `groups`
    groups: list[pd.DataFrame] = field(default_factory=list)  # guarantee edges of large groups


_KEPT: WeakKeyDictionary[BaseDBAsyncClient, _Kept] = WeakKeyDictionary()


async def _kept(reader: KeyReader, by: date) -> _Kept:
    key = (
        by,
        await reader.last_id("relation"),
        await reader.last_id("enterprise"),
        await reader.revision(),
    )
    kept = _KEPT.get(reader.conn)
    if kept is None or kept.key != key:
        kept = _KEPT[reader.conn] = _Kept(key)
    return kept


async def _peer_counts(reader: KeyReader, kept: _Kept, by: date) -> PeerCounts:
    if kept.peers is None:
        kept.peers = await reader.peer_counts(by)
    return kept.peers


async def _guarantee_group(
    reader: KeyReader, kept: _Kept, firms: list[str], by: date
) -> tuple[pd.DataFrame, bool]:
    """Every guarantee edge (known by `by`) of the firms' guarantee groups, and whether a group
    was larger than the cap. A large group read for a few firms is kept for its other members."""
    parts = [
        kept.groups[i] for i in sorted({kept.group_of[f] for f in firms if f in kept.group_of})
    ]
    rest = [f for f in firms if f not in kept.group_of]
    if not rest:
        return ordered(parts), False
    members, cut = await reader.linked(rest, by, "guarantee", MAX_GUARANTEE_NODES)
    edges = await reader.relations(sorted(members), by, kind="guarantee", ends="src")
    if not cut and len(rest) <= KEEP_FOR and len(members) >= KEEP_GROUP:
        if len(kept.group_of) + len(members) > MAX_GUARANTEE_NODES:
            kept.group_of.clear()
            kept.groups.clear()
        kept.groups.append(edges)
        kept.group_of.update(dict.fromkeys(members, len(kept.groups) - 1))
    return ordered([*parts, edges]), cut


async def _cases(reader: KeyReader, firms: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every party of the firms' cases, and those cases."""
    own = await reader.parties_of_firms(firms)
    case_ids = sorted({int(i) for i in _column(own, "case_id")})
    return await reader.parties_of_cases(case_ids), await reader.litigations(case_ids)


def _named_numbers(events: pd.DataFrame, usccs: Iterable[str] | None = None) -> set[str]:
    """Patent numbers the patent events (of `usccs`, when given) name."""
    if events.empty:
        return set()
    sel = events[events["type"].isin(PATENT_EVENTS)]
    if usccs is not None:
        sel = sel[sel["uscc"].isin(set(usccs))]
    return {n for n in (payload_number(_payload(p)) for p in sel["payload"]) if n is not None}


def _payload(raw: object) -> object:
    import json

    return json.loads(raw) if isinstance(raw, str) else raw


async def _patents(
    reader: KeyReader, firms: list[str], events: pd.DataFrame, read: set[str]
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Patent tables (patents, citations, cases about them, those cases) and the patent events
    of the firms' patents; `events` are every event of the enterprises in `read`."""
    owned = await reader.owned_patents(firms)
    have = _ids(_column(owned, "number"))
    candidates = have | _named_numbers(events, firms)
    wanted = sorted(candidates)
    citations = await reader.citations(wanted)
    cited = _ids(_column(citations, "citing"), _column(citations, "cited"))
    patents = ordered([owned, await reader.patents(sorted((cited | candidates) - have))])
    patent_events = await _patent_events(reader, candidates, patents, events, read)
    links = await reader.patent_cases(wanted)
    case_ids = sorted({int(i) for i in _column(links, "case_id")})
    tables = {
        "patents": patents,
        "citations": citations,
        "litigation_patents": links,
        "litigations": await reader.litigations(case_ids),
    }
    return tables, patent_events


async def _patent_events(
    reader: KeyReader,
    numbers: set[str],
    patents: pd.DataFrame,
    events: pd.DataFrame,
    read: set[str],
) -> pd.DataFrame:
    """Lapse, invalidation and transfer events of these patents: read from their owners and
    from every party of their transfers, until no new party appears; `events` are every event
    of the enterprises in `read`."""
    owners = _ids(patents.loc[patents["number"].isin(numbers), "owner"]) if len(patents) else set()
    parts = [events]
    todo = (owners | _transfer_parties(_about(events, numbers))) - read
    read = set(read)
    for _ in range(MAX_TRANSFER_ROUNDS):
        if not todo:
            break
        found = await reader.events(sorted(todo), PATENT_EVENTS)
        read |= todo
        if found.empty:
            break
        found = _about(found, numbers)
        parts.append(found)
        todo = _transfer_parties(found) - read
    return _about(ordered(parts), numbers)


def _about(events: pd.DataFrame, numbers: set[str]) -> pd.DataFrame:
    """The patent events among `events` that are about one of these patents."""
    if events.empty:
        return events
    keep = [
        t in PATENT_EVENTS and payload_number(_payload(p)) in numbers
        for t, p in zip(events["type"], events["payload"], strict=True)
    ]
    return events[keep]


def _transfer_parties(events: pd.DataFrame) -> set[str]:
    """The assignors and assignees transfer events name."""
    out: set[str] = set()
    if events.empty:
        return out
    for raw in events.loc[events["type"] == "patent_transferred", "payload"]:
        p = _payload(raw)
        if isinstance(p, dict):
            out |= {str(p[k]) for k in ("from", "to") if p.get(k)}
    return out
