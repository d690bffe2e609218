"""Work side by side (planner.workers): the same files and results as one process, errors
raised here, and `PLANNER_WORKERS=1` keeps everything in the planner's own process."""

from __future__ import annotations

import functools
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from models.errors import InputError
from planner import workers
from planner.workers import Ahead, Job, WorkerError, beside, render_files, shared
from tests.conftest import REPO, run_cli, write

forks = pytest.mark.skipif(
    not workers.can_fork(), reason="one usable core or no os.fork here: nothing runs aside"
)


def _nothing() -> None:
    return None


class _Steps:
    """Calls to it, in the order they came; each call returns the process it ran in."""

    def __init__(self) -> None:
        self.order: list[object] = []

    def __call__(self, name: object) -> int:
        self.order.append(name)
        return os.getpid()


def _pid_files(name: str) -> dict[str, bytes]:
    return {name: str(os.getpid()).encode()}


def _jobs() -> list[Job]:
    return [
        Job(lambda: {"b.json": b"here", "c.txt": b"1"}),
        Job(lambda: _pid_files("a.xlsx"), aside=True),
        Job(lambda: {"d.html": b"<p>"}),
    ]


@forks
def test_an_aside_job_runs_in_another_process_and_its_files_come_back_in_job_order() -> None:
    files, meanwhile = render_files(_jobs(), os.getpid)
    assert meanwhile == os.getpid()
    assert list(files) == ["b.json", "c.txt", "a.xlsx", "d.html"]
    assert files["a.xlsx"] != str(os.getpid()).encode()
    assert files["b.json"] == b"here"
    assert files["d.html"] == b"<p>"


def test_planner_workers_1_renders_everything_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANNER_WORKERS", "1")
    files, _ = render_files(_jobs(), _nothing)
    assert list(files) == ["b.json", "c.txt", "a.xlsx", "d.html"]
    assert files["a.xlsx"] == str(os.getpid()).encode()


@forks
def test_beside_returns_the_childs_result_and_raises_its_error() -> None:
    import pandas as pd

    frame = pd.DataFrame({"a": pd.Categorical(["x", "y", "x"])})
    (pid, copied), here = beside(lambda: (os.getpid(), frame.copy()), os.getpid)
    assert here == os.getpid() != pid
    assert copied.equals(frame)

    def bad() -> None:
        raise InputError("t.csv row 9: bad")

    with pytest.raises(InputError, match=r"t\.csv row 9: bad"):
        beside(bad, _nothing)


def test_beside_with_planner_workers_1_runs_meanwhile_first_then_the_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PLANNER_WORKERS", "1")
    step = _Steps()
    assert beside(lambda: step("work"), lambda: step("here")) == (os.getpid(), os.getpid())
    assert step.order == ["here", "work"]


def test_a_lone_job_is_not_forked() -> None:
    assert render_files([Job(lambda: _pid_files("x"), aside=True)], lambda: 1) == (
        _pid_files("x"),
        1,
    )


def _fails_with_input_error() -> dict[str, bytes]:
    raise InputError("cluster.csv row 3: the workload name is too long; shorten it")


@forks
def test_an_error_aside_is_raised_here_as_it_was_raised_there() -> None:
    jobs = [Job(lambda: {"a": b""}), Job(_fails_with_input_error, aside=True)]
    with pytest.raises(InputError, match=r"^cluster.csv row 3: the workload name is too long"):
        render_files(jobs, _nothing)


class _UnpicklableError(Exception):
    def __init__(self) -> None:
        super().__init__("a renderer bug")
        self.lock = threading.Lock()  # cannot be pickled


def _fails_unpicklably() -> dict[str, bytes]:
    raise _UnpicklableError


@forks
def test_an_error_that_cannot_travel_comes_back_as_its_traceback() -> None:
    jobs = [Job(lambda: {"a": b""}), Job(_fails_unpicklably, aside=True)]
    with pytest.raises(WorkerError, match="work in a worker process failed") as raised:
        render_files(jobs, _nothing)
    assert "_UnpicklableError: a renderer bug" in str(raised.value)
    assert "_fails_unpicklably" in str(raised.value)


