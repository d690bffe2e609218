"""The `planner` command's entry point (also `python -m planner`): SIGINT and SIGTERM are turned
into `Interrupted` before anything heavy is imported, so a run stopped even during start-up ends
with one line and exit code 128 + the signal's number.

The cyclic garbage collector is off for the run: a command builds millions of objects that live
until it ends (frames' strings, the plan's records), which the collector would traverse again
and again for nothing (reference counting frees what a run drops). At 100,000 pods that is
1.1 s of 9.4 s with every format, and 12 s of 85 s at 1,000,000 pods, for the same peak memory
(BENCHMARKS.md)."""

from __future__ import annotations

import gc
import signal
import sys
from typing import NoReturn

from planner.interrupts import (
    SIGNALS,
    Interrupted,
    quiet_after_signal,
    raise_interrupted,
    received,
)


def main() -> None:
    """Console-script entry point: the process's signal handlers (and its garbage collector)
    are its own to set."""
    gc.disable()
    for signum in SIGNALS:
        signal.signal(signum, raise_interrupted)
    sys.unraisablehook = quiet_after_signal
    try:
        from planner.cli import app

        app(prog_name="planner")
    except Interrupted as exc:  # before a command started, or after it ended: nothing half-done
        _interrupted(exc)
    except Exception:  # a library that wrapped the Interrupted a signal raised inside it
        wrapped = received()
        if wrapped is None:
            raise
        _interrupted(wrapped)
    finally:
        # the work is done, or unwound: a signal arriving while the interpreter exits changes
        # nothing, and must not print a trace
        for signum in SIGNALS:
            signal.signal(signum, signal.SIG_IGN)


def _interrupted(exc: Interrupted) -> NoReturn:
    sys.stderr.write(f"Error: interrupted by {exc.name}\n")
    raise SystemExit(exc.exit_code) from None


if __name__ == "__main__":
    main()
