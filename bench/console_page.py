"""What the console benchmark runs inside the page: Debian's chromium driven by Playwright, the
signed-in session put in the tab's storage before the console's own scripts run, and the
in-page probes (frame times, long tasks, when each warning card is drawn).

The browser is launched by path (no browser download), headless, as tests/console does.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyotp

from bench.served import PASSWORD, Server

CHROMIUM = Path(os.environ.get("IPCREDIT_CHROMIUM", "/usr/bin/chromium"))
SESSION_KEY = "ipcredit.console.session"  # console/src/api/session.ts
VIEWPORT = {"width": 1366, "height": 850}
LOGIN = """mutation($email: String!, $password: String!, $otp: String) {
  login(email: $email, password: $password, otp: $otp) {
    token refreshToken expiresAt enrolmentOnly user { email role } errors { code message } } }"""

# Every long task of the page, from its first script on: [start, duration] in ms.
LONG_TASKS = """window.__long = [];
try {
  new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__long.push([e.startTime, e.duration])))
    .observe({ type: "longtask", buffered: true });
} catch (e) { /* no long task timing in this browser */ }"""

# When each warning card first enters the DOM: id -> [Date.now(), performance.now()].
CARD_WATCH = """window.__drawn = {};
new MutationObserver((changes) => {
  const now = Date.now(), at = performance.now();
  for (const change of changes) for (const node of change.addedNodes) {
    if (!(node instanceof Element)) continue;
    const cards = node.matches("[data-warning-id]") ? [node] : node.querySelectorAll("[data-warning-id]");
    for (const card of cards) {
      const id = card.getAttribute("data-warning-id");
      if (!(id in window.__drawn)) window.__drawn[id] = [now, at];
    }
  }
}).observe(document, { childList: true, subtree: true });"""

# Press the queue's "load more" until the table holds `want` rows (or no more pages).
LOAD_ROWS = """async ({ want, timeoutMs }) => {
  const grid = () => document.querySelector('[data-testid="queue-table"] [role="grid"]');
  const held = () => Number(grid()?.getAttribute("aria-rowcount") ?? 1) - 1;
  const started = performance.now();
  let requests = 0;
  while (held() < want && performance.now() - started < timeoutMs) {
    const more = document.querySelector(".more button");
    if (!more) break;
    if (!more.disabled) {
      const before = held();
      more.click();
      requests++;
      while (held() === before && performance.now() - started < timeoutMs)
        await new Promise((r) => setTimeout(r, 5));
    } else await new Promise((r) => setTimeout(r, 5));
  }
  return { rows: held(), requests, ms: performance.now() - started };
}"""

# Scroll the queue's table from top to bottom, `step` pixels each frame; frame times, long
# tasks, the most data rows in the DOM at once, and the last row drawn.
SCROLL = """async ({ step }) => {
  const body = document.querySelector('[data-testid="queue-table"] .dt-body');
  const frame = () => new Promise((r) => requestAnimationFrame(r));
  body.scrollTop = 0;
  await frame(); await frame();
  const long = [];
  const observer = new PerformanceObserver((l) => l.getEntries().forEach((e) => long.push(e.duration)));
  observer.observe({ type: "longtask" });
  const end = body.scrollHeight - body.clientHeight;
  const deltas = [];
  let rows = 0, last = await frame();
  while (body.scrollTop < end - 1) {
    body.scrollTop = Math.min(end, body.scrollTop + step);
    const now = await frame();
    deltas.push(now - last);
    last = now;
    rows = Math.max(rows, body.querySelectorAll(".dt-data").length);
  }
  await frame(); await frame();
  await new Promise((r) => setTimeout(r, 300));
  observer.disconnect();
  const shown = [...body.querySelectorAll(".dt-data")].map((r) => Number(r.getAttribute("aria-rowindex")));
  return { deltas, long, rows, lastRowIndex: Math.max(...shown), scrolled: end };
}"""


def session_state(server: Server, email: str) -> dict[str, Any]:
    """A signed-in session of a staff account, as the console keeps it in the tab's storage.
    Money staff enrol a second factor the first time (Server.login) and log in with the next
    step's code (one used already is refused)."""
    secret_file = (server.totp_dir or server.log.parent / "totp") / email
    if not secret_file.exists():
        server.login(email)  # enrols and keeps the secret
    otp = None
    if secret_file.exists():
        otp = pyotp.TOTP(secret_file.read_text().strip()).at(time.time() + 30)
    payload = server.graphql(LOGIN, email=email, password=PASSWORD, otp=otp)["login"]
    if payload["errors"] or not payload["token"]:
        raise RuntimeError(f"login of {email} refused: {payload['errors']}")
    keys = ("token", "refreshToken", "expiresAt", "enrolmentOnly", "user")
    return {k: payload[k] for k in keys}


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's chromium, headless, launched by path."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

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


@contextmanager
def signed_in_page(
    browser: Any, server: Server, state: dict[str, Any], script: str = ""
) -> Iterator[Any]:
    """A page of a fresh context (cold cache, no storage) whose tab already holds `state`,
    put there before any of the console's scripts run; long tasks are recorded from the start.
    `script` runs there too. The page's `_loaded` lists every URL it requested."""
    context = browser.new_context(base_url=server.url, locale="zh-CN", viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    stored = json.dumps([SESSION_KEY, json.dumps(state)])
    context.add_init_script(f"sessionStorage.setItem(...{stored});\n{LONG_TASKS}\n{script}")
    page = context.new_page()
    loaded: list[str] = []
    page._loaded = loaded
    page.on("request", lambda r: loaded.append(r.url))
    try:
        yield page
    finally:
        context.close()
