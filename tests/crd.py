"""Istio's Sidecar CRD schema as a strict validator reads it, for tests of generated Sidecars."""

from __future__ import annotations

import copy
import re
from typing import Any

import yaml

from tests.conftest import FIXTURES

CRD = yaml.safe_load((FIXTURES / "istio" / "sidecar-crd.yaml").read_text("utf-8"))
HOST = re.compile(r"^(\.|\*|~|[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)/(\*|\*\.[^/*]+|[^/*]+)$")
"""An egress host as the Sidecar API documents it: `namespace/dnsName`."""


def strict(schema: Any) -> Any:
    """The CRD schema as `kubectl apply --validate=strict` reads it: unknown fields rejected."""
    schema = copy.deepcopy(schema)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            open_ended = "additionalProperties" in node or node.get(
                "x-kubernetes-preserve-unknown-fields"
            )
            if "properties" in node and not open_ended:
                node["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


def schema_for(api_version: str) -> Any:
    """The strict schema of the Sidecar CRD version named by `api_version`."""
    version = api_version.split("/")[1]
    found = next(v for v in CRD["spec"]["versions"] if v["name"] == version)
    return strict(found["schema"]["openAPIV3Schema"])
