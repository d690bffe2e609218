"""plan.json: the Plan as JSON, documented in docs/plan-json.md."""

from __future__ import annotations

from collections.abc import Callable

from models.plan import Plan, ScopingPlan

PLAN_FILE = "plan.json"

_AFTER_SCOPING = list(Plan.model_fields)[list(Plan.model_fields).index("scoping") + 1]
"""The field that follows `scoping` in plan.json (fields are written in the model's order)."""


def render_json(plan: Plan, scoping: Callable[[], bytes] | None = None) -> dict[str, bytes]:
    """The plan, indented, keys in schema order, UTF-8, ending in a newline.

    pydantic's serializer writes floats in their shortest round-trip form, the same on every
    platform, and refuses NaN and infinity (the plan's models forbid them).

    `scoping`, when given, returns `render_scoping(plan.scoping)`, written out elsewhere (the
    CLI does it in a forked child from when the scoping is known): it is asked for once the rest
    of the plan is written out, and takes the place of the plan's own `scoping`, with the same
    bytes as a whole serialization gives.
    """
    serializer = plan.__pydantic_serializer__
    if scoping is None or plan.scoping is None:
        # model_dump_json(indent=2) as the serializer's own UTF-8 bytes: model_dump_json decodes
        # them into text, which would only be encoded again (two copies of 861 MB at a million
        # pods)
        return {PLAN_FILE: serializer.to_json(plan, indent=2) + b"\n"}
    rest = serializer.to_json(plan, indent=2, exclude={"scoping"})
    # a top-level key is the only one indented by exactly two spaces (JSON text holds no raw
    # newline), so this finds the field after scoping and nothing inside another value
    after = rest.index(b',\n  "' + _AFTER_SCOPING.encode() + b'": ')
    parts = (rest[:after], b',\n  "scoping": ', scoping(), rest[after:], b"\n")
    return {PLAN_FILE: b"".join(parts)}


def render_scoping(scoping: ScopingPlan) -> bytes:
    """plan.json's `scoping` value as `render_json` writes it inside the plan: every line after
    the first indented by one more level."""
    return scoping.__pydantic_serializer__.to_json(scoping, indent=2).replace(b"\n", b"\n  ")
