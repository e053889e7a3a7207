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


@strawberry.type(description="A signature on a contract.")
class Signature:
    signer: str = strawberry.field(description="Who signed (certificate subject).")
    signed_at: datetime = strawberry.field(description="When.")
    valid: bool = strawberry.field(description="Cryptographically valid and trusted.")


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


__all__ = ["Contract", "ContractPayload", "ContractVerification", "Signature"]
