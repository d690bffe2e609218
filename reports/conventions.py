"""What the HTML report and the workbook agree on: file names and the ratios they highlight at."""

from __future__ import annotations

XLSX_FILE = "report.xlsx"
HTML_FILE = "report.html"
FAR_FROM_CURRENT_RATIO = 2.0
"""A recommendation this many times the current request (or less than its inverse) is flagged."""
OUTLIER_OF_DEFAULT_RATIO = 2.0
"""A proxy request this many times the mesh-wide default is flagged as an outlier."""


def plural_kind(kind: str, count: int) -> str:
    """`Sidecar` -> `Sidecars`; a kind already plural (`ServiceIntentions`) stays as it is."""
    return kind if count == 1 or kind.endswith("s") else f"{kind}s"
