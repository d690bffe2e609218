"""`planner review`: the command line of planner.review and planner.forecast (registered by
planner.cli)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from models.errors import InputError, printable, quoted
from planner.forecast import forecast
from planner.inputs.units import parse_duration
from planner.outputs import write_outputs
from planner.review import read_plan, review
from reports.review import REVIEW_FILE, render_review_json, render_review_summary

MAX_HORIZON_DAYS = 3 * 365


def _horizon(text: str) -> int:
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise InputError(f"--horizon {quoted(text)}: {exc}") from None
    days = seconds / 86_400
    if days < 1 or days > MAX_HORIZON_DAYS or days != int(days):
        raise InputError(
            f"--horizon {quoted(text)}: give whole days from 1d to {MAX_HORIZON_DAYS}d, such as "
            "90d (the next quarterly review)"
        )
    return int(days)


def review_command(
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            help="Last review's plan.json (planner size's output); with --history, the "
            "history's last but one by default.",
        ),
    ] = None,
    current: Annotated[
        Path | None,
        typer.Option(
            "--current",
            help="This review's plan.json, of the same mesh; with --history, its last by default.",
        ),
    ] = None,
    history: Annotated[
        list[Path] | None,
        typer.Option(
            "--history",
            help="A dated plan.json (sized with --inputs-date) of an earlier quarter, for the "
            "forecast; repeat for each (four or more give intervals worth reading).",
        ),
    ] = None,
    horizon: Annotated[
        str,
        typer.Option(
            "--horizon", help="How far after the last plan to project (90d: the next review)."
        ),
    ] = "90d",
    out: Annotated[str, typer.Option("--out", "-o", help="Folder for review.json.")] = "review",
    force: Annotated[
        bool, typer.Option("--force", help="Replace what an earlier review wrote in --out.")
    ] = False,
) -> None:
    """Compare this quarter's plan with last quarter's: what changed per part of the mesh,
    namespace and workload, and why (pods, traffic, what each proxy holds, observed usage, the
    model, the headroom), the drivers adding up to the change; with --history, fit each
    driver's growth and project the mesh to --horizon.

    Examples:

        planner review --baseline q3/plan.json --current q4/plan.json --out review

        planner review --history q1/plan.json --history q2/plan.json --history q3/plan.json
        --history q4/plan.json --horizon 90d --out review
    """
    from planner.cli import user_errors  # planner.cli registers this command

    out_dir = Path(out)
    with user_errors(out_dir) as run:
        days = _horizon(horizon)
        past = [(path, *read_plan(path, "--history")) for path in history or []]
        if (baseline is None) != (current is None) and not past:
            raise InputError("give both --baseline and --current (or --history with two plans)")
        if baseline is None and current is None and len(past) < 2:
            raise InputError(
                "give --baseline and --current, or two dated plans or more with --history"
                if not past
                else "--history: one snapshot cannot be projected; give two dated plans at "
                "least (four or more for an interval worth reading)"
            )
        if past:
            ordered = sorted(
                past, key=lambda p: (p[1].knobs.inputs_date is None, p[1].knobs.inputs_date)
            )
        old_path, (old, old_schema) = (
            (baseline, read_plan(baseline, "--baseline"))
            if baseline
            else (ordered[-2][0], ordered[-2][1:])
        )
        new_path, (new, new_schema) = (
            (current, read_plan(current, "--current"))
            if current
            else (ordered[-1][0], ordered[-1][1:])
        )
        result = review(old, new, old_path, new_path, (old_schema, new_schema))
        if past:
            result = result.model_copy(
                update={"forecast": forecast([(plan, str(path)) for path, plan, _ in past], days)}
            )
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
