"""plan.json: the Plan as JSON, documented in docs/plan-json.md."""

from __future__ import annotations

import json

from models.plan import Plan

PLAN_FILE = "plan.json"


def render_json(plan: Plan) -> dict[str, bytes]:
    """The plan, indented, keys in schema order, UTF-8, ending in a newline."""
    text = json.dumps(plan.model_dump(mode="json"), indent=2, ensure_ascii=False, allow_nan=False)
    return {PLAN_FILE: (text + "\n").encode("utf-8")}
