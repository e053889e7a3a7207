"""Signing as served: `signContract` over HTTP, by the borrower and by the bank, then
`verifyContract`.

    .venv/bin/python bench/bench_signing.py [--contracts 6] [--enterprises 1000] [--fresh]
        [--json]

Each signature is the whole served path: the one-time code checked, then the PAdES B-LT
signature (the borrower's under a fresh event certificate made and destroyed for it; the
bank's with its own key), an RFC 3161 timestamp from the platform's TSA, and the certificates
and CRL embedded, the contract's state moved and audited in one transaction. The target is
under 300 ms per signature, timed by the client from request to answer.

Setting up, untimed: a generated world prepared as for every served benchmark
(bench/served.py), `--contracts` enterprises signed up through the API (bench/applicants.py:
registered, verified, a second factor enrolled, data authorised), each applying for a
TECH_CREDIT loan that is decided (approved by the loan officer when the models refer it) and
whose offer is accepted; one risk manager per contract countersigns for the bank (a code is
accepted once, so one signer would wait half a minute between contracts). The approver, the
bank's signer and the borrower are different people, as the duties rule wants.

The in-process figures of the same steps (render, sign, verify, without HTTP, the code check
or the database) are bench/bench_contracts.py's.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyotp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.applicants import Applicant, Applicants  # noqa: E402
from bench.report import Report, percentile  # noqa: E402
from bench.served import (  # noqa: E402
    PASSWORD,
    STAFF_EMAIL,
    GraphQLError,
    Server,
    World,
    say,
    world_parser,
)

SIGNATURE_MS = 300.0
DECISION_WAIT_S = 60.0
FINAL = frozenset({"APPROVED", "REJECTED", "MANUAL_REVIEW"})
CREATE = """mutation($input: CreateApplicationInput!) { createApplication(input: $input) {
  application { id } errors { code message } } }"""
SUBMIT = """mutation($id: ID!) { submitApplication(id: $id) { errors { code message } } }"""
STATUS = """query($id: ID!) { application(id: $id) { status } }"""
REVIEW = """mutation($id: ID!) { reviewApplication(id: $id, decision: APPROVE,
  comment: "signing benchmark") { application { status } errors { code message } } }"""
ACCEPT = """mutation($id: ID!) { acceptOffer(applicationId: $id) {
  contract { id } errors { code message } } }"""
SIGN = """mutation($id: ID!, $otp: String!) { signContract(contractId: $id, otp: $otp) {
  contract { status } errors { code message } } }"""
VERIFY = """query($id: ID!) { verifyContract(id: $id) { intact level detail
  signatures { signer valid level timestamp } } }"""


class Codes:
    """One-time codes of one second factor, each step's code used once, as the server wants:
    the next unused step within the allowed drift (the current step or the next one), waiting
    for the clock when both are spent."""

    def __init__(self, secret: str, last_step: int) -> None:
        self.totp = pyotp.TOTP(secret)
        self.last_step = last_step

    def next(self) -> str:
        """A code the server has not accepted yet (may sleep, untimed, until there is one)."""
        interval = self.totp.interval
        while True:
            now_step = int(time.time() // interval)
            step = max(now_step, self.last_step + 1)
            if step <= now_step + 1:
                self.last_step = step
                return str(self.totp.at(step * interval))
            time.sleep((now_step + 1) * interval - time.time() + 0.05)


def _step_now() -> int:
    return int(time.time() // pyotp.TOTP(pyotp.random_base32()).interval)


def _ok(payload: dict[str, Any], what: str) -> dict[str, Any]:
    if payload["errors"]:
        raise GraphQLError(f"{what} refused: {payload['errors']}")
    return payload


def _decided(server: Server, applicant: Applicant, officer: str) -> str | None:
    """A TECH_CREDIT application of the applicant, decided and, when referred, approved by
    the officer; its id, or None when the models rejected it."""
    wanted = {"productCode": "TECH_CREDIT", "amount": "100000.00", "termMonths": 12,
              "pledgedPatentNumbers": []}  # fmt: skip
    created = server.graphql(CREATE, token=applicant.token, input=wanted)["createApplication"]
    app_id = str(_ok(created, "createApplication")["application"]["id"])
    _ok(server.graphql(SUBMIT, token=applicant.token, id=app_id)["submitApplication"], "submit")
    deadline = time.monotonic() + DECISION_WAIT_S
    status = ""
    while status not in FINAL:
        if time.monotonic() > deadline:
            raise RuntimeError(f"application {app_id} not decided in {DECISION_WAIT_S:.0f} s")
        time.sleep(0.1)
        status = server.graphql(STATUS, token=applicant.token, id=app_id)["application"]["status"]
    if status == "REJECTED":
        return None
    if status == "MANUAL_REVIEW":
        _ok(server.graphql(REVIEW, token=officer, id=app_id)["reviewApplication"], "review")
    return app_id


@dataclass(frozen=True)
class Awaiting:
    """An accepted offer's contract and its borrower (token and one-time codes)."""

    contract: str
    token: str
    codes: Codes


