"""Validate world rows line by line into typed records; collect every error with its place.

Pure: no database. The importer writes only when the whole world validated.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from domain.world.uscc import is_valid_uscc

ENTERPRISE_STATUS = {"active", "revoked", "cancelled", "liquidating"}
RELATION_KINDS = {"guarantee", "shareholding", "supply", "officer"}
OFFICER_ROLES = {"legal_rep", "director", "shareholder"}
PATENT_KINDS = {"invention", "utility_model", "design"}
PATENT_STATUS = {"pending", "granted", "lapsed", "invalidated", "expired"}
CAUSES = {"contract_dispute", "loan_dispute", "ip_infringement", "labor", "equity_dispute", "other"}
LITIGATION_STATUS = {"pending", "judged", "settled", "enforcing", "closed"}
PARTY_ROLES = {"plaintiff", "defendant", "third_party"}
OUTCOMES = {"won", "lost", "partial"}
TAX_RATINGS = {"A", "B", "M", "C", "D"}
EVENT_TYPES = {
    "litigation_filed", "judgment_lost", "enforcement_listed", "dishonest_listed",
    "equity_frozen", "legal_rep_changed", "shareholder_changed", "tax_arrears",
    "tax_rating_downgraded", "patent_lapsed", "patent_invalidated", "patent_transferred",
    "financial_decline", "overdue_payment", "business_abnormal", "deregistered",
}  # fmt: skip
FILES = (
    "enterprises", "persons", "relations", "patents", "patent_citations", "litigations",
    "tax", "financials", "events", "outcomes",
)  # fmt: skip
MAX_MONEY = Decimal("1e17")
CENT = Decimal("0.01")


class RowError(ValueError):
    """One field of one row is wrong."""


@dataclass(frozen=True)
class LineError:
    """A bad line: where it is and why."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass
class ValidatedWorld:
    """Typed records per file (each keeps its unknown fields under `extra`), or errors."""

    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    errors: list[LineError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no line was rejected."""
        return not self.errors


# ---- field parsers -------------------------------------------------------------------------


def _req(row: dict[str, Any], key: str) -> Any:
    value = row.get(key)
    if value is None or value == "":
        raise RowError(f"missing {key}")
    return value


def text(row: dict[str, Any], key: str, *, required: bool = True, max_len: int = 300) -> str | None:
    """A string field."""
    value = _req(row, key) if required else row.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RowError(f"{key} must be a string")
    if len(value) > max_len:
        raise RowError(f"{key} longer than {max_len} characters")
    return value


def choice(
    row: dict[str, Any], key: str, allowed: set[str], *, required: bool = True
) -> str | None:
    """A string from a fixed set."""
    value = text(row, key, required=required)
    if value is not None and value not in allowed:
        raise RowError(f"{key} {value!r} is not one of {', '.join(sorted(allowed))}")
    return value


def day(
    row: dict[str, Any], key: str, today: date, *, required: bool = False, future_days: int = 366
) -> date | None:
    """An ISO date, not further in the future than `future_days`."""
    value = _req(row, key) if required else row.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RowError(f"{key} must be an ISO date string")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise RowError(f"{key} {value!r} is not an ISO date") from None
    if parsed.year < 1900:
        raise RowError(f"{key} {value} is too far in the past")
    if parsed > today + timedelta(days=future_days):
        raise RowError(f"{key} {value} is too far in the future")
    return parsed


def moment(row: dict[str, Any], key: str, today: date) -> datetime:
    """An ISO timestamp with offset, returned in UTC."""
    value = _req(row, key)
    if not isinstance(value, str):
        raise RowError(f"{key} must be an ISO timestamp string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise RowError(f"{key} {value!r} is not an ISO timestamp") from None
    if parsed.tzinfo is None:
        raise RowError(f"{key} {value!r} has no UTC offset")
    parsed = parsed.astimezone(UTC)
    if parsed.date() > today + timedelta(days=1):
        raise RowError(f"{key} {value} is in the future")
    return parsed


def money(
    row: dict[str, Any], key: str, *, required: bool = False, negative: bool = False
) -> Decimal | None:
    """A CNY amount as Decimal (number or string), to the fen."""
    value = _req(row, key) if required else row.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise RowError(f"{key} must be a number or a decimal string")
    if isinstance(value, float) and not math.isfinite(value):
        raise RowError(f"{key} is not a finite number")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise RowError(f"{key} {value!r} is not a number") from None
    if not amount.is_finite():
        raise RowError(f"{key} is not a finite number")
    if amount < 0 and not negative:
        raise RowError(f"{key} must not be negative")
    if abs(amount) >= MAX_MONEY:
        raise RowError(f"{key} is implausibly large")
    return amount.quantize(CENT)


def integer(
    row: dict[str, Any], key: str, *, required: bool = False, lo: int = 0, hi: int = 10**9
) -> int | None:
    """An integer within bounds."""
    value = _req(row, key) if required else row.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise RowError(f"{key} must be an integer")
    if not lo <= value <= hi:
        raise RowError(f"{key} {value} is outside {lo}..{hi}")
    return value


def boolean(row: dict[str, Any], key: str, *, default: bool = False) -> bool:
    """A JSON boolean."""
    value = row.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise RowError(f"{key} must be true or false")
    return value


def ratio(row: dict[str, Any], key: str) -> float | None:
    """A number in 0..1."""
    value = row.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RowError(f"{key} must be a number")
    if not 0 <= value <= 1:
        raise RowError(f"{key} {value} is outside 0..1")
    return float(value)


def extra(row: dict[str, Any], known: Iterable[str]) -> dict[str, Any]:
    """Unknown fields, kept as they came."""
    known_set = set(known)
    return {k: v for k, v in row.items() if k not in known_set}


# ---- reading -------------------------------------------------------------------------------


def read_lines(path: Path) -> Iterable[tuple[int, dict[str, Any] | str]]:
    """Yield (line number, object) or (line number, error text) for each non-blank line."""
    with path.open(encoding="utf-8", errors="strict") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, f"malformed JSON: {exc.msg} at column {exc.colno}"
                continue
            if not isinstance(obj, dict):
                yield number, "a line must be a JSON object"
                continue
            yield number, obj


Parser = Callable[[dict[str, Any]], dict[str, Any]]


def parse_file(
    world: ValidatedWorld,
    name: str,
    lines: Iterable[tuple[int, dict[str, Any] | str]],
    parse: Parser,
    key: Callable[[dict[str, Any]], object],
) -> None:
    """Parse every line, rejecting duplicates of the natural key within the file."""
    seen: set[object] = set()
    out = world.records.setdefault(name, [])
    filename = f"{name}.jsonl"
    for number, obj in lines:
        if isinstance(obj, str):
            world.errors.append(LineError(filename, number, obj))
            continue
        try:
            record = parse(obj)
        except RowError as exc:
            world.errors.append(LineError(filename, number, str(exc)))
            continue
        k = key(record)
        if k in seen:
            world.errors.append(LineError(filename, number, f"duplicate key {k}"))
            continue
        seen.add(k)
        record["_line"] = number
        out.append(record)


def uscc_field(row: dict[str, Any], key: str) -> str:
    """A USCC whose GB 32100-2015 check character is right."""
    value = text(row, key)
    assert value is not None
    if not is_valid_uscc(value):
        raise RowError(f"{key} {value!r} is not a valid USCC (check character or format)")
    return value
