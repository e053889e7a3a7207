from __future__ import annotations

import dataclasses
import hashlib
import io
from datetime import date
from decimal import Decimal
from typing import Any

import pypdf
import pytest

from domain.contracts import (
    PledgedPatent,
    ScheduleRow,
    amount_in_chinese,
    create_contract_document,
    render_contract_pdf,
)
from domain.contracts.document import format_money, format_rate
from domain.errors import InvalidInput
from tests.domain.contracts.helpers import BANK, BORROWER, USCC, make_terms


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def _compact(text: str) -> str:
    # Table cells wrap: compare without whitespace.
    return "".join(text.split())


def test_contract_states_parties_money_and_patents(unsigned_pdf: bytes) -> None:
    assert unsigned_pdf.startswith(b"%PDF-")
    text = _compact(_text(unsigned_pdf))
    terms = make_terms()
    for expected in (
        "知识产权质押贷款合同",
        terms.contract_number,
        BANK,
        BORROWER,
        USCC,
        "科技贷不用等",
        "1,000,000.00",
        "人民币壹佰万元整",
        "4.35%",
        "12个月",
        "等额本金",
        "ZL202310123456.7",
        "一种量子密钥分发装置",
        "800,000.00",
        "ZL202110000001.X",
        "量子随机数发生器",
        "贷款人（甲方）",
        "借款人（乙方）",
        "电子签名",
        "争议解决",
    ):
        assert expected in text, expected


def test_contract_lists_every_installment(unsigned_pdf: bytes) -> None:
    text = _compact(_text(unsigned_pdf))
    terms = make_terms()
    for row in terms.schedule:
        line = (
            f"{row.number}{row.due_on.isoformat()}{format_money(row.principal)}"
            f"{format_money(row.interest)}{format_money(row.total)}"
        )
        assert line in text, line
    totals = format_money(terms.total_principal) + format_money(terms.total_interest)
    assert totals in text


def test_long_schedule_spans_pages_without_losing_rows() -> None:
    terms = make_terms(months=60, term_months=60)
    pdf = render_contract_pdf(terms)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 3
    text = _compact(_text(pdf))
    assert all(row.due_on.isoformat() in text for row in terms.schedule)
    # The table header repeats on the page the schedule continues on.
    assert text.count("到期日Duedate") >= 2


def test_same_terms_give_the_same_bytes() -> None:
    first, digest = create_contract_document(make_terms())
    second, again = create_contract_document(make_terms())
    assert first == second
    assert digest == again == hashlib.sha256(first).hexdigest()


def test_any_term_change_changes_the_document() -> None:
    base = make_terms()
    changed = dataclasses.replace(base, annual_rate=Decimal("0.0436"))
    assert render_contract_pdf(base) != render_contract_pdf(changed)


def test_markup_characters_in_names_are_printed_verbatim() -> None:
    name = "A&B <量子> 科技有限公司"
    text = _compact(_text(render_contract_pdf(make_terms(borrower_name=name))))
    assert _compact(name) in text


def test_contract_without_patents_says_so() -> None:
    text = _compact(_text(render_contract_pdf(make_terms(patents=()))))
    assert "无None" in text


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0", "人民币零元整"),
        ("0.05", "人民币伍分"),
        ("0.50", "人民币伍角"),
        ("1.05", "人民币壹元零伍分"),
        ("10", "人民币壹拾元整"),
        ("10.50", "人民币壹拾元伍角"),
        ("105", "人民币壹佰零伍元整"),
        ("1005000", "人民币壹佰万伍仟元整"),
        ("10010000", "人民币壹仟零壹万元整"),
        ("100000001", "人民币壹亿零壹元整"),
        ("1234567.89", "人民币壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
        ("30000000.00", "人民币叁仟万元整"),
    ],
)
def test_amount_in_chinese_capitals(amount: str, words: str) -> None:
    assert amount_in_chinese(Decimal(amount)) == words


@pytest.mark.parametrize(
    ("rate", "text"),
    [("0.0435", "4.35%"), ("0.05", "5.00%"), ("0.03875", "3.875%"), ("0.123456", "12.3456%")],
)
def test_rate_is_printed_as_a_percentage(rate: str, text: str) -> None:
    assert format_rate(Decimal(rate)) == text


def _rows(*amounts: str) -> tuple[ScheduleRow, ...]:
    return tuple(
        ScheduleRow(n, date(2026, n + 1, 1), Decimal(a), Decimal("10.00"))
        for n, a in enumerate(amounts, start=1)
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {"schedule": ()},
        {"principal": Decimal("999999.99")},  # schedule repays more than the principal
        {"principal": Decimal("0"), "schedule": _rows("0.00")},
        {"principal": Decimal("100.001"), "schedule": _rows("100.001")},
        {"principal": Decimal("100.00"), "schedule": _rows("60.00", "40.00")[::-1]},
        {
            "principal": Decimal("100.00"),
            "schedule": (
                ScheduleRow(1, date(2026, 2, 1), Decimal("60.00"), Decimal("1.00")),
                ScheduleRow(3, date(2026, 3, 1), Decimal("40.00"), Decimal("1.00")),
            ),
        },
        {"principal": Decimal("100.00"), "schedule": _rows("110.00", "-10.00")},
        {"annual_rate": Decimal("0")},
        {"annual_rate": Decimal("4.35")},  # a percentage where a fraction is expected
        {"term_months": 0},
        {"borrower_uscc": " "},
        {"patents": (PledgedPatent("ZL1", "a"), PledgedPatent("ZL1", "b"))},
    ],
)
def test_inconsistent_terms_are_rejected(overrides: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        make_terms(**overrides)
