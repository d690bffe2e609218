"""Benchmark of `planner size`: wall time and peak memory over synthetic meshes of growing size.

For each pod count the inputs come from bench/generate.py (cached under bench/out/, keyed by pods
and seed). Each timed run is a fresh process started by a small wrapper process, which reports the
wall time and its own RUSAGE_CHILDREN peak RSS: that peak therefore belongs to that one run alone.
Three things are timed per size, alternating within each repeat:

- the floor: a fresh Python that imports pandas and reads the three input CSVs with
  `pandas.read_csv` (what no planner can avoid);
- `planner size ... --format json` (plan.json only);
- `planner size ... --format json --format sidecars --format html --format xlsx` (every format a
  capacity review uses).

`--mesh` sizes the same inputs as another mesh flavour, and `--mesh compare` times `planner
compare` over every data plane instead (compare.json alone, then with compare.html and
compare.xlsx; the "plan.json" columns are compare.json's).

Results go to stdout as a Markdown table with each run's ratio to the floor (issue 16's targets:
plan.json within 5 x the floor, every format within 15 x, peak memory under 1 GB at 100,000
pods; plan.json in under 60 s and 8 GB at 1,000,000 pods); progress goes to stderr. The exit
code is 0 whether or not the targets hold, and 1 only when a run of `planner size` itself
fails. Delete bench/out/ to regenerate the inputs after changing the generator.

Example: .venv/bin/python bench/run.py --sizes 1000,10000,100000
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
GENERATOR = BENCH / "generate.py"
DEFAULT_CACHE = BENCH / "out"
DEFAULT_SIZES = (1_000, 10_000, 100_000)

TARGET_PODS = 100_000
TARGET_PLAN_RATIO = 5.0
"""plan.json within 5 x the floor at TARGET_PODS (issue 16)."""
TARGET_ALL_RATIO = 15.0
"""Every format within 15 x the floor."""
TARGET_MIB = 1000.0 * 1000.0 * 1000.0 / 1024.0 / 1024.0
"""1 GB (10^9 bytes) in MiB: about 954 MiB."""
XL_PODS = 1_000_000
XL_SECONDS = 60.0
"""plan.json in under 60 s at XL_PODS."""
XL_MIB = 8.0 * 1000.0**3 / 1024.0**2
"""8 GB in MiB: about 7,629 MiB."""

FLOOR = """\
import sys
import pandas
for path in sys.argv[1:]:
    pandas.read_csv(path)
"""
"""The floor: the interpreter, pandas' import and reading the three tables."""

RSS_UNITS_PER_MIB = 1024.0 * 1024.0 if sys.platform == "darwin" else 1024.0
"""ru_maxrss is in bytes on macOS and in KiB on Linux."""
STDERR_TAIL_CHARS = 2000

WRAPPER = """\
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
seconds = time.perf_counter() - start
sys.stderr.write(done.stderr.decode("utf-8", "replace"))
used = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = used.ru_utime + used.ru_stime
report = {"returncode": done.returncode, "seconds": seconds, "maxrss": used.ru_maxrss, "cpu": cpu}
print(json.dumps(report))
"""
"""Runs one command and prints its exit code, wall time, peak RSS and the CPU time of its
process tree (its own and its reaped children's, user and system) as JSON on stdout."""


@dataclass(frozen=True)
class Inputs:
    """The generated tables of one mesh and their row counts."""

    folder: Path
    pods: int
    workloads: int
    services: int
    edges: int


@dataclass(frozen=True)
class Sample:
    """One timed run of `planner size`."""

    seconds: float
    peak_mib: float
    cpu_seconds: float = float("nan")


