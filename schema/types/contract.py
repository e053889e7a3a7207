"""Contracts, their signatures and their verification as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

import resolvers.contract
from db import models as m
from resolvers.ids import encode_id
from schema.errors import UserError
from schema.fields import opaque_id

if TYPE_CHECKING:
    from schema.types.application import LoanApplication


@strawberry.type(description="A certificate behind a signature or its timestamp.")
class CertificateCheck:
    role: str = strawberry.field(description="SIGNER, TSA or CA.")
    subject: str = strawberry.field(description="Whom it names.")
    serial: str = strawberry.field(description="Serial number (hex).")
    valid_from: datetime = strawberry.field(description="Start of its validity.")
    valid_until: datetime = strawberry.field(description="End of its validity.")
    status: str = strawberry.field(
        description="GOOD, REVOKED or UNTRUSTED, as of the signing time the timestamp proves."
    )
    revocation_checked: bool = strawberry.field(
        description="A revocation list embedded in the document was consulted for it."
    )


@strawberry.type(description="A signature on a contract.")
class Signature:
    signer: str = strawberry.field(description="Who signed (certificate subject).")
    signed_at: datetime = strawberry.field(description="When, as the signer states it.")
    valid: bool = strawberry.field(description="Cryptographically valid and trusted.")
    level: str | None = strawberry.field(
        default=None,
        description="PAdES level: B-B, B-T (timestamped) or B-LT (and validation data).",
    )
    timestamp: datetime | None = strawberry.field(
        default=None, description="The time a trusted time-stamping authority certified."
    )
    certificates: list[CertificateCheck] = strawberry.field(
        default_factory=list, description="The signer's and the timestamp's certificates."
    )


def _download_url(root: strawberry.Parent[m.Contract]) -> str:
    return f"/contracts/{encode_id('Contract', root.id)}.pdf"


def _signatures(root: strawberry.Parent[m.Contract]) -> list[resolvers.contract.Signature]:
    return [
        resolvers.contract.Signature(
            signer=str(s.get("signer")),
            signed_at=datetime.fromisoformat(str(s.get("signed_at"))),
            valid=bool(s.get("valid", True)),
        )
        for s in root.signatures or []
    ]


@strawberry.type(description="A loan contract and its signatures.")
class Contract:
    id: strawberry.ID = opaque_id("Contract")
    status: str = strawberry.field(description="GENERATED, BORROWER_SIGNED or SIGNED.")
    sha256: str = strawberry.field(description="Hash of the current PDF.")
    download_url: str = strawberry.field(
        resolver=_download_url, description="Where parties and staff download the PDF."
    )
    signatures: list[Signature] = strawberry.field(
        resolver=_signatures, description="Signatures so far."
    )
    application: Annotated[LoanApplication, strawberry.lazy("schema.types.application")] = (
        strawberry.field(
            resolver=resolvers.contract.contract_application,
            description="The application it belongs to.",
        )
    )


@strawberry.type(description="The result of a contract operation.")
class ContractPayload:
    contract: Contract | None = strawberry.field(description="The contract.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Whether a contract PDF is untouched and properly signed.")
class ContractVerification:
    intact: bool = strawberry.field(description="Unchanged since signing, every signature valid.")
    signatures: list[Signature] = strawberry.field(description="Each signature's check.")
    detail: str = strawberry.field(description="A sentence for people.")
    level: str | None = strawberry.field(
        default=None, description="The lowest PAdES level among the signatures."
    )


__all__ = ["CertificateCheck", "Contract", "ContractPayload", "ContractVerification", "Signature"]
