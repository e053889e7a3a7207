"""Generic batched reads: records by key, per-parent pages and counts, in one query each."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TypeVar

from tortoise import connections
from tortoise.models import Model

M = TypeVar("M", bound=Model)


def _ints(values: Sequence[int]) -> str:
    return ",".join(str(int(v)) for v in values) or "NULL"


async def by_ids(model: type[M], ids: Sequence[int]) -> list[M | None]:
    """Records in the order of `ids` (None where missing)."""
    found = {r.pk: r for r in await model.filter(id__in=list(set(ids)))}
    return [found.get(i) for i in ids]


async def grouped(
    model: type[M], column: str, parent_ids: Sequence[int], order: str = "id"
) -> list[list[M]]:
    """All children of each parent, ordered, in one query."""
    rows = await model.filter(**{f"{column}__in": list(set(parent_ids))}).order_by(order)
    out: dict[int, list[M]] = defaultdict(list)
    for r in rows:
        out[getattr(r, column)].append(r)
    return [out.get(p, []) for p in parent_ids]


async def pages(
    model: type[M],
    column: str,
    parent_ids: Sequence[int],
    *,
    first: int,
    after: int | None,
    join: str = "",
    select_from: str | None = None,
) -> dict[int, list[M]]:
    """Up to first+1 children per parent (key > after), by a window query: one SQL statement.

    `select_from` lets a caller page over a join (e.g. litigations through their parties); it
    must expose the model's columns plus a `parent_key` column.
    """
    table = model._meta.db_table
    source = select_from or f"SELECT t.*, t.{column} AS parent_key FROM {table} t {join}"
    cond = f"parent_key IN ({_ints(parent_ids)})"
    if after is not None:
        cond += f" AND id > {int(after)}"
    sql = (
        f"SELECT * FROM (SELECT s.*, ROW_NUMBER() OVER (PARTITION BY parent_key ORDER BY id) AS rn "
        f"FROM ({source}) s WHERE {cond}) w WHERE rn <= {int(first) + 1} ORDER BY parent_key, id"
    )
    conn = connections.get("default")
    raw = await conn.execute_query_dict(sql)
    out: dict[int, list[M]] = defaultdict(list)
    fields = set(model._meta.fields_db_projection.values())
    for row in raw:
        parent = row["parent_key"]
        values = {k: v for k, v in row.items() if k in fields}
        out[parent].append(model._init_from_db(**values))
    return out


async def counts(sql_group: str, parent_ids: Sequence[int]) -> dict[int, int]:
    """Counts per parent from `SELECT parent, COUNT(*) ... WHERE parent IN ({ids}) GROUP BY`."""
    conn = connections.get("default")
    rows = await conn.execute_query(sql_group.format(ids=_ints(parent_ids)))
    return {int(r[0]): int(r[1]) for r in rows[1]}
