"""helm/: keys the charts have, gateway values the chart's schema takes, the plan's numbers.

The files for the bundled sample are golden files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from models.knobs import Knobs, MeshKind
from models.plan import Plan
from planner.inputs.load import read_inventory
from planner.meshes.profiles import load_builtin_profile
from planner.pipeline import build_plan
from reports.gitops.commented_yaml import plain
from reports.gitops.helm import gateway_values_file, istiod_block, render_helm
from tests.conftest import FIXTURES, assert_golden_tree, write
from tests.quantities import mebibytes, millicores
from tests.test_patches import CLUSTER, documents, plan_from, run_sample

ISTIO = FIXTURES / "istio"
INTERNAL = "_internal_defaults_do_not_set"
"""The charts ship their defaults under this key; users set the same keys at the top level."""
DISCOVERY_DEFAULTS = yaml.safe_load((ISTIO / "istio-discovery-values.yaml").read_text("utf-8"))[
    INTERNAL
]
GATEWAY_DEFAULTS = yaml.safe_load((ISTIO / "istio-gateway-values.yaml").read_text("utf-8"))[
    INTERNAL
]
GATEWAY_SCHEMA = json.loads((ISTIO / "istio-gateway-values.schema.json").read_text("utf-8"))

# Key paths written that the chart's default values do not show, each with why the chart takes it.
ISTIOD_ALLOWED: dict[tuple[str, ...], str] = {
    ("resources", "limits", "cpu"): (
        "`resources` is a Kubernetes ResourceRequirements the chart renders with toYaml into the "
        "discovery container (templates/deployment.yaml); its default shows requests only. The "
        "same chart's global.proxy.resources has limits.cpu and limits.memory."
    ),
    ("resources", "limits", "memory"): "as resources.limits.cpu",
    ("meshConfig", "discoverySelectors"): (
        "meshConfig takes any MeshConfig field (the chart's comment points to "
        "istio.io/docs/reference/config/istio.mesh.v1alpha1/); discoverySelectors is one "
        "(istio.io/latest/docs/ops/configuration/mesh/configuration-scoping: 'configured during "
        "installation as part of meshConfig'). Its items are checked as LabelSelectors below."
    ),
}
LABEL_SELECTOR_OPERATORS = {"In", "NotIn", "Exists", "DoesNotExist"}


def leaf_paths(data: Any, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """Every path to a scalar, a list or an empty mapping."""
    if isinstance(data, dict) and data:
        return {p for k, v in data.items() for p in leaf_paths(v, (*prefix, k))}
    return {prefix}


def unknown_paths(
    values: Any, defaults: Any, allowed: dict[tuple[str, ...], str] | None = None
) -> list[str]:
    """Key paths of `values` that the chart's defaults do not have and no allowance covers."""
    unknown = []
    for path in sorted(leaf_paths(values)):
        if path in (allowed or {}):
            continue
        node = defaults
        for key in path:
            if not isinstance(node, dict) or key not in node:
                unknown.append(".".join(path))
                break
            node = node[key]
    return unknown


def label_selector_problems(selectors: Any) -> list[str]:
    """What makes `selectors` not a list of Kubernetes LabelSelectors."""
    problems = []
    for selector in selectors:
        if not set(selector) <= {"matchLabels", "matchExpressions"}:
            problems.append(f"unknown selector fields {sorted(set(selector))}")
        for expression in selector.get("matchExpressions", []):
            if set(expression) != {"key", "operator", "values"}:
                problems.append(f"expression fields {sorted(expression)}")
            elif expression["operator"] not in LABEL_SELECTOR_OPERATORS:
                problems.append(f"operator {expression['operator']}")
            elif not all(isinstance(v, str) for v in expression["values"]):
                problems.append("values that are not strings")
    return problems


