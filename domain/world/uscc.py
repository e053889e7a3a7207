"""Unified Social Credit Codes (GB 32100-2015): check characters and validation.

A code is 18 characters from a 31-character alphabet (digits and capitals without I, O, Z, S, V):
registration authority (1), organisation type (1), administrative division (6), organisation code
(9, itself carrying a GB 11714 check character) and the check character (1).
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# Weight of position i is 3**i mod 31 (GB 32100-2015, 5.3).
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

# GB 11714-1997 organisation code: 8 characters (digits or capitals, A=10..Z=35) + check.
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def uscc_check_char(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters of a code."""
    if len(first17) != 17:
        raise ValueError(f"need 17 characters, got {len(first17)}")
    try:
        total = sum(VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    except KeyError as exc:
        raise ValueError(f"character {exc.args[0]!r} is not allowed in a USCC") from None
    return ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    """True when `code` is 18 allowed characters (upper case) with a correct check character."""
    if not isinstance(code, str) or len(code) != 18:
        return False
    if any(ch not in VALUE for ch in code):
        return False
    return uscc_check_char(code[:17]) == code[17]


def _org_value(ch: str) -> int:
    if ch.isdigit():
        return ord(ch) - 48
    if "A" <= ch <= "Z":
        return ord(ch) - 55
    raise ValueError(f"character {ch!r} is not allowed in an organisation code")


def org_code_check_char(first8: str) -> str:
    """The GB 11714 check character of an 8-character organisation code."""
    if len(first8) != 8:
        raise ValueError(f"need 8 characters, got {len(first8)}")
    c = 11 - sum(_org_value(ch) * w for ch, w in zip(first8, ORG_WEIGHTS, strict=True)) % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def has_valid_org_code(code: str) -> bool:
    """True when characters 9-17 of a USCC form an organisation code with a correct check."""
    if len(code) != 18:
        return False
    try:
        return org_code_check_char(code[8:16]) == code[16]
    except ValueError:
        return False
