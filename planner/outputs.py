"""Writing outputs all-or-nothing: nothing is overwritten without --force, nothing half-written.

Every file is first written into a staging folder inside the output folder, then moved into
place with `os.replace` (atomic on one filesystem). Files about to be overwritten are moved aside
first and moved back if any step fails, so a failed run leaves the folder as it found it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from models.errors import OutputError

_STAGING_PREFIX = ".planner-staging-"


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


def write_outputs(out_dir: Path, files: Mapping[str, bytes], *, force: bool) -> list[Path]:
    """Write `files` (relative name -> bytes) under `out_dir`; return the paths written, sorted.

    An output folder (the first part of a name such as `kustomize/...`) belongs to the run that
    writes it: with `force`, files an earlier run left there are removed, so the folder holds
    exactly this run's files. Raises OutputError when an output (file, or non-empty output
    folder) exists and `force` is false, or when writing fails (after restoring whatever was there
    before).
    """
    targets = {n: out_dir / safe_relative(n) for n in sorted(files)}
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir}: --out names a file, not a folder; pick another --out")
    folders = sorted({out_dir / n.split("/", 1)[0] for n in targets if "/" in n})
    stale = _stale_files(folders, set(targets.values()))
    present = sorted(
        {p for p in targets.values() if p.exists()}
        | {f for f in folders if f.is_dir() and any(f.iterdir())}
    )
    if present and not force:
        listed = ", ".join(str(p) for p in present[:3]) + (" ..." if len(present) > 3 else "")
        raise OutputError(
            f"{listed} already exists; pass --force to overwrite or choose another --out"
        )
    for path in targets.values():
        if path.is_dir():
            raise OutputError(f"{path} is a folder where a file would go; move it away")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=out_dir))
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot create the output folder ({exc.strerror})") from None
    moved_aside: list[tuple[Path, Path]] = []
    placed: list[Path] = []
    try:
        for name in targets:
            staged = staging / "new" / safe_relative(name)
            staged.parent.mkdir(parents=True, exist_ok=True)
            with open(staged, "wb") as handle:
                handle.write(files[name])
                handle.flush()
                os.fsync(handle.fileno())
        for name, target in targets.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                backup = staging / "old" / safe_relative(name)
                backup.parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, backup)
                moved_aside.append((backup, target))
            os.replace(staging / "new" / safe_relative(name), target)
            placed.append(target)
        for number, path in enumerate(stale):
            backup = staging / "stale" / str(number)
            backup.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, backup)
            moved_aside.append((backup, path))
    except OSError as exc:
        for target in placed:
            target.unlink(missing_ok=True)
        for backup, target in moved_aside:
            os.replace(backup, target)
        raise OutputError(
            f"{out_dir}: writing the outputs failed ({exc}); nothing was changed"
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return sorted(targets.values())


def _stale_files(folders: list[Path], keep: set[Path]) -> list[Path]:
    """Files an earlier run left in the folders this run writes (kustomize/, helm/) and this run
    does not write again: with --force they go, so no stale patch stays in the overlay."""
    return sorted(
        path
        for folder in folders
        if folder.is_dir()
        for path in folder.rglob("*")
        if (path.is_file() or path.is_symlink()) and path not in keep
    )
