"""The bulk path of a transaction: many rows in few statements, on SQLite and on PostgreSQL.

SQLite gets `executemany` of plain tuples inside the caller's transaction (and a larger page
cache while it runs); PostgreSQL gets `COPY` in text format through the transaction's own asyncpg
connection. Values are plain Python scalars as the ORM stores them: str, int, float, bool, None,
Decimal, dates and timestamps (or their ISO text), JSON as the text `json_text` makes.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.fields.data import JSON_DUMPS

# The adapters the ORM registers for SQLite, repeated so that this module stands on its own.
sqlite3.register_adapter(Decimal, str)
sqlite3.register_adapter(dt.date, lambda val: val.isoformat())
sqlite3.register_adapter(dt.datetime, lambda val: val.isoformat(" "))

SQLITE_CACHE_KIB = 256 * 1024  # page cache while loading (the default is 2 MiB)
SQLITE_VARIABLES = 500  # values per IN (...) list
PG_SORT_MEMORY = "256MB"  # maintenance_work_mem while indexes are built again
_CONSTRAINTS = (
    "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
    "WHERE c.conrelid = $1::regclass AND c.contype IN ('u', 'f') AND NOT EXISTS ("
    "SELECT 1 FROM pg_constraint f WHERE c.contype = 'u' AND f.contype = 'f' "
    "AND f.conindid = c.conindid)"
)
_INDEXES = (
    "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
    "WHERE i.indrelid = $1::regclass AND NOT i.indisprimary AND NOT EXISTS ("
    "SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
)
# COPY's text format with `str()` of every value: None reads as NULL because the NULL marker is
# "None"; True/False are booleans to PostgreSQL. A text value that is "None" or holds a
# backslash, tab or line break takes the escaped path.
COPY_NULL = "None"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def json_text(value: Any) -> str:
    """A JSON column's text, exactly as the ORM encodes it."""
    return "{}" if value == {} else JSON_DUMPS(value)


def copy_line(values: Sequence[Any]) -> str:
    """One row in COPY's text format (see COPY_NULL), without its line end."""
    line = "\t".join(map(str, values))
    if (
        "\\" in line or "\n" in line or "\r" in line or line.count("\t") != len(values) - 1
        or COPY_NULL in values
    ):  # fmt: skip
        line = "\t".join(map(_escaped, values))
    return line


def _escaped(value: Any) -> str:
    if type(value) is not str:
        return str(value)
    if value == COPY_NULL:
        return "\\" + value
    return value.translate(_ESCAPES)


class BulkWriter:
    """Bulk inserts and keyed look-ups on one transaction's connection."""

    def __init__(self, conn: BaseDBAsyncClient):
        self.conn = conn
        self.postgres = conn.capabilities.dialect == "postgres"

    def encode(self, values: Sequence[Any]) -> Any:
        """A row as `insert` takes it here: a COPY text line on PostgreSQL, else the tuple."""
        return copy_line(values) if self.postgres else tuple(values)

    async def insert(self, table: str, columns: Sequence[str], rows: Sequence[Any]) -> None:
        """Append rows to a table: COPY text lines (`copy_line`) on PostgreSQL, tuples in the
        order of `columns` on SQLite."""
        if not rows:
            return
        if self.postgres:
            data = memoryview(("\n".join(rows) + "\n").encode("utf-8"))  # sent in one write
            async with self.conn.acquire_connection() as raw:
                await raw.copy_to_table(table, source=data, columns=list(columns), null=COPY_NULL)
            return
        marks = ", ".join("?" * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        await self.conn.execute_many(sql, rows)  # type: ignore[arg-type]

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]:
        """Rows of a query (`?` placeholders on SQLite, `$1` on PostgreSQL)."""
        _, rows = await self.conn.execute_query(sql, list(params))
        return [tuple(row) for row in rows]

    async def execute(self, sql: str) -> None:
        """A statement without parameters or results, inside the transaction."""
        await self.conn.execute_query(sql)

    async def lookup(
        self, table: str, columns: Sequence[str], where: str, values: Sequence[Any]
    ) -> list[Sequence[Any]]:
        """`columns` of the rows whose `where` column is one of `values`."""
        wanted = list(dict.fromkeys(values))
        if not wanted:
            return []
        select = f"SELECT {', '.join(columns)} FROM {table} WHERE {where}"
        if self.postgres:
            return await self.fetch(f"{select} = ANY($1)", [wanted])
        out: list[Sequence[Any]] = []
        for start in range(0, len(wanted), SQLITE_VARIABLES):
            chunk = wanted[start : start + SQLITE_VARIABLES]
            out += await self.fetch(f"{select} IN ({', '.join('?' * len(chunk))})", chunk)
        return out

    async def update_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Set `columns` of rows by id: each row gives their new values, then the id (typed
        values: dates, Decimals, JSON as text)."""
        if not rows:
            return
        if self.postgres:
            sets = ", ".join(f"{c} = ${i}" for i, c in enumerate(columns, start=1))
            where = f"${len(columns) + 1}"
        else:
            sets = ", ".join(f"{c} = ?" for c in columns)
            where = "?"
        sql = f"UPDATE {table} SET {sets} WHERE id = {where}"
        await self.conn.execute_many(sql, [list(r) for r in rows])

    async def execute_where_in(self, sql: str, column: str, values: Sequence[Any]) -> None:
        """`sql WHERE column IN values`, for a statement without results."""
        if self.postgres:
            await self.conn.execute_query(f"{sql} WHERE {column} = ANY($1)", [list(values)])
            return
        for start in range(0, len(values), SQLITE_VARIABLES):
            chunk = list(values[start : start + SQLITE_VARIABLES])
            await self.conn.execute_query(
                f"{sql} WHERE {column} IN ({', '.join('?' * len(chunk))})", chunk
            )

    async def has_rows(self, table: str) -> bool:
        """Whether the table holds any row."""
        return bool(await self.fetch(f"SELECT 1 FROM {table} LIMIT 1"))

    async def defer_indexes(self, table: str) -> list[str]:
        """PostgreSQL: drop a table's secondary indexes, unique and foreign-key constraints.

        Returns the statements that build them again, to run once the table is loaded: one sort
        per index instead of a B-tree insertion and a key check per row. Meant for a table that
        was empty when the transaction began; it stays locked until the transaction ends, and a
        rollback puts everything back. Constraints that other tables' foreign keys rely on stay.
        """
        if not self.postgres:
            return []
        constraints = await self.fetch(_CONSTRAINTS, [table])
        indexes = await self.fetch(_INDEXES, [table])
        for name, _ in constraints:
            await self.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            await self.execute(f"DROP INDEX {name}")
        ordered = sorted(constraints, key=lambda c: " FOREIGN KEY " in f" {c[1]}")
        return [str(d) for _, d in indexes] + [
            f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
            for name, definition in ordered
        ]

    async def rebuild(self, statements: list[str]) -> None:
        """Run what `defer_indexes` returned."""
        for sql in statements:
            await self.execute(sql)

    @asynccontextmanager
    async def tuned(self) -> AsyncIterator[None]:
        """Settings for a large load, put back afterwards: SQLite gets a larger page cache,
        PostgreSQL more memory to sort for the indexes it builds (this transaction only)."""
        if self.postgres:
            await self.execute(f"SET LOCAL maintenance_work_mem = '{PG_SORT_MEMORY}'")
            yield
            return
        before = (await self.fetch("PRAGMA cache_size"))[0][0]
        await self.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        try:
            yield
        finally:
            await self.execute(f"PRAGMA cache_size = {int(before)}")
