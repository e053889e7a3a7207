"""Amounts and rates as they come in: finite, in range, to the fen; anything else is INVALID_INPUT.

Input reaches the domain as text or as a `Decimal` the API parsed from any numeric literal, so
"1e30", "NaN", "Infinity" and "-0.5" all arrive looking like numbers. Every check here runs
before any arithmetic that could raise (quantizing 1E+30 to the fen overflows the decimal
context), so an absurd value is a validation error and never a server error.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from domain.errors import InvalidInput

CENT = Decimal("0.01")
# the largest amount a DECIMAL(20, 2) column holds is below 1e18; nothing we lend comes near
MAX_AMOUNT = Decimal("1000000000000")  # one trillion CNY
# an annual rate as a fraction (0.0395 is 3.95 %); above 36 % is usury in Chinese courts
MAX_RATE = Decimal("0.36")
RATE_PLACES = Decimal("0.000001")


def _decimal(value: Decimal | str | int, *, field: str, what: str) -> Decimal:
    """`value` as a finite Decimal, else INVALID_INPUT naming `field`."""
    if isinstance(value, bool) or not isinstance(value, Decimal | str | int):
        raise InvalidInput(f"{what} must be a number", field=field)
    text = value if isinstance(value, Decimal) else str(value).strip()
    if isinstance(text, str) and len(text) > 64:
        raise InvalidInput(f"{what} is too long to be a number", field=field)
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{what} is not a number", field=field) from None
    if not number.is_finite():
        raise InvalidInput(f"{what} must be a finite number", field=field)
    return number


def parse_amount(
    value: Decimal | str | int,
    *,
    field: str = "amount",
    minimum: Decimal = CENT,
    maximum: Decimal = MAX_AMOUNT,
) -> Decimal:
    """An amount of money in CNY: finite, at most two decimals, within [minimum, maximum]."""
    amount = _decimal(value, field=field, what=field)
    if amount < minimum:
        raise InvalidInput(f"{field} must be at least {minimum}", field=field)
    if amount > maximum:
        raise InvalidInput(f"{field} must be at most {maximum}", field=field)
    # in range, so quantizing cannot overflow
    if amount != amount.quantize(CENT):
        raise InvalidInput(f"{field} must have at most two decimals", field=field)
    return amount.quantize(CENT)


def parse_rate(
    value: Decimal | str | int | float,
    *,
    field: str = "annualRate",
    maximum: Decimal = MAX_RATE,
) -> Decimal:
    """An annual rate as a fraction: finite, 0 < rate <= maximum, at most six decimals."""
    raw = repr(value) if isinstance(value, float) else value
    rate = _decimal(raw, field=field, what=field)
    if rate <= 0 or rate > maximum:
        raise InvalidInput(f"{field} must be above 0 and at most {maximum}", field=field)
    if rate != rate.quantize(RATE_PLACES):
        raise InvalidInput(f"{field} must have at most six decimals", field=field)
    return rate


__all__ = ["CENT", "MAX_AMOUNT", "MAX_RATE", "parse_amount", "parse_rate"]
