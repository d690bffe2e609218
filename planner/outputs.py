"""The output folder, written all-or-nothing: staged beside `--out`, switched in with one rename.

The contract (docs/outputs.md):

- `--out` is a folder mesh-planner owns. It may be missing, empty, or hold an earlier run's
  outputs: only entries some output format writes (`plan.json`, `kustomize/`...), as regular
  files and real folders. Anything else in it, a symbolic link anywhere in it, or `--out` itself
  being a symbolic link is refused, with or without `--force`: a run removes or replaces only
  what a run wrote, and never writes through a link.
- Without `--force` a folder holding anything is refused.
- Every file of the run is written into a staging folder beside `--out`
  (`.NAME.planner-staging-*`, on the same filesystem) and the staging folder then takes the place
  of `--out` in one atomic exchange (Linux `renameat2(RENAME_EXCHANGE)`; elsewhere two renames
  with signals held back). The previous folder is removed afterwards. So `--out` holds either
  what it held before or the complete new set, whenever the run stops.
- SIGINT and SIGTERM raise in Python and the staging folder is removed on the way out; a staging
  folder left by a run that could not clean up (`kill -9`) is unlocked, and the next run writing
  the same `--out` removes it. A live run holds a lock on its staging folder, so a concurrent run
  never removes it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from pathlib import Path, PurePosixPath
from types import FrameType

from models.errors import OutputError
from planner.workers import Content

_STAGING = ".planner-staging-"
_OLD = ".planner-old-"
_HELD_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})


def safe_relative(name: str) -> PurePosixPath:
    """A renderer's output name as a relative path that stays inside the output folder.

    Raises OutputError for absolute paths, `..`, empty parts or characters no filesystem takes.
    """
    path = PurePosixPath(name)
    bad = (
        not name
        or "\x00" in name
        or "\\" in name
        or path.is_absolute()
        or any(part in ("", ".", "..") for part in name.split("/"))
    )
    if bad:
        raise OutputError(f"refusing to write {name!r}: output names must stay inside --out")
    return path


def joined(content: Content) -> bytes:
    """A file's bytes in one piece (its parts joined)."""
    return content if isinstance(content, bytes) else b"".join(content)


def write_outputs(
    out_dir: Path,
    files: Mapping[str, Content],
    *,
    force: bool,
    owned: Collection[str],
    switched: Callable[[], None] | None = None,
) -> list[Path]:
    """Replace the folder `out_dir` by one holding exactly `files` (relative name -> bytes, or
    parts of them written one after the other).

    `owned` names the entries directly under `--out` that any run may write: `plan.json` for a
    file, `kustomize/` (trailing slash) for a folder. Returns the paths written, sorted, under
    `out_dir` as given. Raises OutputError, with nothing changed, when `out_dir` holds something
    a run did not write, holds anything and `force` is false, or cannot be written.
    `switched` is called the moment the new folder is in place, while SIGINT and SIGTERM are
    still held back: a signal that arrived during the switch is raised when they are let go,
    after the caller knows the outputs were written.
    """
    names = {name: safe_relative(name) for name in sorted(files)}
    for name in names:
        top = name.split("/", 1)[0] + ("/" if "/" in name else "")
        if top not in owned:
            raise ValueError(f"output {name!r} is not under an owned entry {sorted(owned)}")
    target = Path(os.path.abspath(out_dir))
    if target.parent == target:
        raise OutputError(f"{out_dir}: --out cannot be the root folder; choose another --out")
    _remove_leftovers(target)
    existing = _existing(out_dir, target, owned, force=force)
    staging: Path | None = None
    lock: int | None = None
    swapped = False
    try:
        # created and locked with the signals held, inside the clean-up's reach: a signal that
        # arrives meanwhile is raised once the staging folder is known, and it is removed
        with _signals_held():
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                staging = Path(
                    tempfile.mkdtemp(prefix=f".{target.name}{_STAGING}", dir=target.parent)
                )
            except OSError as exc:
                raise OutputError(
                    f"{out_dir}: cannot create the output folder ({exc.strerror})"
                ) from None
            lock = _lock(staging)
        _stage(staging, names, files, mode=existing)
        with _signals_held():
            _switch(staging, target, replace=existing is not None)
            swapped = True
            if switched is not None:
                switched()
            # the previous folder is at the staging path now (or beside it, on the fallback)
            _remove(staging)
            _remove(_old_path(staging))
            _sync_folder(target.parent)
    except OSError as exc:
        raise OutputError(
            f"{out_dir}: writing the outputs failed ({exc.strerror or exc}); nothing was changed"
        ) from None
    finally:
        if lock is not None:
            os.close(lock)
        if staging is not None and not swapped:
            with _signals_held():
                _remove(staging)
    return [out_dir / path for path in names.values()]


