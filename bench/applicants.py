"""Applicants for benchmarks: enterprises of the world signed up through the `register` mutation.

Each applicant is a user of its own enterprise, as on the platform: registered, then verified
(`requestVerification`; the micro-deposit amount and the legal representative's code are read
from the notices the development notifier writes to <data dir>/notifications.jsonl;
`confirmVerification`), then granting the data authorisation an application needs
(`grantConsent`: every source, for applications and monitoring, valid for a year). An
enterprise takes part once per world (it may register only once): those used by earlier runs
are kept in data/bench/<world>/applicants.json and left out of later ones.

Verification pays the deposit into the settlement account on record, which worlds generated
before settlement accounts existed do not have: such a world is refused; rebuild it with
--fresh.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp

from bench.served import GraphQLError, Server, World, say

APPLICANT_PASSWORD = "bench-applicant-1"
REGISTER = """mutation($input: RegisterInput!) { register(input: $input) {
  token errors { code message } } }"""
REQUEST_VERIFICATION = """mutation { requestVerification { errors { code message } } }"""
CONFIRM_VERIFICATION = """mutation($amount: Decimal!, $code: String!) {
  confirmVerification(depositAmount: $amount, legalRepCode: $code) {
    user { verification } errors { code message } } }"""
ENROL_TOTP = "mutation { enrollTotp { secret errors { code message } } }"
CONFIRM_TOTP = """mutation($code: String!) { confirmTotp(code: $code) {
  token errors { code message } } }"""
GRANT_CONSENT = """mutation($input: GrantConsentInput!) { grantConsent(input: $input) {
  consent { id } errors { code message } } }"""
SOURCES = ("REGISTRATION", "JUDICIAL", "TAX", "PATENTS", "FINANCIALS", "CREDIT_BUREAU")
PURPOSES = ("APPLICATION", "MONITORING")
CONSENT_DAYS = 360  # an authorisation may run for a year at most
NOTICE_WAIT_S = 10.0
STALE_WORLD = (
    "{world}: its enterprises have no settlement_account (generated before verification "
    "existed), so no applicant can be verified; rebuild the world with --fresh"
)


@dataclass(frozen=True)
class Candidate:
    """An active enterprise of the world and up to two of its free granted patents."""

    uscc: str
    name: str
    patents: tuple[str, ...]


@dataclass(frozen=True)
class Applicant:
    """A registered applicant: its enterprise, its bearer token and the secret of the second
    factor it enrolled to sign its authorisation (its later signatures need codes too)."""

    firm: Candidate
    token: str
    totp_secret: str = ""


def candidates(world_dir: Path, used: set[str], rng: random.Random) -> list[Candidate]:
    """Active enterprises with granted, unpledged patents, shuffled; those in `used` left out."""
    free: dict[str, list[str]] = {}
    with (world_dir / "patents.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            p = json.loads(line)
            if p.get("status") == "granted" and not p.get("pledged") and p.get("owner"):
                free.setdefault(p["owner"], []).append(p["number"])
    found = []
    with (world_dir / "enterprises.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            e = json.loads(line)
            if not e.get("settlement_account"):
                continue  # cannot be verified
            if e.get("status") == "active" and e["uscc"] in free and e["uscc"] not in used:
                found.append(Candidate(e["uscc"], e["name"], tuple(sorted(free[e["uscc"]])[:2])))
    rng.shuffle(found)
    return found


def has_settlement_accounts(world_dir: Path) -> bool:
    """Whether the world's enterprises carry settlement accounts (the first one tells)."""
    with (world_dir / "enterprises.jsonl").open(encoding="utf-8") as lines:
        first = next(lines, "")
    return bool(first.strip()) and bool(json.loads(first).get("settlement_account"))