def _dies() -> dict[str, bytes]:
    os._exit(3)


@forks
def test_a_worker_that_dies_without_a_word_is_an_error_not_missing_files() -> None:
    jobs = [Job(lambda: {"a": b""}), Job(_dies, aside=True)]
    with pytest.raises(WorkerError, match=r"ended without a result \(wait status 768\)"):
        render_files(jobs, _nothing)


def _raises_here() -> dict[str, bytes]:
    raise InputError("here")


@forks
def test_an_error_here_kills_and_reaps_the_worker() -> None:
    before = _children()
    jobs = [Job(_raises_here), Job(lambda: {"slow": b""}, aside=True)]
    with pytest.raises(InputError, match=r"^here$"):
        render_files(jobs, _nothing)
    assert _children() == before


def _children() -> set[str]:
    """This process's live child processes (Linux)."""
    tasks = Path(f"/proc/{os.getpid()}/task")
    if not tasks.exists():
        return set()
    found: set[str] = set()
    for task in tasks.iterdir():
        children = task / "children"
        if children.exists():
            found.update(children.read_text().split())
    return found


def _touch_then_wait(path: Path) -> int:
    path.write_text("started")
    return os.getpid()


@forks
def test_ahead_starts_the_work_at_once_and_hands_over_its_result_later(tmp_path: Path) -> None:
    marker = tmp_path / "started"
    with Ahead(lambda: _touch_then_wait(marker)) as pending:
        # the child works while this process has not asked for anything yet
        deadline = time.monotonic() + 30
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert marker.exists()
        pid = pending.result()
        assert pid != os.getpid()
        assert pending.result() == pid  # the same result, not a second run
    assert _children() == set()


def _once_released(path: Path) -> int:
    deadline = time.monotonic() + 30
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return os.getpid()


def _until_done(pending: Ahead[Any]) -> None:
    deadline = time.monotonic() + 30
    while pending.running() and time.monotonic() < deadline:
        time.sleep(0.01)


@forks
@pytest.mark.parametrize("memory_file", [True, False])
def test_running_says_whether_the_result_would_be_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, memory_file: bool
) -> None:
    """True while the child works, False once it has sent its result (a memory file's child
    reaped, a pipe's result there to read) and ever after; the result and the child's error
    come back the same after `running` saw it end."""
    if not memory_file:
        monkeypatch.delattr(os, "memfd_create")
    release = tmp_path / "release"
    with Ahead(lambda: _once_released(release)) as pending:
        assert pending.running()
        assert pending.running()
        release.write_text("go")
        _until_done(pending)
        assert not pending.running()
        assert pending.result() != os.getpid()
        assert not pending.running()
    with Ahead(_fails_with_input_error) as failing:
        _until_done(failing)
        assert not failing.running()
        with pytest.raises(InputError, match=r"^cluster\.csv row 3: the workload name"):
            failing.result()
    with Ahead(lambda: _once_released(tmp_path / "never")) as cancelled:
        assert cancelled.running()
        cancelled.cancel()
        assert not cancelled.running()
    assert _children() == set()


def test_work_run_here_is_never_running() -> None:
    """Not forked (too little work): the result is worked out when asked for, not waited for."""
    with Ahead(os.getpid, aside=False) as here:
        assert not here.running()
        assert here.result() == os.getpid()
        assert not here.running()


@forks
def test_leaving_an_ahead_block_unasked_kills_and_reaps_the_child_and_drops_its_error() -> None:
    before = _children()

    def slow_failure() -> None:
        time.sleep(30)
        raise InputError("never seen")

    def inventory_fails() -> None:
        with Ahead(slow_failure):
            assert len(_children()) == len(before) + 1
            raise InputError("the inventory is wrong")

    with pytest.raises(InputError, match=r"^the inventory is wrong$"):
        inventory_fails()
    assert _children() == before


