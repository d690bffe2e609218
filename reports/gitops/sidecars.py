"""sidecars.yaml: the recommended Istio `Sidecar` resources, one multi-document YAML file.

Ready for `kubectl apply -f` or a GitOps repository: sorted by namespace and name, a comment on
each saying whom it applies to and how confident the recommendation is, byte-identical on rerun.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import yaml

from models.plan import Plan, SidecarResource

SIDECARS_FILE = "sidecars.yaml"
# libyaml's emitter when PyYAML was built with it (same output as the pure-Python one, 30x faster)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
MANAGED_BY = {"app.kubernetes.io/managed-by": "mesh-planner"}


def api_version(mesh_version: str) -> str:
    """networking.istio.io/v1 from Istio 1.22 (when v1 was introduced), v1beta1 before."""
    major, minor = (int(p) for p in mesh_version.split(".")[:2])
    return "networking.istio.io/v1" if (major, minor) >= (1, 22) else "networking.istio.io/v1beta1"


def sidecar_manifest(resource: SidecarResource, mesh_version: str) -> dict[str, Any]:
    """The Kubernetes object for one recommended Sidecar."""
    spec: dict[str, Any] = {}
    if resource.selector is not None:
        spec["workloadSelector"] = {"labels": dict(sorted(resource.selector.items()))}
    spec["egress"] = [{"hosts": list(resource.egress_hosts)}]
    return {
        "apiVersion": api_version(mesh_version),
        "kind": "Sidecar",
        "metadata": {
            "name": resource.name,
            "namespace": resource.namespace,
            "labels": dict(MANAGED_BY),
            "annotations": {"mesh-planner/confidence": resource.confidence.value},
        },
        "spec": spec,
    }


def _comment(text: str) -> str:
    return "".join(f"# {line}\n" for line in text.splitlines())


def render_sidecars(plan: Plan) -> dict[str, bytes]:
    """sidecars.yaml, or a file that says why there is nothing to apply."""
    header = [
        f"Istio Sidecar resources recommended by mesh-planner {plan.tool.version}",
        "from: " + ", ".join(f"{i.name} ({i.role}, {i.fingerprint})" for i in plan.inputs),
    ]
    scoping = plan.scoping
    if scoping is None:
        text = _comment("\n".join([*header, "No traffic table was given: nothing to scope from."]))
        return {SIDECARS_FILE: text.encode("utf-8")}
    header += [
        f"granularity: {scoping.granularity}; mesh root namespace: {scoping.root_namespace}; "
        f"traffic window: {scoping.traffic_window}",
        "Each Sidecar lets its workloads reach the hosts they were "
        + scoping.call_graph.replace("declared and observed", "declared or observed")
        + " calling and the root",
        "namespace; workloads not selected by any of them keep seeing the whole mesh.",
    ]
    parts = [_comment("\n".join(header))]
    for resource in sorted(scoping.sidecars, key=lambda r: (r.namespace, r.name)):
        listed = ", ".join(resource.workloads)
        note = (
            f"applies to {resource.namespace}: {listed}\n"
            f"confidence {resource.confidence.value}: {resource.reason}"
        )
        body = block_yaml(sidecar_manifest(resource, plan.profile.mesh_version))
        parts.append("---\n" + _comment(note) + body)
    return {SIDECARS_FILE: "".join(parts).encode("utf-8")}


def dump_yaml(document: Any) -> str:
    """`document` as PyYAML writes it here: block style, keys in order, lines up to 1000."""
    text: str = yaml.dump(
        document,
        Dumper=_DUMPER,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1000,
    )
    return text


_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./*-]*")
"""Names and hosts YAML writes as they are, unless they read as another type (1.24, true)."""
_RESOLVER = yaml.resolver.Resolver()
_STR = "tag:yaml.org,2002:str"


@functools.lru_cache(maxsize=1 << 16)
def _scalar(value: str) -> str | None:
    """How `dump_yaml` writes `value` inside a block, or None where it would take more than one
    line (the caller then dumps the whole document)."""
    if _PLAIN.fullmatch(value):
        tag = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
        if tag == _STR:
            return value
    shown = dump_yaml([value])
    return shown[2:-1] if shown.startswith("- ") and shown.count("\n") == 1 else None


def _block(node: Any, indent: int, lines: list[str]) -> bool:
    """Append `node` (a mapping's items, or a sequence) in PyYAML's block style: nested mappings
    indented by two, sequences in a mapping not indented, a mapping in a sequence item starting
    on the item's line. False when a value needs what this does not write (an empty container,
    a scalar of several lines, a non-string)."""
    pad = " " * indent
    for key, value in node.items():
        # only plain keys here: a quoted key over several lines, or of 128 characters or more,
        # is written as a complex key ("? ")
        if not (isinstance(key, str) and len(key) < 128 and _scalar(key) == key):
            return False
        shown_key = key
        if isinstance(value, str):
            shown = _scalar(value)
            if shown is None:
                return False
            lines.append(f"{pad}{shown_key}: {shown}")
        elif isinstance(value, dict) and value:
            lines.append(f"{pad}{shown_key}:")
            if not _block(value, indent + 2, lines):
                return False
        elif isinstance(value, list) and value:
            lines.append(f"{pad}{shown_key}:")
            for item in value:
                if isinstance(item, str):
                    shown = _scalar(item)
                    if shown is None:
                        return False
                    lines.append(f"{pad}- {shown}")
                elif isinstance(item, dict) and item:
                    start = len(lines)
                    if not _block(item, indent + 2, lines):
                        return False
                    lines[start] = f"{pad}- " + lines[start][indent + 2 :]
                else:
                    return False
        else:
            return False
    return True


def block_yaml(document: dict[str, Any]) -> str:
    """`dump_yaml(document)`, written without PyYAML's representer for the shapes manifests
    have (at 20,000 Sidecars the representer took 2 s); anything else goes to PyYAML."""
    lines: list[str] = []
    if document and _block(document, 0, lines):
        return "\n".join(lines) + "\n"
    return dump_yaml(document)
