"""Generic batched reads: records by key, keyset pages, per-parent pages and counts, in one
query each; whole records as models, or only some columns as plain rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

from tortoise import connections
from tortoise.models import Model
from tortoise.queryset import QuerySet

from db.rows import Row, db_columns, make_rows, select_rows

M = TypeVar("M", bound=Model)
T = TypeVar("T")


def _ints(values: Sequence[int]) -> str:
    return ",".join(str(int(v)) for v in values) or "NULL"


def _with(columns: Sequence[str], *more: str) -> list[str]:
    """The columns and `more` (the key, a parent column), once each, in a stable order."""
    return sorted({*columns, *more})


async def by_ids(model: type[M], ids: Sequence[int]) -> list[M | None]:
    """Records in the order of `ids` (None where missing)."""
    found = {r.pk: r for r in await model.filter(id__in=list(set(ids)))}
    return [found.get(i) for i in ids]


async def records(query: QuerySet[M], columns: Sequence[str] | None) -> list[M | Row]:
    """The query's records: models, or rows of `columns` only when given."""
    if columns is None:
        return list(await query)
    return list(await select_rows(query, columns))


@dataclass(frozen=True)
class KeysetPage(Generic[M]):
    """Up to first+1 records (one more means another page follows); the total when counted."""

    rows: list[M | Row]
    total_count: int | None


async def keyset_page(
    query: QuerySet[M],
    *,
    first: int,
    after: int | None,
    descending: bool = False,
    count: bool = True,
    columns: Sequence[str] | None = None,
) -> KeysetPage[M]:
    """Up to first+1 records of the query in key order after the key `after` (descending:
    before it); counts every match (ignoring `after`) only when `count`; rows of `columns`
    and the key only, when given."""
    total = await query.count() if count else None
    if after is not None:
        query = query.filter(id__lt=after) if descending else query.filter(id__gt=after)
    query = query.order_by("-id" if descending else "id").limit(first + 1)
    wanted = None if columns is None else _with(columns, "id")
    return KeysetPage(await records(query, wanted), total)


def _by_parent(found: Sequence[T], column: str, parent_ids: Sequence[int]) -> list[list[T]]:
    """The records of each parent, in the order of `parent_ids` (empty where none)."""
    out: dict[int, list[T]] = defaultdict(list)
    for r in found:
        out[getattr(r, column)].append(r)
    return [out.get(p, []) for p in parent_ids]


async def grouped(
    model: type[M], column: str, parent_ids: Sequence[int], order: str = "id"
) -> list[list[M]]:
    """All children of each parent, ordered, in one query."""
    rows = await model.filter(**{f"{column}__in": list(set(parent_ids))}).order_by(order)
    return _by_parent(rows, column, parent_ids)


async def grouped_rows(
    model: type[M], column: str, parent_ids: Sequence[int], columns: Sequence[str], order: str
) -> list[list[Row]]:
    """`grouped`, as rows of `columns`, the key and the parent column only."""
    query = model.filter(**{f"{column}__in": list(set(parent_ids))}).order_by(order)
    rows = await select_rows(query, _with(columns, "id", column))
    return _by_parent(rows, column, parent_ids)


def _page_rows(model: type[M], raw: list[dict[str, Any]], columns: Sequence[str] | None) -> Any:
    if columns is not None:
        keys = db_columns(model, columns)
        rows = make_rows(model, columns, ([r[k] for k in keys] for r in raw))
        return zip((r["parent_key"] for r in raw), rows, strict=True)
    fields = set(model._meta.fields_db_projection.values())
    return (
        (r["parent_key"], model._init_from_db(**{k: v for k, v in r.items() if k in fields}))
        for r in raw
    )


@overload
async def pages(
    model: type[M],
    column: str,
    parent_ids: Sequence[int],
    *,
    first: int,
    after: int | None,
    join: str = "",
    select_from: str | None = None,
    columns: None = None,
) -> dict[int, list[M]]: ...


@overload
async def pages(
    model: type[M],
    column: str,
    parent_ids: Sequence[int],
    *,
    first: int,
    after: int | None,
    join: str = "",
    select_from: str | None = None,
    columns: Sequence[str],
) -> dict[int, list[Row]]: ...


async def pages(
    model: type[M],
    column: str,
    parent_ids: Sequence[int],
    *,
    first: int,
    after: int | None,
    join: str = "",
    select_from: str | None = None,
    columns: Sequence[str] | None = None,
) -> dict[int, list[M]] | dict[int, list[Row]]:
    """Up to first+1 children per parent (key > after), by a window query: one SQL statement;
    rows of `columns` and the key only, when given.

    `select_from` lets a caller page over a join (e.g. litigations through their parties); it
    must expose the model's columns plus a `parent_key` column.
    """
    table = model._meta.db_table
    source = select_from or f"SELECT t.*, t.{column} AS parent_key FROM {table} t {join}"
    cond = f"parent_key IN ({_ints(parent_ids)})"
    if after is not None:
        cond += f" AND id > {int(after)}"
    shown = "*"
    if columns is not None:
        columns = _with(columns, "id")
        shown = ", ".join(f'w."{c}"' for c in db_columns(model, columns)) + ", w.parent_key"
    sql = (
        f"SELECT {shown} FROM (SELECT s.*, ROW_NUMBER() OVER (PARTITION BY parent_key "
        f"ORDER BY id) AS rn FROM ({source}) s WHERE {cond}) w WHERE rn <= {int(first) + 1} "
        "ORDER BY parent_key, id"
    )
    raw = await connections.get("default").execute_query_dict(sql)
    out: dict[int, list[Any]] = defaultdict(list)
    for parent, record in _page_rows(model, raw, columns):
        out[parent].append(record)
    return out


async def counts(sql_group: str, parent_ids: Sequence[int]) -> dict[int, int]:
    """Counts per parent from `SELECT parent, COUNT(*) ... WHERE parent IN ({ids}) GROUP BY`."""
    conn = connections.get("default")
    rows = await conn.execute_query(sql_group.format(ids=_ints(parent_ids)))
    return {int(r[0]): int(r[1]) for r in rows[1]}
