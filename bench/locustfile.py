"""Locust users of the chaos run (bench/chaos/run.py starts Locust with this file).

- `ApplicantUser`: one enterprise each, through the whole flow on one of the replicas, pausing
  before each of its eight steps as a person does (CHAOS_THINK_S, "lo,hi": a uniform pause;
  "0,0" sends each step the moment the last one answered): register -> verify (micro-deposit
  and code read from the notices file) -> consent (second factor enrolled, authorisation
  signed with a one-time code) -> createApplication -> submitApplication -> the decision,
  pushed by `applicationUpdated` (polled when the socket drops). Then its enterprise is a
  customer the data feed sends an event about.
- `SubscriberUser`: a staff member holding the `warnings` subscription (graphql-transport-ws)
  on one replica; when the socket drops it reconnects with `after` = the last cursor it saw.
- `FeedUser`: the data feed's service account, sending one `legal_rep_changed` event per
  customer, alternately to each replica, retrying with the same event id until accepted.

A request that fails while a dependency is down is retried after a pause: the run's error rate
is counted from `requests.jsonl` outside the outage windows. Everything is recorded as JSON
lines under CHAOS_OUT for bench/chaos/run.py to check and report.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import deque
from pathlib import Path
from typing import Any

import gevent
import pyotp
import websocket
from locust import HttpUser, events, task
from locust.exception import StopUser

from bench.applicants import (
    APPLICANT_PASSWORD,
    CONFIRM_TOTP,
    CONFIRM_VERIFICATION,
    CONSENT_DAYS,
    ENROL_TOTP,
    GRANT_CONSENT,
    PURPOSES,
    REGISTER,
    REQUEST_VERIFICATION,
    SOURCES,
    latest_challenge,
)
from bench.chaos.sockets import Failed, next_result, open_socket

HOSTS = os.environ.get("CHAOS_HOSTS", "http://127.0.0.1:8000").split(",")
OUT = Path(os.environ.get("CHAOS_OUT", "data/bench/chaos-out"))
NOTICES = Path(os.environ.get("CHAOS_NOTICES", "data/notifications.jsonl"))
RUN = os.environ.get("CHAOS_RUN", "run")
STAFF_TOKEN = os.environ.get("CHAOS_STAFF_TOKEN", "")
FEED_TOKEN = os.environ.get("CHAOS_FEED_TOKEN", "")
START_CURSOR = os.environ.get("CHAOS_START_CURSOR") or None
APPLICANTS = int(os.environ.get("CHAOS_APPLICANTS", "200"))
SUBSCRIBERS = int(os.environ.get("CHAOS_SUBSCRIBERS", "50"))
CANDIDATES: list[dict[str, Any]] = json.loads(os.environ.get("CHAOS_CANDIDATES", "[]"))
THINK_S = tuple(float(s) for s in os.environ.get("CHAOS_THINK_S", "0,0").split(","))
STEP_RETRY_S = 120.0  # how long one step keeps retrying through an outage
DECISION_WAIT_S = 180.0
FINAL = frozenset({"APPROVED", "REJECTED", "MANUAL_REVIEW"})

CREATE = """mutation($input: CreateApplicationInput!) { createApplication(input: $input) {
  application { id } errors { code message } } }"""
SUBMIT = """mutation($id: ID!) { submitApplication(id: $id) {
  application { status } errors { code message } } }"""
STATUS = """query($id: ID!) { application(id: $id) { status } }"""
WATCH = "subscription($id: ID!) { applicationUpdated(id: $id) { status } }"
LOGIN = """mutation($email: String!, $password: String!) { login(email: $email,
  password: $password) { token errors { code message } } }"""
INGEST = """mutation($input: MonitoringEventInput!) { ingestEvent(input: $input) {
  accepted duplicate errors { code message } } }"""
WARNINGS = """subscription($after: String) { warnings(after: $after) {
  id cursor kind enterprise { uscc } } }"""

_files: dict[str, Any] = {}
customers: deque[str] = deque()
state = {"applicants_done": 0, "events_sent": 0, "next_candidate": 0, "subscriber": 0}
accepted: set[str] = set()  # enterprises whose event was accepted
warned: dict[int, set[str]] = {}  # subscriber -> enterprises it got a warning about


def record(stream: str, **fields: Any) -> None:
    """Append one JSON line to CHAOS_OUT/<stream>.jsonl."""
    if stream not in _files:
        OUT.mkdir(parents=True, exist_ok=True)
        _files[stream] = (OUT / f"{stream}.jsonl").open("a", buffering=1)
    _files[stream].write(json.dumps({"t": time.time(), **fields}) + "\n")


def _stale(response: Any, query: str) -> bool:
    """Whether a read failed before any answer because the server had closed the pooled
    connection (its keep-alive ran out): nothing was processed, so sending it again is safe."""
    from requests.exceptions import ConnectionError as ConnectionFailed

    error = getattr(response, "error", None)
    closed = ("RemoteDisconnected", "Connection aborted", "Connection reset")
    return (
        response.status_code == 0
        and query.lstrip().startswith("query")
        and isinstance(error, ConnectionFailed)
        and any(word in str(error) for word in closed)
    )


class GraphQLUser(HttpUser):
    """A client of one replica, recording every request it makes."""

    abstract = True
    replica = 0

    def graphql(self, name: str, query: str, token: str | None = None, **variables: Any) -> Any:
        """One request; its `data`, or Failed. Timed and recorded under `name`. A read sent on
        a pooled connection the server had just closed (keep-alive over) never reached it: it
        is sent again once, as HTTP pools do for idempotent requests, and recorded (`stale`)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        started = time.perf_counter()
        ok, why, data = False, "", None
        for attempt in (1, 2):
            with self.client.post(
                f"{HOSTS[self.replica]}/graphql", json={"query": query, "variables": variables},
                headers=headers, name=name, catch_response=True, timeout=30,
            ) as response:  # fmt: skip
                if attempt == 1 and _stale(response, query):
                    record("stale", op=name, why=repr(response.error)[:200], replica=self.replica)
                    response.success()  # sent again below; the second answer counts
                    continue
                try:
                    body = response.json()
                except ValueError:
                    body = {}
                if response.status_code == 200 and not body.get("errors"):
                    ok, data = True, body["data"]
                    response.success()
                else:
                    text = body.get("errors") or response.text or repr(response.error)
                    why = f"{response.status_code}: {str(text)[:200]}"
                    response.failure(why)
            break
        record("requests", op=name, ms=(time.perf_counter() - started) * 1000, ok=ok, why=why,
               replica=self.replica)  # fmt: skip
        if not ok:
            raise Failed(why)
        return data

    def retrying(self, name: str, query: str, token: str | None = None, **variables: Any) -> Any:
        """`graphql`, retried every half second through an outage (for at most STEP_RETRY_S)."""
        deadline = time.monotonic() + STEP_RETRY_S
        while True:
            try:
                return self.graphql(name, query, token, **variables)
            except Failed:
                if time.monotonic() > deadline:
                    raise
                gevent.sleep(0.5)


