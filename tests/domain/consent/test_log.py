"""The data-access log as the enterprise and staff read it: newest first, paged, and without
staff emails for applicants."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.models import ConsentPurpose, DataSource
from domain.consent.access import pull
from domain.consent.reads import access_log
from domain.errors import DomainError, NoConsent
from tests.domain.consent.helpers import Firm, MemoryProvider, make_firm, signed_consent


@pytest.fixture
async def firm(db: str, data_dir: Path) -> Firm:
    return await make_firm()


async def _pulls(firm: Firm) -> None:
    with pytest.raises(NoConsent):
        await pull(enterprise_id=firm.enterprise.id, sources=["TAX"], purpose="APPLICATION",
                   actor="system:assess", provider=MemoryProvider())  # fmt: skip
    await signed_consent(firm.enterprise, firm.applicant)
    await pull(enterprise_id=firm.enterprise.id, sources=["JUDICIAL"], purpose="APPLICATION",
               actor=firm.officer, provider=MemoryProvider())  # fmt: skip
    await pull(enterprise_id=firm.enterprise.id, sources=["PATENTS"], purpose="APPLICATION",
               actor=firm.applicant, provider=MemoryProvider())  # fmt: skip


async def test_applicants_see_roles_not_staff_emails(firm: Firm) -> None:
    await _pulls(firm)
    page = await access_log(principal=firm.applicant, enterprise_id=firm.enterprise.id, first=10,
                            count=True)  # fmt: skip
    assert page.total_count == 3
    assert [(e.source, e.actor, e.outcome) for e in page.rows] == [
        (DataSource.PATENTS, firm.applicant.email, "OK"),
        (DataSource.JUDICIAL, "LOAN_OFFICER", "OK"),
        (DataSource.TAX, "bank", "REFUSED"),
    ]
    assert all(e.detail is None for e in page.rows)
    assert all(e.purpose == ConsentPurpose.APPLICATION for e in page.rows)


async def test_staff_see_the_actor_as_logged(firm: Firm) -> None:
    await _pulls(firm)
    page = await access_log(principal=firm.officer, enterprise_id=firm.enterprise.id, first=10)
    assert page.total_count is None
    assert [e.actor for e in page.rows] == [
        f"user:{firm.applicant.email}",
        f"user:{firm.officer.email}",
        "system:assess",
    ]
    assert page.rows[-1].detail and "TAX" in page.rows[-1].detail


async def test_paging_newest_first(firm: Firm) -> None:
    await _pulls(firm)
    first = await access_log(principal=firm.applicant, enterprise_id=firm.enterprise.id, first=1)
    assert len(first.rows) == 2  # one more than asked: another page follows
    rest = await access_log(principal=firm.applicant, enterprise_id=firm.enterprise.id, first=5,
                            after_id=first.rows[0].id)  # fmt: skip
    assert [e.source for e in rest.rows] == [DataSource.JUDICIAL, DataSource.TAX]


async def test_log_readers(firm: Firm) -> None:
    for who, code in ((firm.unverified, "UNVERIFIED"), (firm.other, "FORBIDDEN")):
        with pytest.raises(DomainError) as caught:
            await access_log(principal=who, enterprise_id=firm.enterprise.id, first=5)
        assert caught.value.code == code
