"""Memory limits that survive a config push: the chart default as a floor, the whole-mesh request
for proxies without a trusted scope, and the risk that remains for those with one."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.knobs import Knobs
from models.plan import LimitBasis, OomRisk, Plan, WorkloadPlan
from planner.inputs.load import read_inventory
from planner.inputs.traffic import read_traffic
from planner.pipeline import build_plan
from tests.conftest import write
from tests.plans import istio_profile
from tools.accuracy.derivations import with_values

# a low chart limit, so that a mesh of a few thousand Services shows what a large one would
PROFILE = with_values(istio_profile(), {"proxy.memory_limit_floor_mib": 128.0})
SERVICES = 5000


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    folder = tmp_path_factory.mktemp("limits")
    rows = ["namespace,workload,replicas,mesh_injected,current_proxy_memory_limit_mib"]
    rows += ["shop,caller,2,true,", "shop,quiet,1,true,", "shop,legacy,1,true,4096"]
    rows += [f"big,s{i},1,false," for i in range(SERVICES)]
    write(folder / "cluster.csv", "\n".join(rows) + "\n")
    services = ["namespace,service,workload"]
    services += ["shop,caller,caller", "shop,quiet,quiet", "shop,legacy,legacy"]
    services += [f"big,s{i},s{i}" for i in range(SERVICES)]
    write(folder / "services.csv", "\n".join(services) + "\n")
    write(
        folder / "traffic.csv",
        "source_namespace,source_workload,destination_namespace,destination_service,rps\n"
        "shop,caller,big,s1,5\nshop,legacy,big,s2,5\n",
    )
    inventory = read_inventory(folder / "cluster.csv", folder / "services.csv")
    traffic = read_traffic(folder / "traffic.csv", inventory)
    return build_plan(inventory, traffic, PROFILE, Knobs(traffic_window_seconds=7 * 86400))


def proxy_of(plan: Plan, name: str) -> WorkloadPlan:
    return next(w for w in plan.workloads if w.workload == name)


def test_a_trusted_scope_keeps_a_limit_below_the_whole_mesh_and_is_marked(plan: Plan) -> None:
    caller = proxy_of(plan, "caller")
    assert caller.scoping is not None
    assert caller.scoping.confidence.value == "high"
    proxy = caller.proxy
    assert proxy is not None
    assert proxy.scope_trusted
    assert proxy.memory_limit_mib < proxy.whole_mesh_memory_request_mib
    assert proxy.oom_risk is OomRisk.IF_SCOPE_LOST
    assert proxy.memory_limit_basis is LimitBasis.REQUEST_RATIO


def test_a_fallback_scope_gets_the_whole_mesh_request_as_its_limit(plan: Plan) -> None:
    quiet = proxy_of(plan, "quiet")  # no traffic observed: a namespace-level fall-back
    assert quiet.scoping is not None
    assert quiet.scoping.confidence.value == "fallback"
    proxy = quiet.proxy
    assert proxy is not None
    assert not proxy.scope_trusted
    assert proxy.memory_limit_mib == proxy.whole_mesh_memory_request_mib
    assert proxy.memory_limit_mib > 2 * proxy.memory_request_mib
    assert proxy.memory_limit_basis is LimitBasis.WHOLE_MESH
    assert proxy.oom_risk is OomRisk.NONE


def test_the_findings_say_what_to_do(plan: Plan) -> None:
    found = {f.code: f for f in plan.findings}
    risk = found["oom-if-scope-lost"]
    pods = sum(
        w.replicas
        for w in plan.workloads
        if w.proxy is not None and w.proxy.oom_risk.value != "none"
    )
    assert pods > 1
    assert risk.message.startswith(
        f"{pods} proxies are sized for their Sidecar and would exceed their memory limit if they "
        "saw the whole mesh: "
    )
    assert "apply the Sidecars with (or before) the resource patches" in risk.message
    assert "shop/caller" in risk.message
    lowered = found["memory-limit-lowered"]
    assert lowered.message.endswith("(shop/legacy)")


def test_sized_unscoped_nothing_is_at_risk(tmp_path: Path) -> None:
    write(tmp_path / "cluster.csv", "namespace,workload,replicas\nshop,a,1\n")
    unscoped = build_plan(read_inventory(tmp_path / "cluster.csv"), None, PROFILE, Knobs())
    proxy = unscoped.workloads[0].proxy
    assert proxy is not None
    assert not proxy.scope_trusted
    assert proxy.oom_risk is OomRisk.NONE
    assert proxy.whole_mesh_memory_request_mib == proxy.memory_request_mib


@pytest.mark.parametrize(
    ("replicas", "start"),
    [
        (1, "1 proxy is sized for its Sidecar and would exceed its memory limit if it saw "),
        (
            3,
            "3 proxies are sized for their Sidecar and would exceed their memory limit if "
            "they saw ",
        ),
    ],
)
def test_the_scope_lost_finding_counts_its_proxies_in_words(replicas: int, start: str) -> None:
    import pandas as pd

    from planner.model.findings import limit_findings

    sidecars = pd.DataFrame(
        {
            "namespace": ["shop"],
            "workload": ["caller"],
            "replicas": [replicas],
            "l4_rps_per_pod": [0.0],
            "memory_limit_mib": [512.0],
            "current_memory_limit_mib": [512.0],
            "oom_risk": [OomRisk.IF_SCOPE_LOST.value],
        }
    )
    (finding,) = limit_findings(sidecars)
    assert finding.code == "oom-if-scope-lost"
    assert finding.subject == "1 workload"
    assert finding.message.startswith(start + "the whole mesh: apply the Sidecars")
    assert finding.message.endswith("(shop/caller)")
