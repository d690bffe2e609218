"""Work side by side: the costliest renderer, or half of a large table, in a forked child.

Once a plan is built, its output formats render independently of each other from the same
read-only plan, and the workbook alone takes as long as the others together (BENCHMARKS.md). On
a machine with more than one core, `render_files` forks one child for the jobs marked `aside`:
the child inherits the plan without copying or pickling it (copy-on-write pages), renders, and
sends its files back as one pickle, while this process renders the other jobs. The pickle goes
through an anonymous memory file (a pipe where there is none), so a child that is done ends
without waiting for this process to read it. A result that is bytes of a mebibyte or more
(plan.json's scoping, half its workloads) follows the pickle as it is and comes back as a
read-only memoryview of that file, copied neither into the pickle nor out of it
(OUT_OF_BAND_BYTES). The files are the same bytes as one process would write; only the wall
time changes.

`beside` is the same for any one piece of work whose result can be pickled and is small beside
the work: reading a large CSV table parses its second half in a child while this process parses
the first (planner.inputs.tables), and Istio's scoping works out exportTo there while this
process groups workloads into Sidecars (planner.meshes.istio_sidecar.scoping). `Ahead` starts
such work now and takes its result later, with other steps in between: `planner size` reads the
traffic table while it reads the inventory, and raises the traffic table's errors only where a
single process would have read it, after the inventory's. `shared` gives a list of jobs to this
process and one child from one queue (`planner compare`'s data planes, two at a time); both
cores are busy then, and the jobs' own work runs in the process that runs the job.

Where a fork is not possible or not useful (no `os.fork`, one usable core, one job) or
`PLANNER_WORKERS=1` is set, every job runs here, in order. A child never writes a file, never
prints, and never runs this process's clean-up (`os._exit`); an error in it is raised here as it
was raised there, and an interrupt or an error here kills and reaps it.
"""

from __future__ import annotations

import mmap
import os
import pickle
import select
import signal
import struct
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Generic, TypeVar, cast

Part = bytes | memoryview
"""Some of a file's bytes: a memoryview where they were sliced out of larger bytes, or sent by
a child without a copy (OUT_OF_BAND_BYTES)."""
Content = bytes | tuple[Part, ...]
"""A file's bytes: whole, or in parts to be written one after the other (planner.outputs)."""
Files = Mapping[str, Content]
_T = TypeVar("_T")
_A = TypeVar("_A")

ASIDE_SERVICES = 5_000
"""From this many Services on, a mesh's sizing works out the steps that do not depend on each
other side by side (Istio's exportTo beside its Sidecars, the mesh sized while the resources are
written); below it a fork costs more than it saves."""

WORKERS_VARIABLE = "PLANNER_WORKERS"
"""Set to 1 to render every output in the planner's own process."""


@dataclass(frozen=True)
class Job:
    """One renderer call; `aside` marks the costly ones worth a process of their own."""

    render: Callable[[], Files]
    aside: bool = False


class WorkerError(RuntimeError):
    """A renderer failed in the child with an exception that could not be sent back as is."""


def render_files(jobs: Sequence[Job], meanwhile: Callable[[], _T]) -> tuple[dict[str, Content], _T]:
    """Every job's files, merged in job order (the same names and bytes, forked or not), and
    what `meanwhile` returns: more work for this process (the run's summary), done before its
    own jobs, which may wait on work forked earlier (plan.json's scoping), while the worker
    renders the others."""
    aside = [index for index, job in enumerate(jobs) if job.aside]
    here = [index for index, job in enumerate(jobs) if not job.aside]
    if not aside or not here:
        extra = meanwhile()
        return _merged([job.render() for job in jobs]), extra

    def there() -> list[Files]:
        return [jobs[index].render() for index in aside]

    def local() -> tuple[dict[int, Files], _T]:
        extra = meanwhile()
        return {index: jobs[index].render() for index in here}, extra

    elsewhere, (rendered, extra) = beside(there, local)
    rendered.update(zip(aside, elsewhere, strict=True))
    return _merged([rendered[index] for index in range(len(jobs))]), extra


