"""Assessing a submitted application: gather inputs, decide, store the decision, move it on."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from db.models import ApplicationStatus, LoanApplication, LoanProduct
from domain.decision.engine import DecisionResult, Outcome, decide, price
from domain.decision.graph_reasons import Explainer, with_graph_driver
from domain.decision.inputs import ApplicationTerms, ProductTerms, Reason, RiskInputs
from domain.decision.policy import Policy, active_policy_version, load_policy
from domain.decision.refresh import (
    DataUnavailable,
    Refresher,
    check_snapshot_age,
    refresh_application_data,
)
from domain.decision.waiting import retry_is_due, wait_for_data
from domain.errors import Conflict, DomainError, InvalidState, NoConsent, NotFound
from domain.workflow import Event, apply_transition

Gatherer = Callable[[LoanApplication], Awaitable[RiskInputs]]

_EVENT = {
    Outcome.APPROVED: Event.AUTO_APPROVE,
    Outcome.REJECTED: Event.AUTO_REJECT,
    Outcome.MANUAL_REVIEW: Event.REFER,
}


def product_terms(product: LoanProduct) -> ProductTerms:
    """The decision-relevant snapshot of a product row."""
    return ProductTerms(
        code=product.code,
        min_amount=Decimal(product.min_amount),
        max_amount=Decimal(product.max_amount),
        annual_rate=Decimal(product.annual_rate),
        subsidy_rate=Decimal(product.subsidy_rate),
        requires_pledge=product.requires_pledge,
        guarantee_on_approval=product.guarantee_on_approval,
        guarantor_name=product.guarantor_name,
    )


def decided_by(policy: Policy, model_versions: dict[str, str]) -> str:
    """`model:` followed by the policy and every model version used."""
    others = sorted((k, v) for k, v in model_versions.items() if k != "policy")
    parts = [f"policy={policy.version}"] + [f"{k}={v}" for k, v in others]
    return ("model:" + ",".join(parts))[:254]


async def assess_application(
    *,
    application_id: int,
    gather: Gatherer | None = None,
    refresh: Refresher | None = None,
    policy_version: str | None = None,
    explain: Explainer | None = None,
) -> LoanApplication | None:
    """Refresh the applicant's data, then decide a SUBMITTED application (or a waiting one
    whose retry is due); safe to call twice: otherwise it does nothing.

    Without fresh data the application is not decided: it waits for a retry, and after the
    policy's last attempt goes to a person. Graph risk in the review band is explained
    (`explain`, by default the graph model in service) and the explanation recorded.
    """
    application = await LoanApplication.get_or_none(id=application_id)
    now = datetime.now(UTC)
    if application is None or not await _start_assessment(application, now):
        return None
    # an application left ASSESSING by a crashed worker is picked up again here; the guarded
    # final transition lets only one of two concurrent assessments through
    product = await LoanProduct.get(id=application.product_id)  # type: ignore[attr-defined]
    terms = await _application_terms(application)
    # the policy in service (activated by maker-checker) unless the caller names one
    policy = load_policy(policy_version or await active_policy_version())
    snapshot = product_terms(product)
    try:
        refresh_ms = await _timed_refresh(refresh or refresh_application_data, application, policy)
        record = await _model_record(
            application, gather, terms, snapshot, policy, now, explain=explain
        )
        record["data_refresh_ms"] = refresh_ms
    except DataUnavailable as exc:
        return await _data_unavailable(application, exc, terms, snapshot, policy, now)
    except NoConsent as exc:
        # the consent was revoked or expired since submission: no new data may be pulled
        record = referral_record(
            terms, snapshot, policy, now, reason=exc.message, code="NO_CONSENT",
            prefix="no data authorisation",
        )  # fmt: skip
    extra = {"data_retry_at": None, "data_error": None}
    if not await _apply_decision(application, record, snapshot, policy, now, extra=extra):
        return None
    return application


async def _timed_refresh(refresh: Refresher, application: LoanApplication, policy: Policy) -> float:
    """Refresh the applicant's data (pull, import, snapshot); the milliseconds it took, kept
    in the decision record as `data_refresh_ms` so the cost of fresh data can be watched."""
    started = time.perf_counter()
    await refresh(application, policy)
    return round((time.perf_counter() - started) * 1000, 3)


async def _start_assessment(application: LoanApplication, now: datetime) -> bool:
    """Move a SUBMITTED application, or a waiting one whose retry is due, to ASSESSING;
    False when it is not there to be assessed."""
    status = application.status
    if status == ApplicationStatus.SUBMITTED or (
        status == ApplicationStatus.WAITING_FOR_DATA and retry_is_due(application, now)
    ):
        try:
            async with in_transaction() as conn:
                await apply_transition(
                    application, Event.START_ASSESSMENT, by="model:assessment", conn=conn
                )
        except (Conflict, InvalidState):
            return False  # another worker took it, or the applicant withdrew
        return True
    return status == ApplicationStatus.ASSESSING


async def _data_unavailable(
    application: LoanApplication,
    error: DataUnavailable,
    terms: ApplicationTerms,
    snapshot: ProductTerms,
    policy: Policy,
    now: datetime,
) -> LoanApplication | None:
    """Wait for a retry of the refresh, or after the last attempt refer to a person."""
    attempts = application.data_attempts + 1
    if attempts < policy.data.max_attempts:
        retry_at = now + policy.data.retry_delay(attempts)
        waited = await wait_for_data(
            application, attempts=attempts, error=error.message, retry_at=retry_at
        )
        return application if waited else None
    record = referral_record(
        terms, snapshot, policy, now, reason=error.message, prefix="outside data unavailable"
    )
    extra = {"data_attempts": attempts, "data_retry_at": None, "data_error": error.message}
    if not await _apply_decision(application, record, snapshot, policy, now, extra=extra):
        return None
    return application


async def _application_terms(application: LoanApplication) -> ApplicationTerms:
    """The amount, term and pledged patent numbers the applicant asked for."""
    from domain.applications.service import pledged_numbers

    return ApplicationTerms(
        Decimal(application.amount),
        application.term_months,
        tuple(await pledged_numbers(application_id=application.id)),
    )


async def _model_record(
    application: LoanApplication,
    gather: Gatherer | None,
    terms: ApplicationTerms,
    snapshot: ProductTerms,
    policy: Policy,
    now: datetime,
    *,
    explain: Explainer | None = None,
) -> dict[str, Any]:
    """The model's decision record, or a referral when its inputs cannot be gathered."""
    if gather is None:
        from domain.decision.gather import gather_risk_inputs

        gather = gather_risk_inputs
    try:
        inputs = await gather(application)
    except (DataUnavailable, NoConsent):
        raise
    except DomainError as exc:
        return referral_record(terms, snapshot, policy, now, reason=exc.message)
    await check_snapshot_age(inputs, policy, now)
    inputs = await with_graph_driver(application, inputs, policy, explain)
    result = decide(inputs, terms, snapshot, policy)
    return decision_record(result, inputs, terms, snapshot, policy, now)


