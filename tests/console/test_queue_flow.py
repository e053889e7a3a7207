"""The work queue end to end: a loan officer claims and approves an application above the
four-eyes amount, a risk manager completes the four eyes from the inbox, and once the borrower
has signed and the bank has paid out, the loan appears on the borrower's 360 page.

The browser drives the console; the steps no console screen offers (the borrower accepting and
signing, the countersignature and the payout, each by a different person) go through the API.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pyotp
import pytest

pytestmark = pytest.mark.browser

PERIOD = 30  # seconds per one-time code
PLEDGED = "CN110000001B"  # the patent the seeded application pledges
SESSION_KEY = "ipcredit.console.session"


def _base(server: Any) -> str:
    url = str(getattr(server, "base_url", None) or server.url)
    return url.removesuffix("/graphql").rstrip("/")


class Api:
    """GraphQL over HTTP against the live server, as one caller."""

    def __init__(self, base: str, token: str | None = None) -> None:
        self.url = f"{base}/graphql"
        self.token = token

    def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {self.token}"} if self.token else {}
        response = httpx.post(
            self.url, json={"query": query, "variables": variables}, headers=headers, timeout=60
        )
        body = response.json()
        assert not body.get("errors"), body
        return dict(body["data"])


def _with_code(secret: str, attempt: Any) -> dict[str, Any]:
    """Call `attempt(code)` with a code the server has not accepted yet: this step's, the
    next one's, then (both spent) the one after the clock moves on."""
    totp = pyotp.TOTP(secret, interval=PERIOD)
    result: dict[str, Any] = {}
    for _ in range(2):
        now = time.time()
        for at in (now, now + PERIOD):
            result = attempt(totp.at(at))
            if not result["errors"]:
                return result
        time.sleep(PERIOD - time.time() % PERIOD + 0.5)
    raise AssertionError(f"no one-time code was accepted: {result}")


LOGIN = """mutation($e: String!, $p: String!, $o: String) { login(email: $e, password: $p, otp: $o)
  { token enrolmentOnly errors { code message } } }"""


def _staff_api(base: str, info: dict[str, Any], key: str) -> Api:
    email, secret = info["accounts"][key], info["totp_secrets"][key]
    api = Api(base)
    login = _with_code(
        secret, lambda code: api(LOGIN, e=email, p=info["password"], o=code)["login"]
    )
    return Api(base, login["token"])


def _applicant_api(base: str, info: dict[str, Any]) -> tuple[Api, str]:
    """Applicant A signed in with a second factor enrolled now (signing needs one); its secret."""
    api = Api(base)
    login = api(LOGIN, e=info["applicants"]["A"], p=info["password"], o=None)["login"]
    assert login["errors"] == [], login
    applicant = Api(base, login["token"])
    enrolment = applicant("mutation { enrollTotp { secret errors { code message } } }")[
        "enrollTotp"
    ]
    assert enrolment["errors"] == [], enrolment
    secret = str(enrolment["secret"])
    confirmed = _with_code(
        secret,
        lambda code: applicant(
            "mutation($c: String!) { confirmTotp(code: $c) { token errors { code message } } }",
            c=code,
        )["confirmTotp"],
    )
    return Api(base, confirmed["token"]), secret


def _browser_token(page: Any) -> str:
    """The bearer token of whoever is signed in to the console in this page."""
    token = page.evaluate(
        f"() => JSON.parse(sessionStorage.getItem('{SESSION_KEY}') || '{{}}').token || null"
    )
    assert token, "the console keeps its session in sessionStorage"
    return str(token)


def _row(page: Any, application_id: str) -> Any:
    link = page.locator(f'a[href$="/applications/{application_id}"]')
    return page.locator(".dt-row", has=link)


def _inbox_answer(response: Any) -> bool:
    """The answer to the four-eyes inbox's query."""
    return "/graphql" in response.url and "FourEyesInbox" in (response.request.post_data or "")


SIGN = """mutation($id: ID!, $otp: String!) { signContract(contractId: $id, otp: $otp)
  { contract { status } errors { code message } } }"""


def _pay_out(base: str, info: dict[str, Any], application_id: str) -> str:
    """The borrower accepts and signs, a colleague countersigns and registers the pledge, a
    fourth person pays out (separation of duties); the loan's id."""
    applicant, secret = _applicant_api(base, info)
    accepted = applicant(
        "mutation($id: ID!) { acceptOffer(applicationId: $id) { contract { id } errors { code message } } }",
        id=application_id,
    )["acceptOffer"]
    assert accepted["errors"] == [], accepted
    contract = accepted["contract"]["id"]
    _with_code(secret, lambda code: applicant(SIGN, id=contract, otp=code)["signContract"])

    countersigner = _staff_api(base, info, "LOAN_OFFICER_2")
    signed = _with_code(
        info["totp_secrets"]["LOAN_OFFICER_2"],
        lambda code: countersigner(SIGN, id=contract, otp=code)["signContract"],
    )
    assert signed["contract"]["status"] == "SIGNED", signed
    registered = countersigner(
        """mutation($n: String!, $r: String!, $d: Date!) { registerPledge(patentNumber: $n,
          registrationNumber: $r, registeredOn: $d) { errors { code message } } }""",
        n=PLEDGED, r="PLG-CONSOLE-QUEUE-1", d=datetime.now(UTC).date().isoformat(),
    )["registerPledge"]  # fmt: skip
    assert registered["errors"] == [], registered

    missing = "the seed needs a fourth money-role account with a known second factor"
    assert "RISK_MANAGER_2" in info["accounts"], missing
    payer = _staff_api(base, info, "RISK_MANAGER_2")
    paid = payer(
        "mutation($id: ID!) { disburse(contractId: $id) { loan { id } errors { code message } } }",
        id=contract,
    )["disburse"]
    assert paid["errors"] == [], paid
    return str(paid["loan"]["id"])


