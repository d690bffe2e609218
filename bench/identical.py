"""Whether an optimisation changed any output: `planner size` run by this tree and by a git
revision of it (`--base`, checked out into a temporary worktree) on the same inputs, every
format, and the outputs compared byte by byte.

The inputs: the bundled sample (data/, with its traffic window) and, for each `--sizes`, the
generated mesh bench/run.py times (bench/out/, generated when missing). Both trees run with this
interpreter, each from its own source (PYTHONPATH), so only the code differs. Prints one line
per input and file set; exit code 0 when everything is identical, 1 when a file differs or a
run fails.

`--mesh` sizes the same inputs as another mesh flavour (repeatable; `all` for every one), with
that mesh's every format and, for Istio ambient, --nodes pods / 30 as bench/run.py gives it;
`--mesh compare` runs `planner compare` over every data plane (compare.json, .html and .xlsx),
and `all` includes it.

Example: .venv/bin/python bench/identical.py --base 11a3ce0 --sizes 100000 --mesh all
"""

from __future__ import annotations

import argparse
import filecmp
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.run import (  # noqa: E402
    COMPARE,
    DEFAULT_CACHE,
    MESHES,
    PODS_PER_NODE,
    ensure_inputs,
    every_format,
)

SAMPLE = ["cluster.csv", "services.csv", "traffic.csv"]


def _run(tree: Path, tables: Sequence[Path], out: Path, mesh: str, pods: int) -> str:
    """`planner size` (`planner compare` for COMPARE) from `tree`'s source on `tables` into
    `out`; stderr's tail on failure."""
    inventory, services, traffic = tables
    if mesh == COMPARE:
        command = [sys.executable, "-m", "planner", "compare"]
    else:
        command = [sys.executable, "-m", "planner", "size", "--mesh", mesh]
    if mesh in ("istio-ambient", COMPARE):
        command += ["--nodes", str(max(1, pods // PODS_PER_NODE))]
    command += ["--inventory", str(inventory)]
    command += ["--services", str(services), "--traffic", str(traffic), "--traffic-window", "7d"]
    command += [part for name in every_format(mesh) for part in ("--format", name)]
    if mesh != COMPARE:  # compare takes no inputs date
        command += ["--inputs-date", "2026-11-20"]
    command += ["--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env, cwd=tree)
    return "" if done.returncode == 0 else done.stderr[-2000:]


@contextmanager
def checked_out(revision: str, folder: Path) -> Iterator[Path]:
    """`revision` of this repository checked out into `folder` (a detached git worktree),
    removed when the block ends."""
    try:
        done = subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", str(folder), revision],
            check=False,
            capture_output=True,
            text=True,
        )
    except FileNotFoundError:
        raise SystemExit(f"Error: cannot check out {revision!r}: git is not installed") from None
    if done.returncode != 0:
        raise SystemExit(f"Error: cannot check out {revision!r}: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "remove", "--force", str(folder)],
            check=False,
            capture_output=True,
        )


def _differences(one: Path, other: Path) -> list[str]:
    """The relative paths whose bytes differ, or that only one folder holds."""
    names = {p.relative_to(one) for p in one.rglob("*") if p.is_file()}
    names |= {p.relative_to(other) for p in other.rglob("*") if p.is_file()}
    return sorted(
        str(name)
        for name in names
        if not (one / name).is_file()
        or not (other / name).is_file()
        or not filecmp.cmp(one / name, other / name, shallow=False)
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--base", required=True, help="the git revision to compare with")
    parser.add_argument(
        "--sizes", default="100000", help="generated meshes to compare too (pods, comma-separated)"
    )
    parser.add_argument(
        "--mesh",
        action="append",
        choices=[*MESHES, COMPARE, "all"],
        help="the mesh flavour sized, repeatable (compare: planner compare over every data "
        "plane); all for every one and compare (default istio-sidecar)",
    )
    args = parser.parse_args(argv)
    sizes = [int(part) for part in args.sizes.split(",") if part.strip()]
    chosen = args.mesh or ["istio-sidecar"]
    meshes = [*MESHES, COMPARE] if "all" in chosen else list(dict.fromkeys(chosen))
    tables: list[tuple[str, int, list[Path]]] = [
        ("sample", 200, [REPO / "data" / name for name in SAMPLE])
    ]
    for pods in sizes:
        generated = ensure_inputs(DEFAULT_CACHE, pods, 0).folder
        tables.append((f"{pods:,} pods", pods, [generated / name for name in SAMPLE]))
    inputs = [
        (name if mesh == "istio-sidecar" else f"{name} as {mesh}", mesh, pods, files)
        for mesh in meshes
        for name, pods, files in tables
    ]
    failed = False
    with (
        tempfile.TemporaryDirectory(prefix="planner-identical-") as scratch,
        checked_out(args.base, Path(scratch) / "base") as base,
    ):
        for label, mesh, pods, given in inputs:
            outs = {}
            for name, tree in (("base", base), ("this", REPO)):
                out = Path(scratch) / f"{name}-{label.replace(' ', '-')}"
                error = _run(tree, given, out, mesh, pods)
                if error:
                    print(f"{label}: the run of {name} failed:\n{error}")
                    failed = True
                outs[name] = out
            if failed:
                continue
            differ = _differences(outs["base"], outs["this"])
            files = sorted(p.name for p in outs["this"].rglob("*") if p.is_file())
            if differ:
                failed = True
                print(f"{label}: DIFFERENT from {args.base}: {', '.join(differ)}")
            else:
                print(f"{label}: identical to {args.base} ({', '.join(files)})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
