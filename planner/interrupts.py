"""SIGINT (Ctrl-C) and SIGTERM as an exception, so that a run stopped at any moment unwinds
through its clean-up (the output writer's staging folder) and ends with one line, not a trace."""

from __future__ import annotations

import signal
import sys
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived. A BaseException, as KeyboardInterrupt is: no handler of
    ordinary errors may swallow it. The process should exit with `exit_code`."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        """128 + the signal's number, as a shell reports a process its signal ended."""
        return 128 + self.signum


_received: list[int] = []
"""The signals that arrived in this process, in order."""


def raise_interrupted(signum: int, frame: FrameType | None) -> None:
    """A signal handler: raise `Interrupted` where the main thread is (and remember it)."""
    _received.append(signum)
    raise Interrupted(signum)


def received() -> Interrupted | None:
    """The interruption that arrived, or None. A library may wrap the `Interrupted` a signal
    raised inside it (pydantic's serializer reports it as a serialization error, a generator
    closed on the way out as an ignored exception): what unwinds after a signal is that
    signal's doing, whatever it is called by then."""
    return Interrupted(_received[0]) if _received else None


def quiet_after_signal(unraisable: sys.UnraisableHookArgs) -> None:
    """`sys.unraisablehook`: after a signal, the errors of objects torn down half-way (an
    openpyxl worksheet whose file was closed) are the interruption's, and say nothing more."""
    if received() is None:
        sys.__unraisablehook__(unraisable)