def beside(
    work: Callable[[], _A], meanwhile: Callable[[], _T], *, aside: bool = True
) -> tuple[_A, _T]:
    """What `work` and `meanwhile` return, `work` run in a forked child while `meanwhile` runs
    here; both here, `meanwhile` first, where a fork is not possible or not wanted (`aside`
    False: too little work to pay for one). `work`'s result comes back as a pickle; its error is
    raised here as it was raised there."""
    with Ahead(work, aside=aside) as pending:
        extra = meanwhile()
        return pending.result(), extra


class Ahead(Generic[_A]):
    """`work` started now in a forked child, its result taken later (`result`), in between
    whatever this process does: reading the traffic table while the inventory is read.

    Used as a context manager: leaving the block before `result` (an error, an interrupt) kills
    and reaps the child. Where a fork is not possible or not wanted (`can_fork`), `work` runs
    here when its result is first asked for, so the order of work and of errors is the one a
    single process gives. `aside=False` does the same where a fork would cost more than it
    saves (small inputs)."""

    def __init__(self, work: Callable[[], _A], *, aside: bool = True) -> None:
        self._work: Callable[[], _A] | None = work
        self._done: tuple[_A] | None = None
        self._pid = 0
        self._status: int | None = None  # the child's wait status, once reaped by `running`
        self._reader = -1
        self._in_memory = False
        if not aside or not can_fork():
            return
        reader, writer = _channel()
        pid = os.fork()
        if pid == 0:  # the child: work, send, and leave without unwinding the parent's stack
            if reader != writer:
                os.close(reader)
            _child(work, writer)
        if reader != writer:
            os.close(writer)
        self._pid, self._reader, self._work = pid, reader, None
        self._in_memory = reader == writer

    def __enter__(self) -> Ahead[_A]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()

    def result(self) -> _A:
        """What `work` returned (the same object each time), or its error raised here. From a
        forked child, bytes or a memoryview come back as a read-only memoryview of the same
        bytes from OUT_OF_BAND_BYTES on, and as bytes below it."""
        if self._done is not None:
            return self._done[0]
        if self._work is not None:  # not forked: run it now
            self._done = (self._work(),)
        elif self._reader != -1 and self._in_memory:
            # the child wrote its pickle to a memory file, never waiting for this process to
            # read it: it has ended once it is reaped
            status = self._status if self._status is not None else os.waitpid(self._pid, 0)[1]
            self._pid = 0
            reader, self._reader = self._reader, -1
            try:
                self._done = (cast(_A, _received_from(reader, status)),)
            finally:
                os.close(reader)
        elif self._reader != -1:
            with os.fdopen(self._reader, "rb") as stream:
                self._reader = -1  # closed with the stream
                payload = stream.read()
            _, status = os.waitpid(self._pid, 0)
            self._pid = 0
            self._done = (cast(_A, _received(payload, status)[0]),)
        else:
            raise WorkerError("the work was cancelled or failed; its result is not there")
        self._work = None
        return self._done[0]

    def running(self) -> bool:
        """Whether the work still runs in a forked child: `result` would wait for it. False
        where it was not forked (`result` runs it), once it is done, taken or cancelled."""
        if not self._pid or self._reader == -1:
            return False
        if not self._in_memory:  # the child's pickle, or the end of the pipe, is there to read
            return not select.select([self._reader], [], [], 0)[0]
        if self._status is None:  # a memory file: the child has sent its result once it ends
            pid, status = os.waitpid(self._pid, os.WNOHANG)
            if not pid:
                return True
            self._status = status
        return False

    def cancel(self) -> None:
        """Stop the child if it still runs (its result is not wanted); a result already taken
        stays."""
        self._work = None
        if self._reader != -1:
            os.close(self._reader)
            self._reader = -1
        if self._pid and self._status is None:  # not reaped by `running` already
            _stop(self._pid)
        self._pid = 0