def _contracts(world: World, server: Server, count: int) -> list[Awaiting]:
    """`count` accepted offers awaiting signatures."""
    applicants = Applicants(world, random.Random(11))
    officer = server.login(STAFF_EMAIL)
    found: list[Awaiting] = []
    while len(found) < count:
        applicant = applicants.register(server)
        # the authorisation was signed with the code of the step after the one it ran in
        codes = Codes(applicant.totp_secret, _step_now() + 1)
        app_id = _decided(server, applicant, officer)
        if app_id is None:
            say(f"  {applicant.firm.uscc}: rejected by the models, another one")
            continue
        accepted = server.graphql(ACCEPT, token=applicant.token, id=app_id)["acceptOffer"]
        contract = str(_ok(accepted, "acceptOffer")["contract"]["id"])
        found.append(Awaiting(contract, applicant.token, codes))
        say(f"  contract {len(found)}/{count} ready ({applicant.firm.uscc})")
    return found


def _bank_signers(world: World, server: Server, count: int) -> list[tuple[str, Codes]]:
    """`count` risk managers, each logged in with a second factor: (token, their codes)."""
    signers = []
    for i in range(count):
        email = f"bench-signer-{i}@bench.example"
        world.cli(
            "user", "create", "--role", "RISK_MANAGER", "--email", email, "--password-stdin",
            check=False, stdin=PASSWORD + "\n",
        )  # fmt: skip
        token = server.login(email)  # logs in with the code of the next step
        assert server.totp_dir is not None
        secret = (server.totp_dir / email).read_text().strip()
        signers.append((token, Codes(secret, _step_now() + 1)))
    return signers


def _timed(
    server: Server, query: str, token: str, **variables: Any
) -> tuple[dict[str, Any], float]:
    started = time.perf_counter()
    data = server.graphql(query, token=token, **variables)
    return data, (time.perf_counter() - started) * 1000


def _sign_all(
    server: Server, contracts: list[Awaiting], signers: list[tuple[str, Codes]]
) -> dict[str, list[float]]:
    """Every contract signed by its borrower, then by its bank signer, then verified."""
    times: dict[str, list[float]] = {"borrower": [], "bank": [], "verify": []}
    for awaiting, (bank_token, bank_codes) in zip(contracts, signers, strict=True):
        contract = awaiting.contract
        for who, token, codes in (("borrower", awaiting.token, awaiting.codes),
                                  ("bank", bank_token, bank_codes)):  # fmt: skip
            otp = codes.next()  # may wait for the clock: outside the timing
            data, ms = _timed(server, SIGN, token, id=contract, otp=otp)
            _ok(data["signContract"], f"signContract by the {who}")
            times[who].append(ms)
        data, ms = _timed(server, VERIFY, bank_token, id=contract)
        checked = data["verifyContract"]
        if not checked["intact"] or checked["level"] != "B-LT":
            raise RuntimeError(f"contract {contract} does not verify: {checked}")
        if len(checked["signatures"]) != 2 or not all(
            s["timestamp"] for s in checked["signatures"]
        ):
            raise RuntimeError(f"contract {contract}: signatures {checked['signatures']}")
        times["verify"].append(ms)
    return times


def main() -> int:
    """Sign the contracts through the served API; 1 when a signature misses its target."""
    parser = world_parser(__doc__ or "")
    parser.set_defaults(enterprises=1000)
    parser.add_argument("--contracts", type=int, default=6)
    args = parser.parse_args()
    world = World.at(
        enterprises=args.enterprises, seed=args.seed, name=f"signing-{args.enterprises}"
    )
    world.prepare(fresh=args.fresh)
    with world.serve() as server:
        say(f"setting up {args.contracts} contracts awaiting signatures")
        contracts = _contracts(world, server, args.contracts)
        signers = _bank_signers(world, server, args.contracts)
        say("signing")
        times = _sign_all(server, contracts, signers)
    report = Report("signing")
    for who, label in (("borrower", "signContract by the borrower (served)"),
                       ("bank", "signContract by the bank (served)")):  # fmt: skip
        report.figure(f"{label}, median", statistics.median(times[who]), "ms", target=SIGNATURE_MS)
        report.figure(f"{label}, slowest", max(times[who]), "ms", target=SIGNATURE_MS)
    report.figure(
        "verifyContract (two signatures), median", statistics.median(times["verify"]), "ms"
    )
    every = times["borrower"] + times["bank"]
    report.figure("every signature, p95", percentile(every, 0.95), "ms", target=SIGNATURE_MS)
    if args.json:
        print(json.dumps(times))
    return report.finish(json_out=args.json)


if __name__ == "__main__":
    raise SystemExit(main())