@forks
def test_ahead_raises_the_childs_error_when_the_result_is_asked_for() -> None:
    pending = Ahead(_fails_with_input_error)
    with pytest.raises(InputError, match=r"^cluster.csv row 3: the workload name"):
        pending.result()
    assert _children() == set()


def test_ahead_with_planner_workers_1_runs_the_work_when_asked_in_this_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PLANNER_WORKERS", "1")
    step = _Steps()
    with Ahead(lambda: step("work")) as pending:
        step("here")
        assert step.order == ["here"]
        assert pending.result() == os.getpid()
        assert pending.result() == os.getpid()
    assert step.order == ["here", "work"]


def _job_in(value: int, marker: Path) -> tuple[int, int]:
    """Job 0 waits until job 4 has run (in the other process, since this one is waiting)."""
    if value == 0:
        deadline = time.monotonic() + 30
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
    if value == 4:
        marker.write_text("4 ran")
    return value, os.getpid()


@forks
def test_shared_jobs_run_in_both_processes_and_come_back_in_job_order(tmp_path: Path) -> None:
    marker = tmp_path / "four"
    jobs = [functools.partial(_job_in, v, marker) for v in range(5)]
    results = shared(jobs, order=[0, 1, 2, 3, 4])
    assert [value for value, _ in results] == [0, 1, 2, 3, 4]
    # whichever process took job 0 waited for job 4: the other ran jobs 1 to 4
    assert {pid for _, pid in results[1:]} == {results[1][1]} != {results[0][1]}
    assert os.getpid() in {results[0][1], results[1][1]}
    assert _children() == set()


def _job_and_its_own_work(value: int, marker: Path) -> tuple[int, int, int, bool]:
    """A shared job (as _job_in) that would fork its own work: where that work ran."""
    own = Ahead(os.getpid)
    with own:
        return (*_job_in(value, marker), own.result(), workers.can_fork())


@forks
def test_shared_jobs_run_their_own_work_in_their_own_process(tmp_path: Path) -> None:
    """Both cores are busy while two processes share the jobs: what a job would fork (an Ahead,
    a table's halves) runs in the process that runs the job, and forks again afterwards."""
    marker = tmp_path / "four"
    jobs = [functools.partial(_job_and_its_own_work, v, marker) for v in range(5)]
    results = shared(jobs, order=[0, 1, 2, 3, 4])
    assert len({pid for _, pid, _, _ in results}) == 2  # both processes ran jobs
    assert all(pid == own for _, pid, own, _ in results)
    assert not any(forkable for *_, forkable in results)
    assert workers.can_fork()
    with Ahead(os.getpid) as after:
        assert after.result() != os.getpid()
    assert _children() == set()


def test_shared_without_a_fork_runs_the_jobs_here_in_job_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PLANNER_WORKERS", "1")
    step = _Steps()
    jobs = [functools.partial(step, v) for v in range(3)]
    assert shared(jobs, order=[2, 0, 1]) == [os.getpid()] * 3
    assert step.order == [0, 1, 2]
    with pytest.raises(ValueError, match="not an order of 3 jobs"):
        shared(jobs, order=[0, 0, 1])


def _fails_at(value: int, failing: set[int], seconds: float) -> int:
    time.sleep(seconds)
    if value in failing:
        raise InputError(f"job {value} failed")
    return value


@pytest.mark.parametrize("processes", ["1", "2"])
def test_shared_raises_the_first_failing_job_in_job_order(
    monkeypatch: pytest.MonkeyPatch, processes: str
) -> None:
    """Jobs 1 and 3 fail (and 0, in the second case, which the queue gives last): the first
    failing job's error in job order, whichever process ran which job and whichever failed
    first in time (job 3 fails at once, job 1 after a while)."""
    monkeypatch.setenv("PLANNER_WORKERS", processes)
    delays = {0: 0.0, 1: 0.3, 2: 0.0, 3: 0.0}
    for failing, first in (({1, 3}, 1), ({0, 1, 3}, 0)):
        jobs = [functools.partial(_fails_at, v, failing, delays[v]) for v in range(4)]
        with pytest.raises(InputError, match=rf"^job {first} failed$"):
            shared(jobs, order=[1, 3, 2, 0])
        assert _children() == set()


