"""Sign-in: the second factor for money roles, enrolment, session refresh, sign-out, the
locale switch; and the first load's time and size."""

from __future__ import annotations

import gzip
import json
import re
import time
from pathlib import Path
from typing import Any

import pyotp

from tests.console.conftest import DIST, SESSION_KEY, ConsoleServer

ME = "{ me { email role } }"
FIRST_LOAD_BUDGET_S = 1.5
JS_BUDGET_BYTES = 600 * 1024


def _fill(page: Any, email: str, password: str, otp: str | None = None) -> None:
    page.get_by_label("邮箱").fill(email)
    page.get_by_label("密码").fill(password)
    if otp is not None:
        page.get_by_label("一次性验证码").fill(otp)
    page.get_by_test_id("signin-submit").click()


def _stored_session(page: Any) -> dict[str, Any] | None:
    raw = page.evaluate("(k) => sessionStorage.getItem(k)", SESSION_KEY)
    return json.loads(raw) if raw else None


def test_a_loan_officer_needs_the_one_time_code(
    page: Any, console_server: ConsoleServer, totp_code: Any, screenshot: Any, axe: Any
) -> None:
    page.goto(console_server.console_url + "/")
    page.wait_for_url(re.compile(r"/console/signin"))
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    screenshot(page, "signin")
    axe(page)

    _fill(page, console_server.email("LOAN_OFFICER"), console_server.password)
    page.get_by_test_id("otp-error").wait_for()
    assert page.evaluate("document.activeElement.id") == "signin-otp"

    page.get_by_label("一次性验证码").fill(totp_code("LOAN_OFFICER"))
    page.get_by_test_id("signin-submit").click()
    page.get_by_test_id("signed-in-as").wait_for()
    assert "officer@bank.cn" in page.get_by_test_id("signed-in-as").inner_text()
    assert "/signin" not in page.url
    stored = _stored_session(page)
    assert stored and stored["user"]["role"] == "LOAN_OFFICER" and stored["refreshToken"]
    screenshot(page, "signed-in-officer")
    axe(page)


def test_wrong_password_is_refused_and_a_non_money_role_needs_no_code(
    page: Any, console_server: ConsoleServer
) -> None:
    page.goto(console_server.console_url + "/signin")
    _fill(page, console_server.email("ADMIN"), "not the password")
    page.get_by_test_id("signin-error").wait_for()
    assert _stored_session(page) is None

    _fill(page, console_server.email("ADMIN"), console_server.password)
    page.get_by_test_id("signed-in-as").wait_for()
    assert "admin@bank.cn" in page.get_by_test_id("signed-in-as").inner_text()


def test_a_deep_link_returns_after_sign_in(page: Any, console_server: ConsoleServer) -> None:
    page.goto(console_server.console_url + "/no/such/screen")
    page.wait_for_url(re.compile(r"/console/signin\?next="))
    _fill(page, console_server.email("ADMIN"), console_server.password)
    page.wait_for_url(re.compile(r"/console/no/such/screen$"))
    page.get_by_role("heading", name="页面不存在").wait_for()


def test_an_officer_without_a_second_factor_enrols_one(
    page: Any, console_server: ConsoleServer, screenshot: Any, axe: Any
) -> None:
    page.goto(console_server.console_url + "/signin")
    _fill(page, console_server.email("NEW_OFFICER"), console_server.password)
    secret = page.get_by_test_id("totp-secret").inner_text()
    screenshot(page, "signin-enrol")
    axe(page)

    page.get_by_label("一次性验证码").fill(pyotp.TOTP(secret).now())
    page.get_by_test_id("enrol-submit").click()
    page.get_by_test_id("signed-in-as").wait_for()
    stored = _stored_session(page)
    assert stored and stored["enrolmentOnly"] is False and stored["refreshToken"]


def test_a_refused_token_is_renewed_with_the_refresh_token(
    page: Any, console_server: ConsoleServer, signed_in: Any
) -> None:
    signed_in(page, "RISK_MANAGER")
    before = _stored_session(page)
    assert before is not None
    # the access token no longer works (expired, say): the console renews it and stays in
    page.evaluate(
        "([k, v]) => sessionStorage.setItem(k, v)",
        [SESSION_KEY, json.dumps({**before, "token": before["token"][:-4] + "AAAA"})],
    )
    page.reload()
    page.get_by_test_id("signed-in-as").wait_for()
    page.wait_for_function(
        "([k, old]) => { const s = JSON.parse(sessionStorage.getItem(k) || 'null');"
        " return s && s.refreshToken && s.refreshToken !== old; }",
        arg=[SESSION_KEY, before["refreshToken"]],
    )
    after = _stored_session(page)
    assert after is not None
    assert console_server.gql(ME, after["token"])["data"]["me"]["email"] == "risk@bank.cn"
    assert "/signin" not in page.url


def test_sign_out_ends_the_session_on_the_server(
    page: Any, console_server: ConsoleServer, signed_in: Any
) -> None:
    auth = signed_in(page, "GUARANTOR")
    assert console_server.gql(ME, auth["token"])["data"]["me"]["role"] == "GUARANTOR"
    page.get_by_test_id("sign-out").click()
    page.wait_for_url(re.compile(r"/console/signin"))
    assert _stored_session(page) is None
    answer = console_server.gql(ME, auth["token"])
    assert (answer.get("data") or {}).get("me") is None
    # the console stays closed until the next sign-in
    page.goto(console_server.console_url + "/")
    page.wait_for_url(re.compile(r"/console/signin"))


def test_the_english_switch(page: Any, console_server: ConsoleServer, signed_in: Any) -> None:
    page.goto(console_server.console_url + "/signin")
    page.get_by_test_id("locale-switch").select_option("en")
    page.get_by_role("heading", name="Staff sign-in").wait_for()
    assert page.evaluate("document.documentElement.lang") == "en"
    signed_in(page, "ADMIN")
    assert page.get_by_test_id("sign-out").inner_text() == "Sign out"


def _first_load_js() -> list[Path]:
    """The JavaScript the first load fetches: the entry and what index.html preloads."""
    html = (DIST / "index.html").read_text(encoding="utf-8")
    names = re.findall(r'(?:src|href)="/console/(assets/[^"]+\.js)"', html)
    return [DIST / n for n in names]


def test_first_load_is_fast_and_small(browser: Any, console_server: ConsoleServer) -> None:
    js = _first_load_js()
    entry_gzip = sum(len(gzip.compress(p.read_bytes(), 9)) for p in js)
    context = browser.new_context()  # a cold cache
    try:
        page = context.new_page()
        started = time.perf_counter()
        page.goto(console_server.console_url + "/signin")
        page.get_by_test_id("signin-form").wait_for()
        elapsed = time.perf_counter() - started
        transferred = page.evaluate(
            "performance.getEntriesByType('resource').filter(e => e.name.endsWith('.js'))"
            ".reduce((n, e) => n + e.transferSize, 0)"
        )
    finally:
        context.close()
    print(
        f"first load {elapsed * 1000:.0f} ms; entry JS {entry_gzip} B gzip; JS transferred {transferred} B"
    )
    assert js, "index.html loads no script"
    assert elapsed < FIRST_LOAD_BUDGET_S
    assert entry_gzip < JS_BUDGET_BYTES
    assert transferred < JS_BUDGET_BYTES
