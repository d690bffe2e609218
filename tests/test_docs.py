"""docs/plan-json.md documents every field of the plan."""

from __future__ import annotations

from pydantic import BaseModel

from models.plan import Plan
from tests.conftest import REPO

PLAN_DOC = (REPO / "docs" / "plan-json.md").read_text("utf-8")


def _field_names(model: type[BaseModel], seen: set[type[BaseModel]]) -> set[str]:
    if model in seen:
        return set()
    seen.add(model)
    names = set(model.model_fields)
    for field in model.model_fields.values():
        for candidate in _nested_models(field.annotation):
            names |= _field_names(candidate, seen)
    return names


def _nested_models(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for argument in getattr(annotation, "__args__", ()):
        found += _nested_models(argument)
    return found


def test_every_plan_field_is_documented() -> None:
    missing = sorted(n for n in _field_names(Plan, set()) if f"`{n}`" not in PLAN_DOC)
    assert missing == []
