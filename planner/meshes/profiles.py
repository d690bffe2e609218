"""Loading mesh profiles: the built-in one of each mesh (profile.yaml in its package) or a
user's YAML, validated against the profile model of the mesh it names."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from models.errors import ProfileError
from models.knobs import MeshKind
from models.profile import ProfileBase
from planner.meshes.registry import MESHES
from planner.yamltext import safe_load

PROFILE_FILE = "profile.yaml"
"""The built-in profile's file in each mesh's package."""


def load_builtin_profile(mesh: MeshKind) -> ProfileBase:
    """The built-in profile of a mesh flavour, shipped in its package."""
    entry = MESHES[mesh]
    text = resources.files(entry.package).joinpath(PROFILE_FILE).read_text("utf-8")
    return parse_profile(text, f"built-in profile {entry.builtin_profile}")


def load_profile_file(path: Path) -> ProfileBase:
    """A user's profile file.

    Raises ProfileError naming the file and the first field that is wrong.
    """
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ProfileError(f"{path}: profile file not found; check the --profile path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read the profile ({exc}); save it as UTF-8") from None
    return parse_profile(text, str(path))


def parse_profile(text: str, where: str) -> ProfileBase:
    """Validate profile YAML text against the model of the mesh its `mesh` field names; `where`
    names it in errors."""
    try:
        raw = safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise ProfileError(f"{where}{line}: not valid YAML; fix the syntax there") from None
    except (ValueError, RecursionError):  # a huge integer, an impossible date, deep nesting
        raise ProfileError(
            f"{where}: a value cannot be read (a number too long, a date that does not exist, or "
            "nesting too deep); start from the built-in profile"
        ) from None
    if not isinstance(raw, dict):
        raise ProfileError(f"{where}: a profile is a YAML mapping; start from the built-in one")
    meshes = ", ".join(kind.value for kind in MESHES)
    try:
        kind = MeshKind(str(raw.get("mesh")))
    except ValueError:
        raise ProfileError(
            f"{where}: field mesh: {_shown(raw.get('mesh'))} is not a mesh mesh-planner sizes "
            f"({meshes}); see docs/model.md for the profile format"
        ) from None
    try:
        return MESHES[kind].profile_model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise ProfileError(
            f"{where}: field {field}: {first['msg']}; see docs/model.md for the profile format"
        ) from None


def _shown(value: object) -> str:
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= 40 else text[:37] + "..."
