"""istio-operator.yaml: IstioOperator's real fields, the Helm values' numbers, a golden file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from models.knobs import Knobs, MeshKind
from planner.inputs.load import read_inventory
from planner.meshes.profiles import load_builtin_profile
from planner.pipeline import build_plan
from reports.gitops.operator import OPERATOR_FILE, render_operator
from tests.conftest import FIXTURES, assert_golden, write
from tests.test_helm import (
    DISCOVERY_DEFAULTS,
    ISTIOD_ALLOWED,
    expected_istiod,
    label_selector_problems,
    unknown_paths,
)
from tests.test_patches import documents, run_sample

FIELDS: dict[str, list[str]] = yaml.safe_load(
    (FIXTURES / "istio" / "istio-operator-fields.yaml").read_text("utf-8")
)


def operator_problems(document: dict[str, Any]) -> list[str]:
    """Fields of an IstioOperator that Istio's operator API does not have, or that the istiod
    chart does not take under `values`."""
    problems: list[str] = []

    def check(found: Any, allowed: str, where: str) -> None:
        problems.extend(f"{where}.{k}" for k in sorted(set(found) - set(FIELDS[allowed])))

    check(document, "top", "")
    spec = document["spec"]
    check(spec, "spec", "spec")
    for kind, gateways in spec.get("components", {}).items():
        check({kind: None}, "components", "spec.components")
        for gateway in gateways:
            check(gateway, "gateway_component", f"spec.components.{kind}[]")
            k8s = gateway.get("k8s", {})
            check(k8s, "k8s", f"spec.components.{kind}[].k8s")
            check(k8s.get("hpaSpec", {}), "hpa_spec", f"spec.components.{kind}[].k8s.hpaSpec")
            resources = k8s.get("resources", {})
            check(resources, "resources", f"spec.components.{kind}[].k8s.resources")
            for part in resources.values():
                check(part, "resource_names", f"spec.components.{kind}[].k8s.resources")
    values = spec.get("values", {})
    pilot = values.get("pilot", {})
    check(pilot, "pilot", "spec.values.pilot")
    check(pilot.get("resources", {}), "pilot_resources", "spec.values.pilot.resources")
    # values pass through to the istiod chart: pilot.* are its top-level keys, global.* its global
    chart_view = {**pilot, "global": values.get("global", {})}
    if "meshConfig" in spec:
        chart_view["meshConfig"] = spec["meshConfig"]
        problems.extend(label_selector_problems(spec["meshConfig"]["discoverySelectors"]))
    problems.extend(
        f"spec.values.{p}" for p in unknown_paths(chart_view, DISCOVERY_DEFAULTS, ISTIOD_ALLOWED)
    )
    other = set(values) - {"pilot", "global"}
    problems.extend(f"spec.values.{k}" for k in sorted(other))
    return problems


def test_sample_operator_file_is_exactly_as_reviewed(sample: Path, update_golden: bool) -> None:
    _, files = run_sample(sample, "istio-operator")
    assert_golden("sample-istio-operator.yaml", files[OPERATOR_FILE], update_golden)


def test_every_field_is_a_real_istio_operator_field(sample: Path) -> None:
    _, files = run_sample(sample, "istio-operator")
    (document,) = documents(files[OPERATOR_FILE])
    assert operator_problems(document) == []


@pytest.mark.parametrize(
    ("path", "misspelt"),
    [
        (("spec", "components"), "component"),
        (("spec", "values", "pilot", "autoscaleMin"), "autoScaleMin"),
        (("spec", "components", "ingressGateways", 0, "k8s", "hpaSpec"), "hpa"),
        (("spec", "components", "ingressGateways", 0, "k8s", "resources", "limits"), "limit"),
        (("spec", "values", "global", "proxy"), "proxies"),
    ],
)
def test_a_misspelt_field_fails(sample: Path, path: tuple[Any, ...], misspelt: str) -> None:
    _, files = run_sample(sample, "istio-operator")
    (document,) = documents(files[OPERATOR_FILE])
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    parent[misspelt] = parent.pop(path[-1])
    assert operator_problems(document) != []


def test_the_operator_says_what_the_helm_values_say(sample: Path) -> None:
    plan, files = run_sample(sample, "istio-operator", "helm")
    (document,) = documents(files[OPERATOR_FILE])
    (istiod,) = documents(files["helm/istiod-values.yaml"])
    assert istiod == expected_istiod(plan)
    spec = document["spec"]
    assert spec["meshConfig"] == istiod["meshConfig"]
    assert spec["values"]["global"] == istiod["global"]
    assert spec["values"]["pilot"] == {
        k: v for k, v in istiod.items() if k not in ("global", "meshConfig")
    }
    (gateway,) = plan.gateways
    (values,) = documents(files["helm/gateway-values.istio-system.istio-ingressgateway.yaml"])
    assert spec["components"] == {
        "ingressGateways": [
            {
                "name": gateway.workload,
                "namespace": gateway.namespace,
                "enabled": True,
                "k8s": {
                    "resources": values["resources"],
                    "hpaSpec": {
                        "minReplicas": values["autoscaling"]["minReplicas"],
                        "maxReplicas": values["autoscaling"]["maxReplicas"],
                        "metrics": [
                            {
                                "type": "Resource",
                                "resource": {
                                    "name": "cpu",
                                    "target": {
                                        "type": "Utilization",
                                        "averageUtilization": gateway.autoscale_target_cpu_percent,
                                    },
                                },
                            }
                        ],
                    },
                },
            }
        ]
    }
    assert (document["apiVersion"], document["kind"]) == (
        "install.istio.io/v1alpha1",
        "IstioOperator",
    )


def test_gateways_go_to_their_role_and_bad_names_are_left_out(tmp_path: Path) -> None:
    cluster = (
        "namespace,workload,replicas,role\n"
        "shop,web,2,workload\n"
        "istio-system,istio-ingressgateway,2,ingress-gateway\n"
        "istio-system,istio-egressgateway,2,egress-gateway\n"
        "edge,Bad_Name,2,ingress-gateway\n"
    )
    inventory = read_inventory(write(tmp_path / "cluster.csv", cluster), None)
    plan = build_plan(inventory, None, load_builtin_profile(MeshKind.ISTIO_SIDECAR), Knobs())
    text = render_operator(plan)[OPERATOR_FILE]
    (document,) = documents(text)
    components = document["spec"]["components"]
    assert [g["name"] for g in components["ingressGateways"]] == ["istio-ingressgateway"]
    assert [g["name"] for g in components["egressGateways"]] == ["istio-egressgateway"]
    assert '#   "edge"/"Bad_Name": not a Kubernetes name\n' in text.decode("utf-8")
    assert "meshConfig" not in document["spec"]
    assert operator_problems(document) == []