def _ws_url(replica: int) -> str:
    return HOSTS[replica].replace("http://", "ws://", 1) + "/graphql"


class ApplicantUser(GraphQLUser):
    """One enterprise through the whole flow, once."""

    fixed_count = APPLICANTS

    @task
    def whole_flow(self) -> None:
        """Register, verify, consent, apply, submit, wait for the decision; then stop."""
        started = time.time()
        index = state["next_candidate"]
        state["next_candidate"] += 1
        if index >= len(CANDIDATES):
            raise StopUser()
        firm = CANDIDATES[index]
        self.replica = index % len(HOSTS)
        try:
            token = self.sign_up(firm)
            application_id = self.apply(token, firm)
            self.think()  # reading the application over before submitting it
            self.decide(token, application_id)
            customers.append(firm["uscc"])
            record("applicants", uscc=firm["uscc"], application=application_id, ok=True,
                   started=started)  # fmt: skip
        except Failed as exc:
            record("applicants", uscc=firm["uscc"], ok=False, why=str(exc), started=started)
        finally:
            state["applicants_done"] += 1
        raise StopUser()

    def think(self) -> None:
        """A person's pause before the next step: filling a form, reading a code."""
        low, high = THINK_S
        if high > 0:
            gevent.sleep(random.uniform(low, high))

    def sign_up(self, firm: dict[str, Any]) -> str:
        """Register (or, when a retried register had gone through, log in), verify, consent."""
        self.think()  # filling in the registration form
        email = f"chaos-{firm['uscc'].lower()}@bench.example"
        fields = {"email": email, "password": APPLICANT_PASSWORD, "uscc": firm["uscc"],
                  "enterpriseName": firm["name"]}  # fmt: skip
        reg = self.retrying("register", REGISTER, input=fields)["register"]
        if reg["errors"]:
            login = self.retrying("login", LOGIN, email=email, password=APPLICANT_PASSWORD)
            if login["login"]["errors"]:
                raise Failed(f"register refused: {reg['errors']}")
            token: str = login["login"]["token"]
        else:
            token = reg["token"]
        self.think()
        start = NOTICES.stat().st_size if NOTICES.exists() else 0
        self.retrying("requestVerification", REQUEST_VERIFICATION, token)
        deadline = time.monotonic() + 30
        while (challenge := latest_challenge(NOTICES, firm["uscc"], start)) is None:
            if time.monotonic() > deadline:
                raise Failed(f"no verification notice for {firm['uscc']}")
            gevent.sleep(0.05)
        amount, code = challenge
        self.think()  # reading the deposit's amount and code off the statement
        self.retrying("confirmVerification", CONFIRM_VERIFICATION, token, amount=amount,
                      code=code)  # fmt: skip
        self.think()
        secret = self.retrying("enrollTotp", ENROL_TOTP, token)["enrollTotp"]["secret"]
        totp = pyotp.TOTP(secret)
        self.think()  # adding the secret to an authenticator app
        self.retrying("confirmTotp", CONFIRM_TOTP, token, code=totp.now())
        self.think()  # reading what the consent covers
        until = time.strftime("%Y-%m-%d", time.gmtime(time.time() + CONSENT_DAYS * 86400))
        grant = {"sources": list(SOURCES), "purposes": list(PURPOSES), "validUntil": until,
                 "otp": totp.at(time.time() + totp.interval)}  # fmt: skip
        granted = self.retrying("grantConsent", GRANT_CONSENT, token, input=grant)
        if granted["grantConsent"]["errors"]:
            # a retry after a cut connection repeats a code the server may have used: sign
            # again with the code of a later time step
            gevent.sleep(totp.interval - time.time() % totp.interval + 0.5)
            grant["otp"] = totp.at(time.time() + totp.interval)
            granted = self.retrying("grantConsent", GRANT_CONSENT, token, input=grant)
        if granted["grantConsent"]["errors"]:
            raise Failed(f"grantConsent refused: {granted['grantConsent']['errors']}")
        return token

    def apply(self, token: str, firm: dict[str, Any]) -> str:
        """A draft application pledging the firm's patents; its id."""
        self.think()  # filling in the application
        application = {"productCode": "IPCREDIT_IP_PLEDGE", "amount": "500000.00",
                       "termMonths": 12, "pledgedPatentNumbers": firm["patents"]}  # fmt: skip
        created = self.retrying("createApplication", CREATE, token, input=application)
        payload = created["createApplication"]
        if payload["errors"]:
            raise Failed(f"createApplication refused: {payload['errors']}")
        return str(payload["application"]["id"])

    def decide(self, token: str, application_id: str) -> None:
        """Submit while watching; the time to the final status is the `decision` figure."""
        ws = None
        try:
            ws = open_socket(_ws_url(self.replica), token, WATCH, {"id": application_id})
            next_result(ws, 10)  # the application as it is now: the feed is live
        except (Failed, OSError, websocket.WebSocketException):
            ws = None
        started = time.perf_counter()
        self.retrying("submitApplication", SUBMIT, token, id=application_id)
        status = self.wait_final(ws, token, application_id)
        ms = (time.perf_counter() - started) * 1000
        events.request.fire(request_type="FLOW", name="decision", response_time=ms,
                            response_length=0, exception=None, context={})  # fmt: skip
        record("decisions", application=application_id, ms=ms, status=status)

    def wait_final(self, ws: Any, token: str, application_id: str) -> str:
        """The final status: pushed, or polled once the socket is gone."""
        deadline = time.monotonic() + DECISION_WAIT_S
        while time.monotonic() < deadline:
            if ws is not None:
                try:
                    seen = next_result(ws, 5)
                except Failed:
                    ws = None
                    continue
                if seen and seen["applicationUpdated"]["status"] in FINAL:
                    ws.close()
                    return str(seen["applicationUpdated"]["status"])
                if seen:
                    continue
            try:
                found = self.graphql("application", STATUS, token, id=application_id)
            except Failed:
                found = None
            if found and found["application"]["status"] in FINAL:
                return str(found["application"]["status"])
            if ws is None:
                gevent.sleep(0.25)
        raise Failed(f"application {application_id} not decided in {DECISION_WAIT_S:.0f} s")


