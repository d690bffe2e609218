"""The closed sets of choices a sizing run takes (the CLI's options), apart from `models.knobs`
so that `planner --help` builds its options without importing pydantic."""

from __future__ import annotations

from enum import StrEnum


class MeshKind(StrEnum):
    """Mesh flavours mesh-planner can size; each has an entry in `planner.meshes.MESHES`."""

    ISTIO_SIDECAR = "istio-sidecar"
    ISTIO_AMBIENT = "istio-ambient"
    LINKERD = "linkerd"
    CONSUL = "consul"
    APPMESH = "appmesh"


class WaypointRule(StrEnum):
    """Where Istio ambient runs waypoints (L7 proxies) for a mesh being planned."""

    NONE = "none"
    NAMESPACE = "namespace"
    SERVICE_ACCOUNT = "service-account"


MIGRATION_DIR = "migrate-to"
"""Where a migration's target meshes are written in --out (one folder per target)."""


class MigrateTo(StrEnum):
    """A mesh to plan a migration to (`--migrate-to`): `istio` is Istio's sidecar mode."""

    ISTIO = "istio"
    ISTIO_SIDECAR = "istio-sidecar"
    ISTIO_AMBIENT = "istio-ambient"
    LINKERD = "linkerd"
    CONSUL = "consul"


class OutputFormat(StrEnum):
    """Output formats; each mesh lists the ones it has (planner.meshes.registry), and
    `reports.renderers` renders them."""

    JSON = "json"
    SIDECARS = "sidecars"
    KUSTOMIZE = "kustomize"  # kustomize/: Sidecars and patches as a kustomize overlay
    HELM = "helm"  # helm/: values overrides for the istiod and gateway charts
    OPERATOR = "istio-operator"  # istio-operator.yaml: the same overrides for istioctl
    HTML = "html"  # report.html: one self-contained page for the capacity review
    XLSX = "xlsx"  # report.xlsx: a workbook with live formulas over its Assumptions sheet


class ScopeGranularity(StrEnum):
    """One Sidecar resource per namespace (union of its workloads' needs) or per workload."""

    NAMESPACE = "namespace"
    WORKLOAD = "workload"


class SizeFor(StrEnum):
    """Whether proxy recommendations assume the recommended scoping is applied."""

    SCOPED = "scoped"
    UNSCOPED = "unscoped"
