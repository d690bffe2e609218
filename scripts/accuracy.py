"""Regenerate docs/accuracy.md: every published case with the model's figure and its error.

Usage: python scripts/accuracy.py [--check]
With --check, exit 1 when docs/accuracy.md differs from what the model gives now.
"""

from __future__ import annotations

import sys
from pathlib import Path

from models.knobs import MeshKind
from planner.accuracy import evaluate, load_figures
from planner.accuracy_page import render_page
from planner.profiles import load_builtin_profile

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "docs" / "accuracy.md"
COMMAND = "python scripts/accuracy.py"


def page() -> str:
    """The page as the model gives it now."""
    profile = load_builtin_profile(MeshKind.ISTIO_SIDECAR)
    results = evaluate(load_figures(REPO / "data" / "published-figures.csv"), profile)
    return render_page(results, profile, COMMAND)


def main(argv: list[str]) -> int:
    text = page()
    if "--check" in argv:
        current = PAGE.read_text("utf-8") if PAGE.exists() else ""
        if current != text:
            print(f"{PAGE} is out of date; run {COMMAND}", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(text, encoding="utf-8")
    print(PAGE)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
