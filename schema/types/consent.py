"""Data authorisations and the data-access log as the API shows them."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

import resolvers.consent
from db import models as m
from domain.consent.access import Outcome
from domain.consent.coverage import Basis
from domain.consent.reads import ConsentState as DomainConsentState
from schema.errors import UserError
from schema.fields import opaque_id

DataSource = strawberry.enum(
    m.DataSource, name="DataSource", description="An outside source of data about an enterprise."
)
ConsentPurpose = strawberry.enum(
    m.ConsentPurpose,
    name="ConsentPurpose",
    description="Why the bank may pull data: to decide applications, or to monitor a loan.",
)
ConsentState = strawberry.enum(
    DomainConsentState, name="ConsentState", description="Where a consent stands today."
)
DataAccessOutcome = strawberry.enum(
    Outcome, name="DataAccessOutcome", description="How a pull of one source ended."
)
AccessBasis = strawberry.enum(
    Basis,
    name="AccessBasis",
    description="What allowed a pull: a consent, or the loan contract's monitoring clause.",
)


@strawberry.type(description="A signed data authorisation (数据授权) of an enterprise.")
class Consent:
    id: strawberry.ID = opaque_id("Consent")
    sources: list[DataSource] = strawberry.field(description="The sources it covers.")  # type: ignore[valid-type]
    purposes: list[ConsentPurpose] = strawberry.field(description="The purposes it covers.")  # type: ignore[valid-type]
    valid_from: date = strawberry.field(description="First day it is valid.")
    valid_until: date = strawberry.field(description="Last day it is valid.")
    signed_at: datetime | None = strawberry.field(description="When the enterprise signed it.")
    revoked_at: datetime | None = strawberry.field(description="When it was revoked, if it was.")
    document_sha256: str | None = strawberry.field(
        description="SHA-256 of the signed authorisation PDF."
    )
    state: ConsentState = strawberry.field(  # type: ignore[valid-type]
        resolver=resolvers.consent.consent_state, description="Where it stands today."
    )


@strawberry.type(description="One pull (or refused pull) of one source of outside data.")
class DataAccessEntry:
    id: strawberry.ID = opaque_id("DataAccess")
    at: datetime = strawberry.field(description="When.")
    source: DataSource = strawberry.field(description="The source pulled.")  # type: ignore[valid-type]
    purpose: ConsentPurpose = strawberry.field(description="What for.")  # type: ignore[valid-type]
    actor: str = strawberry.field(
        description='Who pulled: "bank" or a staff role for the bank, a colleague\'s email.'
    )
    outcome: DataAccessOutcome = strawberry.field(description="How it ended.")  # type: ignore[valid-type]
    basis: AccessBasis = strawberry.field(description="What allowed it.")  # type: ignore[valid-type]
    consent_id: strawberry.ID | None = strawberry.field(
        resolver=resolvers.consent.entry_consent_id,
        description="The consent it was made under; null for the loan contract or a refusal.",
    )
    detail: str | None = strawberry.field(
        description="Why it failed or was refused (bank staff only; null for applicants)."
    )


@strawberry.input(description="A data authorisation to grant and sign.")
class GrantConsentInput:
    sources: list[DataSource] = strawberry.field(description="Sources, at least one.")  # type: ignore[valid-type]
    purposes: list[ConsentPurpose] = strawberry.field(description="Purposes, at least one.")  # type: ignore[valid-type]
    valid_until: date = strawberry.field(
        description="Last day it is valid: after today, within a year."
    )
    otp: str | None = strawberry.field(
        default=None,
        description="A one-time code of the signer's second factor: the authorisation is "
        "signed under a certificate issued for this signature only.",
    )


@strawberry.type(description="The result of granting or revoking a consent.")
class ConsentPayload:
    consent: Consent | None = strawberry.field(description="The consent.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


__all__ = [
    "AccessBasis",
    "Consent",
    "ConsentPayload",
    "ConsentPurpose",
    "ConsentState",
    "DataAccessEntry",
    "DataAccessOutcome",
    "DataSource",
    "GrantConsentInput",
]
