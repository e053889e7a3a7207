"""The loan contract: generated on acceptance, signed by borrower then bank, verified, served."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from config import settings
from db.models import (
    ApplicationStatus,
    Contract,
    Enterprise,
    LoanApplication,
    LoanProduct,
    Role,
)
from domain import audit
from domain.accounts.principal import Principal
from domain.accounts.totp import check_otp
from domain.applications.service import get_application_or_raise, pledged_patents_by_application_ids
from domain.contracts import (
    ContractTerms,
    EventSigner,
    PledgedPatent,
    ScheduleRow,
    VerificationResult,
    contract_path,
    create_contract_document,
    load_contract,
    sha256_hex,
    sign_as_bank,
    sign_as_borrower,
    store_contract,
    verify,
)
from domain.contracts.platform import platform_ca
from domain.credit.lines import grant_line
from domain.errors import Conflict, Forbidden, InvalidState, NotFound
from domain.lending.duties import check_countersigner
from domain.lending.schedule import build_schedule
from domain.valuation.reads import latest_valuations
from domain.workflow import Event, apply_transition, target_of


class ContractStatus:
    """Where a contract is in its signing."""

    GENERATED = "GENERATED"
    BORROWER_SIGNED = "BORROWER_SIGNED"
    SIGNED = "SIGNED"


@dataclass(frozen=True)
class Offer:
    """The approved amount and rate an application's decision offers."""

    amount: Decimal
    annual_rate: Decimal


def offer_of(application: LoanApplication) -> Offer:
    """The offer in an application's decision, or INVALID_STATE if it has none."""
    record: dict[str, Any] = application.decision or {}
    if record.get("outcome") != "APPROVED" or not record.get("approved_amount"):
        raise InvalidState("the application has no approved offer")
    return Offer(Decimal(record["approved_amount"]), Decimal(record["annual_rate"]))


async def contract_terms(application: LoanApplication, *, issued: datetime) -> ContractTerms:
    """The terms printed in the contract, with a schedule counted from the issue date."""
    offer = offer_of(application)
    product = await LoanProduct.get(id=application.product_id)  # type: ignore[attr-defined]
    enterprise = await Enterprise.get(id=application.enterprise_id)  # type: ignore[attr-defined]
    (patents,) = await pledged_patents_by_application_ids(ids=[application.id])
    valuations = await latest_valuations([p.id for p in patents])
    schedule = build_schedule(
        product.repayment_method,
        principal=offer.amount,
        annual_rate=offer.annual_rate,
        term_months=application.term_months,
        start=issued.date(),
    )
    return ContractTerms(
        contract_number=f"IPC-{issued:%Y%m%d}-{application.id:08d}",
        issued_on=issued.date(),
        lender_name=platform_ca().bank.subject_name,
        borrower_name=enterprise.name,
        borrower_uscc=enterprise.uscc,
        product_name=product.name,
        principal=offer.amount,
        annual_rate=offer.annual_rate,
        term_months=application.term_months,
        repayment_method=product.repayment_method,
        schedule=tuple(ScheduleRow(r.number, r.due_on, r.principal, r.interest) for r in schedule),
        patents=tuple(
            PledgedPatent(p.number, p.title, None if v is None else Decimal(v.value))
            for p, v in zip(patents, valuations, strict=True)
        ),
        purpose=application.purpose or "企业日常生产经营周转",
    )


async def accept_offer(*, principal: Principal, application_id: int) -> Contract:
    """The applicant accepts its offer: the contract PDF is generated and stored."""
    application = await get_application_or_raise(principal=principal, application_id=application_id)
    principal.require_role(Role.APPLICANT)
    target_of(application.status, Event.ACCEPT_OFFER)
    now = datetime.now(UTC)
    terms = await contract_terms(application, issued=now)
    pdf, digest = await asyncio.to_thread(create_contract_document, terms)
    file_id = await _store(application.id, "unsigned", pdf)
    try:
        async with in_transaction() as conn:
            await apply_transition(application, Event.ACCEPT_OFFER, by=principal, conn=conn)
            contract = await Contract.create(
                application_id=application.id,
                status=ContractStatus.GENERATED,
                path=_relative(file_id),
                sha256=digest,
                signatures=[],
                using_db=conn,
            )
            await audit.record(
                actor=f"user:{principal.email}",
                action="contract.generate",
                entity_type="contract",
                entity_id=contract.id,
                data={"application_id": application.id, "sha256": digest,
                      "contract_number": terms.contract_number},
                connection=conn,
            )  # fmt: skip
    except BaseException:
        _discard(file_id)
        raise
    return contract


async def sign_contract(*, principal: Principal, contract_id: int, otp: str | None) -> Contract:
    """The borrower signs a generated contract; then staff countersign for the bank.

    Every signer confirms with a one-time code of its second factor; the borrower's signature
    is made under an event certificate issued for it alone (its key is never stored).
    """
    contract, application = await _contract_and_application(principal, contract_id)
    expected, new_status, stage = _signing_step(principal, contract, application)
    await check_countersigner(principal=principal, application_id=application.id)
    await check_otp(user_id=principal.user_id, code=otp, purpose="sign")
    data_dir = settings().data_dir
    pdf = await asyncio.to_thread(load_contract, data_dir, _file_id(contract))
    signed, signer, role = await _signed_by(principal, application, pdf)
    now = datetime.now(UTC)
    digest = sha256_hex(signed)
    file_id = await _store(application.id, stage, signed)
    signature = {"signer": signer, "role": role, "by": f"user:{principal.email}",
                 "user_id": principal.user_id, "signed_at": now.isoformat()}  # fmt: skip
    try:
        async with in_transaction() as conn:
            await _save_signature(
                contract,
                principal,
                expected=expected,
                new_status=new_status,
                file_id=file_id,
                digest=digest,
                signature=signature,
                conn=conn,
            )
            if new_status == ContractStatus.SIGNED:
                await apply_transition(application, Event.SIGN_CONTRACT, by=principal, conn=conn)
                offer = offer_of(application)
                await grant_line(
                    application,
                    contract,
                    amount=offer.amount,
                    annual_rate=offer.annual_rate,
                    actor=f"user:{principal.email}",
                    now=now,
                    conn=conn,
                )
    except BaseException:
        _discard(file_id)
        raise
    await contract.refresh_from_db()
    return contract