_BAD_TRAFFIC = """\
source_namespace,source_workload,destination_namespace,destination_service,rps
shop,web,shop,api,lots
"""


@pytest.mark.parametrize("processes", ["1", "2"])
def test_the_inventorys_error_comes_before_the_traffic_tables_read_beside_it(
    sample: Path, monkeypatch: pytest.MonkeyPatch, forked: list[int], processes: str
) -> None:
    """The traffic table is read while the inventory is; a bad inventory's error is still the
    one a user sees first, and a bad traffic table's error comes once the inventory is good."""
    monkeypatch.setenv("PLANNER_WORKERS", processes)
    monkeypatch.setattr("planner.inputs.traffic.AHEAD_BYTES", 0)  # fork for the small table
    write(sample / "traffic.csv", _BAD_TRAFFIC)
    write(sample / "bad.csv", "namespace,workload,replicas\nshop,web,many\n")
    args = ["size", "--traffic", "traffic.csv", "--out", "out"]
    first = run_cli([*args, "--inventory", "bad.csv"], sample)
    assert first.exit_code == 1
    assert first.stderr.startswith("Error: bad.csv row 2 column replicas:")
    second = run_cli([*args, "--inventory", "cluster.csv", "--services", "services.csv"], sample)
    assert second.exit_code == 1
    assert second.stderr.startswith("Error: traffic.csv row 2 column rps:")
    assert not (sample / "out").exists()
    assert _children() == set()
    assert len(forked) == (2 if processes == "2" and workers.can_fork() else 0)


@forks
def test_every_format_is_the_same_bytes_forked_or_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = {}
    for workers_setting in ("1", "2"):
        monkeypatch.setenv("PLANNER_WORKERS", workers_setting)
        out = tmp_path / f"out-{workers_setting}"
        result = run_cli(
            [
                "size",
                "--inventory",
                "data/cluster.csv",
                "--services",
                "data/services.csv",
                "--traffic",
                "data/traffic.csv",
                "--traffic-window",
                "7d",
                *("--format", "xlsx", "--format", "html", "--format", "sidecars"),
                "--out",
                str(out),
            ],
            REPO,
        )
        assert result.exit_code == 0, result.stderr
        outputs[workers_setting] = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    assert sorted(outputs["2"]) == ["plan.json", "report.html", "report.xlsx", "sidecars.yaml"]
    assert outputs["1"] == outputs["2"]


def _kills_itself() -> bytes:
    os.kill(os.getpid(), signal.SIGKILL)
    return b""


@forks
def test_a_result_larger_than_a_pipe_holds_comes_back_whole_and_the_child_ends_first(
    forked: list[int],
) -> None:
    """The child's pickle goes to a memory file: it ends as soon as its work is done, before
    this process asks for the result, and the result comes back byte for byte."""
    payload = bytes(range(256)) * 40_000  # 10 MB: far more than a pipe's buffer
    with Ahead(lambda: payload) as pending:
        (pid,) = forked
        deadline = time.monotonic() + 30
        ended = None
        while ended is None and time.monotonic() < deadline:
            # WNOWAIT: seen ended (a zombie), not reaped; the result still reaps it
            ended = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            time.sleep(0.01)
        assert ended is not None
        assert ended.si_status == 0
        assert pending.result() == payload
    assert _children() == set()


_LARGE = bytes(range(256)) * 8192  # 2 MiB: from workers.OUT_OF_BAND_BYTES on


