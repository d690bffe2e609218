"""The `planner` command's entry point (also `python -m planner`): SIGINT and SIGTERM are turned
into `Interrupted` before anything of the library is imported (this module imports only
planner.interrupts, and not even typing), so a run stopped even during start-up ends with one
line and exit code 128 + the signal's number.

The cyclic garbage collector is off for the run: a command builds millions of objects that live
until it ends (frames' strings, the plan's records), which the collector would traverse again
and again for nothing (reference counting frees what a run drops). At 100,000 pods that is
1.1 s of 9.4 s with every format, and 12 s of 85 s at 1,000,000 pods, for the same peak memory
(BENCHMARKS.md). For the same reason the process ends without tearing those objects down one by
one (`os._exit` once stdout and stderr are flushed): every file was written and closed by then,
and the kernel takes the memory back at once. A command that wrote its outputs ends by raising
its exit (planner.cli._finished), so that its own frame is not torn down on the way here either.
And glibc's allocator keeps the memory a run frees for the arrays it allocates next, rather than
handing it back to the kernel (planner.allocator).

A large traffic table given to `planner size` or `planner compare` starts being read in a forked
child once pandas is imported, before the rest of the library (planner.inputs.early); one the
command did not take is stopped when it ends."""

from __future__ import annotations

import gc
import os
import signal
import sys

from planner.interrupts import (
    SIGNALS,
    Interrupted,
    quiet_after_signal,
    raise_interrupted,
    received,
)

TYPE_CHECKING = False  # typing is imported once the signal handlers are set (planner/__init__.py)
if TYPE_CHECKING:
    from typing import NoReturn


def main() -> None:
    """Console-script entry point: the process's signal handlers (and its garbage collector)
    are its own to set."""
    gc.disable()
    for signum in SIGNALS:
        signal.signal(signum, raise_interrupted)
    sys.unraisablehook = quiet_after_signal
    try:
        # imported once a signal ends the run with one line: planner.inputs.early's own imports
        # (planner.workers: pickle, dataclasses) take 18 ms, long enough for a SIGINT sent at
        # start-up to land in them
        from planner.allocator import keep_freed_memory
        from planner.inputs import early

        keep_freed_memory()
        # a large traffic table starts being read now (once pandas is imported), while the
        # library is imported (planner.inputs.early)
        early.start(sys.argv[1:])
        from planner.cli import app

        app(prog_name="planner")
    except Interrupted as exc:  # before a command started, or after it ended: nothing half-done
        _interrupted(exc)
    except SystemExit as exc:  # how every command ends, success or not
        _leave(exc.code)
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
        _stop_early()


def _stop_early() -> None:
    """Stop a traffic table's reading that nobody took (planner.inputs.early), if the module was
    imported at all."""
    early = sys.modules.get("planner.inputs.early")
    if early is not None:
        early.stop()


def _interrupted(exc: Interrupted) -> NoReturn:
    sys.stderr.write(f"Error: interrupted by {exc.name}\n")
    _leave(exc.exit_code)


def _leave(code: object) -> NoReturn:
    """Exit with `code` as `sys.exit` would, without freeing the run's objects one by one (at a
    million pods, seconds of work for nothing). Output still buffered is flushed first; output
    that cannot be written (a closed pipe) ends the run with 120, as Python's own exit does."""
    for signum in SIGNALS:  # the run is over: a late signal changes nothing
        signal.signal(signum, signal.SIG_IGN)
    _stop_early()
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        sys.stderr.write(f"{code}\n")
        status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            status = status or 120
    os._exit(status)


if __name__ == "__main__":
    main()