@dataclass(frozen=True)
class Series:
    """The runs of one command over one mesh."""

    samples: tuple[Sample, ...]

    @property
    def best_seconds(self) -> float:
        return min(s.seconds for s in self.samples)

    @property
    def median_seconds(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def peak_mib(self) -> float:
        return max(s.peak_mib for s in self.samples)


@dataclass(frozen=True)
class Result:
    """All runs over one mesh: the floor, plan.json alone and every format; `failure` holds the
    tail of stderr when a run of planner failed."""

    inputs: Inputs
    floor: Series
    plan: Series
    every: Series
    failure: str = ""

    @property
    def best_seconds(self) -> float:
        """The best run with every format (the figure the history rows compare)."""
        return self.every.best_seconds

    @property
    def median_seconds(self) -> float:
        return self.every.median_seconds

    @property
    def peak_mib(self) -> float:
        return max(self.plan.peak_mib, self.every.peak_mib)

    def ratio(self, series: Series) -> float:
        """The series' best time over the floor's best."""
        return series.best_seconds / self.floor.best_seconds

    @property
    def microseconds_per_item(self) -> float:
        """Best time per (pod + edge), in microseconds: flat across sizes means linear."""
        return self.best_seconds / (self.inputs.pods + self.inputs.edges) * 1e6


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


PACKAGES = ("planner", "reports", "models")
"""The project's top-level packages, whose bytecode `compile_bytecode` writes."""


def compile_bytecode() -> None:
    """Compile the installed planner's modules to bytecode, as installing it does (pip compiles
    what it installs), so that no timed run compiles them from source."""
    folders = [
        folder
        for name in PACKAGES
        if (spec := importlib.util.find_spec(name)) is not None
        for folder in spec.submodule_search_locations or ()
    ]
    if len(folders) < len(PACKAGES):
        raise SystemExit(
            f"Error: {', '.join(PACKAGES)} are not all importable by {sys.executable}; install "
            "mesh-planner into this environment (pip install -e .)"
        )
    compile_folders(folders)
    _log(f"bytecode compiled: {', '.join(folders)}")


def compile_folders(folders: Sequence[str | Path]) -> None:
    """The bytecode of every module under `folders`, written as installing them would."""
    command = [sys.executable, "-m", "compileall", "-q", *(str(f) for f in folders)]
    if subprocess.run(command, check=False, stdout=subprocess.DEVNULL).returncode != 0:
        raise SystemExit(f"Error: {' '.join(command)} failed (its message is above)")


def planner_script() -> Path:
    """The `planner` console script installed next to this interpreter."""
    script = Path(sys.executable).parent / ("planner.exe" if os.name == "nt" else "planner")
    if not script.exists():
        raise SystemExit(
            f"Error: {script} not found; install mesh-planner into this environment "
            "(pip install -e .) or run this script with the environment's python"
        )
    return script


def _read_manifest(folder: Path) -> Inputs | None:
    manifest = folder / "manifest.json"
    if not manifest.exists():
        return None
    counts = json.loads(manifest.read_text(encoding="utf-8"))
    return Inputs(
        folder=folder,
        pods=int(counts["pods"]),
        workloads=int(counts["workloads"]),
        services=int(counts["services"]),
        edges=int(counts["edges"]),
    )


def ensure_inputs(cache: Path, pods: int, seed: int) -> Inputs:
    """The generated mesh for (pods, seed), generating it into the cache when missing."""
    folder = cache / f"pods-{pods}-seed-{seed}"
    cached = _read_manifest(folder)
    if cached is not None:
        _log(f"{pods:,} pods: inputs cached in {folder}")
        return cached
    _log(f"{pods:,} pods: generating inputs into {folder}")
    start = time.perf_counter()
    command = [sys.executable, str(GENERATOR), "--pods", str(pods), "--out", str(folder)]
    command += ["--seed", str(seed)]
    if subprocess.run(command, check=False, stdout=subprocess.DEVNULL).returncode != 0:
        raise SystemExit(f"Error: {GENERATOR} failed for {pods} pods (its message is above)")
    _log(f"{pods:,} pods: generated in {time.perf_counter() - start:.1f} s")
    generated = _read_manifest(folder)
    if generated is None:
        raise SystemExit(f"Error: {GENERATOR} wrote no manifest.json into {folder}")
    return generated


ALL_FORMATS = ("json", "sidecars", "html", "xlsx")


def floor_command(inputs: Inputs) -> list[str]:
    """The floor's command line: Python, pandas' import and reading the three tables."""
    tables = [str(inputs.folder / name) for name in ("cluster.csv", "services.csv", "traffic.csv")]
    return [sys.executable, "-c", FLOOR, *tables]


MESHES = ("istio-sidecar", "istio-ambient", "linkerd", "consul", "appmesh")
"""The mesh flavours `--mesh` takes (planner size --mesh)."""
COMPARE = "compare"
"""`--mesh compare` times `planner compare` over every data plane instead of `planner size`."""
PODS_PER_NODE = 30
"""Istio ambient needs the nodes: the bench gives --nodes pods / 30 (spread evenly)."""


def every_format(mesh: str) -> tuple[str, ...]:
    """Every format a capacity review uses, for `mesh`: sidecars.yaml is Istio's sidecar mode's
    (for `planner compare`: compare.json, compare.html and compare.xlsx)."""
    return ALL_FORMATS if mesh == "istio-sidecar" else ("json", "html", "xlsx")


def size_command(
    script: Path,
    inputs: Inputs,
    out: Path,
    formats: Sequence[str] = ALL_FORMATS,
    mesh: str = "istio-sidecar",
) -> list[str]:
    """The `planner size` command line for one mesh, writing `formats` (`planner compare` over
    every data plane for COMPARE)."""
    folder = inputs.folder
    chosen = [part for name in formats for part in ("--format", name)]
    nodes = ["--nodes", str(max(1, inputs.pods // PODS_PER_NODE))]
    if mesh == COMPARE:
        command, flavour = "compare", nodes
    else:
        command, flavour = "size", ["--mesh", mesh, *(nodes if mesh == "istio-ambient" else [])]
    return [
        str(script),
        command,
        *flavour,
        "--inventory",
        str(folder / "cluster.csv"),
        "--services",
        str(folder / "services.csv"),
        "--traffic",
        str(folder / "traffic.csv"),
        # a trusted window, so scoping takes its full (workload-level) path, and the outputs a
        # capacity review uses: the plan, the Sidecars and both reports
        "--traffic-window",
        "7d",
        *chosen,
        "--out",
        str(out),
        "--force",
    ]


def time_once(
    command: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> tuple[Sample | None, str]:
    """Run `command` in a fresh wrapper process (with `env` and in `cwd` when given); the
    sample, or None and the stderr tail."""
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *command],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=cwd,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    if report["returncode"] != 0:
        return None, done.stderr[-STDERR_TAIL_CHARS:]
    peak = int(report["maxrss"]) / RSS_UNITS_PER_MIB
    return Sample(float(report["seconds"]), peak, float(report["cpu"])), ""


def benchmark(script: Path, inputs: Inputs, repeats: int, mesh: str = "istio-sidecar") -> Result:
    """Time `repeats` rounds over one mesh, each the floor, plan.json alone and every format
    (alternating, so a busy moment weighs on all three), each into a fresh output folder."""
    runs: dict[str, list[Sample]] = {"floor": [], "plan": [], "every": []}
    for repeat in range(1, repeats + 1):
        for kind, kept in runs.items():
            with tempfile.TemporaryDirectory(prefix="planner-bench-") as out:
                if kind == "floor":
                    command = floor_command(inputs)
                else:
                    formats = ("json",) if kind == "plan" else every_format(mesh)
                    command = size_command(script, inputs, Path(out), formats, mesh)
                sample, failure = time_once(command)
            if sample is None:
                _log(f"{inputs.pods:,} pods: run {repeat} ({kind}) failed")
                empty = Series(tuple(runs["floor"]) or (Sample(float("nan"), 0.0),))
                return Result(inputs, empty, empty, empty, failure)
            _log(
                f"{inputs.pods:,} pods: run {repeat}/{repeats} {kind} {sample.seconds:.2f} s, "
                f"peak {sample.peak_mib:,.0f} MiB"
            )
            kept.append(sample)
    floor, plan, every = (Series(tuple(runs[kind])) for kind in ("floor", "plan", "every"))
    return Result(inputs, floor, plan, every)


def _marginal(result: Result, previous: Result | None) -> str:
    """Added best time per added (pod + edge) since the previous size, in microseconds.

    The fixed cost of a run (interpreter start, imports) cancels out, so for a linear tool this
    column stays flat while the plain per-item column falls towards it.
    """
    if previous is None or previous.failure:
        return "-"
    added = result.inputs.pods + result.inputs.edges - previous.inputs.pods - previous.inputs.edges
    if added <= 0:
        return "-"
    return f"{(result.best_seconds - previous.best_seconds) / added * 1e6:.2f}"


def markdown_table(results: Sequence[Result]) -> str:
    """The results as a Markdown table, one row per mesh size: the floor, plan.json alone and
    every format (best / median seconds, and the best over the floor's best), the peak memory
    and the time per (pod + edge)."""
    lines = [
        "| pods | workloads | services | edges | runs | floor s | plan.json s (best / median) "
        "| x floor | every format s (best / median) | x floor | peak MiB "
        "| µs per (pod + edge) | µs per added (pod + edge) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    previous: Result | None = None
    for result in results:
        inputs = result.inputs
        counts = (
            f"| {inputs.pods:,} | {inputs.workloads:,} | {inputs.services:,} | {inputs.edges:,}"
        )
        if result.failure:
            lines.append(f"{counts} | - | failed | - | failed | - | failed | - | - |")
            previous = result
            continue
        plan, every = result.plan, result.every
        lines.append(
            f"{counts} | {len(every.samples)} | {result.floor.best_seconds:.2f} | "
            f"{plan.best_seconds:.2f} / {plan.median_seconds:.2f} | {result.ratio(plan):.1f} | "
            f"{every.best_seconds:.2f} / {every.median_seconds:.2f} | {result.ratio(every):.1f} | "
            f"{result.peak_mib:,.0f} | {result.microseconds_per_item:.2f} | "
            f"{_marginal(result, previous)} |"
        )
        previous = result
    return "\n".join(lines)


def target_verdict(results: Sequence[Result]) -> str:
    """Whether the 100k-pod run (and the million-pod one, when run) holds issue 16's targets."""
    xl = next((r for r in results if r.inputs.pods == XL_PODS), None)
    lines = [_large_verdict(results)]
    if xl is not None:
        if xl.failure:
            lines.append(f"XL target MISSED: the {XL_PODS:,}-pod run failed.")
        else:
            fast = xl.plan.best_seconds < XL_SECONDS
            small = xl.plan.peak_mib < XL_MIB
            lines.append(
                f"XL target {'holds' if fast and small else 'MISSED'} at {XL_PODS:,} pods: "
                f"plan.json {xl.plan.best_seconds:.1f} s (target < {XL_SECONDS:g} s: "
                f"{'ok' if fast else 'missed'}), peak {xl.plan.peak_mib:,.0f} MiB (target < 8 GB, "
                f"{XL_MIB:,.0f} MiB: {'ok' if small else 'missed'})."
            )
    return "\n".join(lines)


def _large_verdict(results: Sequence[Result]) -> str:
    """Whether the 100k-pod run holds issue 16's targets, in one line."""
    top = next((r for r in results if r.inputs.pods == TARGET_PODS), None)
    if top is None:
        return f"Targets not checked: they apply to {TARGET_PODS:,} pods, which were not run."
    if top.failure:
        return f"Targets MISSED: the {TARGET_PODS:,}-pod run failed."
    plan_ok = top.ratio(top.plan) <= TARGET_PLAN_RATIO
    every_ok = top.ratio(top.every) <= TARGET_ALL_RATIO
    memory_ok = top.peak_mib < TARGET_MIB
    verdict = "hold" if plan_ok and every_ok and memory_ok else "MISSED"

    def ok(flag: bool) -> str:
        return "ok" if flag else "missed"

    return (
        f"Targets {verdict} at {TARGET_PODS:,} pods: plan.json {top.ratio(top.plan):.1f} x the "
        f"floor (target <= {TARGET_PLAN_RATIO:g}: {ok(plan_ok)}), every format "
        f"{top.ratio(top.every):.1f} x (target <= {TARGET_ALL_RATIO:g}: {ok(every_ok)}), peak "
        f"{top.peak_mib:,.0f} MiB (target < 1 GB, {TARGET_MIB:,.0f} MiB: {ok(memory_ok)})."
    )


def _total_ram_gib() -> float:
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return float("nan")
    return pages / 1024**3


def machine_line() -> str:
    """Cores, RAM, Python and library versions of the machine the numbers come from."""
    versions = ", ".join(
        f"{name} {importlib.metadata.version(name)}"
        for name in ("pandas", "numpy", "pydantic", "mesh-planner")
    )
    return (
        f"Machine: {os.cpu_count()} cores, {_total_ram_gib():.1f} GiB RAM, "
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}, {versions}"
    )


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of pod counts"
        ) from None
    if not sizes:
        raise argparse.ArgumentTypeError("give at least one pod count")
    return sizes


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line of the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=DEFAULT_SIZES,
        help="comma-separated pod counts (default 1000,10000,100000)",
    )
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs per size below 100k pods (default 3)"
    )
    parser.add_argument(
        "--large-repeats", type=int, default=1, help="runs per size from 100k pods (default 1)"
    )
    parser.add_argument(
        "--cache", type=Path, default=DEFAULT_CACHE, help="folder of generated inputs"
    )
    parser.add_argument(
        "--mesh",
        choices=[*MESHES, COMPARE],
        default="istio-sidecar",
        help="the mesh flavour sized (default istio-sidecar; istio-ambient gets --nodes pods/30), "
        "or compare: planner compare over every data plane (with --nodes pods/30)",
    )
    parser.add_argument(
        "--no-bytecode",
        action="store_true",
        help="do not compile the planner's bytecode first: where Python writes none (an editable "
        "install under PYTHONDONTWRITEBYTECODE), every run compiles the planner's source",
    )
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.large_repeats < 1:
        parser.error("--repeats and --large-repeats must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Generate (or reuse) the meshes, time `planner size` on each and print the table."""
    args = parse_args(argv)
    script = planner_script()
    if not args.no_bytecode:
        compile_bytecode()
    results = []
    for pods in sorted(set(args.sizes)):
        inputs = ensure_inputs(args.cache, pods, args.seed)
        repeats = args.large_repeats if pods >= TARGET_PODS else args.repeats
        results.append(benchmark(script, inputs, repeats, args.mesh))
    print(machine_line())
    print(f"Mesh: {args.mesh}; every format: {', '.join(every_format(args.mesh))}")
    print(
        "The planner's bytecode: "
        + ("not compiled first (--no-bytecode)" if args.no_bytecode else "compiled first")
    )
    print()
    print(markdown_table(results))
    print()
    print(target_verdict(results))
    failed = [r for r in results if r.failure]
    for result in failed:
        print(f"\n{result.inputs.pods:,} pods failed; stderr ends with:\n{result.failure}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
