"""SIGINT (Ctrl-C) and SIGTERM as an exception, so that a run stopped at any moment unwinds
through its clean-up (the output writer's staging folder) and ends with one line, not a trace."""

from __future__ import annotations

import signal
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


def raise_interrupted(signum: int, frame: FrameType | None) -> None:
    """A signal handler: raise `Interrupted` where the main thread is."""
    raise Interrupted(signum)
