"""Keys, certificates and signed contracts made once per test module (key generation is slow)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.contracts import (
    EventSigner,
    LocalCA,
    ensure_ca,
    render_contract_pdf,
    sign_as_bank,
    sign_as_borrower,
)
from tests.domain.contracts.helpers import BANK, BORROWER, USCC, make_terms


@pytest.fixture(scope="module")
def ca_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ca")


@pytest.fixture(scope="module")
def ca(ca_dir: Path) -> LocalCA:
    return ensure_ca(ca_dir, bank_name=BANK)


@pytest.fixture(scope="module")
def enterprise() -> EventSigner:
    return EventSigner(email="legal@quantum.example.cn", enterprise_name=BORROWER, uscc=USCC)


@pytest.fixture(scope="module")
def unsigned_pdf() -> bytes:
    return render_contract_pdf(make_terms())


@pytest.fixture(scope="module")
def borrower_signed(unsigned_pdf: bytes, ca: LocalCA, enterprise: EventSigner) -> bytes:
    return sign_as_borrower(unsigned_pdf, signer=enterprise, ca=ca)


@pytest.fixture(scope="module")
def fully_signed(borrower_signed: bytes, ca: LocalCA) -> bytes:
    return sign_as_bank(borrower_signed, ca=ca)


@pytest.fixture
def quiet_pyhanko() -> Iterator[None]:
    """Silence pyHanko, which logs a traceback for every untrusted or broken signature."""
    logging.disable(logging.ERROR)
    yield
    logging.disable(logging.NOTSET)
