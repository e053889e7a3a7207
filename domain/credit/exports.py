"""The subsidy claim statement as CSV and XLSX, and the regulator's report as XLSX
(openpyxl): the same figures the API returns, for the sponsor and the regulator."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from domain.credit.regulator import RegulatorReport, Segment
from domain.credit.subsidy_claims import Statement

STATEMENT_HEADER = ("loan_id", "enterprise", "uscc", "principal", "days", "amount")
SEGMENT_HEADER = (
    "segment", "borrowers", "loans", "balance", "npl_balance", "npl_ratio", "disbursed_loans",
    "disbursed_amount", "average_rate", "first_loans", "first_loan_amount",
)  # fmt: skip


def _statement_rows(s: Statement) -> list[Sequence[Any]]:
    claim = s.claim
    rows: list[Sequence[Any]] = [
        ("programme", s.programme.code, s.programme.name, s.programme.sponsor),
        ("quarter", s.quarter.label, s.quarter.start.isoformat(), s.quarter.end.isoformat()),
        ("subsidy_rate", s.programme.subsidy_rate),
        ("claim", claim.id if claim else "", claim.status if claim else "NOT_FILED"),
        (),
        STATEMENT_HEADER,
    ]
    for line in s.lines:
        rows.append(
            (line.loan_id, line.enterprise_name, line.uscc, line.principal, line.days, line.amount)
        )
    rows += [
        ("total", "", "", "", "", s.total),
        ("ledger_total", "", "", "", "", s.ledger_total),
        ("reconciled", "", "", "", "", "yes" if s.reconciled else "no"),
    ]
    return rows


def statement_csv(s: Statement) -> str:
    """The statement as CSV (amounts as written in the ledger, to the fen)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in _statement_rows(s):
        writer.writerow(["" if v is None else str(v) for v in row])
    return out.getvalue()


def _cell(value: Any) -> Any:
    """Money and ratios as numbers the spreadsheet sums (exact to the fen as decimals)."""
    return float(value) if isinstance(value, Decimal) else value


def _book(sheets: Sequence[tuple[str, list[Sequence[Any]]]]) -> bytes:
    book = Workbook()
    first = True
    for title, rows in sheets:
        sheet = book.active if first else book.create_sheet()
        assert sheet is not None
        sheet.title = title
        first = False
        for row in rows:
            sheet.append([_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def statement_xlsx(s: Statement) -> bytes:
    """The statement as an XLSX workbook (one sheet)."""
    return _book([("statement", _statement_rows(s))])


def _segment_row(seg: Segment) -> tuple[Any, ...]:
    return (
        seg.key, seg.borrowers, seg.loans, seg.balance, seg.npl_balance, seg.npl_ratio,
        seg.disbursed_loans, seg.disbursed_amount, seg.average_rate, seg.first_loans,
        seg.first_loan_amount,
    )  # fmt: skip


def regulator_xlsx(r: RegulatorReport) -> bytes:
    """The month's report as an XLSX workbook: the summary and the segments."""
    summary: list[Sequence[Any]] = [
        ("month", r.month),
        ("as_of", r.as_of.isoformat()),
        ("source", r.source),
        ("definition", r.definition),
        ("inclusive_balance", r.inclusive.balance),
        ("inclusive_balance_year_start", r.inclusive_balance_year_start),
        ("inclusive_growth", r.inclusive_growth),
        ("all_balance", r.all_loans.balance),
        ("all_balance_year_start", r.all_balance_year_start),
        ("all_growth", r.all_growth),
        ("growth_ok", r.growth_ok),
        ("inclusive_borrowers", r.inclusive.borrowers),
        ("inclusive_borrowers_year_start", r.inclusive_borrowers_year_start),
        ("borrowers_ok", r.borrowers_ok),
        ("inclusive_npl_ratio", r.inclusive.npl_ratio),
        ("inclusive_average_rate", r.inclusive.average_rate),
        ("first_loans", r.inclusive.first_loans),
        ("first_loan_amount", r.inclusive.first_loan_amount),
    ]
    segments = [SEGMENT_HEADER] + [_segment_row(seg) for seg in (r.all_loans, r.inclusive, *r.tech)]
    return _book([("summary", summary), ("segments", segments)])


__all__ = ["regulator_xlsx", "statement_csv", "statement_xlsx"]