def latest_challenge(path: Path, uscc: str, start: int) -> tuple[str, str] | None:
    """The deposit amount and the legal representative's code last sent to `uscc` in the
    notices written at or after byte `start`; None until both are there."""
    if not path.exists():
        return None
    found: dict[str, Any] = {}
    with path.open("rb") as fh:
        fh.seek(start)
        for raw in fh:
            notice = json.loads(raw)
            if notice.get("uscc") == uscc and notice.get("kind") == "micro_deposit":
                found["amount"] = str(notice["amount"])
            elif notice.get("uscc") == uscc and notice.get("kind") == "legal_rep_code":
                found["code"] = str(notice["code"])
    if "amount" in found and "code" in found:
        return found["amount"], found["code"]
    return None


def _check(payload: dict[str, Any], what: str) -> None:
    if payload["errors"]:
        raise GraphQLError(f"{what} refused: {payload['errors']}")


class Applicants:
    """Fresh enterprises of a world, registered one at a time on demand."""

    def __init__(self, world: World, rng: random.Random) -> None:
        if not has_settlement_accounts(world.world_dir):
            raise RuntimeError(STALE_WORLD.format(world=world.world_dir))
        self.rng = rng
        self.notices = world.root / "notifications.jsonl"
        self.ledger = world.root / "applicants.json"
        used = set(json.loads(self.ledger.read_text())) if self.ledger.exists() else set()
        self.used = used
        self.pool = candidates(world.world_dir, used, rng)  # read before any clock starts

    def register(self, server: Server) -> Applicant:
        """The next enterprise the registry accepts, signed up; its applicant."""
        while self.pool:
            firm = self.pool.pop()
            self.used.add(firm.uscc)
            self.ledger.write_text(json.dumps(sorted(self.used)))
            email = f"bench-{firm.uscc.lower()}@bench.example"
            fields = {"email": email, "password": APPLICANT_PASSWORD, "uscc": firm.uscc}
            reg = server.graphql(REGISTER, input={**fields, "enterpriseName": firm.name})
            if not reg["register"]["errors"]:
                applicant = Applicant(firm, reg["register"]["token"])
                self.verify(server, applicant)
                secret = self.consent(server, applicant)
                return Applicant(firm, applicant.token, secret)
            say(f"  {firm.uscc} left out: {reg['register']['errors'][0]['message']}")
        raise RuntimeError("no enterprise of this world is left to register; use --fresh")

    def verify(self, server: Server, applicant: Applicant) -> None:
        """Request the deposit and the code, read them from the notices, confirm them."""
        start = self.notices.stat().st_size if self.notices.exists() else 0
        sent = server.graphql(REQUEST_VERIFICATION, token=applicant.token)
        _check(sent["requestVerification"], "requestVerification")
        deadline = time.monotonic() + NOTICE_WAIT_S
        while (challenge := latest_challenge(self.notices, applicant.firm.uscc, start)) is None:
            if time.monotonic() > deadline:
                raise RuntimeError(f"no verification notice for {applicant.firm.uscc} in "
                                   f"{self.notices} (is the server's notifier `file`?)")  # fmt: skip
            time.sleep(0.02)
        amount, code = challenge
        done = server.graphql(CONFIRM_VERIFICATION, token=applicant.token, amount=amount, code=code)
        _check(done["confirmVerification"], "confirmVerification")

    def consent(self, server: Server, applicant: Applicant) -> str:
        """Enrol a second factor (the authorisation is signed with a one-time code), then
        authorise every source for applications and monitoring, for a year; the factor's
        secret."""
        enrolled = server.graphql(ENROL_TOTP, token=applicant.token)["enrollTotp"]
        _check(enrolled, "enrollTotp")
        totp = pyotp.TOTP(enrolled["secret"])
        confirmed = server.graphql(CONFIRM_TOTP, token=applicant.token, code=totp.now())
        _check(confirmed["confirmTotp"], "confirmTotp")
        until = (datetime.now(UTC) + timedelta(days=CONSENT_DAYS)).date().isoformat()
        grant = {
            "sources": list(SOURCES),
            "purposes": list(PURPOSES),
            "validUntil": until,
            # a code is accepted once: the next time step's code (still within the window)
            "otp": totp.at(time.time() + totp.interval),
        }
        granted = server.graphql(GRANT_CONSENT, token=applicant.token, input=grant)
        _check(granted["grantConsent"], "grantConsent")
        return str(enrolled["secret"])
