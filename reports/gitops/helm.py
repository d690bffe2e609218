"""helm/: values overrides for Istio's istiod and gateway charts, a comment on every number.

`helm/istiod-values.yaml` overrides the `istio/istiod` chart (manifests/charts/istio-control/
istio-discovery): istiod's own `resources`, `replicaCount`, `autoscaleEnabled`, `autoscaleMin`,
`autoscaleMax`, the mesh-wide sidecar default `global.proxy.resources` (the plan's
`proxy_default`) and `meshConfig.discoverySelectors` (the plan's discovery namespaces).
`helm/gateway-values.<namespace>.<gateway>.yaml`, one per gateway of the plan, overrides the
`istio/gateway` chart: `replicaCount`, `autoscaling` and `resources`. Every key exists in the
chart's default values (tests/test_helm.py checks it against a copy of them). The blocks are
built here once and reused by reports/gitops/operator.py for the IstioOperator form.
"""

from __future__ import annotations

from models.plan import GatewayPlan, Plan
from reports.gitops.commented_yaml import Commented, Node, dump, header
from reports.gitops.kube import file_stem, is_namespace_name
from reports.gitops.provenance import (
    assumption,
    cpu_request_note,
    formula,
    limits_note,
    memory_request_note,
    number,
    ratio,
    resources_block,
)
from reports.gitops.provenance import header as provenance

HELM_DIR = "helm"
ISTIOD_VALUES = f"{HELM_DIR}/istiod-values.yaml"
ISTIOD = "istiod"
"""The control-plane component these values size."""
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
"""The label Kubernetes (1.21+) puts on every namespace with its own name."""


def gateway_values_file(gateway: GatewayPlan) -> str:
    """`gateway-values.<namespace>.<name>.yaml`: unique per gateway (a namespace name holds no
    dot, so the first dot after the prefix ends it; other names get a hash), safe for any name."""
    namespace = file_stem(gateway.namespace, namespace=True)
    return f"gateway-values.{namespace}.{file_stem(gateway.workload)}.yaml"


def proxy_default_block(plan: Plan) -> Node:
    """`global.proxy.resources`: the mesh-wide sidecar default the plan chose."""
    default = plan.proxy_default
    as_resources = default.resources()
    notes = {
        key: f"the {what} most sized workloads' recommendations lie within "
        f"{ratio(default.threshold_ratio)} of (rule above)"
        for key, what in (
            ("cpu", "CPU request"),
            ("memory", "memory request"),
            ("cpu_limit", "CPU limit"),
            ("memory_limit", "memory limit"),
        )
    }
    block = resources_block(as_resources, notes, "proxy_default")
    return Commented(
        block,
        f"mesh-wide sidecar default: {default.workloads_within} workloads within it, "
        f"{default.workloads_patched} with a patch of their own (kustomize/)",
    )


def discovery_block(plan: Plan) -> tuple[Node | None, list[str]]:
    """`meshConfig.discoverySelectors` leaving out the namespaces the plan excludes, and what the
    file should say about it.

    The selector names what istiod may ignore (`NotIn`), not what it watches: a namespace
    created later is watched, as it is without selectors, so nothing new is hidden by surprise.
    With nothing to leave out, no selector is written.
    """
    if plan.scoping is None:
        return None, ["No traffic table was given: no discovery selectors are recommended."]
    discovery = plan.scoping.discovery
    assert discovery is not None, "Istio's scoping always recommends discovery selectors"
    notes = [f"Discovery selectors: {discovery.reason} (confidence {discovery.confidence.value})."]
    excluded = {e.namespace: e.reason for e in discovery.excluded}
    names = sorted(n for n in excluded if is_namespace_name(n))
    if not names:
        notes.append("No namespace can be left out: no discovery selectors are set.")
        return None, notes
    notes.append("Not watched: " + "; ".join(f"{ns} ({excluded[ns]})" for ns in names))
    notes.append(
        "Namespaces created later are watched (the selector lists what to ignore, not what to "
        "watch)."
    )
    left_out: list[Node] = [*names]
    selector: Node = [
        {
            "matchExpressions": [
                {"key": NAMESPACE_NAME_LABEL, "operator": "NotIn", "values": left_out}
            ]
        }
    ]
    return Commented(selector, f"istiod ignores {len(names)} namespaces"), notes


