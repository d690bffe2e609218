"""Plans for the report tests: the bundled sample, a mesh with hostile names, a large mesh."""

from __future__ import annotations

from pathlib import Path

from models.knobs import Knobs, MeshKind
from models.plan import Plan, WorkloadPlan
from planner import build_plan, load_builtin_profile, read_inventory, read_traffic
from planner.meshes.istio_sidecar.profile import IstioSidecarProfile
from tests.conftest import DATA, write

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


def sample_plan(headroom_ratio: float = 0.25) -> Plan:
    """The bundled sample with a week of traffic, as `planner size ... --traffic-window 7d`."""
    inventory = read_inventory(DATA / "cluster.csv", DATA / "services.csv")
    traffic = read_traffic(DATA / "traffic.csv", inventory)
    knobs = Knobs(headroom_ratio=headroom_ratio, traffic_window_seconds=WEEK_SECONDS)
    return build_plan(inventory, traffic, load_builtin_profile(MeshKind.ISTIO_SIDECAR), knobs)


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