def _officer_claims_and_approves_first(
    page: Any,
    signed_in: Any,
    screenshot: Any,
    axe: Any,
    base: str,
    application_id: str,
    officer: str,
) -> None:
    """The officer claims the application from the queue and gives the first of two approvals
    (which never shows in the officer's own four-eyes inbox)."""
    # given a loan officer on the work queue, with the referred application unassigned
    signed_in(page, "LOAN_OFFICER")
    page.goto(f"{base}/console/queue")
    page.get_by_role("heading", name="工作队列").wait_for()
    row = _row(page, application_id)
    row.wait_for(timeout=10_000)
    axe(page)
    screenshot(page, "queue")

    # when the officer claims it, then the queue shows the officer holding it
    row.get_by_test_id("queue-claim").click()
    page.get_by_test_id("queue-notice").wait_for()
    assert officer in row.inner_text()
    assert row.get_by_test_id("queue-claim").count() == 0

    # when the officer opens it: applicant, terms and the decision breakdown are shown
    row.get_by_test_id("queue-open").click()
    page.get_by_test_id("decision-breakdown").wait_for(timeout=10_000)
    assert page.get_by_test_id("application-assignee").inner_text() == officer
    page.get_by_test_id("history-timeline").wait_for()
    axe(page)
    screenshot(page, "application")

    # an approval needs a comment
    page.get_by_test_id("review-approve").click()
    page.get_by_text("请填写审查意见").wait_for()

    # when the officer approves with a comment: the first of two approvals is recorded
    page.get_by_label("审查意见（必填）").fill("专利质押充足，经营稳定，同意。")
    page.get_by_test_id("review-approve").click()
    page.get_by_test_id("four-eyes-note").wait_for(timeout=10_000)
    reviews = page.get_by_test_id("application-reviews")
    assert officer in reviews.inner_text() and "经营稳定" in reviews.inner_text()
    # one review per person: the form goes once the application is read back
    page.get_by_test_id("review-form").wait_for(state="detached", timeout=10_000)
    staff = Api(base, _browser_token(page))
    status = staff("query($id: ID!) { application(id: $id) { status } }", id=application_id)
    assert status["application"]["status"] == "MANUAL_REVIEW"

    # the officer's own first approval is never in the officer's four-eyes inbox
    page.goto(f"{base}/console/queue")
    with page.expect_response(_inbox_answer):
        page.get_by_test_id("queue-view-four-eyes").click()
    page.get_by_test_id("queue-table").wait_for()
    assert _row(page, application_id).count() == 0


def _risk_manager_completes_four_eyes(
    page: Any, signed_in: Any, screenshot: Any, base: str, application_id: str, officer: str
) -> dict[str, Any]:
    """A risk manager finds the application in the four-eyes inbox and approves it too; the
    application as the API then shows it."""
    page.get_by_test_id("sign-out").click()
    signed_in(page, "RISK_MANAGER")
    page.goto(f"{base}/console/queue")
    page.get_by_test_id("queue-view-four-eyes").click()
    inbox_row = _row(page, application_id)
    inbox_row.wait_for(timeout=10_000)
    assert officer in inbox_row.inner_text()
    screenshot(page, "queue-four-eyes")

    inbox_row.get_by_test_id("queue-open").click()
    page.get_by_test_id("review-form").wait_for(timeout=10_000)
    page.get_by_label("审查意见（必填）").fill("风险可控，同意双人复核。")
    page.get_by_test_id("review-approve").click()
    page.get_by_test_id("application-notice").wait_for(timeout=10_000)
    # the notice comes with the answer; the form goes once the application is read back
    page.get_by_test_id("review-form").wait_for(state="detached", timeout=10_000)
    staff = Api(base, _browser_token(page))
    decided: dict[str, Any] = staff(
        """query($id: ID!) { application(id: $id) { status enterprise { id }
          reviews { reviewer decision } } }""",
        id=application_id,
    )["application"]
    return decided


def test_an_officer_claims_and_approves_a_second_reviewer_completes_four_eyes_and_the_loan_appears(
    console_server: Any, page: Any, signed_in: Any, screenshot: Any, axe: Any
) -> None:
    info: dict[str, Any] = console_server.info
    base = _base(console_server)
    application_id = str(info["review_application_id"])
    officer, risk = info["accounts"]["LOAN_OFFICER"], info["accounts"]["RISK_MANAGER"]

    _officer_claims_and_approves_first(
        page, signed_in, screenshot, axe, base, application_id, officer
    )
    decided = _risk_manager_completes_four_eyes(
        page, signed_in, screenshot, base, application_id, officer
    )
    assert decided["status"] == "APPROVED"
    assert [(r["reviewer"], r["decision"]) for r in decided["reviews"]] == [
        (officer, "APPROVE"),
        (risk, "APPROVE"),
    ]

    # when the borrower signs and the bank pays out, then the loan is on the borrower's page
    loan_id = _pay_out(base, info, application_id)
    page.goto(f"{base}/console/borrowers/{decided['enterprise']['id']}")
    page.get_by_test_id("borrower-loans").wait_for(timeout=10_000)
    assert page.locator(f'a[href$="/loans/{loan_id}"]').count() == 1
    axe(page)
    screenshot(page, "borrower")
