"""Regenerate the generated pages of docs/: accuracy.md (the model against published figures) and
inputs.md (the columns of every input table, from the table definitions the reader uses).

Usage: python scripts/docs.py [--check]
With --check, print the stale pages and exit 1 instead of writing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from models.knobs import MeshKind
from planner.inputs.folder import (
    COLLECT_FILE,
    NODES_FILE,
    SERVICES_FILE,
    TRAFFIC_FILE,
    WORKLOADS_FILE,
)
from planner.inputs.manifests import (
    DEFAULT_NAMESPACE,
    KUSTOMIZATION_FILES,
    MANIFEST_SUFFIXES,
    MAX_MANIFEST_MIB,
)
from planner.inputs.nodes import NODES_TABLE
from planner.inputs.tables import TableSpec
from planner.inputs.traffic_table import TRAFFIC_TABLE
from planner.inputs.workloads import PODS_TABLE, SERVICES_TABLE, WORKLOADS_TABLE
from planner.meshes.consul.profile import ConsulProfile
from planner.meshes.istio_ambient.profile import IstioAmbientProfile
from planner.meshes.istio_sidecar.profile import IstioSidecarProfile
from planner.meshes.linkerd.profile import LinkerdProfile
from planner.meshes.profiles import load_builtin_profile
from tools.accuracy.ambient import ambient_section, evaluate_ambient
from tools.accuracy.cases import Role, evaluate, load_figures
from tools.accuracy.consul import consul_section, evaluate_consul
from tools.accuracy.derivations import leave_one_out
from tools.accuracy.linkerd import evaluate_linkerd, linkerd_section
from tools.accuracy.page import render_page

REPO = Path(__file__).resolve().parent.parent
COMMAND = "python scripts/docs.py"

_TABLE_NOTES = {
    "workloads": (
        "`--inventory`: one row per workload (Deployment, StatefulSet, DaemonSet...). Rates are at "
        "the percentile you size for (for example the p95 of a busy hour), all replicas together. "
        "Observed proxy usage is per pod: CPU at p95 over time, memory at the maximum."
    ),
    "pods": (
        "`--inventory` may be a pod table instead, recognised by its `pod` column (in Excel: a "
        "sheet named `pods`). Pods are rolled up to workloads: replicas are counted, `rps` and "
        "`outbound_rps` summed, observed proxy CPU taken at the p95 over pods and memory at the "
        "maximum. Pods of one workload must agree on kind, role, injection, Services and app "
        "requests."
    ),
    "services": (
        "`--services` (optional): one row per Service and workload behind it (a Service with "
        "three workloads behind it has three rows; one with none has one row and no workload). "
        "When given, it is the list of Services: without it every workload backs the Services of "
        "its `services` cell, or one Service named like itself with one port."
    ),
    "traffic": (
        "`--traffic` (optional): one row per edge and, if you like, per anything else you export "
        "(rows of the same edge are summed). Istio's labels are accepted as column names, so an "
        "export of `sum by (source_workload_namespace, source_workload, "
        "destination_service_namespace, destination_service_name, destination_workload, reporter) "
        "(rate(istio_requests_total[5m]))` can be given as it is: with a `reporter` column each "
        "edge counts the larger of its two reporters' sums, not both. A source of `unknown` is "
        "traffic from outside the mesh; destinations `PassthroughCluster`, `BlackHoleCluster` "
        "and `unknown` are hosts the mesh does not know. A destination written as an FQDN "
        "(`reviews.bookinfo.svc.cluster.local`) gives its own namespace. Where the traffic table "
        "has rows for a workload and direction it wins over the inventory's `rps` columns; "
        "requests into a Service are split over the workloads behind it by replicas, unless a row "
        "names the `destination_workload`. A row whose source workload or destination Service "
        "is not in the inventory is normal drift in a collected table (a workload deleted "
        "during the window, traffic from a namespace the inventory does not cover): it is left "
        "out of sizing, and a finding names what was left out (the first few names, how many "
        "more, the rows and their rps); a `destination_workload` not in the inventory is "
        "cleared, so that the Service's workloads take the requests, with a finding too. "
        "`planner size --strict` makes each of them an error naming the row (`planner compare` "
        "always does)."
    ),
    "nodes": (
        "`--nodes` (optional): the cluster's nodes, one row per node, for the mesh's cost per node "
        "(plan.json `nodes`, and the summary's per-node line). `--nodes` also takes a number "
        "(`--nodes 40`) for a cluster being planned; without the flag, a pod table's `node` "
        "column gives the nodes its pods run on (and the flag wins when both are given, with a "
        "finding). Where the pods per node are unknown (a number, or a table without `pods`) "
        "they are taken as spread evenly; otherwise the meshed pods are taken to spread like "
        "all pods, so the busiest node carries its share of the sidecars. `cpu_cores` and "
        "`memory_gib` (allocatable, as `kubectl get nodes` shows it) count only when every node "
        "gives them: the plan then states the mesh's share of the nodes' capacity, and a finding "
        "says when the busiest node's sidecars take more than a quarter of its CPU or memory."
    ),
}


def inputs_page() -> str:
    """docs/inputs.md, one table per input file."""
    lines = [
        "# Inputs",
        "",
        f"Generated by `{COMMAND}` from the table definitions `planner size` reads with; do not "
        "edit by hand.",
        "",
        "Every table is a CSV file (UTF-8, with or without a byte-order mark, comma-separated) or "
        "an Excel `.xlsx` workbook with the table in the sheet named below, column names in row 1. "
        "Column names are matched ignoring case, spaces and hyphens. A column named almost like a "
        "known one (`replica`, `namspace`) is an error that suggests the right name; other extra "
        "columns are ignored and listed in the plan's findings. Errors name the file, the row (as "
        "a spreadsheet numbers it: the header is row 1), the column, and what to do.",
        "",
    ]
    for spec in (WORKLOADS_TABLE, PODS_TABLE):
        lines += _table_section(spec)
    lines += manifests_section()
    for spec in (SERVICES_TABLE, TRAFFIC_TABLE, NODES_TABLE):
        lines += _table_section(spec)
    lines += folders_section()
    return "\n".join(lines)


def folders_section() -> list[str]:
    """What a folder given as --inventory is read as."""
    suffixes = ", ".join(f"`{s}`" for s in MANIFEST_SUFFIXES)
    kustomizations = " and ".join(f"`{k}`" for k in KUSTOMIZATION_FILES)
    return [
        "## Folders",
        "",
        "`--inventory` may be a folder, read in one of two ways.",
        "",
        f"**A folder of tables** holds `{WORKLOADS_FILE}` (as `planner collect` writes them): "
        f"`{WORKLOADS_FILE}` is the workloads (or pods) table, `{SERVICES_FILE}`, when present, "
        f"the services table (so `--services` cannot be given with it), `{TRAFFIC_FILE}`, "
        "when present and `--traffic` is not given, the traffic table, and "
        f"`{NODES_FILE}`, when present and `--nodes` is not given, the nodes table (planner "
        "size and planner compare alike). When the folder holds "
        f"`{COLLECT_FILE}` (what `planner collect` records of a collection), two of its keys are "
        "read, both optional: `window_seconds` (a whole number of seconds) is the traffic "
        "window when `--traffic-window` is not given, and the date part of `end` (an RFC 3339 "
        "time such as `2026-11-20T06:00:00Z`, the date as written) is `--inputs-date` when that "
        f"is not given. Each taken from the folder is a finding in the summary. A malformed "
        f"`{COLLECT_FILE}` (not JSON, not an object, a key of the wrong type) is an error naming "
        "it; every other key is left alone. A flag always wins over the folder.",
        "",
        f"**Any other folder is a folder of manifests**: every {suffixes} file under it, in every "
        "sub-folder, read together as one inventory (a kustomize base, the output of `helm "
        "template --output-dir`), in the order of their paths relative to the folder. Hidden "
        "files and folders (a leading dot) are skipped, links to folders are not followed, "
        f"files that hold no object are skipped with a finding, and {kustomizations} are "
        "kustomize's own files: they are not applied (no patches, name prefixes or namespace "
        "from them; size the output of `kubectl kustomize` for that), with a finding. Any "
        "other file of those suffixes must hold Kubernetes objects, and an object that two "
        "files both hold (the same kind, API group, namespace and name) is an error naming both "
        "files and the object's number in each (`base/web.yaml object 1 and "
        "overlay/all.yaml object 3`). An empty folder, or one with no object in it, is an "
        "error. Errors name each file by its path as given; findings name the folder by its "
        "own name and `plan.json`'s `inputs` list each file by its path relative to the "
        "folder, with the number of objects it holds and a fingerprint of its objects (their "
        "order and how they are written, YAML or JSON, do not count), so the plan does not "
        "depend on where the folder lies.",
        "",
    ]


def manifests_section() -> list[str]:
    """How Kubernetes manifests given as --inventory become the workloads and Services."""
    suffixes = ", ".join(f"`{s}`" for s in MANIFEST_SUFFIXES)
    return [
        f"## Kubernetes manifests ({suffixes})",
        "",
        "`--inventory` may be Kubernetes manifests instead of a table: a YAML file of one or "
        "more documents (a repository's manifests, or `kubectl get deploy,sts,ds,svc -A -o "
        "yaml`) or a JSON file (`kubectl get deploy,sts,ds,svc -A -o json`: a `List` with "
        "`items`, or a single object), or a folder of such files ([Folders](#folders)). The "
        "manifests hold the Services, so `--services` cannot "
        "be given with them. They hold no traffic and no usage: `rps`, `outbound_rps` and the "
        "observed proxy columns stay empty (give `--traffic`). Objects are numbered by their "
        "position in the file (the items of a List one by one), and errors name the object "
        "and field: `cluster.yaml object 9 (Deployment default/reviews-v1) field "
        "spec.template.spec.containers[0].resources.requests.cpu: ...`. YAML is read with "
        "PyYAML's safe loader (plain data only). A file larger than "
        f"{MAX_MANIFEST_MIB['.yaml']} MiB of YAML or {MAX_MANIFEST_MIB['.json']} MiB of JSON is "
        "refused: PyYAML is slow and needs much memory, so export a large cluster as JSON.",
        "",
        "| column | from the manifests |",
        "|---|---|",
        "| `namespace` | `metadata.namespace`; without it, the namespace `--namespace` names "
        "(what `kubectl apply -n` would use), else `"
        + DEFAULT_NAMESPACE
        + "` (what `kubectl apply` without `-n` does), counted in one finding that names it. "
        "`--namespace` must be a Kubernetes namespace name (a usage error otherwise) and is "
        "for manifests only: with a table, whose rows name their namespace, it is an error |",
        "| `workload` | `metadata.name` of a Deployment, StatefulSet, DaemonSet, CronJob, Argo "
        "Rollout, OpenShift DeploymentConfig, or a ReplicaSet, Job or Pod without "
        "`metadata.ownerReferences` (those with an owner are counted through it). Other kinds "
        "(ConfigMap, ServiceAccount, VirtualService, Gateway, HTTPRoute, a Knative `Service`...) "
        "are ignored and counted in one finding. Two workloads with one namespace and name are "
        "an error. |",
        "| `kind` | `kind` |",
        "| `replicas` | `spec.replicas`, 1 when absent; Job: `spec.parallelism`, 1 when absent; "
        "DaemonSet: `status.desiredNumberScheduled` (in `kubectl get` output), else 1 with a "
        "finding, as the node count is unknown; CronJob: 0, with a finding; Pod: 1 |",
        "| `labels` | the pod template's labels: `spec.template.metadata.labels` (CronJob: "
        "`spec.jobTemplate.spec.template.metadata.labels`, Pod: `metadata.labels`), sorted by "
        "key; `app=<workload>` when there are none |",
        "| `role` | Istio: `ingress-gateway` when the pod labels have `istio: ingressgateway` or "
        "`gateway.istio.io/managed` (but not `istio.io-mesh-controller`, a waypoint); "
        "`egress-gateway` for `istio: egressgateway`; else (and for Linkerd and Consul, whose "
        "manifests label no gateways) from the name, as for tables |",
        "| `mesh_injected` | as the mesh decides; see below |",
        "| `current_proxy_*` | the mesh's proxy resource annotations on the pod template: Istio's "
        "`sidecar.istio.io/proxyCPU`, `proxyMemory`, `proxyCPULimit`, `proxyMemoryLimit`; "
        "Linkerd's `config.linkerd.io/proxy-cpu-request`, `proxy-memory-request`, "
        "`proxy-cpu-limit`, `proxy-memory-limit`; Consul's "
        "`consul.hashicorp.com/sidecar-proxy-cpu-request`, `sidecar-proxy-memory-request`, "
        "`sidecar-proxy-cpu-limit`, `sidecar-proxy-memory-limit`; App Mesh's "
        "`appmesh.k8s.aws/cpuRequest`, `memoryRequest`, `cpuLimit`, `memoryLimit` |",
        "| `app_cpu_millicores`, `app_memory_mib` | the sum of `resources.requests.cpu` and "
        "`resources.requests.memory` over the pod's `containers`, without the mesh's proxy "
        "(`istio-proxy`, `linkerd-proxy`, `consul-dataplane`, `envoy`); a "
        "container with a limit and no request counts its limit (Kubernetes makes that its "
        "request); `initContainers` run before the app and do not count, except native sidecars "
        "(`restartPolicy: Always`). Quantities are Kubernetes' (`250m`, `0.5`, `1e3`, `128Mi`, "
        "`1Gi`, `500M`); empty when no container requests the resource |",
        "",
        "Which mesh: `--mesh` (or a mesh's version flag, or the `--profile` file's mesh) names "
        "it; without them, manifests carrying a mesh's marker are read with that mesh's rules "
        "(Istio: `sidecar.istio.io/inject`, `istio-injection`, `istio.io/rev`, "
        "`gateway.istio.io/managed`; Linkerd: `linkerd.io/inject`; Consul: "
        "`consul.hashicorp.com/connect-inject`, `consul.hashicorp.com/connect-inject-status`; App "
        "Mesh: `appmesh.k8s.aws/sidecarInjectorWebhook`), on "
        "a workload's pod template or a Namespace, and the summary and `plan.json` "
        "(`profile.mesh_chosen_by`) name the first object that showed it. Markers of more than "
        "one mesh in one file are an error asking for `--mesh`; a file with none is read as "
        "Istio.",
        "",
        "**Istio.** A pod gets a sidecar (`mesh_injected` true) unless one of these holds, in "
        "this order, as in Istio's injection policy:",
        "",
        "1. the pod uses `hostNetwork: true`;",
        "2. its `sidecar.istio.io/inject` label (or, without the label, annotation) is anything "
        "but `true`, `yes`, `y` or `on`;",
        "3. a Namespace object in the file labels its namespace `istio-injection=disabled`;",
        "4. some Namespace objects in the file are labelled for injection "
        "(`istio-injection=enabled` or `istio.io/rev`), the pod's namespace has a Namespace object "
        "that is not, and the pod's own labels do not ask for a sidecar "
        '(`sidecar.istio.io/inject: "true"` or `istio.io/rev`).',
        "",
        "Workload manifests do not carry namespace labels, so a namespace without a Namespace "
        "object in the file, or any namespace when no Namespace object in the file has an "
        "injection label, is taken as injected. The workloads that get no sidecar are counted "
        "in one finding.",
        "",
        "**Linkerd.** A pod gets a proxy unless it uses `hostNetwork: true`; otherwise its pod "
        "template's `linkerd.io/inject` decides when set (`enabled` or `ingress`: a proxy; "
        "`disabled`: none), else its Namespace object's annotation; with neither, no proxy. A "
        "namespace without a Namespace object in the file is taken as injected (its annotation "
        "cannot be seen).",
        "",
        "**Consul.** A pod gets a sidecar when its pod template's "
        "`consul.hashicorp.com/connect-inject` is true (Go's `ParseBool`: `true`, `t`, `1`) or it "
        "shows `consul.hashicorp.com/connect-inject-status: injected`; `false` or no annotation "
        "gives none (the chart's `connectInject.default` is false), and pods in `kube-system`, "
        "`kube-public` and the namespaces the chart's webhook selector leaves out never get one. "
        "Transparent proxy is on unless the pod's `consul.hashicorp.com/transparent-proxy` "
        "annotation, or else its Namespace's label of that name, is false; the explicit "
        "upstreams are read from `consul.hashicorp.com/connect-service-upstreams`, and the "
        "service a pod registers as from `consul.hashicorp.com/connect-service` (else the "
        "Service that selects it). Tables carry none of these: every meshed workload of a table "
        "uses transparent proxy.",
        "",
        "**AWS App Mesh.** A pod gets the Envoy sidecar when its pod template's "
        "`appmesh.k8s.aws/sidecarInjectorWebhook` annotation is `enabled`, or, without it, when "
        "its Namespace is labelled so (a namespace without a Namespace object in the file is "
        "taken as injected); `disabled` gives none. The App Mesh resources "
        "(`appmesh.k8s.aws`: VirtualNode, VirtualService, VirtualRouter, VirtualGateway, "
        "GatewayRoute) are read into the declared call graph (docs/appmesh.md); the workloads a "
        "VirtualGateway selects are ingress gateways.",
        "",
        "Services: a `Service` (`apiVersion: v1`) gives one row with `type` from `spec.type` "
        "(`Headless` for a ClusterIP Service with `clusterIP: None`) and `ports` the number of "
        "`spec.ports`. It is backed by the workloads of its namespace whose pod labels hold every "
        "pair of its `spec.selector`; a Service without a selector, and an ExternalName "
        "Service, is backed by none. An Istio `ServiceEntry` (`networking.istio.io`, any "
        "version) gives one row per `spec.hosts` entry, `type` `ServiceEntry`, in the "
        "ServiceEntry's namespace, `ports` the number of `spec.ports` (at least 1), backed by the "
        "workloads its `spec.workloadSelector.labels` select.",
        "",
    ]


def _table_section(spec: TableSpec) -> list[str]:
    lines = [
        f"## {spec.role.capitalize()} table (sheet `{spec.sheet}`)",
        "",
        _TABLE_NOTES[spec.role],
        "",
        "| column | unit | required | default | meaning | also accepted as |",
        "|---|---|---|---|---|---|",
    ]
    for column in spec.columns:
        aliases = ", ".join(f"`{a}`" for a in column.aliases)
        lines.append(
            f"| `{column.name}` | {column.unit} | {'yes' if column.required else 'no'} | "
            f"{column.default} | {column.meaning} | {aliases} |"
        )
    return [*lines, ""]


def accuracy_page() -> str:
    """docs/accuracy.md, from the model as it is now."""
    profile = load_builtin_profile(MeshKind.ISTIO_SIDECAR)
    assert isinstance(profile, IstioSidecarProfile)
    figures = load_figures(REPO / "data" / "published-figures.csv")
    results = evaluate(figures, profile)
    left_out = {
        r.case.key: leave_one_out(profile, figures, r.case.key)
        for r in results
        if r.case.role is Role.SOURCE
    }
    linkerd = load_builtin_profile(MeshKind.LINKERD)
    assert isinstance(linkerd, LinkerdProfile)
    section = linkerd_section(evaluate_linkerd(figures, linkerd), linkerd)
    consul = load_builtin_profile(MeshKind.CONSUL)
    assert isinstance(consul, ConsulProfile)
    section += consul_section(evaluate_consul(figures, consul), consul)
    ambient = load_builtin_profile(MeshKind.ISTIO_AMBIENT)
    assert isinstance(ambient, IstioAmbientProfile)
    section += ambient_section(evaluate_ambient(figures, ambient), ambient)
    return render_page(results, profile, COMMAND, left_out) + "\n".join(section)


PAGES: dict[str, Callable[[], str]] = {
    "docs/accuracy.md": accuracy_page,
    "docs/inputs.md": inputs_page,
}


def main(argv: list[str]) -> int:
    stale = []
    for name, render in PAGES.items():
        path = REPO / name
        text = render()
        current = path.read_text("utf-8") if path.exists() else ""
        if current == text:
            continue
        stale.append(name)
        if "--check" not in argv:
            path.write_text(text, encoding="utf-8")
            print(name)
    if stale and "--check" in argv:
        print(f"stale: {', '.join(stale)}; run {COMMAND}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
