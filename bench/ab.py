"""Before and after one change: `planner size` over one mesh, run in alternation by a git
revision of this repository (`--base`, checked out into a temporary worktree) and by this tree,
each from its own source (PYTHONPATH) with its bytecode compiled first, as an installed copy
runs, so that only the code differs and a busy minute weighs on both.

Each round runs both trees, the order swapped from one round to the next; each run is a fresh
process timed by bench/run.py's wrapper (wall time, peak RSS, and the CPU time of the whole
process tree: the planner and its forked children). Prints a Markdown table with each tree's best
and median wall and CPU times and its peak, then the median of the rounds' differences (this
tree's run less the base's in the same round), the figure to read when the machine's speed drifts
while it measures (BENCHMARKS.md, "Method"). Progress goes to stderr; the exit code is 0 unless
a run fails.

`--pods` picks the generated mesh bench/run.py times (bench/out/, generated when missing), or 0
for the bundled sample in data/; `--mesh` another flavour (`compare`: `planner compare` over every
data plane); `--every` every format a capacity review uses instead of plan.json alone.

Example: .venv/bin/python bench/ab.py --base a3b4d09 --mesh consul --rounds 10
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.identical import checked_out  # noqa: E402
from bench.run import (  # noqa: E402
    ALL_FORMATS,
    COMPARE,
    DEFAULT_CACHE,
    MESHES,
    PACKAGES,
    Inputs,
    Sample,
    compile_folders,
    ensure_inputs,
    every_format,
    size_command,
    time_once,
)

SAMPLE_PODS = 200
"""The bundled sample's pods (data/cluster.csv), for the --nodes that ambient and compare take."""


def sample_inputs() -> Inputs:
    """The bundled sample as bench/run.py's inputs (its row counts are not used here)."""
    return Inputs(folder=REPO / "data", pods=SAMPLE_PODS, workloads=0, services=0, edges=0)


def tree_command(inputs: Inputs, out: Path, mesh: str, every: bool) -> list[str]:
    """bench/run.py's command line for `mesh`, run as `python -m planner` from a tree's source."""
    formats = every_format(mesh) if every else ALL_FORMATS[:1]
    line = size_command(Path("planner"), inputs, out, formats, mesh)
    return [sys.executable, "-m", "planner", *line[1:]]


def summary(base: str, runs: dict[str, list[Sample]]) -> str:
    """The Markdown table of both trees' runs (`runs`: "base" and "this", one sample per round
    each, in round order) and the median of the rounds' differences."""
    rows = [
        "| tree | runs | wall s (best / median) | CPU s (best / median) | peak MiB |",
        "|---|---:|---:|---:|---:|",
    ]
    for key, label in (("base", f"base {base}"), ("this", "this tree")):
        samples = runs[key]
        wall = [s.seconds for s in samples]
        cpu = [s.cpu_seconds for s in samples]
        rows.append(
            f"| {label} | {len(samples)} | {min(wall):.2f} / {statistics.median(wall):.2f} | "
            f"{min(cpu):.2f} / {statistics.median(cpu):.2f} | "
            f"{max(s.peak_mib for s in samples):,.0f} |"
        )
    pairs = list(zip(runs["base"], runs["this"], strict=True))
    wall_change = statistics.median(t.seconds - b.seconds for b, t in pairs)
    cpu_change = statistics.median(t.cpu_seconds - b.cpu_seconds for b, t in pairs)
    share = wall_change / statistics.median(b.seconds for b, _ in pairs)
    rows.append("")
    rows.append(
        f"This tree less the base, the median of {len(pairs)} rounds' differences: wall "
        f"{wall_change:+.2f} s ({share:+.1%}), CPU {cpu_change:+.2f} s."
    )
    return "\n".join(rows)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--base", required=True, help="the git revision to compare with")
    parser.add_argument(
        "--pods",
        type=int,
        default=100_000,
        help="the generated mesh's pods (bench/run.py's inputs), or 0 for the bundled sample",
    )
    parser.add_argument(
        "--mesh",
        choices=[*MESHES, COMPARE],
        default="istio-sidecar",
        help="the mesh flavour sized (compare: planner compare over every data plane)",
    )
    parser.add_argument("--rounds", type=int, default=8, help="rounds, each running both trees")
    parser.add_argument(
        "--every", action="store_true", help="every format instead of plan.json alone"
    )
    args = parser.parse_args(argv)
    if args.pods < 0 or args.rounds < 1:
        parser.error("--pods must be 0 or more and --rounds 1 or more")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    inputs = sample_inputs() if args.pods == 0 else ensure_inputs(DEFAULT_CACHE, args.pods, 0)
    runs: dict[str, list[Sample]] = {"base": [], "this": []}
    with (
        tempfile.TemporaryDirectory(prefix="planner-ab-") as scratch,
        checked_out(args.base, Path(scratch) / "base") as base,
    ):
        trees = {"base": base, "this": REPO}
        for tree in trees.values():  # as installed: no run compiles the tree's source
            compile_folders([tree / package for package in PACKAGES])
        for round_ in range(args.rounds):
            order = ("base", "this") if round_ % 2 == 0 else ("this", "base")
            for key in order:
                out = Path(scratch) / f"out-{round_}-{key}"  # a fresh folder for every run
                env = {**os.environ, "PYTHONPATH": str(trees[key])}
                command = tree_command(inputs, out, args.mesh, args.every)
                sample, failure = time_once(command, env=env, cwd=trees[key])
                shutil.rmtree(out, ignore_errors=True)
                if sample is None:
                    print(f"Error: the run of {key} failed:\n{failure}", file=sys.stderr)
                    return 1
                print(
                    f"round {round_ + 1}/{args.rounds} {key}: {sample.seconds:.2f} s, "
                    f"CPU {sample.cpu_seconds:.2f} s, peak {sample.peak_mib:,.0f} MiB",
                    file=sys.stderr,
                    flush=True,
                )
                runs[key].append(sample)
    print(summary(args.base, runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
