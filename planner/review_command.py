"""`planner review`: the command line of planner.review (registered by planner.cli)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from models.errors import printable
from planner.outputs import write_outputs
from planner.review import read_plan, review
from reports.review import REVIEW_FILE, render_review_json, render_review_summary


def review_command(
    baseline: Annotated[
        Path,
        typer.Option("--baseline", help="Last review's plan.json (planner size's output)."),
    ],
    current: Annotated[
        Path,
        typer.Option("--current", help="This review's plan.json, of the same mesh."),
    ],
    out: Annotated[str, typer.Option("--out", "-o", help="Folder for review.json.")] = "review",
    force: Annotated[
        bool, typer.Option("--force", help="Replace what an earlier review wrote in --out.")
    ] = False,
) -> None:
    """Compare this quarter's plan with last quarter's: what changed per part of the mesh,
    namespace and workload, and why (pods, traffic, what each proxy holds, observed usage, the
    model, the headroom), the drivers adding up to the change.

    Example:

        planner review --baseline q3/plan.json --current q4/plan.json --out review
    """
    from planner.cli import user_errors  # planner.cli registers this command

    out_dir = Path(out)
    with user_errors(out_dir) as run:
        old, old_schema = read_plan(baseline, "--baseline")
        new, new_schema = read_plan(current, "--current")
        result = review(old, new, baseline, current, (old_schema, new_schema))
        written = write_outputs(
            out_dir,
            render_review_json(result),
            force=force,
            owned=[REVIEW_FILE],
            switched=run.mark_written,
        )
        sys.stderr.write(printable(render_review_summary(result)).replace("\\n", "\n"))
        for path in written:
            typer.echo(printable(str(path)))


__all__ = ["review_command"]
