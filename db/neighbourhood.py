"""Reading a bounded part of the world by key, for analytics on a few enterprises.

Each read takes keys (USCCs, person ids, patent numbers, case ids) and returns the matching rows
in the frames' columns and database form, exactly as `db.frames.load_frames` reads them, with
the row key kept (`row_key`) so that a slice assembled from several reads can be put back in
the whole world's row order. Every read is an indexed look-up with its keys in IN lists of at
most `IN_LIST` values. `peer_counts` reads the one world-wide aggregate the registration
indicators need, as grouped counts rather than rows.

`NeighbourhoodFrames` is such a slice: the frames of some enterprises' neighbourhood, the
enterprises it was read for, and the peer counts as of the date it was read for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from db.frames import WorldFrames

IN_LIST = 500  # values per IN (...) list
ROW_KEY = "row_key"
_ENT_ID = "SELECT id FROM enterprise WHERE uscc IN ({keys})"
_SINCE = "(r.since IS NULL OR r.since <= {p0})"

# what each frame reads, as in db.frames.QUERIES plus the row key (and the case id of links)
SELECT: dict[str, str] = {
    "enterprises": (
        "SELECT e.id AS row_key, e.uscc, e.name, e.founded_on, e.registered_capital, "
        "e.industry, e.region, e.employees, e.high_tech, e.srdi, e.status FROM enterprise e"
    ),
    "relations": (
        "SELECT r.id AS row_key, r.kind, r.src, r.dst, r.amount, r.ratio, r.role, r.since "
        "FROM relation r"
    ),
    "patents": (
        "SELECT p.id AS row_key, p.number, e.uscc AS owner, p.title, p.ipc, p.kind, p.filed_on, "
        "p.granted_on, p.status, p.claims, p.independent_claims, p.inventors, p.family_size, "
        "p.transfers, p.licenses, p.pledged, p.annuity_paid_through, p.transaction_price "
        "FROM patent p LEFT JOIN enterprise e ON e.id = p.owner_id"
    ),
    "citations": "SELECT c.id AS row_key, c.citing, c.cited FROM patent_citation c",
    "litigations": (
        "SELECT l.id AS row_key, l.case_no, l.court, l.filed_on, l.closed_on, l.cause, l.amount, "
        "l.status, l.outcome FROM litigation l"
    ),
    "litigation_parties": (
        "SELECT lp.id AS row_key, lp.litigation_id AS case_id, l.case_no, e.uscc, lp.role "
        "FROM litigation_party lp JOIN litigation l ON l.id = lp.litigation_id "
        "JOIN enterprise e ON e.id = lp.enterprise_id"
    ),
    "litigation_patents": (
        "SELECT lk.id AS row_key, lk.litigation_id AS case_id, l.case_no, p.number "
        "FROM litigation_patent lk JOIN litigation l ON l.id = lk.litigation_id "
        "JOIN patent p ON p.id = lk.patent_id"
    ),
    "tax": (
        "SELECT t.id AS row_key, e.uscc, t.year, t.rating, t.revenue, t.tax_paid, t.arrears "
        "FROM tax_record t JOIN enterprise e ON e.id = t.enterprise_id"
    ),
    "financials": (
        "SELECT f.id AS row_key, e.uscc, f.period, f.revenue, f.net_profit, f.total_assets, "
        "f.total_liabilities, f.current_assets, f.current_liabilities, f.cash, f.rd_expense, "
        "f.operating_cash_flow FROM financial f JOIN enterprise e ON e.id = f.enterprise_id"
    ),
    "events": (
        "SELECT ev.id AS row_key, ev.event_id AS id, ev.uscc, ev.occurred_at, ev.type, "
        "ev.payload FROM event ev"
    ),
}


@dataclass(frozen=True)
class PeerCounts:
    """Enterprises founded on or before `founded_by` (or undated), counted by their recorded
    region code and by their recorded industry code (codes as stored; missing codes left out)."""

    founded_by: date
    regions: dict[str, int]
    industries: dict[str, int]


class NeighbourhoodFrames(WorldFrames):
    """Frames holding only what the indicators of `firms` read, as of `peers.founded_by`.

    `truncated` is set when a guarantee group was larger than the reader's cap, so that
    component-wide figures of that group cover only the part read.
    """

    def __init__(
        self, frames: WorldFrames, *, firms: Sequence[str], peers: PeerCounts, truncated: bool
    ) -> None:
        super().__init__(**{name: getattr(frames, name) for name in frames.names()})
        self.firms: tuple[str, ...] = tuple(firms)
        self.peers = peers
        self.truncated = truncated

    def size(self) -> int:
        """Rows held, over every frame."""
        return sum(len(getattr(self, name)) for name in self.names())


def ordered(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Rows of one frame read in parts (each in row-key order), each row once, in the whole
    world's order (by row key)."""
    kept = [p for p in parts if not p.empty]
    if not kept:
        return pd.DataFrame()
    if len(kept) == 1:
        return kept[0].reset_index(drop=True)
    df = pd.concat(kept, ignore_index=True).drop_duplicates(ROW_KEY)
    return df.sort_values(ROW_KEY, kind="stable").reset_index(drop=True)


