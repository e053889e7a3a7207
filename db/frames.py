"""Analytic view of the world: one pandas DataFrame per table, for indicators and the GNN.

Frames are for vectorised analytics only (money as float64); business records stay in the ORM
with Decimal money. Column names follow docs/world.md and the world format.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields

import pandas as pd

COLUMNS: dict[str, tuple[str, ...]] = {
    "enterprises": (
        "uscc", "name", "founded_on", "registered_capital", "industry", "region",
        "employees", "high_tech", "srdi", "status",
    ),
    "persons": ("id", "name"),
    "relations": ("kind", "src", "dst", "amount", "ratio", "role", "since"),
    "patents": (
        "number", "owner", "title", "ipc", "kind", "filed_on", "granted_on", "status",
        "claims", "independent_claims", "inventors", "family_size", "transfers", "licenses",
        "pledged", "annuity_paid_through", "transaction_price",
    ),
    "citations": ("citing", "cited"),
    "litigations": (
        "case_no", "court", "filed_on", "closed_on", "cause", "amount", "status", "outcome",
    ),
    "litigation_parties": ("case_no", "uscc", "role"),
    "litigation_patents": ("case_no", "number"),
    "tax": ("uscc", "year", "rating", "revenue", "tax_paid", "arrears"),
    "financials": (
        "uscc", "period", "period_end", "revenue", "net_profit", "total_assets",
        "total_liabilities", "current_assets", "current_liabilities", "cash", "rd_expense",
        "operating_cash_flow",
    ),
    "events": ("id", "uscc", "occurred_at", "type", "payload"),
    "outcomes": ("uscc", "defaulted", "as_of", "default_date"),
}  # fmt: skip

DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "enterprises": ("founded_on",),
    "relations": ("since",),
    "patents": ("filed_on", "granted_on", "annuity_paid_through"),
    "litigations": ("filed_on", "closed_on"),
    "financials": ("period_end",),
    "events": ("occurred_at",),
    "outcomes": ("as_of", "default_date"),
}

FLOAT_COLUMNS: dict[str, tuple[str, ...]] = {
    "enterprises": ("registered_capital",),
    "relations": ("amount", "ratio"),
    "patents": ("transaction_price",),
    "litigations": ("amount",),
    "tax": ("revenue", "tax_paid", "arrears"),
    "financials": (
        "revenue", "net_profit", "total_assets", "total_liabilities", "current_assets",
        "current_liabilities", "cash", "rd_expense", "operating_cash_flow",
    ),
}  # fmt: skip


@dataclass
class WorldFrames:
    """The whole world as DataFrames; every frame exists with its columns, possibly empty."""

    enterprises: pd.DataFrame
    persons: pd.DataFrame
    relations: pd.DataFrame
    patents: pd.DataFrame
    citations: pd.DataFrame
    litigations: pd.DataFrame
    litigation_parties: pd.DataFrame
    litigation_patents: pd.DataFrame
    tax: pd.DataFrame
    financials: pd.DataFrame
    events: pd.DataFrame
    outcomes: pd.DataFrame

    @classmethod
    def from_tables(cls, tables: dict[str, pd.DataFrame]) -> WorldFrames:
        """Build frames from raw tables, adding missing frames/columns and fixing dtypes."""
        built: dict[str, pd.DataFrame] = {}
        for f in fields(cls):
            name = f.name
            df = tables.get(name)
            built[name] = normalise(name, df if df is not None else pd.DataFrame())
        return cls(**built)

    def names(self) -> list[str]:
        """The frame names, in declaration order."""
        return [f.name for f in fields(self)]


def normalise(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Give a raw frame its canonical columns (in order) and dtypes."""
    cols = COLUMNS[name]
    df = df.copy()
    for col in cols:
        if col not in df.columns:
            df[col] = pd.Series(dtype="object")
    df = df.loc[:, list(cols)].reset_index(drop=True)
    for col in DATE_COLUMNS.get(name, ()):
        # ISO 8601 in any precision: inferring one format from the first value would turn
        # every value written differently (a timestamp with microseconds) into NaT
        df[col] = pd.to_datetime(
            df[col], errors="coerce", utc=True, format="ISO8601"
        ).dt.tz_localize(None)
    for col in FLOAT_COLUMNS.get(name, ()):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    if name == "enterprises":
        df["employees"] = pd.to_numeric(df["employees"], errors="coerce").astype("Int64")
        df["high_tech"] = df["high_tech"].fillna(False).astype(bool)
        df["srdi"] = df["srdi"].fillna(False).astype(bool)
    if name == "patents":
        for col in ("claims", "independent_claims", "inventors", "family_size", "transfers",
                    "licenses"):  # fmt: skip
            df[col] = pd.to_numeric(df[col], errors="coerce").fillna(0).astype("int64")
        df["pledged"] = df["pledged"].fillna(False).astype(bool)
    if name == "tax":
        df["year"] = pd.to_numeric(df["year"], errors="coerce").astype("Int64")
    if name == "outcomes":
        df["defaulted"] = df["defaulted"].fillna(False).astype(bool)
    return df


