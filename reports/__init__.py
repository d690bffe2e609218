"""Renderers: each turns a Plan into the bytes of one or more output files.

`renderers(mesh)` maps every `OutputFormat` a mesh has to a function returning {relative path:
bytes}: the neutral plan.json, HTML and Excel, and the mesh's own hand-over files. `ENTRIES`
maps each format to the entries directly under `--out` that its files lie in (`name` for a file,
`name/` for a folder): what a run owns there (planner.outputs). `COMPARE_RENDERERS` and
`COMPARE_ENTRIES` do the same for a Comparison (`planner compare`), `REVIEW_RENDERERS` and
`REVIEW_ENTRIES` for a Review (`planner review`). Renderers never compute
sizing figures: everything they show comes from the Plan or the Comparison.

The HTML and Excel renderers are imported when they are first called (`_deferred`): jinja2 and
openpyxl, and the compare and review pages, cost a run that writes plan.json alone a third of a
second of start-up.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from models.compare import Comparison
from models.formats import CompareFormat, ReviewFormat
from models.knobs import MeshKind, OutputFormat
from models.plan import Plan
from models.review import Review
from reports.compare import (
    COMPARE_FILE,
    COMPARE_HTML_FILE,
    COMPARE_XLSX_FILE,
    render_compare_json,
)
from reports.conventions import HTML_FILE, XLSX_FILE
from reports.gitops import appmesh, consul, istio_ambient, istio_sidecar, linkerd
from reports.gitops.helm import HELM_DIR
from reports.gitops.kustomize import KUSTOMIZE_DIR
from reports.gitops.operator import OPERATOR_FILE
from reports.gitops.sidecars import SIDECARS_FILE
from reports.plan_json import PLAN_FILE, render_json
from reports.review import REVIEW_FILE, REVIEW_HTML_FILE, REVIEW_XLSX_FILE, render_review_json


def _deferred(module: str, name: str) -> Callable[[Any], dict[str, bytes]]:
    """The renderer `name` of `module`, imported when it is first called."""

    def render(subject: Any) -> dict[str, bytes]:
        renderer: Callable[[Any], dict[str, bytes]] = getattr(importlib.import_module(module), name)
        return renderer(subject)

    render.__name__ = render.__qualname__ = name
    return render


Renderer = Callable[[Plan], dict[str, bytes]]

NEUTRAL: dict[OutputFormat, Renderer] = {
    OutputFormat.JSON: render_json,
    OutputFormat.HTML: _deferred("reports.html.page", "render_html"),
    OutputFormat.XLSX: _deferred("reports.xlsx.workbook", "render_xlsx"),
}
"""Renderers of the mesh-neutral plan, the same for every mesh."""

HANDOVERS: dict[MeshKind, dict[OutputFormat, Renderer]] = {
    MeshKind.ISTIO_SIDECAR: istio_sidecar.HANDOVER,
    MeshKind.ISTIO_AMBIENT: istio_ambient.HANDOVER,
    MeshKind.LINKERD: linkerd.HANDOVER,
    MeshKind.CONSUL: consul.HANDOVER,
    MeshKind.APPMESH: appmesh.HANDOVER,
}
"""Each mesh's hand-over files (reports/gitops): the mesh's own resources, annotations and
chart values. A mesh's entry in planner.meshes.registry lists the formats it has; a test checks
that each has its renderer here."""


def renderers(mesh: MeshKind) -> dict[OutputFormat, Renderer]:
    """Every renderer a mesh has, by format."""
    return {**NEUTRAL, **HANDOVERS[mesh]}


ENTRIES: dict[OutputFormat, str] = {
    OutputFormat.JSON: PLAN_FILE,
    OutputFormat.SIDECARS: SIDECARS_FILE,
    OutputFormat.KUSTOMIZE: f"{KUSTOMIZE_DIR}/",
    OutputFormat.HELM: f"{HELM_DIR}/",
    OutputFormat.OPERATOR: OPERATOR_FILE,
    OutputFormat.HTML: HTML_FILE,
    OutputFormat.XLSX: XLSX_FILE,
}


CompareRenderer = Callable[[Comparison], dict[str, bytes]]

COMPARE_RENDERERS: dict[CompareFormat, CompareRenderer] = {
    CompareFormat.JSON: render_compare_json,
    CompareFormat.HTML: _deferred("reports.html.compare", "render_compare_html"),
    CompareFormat.XLSX: _deferred("reports.xlsx.compare", "render_compare_xlsx"),
}
"""Renderers of a comparison, by `planner compare --format`."""

COMPARE_ENTRIES: dict[CompareFormat, str] = {
    CompareFormat.JSON: COMPARE_FILE,
    CompareFormat.HTML: COMPARE_HTML_FILE,
    CompareFormat.XLSX: COMPARE_XLSX_FILE,
}
"""What each format of `planner compare` writes under its `--out`: what a compare run owns."""


ReviewRenderer = Callable[[Review], dict[str, bytes]]

REVIEW_RENDERERS: dict[ReviewFormat, ReviewRenderer] = {
    ReviewFormat.JSON: render_review_json,
    ReviewFormat.HTML: _deferred("reports.html.review", "render_review_html"),
    ReviewFormat.XLSX: _deferred("reports.xlsx.review", "render_review_xlsx"),
}
"""Renderers of a review, by `planner review --format`."""

REVIEW_ENTRIES: dict[ReviewFormat, str] = {
    ReviewFormat.JSON: REVIEW_FILE,
    ReviewFormat.HTML: REVIEW_HTML_FILE,
    ReviewFormat.XLSX: REVIEW_XLSX_FILE,
}
"""What each format of `planner review` writes under its `--out`: what a review run owns."""
