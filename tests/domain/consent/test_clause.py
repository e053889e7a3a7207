"""The loan contract carries the post-loan monitoring clause, recognisably even once signed."""

from __future__ import annotations

from pathlib import Path

from domain.consent.clause import has_monitoring_clause
from domain.contracts import (
    EventSigner,
    ensure_ca,
    render_contract_pdf,
    sign_as_bank,
    sign_as_borrower,
)
from domain.contracts.document import _clauses
from domain.contracts.terms import MONITORING_CLAUSE, MONITORING_CLAUSE_MARK
from tests.domain.contracts.helpers import BANK, BORROWER, USCC, make_terms


def test_contract_text_has_the_clause() -> None:
    clauses = _clauses(make_terms())
    assert MONITORING_CLAUSE in clauses
    assert "贷款存续期间" in MONITORING_CLAUSE and "撤回" in MONITORING_CLAUSE


async def test_signed_contract_is_recognised(tmp_path: Path, data_dir: Path) -> None:
    ca = ensure_ca(tmp_path / "ca", bank_name=BANK)
    signer = EventSigner(email="cfo@a.cn", enterprise_name=BORROWER, uscc=USCC)
    pdf = render_contract_pdf(make_terms())
    signed = sign_as_bank(sign_as_borrower(pdf, signer=signer, ca=ca), ca=ca)
    (data_dir / "contracts").mkdir()
    (data_dir / "contracts" / "signed.pdf").write_bytes(signed)
    (data_dir / "contracts" / "old.pdf").write_bytes(
        pdf.replace(MONITORING_CLAUSE_MARK.encode(), b"")
    )
    assert await has_monitoring_clause("contracts/signed.pdf")
    assert not await has_monitoring_clause("contracts/old.pdf")
    assert not await has_monitoring_clause("contracts/missing.pdf")