async def _apply_decision(
    application: LoanApplication,
    record: dict[str, Any],
    snapshot: ProductTerms,
    policy: Policy,
    now: datetime,
    *,
    extra: dict[str, Any] | None = None,
) -> bool:
    """Store the decision (and `extra` fields) and move the application on; False when
    another worker got there."""
    outcome = Outcome(record["outcome"])
    try:
        async with in_transaction() as conn:
            if outcome is Outcome.APPROVED:
                outcome = await _guarantee_on_approval(application, record, conn=conn)
            changes: dict[str, Any] = {**(extra or {}), "decision": record}
            if outcome is not Outcome.MANUAL_REVIEW:
                changes["decided_at"] = now
            await apply_transition(
                application,
                _EVENT[outcome],
                by=record["decided_by"],
                conn=conn,
                changes=changes,
                audit_data={
                    "outcome": outcome.value,
                    "reasons": [r["code"] for r in record["reasons"]],
                    "inputs_hash": record["inputs_hash"],
                    "policy_version": record["policy_version"],
                },
            )
    except (Conflict, InvalidState):
        return False
    return True


async def _guarantee_on_approval(
    application: LoanApplication, record: dict[str, Any], *, conn: BaseDBAsyncClient
) -> Outcome:
    """The outcome once the product's guarantee programme had its say: an approval it covers
    keeps the guarantee in the record; one outside its eligibility rules goes to a person
    (the model's own outcome kept under `model`, so replays still compare with it)."""
    from domain.credit.guarantees import check_on_approval, record_on_approval

    check = await check_on_approval(application, Decimal(record["approved_amount"]), conn=conn)
    if check is None:
        return Outcome.APPROVED
    if check.eligible:
        record["guarantee"] = await record_on_approval(application, check, conn=conn)
        return Outcome.APPROVED
    record["model"] = {
        key: record.get(key)
        for key in ("outcome", "approved_amount", "annual_rate", "decided_by", "decided_at")
    }
    record["outcome"] = Outcome.MANUAL_REVIEW.value
    description = f"not eligible for the guarantee programme {check.record['programme']}: "
    record["reasons"] = [
        Reason("GUARANTEE_INELIGIBLE", description + "; ".join(check.failures), 1.0).to_dict(),
        *record["reasons"],
    ]
    record["guarantee_check"] = {**check.record, "failures": check.failures}
    return Outcome.MANUAL_REVIEW


