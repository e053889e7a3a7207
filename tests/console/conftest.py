"""Fixtures of the staff console's browser tests.

- `console_server`: the built console served by a live app over a small seeded world
  (seed.py: staff of every role with known passwords and second factors, an application in
  MANUAL_REVIEW, a disbursed loan, a guaranteed line);
- `page`: a chromium page (Debian's, launched by path) that fails the test on any console
  error or uncaught exception; `allow_console_error(page, pattern)` lets one through;
- `signed_in(page, role, path="/")`: the page signed in as that role's account, at `path`;
- `totp_code(role)`: a one-time code the role's account accepts now;
- `screenshot(page, name)`: a full-page PNG under test-output/console/;
- `axe(page)`: axe-core run on the page, failing on serious or critical violations.

Every test here is marked `browser`; they skip, saying why, only where chromium is missing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest

from tests.live_server import free_port, running, server_env

ROOT = Path(__file__).resolve().parents[2]
CONSOLE = ROOT / "console"
DIST = CONSOLE / "dist"
OUTPUT = ROOT / "test-output" / "console"
CHROMIUM = Path(os.environ.get("IPCREDIT_CHROMIUM", "/usr/bin/chromium"))
AXE = CONSOLE / "node_modules" / "axe-core" / "axe.min.js"
SESSION_KEY = "ipcredit.console.session"  # console/src/api/session.ts
TOTP_PERIOD = 30

SERVER = r"""
import asyncio, sys
from pathlib import Path
sys.path.insert(0, {root!r})

async def seed():
    from config import settings
    from db.connection import close_db, init_db
    from tests.console.seed import seed
    await init_db(settings().database_url)
    await seed(Path({world!r}), Path({info!r}))
    await close_db()

asyncio.run(seed())
import uvicorn
from app import create_app
uvicorn.run(create_app(), host="127.0.0.1", port={port}, log_level="warning", access_log=False)
"""


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@dataclass
class ConsoleServer:
    """The live server: where it listens, and what the seed wrote (accounts, secrets, ids)."""

    base_url: str
    info: dict[str, Any]
    database: Path
    _codes: dict[str, int] = field(default_factory=dict)

    @property
    def console_url(self) -> str:
        return self.base_url + "/console"

    @property
    def graphql_url(self) -> str:
        return self.base_url + "/graphql"

    @property
    def password(self) -> str:
        return str(self.info["password"])

    def email(self, role: str) -> str:
        return str(self.info["accounts"][role])

    def totp_code(self, role: str) -> str:
        """A code the role's account has not used yet (each code is good once)."""
        secret = self.info["totp_secrets"][role]
        with sqlite3.connect(self.database, timeout=10) as db:
            row = db.execute(
                "SELECT totp_last_step FROM user_account WHERE email = ?", (self.email(role),)
            ).fetchone()
            last = row[0] if row else None
            now = int(time.time() // TOTP_PERIOD)
            step = now if last is None else max(now, last + 1)
            if step > now + 1:  # this step's and the next one's codes are spent
                db.execute(
                    "UPDATE user_account SET totp_last_step = NULL WHERE email = ?",
                    (self.email(role),),
                )
                step = now
        return pyotp.TOTP(secret, interval=TOTP_PERIOD).at(step * TOTP_PERIOD)

    def login(self, role: str) -> dict[str, Any]:
        """A session of the role's account through the API (login mutation)."""
        otp = self.totp_code(role) if role in self.info["totp_secrets"] else None
        query = """mutation($e: String!, $p: String!, $o: String) { login(email: $e, password: $p,
          otp: $o) { token refreshToken expiresAt enrolmentOnly user { email role }
          errors { field message code } } }"""
        r = httpx.post(
            self.graphql_url,
            json={
                "query": query,
                "variables": {"e": self.email(role), "p": self.password, "o": otp},
            },
            timeout=30,
        )
        payload = r.json()["data"]["login"]
        assert payload["errors"] == [], payload
        return dict(payload)

    def gql(self, query: str, token: str | None = None, **variables: Any) -> dict[str, Any]:
        """A GraphQL call over HTTP; the whole answer."""
        headers = {"authorization": f"Bearer {token}"} if token else {}
        r = httpx.post(
            self.graphql_url,
            json={"query": query, "variables": variables},
            headers=headers,
            timeout=30,
        )
        return dict(r.json())


def _newest(paths: list[Path]) -> float:
    return max((p.stat().st_mtime for p in paths if p.exists()), default=0.0)


def ensure_built() -> None:
    """Build the console when its build is missing or older than its sources (`make test`
    builds it first; this keeps a targeted run honest)."""
    stamp = DIST / "index.html"
    sources = [*CONSOLE.joinpath("src").rglob("*"), CONSOLE / "index.html",
               CONSOLE / "package-lock.json", CONSOLE / "vite.config.ts"]  # fmt: skip
    if stamp.exists() and stamp.stat().st_mtime >= _newest(sources):
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("the console is not built and npm is missing (node and npm build it)")
    if not (CONSOLE / "node_modules" / ".package-lock.json").exists():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=CONSOLE, check=True)
    subprocess.run([npm, "run", "build"], cwd=CONSOLE, check=True)


