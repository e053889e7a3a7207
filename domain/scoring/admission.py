"""Running the admission and anti-fraud rules for one application against the database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from db.frames import WorldFrames
from db.models import Enterprise, Event, TaxRecord
from domain.errors import NotFound
from domain.scoring.facts import application_facts
from domain.scoring.rules import RuleHit, RuleSet, evaluate_rules, load_rules
from domain.valuation.service import partial_frames, patent_frames

ENTERPRISE_FIELDS = ("uscc", "name", "founded_on", "registered_capital", "industry", "region",
                     "employees", "high_tech", "srdi", "status")  # fmt: skip


@dataclass(frozen=True)
class RuleCheck:
    """The facts read, the rules that fired and the rule set's version."""

    facts: dict[str, object]
    hits: list[RuleHit]
    rules_version: str


async def application_frames(*, uscc: str, patent_numbers: Sequence[str]) -> WorldFrames:
    """The world slice the rule facts read: the enterprise, its events and tax records, and the
    pledged patents with their citations, court cases and status events."""
    base = await patent_frames(list(patent_numbers))
    ent = pd.DataFrame(await Enterprise.filter(uscc=uscc).values(*ENTERPRISE_FIELDS))
    events = pd.DataFrame(
        await Event.filter(uscc=uscc).values(
            "uscc", "occurred_at", "type", "payload", id="event_id"
        )
    )
    tax = pd.DataFrame(
        await TaxRecord.filter(enterprise__uscc=uscc).values(
            "year", "rating", "revenue", "tax_paid", "arrears", uscc="enterprise__uscc"
        )
    )
    loaded = partial_frames({"enterprises": ent, "events": events, "tax": tax})
    loaded.patents, loaded.citations = base.patents, base.citations
    loaded.litigations, loaded.litigation_patents = base.litigations, base.litigation_patents
    if not base.events.empty:
        both = pd.concat([loaded.events, base.events], ignore_index=True)
        loaded.events = both.drop_duplicates(subset=["id"]).reset_index(drop=True)
    return loaded


async def check_application(
    *,
    uscc: str,
    patent_numbers: Sequence[str],
    as_of: datetime | None = None,
    rules: RuleSet | None = None,
) -> RuleCheck:
    """Evaluate the admission and anti-fraud rules for an applicant and its pledged patents."""
    if len(uscc) != 18 or not await Enterprise.exists(uscc=uscc):
        raise NotFound(f"no enterprise {uscc}", field="uscc")
    rule_set = rules or load_rules()
    frames = await application_frames(uscc=uscc, patent_numbers=patent_numbers)
    facts = application_facts(
        frames, uscc=uscc, patent_numbers=list(patent_numbers), as_of=as_of or datetime.now(UTC)
    )
    return RuleCheck(facts, evaluate_rules(facts, rule_set), rule_set.version)