def shared(jobs: Sequence[Callable[[], _A]], order: Sequence[int] | None = None) -> list[_A]:
    """Every job's result, in job order. Where a fork is possible, a forked child and this
    process take the jobs from one queue (`order`: the order they are taken in, the longest
    first, so that the last one to start does not hold up the end), whichever is free taking
    the next; the child's results come back pickled. Should jobs fail, the error raised is the
    one of the first failing job in job order, as running them in order would raise it.

    The queue is a pipe holding one 4-byte token per job, written in one atomic write before the
    fork (so at most MAX_SHARED jobs share; more run here in order); each read takes one token,
    and the end of the pipe ends the work."""
    taken = list(order) if order is not None else list(range(len(jobs)))
    if sorted(taken) != list(range(len(jobs))):
        raise ValueError(f"order {taken} is not an order of {len(jobs)} jobs")
    if not 2 <= len(jobs) <= MAX_SHARED or not can_fork():
        return [job() for job in jobs]
    reader, writer = os.pipe()
    try:
        os.write(writer, b"".join(index.to_bytes(_TOKEN, "little") for index in taken))
    finally:
        os.close(writer)

    def work() -> tuple[dict[int, _A], tuple[int, BaseException] | None]:
        with _cores_taken():
            done, failed = _take(jobs, reader)
        return done, (failed[0], _sendable(failed[1])) if failed is not None else None

    try:
        with Ahead(work) as there:
            with _cores_taken():
                done, failed = _take(jobs, reader)
            theirs, their_failure = there.result()
    finally:
        os.close(reader)
    done.update(theirs)
    failures = [f for f in (failed, their_failure) if f is not None]
    if failures:
        raise min(failures, key=lambda f: f[0])[1]
    return [done[index] for index in range(len(jobs))]


_TOKEN = 4
"""Bytes per job in `shared`'s queue."""

MAX_SHARED = getattr(select, "PIPE_BUF", 512) // _TOKEN
"""The most jobs `shared` puts in one queue: their tokens fit one atomic write to a pipe."""


@dataclass
class _Cores:
    """Whether this process is one of the two running `shared` jobs: every core is busy then,
    and work a job would fork (Ahead, beside, a table's halves) runs where the job runs
    (`can_fork`): forked, it would only add copying and pickling (`planner compare` at 100,000
    pods: 9.5 -> 7.8 s)."""

    shared: bool = False


_CORES = _Cores()


@contextmanager
def _cores_taken() -> Iterator[None]:
    """`_CORES.shared` set for the block."""
    before, _CORES.shared = _CORES.shared, True
    try:
        yield
    finally:
        _CORES.shared = before


def _take(
    jobs: Sequence[Callable[[], _A]], queue: int
) -> tuple[dict[int, _A], tuple[int, BaseException] | None]:
    """Run jobs from `queue` until it is empty. After a failure only jobs before the failed one
    (in job order) still run: the first failing job in job order is then among those run by
    one process or the other, whatever order the queue gives."""
    done: dict[int, _A] = {}
    failed: tuple[int, BaseException] | None = None
    while token := os.read(queue, _TOKEN):
        index = int.from_bytes(token, "little")
        if failed is not None and index > failed[0]:
            continue
        try:
            done[index] = jobs[index]()
        except Exception as exc:  # kept for the caller, which raises the first in job order
            failed = (index, exc)
    return done, failed


class Once(Generic[_A]):
    """A value worked out when first asked for (calling it), and kept; or given, when it was
    worked out elsewhere (in an `Ahead` child that needed it for its own work)."""

    def __init__(self, work: Callable[[], _A]) -> None:
        self._work = work
        self._value: tuple[_A] | None = None

    def __call__(self) -> _A:
        if self._value is None:
            self._value = (self._work(),)
        return self._value[0]

    def give(self, value: _A) -> None:
        """Keep `value`, worked out elsewhere, unless a value is already kept."""
        if self._value is None:
            self._value = (value,)


def _merged(parts: Sequence[Files]) -> dict[str, Content]:
    files: dict[str, Content] = {}
    for part in parts:
        files.update(part)
    return files


def can_fork() -> bool:
    """Whether `beside` forks: `os.fork` exists, more than one core is usable,
    `PLANNER_WORKERS` is not 1, and this process is not one of two running `shared` jobs."""
    if os.environ.get(WORKERS_VARIABLE, "").strip() == "1" or not hasattr(os, "fork"):
        return False
    if _CORES.shared:
        return False
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # no affinity on this system (macOS)
        cores = os.cpu_count() or 1
    return cores > 1


def _child(work: Callable[[], object], writer: int) -> None:
    """Run `work` and write (ok, its result or the error) to `writer` (`_received` reads it);
    never returns."""
    code = 0
    try:
        _die_with_parent()
        try:
            message: tuple[bool, object] = (True, _sent(work()))
        except BaseException as exc:  # everything goes back to the parent
            code = 1
            message = (False, _sendable(exc))
        with os.fdopen(writer, "wb") as stream:
            _write_message(message, stream)
    except BaseException:  # interrupted, or the parent is gone
        code = 1
    finally:
        os._exit(code)


