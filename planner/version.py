"""The version of mesh-planner, written here once: the package's metadata takes it from this file
(pyproject.toml's [tool.hatch.version]), and start-up reads it without importlib.metadata, whose
import costs 20 ms of every run."""

from __future__ import annotations

__version__ = "0.1.0"
