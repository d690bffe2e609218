"""plan.json: the Plan as JSON, documented in docs/plan-json.md."""

from __future__ import annotations

from models.plan import Plan

PLAN_FILE = "plan.json"


def render_json(plan: Plan) -> dict[str, bytes]:
    """The plan, indented, keys in schema order, UTF-8, ending in a newline.

    pydantic's serializer writes floats in their shortest round-trip form, the same on every
    platform, and refuses NaN and infinity (the plan's models forbid them).
    """
    return {PLAN_FILE: plan.model_dump_json(indent=2).encode("utf-8") + b"\n"}