def _signing_step(
    principal: Principal, contract: Contract, application: LoanApplication
) -> tuple[str, str, str]:
    """The contract status the caller may sign from, the status after it, and the file stage."""
    if application.status != ApplicationStatus.OFFER_ACCEPTED:
        raise InvalidState(f"the application is {application.status}: there is no offer to sign")
    if principal.role == Role.APPLICANT:
        expected, new_status, stage = ContractStatus.GENERATED, ContractStatus.BORROWER_SIGNED, "b"
    elif principal.is_staff:
        expected, new_status, stage = ContractStatus.BORROWER_SIGNED, ContractStatus.SIGNED, "s"
    else:
        raise Forbidden("only the borrower and bank staff sign contracts")
    if contract.status != expected:
        raise InvalidState(f"the contract is {contract.status}; it cannot be signed now")
    return expected, new_status, stage


async def _signed_by(
    principal: Principal, application: LoanApplication, pdf: bytes
) -> tuple[bytes, str, str]:
    """The PDF with the caller's party's signature added, the signer's name and its role."""
    ca = platform_ca()
    if principal.role == Role.APPLICANT:
        enterprise = await Enterprise.get(id=application.enterprise_id)  # type: ignore[attr-defined]
        signer = EventSigner(
            email=principal.email, enterprise_name=enterprise.name, uscc=enterprise.uscc
        )
        signed = await asyncio.to_thread(lambda: sign_as_borrower(pdf, signer=signer, ca=ca))
        return signed, enterprise.name, "BORROWER"
    signed = await asyncio.to_thread(lambda: sign_as_bank(pdf, ca=ca))
    return signed, ca.bank.subject_name, "LENDER"


async def _save_signature(
    contract: Contract,
    principal: Principal,
    *,
    expected: str,
    new_status: str,
    file_id: str,
    digest: str,
    signature: dict[str, object],
    conn: BaseDBAsyncClient,
) -> None:
    """Move the contract to its signed version if no one else did meanwhile, with an audit entry."""
    count = (
        await Contract.filter(id=contract.id, status=expected, sha256=contract.sha256)
        .using_db(conn)
        .update(
            status=new_status,
            path=_relative(file_id),
            sha256=digest,
            signatures=[*contract.signatures, signature],
        )
    )
    if count != 1:
        raise Conflict("the contract was signed by someone else meanwhile")
    await audit.record(
        actor=f"user:{principal.email}",
        action="contract.sign",
        entity_type="contract",
        entity_id=contract.id,
        data={"role": signature["role"], "sha256": digest, "previous_sha256": contract.sha256},
        connection=conn,
    )


async def verify_contract(*, principal: Principal, contract_id: int) -> VerificationResult:
    """Whether the stored contract is intact and its signatures hold (parties and staff)."""
    contract, _ = await _contract_and_application(principal, contract_id)
    pdf = await asyncio.to_thread(load_contract, settings().data_dir, _file_id(contract))
    ca = platform_ca()
    return await asyncio.to_thread(lambda: verify(pdf, ca=ca, expected_sha256=contract.sha256))


async def contract_pdf(*, principal: Principal, contract_id: int) -> bytes:
    """The contract file as it stands (the borrower's enterprise and bank staff only)."""
    contract, _ = await _contract_and_application(principal, contract_id)
    return await asyncio.to_thread(load_contract, settings().data_dir, _file_id(contract))


async def get_contract_or_raise(*, principal: Principal, contract_id: int) -> Contract:
    """The contract if the caller is a party to it or staff, else NOT_FOUND / FORBIDDEN."""
    contract, _ = await _contract_and_application(principal, contract_id)
    return contract


async def contracts_by_application_ids(*, ids: list[int]) -> list[Contract | None]:
    """Each application's contract (or None), in the order of `ids`, in one query."""
    rows = await Contract.filter(application_id__in=set(ids), kind="LINE")
    found = {c.application_id: c for c in rows}  # type: ignore[attr-defined]
    return [found.get(i) for i in ids]


async def _contract_and_application(
    principal: Principal, contract_id: int
) -> tuple[Contract, LoanApplication]:
    contract = await Contract.get_or_none(id=contract_id)
    if contract is None:
        raise NotFound("no such contract", field="contractId")
    if principal.role != Role.APPLICANT and not principal.is_staff:
        raise Forbidden("only the parties and bank staff may see contracts")
    application = await get_application_or_raise(
        principal=principal,
        application_id=contract.application_id,  # type: ignore[attr-defined]
    )
    return contract, application


async def _store(application_id: int, stage: str, pdf: bytes) -> str:
    # every version gets a new file, so a losing concurrent signer never overwrites the winner
    file_id = f"a{application_id}-{stage}-{uuid.uuid4().hex[:12]}"
    await asyncio.to_thread(store_contract, settings().data_dir, file_id, pdf)
    return file_id


def _discard(file_id: str) -> None:
    contract_path(settings().data_dir, file_id).unlink(missing_ok=True)


def _relative(file_id: str) -> str:
    return f"contracts/{file_id}.pdf"


def _file_id(contract: Contract) -> str:
    return Path(contract.path).stem