class SubscriberUser(GraphQLUser):
    """A staff member's `warnings` subscription, resumed by cursor whenever it drops."""

    fixed_count = SUBSCRIBERS

    @task
    def hold(self) -> None:
        """Receive warnings until the run ends, reconnecting with the last cursor seen."""
        number = state["subscriber"]
        state["subscriber"] += 1
        self.replica = number % len(HOSTS)
        cursor = START_CURSOR
        while True:
            try:
                ws = open_socket(_ws_url(self.replica), STAFF_TOKEN, WARNINGS, {"after": cursor})
                record("connects", subscriber=number, after=cursor)
                while True:
                    seen = next_result(ws, 30)
                    if seen is None:
                        continue
                    w = seen["warnings"]
                    cursor = w["cursor"]
                    warned.setdefault(number, set()).add(w["enterprise"]["uscc"])
                    record("received", subscriber=number, id=w["id"], kind=w["kind"],
                           uscc=w["enterprise"]["uscc"])  # fmt: skip
            except (Failed, OSError, websocket.WebSocketException) as exc:
                record("drops", subscriber=number, why=str(exc)[:200])
                gevent.sleep(0.5)


class FeedUser(GraphQLUser):
    """The data feed: one event per new customer, alternately to each replica."""

    fixed_count = 1

    @task
    def feed(self) -> None:
        """Send the next customer's event, or wait for one."""
        if not customers:
            gevent.sleep(0.1)
            return
        uscc = customers.popleft()
        number = state["events_sent"]
        state["events_sent"] += 1
        self.replica = (number + 1) % len(HOSTS)
        event = {"id": f"chaos-{RUN}-{number}", "uscc": uscc, "type": "legal_rep_changed",
                 "occurredAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                 "payload": {"new": f"chaos-person-{RUN}-{number}"}}  # fmt: skip
        sent = time.time()
        try:
            result = self.retrying("ingestEvent", INGEST, FEED_TOKEN, input=event)["ingestEvent"]
            record("ingested", event=event["id"], uscc=uscc, sent=sent,
                   accepted=bool(result["accepted"]), replica=self.replica)  # fmt: skip
            if result["accepted"]:
                accepted.add(uscc)
        except Failed as exc:
            record("ingested", event=event["id"], uscc=uscc, sent=sent, accepted=False,
                   why=str(exc))  # fmt: skip


@events.init.add_listener
def _stop_when_done(environment: Any, **_: Any) -> None:
    """Quit once every applicant is through, every event sent and every subscriber has its
    warning (or CHAOS_GRACE_S after the last event: what is missing then is counted lost)."""

    def everyone_has_everything() -> bool:
        return len(warned) >= SUBSCRIBERS and all(accepted <= got for got in warned.values())

    def watch() -> None:
        while True:
            gevent.sleep(1)
            total = min(APPLICANTS, len(CANDIDATES))
            if state["applicants_done"] >= total and not customers:
                deadline = time.monotonic() + float(os.environ.get("CHAOS_GRACE_S", "60"))
                while time.monotonic() < deadline and not everyone_has_everything():
                    gevent.sleep(0.5)
                record("done", applicants=state["applicants_done"], events=state["events_sent"])
                if environment.runner is not None:
                    environment.runner.quit()
                return

    gevent.spawn(watch)
