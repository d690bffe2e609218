"""The output folder: written whole or not at all, replaced only with --force, never reaching
outside --out, never through a link, and never removing what a run did not write."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Mapping
from pathlib import Path

import pytest

from models.errors import OutputError
from planner.outputs import joined, safe_relative, write_outputs

OWNED = ("plan.json", "report.html", "kustomize/", "helm/")


def write(out: Path, files: Mapping[str, bytes], *, force: bool = False) -> list[Path]:
    return write_outputs(out, files, force=force, owned=OWNED)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes (links are not followed)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def beside(out: Path) -> list[str]:
    """Entries next to `out` that a run made besides `out` itself (staging, old folders)."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def test_writes_nested_files_and_returns_sorted_paths(tmp_path: Path) -> None:
    out = tmp_path / "out"
    written = write(out, {"plan.json": b"2", "kustomize/x.yaml": b"1"})
    assert written == [out / "kustomize" / "x.yaml", out / "plan.json"]
    assert tree(out) == {"kustomize/x.yaml": b"1", "plan.json": b"2"}
    assert beside(out) == []


def test_a_file_given_in_parts_is_written_as_their_bytes_one_after_the_other(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    big = bytes(range(256)) * 4096
    parts = (b"{\n", memoryview(big)[3:-3], b"", memoryview(b"}\n"))
    write_outputs(out, {"plan.json": parts, "report.html": b"<p>"}, force=False, owned=OWNED)
    assert tree(out) == {"plan.json": b"{\n" + big[3:-3] + b"}\n", "report.html": b"<p>"}
    assert joined(parts) == (out / "plan.json").read_bytes()
    assert joined(b"whole") == b"whole"


def test_a_new_folder_gets_the_default_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        write(tmp_path / "out", {"plan.json": b"x"})
    finally:
        os.umask(umask)
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "out" / "plan.json").stat().st_mode & 0o777 == 0o644


def test_an_existing_output_needs_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, {"plan.json": b"old"})
    with pytest.raises(OutputError) as caught:
        write(out, {"plan.json": b"new", "report.html": b"x"})
    assert str(caught.value) == (
        f"{out / 'plan.json'} already exists; pass --force to overwrite or choose another --out"
    )
    assert tree(out) == {"plan.json": b"old"}
    write(out, {"plan.json": b"new"}, force=True)
    assert tree(out) == {"plan.json": b"new"}
    assert beside(out) == []


def test_an_empty_existing_folder_is_used_without_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir(mode=0o750)
    write(out, {"plan.json": b"x"})
    assert tree(out) == {"plan.json": b"x"}
    assert out.stat().st_mode & 0o777 == 0o750


def test_force_replaces_the_whole_folder_with_exactly_this_runs_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, {"kustomize/a.yaml": b"a", "kustomize/ns/b.yaml": b"b", "plan.json": b"1"})
    write(out, {"report.html": b"r"}, force=True)
    write(out, {"kustomize/c.yaml": b"c", "plan.json": b"2"}, force=True)
    assert tree(out) == {"kustomize/c.yaml": b"c", "plan.json": b"2"}
    assert beside(out) == []


def test_force_keeps_the_folders_permissions(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, {"plan.json": b"1"})
    out.chmod(0o700)
    write(out, {"plan.json": b"2"}, force=True)
    assert out.stat().st_mode & 0o777 == 0o700


def test_an_entry_no_run_writes_is_never_removed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, {"plan.json": b"1"})
    (out / "notes.txt").write_bytes(b"mine")
    for force in (False, True):
        with pytest.raises(OutputError) as caught:
            write(out, {"plan.json": b"2"}, force=force)
        assert str(caught.value) == (
            f"{out / 'notes.txt'}: not written by mesh-planner; --out is replaced as a whole, so "
            "move it elsewhere or choose another --out"
        )
    assert tree(out) == {"notes.txt": b"mine", "plan.json": b"1"}
    assert beside(out) == []


def test_a_symlinked_output_folder_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "deployment.web.yaml").write_bytes(b"theirs")
    write(out, {"plan.json": b"1"})
    (out / "kustomize").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(OutputError) as caught:
        write(out, {"kustomize/kustomization.yaml": b"k", "plan.json": b"2"}, force=True)
    assert str(caught.value) == (
        f"{out / 'kustomize'}: is a symbolic link (to {elsewhere}); mesh-planner never writes "
        "through links nor removes what it did not write: remove the link or choose another --out"
    )
    assert tree(elsewhere) == {"deployment.web.yaml": b"theirs"}
    assert (out / "plan.json").read_bytes() == b"1"


def test_a_link_deep_inside_an_output_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.yaml").write_bytes(b"theirs")
    write(out, {"kustomize/shop/a.yaml": b"a"})
    (out / "kustomize" / "shop" / "linked").symlink_to(elsewhere)
    (out / "kustomize" / "file-link.yaml").symlink_to(elsewhere / "keep.yaml")
    with pytest.raises(OutputError) as caught:
        write(out, {"kustomize/shop/b.yaml": b"b"}, force=True)
    assert "is a symbolic link" in str(caught.value)
    assert tree(elsewhere) == {"keep.yaml": b"theirs"}
    assert (out / "kustomize" / "shop" / "a.yaml").read_bytes() == b"a"