@forks
def test_large_bytes_come_back_as_a_view_of_the_childs_memory_file() -> None:
    """plan.json's parts written in children come back without being copied into a pickle and
    out of it again: a read-only view of the memory file, holding the same bytes."""
    assert len(_LARGE) >= workers.OUT_OF_BAND_BYTES
    with Ahead(lambda: _LARGE) as pending:
        whole = pending.result()
    assert isinstance(whole, memoryview)
    assert whole.readonly
    assert whole.tobytes() == _LARGE
    # a view of larger bytes (render_scoping's slice) travels the same way
    with Ahead(lambda: memoryview(_LARGE)[1:-1]) as pending:
        sliced = pending.result()
    assert isinstance(sliced, memoryview)
    assert sliced.tobytes() == _LARGE[1:-1]
    assert _children() == set()


@forks
def test_where_there_is_no_memory_file_a_pipe_brings_the_same_results(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without `os.memfd_create` the result comes through a pipe: large bytes still come back
    as a view (of the bytes read), an array still writable, an error still raised."""
    monkeypatch.delattr(os, "memfd_create")
    with Ahead(lambda: _LARGE) as pending:
        whole = pending.result()
    assert isinstance(whole, memoryview)
    assert whole.tobytes() == _LARGE
    with Ahead(lambda: np.arange(300_000)) as pending:
        array = pending.result()
    array[0] = 7
    assert array[0] == 7
    assert array[1:].tolist() == list(range(1, 300_000))
    error = r"^cluster\.csv row 3: the workload name"
    with Ahead(_fails_with_input_error) as pending, pytest.raises(InputError, match=error):
        pending.result()
    assert _children() == set()


@forks
def test_small_bytes_and_arrays_come_back_inside_the_pickle() -> None:
    with Ahead(lambda: b"small") as pending:
        small = pending.result()
    assert type(small) is bytes
    assert small == b"small"
    # a small view cannot be pickled: it comes back as its bytes
    with Ahead[workers.Part](lambda: memoryview(b"small")[1:]) as pending:
        view = pending.result()
    assert type(view) is bytes
    assert view == b"mall"
    # an array pickles its data as a buffer too, but only a bytes result leaves the pickle: the
    # array comes back as its own writable copy, not a read-only view of the memory file
    with Ahead(lambda: np.arange(300_000)) as pending:
        array = pending.result()
    assert array.flags.writeable
    array[0] = 7
    assert array[0] == 7
    assert array[1:].tolist() == list(range(1, 300_000))


@forks
def test_a_child_killed_by_a_signal_is_an_error_naming_its_wait_status() -> None:
    pattern = r"ended without a result \(wait status 9\)"
    with Ahead(_kills_itself) as pending, pytest.raises(WorkerError, match=pattern):
        pending.result()
    assert _children() == set()


def test_plan_jsons_scoping_and_workloads_written_in_children_are_the_same_file(
    sample: Path, monkeypatch: pytest.MonkeyPatch, forked: list[int]
) -> None:
    """`planner size` writes plan.json's scoping out in a forked child (from ASIDE_SERVICES
    Services on; here from the first) while the plan's workload records are built, and the
    second half of the workloads in another while it writes the first, and splices them in:
    the same plan.json as one process writes, and no child left."""
    monkeypatch.setattr(workers, "ASIDE_SERVICES", 0)
    outputs = {}
    for setting in ("1", "2"):
        monkeypatch.setenv("PLANNER_WORKERS", setting)
        forked.clear()
        args = ["size", "--inventory", "cluster.csv", "--services", "services.csv"]
        args += ["--traffic", "traffic.csv", "--traffic-window", "7d", "--out", f"out-{setting}"]
        run = run_cli(args, sample)
        assert run.exit_code == 0, run.stderr
        outputs[setting] = (sample / f"out-{setting}" / "plan.json").read_bytes()
    assert outputs["1"] == outputs["2"]
    assert b'\n  "scoping": {\n    "mechanism": ' in outputs["2"]
    # the sample's traffic table is too small to be read ahead: the forks are the scoping's
    # and the workloads' second half's
    assert len(forked) == (2 if workers.can_fork() else 0)
    assert _children() == set()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["size", "--inventory", "c.csv", "--traffic", "t.csv"], "t.csv"),
        (["compare", "--traffic=dir/t.csv", "--out", "o"], "dir/t.csv"),
        (["size", "--traffic", "a.csv", "--traffic", "b.csv"], None),  # the parser decides
        (["size", "--traffic", "t.csv", "--help"], None),
        (["size", "--traffic"], None),
        (["size", "--traffic", "--out"], None),
        (["size", "--traffic", "t.csv", "--", "x"], None),
        (["review", "--traffic", "t.csv"], None),
        (["--traffic", "t.csv"], None),
        ([], None),
    ],
)
def test_the_traffic_table_a_command_line_names_before_it_is_parsed(
    argv: list[str], expected: str | None
) -> None:
    from planner.inputs import early

    assert early.traffic_path(argv) == (None if expected is None else Path(expected))


def _large_traffic(folder: Path) -> Path:
    """A traffic table past AHEAD_BYTES (the sample's rows, over and over: they add up)."""
    from planner.inputs.early import AHEAD_BYTES

    rows = (REPO / "data" / "traffic.csv").read_text(encoding="utf-8").splitlines()
    body = "\n".join(rows[1:]) + "\n"
    path = folder / "traffic.csv"
    path.write_text(rows[0] + "\n" + body * (AHEAD_BYTES // len(body) + 1), encoding="utf-8")
    return path


@forks
def test_a_traffic_table_started_early_is_taken_once_and_the_rest_stopped(
    tmp_path: Path,
) -> None:
    from planner.inputs import early
    from planner.inputs.traffic_table import parse_traffic

    path = _large_traffic(tmp_path)
    early.start(["size", "--traffic", str(path)])
    early.start(["compare", "--traffic", str(tmp_path / "missing.csv")])  # nothing to read
    taken = early.take(path)
    assert taken is not None
    with taken:
        table = taken.result()
    assert early.take(path) is None
    assert table.edges.equals(parse_traffic(path).edges)  # type: ignore[attr-defined]
    early.start(["size", "--traffic", str(path)])
    assert _children() != set()
    early.stop()
    assert _children() == set()
    assert early.take(path) is None


def test_planner_size_takes_the_traffic_table_it_started_reading(tmp_path: Path) -> None:
    """`python -m planner size --traffic FILE` starts reading a large FILE before it parses its
    options, and the command takes that reading: the same plan.json as one process writes, and
    the inventory's error still comes first."""
    import shutil
    import subprocess
    import sys

    for name in ("cluster.csv", "services.csv"):
        shutil.copy(REPO / "data" / name, tmp_path / name)
    _large_traffic(tmp_path)
    write(tmp_path / "bad.csv", "namespace,workload,replicas\nshop,web,many\n")
    probe = (
        "import sys\n"
        "from planner.inputs import early\n"
        "take = early.take\n"
        "def told(path):\n"
        "    found = take(path)\n"
        "    sys.stderr.write(f'early: {found is not None}\\n')\n"
        "    return found\n"
        "early.take = told\n"
        "sys.argv = ['planner', *sys.argv[1:]]\n"
        "from planner.__main__ import main\n"
        "main()\n"
    )
    args = ["size", "--services", "services.csv", "--traffic", "traffic.csv"]
    runs = {}
    for setting, inventory in (("1", "cluster.csv"), ("2", "cluster.csv"), ("2", "bad.csv")):
        env = {**os.environ, "PLANNER_WORKERS": setting, "PYTHONPATH": str(REPO)}
        out = f"out-{setting}-{inventory}"
        command = [sys.executable, "-c", probe, *args, "--inventory", inventory, "--out", out]
        runs[setting, inventory] = subprocess.run(
            command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False
        )
    one, two, bad = runs.values()
    assert one.returncode == 0, one.stderr
    assert two.returncode == 0, two.stderr
    taken = f"early: {workers.can_fork()}\n"
    assert one.stderr.startswith("early: False\n")
    assert two.stderr.startswith(taken)
    plans = [(tmp_path / f"out-{s}-cluster.csv" / "plan.json").read_bytes() for s in "12"]
    assert plans[0] == plans[1]
    assert bad.returncode == 1
    assert bad.stderr == (
        f'{taken}Error: bad.csv row 2 column replicas: "many" is not a whole number; write a '
        "whole number of pods such as 3\n"
    )
    assert not (tmp_path / "out-2-bad.csv").exists()


_DRIFT_CLUSTER = "namespace,workload,replicas\nshop,web,2\nshop,api,3\n"
_DRIFT_SERVICES = "namespace,service,workload\nshop,api,api\nshop,web,web\n"
_DRIFT_TRAFFIC = (
    "source_namespace,source_workload,destination_namespace,destination_service,"
    "destination_workload,rps\n"
    "shop,web,shop,api,,10.5\nshop,web,shop,api,,0.25\nunknown,unknown,shop,web,,7\n"
)


@pytest.mark.parametrize(
    "extra",
    [
        "",  # no drift: the rows aggregated beside the checks are the result
        "shop,gone,shop,api,,4\nshop,web,shop,api,old,2\n",  # drift: aggregated again after
    ],
)
def test_traffic_aggregated_beside_its_checks_is_the_one_process_traffic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forked: list[int], extra: str
) -> None:
    """From ASIDE_EDGES rows on (here from the first), `traffic_from` aggregates the rows in a
    forked child while it checks them: the same edges and findings as one process gives, with
    drift (left out, cleared) or without, and no child left."""
    from planner.inputs import traffic as module
    from planner.inputs.load import read_inventory
    from planner.inputs.traffic import traffic_from
    from planner.inputs.traffic_table import parse_traffic

    monkeypatch.setattr(module, "ASIDE_EDGES", 0)
    write(tmp_path / "cluster.csv", _DRIFT_CLUSTER)
    write(tmp_path / "services.csv", _DRIFT_SERVICES)
    write(tmp_path / "traffic.csv", _DRIFT_TRAFFIC + extra)
    inventory = read_inventory(tmp_path / "cluster.csv", tmp_path / "services.csv")
    results = []
    for setting in ("1", "2"):
        monkeypatch.setenv("PLANNER_WORKERS", setting)
        forked.clear()
        table = parse_traffic(tmp_path / "traffic.csv")
        results.append(traffic_from(table, inventory, strict=False))
        assert len(forked) == (1 if setting == "2" and workers.can_fork() else 0)
    one, two = results
    assert one.edges.equals(two.edges)
    assert one.findings == two.findings
    assert [f.code for f in two.findings] == (
        ["traffic-unknown-source", "traffic-unknown-destination-workload"] if extra else []
    )
    # the row to a workload the inventory lacks joins its edge once cleared: 10.5 + 0.25 + 2
    assert two.edges["rps"].tolist() == ([12.75, 7.0] if extra else [10.75, 7.0])
    assert _children() == set()


def test_a_strict_traffic_error_stops_the_aggregation_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from planner.inputs import traffic as module
    from planner.inputs.load import read_inventory
    from planner.inputs.traffic import traffic_from
    from planner.inputs.traffic_table import parse_traffic

    monkeypatch.setattr(module, "ASIDE_EDGES", 0)
    write(tmp_path / "cluster.csv", _DRIFT_CLUSTER)
    write(tmp_path / "services.csv", _DRIFT_SERVICES)
    write(tmp_path / "traffic.csv", _DRIFT_TRAFFIC + "shop,gone,shop,api,,4\n")
    inventory = read_inventory(tmp_path / "cluster.csv", tmp_path / "services.csv")
    table = parse_traffic(tmp_path / "traffic.csv")
    with pytest.raises(InputError, match=r'row 5 column source_workload: workload "shop/gone"'):
        traffic_from(table, inventory)
    assert _children() == set()
