"""plan.json: the Plan as JSON, documented in docs/plan-json.md."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pydantic import TypeAdapter

from models.plan import Plan, ScopingPlan, WorkloadPlan

PLAN_FILE = "plan.json"

_FIELDS = list(Plan.model_fields)
_AFTER_WORKLOADS = _FIELDS[_FIELDS.index("workloads") + 1]
_AFTER_SCOPING = _FIELDS[_FIELDS.index("scoping") + 1]
"""The fields that follow `workloads` and `scoping` in plan.json (fields are written in the
model's order)."""
_WORKLOADS = TypeAdapter(tuple[WorkloadPlan, ...])


def render_json(
    plan: Plan,
    scoping: Callable[[], bytes] | None = None,
    workloads: tuple[int, Callable[[], bytes]] | None = None,
) -> dict[str, bytes]:
    """The plan, indented, keys in schema order, UTF-8, ending in a newline.

    pydantic's serializer writes floats in their shortest round-trip form, the same on every
    platform, and refuses NaN and infinity (the plan's models forbid them).

    `scoping`, when given, returns `render_scoping(plan.scoping)`, written out elsewhere (the
    CLI does it in a forked child from when the scoping is known): it is asked for once the rest
    of the plan is written out, and takes the place of the plan's own `scoping`. `workloads`,
    when given, is (n, a function returning `render_workloads(plan.workloads[n:])`), written
    out elsewhere while this writes the first n. Either way the bytes are those a whole
    serialization gives.
    """
    serializer = plan.__pydantic_serializer__
    apart = scoping is not None and plan.scoping is not None
    split = workloads is not None and 0 < workloads[0] < len(plan.workloads)
    if not apart and not split:
        # model_dump_json(indent=2) as the serializer's own UTF-8 bytes: model_dump_json decodes
        # them into text, which would only be encoded again (two copies of 861 MB at a million
        # pods)
        return {PLAN_FILE: serializer.to_json(plan, indent=2) + b"\n"}
    excluded = {"scoping"} if apart else set()
    if split:
        excluded.add("workloads")
    rest = serializer.to_json(plan, indent=2, exclude=excluded)
    parts = [rest]
    if split:
        assert workloads is not None
        first = render_workloads(plan.workloads[: workloads[0]])
        parts = _spliced(parts, _AFTER_WORKLOADS, b"workloads", [b"[\n    ", first])
        parts = _spliced(parts, _AFTER_WORKLOADS, None, [b",\n    ", workloads[1](), b"\n  ]"])
    if apart:
        assert scoping is not None
        parts = _spliced(parts, _AFTER_SCOPING, b"scoping", [scoping()])
    return {PLAN_FILE: b"".join([*parts, b"\n"])}


def _spliced(parts: list[bytes], after: str, name: bytes | None, value: list[bytes]) -> list[bytes]:
    """`parts` with the top-level key `name` and `value` put before the top-level key `after`
    (`name` None: `value` alone, continuing the value put there before). The last part holds
    the key `after`: a top-level key is the only one indented by exactly two spaces (JSON text
    holds no raw newline), so this finds it and nothing inside another value."""
    last = parts[-1]
    at = last.index(b',\n  "' + after.encode() + b'": ')
    key = [b',\n  "' + name + b'": '] if name is not None else []
    return [*parts[:-1], last[:at], *key, *value, last[at:]]


def render_scoping(scoping: ScopingPlan) -> bytes:
    """plan.json's `scoping` value as `render_json` writes it inside the plan: every line after
    the first indented by one more level."""
    return scoping.__pydantic_serializer__.to_json(scoping, indent=2).replace(b"\n", b"\n  ")


def render_workloads(workloads: Sequence[WorkloadPlan]) -> bytes:
    """Some of plan.json's `workloads` as `render_json` writes them inside the plan's list, less
    the list's brackets: each indented by one more level, separated by `,` and a new line."""
    text = _WORKLOADS.dump_json(tuple(workloads), indent=2)
    return text[len(b"[\n  ") : -len(b"\n]")].replace(b"\n", b"\n  ")
