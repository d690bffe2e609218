"""Benchmark of `planner collect`: time and peak memory of collecting a large cluster's inputs
from a real Prometheus (Debian's `prometheus` and `promtool`, as the tests use them).

The cluster is generated: WORKLOADS Deployments of one pod each in 100 namespaces, a Service
each, two calls per workload, every pod meshed, with a day of samples (gauges and traffic every
30 minutes, CPU counters every 10: a sparser sampling than the tests' week, so that the
backfill fits a laptop; the queries are the same, with a 30-minute rate interval). The samples
are written as OpenMetrics (tests/prom.py), backfilled with promtool, served on a loopback port,
and `planner collect` runs as a fresh process (the console script of this interpreter's virtual
environment) under a wrapper reporting its wall time and peak RSS. Progress goes to stderr,
the results table to stdout.

Example: .venv/bin/python bench/collect.py --workloads 10000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.run import WRAPPER  # noqa: E402 (the timing wrapper bench/run.py uses)
from tests import prom  # noqa: E402 (the repository's test helpers)

SAMPLING = prom.Sampling(window=86_400, step=1_800, cpu_step=600, meta_seconds=3_600)


def cluster(workloads: int) -> prom.Truth:
    """WORKLOADS one-pod Deployments in 100 namespaces, a Service each, two calls each."""
    truth = prom.Truth()
    for i in range(workloads):
        namespace = f"ns-{i % 100:03d}"
        name = f"app-{i:05d}"
        truth.workloads.append(
            prom.Workload(namespace, name, 1, True, 100.0, 128.0, 5.0 + i % 40, 40.0 + i % 30)
        )
        truth.services.append(prom.Service(namespace, name, (("http", 8080),), (name,)))
    for i in range(workloads):
        source = truth.workloads[i]
        for step in (1, 7):
            target = truth.workloads[(i + step) % workloads]
            truth.edges.append(
                prom.Edge(
                    source.namespace,
                    source.name,
                    target.namespace,
                    target.name,
                    1.0 + i % 9,
                    target.name,
                )
            )
    return truth


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workloads", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    end = int(time.time()) // 3600 * 3600 - 3600
    end_text = datetime.fromtimestamp(end, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with tempfile.TemporaryDirectory(prefix="collect-bench-") as folder:
        home = Path(folder)
        started = time.perf_counter()
        text = prom.openmetrics(cluster(args.workloads), "istio", end, SAMPLING)
        lines = text.count("\n")
        sys.stderr.write(f"generated {lines:,} samples ({len(text) / 2**20:,.0f} MiB)\n")
        data = prom.backfill(text, home / "tsdb")
        del text
        sys.stderr.write(f"backfilled in {time.perf_counter() - started:,.0f} s\n")
        planner = Path(sys.executable).parent / "planner"
        rows = []
        for server in prom.serve(data):
            for n in range(args.repeats):
                out = home / f"out-{n}"
                command = [
                    sys.executable,
                    "-c",
                    WRAPPER,
                    str(planner),
                    "collect",
                    "--prometheus",
                    server.url,
                    "--window",
                    "1d",
                    "--rate-interval",
                    "30m",
                    "--end",
                    end_text,
                    "--out",
                    str(out),
                ]
                done = subprocess.run(command, capture_output=True, text=True, check=False)
                result = json.loads(done.stdout)
                if result["returncode"] != 0:
                    sys.stderr.write(done.stderr[-2000:])
                    return 1
                record = json.loads((out / "collect.json").read_text("utf-8"))
                rows.append((result["seconds"], result["maxrss"] / 1024, record["counts"]))
                sys.stderr.write(f"run {n + 1}: {result['seconds']:.2f} s\n")
    seconds = sorted(r[0] for r in rows)
    counts = rows[0][2]
    print("| workloads | Services | edges | samples | runs | best / median s | peak MiB |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {counts['workloads']:,} | {counts['services']:,} | {counts['traffic_edges']:,} | "
        f"{lines:,} | {len(rows)} | {seconds[0]:.2f} / {seconds[len(seconds) // 2]:.2f} | "
        f"{max(r[1] for r in rows):,.0f} |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
