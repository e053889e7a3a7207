"""USCC check characters (GB 32100-2015) and organisation-code checks (GB 11714)."""

from __future__ import annotations

import pytest

from domain.world.uscc import (
    has_valid_org_code,
    is_valid_uscc,
    org_code_check_char,
    uscc_check_char,
)

# Codes published on public business-licence records and the standard's own example.
PUBLISHED = [
    "914403001922038216",
    "9144030071526726XG",
    "91330100799655058B",
    "91110000802100433B",
    "91350100M000100Y43",
]


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code: str) -> None:
    assert is_valid_uscc(code)
    assert uscc_check_char(code[:17]) == code[17]
    assert has_valid_org_code(code)


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("914403001922038217", "wrong check character"),
        ("91440300192203821", "too short"),
        ("9144030019220382160", "too long"),
        ("9144030071526726xG", "lower case"),
        ("91440300I922038216", "letter I is outside the alphabet"),
        ("91440300O922038216", "letter O is outside the alphabet"),
        ("91440300S922038216", "letter S is outside the alphabet"),
        ("", "empty"),
    ],
)
def test_invalid_codes_are_rejected(code: str, why: str) -> None:
    assert not is_valid_uscc(code), why


def test_every_single_character_change_is_detected() -> None:
    code = PUBLISHED[1]
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for pos in range(18):
        for ch in alphabet:
            if ch != code[pos]:
                changed = code[:pos] + ch + code[pos + 1 :]
                assert not is_valid_uscc(changed), changed


def test_check_character_can_be_zero() -> None:
    # Search a prefix whose check is 0 to cover the (31 - 0) % 31 wrap-around.
    for n in range(1000):
        first17 = f"91340100{n:08d}0"
        if uscc_check_char(first17) == "0":
            assert is_valid_uscc(first17 + "0")
            return
    pytest.fail("no prefix with check character 0 found")


@pytest.mark.parametrize("bad", ["123", "9144030019220382I"])
def test_check_char_rejects_bad_input(bad: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        uscc_check_char(bad)


@pytest.mark.parametrize(
    ("first8", "check"),
    [("19220382", "1"), ("71526726", "X"), ("79965505", "8"), ("M000100Y", "4")],
)
def test_org_code_check_char(first8: str, check: str) -> None:
    assert org_code_check_char(first8) == check
