"""Field parsers of world rows: each returns the typed value or raises RowError with the reason.

Pure: no database. Every error names the field and why; the scanner adds the file and line.
Amounts come out as the exact decimal text of the amount to the fen (what a DECIMAL(20, 2)
column holds), so that loading them needs no further conversion.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
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
# Files in the order they are read: every reference points at a file read before it.
FILES = (
    "enterprises", "persons", "relations", "patents", "patent_citations", "litigations",
    "tax", "financials", "events", "outcomes",
)  # fmt: skip
MAX_MONEY = Decimal("1e17")
CENT = Decimal("0.01")
_INFINITIES = (math.inf, -math.inf)

Line = tuple[int, dict[str, Any] | str]


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


@dataclass(frozen=True)
class Context:
    """What a row parser may consult."""

    today: date


# ---- field parsers -------------------------------------------------------------------------


def _req(row: dict[str, Any], key: str) -> Any:
    value = row.get(key)
    if value is None or value == "":
        raise RowError(f"missing {key}")
    return value


def text(row: dict[str, Any], key: str, *, required: bool = True, max_len: int = 300) -> str | None:
    """A string field."""
    value = row.get(key)
    if value is None or value == "":
        if required:
            raise RowError(f"missing {key}")
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
    value = row.get(key)
    if type(value) is str and value in allowed:
        return value
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
) -> str | None:
    """A CNY amount (number or string) to the fen, as the exact decimal text stored ("12.50").

    The text is what Decimal gives for the amount quantized to the fen, so every database keeps
    the same digits; a float whose shortest form has at most two decimals is taken as written.
    """
    value = _req(row, key) if required else row.get(key)
    if value is None:
        return None
    if type(value) is float:  # the common case, checked without building a Decimal first
        if value != value or value in _INFINITIES:
            raise RowError(f"{key} is not a finite number")
        if value < 0 and not negative:
            raise RowError(f"{key} must not be negative")
        if not -1e17 < value < 1e17:
            raise RowError(f"{key} is implausibly large")
        return fen_text(value)
    return str(_money_slow(value, key, negative))


def fen_text(value: float) -> str:
    """A finite float's amount to the fen as text: str(Decimal(repr(value)).quantize(CENT))."""
    text = repr(value)
    if text[-3] == ".":
        return text
    if text[-2] == ".":
        return text + "0"
    return str(Decimal(text).quantize(CENT))


def _money_slow(value: Any, key: str, negative: bool) -> Decimal:
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
    if type(value) is not int and (isinstance(value, bool) or not isinstance(value, int)):
        raise RowError(f"{key} must be an integer")
    if not lo <= value <= hi:
        raise RowError(f"{key} {value} is outside {lo}..{hi}")
    return value  # type: ignore[no-any-return]


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


def extra(row: dict[str, Any], known: frozenset[str]) -> dict[str, Any]:
    """Unknown fields, kept as they came, in key order (the same fact written with its fields
    in another order is the same fact)."""
    found = [k for k in row if k not in known]
    if len(found) > 1:
        found.sort()
    return {k: row[k] for k in found}


def account(row: dict[str, Any], key: str) -> dict[str, str] | None:
    """An optional bank account on record: `{"bank": ..., "account": ...}`, both non-empty."""
    value = row.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise RowError(f"{key} must be an object with bank and account")
    out: dict[str, str] = {}
    for part, max_len in (("bank", 100), ("account", 64)):
        text_value = value.get(part)
        if not isinstance(text_value, str) or not text_value.strip():
            raise RowError(f"{key} needs a non-empty {part}")
        if len(text_value) > max_len:
            raise RowError(f"{key} {part} longer than {max_len} characters")
        out[part] = text_value
    if len(value) > 2:
        raise RowError(f"{key} holds only bank and account")
    return out


def uscc_field(row: dict[str, Any], key: str, ctx: Context) -> str:
    """A USCC whose GB 32100-2015 check character is right."""
    value = text(row, key)
    assert value is not None
    if not _checked_uscc(value):
        raise RowError(f"{key} {value!r} is not a valid USCC (check character or format)")
    return value


@lru_cache(maxsize=1 << 18)
def _checked_uscc(code: str) -> bool:
    """The check of a code, remembered: the same enterprises come back in every file."""
    return is_valid_uscc(code)


# ---- reading -------------------------------------------------------------------------------


def read_lines(path: Path) -> Iterator[Line]:
    """Yield (line number, object) or (line number, error text) for each non-blank line."""
    with path.open(encoding="utf-8", errors="strict") as fh:
        yield from decode_lines(fh)


def decode_lines(lines: Iterable[str]) -> Iterator[Line]:
    """(line number, object) or (line number, error text) for each line that is not blank."""
    scan_once = json.decoder.JSONDecoder().scan_once  # type: ignore[attr-defined]  # json.loads, bare
    for number, line in enumerate(lines, start=1):
        try:
            obj, end = scan_once(line, 0)
            if end != len(line) and not line[end:].isspace():
                raise ValueError("extra data")
        except (StopIteration, ValueError):  # anything unusual: json.loads says what
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                if not line.strip():
                    continue
                yield number, f"malformed JSON: {exc.msg} at column {exc.colno}"
                continue
        if type(obj) is not dict:
            yield number, "a line must be a JSON object"
            continue
        yield number, obj
