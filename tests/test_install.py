"""A non-editable install into a fresh virtual environment works from another folder: profiles
and everything else the tool reads ship inside the package."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA, REPO


@pytest.mark.slow
def test_pip_install_then_run_elsewhere(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, str(REPO)], check=True, cwd=tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for name in ("cluster.csv", "services.csv", "traffic.csv"):
        shutil.copy(DATA / name, elsewhere / name)
    where = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import planner.meshes.istio_sidecar as p; print(p.__file__)",
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(venv) in where.stdout, "the package must come from the venv, not the source tree"
    run = subprocess.run(
        [
            str(venv / "bin" / "planner"),
            "size",
            "--inventory",
            "cluster.csv",
            "--services",
            "services.csv",
            "--traffic",
            "traffic.csv",
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == "planner-out/plan.json\n"
    assert (elsewhere / "planner-out" / "plan.json").is_file()
    # the report template ships inside the package too
    reports = subprocess.run(
        [
            str(venv / "bin" / "planner"),
            "size",
            "--inventory",
            "cluster.csv",
            "--format",
            "html",
            "--format",
            "xlsx",
            "--out",
            "reports",
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=False,
    )
    assert reports.returncode == 0, reports.stderr
    assert reports.stdout == "reports/plan.json\nreports/report.html\nreports/report.xlsx\n"
    assert "<h1>Mesh capacity plan</h1>" in (elsewhere / "reports" / "report.html").read_text()
