"""What the chaos run recorded, checked: latency per operation, events to subscribers, losses,
duplicates, double decisions and postings, and errors outside the outage windows."""

from __future__ import annotations

import bisect
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.chaos.services import OwnPostgres
from bench.report import Report, percentile

DECISION_P95_MS = 1000.0
EVENT_P95_MS = 1000.0
FINAL = ("APPROVED", "REJECTED", "MANUAL_REVIEW")


@dataclass(frozen=True)
class Window:
    """A dependency down (wall-clock seconds), and how long clients may see it after."""

    what: str
    start: float
    end: float
    settle_s: float = 3.0
    excuses: bool = True  # whether API requests may fail in it (not for a worker's death)

    def covers(self, t: float) -> bool:
        """Whether a request at `t` may fail because of this outage."""
        return self.excuses and self.start <= t <= self.end + self.settle_s


def lines(out: Path, kind: str) -> list[dict[str, Any]]:
    """The JSON lines Locust's users recorded of one kind."""
    path = out / f"{kind}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def latencies(report: Report, out: Path) -> float:
    """p50/p95/p99 and count per operation; the seconds the load ran (first to last request)."""
    requests = lines(out, "requests")
    if not requests:
        return 0.0
    by_op: dict[str, list[float]] = defaultdict(list)
    for r in requests:
        if r["ok"]:
            by_op[r["op"]].append(r["ms"])
    for r in lines(out, "decisions"):
        by_op["decision (submit to final status)"].append(r["ms"])
    span = max(r["t"] for r in requests) - min(r["t"] for r in requests)
    report.figure("requests", len(requests), "requests")
    report.figure("throughput", len(requests) / max(span, 1e-9), "requests/s")
    for op, values in sorted(by_op.items()):
        target = DECISION_P95_MS if op.startswith("decision") else None
        report.figure(f"{op} p50", percentile(values, 0.50), "ms")
        report.figure(f"{op} p95", percentile(values, 0.95), "ms", target=target)
        report.figure(f"{op} p99", percentile(values, 0.99), "ms")
    return span


