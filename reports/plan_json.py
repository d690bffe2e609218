"""plan.json: the Plan as JSON, documented in docs/plan-json.md."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal, overload

from pydantic import TypeAdapter

from models.plan import Plan, ScopingPlan, WorkloadPlan

PLAN_FILE = "plan.json"

_FIELDS = list(Plan.model_fields)
_AFTER_WORKLOADS = _FIELDS[_FIELDS.index("workloads") + 1]
_AFTER_SCOPING = _FIELDS[_FIELDS.index("scoping") + 1]
"""The fields that follow `workloads` and `scoping` in plan.json (fields are written in the
model's order)."""
_WORKLOADS = TypeAdapter(dict[str, tuple[WorkloadPlan, ...]])
_SCOPING = TypeAdapter(dict[str, ScopingPlan])
"""A one-key object holding the workloads (or the scoping), written with indent=2: its value is
indented as deep as plan.json's own, so a slice of it is plan.json's text for that value."""

Part = bytes | memoryview
"""Some of a file's bytes: a memoryview where they are sliced out of larger bytes (or come
from a worker's memory file, planner.workers) without a copy."""


@overload
def render_json(
    plan: Plan,
    scoping: Callable[[], Part] | None = None,
    workloads: tuple[int, Callable[[], Part]] | None = None,
    joined: Literal[True] = True,
) -> dict[str, bytes]: ...


@overload
def render_json(
    plan: Plan,
    scoping: Callable[[], Part] | None = None,
    workloads: tuple[int, Callable[[], Part]] | None = None,
    *,
    joined: Literal[False],
) -> dict[str, tuple[Part, ...]]: ...


def render_json(
    plan: Plan,
    scoping: Callable[[], Part] | None = None,
    workloads: tuple[int, Callable[[], Part]] | None = None,
    joined: bool = True,
) -> dict[str, bytes] | dict[str, tuple[Part, ...]]:
    """The plan, indented, keys in schema order, UTF-8, ending in a newline.

    pydantic's serializer writes floats in their shortest round-trip form, the same on every
    platform, and refuses NaN and infinity (the plan's models forbid them).

    `scoping`, when given, returns `render_scoping(plan.scoping)`, written out elsewhere (the
    CLI does it in a forked child from when the scoping is known): it is asked for once the rest
    of the plan is written out, and takes the place of the plan's own `scoping`. `workloads`,
    when given, is (n, a function returning `render_workloads(plan.workloads[n:])`), written
    out elsewhere while this writes the first n. Either way the bytes are those a whole
    serialization gives. `joined` False gives them as parts, in order, not joined into one
    bytes object: the CLI writes them one after the other (at a million pods, plan.json's 861
    MB are not copied once more).
    """
    serializer = plan.__pydantic_serializer__
    apart = scoping is not None and plan.scoping is not None
    split = workloads is not None and 0 < workloads[0] < len(plan.workloads)
    if not apart and not split:
        # model_dump_json(indent=2) as the serializer's own UTF-8 bytes: model_dump_json decodes
        # them into text, which would only be encoded again (two copies of 861 MB at a million
        # pods)
        whole = serializer.to_json(plan, indent=2)
        if joined:
            return {PLAN_FILE: whole + b"\n"}
        ending: tuple[Part, ...] = (whole, b"\n")
        return {PLAN_FILE: ending}
    excluded = {"scoping"} if apart else set()
    if split:
        excluded.add("workloads")
    rest = serializer.to_json(plan, indent=2, exclude=excluded)
    parts: list[Part] = [rest]
    if split:
        assert workloads is not None
        first = render_workloads(plan.workloads[: workloads[0]])
        parts = _spliced(parts, _AFTER_WORKLOADS, b"workloads", [b"[\n    ", first])
        parts = _spliced(parts, _AFTER_WORKLOADS, None, [b",\n    ", workloads[1](), b"\n  ]"])
    if apart:
        assert scoping is not None
        parts = _spliced(parts, _AFTER_SCOPING, b"scoping", [scoping()])
    parts.append(b"\n")
    return {PLAN_FILE: b"".join(parts)} if joined else {PLAN_FILE: tuple(parts)}


def _spliced(parts: list[Part], after: str, name: bytes | None, value: list[Part]) -> list[Part]:
    """`parts` with the top-level key `name` and `value` put before the top-level key `after`
    (`name` None: `value` alone, continuing the value put there before). The last part, bytes,
    holds the key `after`: a top-level key is the only one indented by exactly two spaces (JSON
    text holds no raw newline), so this finds it and nothing inside another value."""
    last = parts[-1]
    assert isinstance(last, bytes)
    at = last.index(b',\n  "' + after.encode() + b'": ')
    key = [b',\n  "' + name + b'": '] if name is not None else []
    return [*parts[:-1], last[:at], *key, *value, last[at:]]


def render_scoping(scoping: ScopingPlan) -> memoryview:
    """plan.json's `scoping` value as `render_json` writes it inside the plan: every line after
    the first indented by one more level. Sliced out of `{"scoping": ...}`, whose value is
    written at that depth, without a copy."""
    text = _SCOPING.dump_json({"scoping": scoping}, indent=2)
    return memoryview(text)[len(b'{\n  "scoping": ') : -len(b"\n}")]


def render_workloads(workloads: Sequence[WorkloadPlan]) -> memoryview:
    """Some of plan.json's `workloads` as `render_json` writes them inside the plan's list, less
    the list's brackets: each indented by one more level, separated by `,` and a new line.
    Sliced out of `{"workloads": [...]}`, whose items are written at that depth, without a
    copy."""
    if not workloads:
        return memoryview(b"")
    text = _WORKLOADS.dump_json({"workloads": tuple(workloads)}, indent=2)
    return memoryview(text)[len(b'{\n  "workloads": [\n    ') : -len(b"\n  ]\n}")]