class KeyReader:
    """Indexed reads by key on one connection (SQLite or PostgreSQL placeholders)."""

    def __init__(self, conn: BaseDBAsyncClient | None = None) -> None:
        self.conn = conn or connections.get("default")
        self.postgres = self.conn.capabilities.dialect == "postgres"

    def _mark(self, i: int) -> str:
        return f"${i}" if self.postgres else f"?{i}"

    async def rows(
        self, frame: str, where: str, keys: Sequence[Any], params: Sequence[Any] = ()
    ) -> pd.DataFrame:
        """Rows of `frame` matching `where`, whose `{keys}` is filled with each chunk of keys and
        `{p0}`, `{p1}`... with `params`; one row per row key, in row-key order."""
        wanted = list(dict.fromkeys(keys))
        parts: list[pd.DataFrame] = []
        for i in range(0, len(wanted), IN_LIST):
            chunk = wanted[i : i + IN_LIST]
            marks = ", ".join(self._mark(k + 1) for k in range(len(chunk)))
            named = {f"p{j}": self._mark(len(chunk) + j + 1) for j in range(len(params))}
            sql = f"{SELECT[frame]} WHERE {where.format(keys=marks, **named)} ORDER BY row_key"
            found = await self.conn.execute_query_dict(sql, [*chunk, *params])
            parts.append(pd.DataFrame(found))
        return parts[0] if len(parts) == 1 else ordered(parts)

    async def enterprises(self, usccs: Sequence[str]) -> pd.DataFrame:
        """Registration rows of these enterprises (ids that are not enterprises find nothing)."""
        return await self.rows("enterprises", "e.uscc IN ({keys})", usccs)

    async def relations(
        self, ids: Sequence[str], by: date, *, kind: str | None = None, ends: str = "src dst"
    ) -> pd.DataFrame:
        """Relations known by `by` (or undated) with one of `ids` at an end named in `ends`,
        optionally of one kind."""
        either = " OR ".join(f"r.{end} IN ({{keys}})" for end in ends.split())
        cond = f"({either}) AND {_SINCE}"
        if kind is None:
            return await self.rows("relations", cond, ids, [by])
        # `|| ''` keeps SQLite on the src/dst indexes rather than the index of kinds
        return await self.rows("relations", cond + " AND r.kind || '' = {p1}", ids, [by, kind])

    async def linked(
        self, ids: Sequence[str], by: date, kind: str, cap: int
    ) -> tuple[set[str], bool]:
        """Every id joined to one of `ids` by relations of `kind` known by `by`, either way,
        over any number of steps (one recursive query per IN list), at most `cap` of them per
        list; and whether a list reached the cap."""
        # ids as TEXT on both sides of the recursion (PostgreSQL wants one exact column type)
        step = (
            "SELECT CAST(CASE WHEN r.src = g.id THEN r.dst ELSE r.src END AS TEXT) FROM grp g "
            "JOIN relation r ON (r.src = g.id OR r.dst = g.id) "
            f"WHERE r.kind || '' = {{p1}} AND {_SINCE}"
        )
        seeds = (
            "SELECT CAST(r.src AS TEXT) FROM relation r "
            "WHERE r.src IN ({keys}) AND r.kind || '' = {p1} "
            "UNION SELECT CAST(r.dst AS TEXT) FROM relation r "
            "WHERE r.dst IN ({keys}) AND r.kind || '' = {p1}"
        )
        found: set[str] = set()
        cut = False
        wanted = list(dict.fromkeys(ids))
        for i in range(0, len(wanted), IN_LIST):
            chunk = wanted[i : i + IN_LIST]
            marks = ", ".join(self._mark(k + 1) for k in range(len(chunk)))
            named = {"p0": self._mark(len(chunk) + 1), "p1": self._mark(len(chunk) + 2)}
            sql = (
                f"WITH RECURSIVE grp(id) AS ({seeds} UNION {step}) "
                f"SELECT id FROM grp LIMIT {int(cap) + 1}"
            ).format(keys=marks, **named)
            rows = await self.conn.execute_query_dict(sql, [*chunk, by, kind])
            cut = cut or len(rows) > cap
            found |= {str(r["id"]) for r in rows}
        return found, cut

    async def events(self, usccs: Sequence[str], types: Sequence[str] = ()) -> pd.DataFrame:
        """Every event of these enterprises (only of `types` when given)."""
        cond = "ev.uscc IN ({keys})"
        if types:
            cond += " AND ev.type IN (" + ", ".join(f"{{p{i}}}" for i in range(len(types))) + ")"
        return await self.rows("events", cond, usccs, list(types))

    async def parties_of_firms(self, usccs: Sequence[str]) -> pd.DataFrame:
        """Litigation party rows of these enterprises (with the case id)."""
        return await self.rows("litigation_parties", f"lp.enterprise_id IN ({_ENT_ID})", usccs)

    async def parties_of_cases(self, case_ids: Sequence[int]) -> pd.DataFrame:
        """Every party row of these cases."""
        return await self.rows("litigation_parties", "lp.litigation_id IN ({keys})", case_ids)

    async def litigations(self, case_ids: Sequence[int]) -> pd.DataFrame:
        """These cases."""
        return await self.rows("litigations", "l.id IN ({keys})", case_ids)

    async def owned_patents(self, usccs: Sequence[str]) -> pd.DataFrame:
        """Patents these enterprises own now."""
        return await self.rows("patents", f"p.owner_id IN ({_ENT_ID})", usccs)

    async def patents(self, numbers: Sequence[str]) -> pd.DataFrame:
        """These patents (numbers outside the world find nothing)."""
        return await self.rows("patents", "p.number IN ({keys})", numbers)

    async def citations(self, numbers: Sequence[str]) -> pd.DataFrame:
        """Citations made by or made to these patents."""
        made = await self.rows("citations", "c.citing IN ({keys})", numbers)
        received = await self.rows("citations", "c.cited IN ({keys})", numbers)
        return ordered([made, received])

    async def patent_cases(self, numbers: Sequence[str]) -> pd.DataFrame:
        """Links from court cases to these patents (with the case id)."""
        ids = "SELECT id FROM patent WHERE number IN ({keys})"
        return await self.rows("litigation_patents", f"lk.patent_id IN ({ids})", numbers)

    async def tax(self, usccs: Sequence[str]) -> pd.DataFrame:
        """Tax years of these enterprises."""
        return await self.rows("tax", f"t.enterprise_id IN ({_ENT_ID})", usccs)

    async def financials(self, usccs: Sequence[str]) -> pd.DataFrame:
        """Financial statements of these enterprises."""
        return await self.rows("financials", f"f.enterprise_id IN ({_ENT_ID})", usccs)

    async def last_id(self, table: str) -> int:
        """The largest row id of `table` (0 when empty): it grows with every row added."""
        found = await self.conn.execute_query_dict(f"SELECT MAX(id) AS top_id FROM {table}")
        return int(found[0]["top_id"] or 0) if found else 0

    async def revision(self) -> int:
        """The world's revision: it grows with every import that updates rows in place."""
        found = await self.conn.execute_query_dict(
            "SELECT revision FROM world_revision WHERE id = 1"
        )
        return int(found[0]["revision"]) if found else 0

    async def peer_counts(self, founded_by: date) -> PeerCounts:
        """Enterprises founded by a date (or undated), by recorded region and industry code."""
        counts: dict[str, dict[str, int]] = {}
        for column in ("region", "industry"):
            sql = (
                f"SELECT {column} AS code, COUNT(*) AS n FROM enterprise "
                f"WHERE (founded_on IS NULL OR founded_on <= {self._mark(1)}) "
                f"AND {column} IS NOT NULL GROUP BY {column}"
            )
            found = await self.conn.execute_query_dict(sql, [founded_by])
            counts[column] = {str(r["code"]): int(r["n"]) for r in found}
        return PeerCounts(founded_by, counts["region"], counts["industry"])
