"""Every field has an explicit policy, and every root field keeps it when called."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLObjectType

from db.models import Enterprise, Role
from domain.world.importer import import_world_dir
from schema import build_schema
from schema.policies import ROOT_POLICIES, Policy, policy_of
from tests.factories import A, tiny_world, write_world
from tests.schema.helpers import make_user, run_raw

SERVED = build_schema()._schema
ROOTS = {
    f"{root}.{name}"
    for root in ("Query", "Mutation", "Subscription")
    if (t := SERVED.type_map.get(root)) is not None
    for name in t.fields  # type: ignore[attr-defined]
}
FAKE_ID = "RW50ZXJwcmlzZTox"  # Enterprise:1

# a minimal operation per root field (subscriptions are exercised in their own tests)
OPERATIONS: dict[str, str] = {
    "Query.me": "{ me { id } }",
    "Query.loanProducts": "{ loanProducts { code } }",
    "Query.indicatorDefinitions": "{ indicatorDefinitions { code } }",
    "Query.enterprise": f'{{ enterprise(id: "{FAKE_ID}") {{ id }} }}',
    "Query.enterpriseByUscc": f'{{ enterpriseByUscc(uscc: "{A}") {{ id }} }}',
    "Query.enterprises": "{ enterprises { totalCount } }",
    "Query.patent": '{ patent(number: "CN110000001B") { id } }',
    "Query.application": f'{{ application(id: "{FAKE_ID}") {{ id }} }}',
    "Query.applications": "{ applications { totalCount } }",
    "Query.loan": f'{{ loan(id: "{FAKE_ID}") {{ id }} }}',
    "Query.verifyContract": f'{{ verifyContract(id: "{FAKE_ID}") {{ intact }} }}',
    "Query.warnings": "{ warnings { totalCount } }",
    "Query.contagion": f'{{ contagion(enterpriseId: "{FAKE_ID}") {{ modelVersion }} }}',
    "Query.models": "{ models { name } }",
    "Query.portfolioStats": "{ portfolioStats { applications } }",
    "Query.deadLetters": "{ deadLetters { actor } }",
    "Mutation.register": 'mutation { register(input: {email: "x@y.cn", password: "0123456789a", uscc: "x", enterpriseName: "x"}) { token } }',
    "Mutation.login": 'mutation { login(email: "x@y.cn", password: "nope") { token } }',
    "Mutation.refreshToken": 'mutation { refreshToken(token: "nope") { token } }',
    "Mutation.logout": "mutation { logout { ok } }",
    "Mutation.enrollTotp": "mutation { enrollTotp { uri } }",
    "Mutation.confirmTotp": 'mutation { confirmTotp(code: "123456") { token } }',
    "Mutation.createApplication": 'mutation { createApplication(input: {productCode: "X", amount: "1", termMonths: 1, pledgedPatentNumbers: []}) { errors { code } } }',
    "Mutation.submitApplication": f'mutation {{ submitApplication(id: "{FAKE_ID}") {{ errors {{ code }} }} }}',
    "Mutation.withdrawApplication": f'mutation {{ withdrawApplication(id: "{FAKE_ID}") {{ errors {{ code }} }} }}',
    "Mutation.reviewApplication": f'mutation {{ reviewApplication(id: "{FAKE_ID}", decision: APPROVE, comment: "x") {{ errors {{ code }} }} }}',
    "Mutation.acceptOffer": f'mutation {{ acceptOffer(applicationId: "{FAKE_ID}") {{ errors {{ code }} }} }}',
    "Mutation.signContract": f'mutation {{ signContract(contractId: "{FAKE_ID}", otp: "000000") {{ errors {{ code }} }} }}',
    "Mutation.disburse": f'mutation {{ disburse(contractId: "{FAKE_ID}") {{ errors {{ code }} }} }}',
    "Mutation.recordRepayment": f'mutation {{ recordRepayment(loanId: "{FAKE_ID}", amount: "1.00") {{ errors {{ code }} }} }}',
    "Mutation.valuePatent": 'mutation { valuePatent(number: "CN110000001B") { errors { code } } }',
    "Mutation.ingestEvent": 'mutation { ingestEvent(input: {id: "e", uscc: "x", type: "x", occurredAt: "2024-01-01T00:00:00Z", payload: {}}) { accepted errors { code } } }',
    "Mutation.acknowledgeWarning": f'mutation {{ acknowledgeWarning(id: "{FAKE_ID}") {{ errors {{ code }} }} }}',
    "Mutation.resolveWarning": f'mutation {{ resolveWarning(id: "{FAKE_ID}", note: "x") {{ errors {{ code }} }} }}',
    "Mutation.simulateShock": f'mutation {{ simulateShock(enterpriseIds: ["{FAKE_ID}"]) {{ modelVersion }} }}',
    "Query.pendingVerifications": "{ pendingVerifications { totalCount } }",
    "Mutation.requestVerification": "mutation { requestVerification { errors { code } } }",
    "Mutation.confirmVerification": 'mutation { confirmVerification(depositAmount: "0.10", legalRepCode: "123456") { errors { code } } }',
    "Mutation.inviteUser": 'mutation { inviteUser(email: "x@y.cn") { errors { code } } }',
    "Mutation.acceptInvitation": 'mutation { acceptInvitation(code: "x") { errors { code } } }',
    "Mutation.revokeVerification": f'mutation {{ revokeVerification(userId: "{FAKE_ID}", reason: "x") {{ errors {{ code }} }} }}',
    "Mutation.grantConsent": 'mutation { grantConsent(input: {sources: [TAX], purposes: [APPLICATION], validUntil: "2099-01-01"}) { errors { code } } }',
    "Mutation.revokeConsent": f'mutation {{ revokeConsent(id: "{FAKE_ID}") {{ errors {{ code }} }} }}',
    "Query.payoffQuote": f'{{ payoffQuote(loanId: "{FAKE_ID}", date: "2026-01-01") {{ total }} }}',
    "Query.portfolio": "{ portfolio { loans } }",
    "Query.loanChanges": "{ loanChanges { id } }",
    "Mutation.prepay": f'mutation {{ prepay(loanId: "{FAKE_ID}", mode: SHORTEN_TERM) {{ errors {{ code }} }} }}',
    "Mutation.recordRecovery": f'mutation {{ recordRecovery(loanId: "{FAKE_ID}", amount: "1.00") {{ errors {{ code }} }} }}',
    "Mutation.reclassifyLoan": f'mutation {{ reclassifyLoan(loanId: "{FAKE_ID}", classification: LOSS, reason: "x") {{ errors {{ code }} }} }}',
    "Mutation.restructureLoan": f'mutation {{ restructureLoan(loanId: "{FAKE_ID}", extraMonths: 3, reason: "x") {{ errors {{ code }} }} }}',
    "Mutation.writeOffLoan": f'mutation {{ writeOffLoan(loanId: "{FAKE_ID}", reason: "x") {{ errors {{ code }} }} }}',
    "Mutation.reverseRepayment": f'mutation {{ reverseRepayment(repaymentId: "{FAKE_ID}", reason: "x") {{ errors {{ code }} }} }}',
    "Mutation.approveLoanChange": f'mutation {{ approveLoanChange(id: "{FAKE_ID}") {{ errors {{ code }} }} }}',
    "Mutation.rejectLoanChange": f'mutation {{ rejectLoanChange(id: "{FAKE_ID}", comment: "x") {{ errors {{ code }} }} }}',
    "Query.guarantees": "{ guarantees { id } }",
    "Query.guaranteeClaims": "{ guaranteeClaims { id } }",
    "Mutation.signGuarantee": f'mutation {{ signGuarantee(guaranteeId: "{FAKE_ID}", otp: "000000") {{ errors {{ code }} }} }}',
    "Mutation.fileGuaranteeClaim": f'mutation {{ fileGuaranteeClaim(loanId: "{FAKE_ID}") {{ errors {{ code }} }} }}',
    "Mutation.payGuaranteeClaim": f'mutation {{ payGuaranteeClaim(claimId: "{FAKE_ID}", amount: "1.00") {{ errors {{ code }} }} }}',
    "Query.creditLine": f'{{ creditLine(id: "{FAKE_ID}") {{ id }} }}',
    "Query.creditLines": "{ creditLines { id } }",
    "Mutation.drawdown": f'mutation {{ drawdown(lineId: "{FAKE_ID}", amount: "100000.00", termMonths: 6, otp: "000000") {{ errors {{ code }} }} }}',
    "Mutation.freezeCreditLine": f'mutation {{ freezeCreditLine(lineId: "{FAKE_ID}", reason: "x") {{ errors {{ code }} }} }}',
    "Mutation.unfreezeCreditLine": f'mutation {{ unfreezeCreditLine(lineId: "{FAKE_ID}", reason: "x") {{ errors {{ code }} }} }}',
    "Mutation.reduceCreditLine": f'mutation {{ reduceCreditLine(lineId: "{FAKE_ID}", newLimit: "1.00", reason: "x") {{ errors {{ code }} }} }}',
    "Mutation.closeCreditLine": f'mutation {{ closeCreditLine(lineId: "{FAKE_ID}", reason: "x") {{ errors {{ code }} }} }}',
    "Mutation.registerPledge": 'mutation { registerPledge(patentNumber: "x", registrationNumber: "x", registeredOn: "2024-01-01") { errors { code } } }',
    "Mutation.releasePledge": 'mutation { releasePledge(patentNumber: "x") { errors { code } } }',
    "Mutation.renewLoan": f'mutation {{ renewLoan(loanId: "{FAKE_ID}", withoutPrincipalRepayment: true) {{ errors {{ code }} }} }}',
    "Query.subsidyStatement": '{ subsidyStatement(programmeCode: "ZXD_SUBSIDY", quarter: "2026Q3") { total } }',
    "Query.regulatorReport": '{ regulatorReport(month: "2026-10") { month } }',
    "Mutation.fileSubsidyClaim": 'mutation { fileSubsidyClaim(programmeCode: "ZXD_SUBSIDY", quarter: "2026Q3") { errors { code } } }',
    "Mutation.recordSubsidyPayment": f'mutation {{ recordSubsidyPayment(claimId: "{FAKE_ID}") {{ errors {{ code }} }} }}',
    "Query.activationRequests": "{ activationRequests { id status } }",
    "Query.replayDecision": f'{{ replayDecision(applicationId: "{FAKE_ID}") {{ same }} }}',
    "Mutation.requestActivation": 'mutation { requestActivation(kind: POLICY, name: "decision", version: "v1") { errors { code } } }',
    "Mutation.approveActivation": f'mutation {{ approveActivation(id: "{FAKE_ID}") {{ errors {{ code }} }} }}',
    "Mutation.rejectActivation": f'mutation {{ rejectActivation(id: "{FAKE_ID}", comment: "x") {{ errors {{ code }} }} }}',
}

# the staff console
OPERATIONS["Query.myQueue"] = "{ myQueue { totalCount } }"
OPERATIONS["Query.awaitingSecondApproval"] = "{ awaitingSecondApproval { totalCount } }"
OPERATIONS["Query.staffUsers"] = "{ staffUsers { email } }"
OPERATIONS["Query.auditTrail"] = (
    f'{{ auditTrail(entityType: "Enterprise", entityId: "{FAKE_ID}") {{ totalCount }} }}'
)
OPERATIONS["Mutation.claimApplication"] = (
    f'mutation {{ claimApplication(applicationId: "{FAKE_ID}") {{ errors {{ code }} }} }}'
)
OPERATIONS["Mutation.assignApplication"] = (
    f'mutation {{ assignApplication(applicationId: "{FAKE_ID}", userEmail: "x@y.cn") {{ errors {{ code }} }} }}'
)


def test_every_field_has_a_policy() -> None:
    missing = [
        f"{name}.{field}"
        for name, t in SERVED.type_map.items()
        if isinstance(t, GraphQLObjectType) and not name.startswith("__")
        for field in t.fields
        if policy_of(name, field) is None
    ]
    assert missing == []


def test_every_served_root_field_has_an_operation() -> None:
    served = {r for r in ROOTS if not r.startswith("Subscription.")}
    assert served <= set(OPERATIONS)


def _refused(result: object, codes: set[str]) -> bool:
    errors = getattr(result, "errors", None) or []
    if any((e.extensions or {}).get("code") in codes for e in errors):
        return True
    data = getattr(result, "data", None) or {}
    payload = next(iter(data.values()), None) if data else None
    if isinstance(payload, dict) and payload.get("errors"):
        return all(e["code"] in codes for e in payload["errors"])
    return False


@pytest.fixture
async def world(db: str, tmp_path: Path) -> dict[str, int]:
    write_world(tiny_world(), tmp_path / "w")
    await import_world_dir(tmp_path / "w")
    return dict(await Enterprise.all().values_list("uscc", "id"))


@pytest.mark.parametrize("root", sorted(r for r in ROOTS if not r.startswith("Subscription.")))
async def test_root_policy_holds(world: dict[str, int], root: str) -> None:
    policy = ROOT_POLICIES[root]
    anonymous = await run_raw(OPERATIONS[root], None)
    applicant = await make_user("cfo@a.cn", Role.APPLICANT, world[A])
    as_applicant = await run_raw(OPERATIONS[root], applicant)

    if policy is Policy.PUBLIC:
        assert not _refused(anonymous, {"UNAUTHENTICATED"}), anonymous
    else:
        assert _refused(anonymous, {"UNAUTHENTICATED"}), anonymous
    if policy in (Policy.STAFF, Policy.SERVICE):
        assert _refused(as_applicant, {"FORBIDDEN"}), as_applicant