@pytest.fixture(scope="package")
def console_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleServer]:
    """The built console and the app over a freshly seeded small world (for this package)."""
    if not CHROMIUM.exists():
        pytest.skip(f"chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    ensure_built()
    tmp = tmp_path_factory.mktemp("console")
    port = free_port()
    info = tmp / "seed.json"
    database = tmp / "console.sqlite3"
    script = SERVER.format(root=str(ROOT), world=str(tmp / "world"), info=str(info), port=port)
    with running(script, server_env(tmp, database), port=port, timeout_s=120,
                 what="console server"):  # fmt: skip
        yield ConsoleServer(f"http://127.0.0.1:{port}", json.loads(info.read_text()), database)


@pytest.fixture(scope="package")
def browser(console_server: ConsoleServer) -> Iterator[Any]:
    """Debian's chromium, headless, launched by path (Playwright's browser download is not used)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        )
        try:
            yield browser
        finally:
            browser.close()


def allow_console_error(page: Any, pattern: str) -> None:
    """Let console errors matching `pattern` (a regular expression) pass for this page."""
    page._allowed_errors.append(re.compile(pattern))


@pytest.fixture
def page(browser: Any, console_server: ConsoleServer) -> Iterator[Any]:
    """A fresh context (cold cache, no storage) and page; any console error fails the test."""
    context = browser.new_context(
        base_url=console_server.base_url, locale="zh-CN", viewport={"width": 1366, "height": 850}
    )
    context.set_default_timeout(10_000)
    p = context.new_page()
    errors: list[str] = []
    p._allowed_errors = []
    p._console_errors = errors
    p.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    p.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    # which resource failed (the console message does not say)
    p.on(
        "response",
        lambda r: errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
    )
    try:
        yield p
    finally:
        context.close()
    unexpected = [e for e in errors if not any(a.search(e) for a in p._allowed_errors)]
    assert not unexpected, "console errors:\n" + "\n".join(unexpected)


SignedIn = Callable[..., dict[str, Any]]


@pytest.fixture
def signed_in(console_server: ConsoleServer) -> SignedIn:
    """`signed_in(page, role, path="/")`: sign the page in as the role's seeded account
    (LOAN_OFFICER, LOAN_OFFICER_2, RISK_MANAGER, ADMIN, GUARANTOR) and open `path` of the
    console; returns the session (token, user)."""

    def sign_in(page: Any, role: str, path: str = "/") -> dict[str, Any]:
        auth = console_server.login(role)
        state = {
            "token": auth["token"],
            "refreshToken": auth["refreshToken"],
            "expiresAt": auth["expiresAt"],
            "enrolmentOnly": auth["enrolmentOnly"],
            "user": auth["user"],
        }
        # the tab's storage first (on the sign-in screen), then the console at `path`
        page.goto(console_server.console_url + "/signin")
        page.get_by_test_id("signin-form").wait_for()
        page.evaluate("([k, v]) => sessionStorage.setItem(k, v)", [SESSION_KEY, json.dumps(state)])
        page.goto(console_server.console_url + path)
        page.get_by_test_id("signed-in-as").wait_for()
        return auth

    return sign_in


@pytest.fixture
def totp_code(console_server: ConsoleServer) -> Callable[[str], str]:
    """`totp_code(role)`: a one-time code the role's account accepts now."""
    return console_server.totp_code


def save_screenshot(page: Any, name: str) -> Path:
    """A full-page PNG of the page under test-output/console/<name>.png."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def screenshot() -> Callable[[Any, str], Path]:
    """`screenshot(page, name)`: saved under test-output/console/."""
    return save_screenshot


def run_axe(page: Any, *, exclude: list[str] | None = None) -> list[dict[str, Any]]:
    """Run axe-core on the page; fail on serious or critical violations; all violations."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE} (npm ci in console/)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    context = {"exclude": [[s] for s in exclude]} if exclude else None
    result = page.evaluate(
        """async (ctx) => {
            const r = await window.axe.run(ctx ?? document, { resultTypes: ["violations"] });
            return r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ")) }));
        }""",
        context,
    )
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, "axe-core violations:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} at {v['nodes']}" for v in bad
    )
    return list(result)


@pytest.fixture
def axe() -> Callable[..., list[dict[str, Any]]]:
    """`axe(page, exclude=[selectors])`: no serious or critical violations."""
    return run_axe
