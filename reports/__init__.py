"""Renderers: each turns a Plan into the bytes of one or more output files.

`RENDERERS` maps every `OutputFormat` to a function returning {relative path: bytes}. Renderers
never compute sizing figures: everything they show comes from the Plan.
"""

from __future__ import annotations

from collections.abc import Callable

from models.knobs import OutputFormat
from models.plan import Plan
from reports.excel import render_xlsx
from reports.helm import render_helm
from reports.html import render_html
from reports.operator import render_operator
from reports.patches import render_kustomize
from reports.plan_json import render_json
from reports.sidecars import render_sidecars

Renderer = Callable[[Plan], dict[str, bytes]]

RENDERERS: dict[OutputFormat, Renderer] = {
    OutputFormat.JSON: render_json,
    OutputFormat.SIDECARS: render_sidecars,
    OutputFormat.KUSTOMIZE: render_kustomize,
    OutputFormat.HELM: render_helm,
    OutputFormat.OPERATOR: render_operator,
    OutputFormat.HTML: render_html,
    OutputFormat.XLSX: render_xlsx,
}
