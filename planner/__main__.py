"""The `planner` command's entry point (also `python -m planner`): SIGINT and SIGTERM are turned
into `Interrupted` before anything heavy is imported, so a run stopped even during start-up ends
with one line and exit code 128 + the signal's number."""

from __future__ import annotations

import signal
import sys

from planner.interrupts import SIGNALS, Interrupted, raise_interrupted


def main() -> None:
    """Console-script entry point: the process's signal handlers are its own to set."""
    for signum in SIGNALS:
        signal.signal(signum, raise_interrupted)
    try:
        from planner.cli import app

        app(prog_name="planner")
    except Interrupted as exc:  # before a command started, or after it ended: nothing half-done
        sys.stderr.write(f"Error: interrupted by {exc.name}\n")
        raise SystemExit(exc.exit_code) from None
    finally:
        # the work is done, or unwound: a signal arriving while the interpreter exits changes
        # nothing, and must not print a trace
        for signum in SIGNALS:
            signal.signal(signum, signal.SIG_IGN)


if __name__ == "__main__":
    main()
