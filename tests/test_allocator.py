"""glibc's allocator keeps what the planner's process frees (planner.allocator), only on glibc,
and the command sets it before its work starts."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from planner import allocator
from tests.conftest import REPO

on_glibc = pytest.mark.skipif(
    not allocator.glibc() or not os.path.exists("/proc/self/statm"),
    reason="glibc's mallopt and /proc/self/statm are Linux with glibc's",
)

# a 24 MiB bytes object made, touched, then freed: the resident memory kept after, in MiB
_KEPT = textwrap.dedent(
    """
    import os, sys
    from planner.allocator import keep_freed_memory

    def resident_mib():
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    if sys.argv[1] == "kept":
        assert keep_freed_memory()
    before = resident_mib()
    block = b"x" * (24 * 2**20)
    del block
    print(round(resident_mib() - before))
    """
)


def _kept_mib(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _KEPT, mode],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    return int(done.stdout)


@on_glibc
def test_freed_memory_is_kept_for_reuse_once_set() -> None:
    # glibc's default gives a block this large its own mapping and unmaps it when it is freed
    assert _kept_mib("default") < 4
    # kept: the block came from the heap, which is not trimmed
    assert _kept_mib("kept") >= 20


def test_nothing_changes_off_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_glibc(name: str) -> str:
        raise ValueError(f"unrecognized configuration name {name!r}")

    monkeypatch.setattr(os, "confstr", no_glibc)
    assert not allocator.glibc()
    assert allocator.keep_freed_memory() is False


def test_the_command_sets_it_before_its_work() -> None:
    # the entry point, with the setting replaced by a marker: it is called before typer runs
    script = textwrap.dedent(
        """
        import sys
        import planner.__main__ as entry
        import planner.allocator

        planner.allocator.keep_freed_memory = lambda: print("allocator set", flush=True) or True
        sys.argv = ["planner", "--help"]
        entry.main()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("allocator set\n")
    assert "Usage: planner" in done.stdout
