"""The warnings board under a real feed: warnings raised through the served API at a steady rate
while the board is open in the browser.

The data feed's service account sends `ingestEvent` over HTTP, one event per customer (a RED
dishonest-debtor listing and a YELLOW change of legal representative, in turn), kept on
schedule by a few threads. The server stores each event, its worker raises the warning, and
the board's subscription pushes it to the page. In the page a MutationObserver notes when each
warning card enters the DOM (Date.now(), the same clock as the feed's). The delay of a warning
is from its ingest request's return to its card being drawn (negative where the card was drawn
before the HTTP answer came back). Which warning belongs to which event is read back from the
API afterwards (the board's cards name the warning; the API says its firm and kind).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bench.console_world import Customer
from bench.served import GraphQLError, Server, say

INGEST = """mutation($input: MonitoringEventInput!) { ingestEvent(input: $input) {
  accepted duplicate errors { code message } } }"""
WARNINGS = """query($after: String) { warnings(first: 100, after: $after, status: OPEN) {
  pageInfo { hasNextPage endCursor } edges { node { id kind enterprise { uscc } } } } }"""
EVENTS = (
    ("dishonest_listed", {"court": "芜湖市中级人民法院"}),
    ("legal_rep_changed", {"new": "bench-person"}),
)
FEED_THREADS = 16


@dataclass(frozen=True)
class Sent:
    """One ingested event: its firm and kind, when it was sent and when its answer came back
    (epoch ms)."""

    uscc: str
    kind: str
    sent_ms: float
    returned_ms: float


@dataclass(frozen=True)
class BoardRun:
    """What the feed sent and what the page drew."""

    sent: list[Sent]
    feed_s: float
    delays_ms: list[float]
    drawn_ms: list[float]
    missing: int
    long_tasks_ms: list[float]
    cards_in_dom: int
    cards_drawn: int


def _ingest(server: Server, token: str, customer: Customer, index: int, run: str) -> Sent:
    kind, payload = EVENTS[index % len(EVENTS)]
    event = {
        "id": f"console-bench-{run}-{index}", "uscc": customer.uscc, "type": kind,
        "occurredAt": datetime.now(UTC).isoformat(), "payload": payload,
    }  # fmt: skip
    sent = time.time() * 1000
    result = server.graphql(INGEST, token=token, input=event)["ingestEvent"]
    returned = time.time() * 1000
    if not result["accepted"] or result["errors"]:
        raise GraphQLError(f"ingestEvent refused: {result}")
    return Sent(customer.uscc, kind, sent, returned)


def feed(server: Server, token: str, customers: list[Customer], per_second: float) -> list[Sent]:
    """Ingest one event per customer at `per_second`, each sent at its scheduled moment."""
    run = f"{time.time_ns():x}"
    start = time.perf_counter()
    with ThreadPoolExecutor(FEED_THREADS) as pool:
        futures = []
        for index, customer in enumerate(customers):
            due = start + index / per_second
            time.sleep(max(0.0, due - time.perf_counter()))
            futures.append(pool.submit(_ingest, server, token, customer, index, run))
        return [f.result() for f in futures]


def raised(server: Server, token: str, wanted: set[tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Open warnings by id -> (USCC, kind), newest first, until every wanted pair is found."""
    found: dict[str, tuple[str, str]] = {}
    after = None
    for _ in range(100):
        page = server.graphql(WARNINGS, token=token, after=after)["warnings"]
        for edge in page["edges"]:
            node = edge["node"]
            found[node["id"]] = (node["enterprise"]["uscc"], node["kind"])
        if wanted <= set(found.values()) or not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    return found


def _wait_drawn(page: Any, count: int, timeout_s: float, quiet_s: float = 2.0) -> float:
    """Until at least `count` cards have been drawn and none more for `quiet_s` (warnings of
    neighbours, raised by contagion, come too), or the time is up; seconds waited. The API is
    left alone meanwhile: polling it would slow the server being measured."""
    started = time.monotonic()
    seen, changed = -1, started
    while time.monotonic() - started < timeout_s:
        now = page.evaluate("Object.keys(window.__drawn).length")
        if now != seen:
            seen, changed = now, time.monotonic()
        elif now >= count and time.monotonic() - changed >= quiet_s:
            break
        page.wait_for_timeout(100)
    return time.monotonic() - started


def run_board(
    page: Any, server: Server, tokens: tuple[str, str], customers: list[Customer], rate: float
) -> BoardRun:
    """Open the board, feed it, and match what was drawn to what was sent. `tokens`: the
    feed's and the viewer's."""
    feed_token, viewer_token = tokens
    page.goto(server.url + "/console/warnings")
    page.locator('[data-testid="connection"][data-state="connected"]').wait_for()
    page.locator('[data-testid="warnings-board"][aria-busy="false"]').wait_for()
    page.wait_for_timeout(500)  # the subscription is live
    before = page.evaluate("Object.keys(window.__drawn).length")
    began = page.evaluate("performance.now()")
    say(f"feeding {len(customers)} events at {rate:.0f}/s through ingestEvent")
    started = time.perf_counter()
    sent = feed(server, feed_token, customers, rate)
    feed_s = time.perf_counter() - started
    _wait_drawn(page, before + len(sent), timeout_s=90.0)
    owners = raised(server, viewer_token, {(s.uscc, s.kind) for s in sent})
    drawn: dict[str, list[float]] = page.evaluate("window.__drawn")
    long_tasks = [d for s, d in page.evaluate("window.__long") if s >= began]
    cards = page.locator('[data-testid="warning-card"]').count()
    first_drawn: dict[tuple[str, str], float] = {}
    for warning_id, (at_ms, _) in drawn.items():
        owner = owners.get(warning_id)
        if owner is not None:
            first_drawn[owner] = min(at_ms, first_drawn.get(owner, at_ms))
    matched = [(s, first_drawn[(s.uscc, s.kind)]) for s in sent if (s.uscc, s.kind) in first_drawn]
    delays = [at - s.returned_ms for s, at in matched]
    drawn_at = [at for _, at in matched]
    missing = len(sent) - len(delays)
    new_cards = len(drawn) - before
    return BoardRun(sent, feed_s, delays, drawn_at, missing, long_tasks, cards, new_cards)
