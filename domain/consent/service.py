"""Granting and revoking data authorisations, by the enterprise's verified users.

A grant is validated, confirmed with a one-time code, rendered as a short PDF, signed under an
event certificate for the signing user (PAdES B-LT, as the borrower signs a contract), stored under the data directory, and recorded with its hash;
all or nothing, and audited. Revoking stops new application pulls at once; monitoring of an
outstanding loan continues under its contract's clause.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from tortoise.transactions import in_transaction

from db.models import Consent, ConsentPurpose, DataSource, Enterprise, Role, User
from db.models import VerificationStatus as VS
from domain import audit
from domain.accounts.principal import Principal
from domain.accounts.totp import check_otp
from domain.consent import signing
from domain.consent.coverage import normalise_sources, today_utc
from domain.consent.document import Authorisation, render_authorisation_pdf
from domain.contracts import EventSigner, sha256_hex
from domain.errors import Forbidden, InvalidInput, InvalidState, NotFound, Unverified

MAX_VALIDITY = timedelta(days=366)


async def verified_member(principal: Principal) -> User:
    """The caller's account if it is a verified user of its enterprise (read fresh)."""
    if principal.role != Role.APPLICANT or principal.enterprise_id is None:
        raise Forbidden("only the enterprise's own users manage its data authorisations")
    user = await User.get_or_none(id=principal.user_id)
    if user is None or user.enterprise_id != principal.enterprise_id:  # type: ignore[attr-defined]
        raise Forbidden("only the enterprise's own users manage its data authorisations")
    if user.verification != VS.VERIFIED:
        raise Unverified("the account must be verified for its enterprise first")
    return user


def checked_grant(
    sources: Iterable[DataSource | str],
    purposes: Iterable[ConsentPurpose | str],
    valid_until: date,
    *,
    today: date,
) -> tuple[list[DataSource], list[ConsentPurpose]]:
    """Sources and purposes without duplicates, in a fixed order; InvalidInput when a list is
    empty or unknown, or the end date is not within the next year."""
    try:
        wanted = normalise_sources(sources)
    except ValueError as exc:
        raise InvalidInput(f"unknown data source: {exc}", field="sources") from exc
    try:
        named = {ConsentPurpose(p) for p in purposes}
    except ValueError as exc:
        raise InvalidInput(f"unknown purpose: {exc}", field="purposes") from exc
    if not wanted:
        raise InvalidInput("name at least one data source", field="sources")
    if not named:
        raise InvalidInput("name at least one purpose", field="purposes")
    if valid_until <= today:
        raise InvalidInput("the end date must be in the future", field="validUntil")
    if valid_until > today + MAX_VALIDITY:
        raise InvalidInput("an authorisation is valid for one year at most", field="validUntil")
    return wanted, [p for p in ConsentPurpose if p in named]


async def grant_consent(
    *,
    principal: Principal,
    sources: Iterable[DataSource | str],
    purposes: Iterable[ConsentPurpose | str],
    valid_until: date,
    otp: str | None = None,
) -> Consent:
    """A signed data authorisation of the caller's enterprise, valid from today; the signer
    confirms with a one-time code of its second factor."""
    user = await verified_member(principal)
    today = today_utc()
    wanted, why = checked_grant(sources, purposes, valid_until, today=today)
    enterprise = await Enterprise.get(id=principal.enterprise_id)
    ca = signing.platform_ca()
    auth = Authorisation(
        number=f"AUTH-{today:%Y%m%d}-{uuid.uuid4().hex[:10].upper()}",
        issued_on=today,
        enterprise_name=enterprise.name,
        enterprise_uscc=enterprise.uscc,
        bank_name=ca.bank.subject_name,
        granted_by=principal.email,
        sources=tuple(wanted),
        purposes=tuple(why),
        valid_from=today,
        valid_until=valid_until,
    )
    await check_otp(user_id=user.id, code=otp, purpose="sign")
    signer = EventSigner(email=user.email, enterprise_name=enterprise.name, uscc=enterprise.uscc)
    signed = await asyncio.to_thread(
        lambda: signing.sign_authorisation(render_authorisation_pdf(auth), signer=signer, ca=ca)
    )
    digest = sha256_hex(signed)
    relative = await asyncio.to_thread(signing.store, auth.number, signed)
    try:
        return await _record_grant(principal, auth, relative, digest)
    except BaseException:
        signing.discard(relative)
        raise


async def _record_grant(
    principal: Principal, auth: Authorisation, relative: str, digest: str
) -> Consent:
    now = datetime.now(UTC)
    async with in_transaction() as conn:
        consent = await Consent.create(
            enterprise_id=principal.enterprise_id,
            granted_by_id=principal.user_id,
            sources=[s.value for s in auth.sources],
            purposes=[p.value for p in auth.purposes],
            valid_from=auth.valid_from,
            valid_until=auth.valid_until,
            document_path=relative,
            document_sha256=digest,
            signed_at=now,
            using_db=conn,
        )
        await audit.record(
            actor=f"user:{principal.email}",
            action="consent.grant",
            entity_type="consent",
            entity_id=consent.id,
            data={
                "enterprise_id": principal.enterprise_id,
                "number": auth.number,
                "sources": consent.sources,
                "purposes": consent.purposes,
                "valid_from": auth.valid_from.isoformat(),
                "valid_until": auth.valid_until.isoformat(),
                "sha256": digest,
            },
            connection=conn,
        )
    return consent


async def revoke_consent(*, principal: Principal, consent_id: int) -> Consent:
    """Revoke one of the caller's enterprise's consents; INVALID_STATE if it already is."""
    await verified_member(principal)
    consent = await Consent.get_or_none(id=consent_id, enterprise_id=principal.enterprise_id)
    if consent is None:
        raise NotFound("no such consent", field="id")
    now = datetime.now(UTC)
    by = f"user:{principal.email}"
    async with in_transaction() as conn:
        changed = (
            await Consent.filter(id=consent.id, revoked_at__isnull=True)
            .using_db(conn)
            .update(revoked_at=now, revoked_by=by)
        )
        if changed != 1:
            raise InvalidState("the consent is already revoked", field="id")
        await audit.record(
            actor=by,
            action="consent.revoke",
            entity_type="consent",
            entity_id=consent.id,
            data={"enterprise_id": principal.enterprise_id},
            connection=conn,
        )
    await consent.refresh_from_db()
    return consent