def test_out_itself_a_symlink_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    real = tmp_path / "real"
    write(real, {"plan.json": b"1"})
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    with pytest.raises(OutputError) as caught:
        write(link, {"plan.json": b"2"}, force=True)
    assert str(caught.value) == (
        f"{link}: --out is a symbolic link (to {real}); mesh-planner replaces its output folder "
        "whole and never writes through a link: pass the folder itself"
    )
    assert tree(real) == {"plan.json": b"1"}
    assert link.is_symlink()


def test_a_dangling_out_link_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "nowhere")
    with pytest.raises(OutputError):
        write(link, {"plan.json": b"2"}, force=True)
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("plan.json", "is a folder where mesh-planner writes a file"),
        ("kustomize", "is a file where mesh-planner writes a folder"),
    ],
)
def test_an_entry_of_the_wrong_kind_is_refused(entry: str, message: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    if entry == "plan.json":
        (out / entry).mkdir()
        (out / entry / "inside").write_bytes(b"x")
    else:
        (out / entry).write_bytes(b"x")
    with pytest.raises(OutputError) as caught:
        write(out, {"plan.json": b"2"}, force=True)
    assert str(caught.value) == f"{out / entry}: {message}; move it away or choose another --out"


def test_a_special_file_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, {"kustomize/a.yaml": b"a"})
    os.mkfifo(out / "kustomize" / "pipe")
    with pytest.raises(OutputError) as caught:
        write(out, {"plan.json": b"2"}, force=True)
    assert str(caught.value) == (
        f"{out / 'kustomize' / 'pipe'}: is not a regular file or folder; move it away or choose "
        "another --out"
    )


def test_out_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "out").write_bytes(b"notes")
    with pytest.raises(OutputError) as caught:
        write(tmp_path / "out", {"plan.json": b"x"}, force=True)
    assert str(caught.value) == (
        f"{tmp_path / 'out'}: --out names a file, not a folder; pick another --out"
    )
    assert (tmp_path / "out").read_bytes() == b"notes"


def test_a_failure_while_staging_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, {"kustomize/a.yaml": b"a", "plan.json": b"1"})
    # a file and a folder of the same name cannot both be staged: writing fails part-way
    broken = {"plan.json": b"2", "kustomize/x": b"file", "kustomize/x/y.yaml": b"inside"}
    with pytest.raises(OutputError) as caught:
        write(out, broken, force=True)
    assert str(caught.value).startswith(f"{out}: writing the outputs failed (")
    assert str(caught.value).endswith("); nothing was changed")
    assert tree(out) == {"kustomize/a.yaml": b"a", "plan.json": b"1"}
    assert beside(out) == []


@pytest.mark.parametrize(
    "name", ["../escape.json", "/etc/passwd", "a/../../b", "", "a//b", "./a", "a\\b", "x\x00y"]
)
def test_names_cannot_leave_the_output_folder(name: str, tmp_path: Path) -> None:
    with pytest.raises(OutputError):
        safe_relative(name)
    with pytest.raises(OutputError):
        write_outputs(tmp_path / "out", {name: b"x"}, force=True, owned=[name, "a/", "x"])
    assert not (tmp_path / "escape.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_name_outside_the_owned_entries_is_a_bug(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is not under an owned entry"):
        write(tmp_path / "out", {"notes/a.txt": b"x"})
    assert not (tmp_path / "out").exists()


def test_the_root_folder_is_refused() -> None:
    with pytest.raises(OutputError) as caught:
        write(Path("/"), {"plan.json": b"x"}, force=True)
    assert str(caught.value) == "/: --out cannot be the root folder; choose another --out"


def test_a_killed_runs_staging_folder_is_removed_by_the_next_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, {"plan.json": b"1"})
    left = tmp_path / ".out.planner-staging-k1ll3d"
    (left / "kustomize").mkdir(parents=True)
    (left / "kustomize" / "half.yaml").write_bytes(b"half")
    (tmp_path / ".out.planner-old-abc").mkdir()
    write(out, {"plan.json": b"2"}, force=True)
    assert beside(out) == []
    assert tree(out) == {"plan.json": b"2"}


def test_a_live_runs_staging_folder_is_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "out"
    live = tmp_path / ".out.planner-staging-l1ve"
    live.mkdir()
    descriptor = os.open(live, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        write(out, {"plan.json": b"1"})
        assert beside(out) == [live.name]
    finally:
        os.close(descriptor)
    write(out, {"plan.json": b"2"}, force=True)
    assert beside(out) == []


def test_an_out_folder_lost_between_two_renames_is_restored(tmp_path: Path) -> None:
    # where the system has no atomic exchange, a kill -9 between the two renames leaves the
    # previous folder beside --out and nothing at --out: the next run puts it back first
    out = tmp_path / "out"
    old = tmp_path / ".out.planner-old-x1"
    old.mkdir()
    (old / "plan.json").write_bytes(b"previous")
    with pytest.raises(OutputError, match="already exists"):
        write(out, {"plan.json": b"new"})
    assert tree(out) == {"plan.json": b"previous"}
    assert beside(out) == []


def test_links_beside_out_named_like_staging_are_not_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep").write_bytes(b"theirs")
    (tmp_path / ".out.planner-staging-trap").symlink_to(elsewhere, target_is_directory=True)
    write(tmp_path / "out", {"plan.json": b"1"})
    assert tree(elsewhere) == {"keep": b"theirs"}