# One plain-SQL query per frame, in the order they are read.
QUERIES: dict[str, str] = {
    "enterprises": (
        "SELECT uscc, name, founded_on, registered_capital, industry, region, employees, "
        "high_tech, srdi, status FROM enterprise ORDER BY id"
    ),
    "persons": "SELECT person_id AS id, name FROM person ORDER BY id",
    "relations": "SELECT kind, src, dst, amount, ratio, role, since FROM relation ORDER BY id",
    "patents": (
        "SELECT p.number, e.uscc AS owner, p.title, p.ipc, p.kind, p.filed_on, p.granted_on, "
        "p.status, p.claims, p.independent_claims, p.inventors, p.family_size, p.transfers, "
        "p.licenses, p.pledged, p.annuity_paid_through, p.transaction_price "
        "FROM patent p LEFT JOIN enterprise e ON e.id = p.owner_id ORDER BY p.id"
    ),
    "citations": "SELECT citing, cited FROM patent_citation ORDER BY id",
    "litigations": (
        "SELECT case_no, court, filed_on, closed_on, cause, amount, status, outcome "
        "FROM litigation ORDER BY id"
    ),
    "litigation_parties": (
        "SELECT l.case_no, e.uscc, lp.role FROM litigation_party lp "
        "JOIN litigation l ON l.id = lp.litigation_id "
        "JOIN enterprise e ON e.id = lp.enterprise_id ORDER BY lp.id"
    ),
    "litigation_patents": (
        "SELECT l.case_no, p.number FROM litigation_patent lp "
        "JOIN litigation l ON l.id = lp.litigation_id "
        "JOIN patent p ON p.id = lp.patent_id ORDER BY lp.id"
    ),
    "tax": (
        "SELECT e.uscc, t.year, t.rating, t.revenue, t.tax_paid, t.arrears FROM tax_record t "
        "JOIN enterprise e ON e.id = t.enterprise_id ORDER BY t.id"
    ),
    "financials": (
        "SELECT e.uscc, f.period, f.revenue, f.net_profit, f.total_assets, "
        "f.total_liabilities, f.current_assets, f.current_liabilities, f.cash, f.rd_expense, "
        "f.operating_cash_flow FROM financial f JOIN enterprise e ON e.id = f.enterprise_id "
        "ORDER BY f.id"
    ),
    "events": "SELECT event_id AS id, uscc, occurred_at, type, payload FROM event ORDER BY id",
    "outcomes": "SELECT uscc, defaulted, as_of, default_date FROM outcome ORDER BY id",
}


async def load_frames() -> WorldFrames:
    """Load the whole world from the database into frames (plain SQL, one query per table)."""
    from tortoise import connections

    conn = connections.get("default")
    tables = {
        name: pd.DataFrame(await conn.execute_query_dict(sql)) for name, sql in QUERIES.items()
    }
    _decode(tables)
    return WorldFrames.from_tables(tables)


def decoded_frames(tables: dict[str, pd.DataFrame]) -> WorldFrames:
    """Frames from raw query results in database form (as `load_frames` reads them); a table
    left out (or empty) is a shared empty frame."""
    raw = {name: df for name, df in tables.items() if not df.empty}
    _decode({name: raw.get(name, pd.DataFrame()) for name in QUERIES})
    empty = _empty_frames()
    built = {
        name: normalise(name, raw[name]) if name in raw else getattr(empty, name)
        for name in empty.names()
    }
    return WorldFrames(**built)


@functools.cache
def _empty_frames() -> WorldFrames:
    """Every frame empty, with its columns and dtypes (shared: never modify them)."""
    return WorldFrames.from_tables({})


def _decode(tables: dict[str, pd.DataFrame]) -> None:
    """What SQL returns in database form: period ends, JSON payloads, booleans stored as ints."""
    fin = tables["financials"]
    if not fin.empty:
        fin["period_end"] = [_period_end(str(p)) for p in fin["period"]]
    ev = tables["events"]
    if not ev.empty:
        ev["payload"] = pd.Series([_json(p) for p in ev["payload"]], dtype="object")
    for name in ("enterprises", "patents", "outcomes"):
        df = tables[name]
        for col in ("high_tech", "srdi", "pledged", "defaulted"):
            if col in df.columns:
                df[col] = df[col].astype(bool)


def _period_end(period: str) -> pd.Timestamp:
    if "Q" in period:
        year, quarter = period.split("Q")
        return pd.Timestamp(year=int(year), month=3 * int(quarter), day=1) + pd.offsets.MonthEnd(0)
    return pd.Timestamp(year=int(period), month=12, day=31)


def _json(value: object) -> object:
    import json

    return json.loads(value) if isinstance(value, str) else value