OUT_OF_BAND_BYTES = 2**20
"""From this size on, a child's result that is bytes (or a memoryview of them) goes after the
pickle as it is, and comes back as a read-only memoryview of the memory file that holds it:
plan.json's scoping and workloads, tens or hundreds of megabytes, are then neither copied into
the pickle nor out of it (`_received`)."""

_LENGTH = struct.Struct("<Q")
"""The message's last 8 bytes: the length of its pickle."""


def _sent(result: object) -> object:
    """`result` as the child sends it: large bytes out of band (OUT_OF_BAND_BYTES); a small
    memoryview as bytes, as a memoryview cannot be pickled."""
    if isinstance(result, bytes | memoryview):
        if memoryview(result).nbytes >= OUT_OF_BAND_BYTES:
            return pickle.PickleBuffer(result)
        if isinstance(result, memoryview):
            return result.tobytes()
    return result


class _Counted:
    """A stream that counts the bytes written through it."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.written = 0

    def write(self, data: bytes | memoryview) -> int:
        self.written += memoryview(data).nbytes
        return self.stream.write(data)


def _write_message(message: tuple[bool, object], stream: IO[bytes]) -> None:
    """The message's pickle (protocol 5, streamed: a large value inside it is written as it is,
    not copied into a frame), then the result sent out of band (`_sent`), then the pickle's
    length. Every other buffer (a numpy array's) stays inside the pickle."""
    result = message[1]
    buffers: list[pickle.PickleBuffer] = []

    def out_of_band(buffer: pickle.PickleBuffer) -> bool:
        if buffer is result:
            buffers.append(buffer)
            return False
        return True

    counted = _Counted(stream)
    pickle.dump(message, counted, protocol=5, buffer_callback=out_of_band)
    for buffer in buffers:
        stream.write(buffer.raw())
    stream.write(_LENGTH.pack(counted.written))


def _sendable(exc: BaseException) -> BaseException:
    """The exception itself when it survives a pickle round trip, else its traceback as text."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # any failure to pickle means: send text instead
        text = "".join(traceback.format_exception(exc))
        return WorkerError(f"work in a worker process failed:\n{text}")
    return exc


def _channel() -> tuple[int, int]:
    """Where a child sends its result: one anonymous memory file (Linux; the same descriptor
    both ways), which the child fills without waiting for this process to read it, else a pipe
    (reader, writer)."""
    if hasattr(os, "memfd_create"):
        try:
            descriptor = os.memfd_create("planner-worker", os.MFD_CLOEXEC)
        except OSError:  # memory files not allowed here: a pipe does the same, more slowly
            pass
        else:
            return descriptor, descriptor
    return os.pipe()


def _received_from(descriptor: int, status: int) -> object:
    """The child's result in the memory file `descriptor`, or its exception raised here. A
    result sent out of band is a memoryview of the file's mapping, which stays mapped while the
    result lives."""
    size = os.fstat(descriptor).st_size
    if not size or os.WIFSIGNALED(status):
        raise WorkerError(f"the worker process ended without a result (wait status {status})")
    mapped = mmap.mmap(descriptor, size, prot=mmap.PROT_READ)
    content, kept = _received(mapped, status)
    if not kept:
        mapped.close()
    return content


def _received(payload: bytes | mmap.mmap, status: int) -> tuple[object, bool]:
    """The child's result (`_write_message`), and whether it holds a view of `payload` (a
    result sent out of band); or its exception raised here."""
    if len(payload) < _LENGTH.size:
        raise WorkerError(f"the worker process ended without a result (wait status {status})")
    whole = memoryview(payload)
    try:
        end = len(payload) - _LENGTH.size
        (length,) = _LENGTH.unpack_from(payload, end)
        ok, content = pickle.loads(whole[:length], buffers=[whole[length:end]])
    finally:
        whole.release()
    if not ok:
        assert isinstance(content, BaseException)
        raise content
    return content, length < end


def _stop(pid: int) -> None:
    """Kill and reap the child (this process is unwinding: an interrupt or an error)."""
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ChildProcessError, ProcessLookupError):
        pass


def _die_with_parent() -> None:
    """On Linux the child is killed with its parent (kill -9 of the planner leaves no worker)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGKILL)