def istiod_block(plan: Plan) -> dict[str, Node]:
    """istiod's replicas, autoscaling and resources, as the istiod chart names them."""
    control = plan.control_plane.component(ISTIOD)
    per = control.per_replica
    headroom = ratio(plan.knobs.headroom_ratio)
    shared = (
        f"{control.driver('connected_proxies'):,.0f} proxies shared among {control.replicas} "
        f"replicas, {control.driver('endpoints'):,.0f} endpoints"
    )
    notes = {
        "cpu": (
            f"per replica: model estimate {number(per.estimated_cpu_millicores)}m ({shared}), "
            f"headroom {headroom}, at least "
            f"{assumption(plan, 'control_plane.cpu_request_floor_millicores')} (chart default)"
        ),
        "memory": (
            f"per replica: model estimate {number(per.estimated_memory_mib)}Mi ({shared}), "
            f"headroom {headroom}, at least "
            f"{assumption(plan, 'control_plane.memory_request_floor_mib')} (chart default); "
            "the rule of thumb gives "
            f"{number(control.guideline_memory_mib or 0.0)}Mi for one replica"
        ),
        "cpu_limit": "request x " + assumption(plan, "control_plane.cpu_limit_ratio").split(" ")[0],
        "memory_limit": "request x "
        + assumption(plan, "control_plane.memory_limit_ratio").split(" ")[0],
    }
    return {
        "replicaCount": Commented(
            control.replicas,
            f"used by the chart only while autoscaleEnabled is false; {control.replicas_rule}",
        ),
        "autoscaleEnabled": Commented(True, "the chart's HorizontalPodAutoscaler for istiod"),
        "autoscaleMin": Commented(control.autoscale_min, "the recommended replicas"),
        "autoscaleMax": Commented(
            control.autoscale_max,
            "room to grow: autoscaleMin x "
            + assumption(plan, "control_plane.autoscale_max_ratio").split(" ")[0],
        ),
        "cpu": {
            "targetAverageUtilization": Commented(
                control.autoscale_target_cpu_percent, _target_note(plan)
            )
        },
        "resources": Commented(
            resources_block(per, notes, "control_plane.per_replica"), "each istiod replica"
        ),
    }


def _target_note(plan: Plan) -> str:
    headroom = ratio(plan.knobs.headroom_ratio)
    return (
        f"% of the CPU request: scale out once half the headroom ({headroom}) is used, i.e. "
        "once load passes the sized figure"
    )


def gateway_block(plan: Plan, gateway: GatewayPlan) -> dict[str, Node]:
    """One gateway's replicas, autoscaling and per-replica resources (gateway chart names)."""
    proxy = gateway.per_replica
    notes = {
        "cpu": cpu_request_note(proxy, plan),
        "memory": memory_request_note(proxy, plan),
        "cpu_limit": limits_note(plan, "CPU"),
        "memory_limit": limits_note(plan, "memory"),
    }
    where = f"gateway {gateway.namespace}/{gateway.workload}"
    return {
        "replicaCount": Commented(
            gateway.replicas,
            f"used by the chart only while autoscaling.enabled is false; {gateway.replicas_rule}",
        ),
        "autoscaling": {
            "enabled": Commented(True, "the chart's HorizontalPodAutoscaler"),
            "minReplicas": Commented(
                gateway.autoscale_min,
                f"the recommended replicas for {number(gateway.throughput_rps)} rps "
                f"(now {gateway.current_replicas})",
            ),
            "maxReplicas": Commented(
                gateway.autoscale_max,
                "room to grow: minReplicas x "
                + assumption(plan, "gateway.autoscale_max_ratio").split(" ")[0],
            ),
            "targetCPUUtilizationPercentage": Commented(
                gateway.autoscale_target_cpu_percent, _target_note(plan)
            ),
        },
        "resources": Commented(resources_block(proxy, notes, where), "each gateway replica"),
    }


def render_helm(plan: Plan) -> dict[str, bytes]:
    """helm/istiod-values.yaml and one helm/gateway-values.<namespace>.<name>.yaml per gateway."""
    selectors, discovery_notes = discovery_block(plan)
    values: dict[str, Node] = {
        **istiod_block(plan),
        "global": {"proxy": {"resources": proxy_default_block(plan)}},
    }
    if selectors is not None:
        values["meshConfig"] = {"discoverySelectors": selectors}
    lines = [
        *provenance(plan, "Helm values for the istiod chart (istio/istiod)."),
        "Apply after your own values files, so these win: helm upgrade istiod istio/istiod -n "
        f"{plan.knobs.mesh_root_namespace} -f your-values.yaml -f istiod-values.yaml",
        "Keys as the current istiod chart takes them (checked against Istio 1.30); an older chart "
        "that nests istiod's settings under pilot: takes replicaCount, autoscale* and resources "
        "there.",
        f"Mesh-wide sidecar default: {plan.proxy_default.rule}.",
        f"Request formula: {formula(plan, 'request')}. Limits: {formula(plan, 'limits')}.",
        f"istiod memory: {plan.control_plane.component(ISTIOD).model_formula}.",
        *discovery_notes,
    ]
    files = {ISTIOD_VALUES: (header(lines) + dump(values)).encode("utf-8")}
    for gateway in sorted(plan.gateways, key=lambda g: (g.namespace, g.workload)):
        gateway_lines = [
            *provenance(
                plan,
                f"Helm values for the {gateway.role.value} {gateway.namespace}/"
                f"{gateway.workload} (istio/gateway chart).",
            ),
            "Apply after your own values files: helm upgrade <release> istio/gateway -n "
            f"{gateway.namespace} -f your-values.yaml -f {gateway_values_file(gateway)}",
            f"Gateway memory: the sidecar formula with every Service visible; request formula: "
            f"{formula(plan, 'request')}.",
        ]
        text = header(gateway_lines) + dump(gateway_block(plan, gateway))
        files[f"{HELM_DIR}/{gateway_values_file(gateway)}"] = text.encode("utf-8")
    return files
