"""Scoping real applications nobody on the team wrote: Istio's bookinfo and Google's Online
Boutique (tests/fixtures/apps, with attribution). Their manifests are the inventory; every call
their hand-derived dependency lists mark certain is observed in the traffic table; the
recommended egress of every Sidecar must hold every certain destination of the workloads it
selects, and nothing beyond them and the root namespace.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from models.knobs import Knobs, ScopeGranularity
from models.plan import Plan
from planner.inputs.load import read_inventory
from planner.inputs.traffic import read_traffic
from planner.pipeline import build_plan
from tests.conftest import FIXTURES
from tests.plans import istio_profile

APPS = FIXTURES / "apps"
PROFILE = istio_profile()
ROOT = "istio-system/*"
NAMESPACE = "default"  # neither manifest sets one: kubectl apply puts them in default


def dependencies(app: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((APPS / f"{app}.dependencies.yaml").read_text("utf-8"))
    return loaded


def certain_calls(app: str) -> dict[str, set[str]]:
    """Per Deployment, the Services it certainly calls."""
    return {
        workload: {c["service"] for c in entry["calls"] if c["certainty"] == "certain"}
        for workload, entry in dependencies(app)["services"].items()
    }


def traffic_csv(app: str) -> str:
    """Every certain call observed at 10 rps, and the entry point called from outside."""
    rows = ["source_namespace,source_workload,destination_namespace,destination_service,rps"]
    entry = dependencies(app)["entrypoint"]
    rows.append(f"unknown,unknown,{NAMESPACE},{entry},10")
    for workload, services in sorted(certain_calls(app).items()):
        rows += [f"{NAMESPACE},{workload},{NAMESPACE},{s},10" for s in sorted(services)]
    return "\n".join(rows) + "\n"


def plan_for(manifest: Path, app: str, tmp_path: Path, granularity: ScopeGranularity) -> Plan:
    inventory = read_inventory(manifest)
    traffic_path = tmp_path / "traffic.csv"
    traffic_path.write_text(traffic_csv(app), encoding="utf-8")
    knobs = Knobs(traffic_window_seconds=7 * 86400.0, scope_granularity=granularity)
    return build_plan(inventory, read_traffic(traffic_path, inventory), PROFILE, knobs)


def host(service: str) -> str:
    return f"{NAMESPACE}/{service}.{NAMESPACE}.svc.cluster.local"


@pytest.mark.parametrize("app", ["bookinfo", "online-boutique"])
def test_every_workload_gets_exactly_its_certain_destinations(app: str, tmp_path: Path) -> None:
    plan = plan_for(APPS / f"{app}.yaml", app, tmp_path, ScopeGranularity.WORKLOAD)
    assert plan.scoping is not None
    calls = certain_calls(app)
    selected = {w for s in plan.scoping.sidecars for w in s.workloads}
    assert selected == set(calls), "every Deployment gets a Sidecar"
    for sidecar in plan.scoping.sidecars:
        needed = set().union(*(calls[w] for w in sidecar.workloads))
        assert set(sidecar.egress_hosts) == {ROOT} | {host(s) for s in needed}, sidecar.name
        assert sidecar.confidence.value == "high", sidecar.reason
        assert sidecar.namespace == NAMESPACE


def test_bookinfo_reviews_versions_get_their_own_needs(tmp_path: Path) -> None:
    plan = plan_for(APPS / "bookinfo.yaml", "bookinfo", tmp_path, ScopeGranularity.WORKLOAD)
    assert plan.scoping is not None
    sidecars = {s.name: s for s in plan.scoping.sidecars}
    assert sidecars["reviews-v1"].selector == {"app": "reviews", "version": "v1"}
    assert sidecars["reviews-v1"].egress_hosts == (ROOT,)
    assert sidecars["reviews-v2"].egress_hosts == (host("ratings"), ROOT)
    assert sidecars["reviews-v3"].egress_hosts == (host("ratings"), ROOT)


def test_bookinfo_reviews_sharing_a_sidecar_get_the_union(tmp_path: Path) -> None:
    # the same manifest with the reviews Deployments labelled app=reviews only: one selector
    # picks out all three, so they share a Sidecar and it must allow what any of them calls
    documents = [d for d in yaml.safe_load_all((APPS / "bookinfo.yaml").read_text("utf-8")) if d]
    for document in documents:
        if document["kind"] == "Deployment" and document["metadata"]["name"].startswith("reviews"):
            document["spec"]["selector"]["matchLabels"].pop("version")
            document["spec"]["template"]["metadata"]["labels"].pop("version")
    manifest = tmp_path / "bookinfo-shared.yaml"
    manifest.write_text(yaml.safe_dump_all(documents), encoding="utf-8")
    plan = plan_for(manifest, "bookinfo", tmp_path, ScopeGranularity.WORKLOAD)
    assert plan.scoping is not None
    shared = next(s for s in plan.scoping.sidecars if "reviews-v1" in s.workloads)
    assert shared.workloads == ("reviews-v1", "reviews-v2", "reviews-v3")
    assert shared.selector == {"app": "reviews"}
    union = dependencies("bookinfo")["per_app_union"]["reviews"]
    assert shared.egress_hosts == (*(host(s) for s in union), ROOT)


@pytest.mark.parametrize("app", ["bookinfo", "online-boutique"])
def test_namespace_granularity_gives_the_namespace_union(app: str, tmp_path: Path) -> None:
    plan = plan_for(APPS / f"{app}.yaml", app, tmp_path, ScopeGranularity.NAMESPACE)
    assert plan.scoping is not None
    (sidecar,) = plan.scoping.sidecars
    assert (sidecar.namespace, sidecar.name, sidecar.selector) == (NAMESPACE, "default", None)
    everything = set().union(*certain_calls(app).values())
    assert set(sidecar.egress_hosts) == {ROOT} | {host(s) for s in everything}


def test_online_boutique_exports_follow_the_call_graph(tmp_path: Path) -> None:
    app = "online-boutique"
    plan = plan_for(APPS / f"{app}.yaml", app, tmp_path, ScopeGranularity.WORKLOAD)
    assert plan.scoping is not None
    exports = {e.service: e.export_to for e in plan.scoping.exports}
    # called from outside the mesh: unchanged; called only inside default: "."
    assert exports["frontend"] == ("*",)
    assert exports["cartservice"] == (".",)
    assert exports["redis-cart"] == (".",)
    # frontend-external (LoadBalancer) has no observed caller in the mesh: left open
    assert exports["frontend-external"] == ("*",)
    saving = plan.scoping.totals
    assert saving.push_clusters_after < saving.push_clusters_before
