"""The choices of flags that name no part of a plan: `planner compare`'s data planes and output
formats, `planner review`'s output formats. Plain enums, apart from the models that use them, so
that the command line declares its flags without building those models (`planner --help`
imports this module, not models.compare or models.review)."""

from __future__ import annotations

from enum import StrEnum


class DataPlane(StrEnum):
    """A data plane `planner compare` sizes: a mesh, and for Istio ambient whether it runs
    waypoints (L7) or ztunnel alone (L4)."""

    ISTIO_SIDECAR = "istio-sidecar"
    ISTIO_AMBIENT = "istio-ambient"
    ISTIO_AMBIENT_WAYPOINTS = "istio-ambient-waypoints"
    LINKERD = "linkerd"
    CONSUL = "consul"


class CompareFormat(StrEnum):
    """What `planner compare` writes (`--format`): compare.json always, the page and the sheet
    when asked for; the values are `OutputFormat`'s for the same kinds of file."""

    JSON = "json"
    HTML = "html"  # compare.html: the side by side as one self-contained page
    XLSX = "xlsx"  # compare.xlsx: the side by side with live totals and differences


class ReviewFormat(StrEnum):
    """What `planner review` writes (`--format`): review.json always, the page and the workbook
    when asked for; the values are `OutputFormat`'s for the same kinds of file."""

    JSON = "json"
    HTML = "html"  # review.html: the review as one self-contained page
    XLSX = "xlsx"  # review.xlsx: the changes, the forecast's inputs and its live fit
