"""Loans with their loan-book fields resolve with a constant number of SQL queries, whatever
the number of loans listed."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from db.models import Enterprise, LoanProduct, Role
from domain.loanbook.repayments import record_repayment
from domain.products import seed_products
from tests.factories import uscc
from tests.schema.helpers import count_queries, run
from tests.schema.loanbook_world import add_loan, make_user

LIST = """query($n: Int) { enterprises(first: $n) { edges { node { loans {
  id status daysPastDue classification classificationReason outstanding principalOutstanding
  interestOutstanding penaltyOutstanding feesOutstanding creditBalance closedThrough
  schedule { number paid }
  scheduleVersions { version current installments { number } }
  repayments(first: 2) { totalCount edges { cursor node { amount allocation { fees credit } } } }
  journal(first: 3) { totalCount edges { node { kind lines { account debit } } } }
  changes { kind status }
} } } } }"""


async def test_loan_list_query_count_is_constant(db: str) -> None:
    await seed_products()
    product = await LoanProduct.get(code="TECH_CREDIT")
    officer = await make_user("officer@bank.example", Role.LOAN_OFFICER)
    for i in range(8):
        firm = await Enterprise.create(uscc=uscc(600 + i), name=f"企业{i}", registered=True)
        borrower = await make_user(f"cfo{i}@firm.example", Role.APPLICANT, firm.id)
        loan = await add_loan(firm.id, product, borrower, amount="60000.00", term=3)
        await record_repayment(
            principal=officer, loan_id=loan.id, amount=Decimal("100.00"),
            received_at=datetime(2026, 1, 20, 2, tzinfo=UTC),
        )  # fmt: skip

    with count_queries() as small:
        few = await run(LIST, officer, n=2)
    with count_queries() as large:
        many = await run(LIST, officer, n=8)

    assert len(few["enterprises"]["edges"]) == 2
    assert len(many["enterprises"]["edges"]) == 8
    loans = [e["node"]["loans"][0] for e in many["enterprises"]["edges"]]
    assert all(loan["repayments"]["totalCount"] == 1 for loan in loans)
    assert all(loan["journal"]["edges"] for loan in loans)
    # one statement per list field and level, whatever the number of loans
    assert len(large) <= len(small) <= 9, "\n".join(small) + "\n-----\n" + "\n".join(large)