def decision_record(
    result: DecisionResult,
    inputs: RiskInputs,
    terms: ApplicationTerms,
    product: ProductTerms,
    policy: Policy,
    now: datetime,
) -> dict[str, Any]:
    """The JSON stored on the application: outcome, offer, reasons, versions and all inputs."""
    versions = {**inputs.model_versions, "policy": policy.version}
    versions.setdefault("gnn", "not-used")
    record = result.to_dict()
    record.update(
        decided_by=decided_by(policy, dict(versions)),
        decided_at=now.isoformat(),
        model_versions=dict(sorted(versions.items())),
        policy_sha256=policy.sha256,
        inputs=inputs.to_dict(),
        terms=terms.to_dict(),
        product=product.to_dict(),
    )
    return record


def referral_record(
    terms: ApplicationTerms,
    product: ProductTerms,
    policy: Policy,
    now: datetime,
    *,
    reason: str,
    code: str = "DATA_UNAVAILABLE",
    prefix: str = "the model could not assess",
) -> dict[str, Any]:
    """A MANUAL_REVIEW decision when the model inputs could not be gathered."""
    pricing = price(policy.unscored_grade, product, policy)
    amount = min(terms.amount, product.max_amount)
    return {
        "outcome": Outcome.MANUAL_REVIEW.value,
        "approved_amount": str(amount),
        "annual_rate": str(pricing.annual_rate),
        "reasons": [Reason(code, f"{prefix}: {reason}", 1.0).to_dict()],
        "pricing": pricing.to_dict(),
        "graph_risk_used": False,
        "policy_version": policy.version,
        "policy_sha256": policy.sha256,
        "inputs_hash": "",
        "decided_by": decided_by(policy, {}),
        "decided_at": now.isoformat(),
        "model_versions": {"policy": policy.version},
        "inputs": None,
        "terms": terms.to_dict(),
        "product": product.to_dict(),
    }


async def replay_decision(*, application_id: int) -> tuple[DecisionResult, bool]:
    """Re-run the stored model decision from its recorded inputs; True if it comes out the same."""
    application = await LoanApplication.get_or_none(id=application_id)
    record = None if application is None else application.decision
    if not record or record.get("inputs") is None:
        raise NotFound("no model decision with recorded inputs for this application")
    model = record.get("model", record)
    inputs = RiskInputs.from_dict(record["inputs"])
    result = decide(
        inputs,
        ApplicationTerms.from_dict(record["terms"]),
        ProductTerms.from_dict(record["product"]),
        load_policy(record["policy_version"]),
    )
    same = (
        result.inputs_hash == record["inputs_hash"]
        and result.outcome.value == model["outcome"]
        and _text(result.approved_amount) == model["approved_amount"]
        and _text(result.annual_rate) == model["annual_rate"]
    )
    return result, same


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
