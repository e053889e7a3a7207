"""The part of a world the quality indicators of a few patents read (in memory)."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from db.frames import WorldFrames
from domain.valuation.events import PATENT_EVENTS, payload_number


def patent_slice(frames: WorldFrames, numbers: Collection[str]) -> WorldFrames:
    """The patents, the patents citing or cited by them, the court cases about them and their
    dated status events: enough for `patent_quality` of these patents, and much smaller."""
    wanted = set(numbers)
    cit = frames.citations
    cit = cit[cit["cited"].isin(wanted) | cit["citing"].isin(wanted)]
    related = wanted | set(cit["citing"]) | set(cit["cited"])
    links = frames.litigation_patents[frames.litigation_patents["number"].isin(wanted)]
    ev = frames.events[frames.events["type"].isin(PATENT_EVENTS)]
    ev = ev[np.fromiter((payload_number(p) in wanted for p in ev["payload"]), bool, len(ev))]
    # row subsets of frames that are already normalised keep their columns and dtypes
    empty = {name: getattr(frames, name).iloc[0:0] for name in frames.names()}
    return WorldFrames(
        **{
            **empty,
            "patents": frames.patents[frames.patents["number"].isin(related)],
            "citations": cit,
            "litigation_patents": links,
            "litigations": frames.litigations[frames.litigations["case_no"].isin(links["case_no"])],
            "events": ev,
        }
    )
