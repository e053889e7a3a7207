"""Plain rows: a query's selected columns as attributes, without building ORM objects.

Lists that show a few columns of many records read them here. Each value comes out as the
ORM would give it (dates, timestamps in UTC, Decimals, enums, JSON), converted per column;
date and timestamp text (SQLite) is parsed with the standard library's ISO parser.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar, cast

from tortoise import connections
from tortoise.fields import DateField, DatetimeField, Field
from tortoise.models import Model
from tortoise.queryset import QuerySet

M = TypeVar("M", bound=Model)
Convert = Callable[[Any], Any]


class Row:
    """One record's selected columns, read as attributes named like the model's fields."""

    __slots__ = ("__dict__",)

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__ = values

    def __getattr__(self, name: str) -> Any:
        # only reached for a column the query did not select
        raise AttributeError(f"column {name!r} was not read")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Row) and self.__dict__ == other.__dict__

    def __repr__(self) -> str:
        return f"Row({self.__dict__!r})"


def _parsed(parse: Convert, convert: Convert) -> Convert:
    """`convert` (the field's own) after a fast parse of text; the field's parser on odd text."""

    def run(value: Any) -> Any:
        if isinstance(value, str):
            try:
                return convert(parse(value))
            except ValueError:
                pass
        return convert(value)

    return run


def _same(value: Any) -> Any:
    return value


def _typed(kind: type) -> Convert:
    def run(value: Any) -> Any:
        return value if value is None else kind(value)

    return run


def _converters(model: type[Model]) -> dict[str, Convert]:
    """attribute name -> conversion of its column's value, as `Model._init_from_db` converts."""
    meta = model._meta
    out: dict[str, Convert] = {}
    for _, attr, _ in meta.db_native_fields:
        out[attr] = _same
    for _, attr, field in meta.db_default_fields:
        out[attr] = _typed(field.field_type)
    for _, attr, field in meta.db_complex_fields:
        out[attr] = _complex(field)
    return out


def _complex(field: Field[Any]) -> Convert:
    if isinstance(field, DatetimeField):
        return _parsed(datetime.fromisoformat, field.to_python_value)
    if isinstance(field, DateField):
        return _parsed(date.fromisoformat, field.to_python_value)
    return field.to_python_value


# what the driver already converts depends on the database: one table per model and backend
_CONVERTERS: dict[tuple[type[Model], type], dict[str, Convert]] = {}


def converters(model: type[Model]) -> dict[str, Convert]:
    """The model's column conversions for the database it is on, built once."""
    key = (model, model._meta.db.executor_class)
    found = _CONVERTERS.get(key)
    if found is None:
        found = _CONVERTERS[key] = _converters(model)
    return found


def db_columns(model: type[Model], attrs: Iterable[str]) -> list[str]:
    """The database columns behind these attribute names (e.g. `owner_id`), in order."""
    projection = model._meta.fields_db_projection
    return [projection[a] for a in attrs]


def make_rows(
    model: type[Model], attrs: Sequence[str], records: Iterable[Sequence[Any]]
) -> list[Row]:
    """Rows from raw records whose values come in the order of `attrs`."""
    table = converters(model)
    plan = [(i, a, table[a]) for i, a in enumerate(attrs)]
    return [Row({a: convert(rec[i]) for i, a, convert in plan}) for rec in records]


async def select_rows(query: QuerySet[M], attrs: Sequence[str]) -> list[Row]:
    """The records of a filtered, ordered, limited query as rows of these attributes only.

    The ORM writes the SQL (filters, ordering and limit exactly as for model objects); the
    values are converted here, column by column.
    """
    values = query.values_list(*attrs)
    values._choose_db_if_not_chosen()
    values._make_query()
    sql, params = values.query.get_parameterized_sql()
    conn = values._db or connections.get("default")
    _, records = await conn.execute_query(sql, params)
    # SQLite and asyncpg records are indexed by position as well as by name
    return make_rows(query.model, attrs, cast(Iterable[Sequence[Any]], records))


__all__ = ["Row", "converters", "db_columns", "make_rows", "select_rows"]
