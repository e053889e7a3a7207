"""The guarantee contract's life: generated with the guarantee when a guaranteed line is
granted (`open_guarantee`), signed by the guarantor's staff as their institution with a
one-time code (`sign_guarantee`): the guarantee becomes ACTIVE."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from config import settings
from db.models import (
    Contract,
    CreditLine,
    Enterprise,
    Guarantee,
    GuaranteeProgramme,
    GuarantorInstitution,
    LoanApplication,
)
from domain import audit
from domain.accounts.principal import Principal
from domain.accounts.totp import check_otp
from domain.contracts import contract_path, load_contract, sha256_hex, store_contract
from domain.contracts.platform import platform_ca
from domain.credit.guarantee_contract import (
    GuaranteeTerms,
    render_guarantee_pdf,
    sign_as_guarantor,
)
from domain.credit.guarantees import GuaranteeStatus, get_guarantee_or_raise
from domain.errors import Conflict, InvalidState


async def open_guarantee(
    line: CreditLine,
    programme: GuaranteeProgramme,
    *,
    application: LoanApplication,
    actor: str,
    now: datetime,
    conn: BaseDBAsyncClient,
) -> Guarantee:
    """The guarantee of a newly granted line (PENDING_SIGNATURE) and its contract PDF (kind
    GUARANTEE, sequence 0), in the granting transaction; the file is written first and named
    uniquely, so a rolled-back grant leaves only an unreferenced file."""
    contract = await _generate_contract(line, programme, application, now=now, conn=conn)
    guarantee = await Guarantee.create(
        programme_id=programme.id,
        line_id=line.id,
        contract_id=contract.id,
        amount=line.limit,
        fee_rate=programme.fee_rate,
        fee_payer=programme.fee_payer,
        risk_shares=programme.risk_shares,
        status=GuaranteeStatus.PENDING_SIGNATURE.value,
        using_db=conn,
    )
    await audit.record(
        actor=actor,
        action="guarantee.open",
        entity_type="guarantee",
        entity_id=guarantee.id,
        data={"line_id": line.id, "programme": programme.code, "contract_id": contract.id,
              "amount": str(line.limit), "sha256": contract.sha256},
        connection=conn,
    )  # fmt: skip
    return guarantee


async def _generate_contract(
    line: CreditLine,
    programme: GuaranteeProgramme,
    application: LoanApplication,
    *,
    now: datetime,
    conn: BaseDBAsyncClient,
) -> Contract:
    institution = await GuarantorInstitution.get(id=programme.institution_id, using_db=conn)
    enterprise = await Enterprise.get(id=line.enterprise_id, using_db=conn)  # type: ignore[attr-defined]
    terms = GuaranteeTerms(
        contract_number=f"IPG-{now:%Y%m%d}-{application.id:08d}",
        issued_on=now.date(),
        lender_name=platform_ca().bank.subject_name,
        guarantor_name=institution.name,
        guarantor_code=institution.code,
        borrower_name=enterprise.name,
        borrower_uscc=enterprise.uscc,
        programme_name=programme.name,
        amount=Decimal(line.limit),
        line_valid_until=line.valid_until,
        fee_rate=Decimal(programme.fee_rate),
        fee_payer=programme.fee_payer,
        risk_shares={k: str(v) for k, v in programme.risk_shares.items()},
        trigger_days_past_due=programme.trigger_days_past_due,
        claim_deadline_days=programme.claim_deadline_days,
    )
    pdf = await asyncio.to_thread(render_guarantee_pdf, terms)
    file_id = await _store(application.id, "g", pdf)
    return await Contract.create(
        application_id=application.id,
        kind="GUARANTEE",
        sequence=0,
        status="GENERATED",
        path=f"contracts/{file_id}.pdf",
        sha256=sha256_hex(pdf),
        signatures=[],
        using_db=conn,
    )


async def ensure_guarantee(
    line: CreditLine, *, actor: str, now: datetime, conn: BaseDBAsyncClient
) -> Guarantee | None:
    """The line's guarantee, opened now when its programme asks for one and none exists yet
    (a line granted before the contract was generated with it); None for an unguaranteed
    line."""
    found = await Guarantee.get_or_none(line_id=line.id, using_db=conn)
    if found is not None or line.guarantee_programme_id is None:
        return found
    programme = await GuaranteeProgramme.get(id=line.guarantee_programme_id, using_db=conn)
    application = await LoanApplication.get(id=line.application_id, using_db=conn)
    return await open_guarantee(
        line, programme, application=application, actor=actor, now=now, conn=conn
    )


async def sign_guarantee(*, principal: Principal, guarantee_id: int, otp: str | None) -> Guarantee:
    """The guarantor's staff sign the guarantee contract with a one-time code of their second
    factor, as their institution under an event certificate issued for this signature: the
    guarantee becomes ACTIVE. INVALID_STATE unless it awaits the signature."""
    institution_id = principal.guarantor_institution_id()
    guarantee = await get_guarantee_or_raise(principal=principal, guarantee_id=guarantee_id)
    if guarantee.status != GuaranteeStatus.PENDING_SIGNATURE:
        raise InvalidState(f"the guarantee is {guarantee.status}; it cannot be signed now")
    now = datetime.now(UTC)
    if guarantee.contract_id is None:
        await _attach_contract(guarantee, now=now)
    contract = await Contract.get(id=guarantee.contract_id)
    await check_otp(user_id=principal.user_id, code=otp, purpose="sign")
    institution = await GuarantorInstitution.get(id=institution_id)
    ca = platform_ca()
    pdf = await asyncio.to_thread(load_contract, settings().data_dir, _file_id(contract))
    signed = await asyncio.to_thread(
        lambda: sign_as_guarantor(pdf, ca=ca, institution_name=institution.name,
                                  institution_code=institution.code, email=principal.email)
    )  # fmt: skip
    file_id = await _store(contract.application_id, "gs", signed)  # type: ignore[attr-defined]
    digest = sha256_hex(signed)
    signature = {"signer": institution.name, "role": "GUARANTOR", "by": f"user:{principal.email}",
                 "user_id": principal.user_id, "signed_at": now.isoformat()}  # fmt: skip
    try:
        async with in_transaction() as conn:
            moved = (
                await Contract.filter(id=contract.id, status="GENERATED", sha256=contract.sha256)
                .using_db(conn)
                .update(status="SIGNED", path=f"contracts/{file_id}.pdf", sha256=digest,
                        signatures=[*contract.signatures, signature])
            )  # fmt: skip
            activated = (
                await Guarantee.filter(id=guarantee.id, status=GuaranteeStatus.PENDING_SIGNATURE)
                .using_db(conn)
                .update(status=GuaranteeStatus.ACTIVE.value, signed_at=now,
                        signed_by=f"user:{principal.email}")
            )  # fmt: skip
            if moved != 1 or activated != 1:
                raise Conflict("the guarantee was signed by someone else meanwhile")
            await audit.record(
                actor=f"user:{principal.email}",
                action="guarantee.sign",
                entity_type="guarantee",
                entity_id=guarantee.id,
                data={"contract_id": contract.id, "institution": institution.code,
                      "sha256": digest, "previous_sha256": contract.sha256},
                connection=conn,
            )  # fmt: skip
    except BaseException:
        contract_path(settings().data_dir, file_id).unlink(missing_ok=True)
        raise
    await guarantee.refresh_from_db()
    return guarantee


async def _attach_contract(guarantee: Guarantee, *, now: datetime) -> None:
    """Generate the contract of a guarantee created without one (granted by a path that did
    not open it here) and attach it, once."""
    line = await CreditLine.get(id=guarantee.line_id)  # type: ignore[attr-defined]
    programme = await GuaranteeProgramme.get(id=guarantee.programme_id)  # type: ignore[attr-defined]
    application = await LoanApplication.get(id=line.application_id)  # type: ignore[attr-defined]
    async with in_transaction() as conn:
        contract = await _generate_contract(line, programme, application, now=now, conn=conn)
        attached = (
            await Guarantee.filter(id=guarantee.id, contract_id=None)
            .using_db(conn)
            .update(contract_id=contract.id)
        )
        if attached != 1:
            raise Conflict("the guarantee's contract was generated meanwhile; sign again")
    guarantee.contract_id = contract.id


async def _store(application_id: int, stage: str, pdf: bytes) -> str:
    file_id = f"a{application_id}-{stage}-{uuid.uuid4().hex[:12]}"
    await asyncio.to_thread(store_contract, settings().data_dir, file_id, pdf)
    return file_id


def _file_id(contract: Contract) -> str:
    return contract.path.rsplit("/", 1)[-1].removesuffix(".pdf")


__all__ = ["ensure_guarantee", "open_guarantee", "sign_guarantee"]
