"""Loading mesh profiles (built-in or the user's YAML) and picking the figures for a version."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import ValidationError

from models.errors import ProfileError
from models.knobs import MeshKind
from models.profile import MeshProfile, ObjectFigures, VersionFigures
from planner.meshes import MESHES

PROFILE_FILE = "profile.yaml"
"""The built-in profile's file in each mesh's package."""


def load_builtin_profile(mesh: MeshKind) -> MeshProfile:
    """The built-in profile of a mesh flavour, shipped in its package."""
    spec = MESHES[mesh]
    text = resources.files(spec.package).joinpath(PROFILE_FILE).read_text("utf-8")
    return parse_profile(text, f"built-in profile {spec.builtin_profile}")


def load_profile_file(path: Path) -> MeshProfile:
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


def parse_profile(text: str, where: str) -> MeshProfile:
    """Validate profile YAML text; `where` names it in errors."""
    try:
        raw = yaml.safe_load(text)
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
    try:
        return MeshProfile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise ProfileError(
            f"{where}: field {field}: {first['msg']}; see docs/model.md for the profile format"
        ) from None


def version_key(version: str) -> tuple[int, int]:
    """(major, minor) of a version such as 1.22 or 1.22.3."""
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


_Range = TypeVar("_Range", VersionFigures, ObjectFigures)


def figures_for(profile: MeshProfile, version: str) -> VersionFigures:
    """The version figures whose range holds `version`.

    Raises ProfileError for a version outside every range.
    """
    return _in_range(profile, profile.versions, version, "published figures")


def objects_for(profile: MeshProfile, version: str) -> ObjectFigures:
    """The configuration-object costs whose range holds `version`.

    Raises ProfileError for a version outside every range.
    """
    return _in_range(profile, profile.objects, version, "object costs")


def _in_range(profile: MeshProfile, ranges: tuple[_Range, ...], version: str, what: str) -> _Range:
    key = version_key(version)
    for figures in reversed(ranges):
        if version_key(figures.first) <= key:
            if figures.last is not None and key > version_key(figures.last):
                break
            return figures
    listed = ", ".join(f"{f.first}-{f.last}" if f.last else f"{f.first} and later" for f in ranges)
    flag = MESHES[profile.mesh].version_flag
    raise ProfileError(
        f"{flag} {version}: profile {profile.name} has {what} for {listed}; "
        f"pass {flag} with a version in those ranges"
    )