def timeline(report: Report, out: Path, windows: list[Window]) -> None:
    """When the decisions were asked for and when each fault struck, in seconds from the
    first request; how many decisions were under way at each fault."""
    requests = lines(out, "requests")
    records = lines(out, "decisions")
    decisions = [(d["t"] - d["ms"] / 1000, d["t"]) for d in records]
    if not requests or not decisions:
        return
    zero = min(r["t"] for r in requests)
    submitted = sorted(start - zero for start, _ in decisions)
    report.figure("first decision asked for", submitted[0], "s")
    report.figure("median decision asked for", submitted[len(submitted) // 2], "s")
    report.figure("last decision asked for", submitted[-1], "s")
    busiest = max(bisect.bisect_left(submitted, s + 10.0) - i for i, s in enumerate(submitted))
    report.figure("decisions asked for in the busiest 10 s", busiest, "decisions")
    spans = [(a["started"], a["t"]) for a in lines(out, "applicants") if "started" in a]
    if spans:
        edges = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
        inside = [0]
        for _, step in edges:
            inside.append(inside[-1] + step)
        report.figure("applicants in the flow at once (most)", max(inside), "applicants")
    hit: set[int] = set()
    for w in windows:
        report.figure(f"{w.what} at", w.start - zero, "s")
        during = {i for i, (start, end) in enumerate(decisions)
                  if start <= w.end + w.settle_s and end >= w.start}  # fmt: skip
        hit |= during
        report.figure(f"decisions under way during {w.what}", len(during), "decisions")
    clear = [d["ms"] for i, d in enumerate(records) if i not in hit]
    if windows and clear:
        report.figure("decision p95, none of a fault's under way", percentile(clear, 0.95), "ms")


def errors(report: Report, out: Path, windows: list[Window]) -> None:
    """Failed requests inside and outside the outage windows; target 0 outside."""
    requests = lines(out, "requests")
    failed = [r for r in requests if not r["ok"]]
    outside = [r for r in failed if not any(w.covers(r["t"]) for w in windows)]
    inside = len(failed) - len(outside)
    for w in windows:
        report.figure(f"outage: {w.what}", w.end - w.start, "s")
    report.figure("failed requests inside outage windows", inside, "requests")
    stale = lines(out, "stale")
    report.figure("reads sent again after a closed keep-alive connection", len(stale), "requests")
    rate = 100.0 * len(outside) / max(1, len(requests))
    report.figure("error rate outside outage windows", rate, "%", target=0.0)
    for r in outside[:5]:
        print(f"  outside a window: {r['op']} at {r['t']:.1f}: {r['why']}")


def deliveries(report: Report, out: Path) -> None:
    """Every accepted event's warning at every subscriber, once; its latency."""
    ingested = [e for e in lines(out, "ingested") if e["accepted"]]
    received = lines(out, "received")
    subscribers = {r["subscriber"] for r in lines(out, "connects")}
    first: dict[tuple[int, str], float] = {}
    per_socket = Counter((r["subscriber"], r["id"]) for r in received)
    for r in received:
        if r["kind"] == "legal_rep_changed":
            first.setdefault((r["subscriber"], r["uscc"]), r["t"])
    delays, missed = [], 0
    for e in ingested:
        for s in subscribers:
            seen = first.get((s, e["uscc"]))
            if seen is None:
                missed += 1
            else:
                delays.append((seen - e["sent"]) * 1000)
    report.figure("events accepted", len(ingested), "events")
    report.figure("subscribers", len(subscribers), "subscribers")
    resumed = len(lines(out, "connects")) - len(subscribers)
    report.figure("subscriber reconnections (resumed by cursor)", resumed, "sockets")
    report.figure("warnings missed by a subscriber", missed, "deliveries", target=0.0)
    dupes = sum(n - 1 for n in per_socket.values() if n > 1)
    report.figure("warnings pushed twice to one subscriber", dupes, "deliveries", target=0.0)
    if delays:
        report.figure("event to subscriber p50", percentile(delays, 0.50), "ms")
        report.figure("event to subscriber p95", percentile(delays, 0.95), "ms",
                      target=EVENT_P95_MS)  # fmt: skip
        report.figure("event to subscriber p99", percentile(delays, 0.99), "ms")


def database(report: Report, out: Path, pg: OwnPostgres, run: str, since: str) -> None:
    """In the database: every accepted event processed with one warning, one decision per
    application, no journal entry posted twice."""
    accepted = {e["event"] for e in lines(out, "ingested") if e["accepted"]}
    processed = set(
        pg.psql(
            f"SELECT event_id FROM event WHERE event_id LIKE 'chaos-{run}-%' "
            "AND processed_at IS NOT NULL"
        ).split()
    )
    report.figure("events lost (accepted, never processed)", len(accepted - processed),
                  "events", target=0.0)  # fmt: skip
    usccs = ",".join(f"'{e['uscc']}'" for e in lines(out, "ingested") if e["accepted"]) or "''"
    per_firm = pg.psql(
        "SELECT count(w.id) FROM enterprise e LEFT JOIN risk_warning w ON w.enterprise_id = e.id "
        f"AND w.kind = 'legal_rep_changed' AND w.created_at >= '{since}' "
        f"WHERE e.uscc IN ({usccs}) GROUP BY e.id"
    ).split()
    counts = [int(n) for n in per_firm]
    report.figure("events without a warning", sum(1 for n in counts if n == 0), "events",
                  target=0.0)  # fmt: skip
    report.figure("duplicate warnings", sum(n - 1 for n in counts if n > 1), "warnings",
                  target=0.0)  # fmt: skip
    finals = ",".join(f"'{s}'" for s in FINAL)
    double = pg.psql(
        "SELECT count(*) FROM (SELECT application_id FROM status_change "
        f"WHERE to_status IN ({finals}) AND at >= '{since}' "
        "GROUP BY application_id HAVING count(*) > 1) d"
    )
    report.figure("applications decided twice", int(double or 0), "applications", target=0.0)
    postings = pg.psql(
        "SELECT count(*) FROM (SELECT 1 FROM journal_entry "
        f"WHERE posted_at >= '{since}' AND reverses_id IS NULL "
        "GROUP BY loan_id, kind, business_date, memo HAVING count(*) > 1) d"
    )
    report.figure("double postings", int(postings or 0), "entries", target=0.0)
    done = lines(out, "applicants")
    report.figure("applicants through the whole flow", sum(1 for a in done if a["ok"]),
                  "applicants")  # fmt: skip
    report.figure("applicants failed", sum(1 for a in done if not a["ok"]), "applicants",
                  target=0.0)  # fmt: skip
    for a in [a for a in done if not a["ok"]][:5]:
        print(f"  applicant {a['uscc']}: {a.get('why')}")


def stages(report: Report, pg: OwnPostgres, run: str, since: str) -> None:
    """Where a decision's and an event's time goes, from the rows' own timestamps: queued
    (submitted until a worker starts assessing; event received until a worker takes it) and
    worked (assessing until the final status; event taken until its warning is stored)."""
    finals = ",".join(f"'{s}'" for s in FINAL)
    rows = pg.psql(
        "SELECT extract(epoch FROM a.at - s.at) * 1000, extract(epoch FROM f.at - a.at) * 1000 "
        "FROM status_change s "
        "JOIN status_change a ON a.application_id = s.application_id AND a.to_status = 'ASSESSING' "
        f"JOIN status_change f ON f.application_id = s.application_id AND f.to_status IN ({finals}) "
        f"WHERE s.to_status = 'SUBMITTED' AND s.at >= '{since}'"
    ).split()
    _stage_figures(report, rows, ("decision queued", "decision assessed"))
    rows = pg.psql(
        "SELECT extract(epoch FROM e.processed_at - e.received_at) * 1000, "
        "extract(epoch FROM min(w.created_at) - e.processed_at) * 1000 "
        "FROM event e JOIN enterprise n ON n.uscc = e.uscc "
        "JOIN risk_warning w ON w.enterprise_id = n.id AND w.kind = 'legal_rep_changed' "
        f"AND w.created_at >= e.received_at WHERE e.event_id LIKE 'chaos-{run}-%' "
        "AND e.processed_at IS NOT NULL GROUP BY e.id"
    ).split()
    _stage_figures(report, rows, ("event queued", "event worked"))


def _stage_figures(report: Report, rows: list[str], names: tuple[str, str]) -> None:
    """p50 and p95 of each of the two columns of `rows` (psql's "a|b" lines), as `names`."""
    pairs = [tuple(float(v) for v in r.split("|")) for r in rows]
    for column, name in enumerate(names):
        values = [p[column] for p in pairs]
        if values:
            report.figure(f"{name} p50", percentile(values, 0.50), "ms")
            report.figure(f"{name} p95", percentile(values, 0.95), "ms")
