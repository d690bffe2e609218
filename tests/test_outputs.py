"""Outputs are written all-or-nothing, never overwritten without --force, never outside --out."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.errors import OutputError
from planner.outputs import safe_relative, write_outputs


def test_writes_nested_files_and_returns_sorted_paths(tmp_path: Path) -> None:
    written = write_outputs(tmp_path / "out", {"b.json": b"2", "a/x.yaml": b"1"}, force=False)
    assert written == [tmp_path / "out" / "a" / "x.yaml", tmp_path / "out" / "b.json"]
    assert (tmp_path / "out" / "a" / "x.yaml").read_bytes() == b"1"
    assert [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")] == []


def test_existing_output_needs_force(tmp_path: Path) -> None:
    (tmp_path / "plan.json").write_bytes(b"old")
    with pytest.raises(OutputError) as caught:
        write_outputs(tmp_path, {"plan.json": b"new", "other.json": b"x"}, force=False)
    assert str(caught.value) == (
        f"{tmp_path / 'plan.json'} already exists; pass --force to overwrite or choose another "
        "--out"
    )
    assert (tmp_path / "plan.json").read_bytes() == b"old"
    assert not (tmp_path / "other.json").exists()
    write_outputs(tmp_path, {"plan.json": b"new"}, force=True)
    assert (tmp_path / "plan.json").read_bytes() == b"new"


def test_a_failure_part_way_restores_what_was_there(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_bytes(b"old a")
    (tmp_path / "z").write_bytes(b"a file where a folder must go")
    with pytest.raises(OutputError) as caught:
        write_outputs(tmp_path, {"a.json": b"new a", "z/patch.yaml": b"p"}, force=True)
    assert "nothing was changed" in str(caught.value)
    assert (tmp_path / "a.json").read_bytes() == b"old a"
    assert (tmp_path / "z").read_bytes() == b"a file where a folder must go"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "z"]


@pytest.mark.parametrize(
    "name", ["../escape.json", "/etc/passwd", "a/../../b", "", "a//b", "./a", "a\\b", "x\x00y"]
)
def test_names_cannot_leave_the_output_folder(name: str, tmp_path: Path) -> None:
    with pytest.raises(OutputError):
        safe_relative(name)
    with pytest.raises(OutputError):
        write_outputs(tmp_path / "out", {name: b"x"}, force=True)
    assert not (tmp_path / "escape.json").exists()


def test_out_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "out").write_bytes(b"")
    with pytest.raises(OutputError) as caught:
        write_outputs(tmp_path / "out", {"plan.json": b"x"}, force=True)
    assert (
        str(caught.value)
        == f"{tmp_path / 'out'}: --out names a file, not a folder; pick another --out"
    )


def test_force_leaves_an_output_folder_with_exactly_this_runs_files(tmp_path: Path) -> None:
    write_outputs(
        tmp_path,
        {"kustomize/a.yaml": b"a", "kustomize/ns/b.yaml": b"b", "plan.json": b"1"},
        force=False,
    )
    (tmp_path / "notes.txt").write_bytes(b"mine")
    with pytest.raises(OutputError) as caught:
        write_outputs(tmp_path, {"kustomize/c.yaml": b"c"}, force=False)
    assert str(caught.value) == (
        f"{tmp_path / 'kustomize'} already exists; pass --force to overwrite or choose another "
        "--out"
    )
    write_outputs(tmp_path, {"kustomize/c.yaml": b"c", "plan.json": b"2"}, force=True)
    kept = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert kept == ["kustomize/c.yaml", "notes.txt", "plan.json"]


def test_a_failed_forced_run_keeps_the_stale_files_too(tmp_path: Path) -> None:
    write_outputs(tmp_path, {"kustomize/a.yaml": b"a"}, force=False)
    (tmp_path / "z").write_bytes(b"a file where a folder must go")
    with pytest.raises(OutputError):
        write_outputs(tmp_path, {"kustomize/b.yaml": b"b", "z/x.yaml": b"x"}, force=True)
    assert (tmp_path / "kustomize" / "a.yaml").read_bytes() == b"a"
    assert not (tmp_path / "kustomize" / "b.yaml").exists()
