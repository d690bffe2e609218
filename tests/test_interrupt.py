"""Real runs killed part-way (SIGINT, SIGTERM, SIGKILL) leave --out as it was or complete.

A large case (5,000 pods, every output format) is run as a user would, in a child process, over
an output folder holding an earlier run's outputs, and killed at several points: while reading,
while sizing and rendering, the moment the staging folder appears, while it is being written,
and as it is switched in. After each kill the folder must hold exactly the earlier outputs or
exactly the new ones, the message must say which, and nothing may be left beside it. A SIGKILL
cannot be handled: the next run must remove what it left.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli

pytestmark = pytest.mark.slow

FORMATS = ["kustomize", "helm", "html", "xlsx", "sidecars", "istio-operator"]
OUT = "out"


@dataclass(frozen=True)
class Case:
    folder: Path
    old: dict[str, bytes]
    new: dict[str, bytes]
    seconds: float
    """How long an uninterrupted run takes."""


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(f".{OUT}."))


def command(inputs: str, out: str) -> list[str]:
    args = [sys.executable, "-m", "planner", "size"]
    args += ["--inventory", f"{inputs}/cluster.csv", "--services", f"{inputs}/services.csv"]
    args += ["--traffic", f"{inputs}/traffic.csv", "--traffic-window", "7d"]
    for output in FORMATS:
        args += ["--format", output]
    return [*args, "--out", out, "--force"]


def generate(folder: Path, pods: int, seed: int) -> None:
    script = str(REPO / "bench" / "generate.py")
    args = [sys.executable, script, "--pods", str(pods), "--seed", str(seed), "--out", str(folder)]
    subprocess.run(args, check=True, capture_output=True)


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Case:
    folder = tmp_path_factory.mktemp("interrupt")
    generate(folder / "large", 5000, 0)
    generate(folder / "small", 500, 1)
    subprocess.run(command("small", "old"), cwd=folder, check=True, capture_output=True)
    started = time.monotonic()
    subprocess.run(command("large", "new"), cwd=folder, check=True, capture_output=True)
    seconds = time.monotonic() - started
    old, new = tree(folder / "old"), tree(folder / "new")
    assert old.keys() != new.keys()
    return Case(folder, old, new, seconds)


def staging_appears(folder: Path) -> Callable[[], bool]:
    return lambda: any(p.name.startswith(f".{OUT}.planner-staging-") for p in folder.iterdir())


def kill_when(
    case: Case, signum: int, *, after: float = 0.0, condition: Callable[[], bool] | None = None
) -> tuple[subprocess.CompletedProcess[str], bool]:
    """Run over a copy of the old outputs and send `signum` once `condition` holds (polled every
    millisecond), then `after` seconds later. Returns the finished run and whether the staging
    folder existed when the signal was sent."""
    out = case.folder / OUT
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(case.folder / "old", out)
    process = subprocess.Popen(
        command("large", OUT),
        cwd=case.folder,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 10 * case.seconds + 10
    while condition is not None and not condition() and process.poll() is None:
        assert time.monotonic() < deadline, "the run never reached the kill point"
        time.sleep(0.001)
    time.sleep(after)
    staging = staging_appears(case.folder)()
    if process.poll() is None:
        process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=10 * case.seconds + 10)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr), staging


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_run_leaves_the_old_outputs_or_the_new(case: Case, signum: int) -> None:
    points: list[tuple[float, Callable[[], bool] | None]] = [
        (0.05 * case.seconds, None),  # reading the inputs
        (0.5 * case.seconds, None),  # sizing, scoping, rendering
        (0.0, staging_appears(case.folder)),  # the first file is being staged
        (0.03, staging_appears(case.folder)),  # staging
        (0.08, staging_appears(case.folder)),  # staging, or switching in
        (0.2, staging_appears(case.folder)),  # switching in, removing the old folder, or done
    ]
    name = signal.Signals(signum).name
    outcomes = []
    for after, condition in points:
        run, staging = kill_when(case, signum, after=after, condition=condition)
        state = tree(case.folder / OUT)
        assert state in (case.old, case.new)
        assert leftovers(case.folder) == []
        assert "Traceback" not in run.stderr
        if run.returncode == 0:  # finished before the signal
            assert state == case.new
        elif state == case.old:
            assert run.returncode == 128 + signum
            # before the command started (importing) or after, with where things stand
            assert run.stderr == f"Error: interrupted by {name}\n" or run.stderr.endswith(
                f"Error: interrupted by {name}; {OUT} is as it was\n"
            )
            assert run.stdout == ""
        else:  # during the summary, or as the command returned
            assert run.returncode == 128 + signum
            assert run.stderr.endswith(
                (
                    f"Error: interrupted by {name} after the outputs were written to {OUT}\n",
                    f"Error: interrupted by {name}\n",
                )
            )
        outcomes.append((staging, state == case.old))
    # the points did reach the moments that matter: before anything was staged (old kept),
    # and while the staging folder existed
    assert (False, True) in outcomes
    assert any(staging for staging, _ in outcomes)


def test_a_killed_run_is_cleaned_up_by_the_next(case: Case) -> None:
    run, staging = kill_when(case, signal.SIGKILL, condition=staging_appears(case.folder))
    assert run.returncode == -signal.SIGKILL
    assert staging
    assert tree(case.folder / OUT) == case.old
    assert [n.split("-staging-")[0] for n in leftovers(case.folder)] == [f".{OUT}.planner"]
    rerun = subprocess.run(
        command("large", OUT), cwd=case.folder, text=True, capture_output=True, check=False
    )
    assert rerun.returncode == 0, rerun.stderr
    assert tree(case.folder / OUT) == case.new
    assert leftovers(case.folder) == []


def test_the_library_leaves_signal_handlers_alone(tmp_path: Path) -> None:
    # only the console script turns signals into Interrupted: a program calling the CLI's
    # commands (or the library) keeps its own handlers
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    shutil.copy(REPO / "data" / "cluster.csv", tmp_path / "cluster.csv")
    run = run_cli(["size", "--inventory", "cluster.csv"], tmp_path)
    assert run.exit_code == 0
    assert {s: signal.getsignal(s) for s in before} == before


def caught_signals(pid: int) -> int:
    """The signals process `pid` has handlers for (Linux's SigCgt mask; bit n - 1 is signal n)."""
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    return int(next(line for line in status if line.startswith("SigCgt:")).split()[1], 16)


def test_ctrl_c_while_starting_ends_with_one_line(tmp_path: Path) -> None:
    # Ctrl-C the moment the entry point has set its handlers, while the CLI's imports are still
    # under way. A fixed delay is no good here: a fast machine finishes the whole run (a missing
    # inventory) before it, a slow one has not yet set the handlers. The interpreter catches
    # SIGINT itself, never SIGTERM, so SIGTERM's bit says the planner's handlers are in place.
    if not Path("/proc/self/status").exists():
        pytest.skip("needs Linux's /proc to see when the planner's signal handlers are set")
    process = subprocess.Popen(
        [sys.executable, "-m", "planner", "size", "--inventory", "nothing.csv"],
        cwd=tmp_path,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not caught_signals(process.pid) & (1 << (signal.SIGTERM - 1)):
        assert process.poll() is None, "the run ended before its handlers were seen"
        assert time.monotonic() < deadline
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert (process.returncode, stdout) == (130, "")
    assert stderr in (
        "Error: interrupted by SIGINT\n",
        "Error: interrupted by SIGINT; planner-out is as it was\n",
    )


def test_the_entry_point_imports_nothing_of_the_library_before_its_handlers() -> None:
    """A SIGINT before the handlers are set ends the run with Python's traceback, so the entry
    point's module imports only what setting them needs; the library, its workers and the
    traffic table's early reader come after (planner.__main__.main)."""
    script = (
        "import sys, planner.__main__; "
        "print(sorted(m for m in sys.modules if m.startswith(('planner.', 'models'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert done.stdout == "['planner.__main__', 'planner.interrupts']\n"


def test_a_signal_a_library_wrapped_still_ends_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """pydantic's serializer reports an Interrupted raised inside it as its own error: once a
    signal has arrived, whatever unwinds is that signal's, and ends as it would."""
    import typer

    from planner import interrupts
    from planner.cli import user_errors

    monkeypatch.setattr(interrupts, "_received", [signal.SIGTERM])
    with pytest.raises(typer.Exit) as exited, user_errors(tmp_path / "out"):
        raise ValueError("Error serializing to JSON: Interrupted: 15")
    assert exited.value.exit_code == 128 + signal.SIGTERM
    assert (
        capsys.readouterr().err
        == f"Error: interrupted by SIGTERM; {tmp_path / 'out'} is as it was\n"
    )
    # without a signal, an error is a bug and keeps its traceback
    monkeypatch.setattr(interrupts, "_received", [])
    with pytest.raises(ValueError, match="a bug"), user_errors(tmp_path / "out"):
        raise ValueError("a bug")


def test_objects_torn_down_after_a_signal_say_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from planner import interrupts

    class Closed:
        def __del__(self) -> None:
            raise ValueError("I/O operation on closed file.")

    monkeypatch.setattr(sys, "unraisablehook", interrupts.quiet_after_signal)
    monkeypatch.setattr(interrupts, "_received", [signal.SIGINT])
    Closed()
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(interrupts, "_received", [])
    Closed()
    assert "I/O operation on closed file." in capsys.readouterr().err
