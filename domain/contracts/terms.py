"""The terms a loan contract states: parties, money, schedule, pledged patents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.errors import InvalidInput

CENT = Decimal("0.01")

# The post-loan monitoring clause every loan contract carries: under it the bank may keep
# pulling the borrower's outside data for the life of the loan, even after the borrower revokes
# a data authorisation given for its application. The mark goes into the PDF's metadata so a
# stored contract can be recognised as carrying the clause.
MONITORING_CLAUSE_MARK = "ipcredit-clause:post-loan-monitoring/1"
MONITORING_CLAUSE = (
    "贷后数据授权：乙方不可撤销地授权甲方在本合同项下贷款存续期间（自放款之日起至乙方清偿全部债务之日止），"
    "为贷后管理与风险监测之目的，向工商登记、司法、税务、知识产权、财务报表及征信等数据提供方查询、"
    "获取并使用乙方的相关信息；乙方撤回为贷款申请出具的数据授权书的，不影响本条授权的效力。"
    "甲方对每次查询予以记录，乙方可随时查阅查询记录。"
    "(Post-loan monitoring: for the life of the loan the borrower irrevocably authorises the lender"
    " to query and use its registration, judicial, tax, patent, financial and credit-bureau data"
    " for post-loan monitoring; revoking a data authorisation given for the application does not"
    " affect this clause. Every query is logged and the borrower may read the log.)"
)


@dataclass(frozen=True)
class ScheduleRow:
    """One installment of the repayment schedule."""

    number: int
    due_on: date
    principal: Decimal
    interest: Decimal

    @property
    def total(self) -> Decimal:
        """Principal plus interest due on this installment."""
        return self.principal + self.interest


@dataclass(frozen=True)
class PledgedPatent:
    """A patent pledged as security, with its appraised value when known."""

    number: str
    title: str
    appraised_value: Decimal | None = None


@dataclass(frozen=True)
class ContractTerms:
    """Everything printed in a loan contract. `annual_rate` is a fraction: 0.0435 is 4.35 %."""

    contract_number: str
    issued_on: date
    lender_name: str
    borrower_name: str
    borrower_uscc: str
    product_name: str
    principal: Decimal
    annual_rate: Decimal
    term_months: int
    repayment_method: str
    schedule: tuple[ScheduleRow, ...]
    patents: tuple[PledgedPatent, ...]
    purpose: str = "企业日常生产经营周转"
    currency: str = "CNY"

    def __post_init__(self) -> None:
        for name in ("contract_number", "lender_name", "borrower_name", "borrower_uscc"):
            if not str(getattr(self, name)).strip():
                raise InvalidInput(f"{name} is required", field=name)
        _check_money("principal", self.principal, positive=True)
        if not Decimal(0) < self.annual_rate < Decimal(1):
            raise InvalidInput("annual_rate is a fraction between 0 and 1", field="annual_rate")
        if self.term_months <= 0:
            raise InvalidInput("term_months must be positive", field="term_months")
        if not self.schedule:
            raise InvalidInput("the repayment schedule is empty", field="schedule")
        previous: date | None = None
        for expected, row in enumerate(self.schedule, start=1):
            if row.number != expected:
                raise InvalidInput(
                    f"installment {expected} is missing or out of order", field="schedule"
                )
            if previous is not None and row.due_on <= previous:
                raise InvalidInput(
                    f"installment {row.number} is not after the one before", field="schedule"
                )
            previous = row.due_on
            _check_money("schedule principal", row.principal, positive=False)
            _check_money("schedule interest", row.interest, positive=False)
        if self.total_principal != self.principal:
            raise InvalidInput(
                f"the schedule repays {self.total_principal}, not the principal {self.principal}",
                field="schedule",
            )
        numbers = [p.number for p in self.patents]
        if len(set(numbers)) != len(numbers):
            raise InvalidInput("a patent is pledged twice", field="patents")
        for patent in self.patents:
            if patent.appraised_value is not None:
                _check_money("appraised_value", patent.appraised_value, positive=False)

    @property
    def total_principal(self) -> Decimal:
        """Sum of the principal over the schedule (equals `principal` once validated)."""
        return sum((row.principal for row in self.schedule), Decimal(0))

    @property
    def total_interest(self) -> Decimal:
        """Sum of the interest over the schedule."""
        return sum((row.interest for row in self.schedule), Decimal(0))


def _check_money(name: str, value: Decimal, *, positive: bool) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidInput(f"{name} must be a finite Decimal")
    if value < 0 or (positive and value == 0):
        raise InvalidInput(f"{name} must be {'positive' if positive else 'non-negative'}")
    if value != value.quantize(CENT):
        raise InvalidInput(f"{name} has more than two decimals")
