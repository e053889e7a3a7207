"""Benchmark: post-loan monitoring, from an ingested event to the warning at a subscriber.

    .venv/bin/python bench/bench_monitoring.py [--enterprises 100000] [--events 40]
        [--borrowers 100000] [--sqlite] [--fresh] [--json]

1. Served, as `make run` serves it (bench/served.py): enterprises of the world sign up through
   `register` (the monitor warns about customers); a staff user holds the `warnings`
   subscription over websockets; the data feed's service account sends `ingestEvent` over HTTP,
   one event at a time (a change of legal representative, a fresh enterprise each time). The
   clock runs from just before the request to the moment the warning for that enterprise is
   pushed. Targets: median < 200 ms, p95 < 1 s; the first event after start is reported apart.
2. A sweep of --borrowers synthesised borrowers by two `actors.worker` processes through Redis
   (bench/monitoring_sweep.py; needs Redis, uses PostgreSQL when it answers). Target: < 60 s.
   --borrowers 0 leaves it out.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.applicants import Applicants  # noqa: E402
from bench.report import Report, percentile  # noqa: E402
from bench.served import FEED_EMAIL, STAFF_EMAIL, GraphQLError, Server, World, say, world_parser  # noqa: E402
from bench.ws import Subscription  # noqa: E402

MEDIAN_TARGET_MS = 200.0
P95_TARGET_MS = 1000.0
SWEEP_TARGET_S = 60.0
INGEST = """mutation($input: MonitoringEventInput!) { ingestEvent(input: $input) {
  accepted duplicate errors { code message } } }"""
WARNINGS = "subscription { warnings { id kind level enterprise { uscc } } }"


def ingest(server: Server, token: str, uscc: str, index: int, run: str) -> None:
    """One event from the data feed; raises unless it is accepted."""
    event = {
        "id": f"bench-{run}-{index}",
        "uscc": uscc,
        "type": "legal_rep_changed",
        "occurredAt": datetime.now(UTC).isoformat(),
        "payload": {"new": f"bench-person-{run}-{index}"},
    }
    result = server.graphql(INGEST, token=token, input=event)["ingestEvent"]
    if not result["accepted"] or result["errors"]:
        raise GraphQLError(f"ingestEvent refused: {result}")


def time_events(server: Server, usccs: list[str], timeout_s: float) -> list[float]:
    """Milliseconds from each ingest to its warning at the staff subscriber, in order."""
    feed_token, staff_token = server.login(FEED_EMAIL), server.login(STAFF_EMAIL)
    run = uuid.uuid4().hex[:8]
    timings: list[float] = []
    with Subscription(server.ws_url, staff_token, WARNINGS, {}) as warnings:
        time.sleep(0.5)  # the feed replays nothing without `after`: let it go live first
        for index, uscc in enumerate(usccs):
            started = time.perf_counter()
            ingest(server, feed_token, uscc, index, run)
            while True:
                pushed = warnings.next(timeout_s=timeout_s)["warnings"]
                if pushed["enterprise"]["uscc"] == uscc and pushed["kind"] == "legal_rep_changed":
                    break
            timings.append((time.perf_counter() - started) * 1000)
            if (index + 1) % 10 == 0:
                say(f"  {index + 1}/{len(usccs)} warnings received")
    return timings


def served_latency(args: argparse.Namespace, report: Report) -> None:
    """Register customers, then time ingest to warning on the served application."""
    world = World.at(enterprises=args.enterprises, seed=args.seed)
    world.prepare(fresh=args.fresh)
    applicants = Applicants(world, random.Random(args.seed + 1))
    with world.serve() as server:
        say(f"registering {args.events + 1} customers")
        usccs = [applicants.register(server).firm.uscc for _ in range(args.events + 1)]
        timings = time_events(server, usccs, args.timeout)
    report.figure("first event to warning after start", timings[0], "ms")
    rest = timings[1:]
    report.figure("event to warning median", statistics.median(rest), "ms", target=MEDIAN_TARGET_MS)
    report.figure("event to warning p95", percentile(rest, 0.95), "ms", target=P95_TARGET_MS)
    report.figure("event to warning max", max(rest), "ms")


def sweep(args: argparse.Namespace, report: Report) -> None:
    """The sweep of synthesised borrowers by separate worker processes."""
    from bench.monitoring_sweep import run_sweep

    result = run_sweep(
        borrowers=args.borrowers, batch=args.batch, workers=args.workers, sqlite=args.sqlite
    )
    say(f"  sweep: {result}")
    label = f"sweep of {result['borrowers']:,} borrowers ({result['database']}, Redis)"
    report.figure(label, result["seconds"], "s", target=SWEEP_TARGET_S)
    report.figure("sweep throughput", result["borrowers_per_s"], "borrowers/s")


def main() -> int:
    """Both benchmarks; the figures beside their targets, 1 when one is missed."""
    parser = world_parser(__doc__)
    parser.add_argument("--events", type=int, default=40)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per warning")
    parser.add_argument("--borrowers", type=int, default=100_000, help="0: no sweep")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sqlite", action="store_true", help="sweep on SQLite, not PostgreSQL")
    args = parser.parse_args()
    report = Report("monitoring")
    if args.events:
        served_latency(args, report)
    if args.borrowers:
        sweep(args, report)
    return report.finish(json_out=args.json)


if __name__ == "__main__":
    sys.exit(main())
