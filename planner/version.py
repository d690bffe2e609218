"""The version of mesh-planner, read from the installed package's metadata."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mesh-planner")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
