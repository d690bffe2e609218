"""istio-operator.yaml: the Helm overrides in IstioOperator form, for `istioctl install -f`.

Field names were checked against istio/istio's operator API (tests/fixtures/istio/SOURCES.md
cites the files): `spec.values` passes through to the charts, `values.pilot` reaching the istiod
chart (operator/pkg/component/component.go: the pilot component's values root is `pilot`), so
istiod's settings are `values.pilot.resources`, `replicaCount`, `autoscaleEnabled`,
`autoscaleMin`, `autoscaleMax` (PilotConfig in operator/pkg/apis/values_types.proto) and the
sidecar default is `values.global.proxy.resources`; `spec.meshConfig` is copied to
`values.meshConfig` (operator/pkg/render/manifest.go). Gateways installed by istioctl are
`spec.components.ingressGateways[]` / `egressGateways[]` with `name`, `namespace`, `enabled`
and `k8s` (operator/pkg/apis/types.go, KubernetesResources): `k8s.resources` is patched into the
gateway's container and `k8s.hpaSpec` into its HorizontalPodAutoscaler
(operator/pkg/render/postprocess.go). `k8s.replicaCount` is left out: istioctl warns when it is
set with autoscaling on (operator/pkg/apis/validation/validation.go).
"""

from __future__ import annotations

from models.plan import GatewayPlan, Plan, Role
from reports.gitops.commented_yaml import Node, dump, header
from reports.gitops.helm import discovery_block, gateway_block, istiod_block, proxy_default_block
from reports.gitops.kube import is_namespace_name, is_object_name
from reports.gitops.provenance import formula
from reports.gitops.provenance import header as provenance

OPERATOR_FILE = "istio-operator.yaml"


def _gateway_component(plan: Plan, gateway: GatewayPlan) -> Node:
    block = gateway_block(plan, gateway)
    autoscaling = block["autoscaling"]
    assert isinstance(autoscaling, dict)
    return {
        "name": gateway.workload,
        "namespace": gateway.namespace,
        "enabled": True,
        "k8s": {
            "resources": block["resources"],
            "hpaSpec": {
                "minReplicas": autoscaling["minReplicas"],
                "maxReplicas": autoscaling["maxReplicas"],
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {
                                "type": "Utilization",
                                "averageUtilization": autoscaling["targetCPUUtilizationPercentage"],
                            },
                        },
                    }
                ],
            },
        },
    }


def render_operator(plan: Plan) -> dict[str, bytes]:
    """istio-operator.yaml: one IstioOperator with istiod, the sidecar default, the discovery
    selectors and every gateway whose names Kubernetes accepts."""
    selectors, discovery_notes = discovery_block(plan)
    pilot = istiod_block(plan)
    spec: dict[str, Node] = {}
    if selectors is not None:
        spec["meshConfig"] = {"discoverySelectors": selectors}
    spec["values"] = {
        "global": {"proxy": {"resources": proxy_default_block(plan)}},
        "pilot": dict(pilot),
    }
    components: dict[str, Node] = {}
    skipped: list[str] = []
    kinds = ((Role.INGRESS_GATEWAY, "ingressGateways"), (Role.EGRESS_GATEWAY, "egressGateways"))
    for role, key in kinds:
        listed: list[Node] = []
        for gateway in sorted(plan.gateways, key=lambda g: (g.namespace, g.workload)):
            if gateway.role != role:
                continue
            if is_namespace_name(gateway.namespace) and is_object_name(gateway.workload):
                listed.append(_gateway_component(plan, gateway))
            else:
                skipped.append(f'"{gateway.namespace}"/"{gateway.workload}": not a Kubernetes name')
        if listed:
            components[key] = listed
    if components:
        spec["components"] = components
    document: dict[str, Node] = {
        "apiVersion": "install.istio.io/v1alpha1",
        "kind": "IstioOperator",
        "metadata": {"name": "mesh-planner"},
        "spec": spec,
    }
    lines = [
        *provenance(plan, "IstioOperator overrides for istioctl (the Helm values in this form)."),
        "Apply after your own IstioOperator, so these win: istioctl install -f your-operator.yaml "
        "-f istio-operator.yaml",
        "Maps merge; lists replace: if yours lists ingressGateways or egressGateways, copy the",
        "k8s.resources and k8s.hpaSpec below into your entries instead.",
        f"Mesh-wide sidecar default: {plan.proxy_default.rule}.",
        f"Request formula: {formula(plan, 'request')}. Limits: {formula(plan, 'limits')}.",
        *discovery_notes,
    ]
    if skipped:
        lines += ["Gateways not listed:", *(f"  {reason}" for reason in skipped)]
    return {OPERATOR_FILE: (header(lines) + dump(document)).encode("utf-8")}
