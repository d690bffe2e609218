"""plan.json: the Plan as JSON, documented in docs/plan-json.md."""

from __future__ import annotations

from models.plan import Plan

PLAN_FILE = "plan.json"


def render_json(plan: Plan) -> dict[str, bytes]:
    """The plan, indented, keys in schema order, UTF-8, ending in a newline.

    pydantic's serializer writes floats in their shortest round-trip form, the same on every
    platform, and refuses NaN and infinity (the plan's models forbid them).
    """
    # model_dump_json(indent=2) as the serializer's own UTF-8 bytes: model_dump_json decodes
    # them into text, which would only be encoded again (two copies of 861 MB at a million pods)
    return {PLAN_FILE: plan.__pydantic_serializer__.to_json(plan, indent=2) + b"\n"}