def write_file(path: Path, data: bytes, *, force: bool) -> None:
    """Write one file (a fitted profile) atomically: a temporary file beside it, synced, then
    renamed over it with signals held back.

    Raises OutputError, with nothing changed, when `path` exists and `force` is false, is not a
    regular file (a folder, a symbolic link), or cannot be written.
    """
    target = Path(os.path.abspath(path))
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise OutputError(f"{path}: is not a regular file; mesh-planner writes only files it owns")
    if path.exists() and not force:
        raise OutputError(f"{path}: exists; pass --force to replace it, or choose another --out")
    staging: Path | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with _signals_held():
            handle, name = tempfile.mkstemp(prefix=f".{target.name}{_STAGING}", dir=target.parent)
            staging = Path(name)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(staging, 0o666 & ~_umask())
        with _signals_held():
            os.replace(staging, target)
            staging = None
            _sync_folder(target.parent)
    except OSError as exc:
        raise OutputError(
            f"{path}: writing failed ({exc.strerror or exc}); nothing was changed"
        ) from None
    finally:
        if staging is not None:
            with _signals_held():
                staging.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _existing(shown: Path, target: Path, owned: Collection[str], *, force: bool) -> int | None:
    """The permission bits of the folder there is to replace, or None when there is none.

    Raises OutputError when it may not be replaced: a link, a file, an entry no run writes, a
    link or special file inside an output folder, or anything at all without `force`.
    """
    try:
        info = target.lstat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputError(f"{shown}: cannot read the output folder ({exc.strerror})") from None
    if stat.S_ISLNK(info.st_mode):
        raise OutputError(
            f"{shown}: --out is a symbolic link (to {os.readlink(target)}); mesh-planner replaces "
            "its output folder whole and never writes through a link: pass the folder itself"
        )
    if not stat.S_ISDIR(info.st_mode):
        raise OutputError(f"{shown}: --out names a file, not a folder; pick another --out")
    entries = sorted(os.listdir(target))
    for entry in entries:
        _check_owned(shown, target, entry, owned)
    if entries and not force:
        listed = [str(shown / entry) for entry in entries]
        more = " ..." if len(listed) > 3 else ""
        raise OutputError(
            f"{', '.join(listed[:3])}{more} already exists; pass --force to overwrite or choose "
            "another --out"
        )
    return stat.S_IMODE(info.st_mode)


def _check_owned(shown: Path, target: Path, entry: str, owned: Collection[str]) -> None:
    """An entry of an existing --out must be one a run writes, as the kind a run writes."""
    path = target / entry
    mode = path.lstat().st_mode
    folder = f"{entry}/" in owned
    if entry not in owned and not folder:
        raise OutputError(
            f"{shown / entry}: not written by mesh-planner; --out is replaced as a whole, so move "
            "it elsewhere or choose another --out"
        )
    _check_entry(shown / entry, path, mode, folder=folder)
    if folder:
        for parent, folders, leaves in os.walk(path):
            for name in sorted([*folders, *leaves]):
                inner = Path(parent) / name
                relative = inner.relative_to(target)
                _check_entry(shown / relative, inner, inner.lstat().st_mode, folder=None)


def _check_entry(shown: Path, path: Path, mode: int, *, folder: bool | None) -> None:
    """A regular file or a real folder (of the kind expected, unless `folder` is None)."""
    if stat.S_ISLNK(mode):
        raise OutputError(
            f"{shown}: is a symbolic link (to {os.readlink(path)}); mesh-planner never writes "
            "through links nor removes what it did not write: remove the link or choose another "
            "--out"
        )
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise OutputError(
            f"{shown}: is not a regular file or folder; move it away or choose another --out"
        )
    if folder is not None and stat.S_ISDIR(mode) != folder:
        found, expected = ("a file", "a folder") if folder else ("a folder", "a file")
        raise OutputError(
            f"{shown}: is {found} where mesh-planner writes {expected}; move it away or choose "
            "another --out"
        )


