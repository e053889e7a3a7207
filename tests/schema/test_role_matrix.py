"""Who may call each mutation: a role x action table covering every mutation of the served schema.

Every mutation is called as each kind of caller: nobody (anonymous), a verified applicant, a
loan officer, a risk manager, an administrator and a data feed's service account. A caller the
table does not allow must be refused (UNAUTHENTICATED or FORBIDDEN); a caller it allows must get
past the permission checks (it may still meet NOT_FOUND, INVALID_STATE, ... on the dummy
arguments). Arguments are built from the served schema, with real records where a refusal can
only show on one (an application, a contract). A mutation added to the schema without a row in
`MATRIX` fails `test_every_mutation_has_a_row`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
)

from db.models import (
    ApplicationStatus,
    Consent,
    Contract,
    Enterprise,
    LoanApplication,
    LoanProduct,
    Patent,
    Role,
    User,
)
from domain.accounts.principal import Principal
from domain.errors import ErrorCode
from domain.products.service import seed_products
from domain.world.importer import import_world_dir
from resolvers.ids import encode_id
from schema import build_schema
from tests.factories import A, B, tiny_world, write_world
from tests.schema.helpers import run_raw
from tests.trust import trust

SERVED = build_schema()._schema
MUTATION = SERVED.mutation_type
assert MUTATION is not None
MUTATIONS: dict[str, GraphQLField] = dict(MUTATION.fields)

ANONYMOUS = "ANONYMOUS"
CALLERS = (ANONYMOUS, "APPLICANT", "LOAN_OFFICER", "RISK_MANAGER", "ADMIN", "SERVICE")
REFUSED = frozenset({"UNAUTHENTICATED", "FORBIDDEN"})

EVERYONE = frozenset(CALLERS)
SIGNED_IN = EVERYONE - {ANONYMOUS}
APPLICANT = frozenset({"APPLICANT"})
MONEY = frozenset({"LOAN_OFFICER", "RISK_MANAGER"})  # approve, countersign, disburse
STAFF = MONEY | {"ADMIN"}
FEED = STAFF | {"SERVICE"}
BOOKING = MONEY | {"SERVICE"}  # money received: no administrator (separation of duties)
CHECKER = frozenset({"RISK_MANAGER"})  # approves loan-book changes, reclassifies

# mutation -> the callers allowed; a caller not listed must be refused
MATRIX: dict[str, frozenset[str]] = {
    # accounts
    "register": EVERYONE,
    "login": EVERYONE,
    "refreshToken": EVERYONE,  # the refresh token is the credential
    "logout": SIGNED_IN,
    "enrollTotp": SIGNED_IN,
    "confirmTotp": SIGNED_IN,
    # enterprise verification: applicants; revoking one is the bank's (administrators included)
    "requestVerification": APPLICANT,
    "confirmVerification": APPLICANT,
    "inviteUser": APPLICANT,
    "acceptInvitation": APPLICANT,
    "revokeVerification": STAFF,
    # the application is the borrower's
    "createApplication": APPLICANT,
    "submitApplication": APPLICANT,
    "withdrawApplication": APPLICANT,
    "acceptOffer": APPLICANT,
    "grantConsent": APPLICANT,
    "revokeConsent": APPLICANT,
    # money powers: never an administrator (separation of duties)
    "reviewApplication": MONEY,
    "signContract": APPLICANT | MONEY,
    "requestSigningCode": APPLICANT | MONEY,
    "disburse": MONEY,
    # money received: those who move money or a payment feed, never an administrator
    "recordRepayment": BOOKING,
    "recordRecovery": BOOKING,
    # a borrower pays its own loan early; staff who move money may book it for them
    "prepay": APPLICANT | MONEY,
    # loan-book changes: loan officers and risk managers ask, a risk manager decides
    "restructureLoan": MONEY,
    "writeOffLoan": MONEY,
    "reverseRepayment": MONEY,
    "approveLoanChange": CHECKER,
    "rejectLoanChange": CHECKER,
    "reclassifyLoan": CHECKER,
    # signals: staff or a feed
    "ingestEvent": FEED,
    # monitoring
    "valuePatent": SIGNED_IN - {"SERVICE"},
    "acknowledgeWarning": STAFF,
    "resolveWarning": STAFF,
    "simulateShock": STAFF,
    # guarantee programmes: the guarantor signs and pays its own; the bank files claims and
    # may book the guarantor's payment
    "signGuarantee": frozenset(),  # a GUARANTOR only (not among these callers)
    "fileGuaranteeClaim": MONEY,
    "payGuaranteeClaim": BOOKING,
    # pledge registration at the patent office: staff who move money
    "registerPledge": MONEY,
    "releasePledge": MONEY,
    # a renewal is the borrower's application
    "renewLoan": APPLICANT,
    # subsidy claims: filed and their payment booked by staff who move money
    "fileSubsidyClaim": MONEY,
    "recordSubsidyPayment": MONEY,
    # credit lines: the borrower draws online; staff who move money freeze, unfreeze, reduce
    # and close them
    "drawdown": APPLICANT,
    "freezeCreditLine": MONEY,
    "unfreezeCreditLine": MONEY,
    "reduceCreditLine": MONEY,
    "closeCreditLine": MONEY,
    # model and policy activation: a risk manager or admin asks, another risk manager decides
    "requestActivation": frozenset({"RISK_MANAGER", "ADMIN"}),
    "approveActivation": CHECKER,
    "rejectActivation": CHECKER,
}

# the staff console's work queue: those who may approve hold applications
MATRIX["claimApplication"] = MONEY
MATRIX["assignApplication"] = MONEY


@dataclass(frozen=True)
class Records:
    """What the calls point at: one enterprise's application, contract and consent. The
    application's offer is accepted and the borrower has signed, so the bank's signers meet
    every check of countersigning, not a wrong state first."""

    callers: dict[str, Principal | None]
    ids: dict[str, str]


def test_every_mutation_has_a_row() -> None:
    missing = sorted(set(MUTATIONS) - set(MATRIX))
    assert missing == [], f"add these mutations to MATRIX with the callers allowed: {missing}"


def test_rows_name_known_callers_only() -> None:
    assert all(allowed <= EVERYONE for allowed in MATRIX.values())


# arguments pointing at real records, by mutation and argument name (record keys of Records.ids)
TARGETS: dict[tuple[str, str], str] = {
    ("submitApplication", "id"): "application",
    ("withdrawApplication", "id"): "application",
    ("reviewApplication", "id"): "application",
    ("acceptOffer", "applicationId"): "application",
    ("signContract", "contractId"): "contract",
    ("requestSigningCode", "contractId"): "contract",
    ("disburse", "contractId"): "contract",
    ("revokeConsent", "id"): "consent",
    ("revokeVerification", "userId"): "other_applicant",
    ("valuePatent", "number"): "patent",
}
TARGETS[("claimApplication", "applicationId")] = "application"
TARGETS[("assignApplication", "applicationId")] = "application"
# plausible values where a check of the value would come before the permission check
VALUES: dict[tuple[str, str], Any] = {
    ("confirmVerification", "depositAmount"): "0.10",
    ("confirmVerification", "legalRepCode"): "123456",
}
VALUES[("assignApplication", "userEmail")] = "loan_officer@bank.cn"  # a staff member who exists
SCALARS: dict[str, Any] = {
    "ID": "RW50ZXJwcmlzZTox",  # Enterprise:1
    "String": "x",
    "Int": 1,
    "Float": 1.0,
    "Boolean": True,
    "Decimal": "1.00",
    "DateTime": "2024-01-01T00:00:00Z",
    "Date": "2099-01-01",
    "JSON": {},
}


def _value(kind: GraphQLInputType) -> Any:
    """A well-typed dummy value for an input type (required input fields only)."""
    if isinstance(kind, GraphQLNonNull):
        return _value(kind.of_type)
    if isinstance(kind, GraphQLList):
        return [_value(kind.of_type)]
    if isinstance(kind, GraphQLEnumType):
        return next(iter(kind.values))
    if isinstance(kind, GraphQLInputObjectType):
        return {
            name: _value(f.type)
            for name, f in kind.fields.items()
            if isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined
        }
    assert isinstance(kind, GraphQLScalarType)
    return SCALARS[kind.name]


def operation(name: str, ids: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """A document calling the mutation with every required argument, and its variables."""
    field = MUTATIONS[name]
    required = {a: arg for a, arg in field.args.items() if isinstance(arg.type, GraphQLNonNull)}
    variables = {
        a: ids[TARGETS[(name, a)]]
        if (name, a) in TARGETS
        else VALUES[(name, a)]
        if (name, a) in VALUES
        else _value(arg.type)
        for a, arg in required.items()
    }
    declared = ", ".join(f"${a}: {arg.type}" for a, arg in required.items())
    passed = ", ".join(f"{a}: ${a}" for a in required)
    returns = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    has_errors = isinstance(returns, GraphQLObjectType) and "errors" in returns.fields
    selection = "errors { code message }" if has_errors else "__typename"
    head = f"mutation({declared})" if declared else "mutation"
    call = f"{name}({passed})" if passed else name
    return f"{head} {{ {call} {{ {selection} }} }}", variables


def refusal(result: Any, refusals: frozenset[str] = REFUSED) -> str | None:
    """The refusal code of a result (top-level error or payload error), else None."""
    codes = [(e.extensions or {}).get("code") for e in result.errors or []]
    for payload in (result.data or {}).values():
        if isinstance(payload, dict):
            codes += [e["code"] for e in payload.get("errors") or []]
    return next((str(c) for c in codes if c in refusals), None)


def refusals_of(name: str) -> frozenset[str]:
    """What refuses a caller of this mutation: where it names a record that exists, NOT_FOUND
    too (a record the caller may not see reads as unknown)."""
    targeted = any(mutation == name for mutation, _ in TARGETS)
    return REFUSED | {"NOT_FOUND"} if targeted else REFUSED


BUSINESS = frozenset(code.value for code in ErrorCode) | REFUSED


def not_run(result: Any) -> list[str]:
    """Top-level errors that are not business answers: the document itself is wrong."""
    return [
        e.message for e in result.errors or [] if (e.extensions or {}).get("code") not in BUSINESS
    ]


async def _caller(email: str, role: Role, enterprise_id: int | None = None) -> Principal:
    # no password: these callers never log in, and hashing one per caller would be most of
    # the fixture's time
    user = await trust(
        await User.create(email=email, password_hash="-", role=role, enterprise_id=enterprise_id)
    )
    return Principal(user_id=user.id, email=email, role=role, enterprise_id=enterprise_id)


@pytest.fixture
async def records(db: str, tmp_path: Path) -> Records:
    write_world(tiny_world(), tmp_path / "w")
    await import_world_dir(tmp_path / "w")
    await seed_products()
    firms = dict(await Enterprise.all().values_list("uscc", "id"))
    callers: dict[str, Principal | None] = {ANONYMOUS: None}
    callers["APPLICANT"] = await _caller("cfo@a.cn", Role.APPLICANT, firms[A])
    for role in (Role.LOAN_OFFICER, Role.RISK_MANAGER, Role.ADMIN, Role.SERVICE):
        callers[role.value] = await _caller(f"{role.value.lower()}@bank.cn", role)
    other = await _caller("cfo@b.cn", Role.APPLICANT, firms[B])
    applicant = callers["APPLICANT"]
    assert applicant is not None
    product = await LoanProduct.all().order_by("id").first()
    assert product is not None
    application = await LoanApplication.create(
        enterprise_id=firms[A], product_id=product.id, created_by_id=applicant.user_id,
        amount=Decimal("1000000"), term_months=12, status=ApplicationStatus.OFFER_ACCEPTED,
    )  # fmt: skip
    contract = await Contract.create(
        application_id=application.id, status="BORROWER_SIGNED",
        path="contracts/none.pdf", sha256="0" * 64, signatures=[],
    )  # fmt: skip
    patent = await Patent.filter(owner_id=firms[A]).order_by("id").first()
    assert patent is not None
    consent = await Consent.filter(enterprise_id=firms[A]).first()
    assert consent is not None
    ids = {
        "application": encode_id("LoanApplication", application.id),
        "contract": encode_id("Contract", contract.id),
        "consent": encode_id("Consent", consent.id),
        "other_applicant": encode_id("User", other.user_id),
        "patent": patent.number,
    }
    assert await User.filter(role=Role.APPLICANT).count() == 2
    return Records(callers, ids)


@pytest.mark.parametrize("name", sorted(MUTATIONS))
async def test_each_caller_is_allowed_or_refused_as_the_matrix_says(
    records: Records, name: str
) -> None:
    if name not in MATRIX:
        pytest.fail(f"{name} has no row in MATRIX")
    document, variables = operation(name, records.ids)
    wrong = {}
    for caller in CALLERS:
        result = await run_raw(document, records.callers[caller], **variables)
        refused = refusal(result, refusals_of(name))
        allowed = caller in MATRIX[name]
        unrun = not_run(result)
        if unrun:
            wrong[caller] = f"the call did not run: {unrun}"
            continue
        if allowed == (refused is not None):
            detail = [e.message for e in result.errors or []] or result.data
            wrong[caller] = f"{'refused' if refused else 'allowed'}: {detail}"
    if wrong:
        lines = "\n".join(f"  {caller}: {why}" for caller, why in wrong.items())
        pytest.fail(f"{name} ({document} {variables}) against MATRIX:\n{lines}")
