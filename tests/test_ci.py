"""CI runs exactly the README's test command, with integration tools required."""

from __future__ import annotations

from tests.conftest import REPO
from tests.test_readme import quick_start_commands

CI = (REPO / ".ci" / "run").read_text("utf-8")


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    test_command = quick_start_commands()[1]
    commands = [line for line in CI.splitlines() if line.strip() and not line.startswith("#")]
    assert commands[-1] == test_command


def test_ci_requires_integration_tools() -> None:
    assert "export PLANNER_REQUIRE_INTEGRATION=1" in CI.splitlines()
    assert CI.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in CI
