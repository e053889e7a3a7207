"""The gate in front of outside data: consent checks, the loan contract's monitoring clause,
and the data-access log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from db.models import (
    AuditEntry,
    ConsentPurpose,
    Contract,
    DataAccess,
    DataSource,
    Loan,
    LoanApplication,
    LoanProduct,
)
from domain.consent.access import pull, require_consent
from domain.contracts import render_contract_pdf
from domain.errors import InvalidInput, NoConsent
from domain.products import seed_products
from domain.providers.base import ProviderError
from tests.domain.consent.helpers import Firm, MemoryProvider, make_firm, signed_consent
from tests.domain.contracts.helpers import make_terms

APP = ConsentPurpose.APPLICATION
MON = ConsentPurpose.MONITORING
SOME = (DataSource.REGISTRATION, DataSource.TAX)


@pytest.fixture
async def firm(db: str, data_dir: Path) -> Firm:
    return await make_firm()


async def _log() -> list[DataAccess]:
    return await DataAccess.all().order_by("id")


async def test_pull_without_consent_is_refused_and_fetches_nothing(firm: Firm) -> None:
    provider = MemoryProvider()
    with pytest.raises(NoConsent) as caught:
        await pull(enterprise_id=firm.enterprise.id, sources=SOME, purpose=APP,
                   actor="system:assess", provider=provider)  # fmt: skip
    assert caught.value.code == "NO_CONSENT"
    assert provider.calls == []
    rows = await _log()
    assert [(r.source, r.outcome, r.consent_id) for r in rows] == [
        (DataSource.REGISTRATION, "REFUSED", None),
        (DataSource.TAX, "REFUSED", None),
    ]
    assert await AuditEntry.filter(action="data.pull_refused").count() == 1


async def test_pull_under_consent_logs_each_source(firm: Firm) -> None:
    consent = await signed_consent(firm.enterprise, firm.applicant)
    provider = MemoryProvider()
    rows = await pull(enterprise_id=firm.enterprise.id, sources=[*SOME, "TAX"], purpose=APP,
                      actor=firm.officer, provider=provider)  # fmt: skip
    assert rows["sources"] == [{"source": "REGISTRATION"}, {"source": "TAX"}]
    assert provider.calls == [(firm.enterprise.uscc, SOME)]
    log = await _log()
    assert [(r.source, r.outcome, r.basis, r.consent_id, r.purpose) for r in log] == [
        (DataSource.REGISTRATION, "OK", "CONSENT", consent.id, APP),
        (DataSource.TAX, "OK", "CONSENT", consent.id, APP),
    ]
    assert {r.actor for r in log} == {f"user:{firm.officer.email}"}


async def test_partial_consent_refuses_only_what_is_missing(firm: Firm) -> None:
    await signed_consent(firm.enterprise, firm.applicant, sources=[DataSource.REGISTRATION])
    provider = MemoryProvider()
    with pytest.raises(NoConsent, match="TAX"):
        await pull(enterprise_id=firm.enterprise.id, sources=SOME, purpose=APP,
                   actor="system:assess", provider=provider)  # fmt: skip
    assert provider.calls == []
    assert [(r.source, r.outcome) for r in await _log()] == [(DataSource.TAX, "REFUSED")]


async def test_two_consents_together_cover_a_pull(firm: Firm) -> None:
    first = await signed_consent(firm.enterprise, firm.applicant, sources=[DataSource.TAX])
    second = await signed_consent(
        firm.enterprise, firm.applicant, sources=[DataSource.REGISTRATION]
    )
    await pull(enterprise_id=firm.enterprise.id, sources=SOME, purpose=APP,
               actor="system:assess", provider=MemoryProvider())  # fmt: skip
    by_source = {r.source: r.consent_id for r in await _log()}
    assert by_source == {DataSource.REGISTRATION: second.id, DataSource.TAX: first.id}
    assert (await require_consent(firm.enterprise.id, SOME, APP)).id == second.id


@pytest.mark.parametrize("flaw", ["revoked", "expired", "future", "unsigned", "purpose"])
async def test_consents_that_do_not_count(firm: Firm, flaw: str) -> None:
    today = datetime.now(UTC).date()
    consent = await signed_consent(firm.enterprise, firm.applicant)
    if flaw == "revoked":
        consent.revoked_at, consent.revoked_by = datetime.now(UTC), "user:someone"
    elif flaw == "expired":
        consent.valid_from, consent.valid_until = today - timedelta(days=30), today - timedelta(1)
    elif flaw == "future":
        consent.valid_from = today + timedelta(days=1)
    elif flaw == "unsigned":
        consent.signed_at = None
    else:
        consent.purposes = [MON.value]
    await consent.save()
    with pytest.raises(NoConsent):
        await require_consent(firm.enterprise.id, SOME, APP)
    with pytest.raises(NoConsent):
        await pull(enterprise_id=firm.enterprise.id, sources=SOME, purpose=APP,
                   actor="system:assess", provider=MemoryProvider())  # fmt: skip


async def test_consent_valid_through_its_last_day(firm: Firm) -> None:
    today = datetime.now(UTC).date()
    consent = await signed_consent(firm.enterprise, firm.applicant, valid_until=today)
    assert (await require_consent(firm.enterprise.id, ["TAX"], "APPLICATION")).id == consent.id


async def test_provider_failure_is_logged_and_propagates(firm: Firm) -> None:
    await signed_consent(firm.enterprise, firm.applicant)
    provider = MemoryProvider(fail_with=ProviderError("timed out", source=DataSource.TAX))
    with pytest.raises(ProviderError):
        await pull(enterprise_id=firm.enterprise.id, sources=SOME, purpose=APP,
                   actor="system:assess", provider=provider)  # fmt: skip
    log = await _log()
    assert [(r.source, r.outcome) for r in log] == [
        (DataSource.REGISTRATION, "FAILED"),
        (DataSource.TAX, "FAILED"),
    ]
    assert all("TAX: timed out" in (r.detail or "") for r in log)
    assert await AuditEntry.filter(action="data.pull_failed").count() == 1


async def test_bad_requests_write_nothing(firm: Firm) -> None:
    await signed_consent(firm.enterprise, firm.applicant)
    for sources, purpose in ((["NOPE"], APP), ([], APP), (SOME, "SPYING")):
        with pytest.raises(InvalidInput):
            await pull(enterprise_id=firm.enterprise.id, sources=sources, purpose=purpose,
                       actor="system:assess", provider=MemoryProvider())  # fmt: skip
    assert await _log() == []


async def _loan(firm: Firm, data_dir: Path, *, clause: bool) -> Loan:
    await seed_products()
    product = await LoanProduct.get(code="IPCREDIT_IP_PLEDGE")
    application = await LoanApplication.create(
        enterprise_id=firm.enterprise.id, product_id=product.id, created_by_id=firm.applicant.user_id,
        amount=Decimal("500000"), term_months=12, status="DISBURSED",
    )  # fmt: skip
    pdf = render_contract_pdf(make_terms())
    if not clause:  # a contract rendered before the clause existed
        pdf = pdf.replace(b"ipcredit-clause:post-loan-monitoring/1", b"")
    name = f"contracts/a{application.id}-s-{'with' if clause else 'without'}.pdf"
    (data_dir / "contracts").mkdir(exist_ok=True)
    (data_dir / name).write_bytes(pdf)
    contract = await Contract.create(
        application_id=application.id, status="SIGNED", path=name, sha256="0" * 64
    )
    return await Loan.create(
        enterprise_id=firm.enterprise.id, application_id=application.id, contract_id=contract.id,
        principal=Decimal("500000"), outstanding=Decimal("500000"), annual_rate=Decimal("0.04"),
        repayment_method="EQUAL_INSTALLMENT", disbursed_at=datetime.now(UTC), disbursed_by="x",
    )  # fmt: skip


async def test_monitoring_continues_under_the_loan_contract(firm: Firm, data_dir: Path) -> None:
    consent = await signed_consent(firm.enterprise, firm.applicant, purposes=[APP, MON])
    await _loan(firm, data_dir, clause=True)
    consent.revoked_at = datetime.now(UTC)
    await consent.save()
    rows = await pull(enterprise_id=firm.enterprise.id, sources=SOME, purpose=MON,
                      actor="system:sweep", provider=MemoryProvider())  # fmt: skip
    assert rows["sources"]
    log = await _log()
    assert [(r.outcome, r.basis, r.consent_id) for r in log] == [("OK", "LOAN_CONTRACT", None)] * 2
    with pytest.raises(NoConsent):  # no new application pulls after the revocation
        await pull(enterprise_id=firm.enterprise.id, sources=SOME, purpose=APP,
                   actor="system:assess", provider=MemoryProvider())  # fmt: skip


async def test_monitoring_prefers_a_consent_over_the_contract(firm: Firm, data_dir: Path) -> None:
    consent = await signed_consent(firm.enterprise, firm.applicant, purposes=[MON])
    await _loan(firm, data_dir, clause=True)
    await pull(enterprise_id=firm.enterprise.id, sources=SOME, purpose=MON,
               actor="system:sweep", provider=MemoryProvider())  # fmt: skip
    assert {(r.basis, r.consent_id) for r in await _log()} == {("CONSENT", consent.id)}


async def test_no_monitoring_without_clause_or_outstanding_loan(firm: Firm, data_dir: Path) -> None:
    loan = await _loan(firm, data_dir, clause=False)
    with pytest.raises(NoConsent):
        await pull(enterprise_id=firm.enterprise.id, sources=SOME, purpose=MON,
                   actor="system:sweep", provider=MemoryProvider())  # fmt: skip
    await Loan.filter(id=loan.id).update(status="CLOSED", outstanding=Decimal(0))
    await _loan(firm, data_dir, clause=True)
    await pull(enterprise_id=firm.enterprise.id, sources=SOME, purpose=MON,
               actor="system:sweep", provider=MemoryProvider())  # fmt: skip
    repaid = await Loan.filter(status="ACTIVE").first()
    assert repaid is not None
    await Loan.filter(id=repaid.id).update(status="CLOSED", outstanding=Decimal(0))
    with pytest.raises(NoConsent):
        await pull(enterprise_id=firm.enterprise.id, sources=SOME, purpose=MON,
                   actor="system:sweep", provider=MemoryProvider())  # fmt: skip
