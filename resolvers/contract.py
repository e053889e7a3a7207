"""Contracts: accepting an offer, signing, verifying, and what a contract shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import strawberry
from strawberry.types import Info

from db import models as m
from domain.contracts import SignatureCheck
from domain.errors import DomainError
from domain.lending import contract as service
from resolvers.application import required_application
from resolvers.context import ctx
from resolvers.errors import PayloadError, payload
from resolvers.ids import decode_or_raise


@dataclass(frozen=True)
class ContractPayload:
    """A contract after an operation, or why the operation failed."""

    contract: m.Contract | None = None
    errors: list[PayloadError] = field(default_factory=list)


@dataclass(frozen=True)
class CertificateCheck:
    """One certificate behind a signature or its timestamp, as judged at the signing time."""

    role: str
    subject: str
    serial: str
    valid_from: datetime
    valid_until: datetime
    status: str
    revocation_checked: bool


@dataclass(frozen=True)
class Signature:
    """A signature as the API shows it."""

    signer: str
    signed_at: datetime
    valid: bool
    level: str | None = None
    timestamp: datetime | None = None
    certificates: list[CertificateCheck] = field(default_factory=list)


@dataclass(frozen=True)
class ContractVerification:
    """Whether a contract file is untouched and properly signed, in a sentence for people."""

    intact: bool
    signatures: list[Signature]
    detail: str
    level: str | None = None


async def verify_contract(info: Info, id: strawberry.ID) -> ContractVerification:
    """Check a contract file; a contract the caller may not see reads as not intact."""
    principal = ctx(info).require()
    try:
        pk = decode_or_raise(str(id), "Contract", message="no such contract")
        result = await service.verify_contract(principal=principal, contract_id=pk)
    except DomainError as exc:
        return ContractVerification(intact=False, signatures=[], detail=exc.message)
    return ContractVerification(
        intact=result.intact,
        signatures=[_signature(s) for s in result.signatures],
        detail=result.detail,
        level=result.level,
    )


def _signature(check: SignatureCheck) -> Signature:
    return Signature(
        signer=check.signer,
        signed_at=check.signed_at,
        valid=check.valid and check.trusted,
        level=check.level,
        timestamp=check.timestamp,
        certificates=[
            CertificateCheck(
                role=c.role,
                subject=c.subject,
                serial=c.serial,
                valid_from=c.valid_from,
                valid_until=c.valid_until,
                status=c.status,
                revocation_checked=c.revocation_checked,
            )
            for c in check.certificates
        ],
    )


async def accept_offer(info: Info, application_id: strawberry.ID) -> ContractPayload:
    """Accept an approved offer: the contract is generated."""
    principal = ctx(info).require()
    return await payload(
        ContractPayload,
        lambda: service.accept_offer(
            principal=principal,
            application_id=decode_or_raise(str(application_id), "LoanApplication", "applicationId"),
        ),
    )


async def sign_contract(info: Info, contract_id: strawberry.ID, otp: str) -> ContractPayload:
    """Sign with a one-time code: the borrower first, then the bank."""
    principal = ctx(info).require()
    return await payload(
        ContractPayload,
        lambda: service.sign_contract(
            principal=principal,
            contract_id=decode_or_raise(str(contract_id), "Contract", "contractId"),
            otp=otp,
        ),
    )


async def contract_application(
    root: strawberry.Parent[m.Contract], info: Info
) -> m.LoanApplication:
    """The application a contract belongs to (the caller may see it: it may see the contract)."""
    return await required_application(info, root.application_id)  # type: ignore[attr-defined]


__all__ = [
    "CertificateCheck",
    "ContractPayload",
    "ContractVerification",
    "Signature",
    "accept_offer",
    "contract_application",
    "sign_contract",
    "verify_contract",
]
