"""Consul's hand-over files: the kustomize overlay with consul-k8s's sidecar resource
annotations and the recommended `ServiceIntentions`, and Helm values for the `consul` chart.

kustomize/<namespace>/intentions.yaml holds the ServiceIntentions of the services of that
namespace (consul.hashicorp.com/v1alpha1, one per destination service); the default deny (a
destination `*` with a `*` deny source) goes into the install namespace's folder. Applying them
is a security change as well as a sizing one: read the plan's `at_risk` list (in the HTML report
and at the top of each intentions.yaml) first.

helm/consul-values.yaml sets the mesh-wide sidecar default
(`connectInject.sidecarProxy.resources`, the plan's `proxy_default`), the servers' replicas,
resources, volume size and zone spread, the connect injector's replicas and resources, and the
CSR rate limit (`server.extraConfig`) when rotation at the default would take longer than the
documented bound. Every key path exists in the chart's values.yaml (tests/test_consul.py checks
it against a copy of it).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from models.knobs import OutputFormat
from models.plan import ComponentPlan, Plan, ServiceIntention
from reports.gitops.commented_yaml import Commented, Node, dump, header
from reports.gitops.helm import HELM_DIR
from reports.gitops.kube import is_namespace_name, is_object_name
from reports.gitops.kustomize import NamespaceFiles, ProxyPatch, render_overlay
from reports.gitops.provenance import formula, number, ratio, resources_block
from reports.gitops.provenance import header as provenance

VALUES_FILE = f"{HELM_DIR}/consul-values.yaml"
INTENTIONS_FILE = "intentions.yaml"
API_VERSION = "consul.hashicorp.com/v1alpha1"
SERVER = "consul-server"
CONNECT_INJECTOR = "connect-injector"

PATCH = ProxyPatch(
    cpu_request="consul.hashicorp.com/sidecar-proxy-cpu-request",
    cpu_limit="consul.hashicorp.com/sidecar-proxy-cpu-limit",
    memory_request="consul.hashicorp.com/sidecar-proxy-memory-request",
    memory_limit="consul.hashicorp.com/sidecar-proxy-memory-limit",
    default_where="helm/consul-values.yaml, connectInject.sidecarProxy.resources",
)
"""The pod-template annotations a workload patch sets (consul-k8s's annotations)."""


def render_kustomize(plan: Plan) -> dict[str, bytes]:
    """kustomize/ with Consul's sidecar resource annotations and ServiceIntentions."""
    return render_overlay(plan, PATCH, intention_files)


def intention_manifest(intention: ServiceIntention) -> Node:
    """One ServiceIntentions resource, each source with its reason as the description."""
    sources: list[Node] = [
        {"name": s.name, "action": s.action, "description": s.reason} for s in intention.sources
    ]
    return {
        "apiVersion": API_VERSION,
        "kind": "ServiceIntentions",
        "metadata": {"name": intention.name, "namespace": intention.namespace},
        "spec": {"destination": {"name": intention.destination}, "sources": sources},
    }


def intention_files(plan: Plan) -> tuple[dict[str, NamespaceFiles], list[str]]:
    """intentions.yaml per namespace, and the intentions whose names cannot be written."""
    scoping = plan.scoping
    assert scoping is not None
    by_namespace: dict[str, list[ServiceIntention]] = {}
    skipped: list[str] = []
    for intention in scoping.intentions:
        if is_namespace_name(intention.namespace) and is_object_name(intention.name):
            by_namespace.setdefault(intention.namespace, []).append(intention)
        else:
            skipped.append(
                f'ServiceIntentions "{intention.namespace}"/"{intention.name}": not a Kubernetes '
                "name"
            )
    out: dict[str, NamespaceFiles] = {}
    for namespace in sorted(by_namespace):
        files = NamespaceFiles()
        files.resources[INTENTIONS_FILE] = _intentions_text(
            plan, namespace, by_namespace[namespace]
        )
        out[namespace] = files
    return out, skipped


def _intentions_text(plan: Plan, namespace: str, intentions: list[ServiceIntention]) -> bytes:
    scoping = plan.scoping
    assert scoping is not None
    lines = [
        *provenance(plan, f"Consul ServiceIntentions recommended for namespace {namespace}."),
        f"traffic window: {scoping.traffic_window}. Intentions are a security change as well as a "
        "sizing one: with the default deny, a caller the observation missed is refused. What "
        "would break if it missed one:",
        *(f"  - {risk}" for risk in scoping.at_risk),
    ]
    parts = [header(lines)]
    for intention in sorted(intentions, key=lambda i: i.name):
        note = [
            f"destination {intention.destination}"
            + (f" (served by {', '.join(intention.workloads)})" if intention.workloads else ""),
            f"confidence {intention.confidence.value}: {intention.reason}",
        ]
        parts.append("---\n" + header(note) + dump(intention_manifest(intention)))
    return "".join(parts).encode("utf-8")


def _sidecar_block(plan: Plan) -> Node:
    default = plan.proxy_default
    as_resources = default.resources()
    within = ratio(default.threshold_ratio)
    notes = {
        "cpu": f"the CPU request most sized workloads' recommendations lie within {within} of",
        "memory": f"the memory request most workloads' recommendations lie within {within} of",
        "cpu_limit": "room for Envoy's worker threads (connectInject.sidecarProxy.concurrency)",
        "memory_limit": f"the memory limit most workloads' recommendations lie within {within} of",
    }
    return Commented(
        resources_block(as_resources, notes, "proxy_default"),
        f"mesh-wide sidecar default: {default.workloads_within} workloads within it, "
        f"{default.workloads_patched} with annotations of their own (kustomize/); without it: "
        f"{default.applies_today}",
    )


def _component_notes(plan: Plan, component: ComponentPlan) -> dict[str, str]:
    per = component.per_replica
    headroom = ratio(plan.knobs.headroom_ratio)
    modelled = component.shared_memory_terms or component.serving_memory_terms
    memory = (
        f"model estimate {number(per.estimated_memory_mib)}Mi per replica"
        if modelled
        else "no model: the chart's recommended production value"
    )
    return {
        "cpu": f"per replica: expected {number(per.estimated_cpu_millicores)}m, headroom "
        f"{headroom}, at least the chart's request",
        "memory": f"{memory}, headroom {headroom}, at least the chart's request",
        "cpu_limit": "request x the CPU limit ratio",
        "memory_limit": "request x the memory limit ratio, at least the chart's limit",
    }


def _server_block(plan: Plan, server: ComponentPlan) -> dict[str, Node]:
    drivers = ", ".join(f"{number(d.value)} {d.unit}" for d in server.drivers[:4])
    block: dict[str, Node] = {
        "replicas": Commented(server.replicas, server.replicas_rule),
        "resources": Commented(
            resources_block(server.per_replica, _component_notes(plan, server), server.title),
            f"{server.title}: {drivers}",
        ),
    }
    if server.storage is not None:
        block["storage"] = Commented(f"{server.storage.size_gib}Gi", server.storage.basis)
    if server.replicas >= 3 and plan.knobs.availability_zones != 1:
        block["topologySpreadConstraints"] = Commented(
            _zone_spread(),
            "spread the voters over the zones, so that losing one keeps the quorum",
        )
    needed = server.driver("csr_per_second_needed")
    default_rate = next(
        (a.value for a in plan.assumptions if a.name == "server.csr_max_per_second"), needed
    )
    if needed > default_rate:
        block["extraConfig"] = Commented(
            json.dumps({"connect": {"ca_config": {"csr_max_per_second": int(needed)}}}),
            f"re-sign {number(server.driver('service_instances'))} certificates within the "
            "documented bound; applies when the servers first start (afterwards: consul connect "
            "ca set-config)",
        )
    return block


def _zone_spread() -> str:
    """The servers' pods spread evenly over the zones (the chart takes a YAML string, with the
    chart's own labels templated in)."""
    return (
        "- maxSkew: 1\n"
        "  topologyKey: topology.kubernetes.io/zone\n"
        "  whenUnsatisfiable: DoNotSchedule\n"
        "  labelSelector:\n"
        "    matchLabels:\n"
        '      app: {{ template "consul.name" . }}\n'
        "      release: {{ .Release.Name }}\n"
        "      component: server\n"
    )


def render_helm(plan: Plan) -> dict[str, bytes]:
    """helm/consul-values.yaml."""
    components = plan.control_plane
    server = components.component(SERVER)
    injector = components.component(CONNECT_INJECTOR)
    values: dict[str, Node] = {
        "server": _server_block(plan, server),
        "connectInject": {
            "replicas": Commented(injector.replicas, injector.replicas_rule),
            "resources": resources_block(
                injector.per_replica, _component_notes(plan, injector), injector.title
            ),
            "sidecarProxy": {"resources": _sidecar_block(plan)},
        },
    }
    gateways = [
        f"{g.namespace}/{g.workload}: {g.replicas} replicas of "
        f"{g.per_replica.cpu_request_millicores}m / {g.per_replica.memory_request_mib}Mi "
        f"(limits {g.per_replica.cpu_limit_millicores}m / {g.per_replica.memory_limit_mib}Mi)"
        for g in plan.gateways
    ]
    lines = [
        *provenance(plan, "Helm values for the consul chart."),
        "Apply after your own values, so these win: helm upgrade consul hashicorp/consul -n "
        "consul -f your-values.yaml -f consul-values.yaml",
        f"Mesh-wide sidecar default: {plan.proxy_default.rule}.",
        f"Request formula: {formula(plan, 'request')}. Limits: {formula(plan, 'limits')}.",
        *(f"{c.title}: {c.model_formula}." for c in components.components),
    ]
    if server.storage is not None:
        lines.append(
            f"Server disk: {server.storage.iops:,} IOPS and "
            f"{server.storage.throughput_mib_per_s} MiB/s or more: choose a storageClass "
            "(server.storageClass) that gives them."
        )
    if gateways:
        lines += [
            "Gateways (set them in the gateway's own values: meshGateway, ingressGateways, "
            "terminatingGateways, or the API gateway's GatewayClassConfig):",
            *(f"  {g}" for g in gateways),
        ]
    return {VALUES_FILE: (header(lines) + dump(values)).encode("utf-8")}


HANDOVER: dict[OutputFormat, Callable[[Plan], dict[str, bytes]]] = {
    OutputFormat.KUSTOMIZE: render_kustomize,
    OutputFormat.HELM: render_helm,
}
