"""Plans for the report tests: the bundled sample, a mesh with hostile names, a large mesh, a
migration off App Mesh."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from models.knobs import Knobs, MeshKind, WaypointRule
from models.plan import Plan, WorkloadPlan
from planner import build_plan, load_builtin_profile, read_inventory, read_traffic
from planner.inputs.nodes import parse_nodes_option
from planner.meshes.istio_sidecar.profile import IstioSidecarProfile
from tests.conftest import DATA, FIXTURES, run_cli, write

WEEK_SECONDS = 7 * 24 * 3600.0

SCRIPT = "<script>alert(1)</script>"
HYPERLINK = '=HYPERLINK("http://x","y")'
DDE = "+cmd|' /C calc'!A0"
AT_SUM = "@SUM(1+1)"
MINUS = "-2+3"
HOSTILE_NAMES = (SCRIPT, HYPERLINK, DDE, AT_SUM, MINUS)


def istio_profile() -> IstioSidecarProfile:
    """The built-in Istio sidecar profile, typed as such."""
    profile = load_builtin_profile(MeshKind.ISTIO_SIDECAR)
    assert isinstance(profile, IstioSidecarProfile)
    return profile


def sample_plan(
    headroom_ratio: float = 0.25,
    nodes: str | None = None,
    mesh: MeshKind = MeshKind.ISTIO_SIDECAR,
    waypoints: WaypointRule | None = None,
) -> Plan:
    """The bundled sample with a week of traffic, as `planner size ... --traffic-window 7d`
    (and `--nodes NODES`: a count, or the path of a nodes table; `--mesh MESH`, `--waypoints
    WAYPOINTS`)."""
    inventory = read_inventory(DATA / "cluster.csv", DATA / "services.csv")
    traffic = read_traffic(DATA / "traffic.csv", inventory)
    knobs = Knobs(
        mesh=mesh,
        headroom_ratio=headroom_ratio,
        traffic_window_seconds=WEEK_SECONDS,
        waypoints=waypoints,
    )
    profile = load_builtin_profile(mesh)
    given = parse_nodes_option(nodes) if nodes is not None else None
    return build_plan(inventory, traffic, profile, knobs, nodes=given)


SAMPLE_NODES = str(DATA / "nodes.csv")
"""The bundled nodes table: six nodes with their pods and allocatable CPU and memory."""


def ambient_plan(nodes: str = SAMPLE_NODES) -> Plan:
    """The sample in Istio's ambient mode with a waypoint per namespace, on `nodes` (the bundled
    nodes table unless told), as `planner size ... --mesh istio-ambient --nodes NODES
    --waypoints namespace`: ztunnel and istio-cni run one per node."""
    return sample_plan(nodes=nodes, mesh=MeshKind.ISTIO_AMBIENT, waypoints=WaypointRule.NAMESPACE)


def mixed_ambient_plan(sidecar_namespace: str = "payments") -> Plan:
    """The sample in ambient mode as a mixed cluster: the pods of `sidecar_namespace` carry
    sidecar.istio.io/inject=true and keep their sidecars; a waypoint per ambient namespace."""
    inventory = read_inventory(DATA / "cluster.csv", DATA / "services.csv")
    workloads = inventory.workloads
    asks = workloads["namespace"] == sidecar_namespace
    labels = workloads["labels"].where(~asks, workloads["labels"] + ";sidecar.istio.io/inject=true")
    inventory = replace(inventory, workloads=workloads.assign(labels=labels))
    traffic = read_traffic(DATA / "traffic.csv", inventory)
    knobs = Knobs(
        mesh=MeshKind.ISTIO_AMBIENT,
        traffic_window_seconds=WEEK_SECONDS,
        waypoints=WaypointRule.NAMESPACE,
    )
    profile = load_builtin_profile(MeshKind.ISTIO_AMBIENT)
    return build_plan(inventory, traffic, profile, knobs, nodes=parse_nodes_option(SAMPLE_NODES))


def hostile_nodes(plan: Plan, source: str) -> Plan:
    """`plan` with its nodes said to come from `source` (markup, a formula, a DDE payload)."""
    assert plan.nodes is not None
    return plan.model_copy(update={"nodes": plan.nodes.model_copy(update={"source": source})})


def inventory_only_plan() -> Plan:
    """The sample's workloads table alone: no Services, no traffic, so no scoping."""
    inventory = read_inventory(DATA / "cluster.csv", None)
    return build_plan(inventory, None, load_builtin_profile(MeshKind.ISTIO_SIDECAR), Knobs())