def gateway_schema_errors(values: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(GATEWAY_SCHEMA)
    return [e.message for e in validator.iter_errors(values)]


def resources_of(block: Any) -> tuple[float, float, float, float]:
    """(CPU request, CPU limit) in millicores and (memory request, limit) in MiB."""
    return (
        float(millicores(block["requests"]["cpu"])),
        float(millicores(block["limits"]["cpu"])),
        float(mebibytes(block["requests"]["memory"])),
        float(mebibytes(block["limits"]["memory"])),
    )


def expected_istiod(plan: Plan) -> dict[str, Any]:
    """istiod-values.yaml as the plan says it should read, written out independently."""
    control, default = plan.control_plane.component("istiod"), plan.proxy_default
    per = control.per_replica
    values: dict[str, Any] = {
        "replicaCount": control.replicas,
        "autoscaleEnabled": True,
        "autoscaleMin": control.autoscale_min,
        "autoscaleMax": control.autoscale_max,
        "cpu": {"targetAverageUtilization": control.autoscale_target_cpu_percent},
        "resources": {
            "requests": {
                "cpu": f"{per.cpu_request_millicores}m",
                "memory": f"{per.memory_request_mib}Mi",
            },
            "limits": {
                "cpu": f"{per.cpu_limit_millicores}m",
                "memory": f"{per.memory_limit_mib}Mi",
            },
        },
        "global": {
            "proxy": {
                "resources": {
                    "requests": {
                        "cpu": f"{default.cpu_request_millicores}m",
                        "memory": f"{default.memory_request_mib}Mi",
                    },
                    "limits": {
                        "cpu": f"{default.cpu_limit_millicores}m",
                        "memory": f"{default.memory_limit_mib}Mi",
                    },
                }
            }
        },
    }
    discovery = plan.scoping.discovery if plan.scoping is not None else None
    if discovery is not None and discovery.excluded:
        values["meshConfig"] = {
            "discoverySelectors": [
                {
                    "matchExpressions": [
                        {
                            "key": "kubernetes.io/metadata.name",
                            "operator": "NotIn",
                            "values": sorted(e.namespace for e in discovery.excluded),
                        }
                    ]
                }
            ]
        }
    return values


# ---- the bundled sample --------------------------------------------------------------------


def test_sample_values_are_exactly_as_reviewed(sample: Path, update_golden: bool) -> None:
    _, files = run_sample(sample, "helm")
    values = {k.removeprefix("helm/"): v for k, v in files.items() if k.startswith("helm/")}
    assert sorted(values) == [
        "gateway-values.istio-system.istio-ingressgateway.yaml",
        "istiod-values.yaml",
    ]
    assert_golden_tree("sample-helm", values, update_golden)


def test_values_are_exactly_the_plans_numbers(sample: Path) -> None:
    plan, files = run_sample(sample, "helm")
    (istiod,) = documents(files["helm/istiod-values.yaml"])
    assert istiod == expected_istiod(plan)
    (gateway,) = plan.gateways
    (values,) = documents(files[f"helm/{gateway_values_file(gateway)}"])
    per = gateway.per_replica
    assert values == {
        "replicaCount": gateway.replicas,
        "autoscaling": {
            "enabled": True,
            "minReplicas": gateway.autoscale_min,
            "maxReplicas": gateway.autoscale_max,
            "targetCPUUtilizationPercentage": gateway.autoscale_target_cpu_percent,
        },
        "resources": {
            "requests": {
                "cpu": f"{per.cpu_request_millicores}m",
                "memory": f"{per.memory_request_mib}Mi",
            },
            "limits": {
                "cpu": f"{per.cpu_limit_millicores}m",
                "memory": f"{per.memory_limit_mib}Mi",
            },
        },
    }
    assert resources_of(values["resources"]) == (
        per.cpu_request_millicores,
        per.cpu_limit_millicores,
        per.memory_request_mib,
        per.memory_limit_mib,
    )
    default = plan.proxy_default
    assert resources_of(istiod["global"]["proxy"]["resources"]) == (
        default.cpu_request_millicores,
        default.cpu_limit_millicores,
        default.memory_request_mib,
        default.memory_limit_mib,
    )


def test_every_value_has_a_comment_and_every_file_a_header(sample: Path) -> None:
    plan, files = run_sample(sample, "helm")
    for name, content in files.items():
        if not name.startswith("helm/"):
            continue
        lines = content.decode("utf-8").splitlines()
        assert lines[1].startswith(f"# Generated by mesh-planner {plan.tool.version} from inputs ")
        assert lines[2].startswith(
            f"# Inputs: cluster.csv (workloads, {plan.inputs[0].rows} rows, fingerprint "
        )
        for line in lines:
            value = (
                line.split(":", 1)[1].strip() if ":" in line and not line.startswith("#") else ""
            )
            if value[:1].isdigit():
                assert " # " in line, f"{name}: {line!r} has no comment"


# ---- key paths -----------------------------------------------------------------------------


def test_every_istiod_key_exists_in_the_chart(sample: Path) -> None:
    _, files = run_sample(sample, "helm")
    (values,) = documents(files["helm/istiod-values.yaml"])
    assert unknown_paths(values, DISCOVERY_DEFAULTS, ISTIOD_ALLOWED) == []
    assert label_selector_problems(values["meshConfig"]["discoverySelectors"]) == []
    # every allowance is used, so none outlives the reason it was granted
    assert set(ISTIOD_ALLOWED) <= leaf_paths(values)


def test_every_gateway_key_exists_in_the_chart_and_passes_its_schema(sample: Path) -> None:
    _, files = run_sample(sample, "helm")
    for name, content in files.items():
        if name.startswith("helm/gateway-values."):
            (values,) = documents(content)
            assert unknown_paths(values, GATEWAY_DEFAULTS) == []
            assert gateway_schema_errors(values) == []


@pytest.mark.parametrize(
    ("path", "misspelt"),
    [(("autoscaleMin",), "autoscaleMn"), (("global", "proxy", "resources"), "resource")],
)
def test_a_misspelt_istiod_key_fails(sample: Path, path: tuple[str, ...], misspelt: str) -> None:
    _, files = run_sample(sample, "helm")
    (values,) = documents(files["helm/istiod-values.yaml"])
    parent = values
    for key in path[:-1]:
        parent = parent[key]
    parent[misspelt] = parent.pop(path[-1])
    unknown = unknown_paths(values, DISCOVERY_DEFAULTS, ISTIOD_ALLOWED)
    prefix = ".".join((*path[:-1], misspelt))
    assert unknown
    assert all(p == prefix or p.startswith(prefix + ".") for p in unknown)


@pytest.mark.parametrize(
    ("path", "misspelt", "schema_catches"),
    [
        (("replicaCount",), "replicaCont", True),
        (("autoscaling", "minReplicas"), "minReplica", False),
        (("resources", "limits"), "limit", False),
    ],
)
def test_a_misspelt_gateway_key_fails(
    sample: Path, path: tuple[str, ...], misspelt: str, schema_catches: bool
) -> None:
    _, files = run_sample(sample, "helm")
    (values,) = documents(files["helm/gateway-values.istio-system.istio-ingressgateway.yaml"])
    parent = values
    for key in path[:-1]:
        parent = parent[key]
    parent[misspelt] = parent.pop(path[-1])
    unknown = unknown_paths(values, GATEWAY_DEFAULTS)
    prefix = ".".join((*path[:-1], misspelt))
    assert unknown
    assert all(p == prefix or p.startswith(prefix + ".") for p in unknown)
    assert (gateway_schema_errors(values) != []) is schema_catches


def test_a_wrong_type_fails_the_gateway_schema(sample: Path) -> None:
    _, files = run_sample(sample, "helm")
    (values,) = documents(files["helm/gateway-values.istio-system.istio-ingressgateway.yaml"])
    values["resources"]["requests"]["cpu"] = 0.16
    assert gateway_schema_errors(values) == ["0.16 is not of type 'string', 'null'"]


# ---- other plans ---------------------------------------------------------------------------


def test_without_traffic_there_are_no_discovery_selectors(tmp_path: Path) -> None:
    plan = plan_from(tmp_path, CLUSTER + "shop,web,2,Deployment,\n")
    text = render_helm(plan)["helm/istiod-values.yaml"].decode("utf-8")
    assert "# No traffic table was given: no discovery selectors are recommended.\n" in text
    assert documents(text.encode("utf-8")) == [expected_istiod(plan)]


def test_every_gateway_gets_its_own_file(tmp_path: Path) -> None:
    cluster = (
        "namespace,workload,replicas,role\n"
        "shop,web,2,workload\n"
        "istio-system,istio-ingressgateway,2,ingress-gateway\n"
        "edge,public-gateway,3,ingress-gateway\n"
        "istio-system,istio-egressgateway,2,egress-gateway\n"
        "edge.x,gw,1,ingress-gateway\n"
        "edge,x.gw,1,ingress-gateway\n"
    )
    inventory = read_inventory(write(tmp_path / "gateways.csv", cluster), None)
    plan = build_plan(inventory, None, load_builtin_profile(MeshKind.ISTIO_SIDECAR), Knobs())
    files = render_helm(plan)
    gateways = sorted(k for k in files if k.startswith("helm/gateway-values."))
    assert len(gateways) == len(plan.gateways) == 5
    assert "helm/gateway-values.edge.public-gateway.yaml" in gateways
    assert "helm/gateway-values.istio-system.istio-egressgateway.yaml" in gateways
    # "edge.x" is no namespace name: it is hashed, so it cannot collide with edge/x.gw
    assert "helm/gateway-values.edge.x.gw.yaml" in gateways
    assert len(set(gateways)) == 5
    for name in gateways:
        (values,) = documents(files[name])
        assert gateway_schema_errors(values) == []
        assert unknown_paths(values, GATEWAY_DEFAULTS) == []


@pytest.mark.parametrize("name", ["../../etc", "a/b", "..", ".", "<x>", "a b", "a\u2028b"])
def test_gateway_file_names_stay_in_the_folder(sample: Path, name: str) -> None:
    plan, _ = run_sample(sample)
    (gateway,) = plan.gateways
    for field in ("namespace", "workload"):
        renamed = gateway.model_copy(update={field: name})
        file_name = gateway_values_file(renamed)
        assert "/" not in file_name
        assert file_name.startswith("gateway-values.")
        assert file_name.endswith(".yaml")
        assert file_name.isprintable()
        assert ".." not in file_name


def test_the_istiod_block_is_what_both_forms_share(sample: Path) -> None:
    plan, _ = run_sample(sample)
    shared = {k: v for k, v in expected_istiod(plan).items() if k not in ("global", "meshConfig")}
    assert plain(istiod_block(plan)) == shared
