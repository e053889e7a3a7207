"""Applicants for benchmarks: enterprises of the world signed up through the `register` mutation.

Each applicant is a user of its own enterprise, as on the platform. An enterprise takes part once
per world (it may register only once): those used by earlier runs are kept in
data/bench/<world>/applicants.json and left out of later ones.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from bench.served import Server, World, say

APPLICANT_PASSWORD = "bench-applicant-1"
REGISTER = """mutation($input: RegisterInput!) { register(input: $input) {
  token errors { code message } } }"""


@dataclass(frozen=True)
class Candidate:
    """An active enterprise of the world and up to two of its free granted patents."""

    uscc: str
    name: str
    patents: tuple[str, ...]


@dataclass(frozen=True)
class Applicant:
    """A registered applicant: its enterprise and its bearer token."""

    firm: Candidate
    token: str


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
            if e.get("status") == "active" and e["uscc"] in free and e["uscc"] not in used:
                found.append(Candidate(e["uscc"], e["name"], tuple(sorted(free[e["uscc"]])[:2])))
    rng.shuffle(found)
    return found


class Applicants:
    """Fresh enterprises of a world, registered one at a time on demand."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.rng = rng
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
                return Applicant(firm, reg["register"]["token"])
            say(f"  {firm.uscc} left out: {reg['register']['errors'][0]['message']}")
        raise RuntimeError("no enterprise of this world is left to register; use --fresh")