def _stage(
    staging: Path,
    names: Mapping[str, PurePosixPath],
    files: Mapping[str, Content],
    *,
    mode: int | None,
) -> None:
    """Write every file under `staging`, durably, and give it the mode `--out` had (or the
    umask's default for a new folder: mkdtemp makes it private)."""
    if mode is None:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o777 & ~umask
    os.chmod(staging, mode)
    folders = {staging}
    for name, relative in names.items():
        path = staging / relative
        if path.parent not in folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            folders.update(path.parents)
        content = files[name]
        with open(path, "wb") as handle:
            # parts are written as they are: joined first, they would be copied once more
            handle.writelines((content,) if isinstance(content, bytes) else content)
            handle.flush()
            os.fsync(handle.fileno())
    for folder in sorted(f for f in folders if f.is_relative_to(staging)):
        _sync_folder(folder)


def _switch(staging: Path, target: Path, *, replace: bool) -> None:
    """Put `staging` in the place of `target`; what was at `target` ends up at `staging` (or at
    its `_old_path` where the system has no atomic exchange)."""
    if not replace:
        os.rename(staging, target)  # onto nothing, or onto an empty folder: atomic
        return
    try:
        _exchange(staging, target)
    except OSError as exc:
        if exc.errno not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise
        # no atomic exchange here: two renames, with the signals held back between them; a
        # kill -9 in between leaves `--out` missing and the next run restores it from _old_path
        os.rename(target, _old_path(staging))
        os.rename(staging, target)


def _exchange(first: Path, second: Path) -> None:
    """Swap two paths atomically (Linux renameat2 with RENAME_EXCHANGE, glibc 2.28 and later)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    function = getattr(libc, "renameat2", None)
    if function is None:
        raise OSError(errno.ENOSYS, "renameat2 is not available")
    at_fdcwd, rename_exchange = -100, 2
    if function(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange):
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


def _old_path(staging: Path) -> Path:
    return staging.with_name(staging.name.replace(_STAGING, _OLD, 1))


def _remove_leftovers(target: Path) -> None:
    """Remove the staging folders of runs that were killed before they could (their lock is
    gone); restore `--out` when a kill between the fallback's two renames took it away."""
    try:
        entries = sorted(os.listdir(target.parent))
    except OSError:
        return
    prefix = f".{target.name}"
    for entry in entries:
        path = target.parent / entry
        if not entry.startswith(prefix) or not _is_real_folder(path):
            continue
        rest = entry[len(prefix) :]
        if rest.startswith(_OLD) and not os.path.lexists(target):
            with contextlib.suppress(OSError):
                os.rename(path, target)
        elif rest.startswith((_STAGING, _OLD)) and _unlocked(path):
            _remove(path)


def _is_real_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(path.lstat().st_mode)
    except OSError:
        return False


def _lock(folder: Path) -> int:
    """An open descriptor holding an exclusive lock on `folder` until it is closed."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        import fcntl

        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except ImportError:  # no flock (Windows): concurrent runs are not told apart
        pass
    return descriptor


def _unlocked(folder: Path) -> bool:
    """Whether no live run holds `folder`'s lock (its run was killed)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return False
    try:
        import fcntl

        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except ImportError:
        return True
    except OSError:
        return False
    finally:
        os.close(descriptor)
    return True


def _remove(path: Path) -> None:
    """Remove a folder of ours; links inside it are removed, never followed."""
    if _is_real_folder(path):
        shutil.rmtree(path, ignore_errors=True)


def _sync_folder(folder: Path) -> None:
    """Make the entries of `folder` durable (where the system can sync a folder)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block ends (then their handlers run), so the switch
    and the clean-up are never cut half-way.

    The handlers are swapped for one that only notes the signal, rather than blocking it with
    the thread's signal mask: a process-directed signal can be taken by any thread whose mask
    lets it through (numpy's BLAS threads, for one), and Python then runs the handler in the main
    thread whatever its mask. Outside the main thread handlers cannot be set, and nothing is
    held.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []

    def note(signum: int, frame: FrameType | None) -> None:
        pending.append(signum)

    previous = {signum: signal.getsignal(signum) for signum in sorted(_HELD_SIGNALS)}
    for signum in previous:
        signal.signal(signum, note)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if pending:
            first = signal.Signals(pending[0])
            handler = previous[first]
            if callable(handler):
                handler(first, None)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(first)
