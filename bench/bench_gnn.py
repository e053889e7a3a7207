"""Graph risk benchmark: graph building, full-graph scoring, contagion latency, training time.

    python bench/bench_gnn.py [--enterprises 100000] [--train-enterprises 10000] [--json]

A 100,000-enterprise world (about 320k nodes, 2M directed edges with reverses) is synthesised
into frames with numpy and scored by the graph network trained on a generated 10,000-enterprise
world. The figures are the network's alone, in-process: the served model (tabular part, blend),
training for service and 1,000,000 enterprises are bench_gnn_scale.py's.
Targets: build < 1 s/M edges, scoring < 2 s and < 2.5 GB, shock < 100 ms, training < 5 min.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import Report  # noqa: E402
from db.frames import WorldFrames  # noqa: E402
from gnn.contagion import simulate_shock  # noqa: E402
from gnn.features import DISTRESS_COLUMNS, enterprise_features  # noqa: E402
from gnn.graph import GraphBundle, build_graph  # noqa: E402
from gnn.model import HeteroSAGE  # noqa: E402
from gnn.relations import ALL_EDGE_TYPES, NODE_TYPES  # noqa: E402
from gnn.scaling import FeatureScaler  # noqa: E402
from gnn.scoring import Calibration, GraphModel, ScoredGraph  # noqa: E402

AS_OF = pd.Timestamp("2025-01-01")
DAY0 = np.datetime64("2005-01-01")
FINANCIAL_COLUMNS = (
    "revenue", "net_profit", "total_assets", "total_liabilities", "current_assets",
    "current_liabilities", "cash", "rd_expense", "operating_cash_flow",
)  # fmt: skip


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class SyntheticWorld:
    """The id pools of a synthetic world and the one generator all its tables draw from."""

    rng: np.random.Generator
    uscc: np.ndarray
    person: np.ndarray
    patent: np.ndarray
    case: np.ndarray

    @classmethod
    def create(cls, n: int, seed: int) -> SyntheticWorld:
        """Pools for n enterprises with the target's proportions of persons, patents, cases."""
        return cls(
            rng=np.random.default_rng(seed),
            uscc=np.array([f"91{i:016d}" for i in range(n)], dtype=object),
            person=np.array([f"P{i}" for i in range(int(0.4 * n))], dtype=object),
            patent=np.array([f"CN{i:09d}A" for i in range(int(1.5 * n))], dtype=object),
            case=np.array([f"C{i}" for i in range(int(0.3 * n))], dtype=object),
        )

    def days(self, k: int, span: int = 7000) -> np.ndarray:
        """k random dates within `span` days from 2005-01-01."""
        return DAY0 + self.rng.integers(0, span, k).astype("timedelta64[D]")

    def pick(self, pool: np.ndarray, k: int) -> np.ndarray:
        """k heavy-tailed choices from pool: a few hubs, many leaves."""
        rng = self.rng
        idx = np.minimum((rng.pareto(1.5, k) * len(pool) / 20).astype(np.int64), len(pool) - 1)
        return pool[rng.permutation(len(pool))[idx]]

    def enterprises(self) -> pd.DataFrame:
        """One row per enterprise."""
        rng, n = self.rng, len(self.uscc)
        return pd.DataFrame(
            {
                "uscc": self.uscc,
                "name": [f"Firm {i}" for i in range(n)],
                "founded_on": self.days(n, 6000),
                "registered_capital": np.exp(rng.normal(15, 1, n)),
                "industry": rng.choice(["C39", "I65", "M73", "C35"], n),
                "region": "340100",
                "employees": rng.integers(5, 500, n),
                "high_tech": rng.random(n) < 0.4,
                "srdi": rng.random(n) < 0.1,
                "status": "active",
            }
        )

    def relations(self) -> pd.DataFrame:
        """Guarantees, supplies, shareholdings and officers, hubs first among sources."""
        rng, uscc, n = self.rng, self.uscc, len(self.uscc)
        rel_parts = []
        for kind, k, src_pool in (
            ("guarantee", int(0.8 * n), uscc),
            ("supply", int(2.5 * n), uscc),
            ("shareholding", int(0.6 * n), uscc),
            ("officer", int(1.8 * n), self.person),
        ):
            rel_parts.append(
                pd.DataFrame(
                    {
                        "kind": kind,
                        "src": self.pick(src_pool, k),
                        "dst": uscc[rng.integers(0, n, k)],
                        "amount": rng.random(k) * 1e6,
                        "ratio": rng.random(k),
                        "role": "director" if kind == "officer" else None,
                        "since": self.days(k),
                    }
                )
            )
        return pd.concat(rel_parts, ignore_index=True)

    def patents(self) -> pd.DataFrame:
        """One row per patent, owned by a uniformly drawn enterprise."""
        rng, n_patent = self.rng, len(self.patent)
        return pd.DataFrame(
            {
                "number": self.patent,
                "owner": self.uscc[rng.integers(0, len(self.uscc), n_patent)],
                "title": "t",
                "kind": rng.choice(["invention", "utility_model", "design"], n_patent),
                "filed_on": self.days(n_patent),
                "granted_on": self.days(n_patent),
                "status": rng.choice(["granted", "pending", "lapsed"], n_patent),
                "claims": rng.integers(1, 30, n_patent),
                "independent_claims": 1,
                "inventors": 2,
                "family_size": 1,
                "transfers": 0,
                "licenses": 0,
                "pledged": False,
            }
        )

    def citations(self) -> pd.DataFrame:
        """Two citations per enterprise between heavy-tailed patents."""
        pick, patent, k_cit = self.pick, self.patent, 2 * len(self.uscc)
        return pd.DataFrame({"citing": pick(patent, k_cit), "cited": pick(patent, k_cit)})

    def litigations(self) -> pd.DataFrame:
        """One pending row per case."""
        rng, n = self.rng, len(self.case)
        return pd.DataFrame(
            {
                "case_no": self.case,
                "court": "c",
                "filed_on": self.days(n),
                "closed_on": pd.NaT,
                "cause": rng.choice(["contract_dispute", "loan_dispute", "ip_infringement"], n),
                "amount": rng.random(n) * 1e6,
                "status": "pending",
                "outcome": None,
            }
        )

    def litigation_parties(self) -> pd.DataFrame:
        """A plaintiff and a defendant per case, and a second defendant in one case of six."""
        case, uscc, n_case = self.case, self.uscc, len(self.case)
        return pd.concat(
            [
                pd.DataFrame(
                    {"case_no": case, "uscc": self.pick(uscc, n_case), "role": "plaintiff"}
                ),
                pd.DataFrame(
                    {"case_no": case, "uscc": self.pick(uscc, n_case), "role": "defendant"}
                ),
                pd.DataFrame(
                    {
                        "case_no": case[: n_case // 6],
                        "uscc": self.pick(uscc, n_case // 6),
                        "role": "defendant",
                    }
                ),
            ],
            ignore_index=True,
        )

    def litigation_patents(self) -> pd.DataFrame:
        """A patent in dispute in half of the cases."""
        half = len(self.case) // 2
        return pd.DataFrame({"case_no": self.case[:half], "number": self.pick(self.patent, half)})

    def tax(self) -> pd.DataFrame:
        """One 2023 tax record per enterprise."""
        return pd.DataFrame(
            {
                "uscc": self.uscc,
                "year": 2023,
                "rating": self.rng.choice(list("ABMCD"), len(self.uscc)),
                "revenue": 1e6,
                "tax_paid": 5e4,
                "arrears": 0.0,
            }
        )

    def financials(self) -> pd.DataFrame:
        """Two yearly statements per enterprise."""
        uscc, n = self.uscc, len(self.uscc)
        return pd.DataFrame(
            {
                "uscc": np.repeat(uscc, 2),
                "period": np.tile(["2022", "2023"], n),
                "period_end": np.tile(
                    np.array(["2022-12-31", "2023-12-31"], dtype="datetime64[ns]"), n
                ),
                **{c: self.rng.random(2 * n) * 1e7 for c in FINANCIAL_COLUMNS},
            }
        )

    def events(self) -> pd.DataFrame:
        """Two monitoring events per enterprise in 2024-2025."""
        rng, n = self.rng, len(self.uscc)
        k_ev = 2 * n
        return pd.DataFrame(
            {
                "id": np.arange(k_ev).astype(str),
                "uscc": self.uscc[rng.integers(0, n, k_ev)],
                "occurred_at": np.datetime64("2024-01-01")
                + rng.integers(0, 700, k_ev).astype("timedelta64[D]"),
                "type": rng.choice(["overdue_payment", "litigation_filed", "tax_arrears"], k_ev),
                "payload": [{}] * k_ev,
            }
        )

    def outcomes(self) -> pd.DataFrame:
        """A default outcome per enterprise, about 5 % defaulted in 2024-2025."""
        rng, n = self.rng, len(self.uscc)
        defaulted = rng.random(n) < 0.05
        return pd.DataFrame(
            {
                "uscc": self.uscc,
                "defaulted": defaulted,
                "as_of": np.datetime64("2026-01-01"),
                "default_date": np.where(
                    defaulted,
                    np.datetime64("2024-01-01") + rng.integers(0, 700, n).astype("timedelta64[D]"),
                    np.datetime64("NaT"),
                ),
            }
        )


def synth_frames(n: int, seed: int = 0) -> WorldFrames:
    """A random world of n enterprises with the target's node and edge proportions."""
    world = SyntheticWorld.create(n, seed)
    # the tables share one generator: building them in this order fixes the figures
    return WorldFrames.from_tables(
        {
            "enterprises": world.enterprises(),
            "persons": pd.DataFrame({"id": world.person, "name": world.person}),
            "relations": world.relations(),
            "patents": world.patents(),
            "citations": world.citations(),
            "litigations": world.litigations(),
            "litigation_parties": world.litigation_parties(),
            "litigation_patents": world.litigation_patents(),
            "tax": world.tax(),
            "financials": world.financials(),
            "events": world.events(),
            "outcomes": world.outcomes(),
        }
    )


def timed(fn: Any, repeat: int = 1) -> tuple[Any, list[float]]:
    """Result of the last call and the wall time of each call."""
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return out, times


def untrained_model(bundle: GraphBundle) -> GraphModel:
    """A random model whose graph path and distress channel are open (as after training)."""
    torch.manual_seed(0)
    dims = {nt: bundle.x[nt].shape[1] for nt in NODE_TYPES}
    names = bundle.feature_names["enterprise"]
    net = HeteroSAGE(dims, ALL_EDGE_TYPES, signal_index=[names.index(c) for c in DISTRESS_COLUMNS])
    with torch.no_grad():
        net.graph_gate.fill_(1.0)
        net.signal_out.weight.normal_(0.0, 0.5)
    scaler = FeatureScaler.fit(bundle.x, bundle.feature_names)
    return GraphModel(net, scaler, Calibration(), {"version": "bench"})


def bench_large(n: int, model: GraphModel | None) -> dict[str, Any]:
    """Build, score and shock a synthetic world of n enterprises (with a trained model if given)."""
    out: dict[str, Any] = {}
    frames, t = timed(lambda: synth_frames(n))
    out["synthesise_s"] = round(t[0], 2)
    feats, t = timed(lambda: enterprise_features(frames, AS_OF))
    out["builtin_features_s"] = round(t[0], 2)
    bundle, t = timed(lambda: build_graph(frames, feats, AS_OF), repeat=2)
    edges = bundle.num_edges
    nodes = sum(bundle.num_nodes(nt) for nt in NODE_TYPES)
    out["nodes"] = nodes
    out["directed_edges"] = edges
    out["build_s"] = round(min(t), 3)
    out["build_s_per_million_edges"] = round(min(t) / (edges / 1e6), 3)
    if model is None:
        model = untrained_model(bundle)
    bundle.cache.clear()
    _, cold = timed(lambda: ScoredGraph.build(model, bundle))
    scored, warm = timed(lambda: ScoredGraph.build(model, bundle), repeat=3)
    out["score_cold_s"] = round(cold[0], 3)  # includes building the sparse adjacencies
    out["score_warm_s"] = round(min(warm), 3)
    out["scored"] = int(len(scored.scores))
    out["peak_rss_mb_after_scoring"] = round(peak_rss_mb())
    rng = np.random.default_rng(1)
    picks = [str(u) for u in rng.choice(bundle.ids["enterprise"], 30, replace=False)]
    _, first = timed(lambda: simulate_shock(scored, [picks[0]], 2))
    lat, sizes = [], []
    for u in picks:
        res, t = timed(lambda u=u: simulate_shock(scored, [u], 2))
        lat.append(t[0])
        sizes.append(len(res.exposed))
    out["contagion_first_call_ms"] = round(first[0] * 1000, 1)  # builds the cached CSR
    out["contagion_median_ms"] = round(float(np.median(lat)) * 1000, 1)
    out["contagion_p95_ms"] = round(float(np.percentile(lat, 95)) * 1000, 1)
    out["contagion_median_exposed"] = int(np.median(sizes))
    out["peak_rss_mb"] = round(peak_rss_mb())
    return out


def bench_training(n: int) -> tuple[dict[str, Any], GraphModel]:
    """Time preparing and training on a generated world of n enterprises."""
    from domain.world.frames import frames_from_rows
    from domain.world.generator import generate_world
    from gnn.evaluate import prepare
    from gnn.labels import plan_split
    from gnn.train import train_graph_model

    frames, t_gen = timed(lambda: frames_from_rows(generate_world(enterprises=n, seed=5)))
    (train, _), t_prep = timed(lambda: prepare(frames, plan_split(frames)))
    result, t_train = timed(lambda: train_graph_model(train))
    figures = {
        "train_enterprises": n,
        "train_generate_s": round(t_gen[0], 1),
        "train_prepare_s": round(t_prep[0], 1),
        "train_fit_s": round(t_train[0], 1),
        "train_epochs": result.epochs_run,
        "train_total_s": round(t_prep[0] + t_train[0], 1),
    }
    return figures, result.model


# figure key -> (label, unit, target); lower is better for every one of them
TARGETS: dict[str, tuple[str, str, float | None]] = {
    "train_total_s": ("graph network training only (prepare + fit)", "s", 300.0),
    "build_s_per_million_edges": ("graph build per million edges", "s", 1.0),
    "score_cold_s": ("graph network scoring, cold, in-process", "s", 2.0),
    "score_warm_s": ("graph network scoring, warm, in-process", "s", 2.0),
    "peak_rss_mb_after_scoring": ("peak RSS after scoring", "MB", 2560.0),
    "contagion_first_call_ms": ("contagion, first call, in-process", "ms", None),
    "contagion_median_ms": ("contagion median, in-process", "ms", 100.0),
    "contagion_p95_ms": ("contagion p95, in-process", "ms", 100.0),
}


def main() -> int:
    """Run the benchmark; print the figures beside their targets, 1 when one is missed."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--enterprises", type=int, default=100_000)
    ap.add_argument("--train-enterprises", type=int, default=10_000)
    ap.add_argument("--skip-training", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    print(f"torch threads: {torch.get_num_threads()}", file=sys.stderr)
    out: dict[str, Any] = {}
    model = None
    if not args.skip_training:
        figures, model = bench_training(args.train_enterprises)
        out.update(figures)
    # the trained model scores the large world: same built-in feature columns
    out.update(bench_large(args.enterprises, model))
    print(json.dumps(out), file=sys.stderr)
    report = Report("gnn")
    for key, (label, unit, target) in TARGETS.items():
        if key in out:
            report.figure(label, out[key], unit, target=target)
    return report.finish(json_out=args.json)


if __name__ == "__main__":
    raise SystemExit(main())
