"""The stages of one `planner size` in one process, timed apart: reading the inventory, reading
the traffic, sizing (`build_plan`, scoping included) and rendering plan.json.

For a profile of where time goes between two bench/run.py tables (BENCHMARKS.md). The plan is
sized with the built-in Istio sidecar profile and a 7-day traffic window, as bench/run.py does;
the digest of plan.json lets two trees be compared on the same inputs (run it with PYTHONPATH set
to a `git worktree` of the other commit). Its plan differs from the command's (no input paths,
no inputs date), so compare digests from this script only with each other.

Example: .venv/bin/python bench/stages.py bench/out/pods-100000-seed-0
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import time
from pathlib import Path

from models.knobs import Knobs, MeshKind
from planner.inputs.load import read_inventory
from planner.inputs.traffic import read_traffic
from planner.meshes.profiles import load_builtin_profile
from planner.pipeline import build_plan
from reports.plan_json import PLAN_FILE, render_json

WEEK_SECONDS = 7 * 86400


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("folder", type=Path, help="a folder bench/generate.py wrote")
    folder = parser.parse_args().folder
    gc.disable()  # as the planner command runs
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    inventory = read_inventory(
        folder / "cluster.csv", folder / "services.csv", MeshKind.ISTIO_SIDECAR
    )
    seconds["inventory"] = time.perf_counter() - start
    start = time.perf_counter()
    traffic = read_traffic(folder / "traffic.csv", inventory)
    seconds["traffic"] = time.perf_counter() - start
    start = time.perf_counter()
    profile = load_builtin_profile(MeshKind.ISTIO_SIDECAR)
    plan = build_plan(inventory, traffic, profile, Knobs(traffic_window_seconds=WEEK_SECONDS))
    seconds["build_plan"] = time.perf_counter() - start
    start = time.perf_counter()
    data = render_json(plan)[PLAN_FILE]
    seconds["plan.json"] = time.perf_counter() - start
    timed = ", ".join(f"{name} {value:.2f} s" for name, value in seconds.items())
    print(f"{folder.name}: {timed}; plan.json sha256 {hashlib.sha256(data).hexdigest()[:16]}")


if __name__ == "__main__":
    main()
