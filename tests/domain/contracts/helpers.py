"""Contract terms for the contract tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.contracts import ContractTerms, PledgedPatent, ScheduleRow

BORROWER = "合肥量子科技有限公司"
USCC = "91340100MA2N0X1234"
BANK = "合肥科技农村商业银行"


def make_terms(months: int = 12, **overrides: object) -> ContractTerms:
    """Equal-principal terms over `months`, the last row taking the rounding remainder."""
    principal = Decimal("1000000.00")
    per = (principal / months).quantize(Decimal("0.01"))
    rows = []
    balance = principal
    for number in range(1, months + 1):
        part = per if number < months else principal - per * (months - 1)
        interest = (balance * Decimal("0.0435") / 12).quantize(Decimal("0.01"))
        year, month = divmod(number, 12)
        rows.append(ScheduleRow(number, date(2026 + year, month + 1, 15), part, interest))
        balance -= part
    fields: dict[str, object] = {
        "contract_number": "IPC-2026-000123",
        "issued_on": date(2026, 1, 10),
        "lender_name": BANK,
        "borrower_name": BORROWER,
        "borrower_uscc": USCC,
        "product_name": "科技贷不用等",
        "principal": principal,
        "annual_rate": Decimal("0.0435"),
        "term_months": months,
        "repayment_method": "EQUAL_PRINCIPAL",
        "schedule": tuple(rows),
        "patents": (
            PledgedPatent("ZL202310123456.7", "一种量子密钥分发装置", Decimal("800000.00")),
            PledgedPatent("ZL202110000001.X", "量子随机数发生器"),
        ),
    }
    fields.update(overrides)
    return ContractTerms(**fields)  # type: ignore[arg-type]