HOSTILE_CLUSTER = f"""\
namespace,workload,replicas,rps,outbound_rps,proxy_cpu_millicores,app_cpu_millicores,app_memory_mib
"{SCRIPT}","{HYPERLINK.replace('"', '""')}",2,400,0,,250,512
"{DDE}",web,3,50,900,300,100,256
shop,"{AT_SUM}",4,120,0,,100,128
shop,"{MINUS}",1,10,0,,,
istio-system,istio-ingressgateway,2,800,0,,,
"""

HOSTILE_TRAFFIC = f"""\
source_namespace,source_workload,destination_namespace,destination_service,rps
"{DDE}",web,"{SCRIPT}","{HYPERLINK.replace('"', '""')}",400
"{DDE}",web,shop,"{AT_SUM}",120
istio-system,istio-ingressgateway,"{DDE}",web,50
shop,"{AT_SUM}",shop,"{MINUS}",10
"""


def write_hostile_inputs(folder: Path) -> tuple[Path, Path]:
    """cluster.csv and traffic.csv of a mesh whose names are markup, formulas and DDE payloads."""
    return (
        write(folder / "cluster.csv", HOSTILE_CLUSTER),
        write(folder / "traffic.csv", HOSTILE_TRAFFIC),
    )


def hostile_plan(folder: Path) -> Plan:
    """The plan of the hostile mesh, with a week of traffic."""
    cluster, traffic_csv = write_hostile_inputs(folder)
    inventory = read_inventory(cluster, None)
    traffic = read_traffic(traffic_csv, inventory)
    knobs = Knobs(traffic_window_seconds=WEEK_SECONDS)
    return build_plan(inventory, traffic, load_builtin_profile(MeshKind.ISTIO_SIDECAR), knobs)


def large_plan(copies: int, per_namespace: int = 50) -> Plan:
    """The sample's sized workloads copied `copies` times over many namespaces.

    A renderer test of size only: the figures are the sample's, repeated.
    """
    base = sample_plan()
    sized = [w for w in base.workloads if w.proxy is not None]
    workloads: list[WorkloadPlan] = []
    for i in range(copies):
        template = sized[i % len(sized)]
        workloads.append(
            template.model_copy(
                update={
                    "namespace": f"team-{i // per_namespace:04d}",
                    "workload": f"{template.workload}-{i:06d}",
                }
            )
        )
    workloads.sort(key=lambda w: (w.namespace, w.workload))
    return base.model_copy(update={"workloads": tuple(workloads)})


APPMESH_INGRESS = FIXTURES / "apps" / "appmesh" / "howto-k8s-ingress-gateway.yaml"
"""App Mesh's ingress-gateway walkthrough: five workloads, a VirtualGateway and its routes."""
MIGRATION_TARGETS = ("istio", "linkerd", "consul")
MIGRATION_MESHES = ("AWS App Mesh (today)", "Istio, sidecar mode", "Linkerd", "Consul service mesh")
"""The meshes of that migration's side by side, in the order the reports show them."""


def run_migration(folder: Path, *formats: str) -> Plan:
    """`planner size` on the App Mesh walkthrough with `--migrate-to` istio, linkerd and consul,
    writing `formats` (and plan.json) to `folder`/planner-out; its plan."""
    args = ["size", "--inventory", str(APPMESH_INGRESS)]
    args += [a for target in MIGRATION_TARGETS for a in ("--migrate-to", target)]
    args += [a for f in ("json", *formats) for a in ("--format", f)]
    run = run_cli(args, cwd=folder)
    assert run.exit_code == 0, run.stderr
    plan = Plan.model_validate_json((folder / "planner-out" / "plan.json").read_bytes())
    assert plan.migration is not None
    return plan


def hostile_migration(plan: Plan) -> Plan:
    """`plan` with markup, formulas and DDE payloads in every text of its migration that the
    reports show: today's and the targets' titles, folders, control planes, scoping, steps."""
    migration = plan.migration
    assert migration is not None
    targets = tuple(
        t.model_copy(
            update={
                "mesh_title": HOSTILE_NAMES[i % len(HOSTILE_NAMES)],
                "folder": MINUS,
                "control_plane": (DDE, SCRIPT),
                # a target without scoping (Linkerd) shows its note instead
                "scoping_mechanism": "none" if t.scoping_mechanism == "none" else AT_SUM,
                "scoping_note": HYPERLINK,
                "manual_steps": HOSTILE_NAMES,
            }
        )
        for i, t in enumerate(migration.targets)
    )
    return plan.model_copy(
        update={
            "profile": plan.profile.model_copy(update={"mesh_title": SCRIPT}),
            "migration": migration.model_copy(
                update={
                    "source_title": HYPERLINK,
                    "targets": targets,
                    "manual_steps": HOSTILE_NAMES,
                }
            ),
        }
    )
