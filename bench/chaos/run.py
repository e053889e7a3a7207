"""Chaos and load: the production deployment under Locust while its dependencies fail.

    .venv/bin/python bench/chaos/run.py [--small] [--applicants 200] [--subscribers 50]
        [--enterprises 3000] [--think LO HI] [--down 0] [--fresh] [--no-faults] [--json]

Two API replicas (`ipcredit serve`) and two workers (`ipcredit worker`) over a PostgreSQL
cluster and a Redis of the run's own (initdb into the world's directory, `redis-server` on a
free port; shared servers are never touched). Locust (bench/locustfile.py) runs the applicants
through the whole flow, the warning subscribers on websockets and the data feed, while the
fault script, once each: SIGKILLs a worker (started again at once, as its supervisor
would), restarts Redis, restarts PostgreSQL (`--down S` keeps each away S seconds besides).
Then the records and the database are checked: zero lost events, zero duplicate warnings,
zero double decisions or postings, every subscriber resumed by cursor and missed nothing; throughput and p50/p95/p99 per operation are reported. Exits 1 when a
target is missed: decision p95 < 1 s, event to subscriber p95 < 1 s, error rate 0 outside
the outage windows (which are reported). Needs the `bench` extra (Locust).

All 200 applicants start within the first 20 s (10 a second) and are in the flow together.
Each pauses before each of its eight steps as a person does (`--think`, default 5 to 55 s,
uniform): 200 people in the flow at once then ask for about 0.8 decisions a second, and for
25-31 in the busiest 10 s. `--think 0 0` sends every step the moment the last one answered: 200 scripts,
not people, which asks about six cores of the machine (see docs/runtime.md). The faults fall
where the decisions are densest: from 0.7 of the mean flow's length on, 0.15 of it apart.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.applicants import candidates  # noqa: E402
from bench.chaos import check, cpu  # noqa: E402
from bench.chaos.services import OwnPostgres, OwnRedis, cluster_home  # noqa: E402
from bench.report import Report  # noqa: E402
from bench.served import (  # noqa: E402
    FEED_EMAIL,
    ROOT,
    STAFF_EMAIL,
    Server,
    World,
    ipcredit_command,
    say,
    stop_process,
)

# how long each dependency stays down between its stop and its start (--down): none by
# default, a restart as an operator's restart command or a supervisor does it; `--down 3`
# holds each one away for 3 s besides (docs/runtime.md has the figures of both)
DOWN_S = 0.0
STEPS = 8  # an applicant's steps, each after a pause (bench/locustfile.py)


class Stack:
    """Two replicas and two workers on the run's own PostgreSQL and Redis."""

    def __init__(self, world: World, pg: OwnPostgres, redis: OwnRedis) -> None:
        self.world, self.pg, self.redis = world, pg, redis
        self.replicas: list[Server] = []
        self.workers: list[subprocess.Popen[bytes]] = []

    def env(self) -> dict[str, str]:
        """Production settings: a Redis broker whose dead workers' messages come back within
        seconds, Redis pub/sub for live notices."""
        broker = f"{self.redis.url}?heartbeat_timeout=5000&maintenance_chance=100000"
        return {"BROKER_URL": broker, "PUBSUB_URL": self.redis.url, "IPCREDIT_JWT_TTL": "7200"}

    def start(self) -> None:
        """Both replicas ready, both workers ready (their models loaded, consuming), as a
        deployment's readiness checks wait before it takes traffic."""
        for _ in range(2):
            self.replicas.append(Server.start(self.world, ready_timeout_s=300, env=self.env()))
        for index in range(2):
            self.workers.append(self.worker(index))
        for index in range(2):
            self.wait_ready(index)

    def wait_ready(self, index: int, timeout_s: float = 300.0) -> None:
        """Wait until worker `index` says it is ready (`worker <pid> ready` in its log)."""
        started = time.monotonic()
        process = self.workers[index]
        line = f"worker {process.pid} ready".encode()
        log = self.world.root / f"worker-{index}.log"
        while line not in log.read_bytes():
            if process.poll() is not None:
                raise RuntimeError(f"worker {index} exited with {process.returncode}; see {log}")
            if time.monotonic() - started > timeout_s:
                raise RuntimeError(f"worker {index} not ready after {timeout_s:.0f} s; see {log}")
            time.sleep(0.2)
        say(f"worker {index} ready after {time.monotonic() - started:.1f} s")

    def worker(self, index: int) -> subprocess.Popen[bytes]:
        """`ipcredit worker` number `index`, in its own process group."""
        log = (self.world.root / f"worker-{index}.log").open("ab")
        return subprocess.Popen(
            [*ipcredit_command(), "worker", "--processes", "1", "--threads", "4"], cwd=ROOT,
            env={**self.world.env(), **self.env()}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def kill_worker(self, index: int, down_s: float) -> tuple[float, float]:
        """SIGKILL a worker's whole process group; start it again after `down_s` seconds."""
        down = time.time()
        os.killpg(self.workers[index].pid, signal.SIGKILL)
        self.workers[index].wait()
        time.sleep(down_s)
        self.workers[index] = self.worker(index)
        return down, time.time()

    def cpu(self) -> dict[str, dict[int, float]]:
        """CPU seconds so far of each part of the stack, by process (see bench/chaos/cpu.py)."""
        postmaster = cpu.postmaster_pid(self.pg.directory)
        redis = self.redis.process
        return {
            "API replicas": {
                s.process.pid: cpu.group_seconds(s.process.pid) for s in self.replicas
            },
            "workers": {p.pid: cpu.group_seconds(p.pid) for p in self.workers},
            "PostgreSQL": {postmaster: cpu.tree_seconds(postmaster)} if postmaster else {},
            "Redis": {redis.pid: cpu.group_seconds(redis.pid)} if redis else {},
            "Locust (and other ended children)": {0: cpu.children_seconds()},
        }

    def stop(self) -> None:
        """Everything this stack started, stopped."""
        for process in self.workers:
            stop_process(process)
        for server in self.replicas:
            server.stop()


def faults(
    stack: Stack, first_s: float, gap_s: float, down_s: float, windows: list[check.Window]
) -> None:
    """The fault script: a worker killed, Redis restarted, PostgreSQL restarted, in turn.
    The worker's window is reported, not excused: the API does not depend on workers."""
    time.sleep(first_s)
    say("fault: SIGKILL worker 0")
    down, up = stack.kill_worker(0, down_s)
    windows.append(check.Window("worker SIGKILL", down, up, excuses=False))
    say(f"  worker 0 started again after {up - down:.1f} s")
    time.sleep(gap_s)
    say("fault: restart Redis")
    start = time.time()
    stack.redis.restart(down_s)
    windows.append(check.Window("Redis restart", start, time.time()))
    time.sleep(gap_s)
    say("fault: restart PostgreSQL")
    start = time.time()
    stack.pg.restart(down_s)
    windows.append(check.Window("PostgreSQL restart", start, time.time()))
    say("  PostgreSQL back")


def run_locust(args: argparse.Namespace, stack: Stack, out: Path, run: str) -> int:
    """Locust headless against both replicas until every applicant is through."""
    world = stack.world
    ledger = world.root / "applicants.json"
    used = set(json.loads(ledger.read_text())) if ledger.exists() else set()
    pool = candidates(world.world_dir, used, random.Random(args.seed))[: args.applicants]
    if len(pool) < args.applicants:
        raise RuntimeError(f"only {len(pool)} fresh enterprises left; use --fresh")
    ledger.write_text(json.dumps(sorted(used | {c.uscc for c in pool})))
    top = stack.pg.psql("SELECT coalesce(max(id), 0) FROM risk_warning")
    from resolvers.ids import encode_cursor

    env = {
        **os.environ, "PYTHONPATH": str(ROOT),
        "CHAOS_HOSTS": ",".join(s.url for s in stack.replicas), "CHAOS_OUT": str(out),
        "CHAOS_NOTICES": str(world.root / "notifications.jsonl"), "CHAOS_RUN": run,
        "CHAOS_STAFF_TOKEN": stack.replicas[0].login(STAFF_EMAIL),
        "CHAOS_FEED_TOKEN": stack.replicas[1].login(FEED_EMAIL),
        # a subscriber joining late replays from here (cursor 0: from the first warning)
        "CHAOS_START_CURSOR": encode_cursor(int(top)),
        "CHAOS_APPLICANTS": str(args.applicants), "CHAOS_SUBSCRIBERS": str(args.subscribers),
        "CHAOS_THINK_S": ",".join(str(s) for s in args.think),
        "CHAOS_CANDIDATES": json.dumps(
            [{"uscc": c.uscc, "name": c.name, "patents": list(c.patents)} for c in pool]
        ),
    }  # fmt: skip
    users = args.applicants + args.subscribers + 1
    command = [
        str(Path(sys.executable).parent / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"),
        "--headless", "-u", str(users), "-r", str(args.spawn_rate), "-t", f"{args.limit}s",
        "--host", stack.replicas[0].url, "--csv", str(out / "locust"), "--only-summary",
        "--stop-timeout", "5", "--exit-code-on-error", "0",
    ]  # fmt: skip
    say(f"$ locust -u {users} ({args.applicants} applicants, {args.subscribers} subscribers)")
    out.mkdir(parents=True, exist_ok=True)
    with (out / "locust.log").open("wb") as log:
        return subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                              check=False).returncode  # fmt: skip


def wait_processed(pg: OwnPostgres, out: Path, run: str, timeout_s: float = 90.0) -> None:
    """Wait until every accepted event is processed (or the timeout: then some are lost)."""
    accepted = {e["event"] for e in check.lines(out, "ingested") if e["accepted"]}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        done = pg.psql(
            f"SELECT count(*) FROM event WHERE event_id LIKE 'chaos-{run}-%' "
            "AND processed_at IS NOT NULL"
        )
        if int(done) >= len(accepted):
            return
        time.sleep(1)


def cpu_spent(
    report: Report,
    before: dict[str, dict[int, float]],
    after: dict[str, dict[int, float]],
    applicants: int,
) -> None:
    """CPU seconds each part spent between the two readings (a process started in between,
    after a fault, counts from zero), in all and per applicant."""
    total = 0.0
    for part, now in after.items():
        spent = sum(max(0.0, s - before.get(part, {}).get(pid, 0.0)) for pid, s in now.items())
        total += spent
        report.figure(f"CPU: {part}", spent, "s")
    report.figure("CPU: all parts", total, "s")
    report.figure("CPU per applicant (all parts)", 1000 * total / max(1, applicants), "ms")


@contextlib.contextmanager
def dependencies(world: World) -> Iterator[tuple[OwnPostgres, OwnRedis]]:
    """The run's own PostgreSQL (kept in the world's directory) and Redis."""
    pg = OwnPostgres(cluster_home(world.root.name))
    redis = OwnRedis(world.root / "redis")
    world.root.mkdir(parents=True, exist_ok=True)
    pg.start()
    os.environ["BENCH_DATABASE_URL"] = pg.url
    try:
        redis.start()
        yield pg, redis
    finally:
        redis.stop()
        pg.stop()


def main() -> int:
    """Prepare the world on the run's own PostgreSQL, start the stack, load it, break it,
    check it."""
    args = parse()
    world = World.at(enterprises=args.enterprises, seed=args.seed,
                     name=f"chaos-{args.enterprises}")  # fmt: skip
    if args.fresh:
        import shutil

        shutil.rmtree(world.root, ignore_errors=True)
        shutil.rmtree(cluster_home(world.root.name) / "data", ignore_errors=True)
    name = "chaos-small" if args.small else "chaos"
    report = Report(f"{name}-no-faults" if args.no_faults else name)
    run = uuid.uuid4().hex[:8]
    out = world.root / f"run-{run}"
    with dependencies(world) as (pg, redis):
        world.prepare()
        since = datetime.now(UTC).isoformat()
        stack = Stack(world, pg, redis)
        windows: list[check.Window] = []
        try:
            stack.start()
            cpu_before = stack.cpu()
            script = threading.Thread(
                target=faults,
                args=(stack, args.first_fault, args.fault_gap, args.down, windows),
                daemon=True,
            )
            if not args.no_faults:
                script.start()
            code = run_locust(args, stack, out, run)
            say(f"locust exited {code}; records in {out}")
            if not args.no_faults:
                script.join(timeout=120)
            wait_processed(pg, out, run)
            cpu_spent(report, cpu_before, stack.cpu(), args.applicants)
        finally:
            stack.stop()
        check.latencies(report, out)
        check.timeline(report, out, windows)
        check.errors(report, out, windows)
        check.deliveries(report, out)
        check.database(report, out, pg, run, since)
        check.stages(report, pg, run, since)
    return report.finish(json_out=args.json)


def parse() -> argparse.Namespace:
    """The command line; --small is a quick run of the same scenario."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="20 applicants, 5 subscribers")
    parser.add_argument("--applicants", type=int, default=None)
    parser.add_argument("--subscribers", type=int, default=None)
    parser.add_argument("--enterprises", type=int, default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--spawn-rate", type=float, default=10.0)
    parser.add_argument("--think", type=float, nargs=2, metavar=("LO", "HI"), default=None,
                        help="an applicant's pause before each step, uniform (s)")  # fmt: skip
    parser.add_argument("--limit", type=int, default=900, help="Locust's hard time limit (s)")
    parser.add_argument("--first-fault", type=float, default=None, help="seconds into the load")
    parser.add_argument("--fault-gap", type=float, default=None, help="seconds between faults")
    parser.add_argument("--down", type=float, default=DOWN_S,
                        help="seconds each dependency stays down in its restart")  # fmt: skip
    parser.add_argument("--fresh", action="store_true", help="rebuild the world and cluster")
    parser.add_argument(
        "--no-faults",
        action="store_true",
        help="the same load without the fault script (steady-state latency)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    small = args.small
    args.applicants = args.applicants or (20 if small else 200)
    args.subscribers = args.subscribers or (5 if small else 50)
    args.enterprises = args.enterprises or (600 if small else 3000)
    args.think = args.think or ((2.0, 12.0) if small else (5.0, 55.0))
    flow_s = STEPS * sum(args.think) / 2  # an applicant's mean time in the flow, pauses only
    if args.first_fault is None:
        args.first_fault = 0.7 * flow_s if flow_s else (8 if small else 30)
    if args.fault_gap is None:
        args.fault_gap = 0.15 * flow_s if flow_s else (8 if small else 30)
    return args


if __name__ == "__main__":
    sys.exit(main())
