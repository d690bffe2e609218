"""Consul end to end: the model on hand-checked numbers, the servers' quorum, disk and CSR rule,
injection, transparent proxy and upstreams in manifests, intentions (CRD schema, and a property
test over random call graphs), the hand-over files against the real chart, CRD and
annotations, kubectl kustomize over real manifests, and no Istio or Linkerd word in any Consul
output."""

from __future__ import annotations

import dataclasses
import json
import math
import re
import subprocess
import tempfile
from itertools import repeat
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from pydantic import ValidationError

from models.knobs import Knobs, MeshKind, OutputFormat, SizeFor
from models.plan import IntentionSource, Plan, ServiceIntention
from planner.inputs.load import read_inventory
from planner.inputs.traffic import read_traffic
from planner.meshes.consul.profile import ConsulProfile
from planner.meshes.profiles import load_builtin_profile
from planner.pipeline import build_plan
from reports import renderers
from reports.gitops.commented_yaml import plain
from reports.gitops.consul import PATCH, VALUES_FILE, intention_manifest
from tests.conftest import (
    DATA,
    FIXTURES,
    REPO,
    SAMPLE_ARGS,
    assert_golden,
    assert_golden_tree,
    in_one_and_two_processes,
    require_tool,
    run_cli,
    write,
)
from tests.crd import strict

CONSUL = FIXTURES / "consul"
APPS = FIXTURES / "apps"
MIB = 2**20


def consul_profile() -> ConsulProfile:
    profile = load_builtin_profile(MeshKind.CONSUL)
    assert isinstance(profile, ConsulProfile)
    return profile


PROFILE = consul_profile()

CLUSTER = """\
namespace,workload,replicas,rps,outbound_rps
shop,web,2,,
shop,api,3,,
shop,db,1,,
pay,bank,2,,
"""
SERVICES = """\
namespace,service,ports,workload
shop,web,1,web
shop,api,2,api
shop,db,1,db
pay,bank,1,bank
"""
TRAFFIC = """\
source_namespace,source_workload,destination_namespace,destination_service,rps
unknown,unknown,shop,web,200
shop,web,shop,api,200
shop,api,shop,db,90
"""


def shop_plan(tmp_path: Path, traffic: bool = True, **knobs: Any) -> Plan:
    inventory = read_inventory(
        write(tmp_path / "cluster.csv", CLUSTER), write(tmp_path / "services.csv", SERVICES)
    )
    edges = read_traffic(write(tmp_path / "traffic.csv", TRAFFIC), inventory) if traffic else None
    window = knobs.pop("traffic_window_seconds", 7 * 86400)
    return build_plan(
        inventory,
        edges,
        PROFILE,
        Knobs(mesh=MeshKind.CONSUL, traffic_window_seconds=window, **knobs),
    )


def proxies(plan: Plan) -> dict[str, Any]:
    return {w.workload: w.proxy for w in plan.workloads if w.proxy is not None}


def values_of(plan: Plan) -> dict[str, float]:
    return {a.name: a.value for a in plan.assumptions}


# ---- the model, by hand ------------------------------------------------------------------------


def test_a_sidecar_holds_every_service_until_intentions_narrow_it(tmp_path: Path) -> None:
    unscoped = proxies(shop_plan(tmp_path, size_for=SizeFor.UNSCOPED))
    scoped = proxies(shop_plan(tmp_path))
    # 4 services of the mesh, one cluster each, plus 2 fixed and one local_app per served port
    # (a Consul service has one port); endpoints: one per meshed pod behind each service
    assert unscoped["web"].visible_clusters == 4 + 2 + 1
    assert unscoped["web"].visible_endpoints == 2 + 3 + 1 + 2
    assert unscoped["web"].visible_listeners == 4 + 2
    # web calls api only: intentions allow it that one upstream
    assert scoped["web"].visible_clusters == 1 + 2 + 1
    assert scoped["web"].visible_endpoints == 3
    assert scoped["web"].visible_listeners == 1 + 2
    # db calls nobody: it holds only what serves it
    assert scoped["db"].visible_clusters == 2 + 1
    assert scoped["db"].visible_endpoints == 0


def test_sidecar_cpu_and_memory_by_hand(tmp_path: Path) -> None:
    plan = shop_plan(tmp_path)
    v = values_of(plan)
    web = proxies(plan)["web"]
    # CPU: Envoy idle + dataplane + 400 rps through each of 2 pods / 1000 x per 1000
    rps = (200 + 200) / 2
    cpu = v["proxy.idle_cpu_millicores"] + v["proxy.dataplane_cpu_millicores"]
    cpu += rps / 1000 * v["version.cpu_per_1000_rps_millicores"]
    assert web.estimated_cpu_millicores == pytest.approx(cpu)
    workers = v["proxy.concurrency"]
    per_cluster = (
        v["version.memory_per_cluster_bytes"]
        + workers * v["proxy.memory_per_worker_per_cluster_bytes"]
    )
    per_listener = (
        v["proxy.memory_per_listener_bytes"]
        + workers * v["proxy.memory_per_worker_per_listener_bytes"]
    )
    memory = v["version.base_memory_mib"] + v["proxy.dataplane_memory_mib"]
    memory += (
        4 * per_cluster + 3 * v["version.memory_per_endpoint_bytes"] + 3 * per_listener
    ) / MIB
    assert web.estimated_memory_mib == pytest.approx(memory, abs=1e-3)
    # request: x 1.25, rounded up to 5m and 2Mi; limits: CPU at least 2 cores, memory x 2
    assert web.cpu_request_millicores == 5 * math.ceil(cpu * 1.25 / 5)
    assert web.memory_request_mib == 2 * math.ceil(memory * 1.25 / 2)
    assert web.cpu_limit_millicores == 2000
    assert web.memory_limit_mib == 2 * web.memory_request_mib
    assert web.current_source == "none set"


@pytest.mark.parametrize(("zones", "servers"), [(None, 5), (1, 3), (2, 3), (3, 5), (4, 5)])
def test_servers_are_a_quorum_by_availability_zones(
    tmp_path: Path, zones: int | None, servers: int
) -> None:
    plan = shop_plan(tmp_path, availability_zones=zones)
    server = plan.control_plane.component("consul-server")
    assert server.replicas == servers
    assert server.replicas_rule.startswith(f"{servers} (a quorum: {servers} voting servers")
    codes = {f.code for f in plan.findings}
    assert ("availability-zones-assumed" in codes) is (zones is None)
    assert ("two-zones-quorum" in codes) is (zones == 2)


def test_server_memory_and_disk_by_hand(tmp_path: Path) -> None:
    plan = shop_plan(tmp_path)
    v = values_of(plan)
    server = plan.control_plane.component("consul-server")
    instances = 2 + 3 + 1 + 2
    assert server.driver("service_instances") == instances
    assert server.driver("registrations") == 2 * instances
    multiple = v["server.memory_multiple"]
    shared = (
        v["server.baseline_working_set_mib"]
        + 2 * instances * v["server.working_set_per_service_instance_bytes"] / MIB
    ) * multiple
    assert server.shared_memory_mib == pytest.approx(shared, abs=1e-3)
    watches = server.driver("upstream_watches")
    # unscoped every proxy would hold all 4 services; intentions leave web 1 upstream (2 pods),
    # api 1 (3 pods), db and bank none
    assert watches == 2 * 1 + 3 * 1
    serving = watches * v["server.working_set_per_upstream_watch_bytes"] / MIB * multiple
    assert server.serving_memory_mib == pytest.approx(serving, abs=1e-3)
    # the chart's request (200Mi) is the floor; limit = request x 2 (4x / 2x the working set)
    assert server.per_replica.memory_request_mib >= 200
    assert server.per_replica.memory_limit_mib == 2 * server.per_replica.memory_request_mib
    assert server.storage is not None
    assert server.storage.size_gib == 10  # the chart's volume: the catalog is tiny
    assert server.storage.iops == 7500
    assert server.guideline_memory_mib == pytest.approx(30518)
    injector = plan.control_plane.component("connect-injector")
    assert injector.replicas == 2
    assert (
        injector.per_replica.cpu_request_millicores,
        injector.per_replica.memory_request_mib,
    ) == (
        250,
        500,
    )


def _big_inventory(tmp_path: Path, pods: int) -> Plan:
    cluster = "namespace,workload,replicas\n" + "".join(
        f"ns{i % 5},app{i},{pods // 100}\n" for i in range(100)
    )
    services = "namespace,service,ports,workload\n" + "".join(
        f"ns{i % 5},app{i},1,app{i}\n" for i in range(100)
    )
    inventory = read_inventory(
        write(tmp_path / "big.csv", cluster), write(tmp_path / "big-services.csv", services)
    )
    return build_plan(inventory, None, PROFILE, Knobs(mesh=MeshKind.CONSUL))


def test_certificate_rotation_beyond_the_documented_bound_is_a_finding(tmp_path: Path) -> None:
    small = _big_inventory(tmp_path, 1500)
    assert "csr-rate-limit" not in {f.code for f in small.findings}
    big = _big_inventory(tmp_path, 6000)
    server = big.control_plane.component("consul-server")
    assert server.driver("ca_rotation_seconds") == pytest.approx(6000 / 50)
    # 1,500 instances at 50 CSR/s: 30 s; 6,000 instances in 30 s need 200 CSR/s
    assert server.driver("csr_per_second_needed") == 200
    found = next(f for f in big.findings if f.code == "csr-rate-limit")
    assert "csr_max_per_second to 200" in found.message
    assert server.storage is not None
    assert server.storage.iops == 10000  # write-heavy beyond 5,000 instances
    helm = yaml.safe_load(renderers(MeshKind.CONSUL)[OutputFormat.HELM](big)[VALUES_FILE])
    assert yaml.safe_load(helm["server"]["extraConfig"]) == {
        "connect": {"ca_config": {"csr_max_per_second": 200}}
    }


def test_without_traffic_nothing_is_scoped_and_says_so(tmp_path: Path) -> None:
    plan = shop_plan(tmp_path, traffic=False)
    assert plan.scoping is None
    assert plan.scoping_note.startswith("not assessed")
    assert plan.knobs.size_for is SizeFor.UNSCOPED


# ---- intentions ----------------------------------------------------------------------------------


def intentions_by_destination(plan: Plan) -> dict[str, ServiceIntention]:
    assert plan.scoping is not None
    return {i.destination: i for i in plan.scoping.intentions}


def test_intentions_allow_exactly_the_observed_callers(tmp_path: Path) -> None:
    plan = shop_plan(tmp_path)
    found = intentions_by_destination(plan)
    assert set(found) == {"*", "api", "db"}
    deny = found["*"]
    assert [(s.name, s.action) for s in deny.sources] == [("*", "deny")]
    assert [(s.name, s.action, s.observed) for s in found["api"].sources] == [
        ("web", "allow", True)
    ]
    assert [s.name for s in found["db"].sources] == ["api"]
    assert found["db"].sources[0].reason == "observed 54,432,000 requests over 7d"
    assert plan.scoping is not None
    # web is called from outside the mesh and bank by nobody: both are said before applying
    risks = " ".join(plan.scoping.at_risk)
    assert "pay/bank" in risks
    assert "shop/web" in risks


def test_intention_sources_read_back_from_plan_json_are_checked_and_frozen(
    tmp_path: Path,
) -> None:
    """A source is a frozen dataclass, not a model (hundreds of thousands of them are built
    from checked frames): read back from plan.json it is still checked field by field, an
    unknown key is refused, and no report can change one."""
    plan = shop_plan(tmp_path)
    data = json.loads(plan.model_dump_json())
    assert Plan.model_validate(data) == plan
    assert plan.scoping is not None
    source = plan.scoping.intentions[1].sources[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        source.name = "someone-else"  # type: ignore[misc]
    intentions = data["scoping"]["intentions"]
    written = intentions[1]["sources"][0]
    for change, error in (
        ({"verb": "allow"}, "Unexpected keyword argument"),
        ({"action": "permit"}, "Input should be 'allow' or 'deny'"),
        ({"observed": "sometimes"}, "Input should be a valid boolean"),
        ({"name": None}, "Input should be a valid string"),
    ):
        intentions[1]["sources"][0] = {**written, **change}
        with pytest.raises(ValidationError, match=re.escape(error)):
            Plan.model_validate(data)


def test_sources_built_many_at_once_are_the_sources_built_one_by_one() -> None:
    values = [
        ("web", "allow", True, "observed 12 requests over 7d"),
        ("*", "deny", False, "deny every source"),
        ("api", "allow", False, "fall-back: seen too rarely"),
    ]
    many = IntentionSource.many(*(list(column) for column in zip(*values, strict=True)))
    assert many == [IntentionSource(*v) for v in values]  # type: ignore[arg-type]
    assert [dataclasses.astuple(s) for s in many] == values
    with pytest.raises(dataclasses.FrozenInstanceError):
        many[0].observed = False  # type: ignore[misc]
    # every name gets its values: an iterable that runs out first is an error, not a source
    # with a slot unset
    with pytest.raises(ValueError, match="2 values of reason for 3 names"):
        IntentionSource.many(["a", "b", "c"], repeat("allow"), [True] * 3, ["x", "y"])
    assert IntentionSource.many([], repeat("allow"), [], []) == []


def test_the_summary_counts_the_allowed_sources_once_given_or_by_itself(tmp_path: Path) -> None:
    """The summary's count of allowed and observed sources, worked out apart (the CLI does it
    before a fork) or by the summary itself, is the same line."""
    from reports.summary import render_summary, source_counts

    plan = shop_plan(tmp_path)
    assert plan.scoping is not None
    counts = source_counts(plan.scoping)
    sources = [s for i in plan.scoping.intentions for s in i.sources]
    allowed = [s for s in sources if s.action == "allow"]
    assert counts == (len(allowed), sum(1 for s in allowed if s.observed and s.name != "*"))
    assert counts[0] >= counts[1] > 0
    assert render_summary(plan, counts=counts) == render_summary(plan)
    line = f"  {counts[0]:,} allowed sources: {counts[1]:,} observed, "
    assert line in render_summary(plan)
    # the counts given are the ones written
    assert "  7 allowed sources: 5 observed, 2 by a fall-back" in render_summary(
        plan, counts=(7, 5)
    )


def test_a_short_window_falls_back_to_namespaces(tmp_path: Path) -> None:
    plan = shop_plan(tmp_path, traffic_window_seconds=86400)
    found = intentions_by_destination(plan)
    # every caller falls back: allowed to every service of its own namespace
    assert {s.name for s in found["web"].sources} == {"api", "db"}
    assert {s.name for s in found["api"].sources} == {"web", "db"}
    assert all(not s.observed for s in found["web"].sources)
    assert "bank" not in found  # nobody in pay calls, and nobody calls into pay
    scoping = {w.workload: w.scoping for w in plan.workloads if w.scoping is not None}
    assert scoping["web"] is not None
    assert scoping["web"].confidence.value == "fallback"


def test_every_intention_validates_against_the_crd() -> None:
    crd = yaml.safe_load((CONSUL / "crd-serviceintentions.yaml").read_text("utf-8"))
    version = next(v for v in crd["spec"]["versions"] if v["name"] == "v1alpha1")
    schema = strict(version["schema"]["openAPIV3Schema"])
    plan = build_plan(
        *_boutique_inputs(), PROFILE, Knobs(mesh=MeshKind.CONSUL, traffic_window_seconds=7 * 86400)
    )
    assert plan.scoping is not None
    assert len(plan.scoping.intentions) > 5
    for intention in plan.scoping.intentions:
        document: Any = plain(intention_manifest(intention))
        jsonschema.validate(document, schema)
        assert document["apiVersion"] == f"{crd['spec']['group']}/v1alpha1"
        assert document["kind"] == crd["spec"]["names"]["kind"]
    wrong: Any = plain(intention_manifest(plan.scoping.intentions[1]))
    wrong["spec"]["sources"][0]["verb"] = "allow"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(wrong, schema)


def _boutique_inputs() -> tuple[Any, Any]:
    inventory = read_inventory(DATA / "consul" / "online-boutique.yaml")
    return inventory, read_traffic(DATA / "consul" / "online-boutique-traffic.csv", inventory)


@st.composite
def call_graphs(draw: st.DrawFn) -> tuple[str, str, str, int]:
    """A small mesh: workloads in up to 3 namespaces, most behind a Service, some not meshed,
    and calls among them (some rare), observed over a window that may be too short."""
    count = draw(st.integers(2, 9))
    rows, services, backing = [], [], []
    for i in range(count):
        namespace = f"ns{draw(st.integers(0, 2))}"
        meshed = draw(st.booleans()) or i == 0
        rows.append(f"{namespace},w{i},{draw(st.integers(1, 3))},{'true' if meshed else 'false'}")
        if i == 0 or draw(st.integers(0, 4)) > 0:
            services.append((namespace, f"s{i}"))
            backing.append(f"{namespace},s{i},1,w{i}")
    calls = []
    for _ in range(draw(st.integers(1, 14))):
        source = draw(st.integers(0, count - 1))
        namespace, service = draw(st.sampled_from(services))
        rps = draw(st.sampled_from([0.00001, 0.5, 20.0]))
        calls.append(f"{rows[source].split(',')[0]},w{source},{namespace},{service},{rps}")
    cluster = "namespace,workload,replicas,mesh_injected\n" + "\n".join(rows) + "\n"
    table = "namespace,service,ports,workload\n" + "\n".join(backing) + "\n"
    traffic = (
        "source_namespace,source_workload,destination_namespace,destination_service,rps\n"
        + "\n".join(dict.fromkeys(calls))
        + "\n"
    )
    window = draw(st.sampled_from([86400, 7 * 86400]))
    return cluster, table, traffic, window


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(call_graphs())
def test_intentions_never_deny_an_observed_caller_nor_allow_an_unexplained_pair(
    graph: tuple[str, str, str, int],
) -> None:
    cluster, table, traffic, window = graph
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        inventory = read_inventory(
            write(root / "cluster.csv", cluster), write(root / "services.csv", table)
        )
        edges = read_traffic(write(root / "traffic.csv", traffic), inventory)
    plan = build_plan(
        inventory, edges, PROFILE, Knobs(mesh=MeshKind.CONSUL, traffic_window_seconds=window)
    )
    assert plan.scoping is not None
    allowed = {
        (i.destination, s.name)
        for i in plan.scoping.intentions
        for s in i.sources
        if s.action == "allow"
    }
    opened = {d for d, source in allowed if source == "*"}
    meshed = {(w.namespace, w.workload): w for w in plan.workloads if w.proxy is not None}
    name_of = {k: w.scoping.sidecar for k, w in meshed.items() if w.scoping is not None}
    fallback = {
        k: w.scoping.confidence.value == "fallback"
        for k, w in meshed.items()
        if w.scoping is not None
    }
    registered = {
        (i.namespace, i.destination) for i in plan.scoping.intentions if i.destination != "*"
    }
    mesh_services = {(w.namespace, s) for w in meshed.values() for s in w.services}
    observed = [
        (
            r["source_namespace"],
            r["source_workload"],
            r["destination_namespace"],
            r["destination_service"],
        )
        for r in edges.edges.to_dict("records")
    ]
    # 1. no observed caller is denied
    for ns, workload, dns, service in observed:
        source = name_of.get((ns, workload))
        if source is None or (dns, service) not in mesh_services:
            continue
        if (dns, service) in registered or service in opened:
            assert (service, source) in allowed or service in opened, (ns, workload, service)
    # 2. nothing is allowed that was neither observed nor covered by a fall-back
    seen_from: dict[tuple[str, str], set[str]] = {}
    for ns, workload, dns, _ in observed:
        seen_from.setdefault((ns, workload), set()).add(dns)
    for destination, source in allowed:
        if source == "*":
            unnamed_callers = [
                (ns, w)
                for ns, w, _, service in observed
                if service == destination and (ns, w) in meshed and name_of.get((ns, w)) is None
            ]
            assert unnamed_callers, destination
            continue
        callers = [k for k, name in name_of.items() if name == source]
        explained = any(
            (ns, w, dns, destination) in set(observed)
            for ns, w in callers
            for dns in {d for d, s in mesh_services if s == destination}
        ) or any(
            fallback.get(k, False)
            and {d for d, s in mesh_services if s == destination}
            & ({k[0]} | seen_from.get(k, set()))
            for k in callers
        )
        assert explained, (destination, source)


# ---- manifests: injection, transparent proxy, upstreams, detection ------------------------------


def deployment(namespace: str, name: str, annotations: dict[str, str]) -> str:
    notes = "".join(f"        {k}: {v!r}\n".replace("'", '"') for k, v in annotations.items())
    block = f"      annotations:\n{notes}" if notes else ""
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n"
        f"  namespace: {namespace}\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n"
        f"      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n"
        f"{block}    spec:\n      containers:\n      - name: app\n        image: x\n---\n"
        f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: {namespace}\n"
        f"spec:\n  selector:\n    app: {name}\n  ports:\n  - port: 80\n---\n"
    )


INJECT = "consul.hashicorp.com/connect-inject"


def test_injection_transparent_proxy_and_upstreams_follow_consul_k8s(tmp_path: Path) -> None:
    text = (
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: legacy\n  labels:\n"
        '    consul.hashicorp.com/transparent-proxy: "false"\n---\n'
        + deployment("shop", "web", {INJECT: "true"})
        + deployment("shop", "api", {INJECT: "true"})
        + deployment("shop", "db", {INJECT: "true"})
        + deployment("shop", "batch", {})
        + deployment("shop", "opted-out", {INJECT: "false"})
        + deployment("kube-system", "dns", {INJECT: "true"})
        + deployment(
            "legacy",
            "old",
            {INJECT: "true", "consul.hashicorp.com/connect-service-upstreams": "api:1234,nope:9"},
        )
        + deployment(
            "shop",
            "explicit",
            {
                INJECT: "true",
                "consul.hashicorp.com/transparent-proxy": "false",
                "consul.hashicorp.com/connect-service-upstreams": "db:5432",
            },
        )
    )
    path = write(tmp_path / "app.yaml", text)
    run = run_cli(["size", "-i", str(path), "-o", "out"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    assert "Mesh: Consul service mesh (detected from the manifests:" in run.stderr
    plan = Plan.model_validate_json((tmp_path / "out" / "plan.json").read_bytes())
    injected = {w.workload for w in plan.workloads if w.mesh_injected}
    assert injected == {"web", "api", "db", "old", "explicit"}
    found = {w.workload: w.proxy for w in plan.workloads if w.proxy is not None}
    # transparent proxy: the 5 registered services; explicit upstreams: the one listed (the
    # namespace label turns legacy/old's off, and its unknown upstream is a finding)
    assert found["web"].visible_services == 5
    assert found["explicit"].visible_services == 1
    assert found["old"].visible_services == 1
    codes = {f.code: f for f in plan.findings}
    assert "legacy/old: nope:9" in codes["upstream-not-in-inventory"].message
    assert "explicit-upstreams" in codes


def test_a_pod_registers_as_its_annotated_name_or_the_first_service_by_name(
    tmp_path: Path,
) -> None:
    """consul-k8s registers a pod as consul.hashicorp.com/connect-service names it (the first
    name of a list), else as the one Service selecting it; with several, the plan sizes it as
    the first in name order and says so."""
    from planner.meshes.consul import sizing

    selecting = "".join(
        f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: shop\n"
        "spec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n---\n"
        for name in ("zeta", "alpha")  # web's own Service "web" selects it too
    )
    text = (
        deployment("shop", "web", {INJECT: "true"})
        + selecting
        + deployment(
            "shop", "api", {INJECT: "true", "consul.hashicorp.com/connect-service": " api-main , x"}
        )
        + deployment("shop", "db", {INJECT: "true"})
    )
    read = read_inventory(write(tmp_path / "app.yaml", text), mesh=MeshKind.CONSUL)
    # whatever the order of the backing rows (the inventory sorts them by Service)
    for inventory in (read, dataclasses.replace(read, backing=read.backing.iloc[::-1])):
        candidates, _ = sizing.mesh_services(inventory, inventory.workloads)
        members, findings = sizing._members(inventory, inventory.workloads, candidates)
        assert dict(zip(members["workload"], members["consul_name"], strict=True)) == {
            "web": "alpha",
            "api": "api-main",
            "db": "db",
        }
        several = [f for f in findings if f.code == "several-services-select-pod"]
        assert [f.subject for f in several] == ["1 workload"]
        assert "(shop/web)" in several[0].message


def test_explicit_upstreams_are_recommended_from_what_each_workload_was_seen_calling(
    tmp_path: Path,
) -> None:
    """A workload that lists its upstreams (transparent proxy off) gets the list of what it was
    seen calling; one whose calls are too rare to trust keeps its list and adds what it was
    seen calling; one seen calling nothing keeps an empty list of calls beside its own."""
    explicit = {INJECT: "true", "consul.hashicorp.com/transparent-proxy": "false"}
    text = "".join(
        [
            deployment("shop", name, {INJECT: "true"})
            for name in ("web", "api", "db", "cache", "queue")
        ]
        + [
            deployment(
                "shop", name, {**explicit, "consul.hashicorp.com/connect-service-upstreams": up}
            )
            for name, up in (("reports", "db:5432"), ("batch", "queue:1"), ("idle", "cache:2"))
        ]
    )
    inventory = write(tmp_path / "app.yaml", text)
    traffic = write(
        tmp_path / "traffic.csv",
        "source_namespace,source_workload,destination_namespace,destination_service,rps\n"
        "shop,web,shop,api,10\n"
        "shop,reports,shop,api,5\n"
        "shop,reports,shop,db,5\n"
        "shop,batch,shop,cache,0.000001\n",
    )
    args = ["size", "-i", str(inventory), "--traffic", str(traffic), "--traffic-window", "7d"]
    run = run_cli(args, cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    plan = Plan.model_validate_json((tmp_path / "planner-out" / "plan.json").read_bytes())
    assert plan.scoping is not None
    found = {u.workload: u for u in plan.scoping.upstreams}
    assert sorted(found) == ["batch", "idle", "reports"]
    assert (found["reports"].upstreams, found["reports"].current) == (("api", "db"), ("db",))
    assert found["reports"].confidence == "high"
    assert (found["batch"].upstreams, found["batch"].current) == (("cache", "queue"), ("queue",))
    assert found["batch"].confidence == "fallback"
    assert "call to shop/cache seen 1 times" in found["batch"].reason
    assert found["idle"].upstreams == ("cache",)  # seen calling nothing: it keeps its own list
    assert found["idle"].confidence == "fallback"


def test_a_real_manifest_is_detected_as_consul(tmp_path: Path) -> None:
    args = [
        "size",
        "-i",
        str(DATA / "consul" / "online-boutique.yaml"),
        "--traffic",
        str(DATA / "consul" / "online-boutique-traffic.csv"),
        "--traffic-window",
        "7d",
    ]
    run = run_cli(args, cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    plan = Plan.model_validate_json((tmp_path / "planner-out" / "plan.json").read_bytes())
    assert plan.profile.mesh == "consul"
    assert plan.profile.mesh_chosen_by.startswith("detected from the manifests: workload default/")
    meshed = sorted(w.workload for w in plan.workloads if w.proxy is not None)
    assert "loadgenerator" not in meshed
    assert len(meshed) == 11
    found = intentions_by_destination(plan)
    assert {s.name for s in found["productcatalogservice"].sources} == {
        "checkoutservice",
        "frontend",
        "recommendationservice",
    }


# ---- hand-over files ---------------------------------------------------------------------------


def _key_paths(node: Any, prefix: str = "") -> set[str]:
    if not isinstance(node, dict):
        return {prefix}
    paths = {prefix} if prefix else set()
    for key, value in node.items():
        paths |= _key_paths(value, f"{prefix}.{key}" if prefix else str(key))
    return paths


def test_helm_values_use_only_keys_the_chart_has(tmp_path: Path) -> None:
    plan = shop_plan(tmp_path)
    files = renderers(MeshKind.CONSUL)[OutputFormat.HELM](plan)
    assert list(files) == [VALUES_FILE]
    values = yaml.safe_load(files[VALUES_FILE])
    chart = _key_paths(yaml.safe_load((CONSUL / "consul-values.yaml").read_text("utf-8")))
    # resources maps are free-form in the chart (null or {}); their parents must exist
    used = {p for p in _key_paths(values) if ".resources." not in p}
    assert sorted(used - chart) == []
    server = plan.control_plane.component("consul-server")
    assert values["server"]["replicas"] == server.replicas
    assert values["server"]["resources"]["requests"]["memory"] == (
        f"{server.per_replica.memory_request_mib}Mi"
    )
    assert values["server"]["storage"] == "10Gi"
    default = plan.proxy_default
    assert values["connectInject"]["sidecarProxy"]["resources"]["limits"]["cpu"] == (
        f"{default.cpu_limit_millicores}m"
    )
    # the chart renders the string with tpl: its template expressions are not YAML yet
    text = re.sub(r"\{\{[^}]*\}\}", "x", values["server"]["topologySpreadConstraints"])
    spread = yaml.safe_load(text)
    assert spread[0]["topologyKey"] == "topology.kubernetes.io/zone"


def test_patch_annotations_are_consul_k8s_ones() -> None:
    reference = yaml.safe_load((CONSUL / "consul-sidecar-annotations.yaml").read_text("utf-8"))
    names = {entry["name"] for entry in reference["resources"]}
    assert set(PATCH.owned) <= names
    assert len(set(PATCH.owned)) == 4


def _documents(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


def _kustomize(kubectl: str, folder: Path) -> dict[tuple[str, str, str], dict[str, Any]]:
    done = subprocess.run(
        [kubectl, "kustomize", str(folder)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return {
        (d["kind"], d["metadata"].get("namespace", "default"), d["metadata"]["name"]): d
        for d in _documents(done.stdout)
    }


def _bookinfo(tmp_path: Path) -> tuple[Path, Path]:
    """Istio's bookinfo with every Deployment opted into Consul, and its certain calls."""
    text = (APPS / "bookinfo.yaml").read_text("utf-8")
    text = text.replace(
        "  template:\n    metadata:\n      labels:\n",
        "  template:\n    metadata:\n      annotations:\n"
        '        consul.hashicorp.com/connect-inject: "true"\n      labels:\n',
    )
    manifest = write(tmp_path / "bookinfo.yaml", text)
    traffic = write(
        tmp_path / "bookinfo-traffic.csv",
        "source_namespace,source_workload,destination_namespace,destination_service,rps\n"
        "default,productpage-v1,default,details,100\n"
        "default,productpage-v1,default,reviews,100\n"
        "default,reviews-v2,default,ratings,33\n"
        "default,reviews-v3,default,ratings,33\n",
    )
    return manifest, traffic


@pytest.mark.parametrize("app", ["online-boutique", "bookinfo"])
def test_kubectl_builds_the_consul_overlay_over_real_manifests(app: str, tmp_path: Path) -> None:
    kubectl = require_tool("kubectl")
    if app == "bookinfo":
        manifest, traffic = _bookinfo(tmp_path)
    else:
        manifest = DATA / "consul" / "online-boutique.yaml"
        traffic = DATA / "consul" / "online-boutique-traffic.csv"
    args = ["size", "-i", str(manifest), "--traffic", str(traffic), "--traffic-window", "7d"]
    run = run_cli([*args, "-o", "out", "-f", "kustomize"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    plan = Plan.model_validate_json((tmp_path / "out" / "plan.json").read_bytes())
    assert plan.profile.mesh == "consul"
    base = tmp_path / "base"
    base.mkdir()
    (base / "app.yaml").write_bytes(manifest.read_bytes())
    (base / "kustomization.yaml").write_text("resources:\n- app.yaml\n", "utf-8")
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text(
        "resources:\n- ../base\ncomponents:\n- ../out/kustomize\n", "utf-8"
    )
    before, after = _kustomize(kubectl, base), _kustomize(kubectl, overlay)
    added = {k: v for k, v in after.items() if k not in before}
    assert plan.scoping is not None
    assert {(k[0], k[1], k[2]) for k in added} == {
        ("ServiceIntentions", i.namespace, i.name) for i in plan.scoping.intentions
    }
    planned = {
        ("Deployment", w.namespace, w.workload): {
            PATCH.cpu_request: f"{w.proxy.cpu_request_millicores}m",
            PATCH.cpu_limit: f"{w.proxy.cpu_limit_millicores}m",
            PATCH.memory_request: f"{w.proxy.memory_request_mib}Mi",
            PATCH.memory_limit: f"{w.proxy.memory_limit_mib}Mi",
        }
        for w in plan.workloads
        if w.needs_patch and w.proxy is not None
    }
    assert planned
    for key, original in before.items():
        rendered = yaml.safe_load(yaml.safe_dump(after[key]))
        template = rendered.get("spec", {}).get("template", {}).get("metadata", {})
        notes = template.get("annotations", {})
        landed = {k: notes.pop(k) for k in PATCH.owned if k in notes}
        assert landed == planned.get(key, {}), key
        original_notes = original.get("spec", {}).get("template", {}).get("metadata", {})
        if "annotations" in template and not notes and "annotations" not in original_notes:
            del template["annotations"]
        assert rendered == original, f"{key}: a field other than the sidecar annotations changed"


# ---- no Istio or Linkerd word in a Consul output -----------------------------------------------

OTHER_MESH_WORDS = re.compile(
    r"(?i:istio|linkerd|exportTo|destination controller|proxy-injector)|\bSidecars?\b"
)
"""Other meshes' names and resources (Istio's `Sidecar` resource is capitalised; Consul's own
sidecars are not)."""


def test_no_istio_or_linkerd_word_in_any_consul_output(tmp_path: Path) -> None:
    args = [
        "size",
        "-i",
        str(DATA / "consul" / "online-boutique.yaml"),
        "--traffic",
        str(DATA / "consul" / "online-boutique-traffic.csv"),
        "--traffic-window",
        "7d",
    ]
    formats = [f for f in OutputFormat if f in renderers(MeshKind.CONSUL)]
    run = run_cli([*args, *(x for f in formats for x in ("--format", f.value))], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    found = {f"stderr: {m}" for m in OTHER_MESH_WORDS.findall(run.stderr)}
    out = tmp_path / "planner-out"
    plan = Plan.model_validate_json((out / "plan.json").read_bytes())
    # a figure borrowed from another mesh's load test cites it: citations are sources, not
    # words of the plan (every other text must not name another mesh)
    citations = sorted(
        {t for a in plan.assumptions for t in (a.source, a.derivation or "", *a.figure_ids) if t},
        key=len,
        reverse=True,
    )
    assert any("Istio" in c for c in citations)  # the borrowed figures are cited as they are
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        text = _xlsx_text(path) if path.suffix == ".xlsx" else path.read_text("utf-8")
        for citation in citations:
            for form in {citation, str(escape(citation)), json.dumps(citation)[1:-1]}:
                text = text.replace(form, "")
        found |= {f"{path.name}: {m}" for m in OTHER_MESH_WORDS.findall(text)}
    assert found == set()


def _xlsx_text(path: Path) -> str:
    from openpyxl import load_workbook

    book = load_workbook(path)
    return "\n".join(
        [
            *book.sheetnames,
            *(
                str(cell)
                for sheet in book.worksheets
                for row in sheet.iter_rows(values_only=True)
                for cell in row
                if cell is not None
            ),
        ]
    )


def test_the_profile_cites_figures_that_exist() -> None:
    text = (DATA / "published-figures.csv").read_text("utf-8")
    known = {line.split(",", 1)[0] for line in text.splitlines()[1:]}
    cited = set(
        re.findall(
            r"figure_ids: \[([^\]]*)\]",
            (REPO / "planner/meshes/consul/profile.yaml").read_text("utf-8"),
        )
    )
    ids = {i.strip() for group in cited for i in group.split(",")}
    assert ids
    assert ids <= known, sorted(ids - known)


def test_versions_before_the_dataplane_are_refused(sample: Path) -> None:
    run = run_cli([*SAMPLE_ARGS, "--consul-version", "1.13"], cwd=sample)
    assert run.exit_code == 1
    assert run.stderr == (
        "Error: --consul-version 1.13: profile consul has published figures for 1.14-1.22, "
        "2.0; pass --consul-version with a version in those ranges\n"
    )


# ---- the sample, as reviewed -------------------------------------------------------------------


def test_consul_sample_is_exactly_as_reviewed(sample: Path, update_golden: bool) -> None:
    args = [
        *SAMPLE_ARGS,
        "--mesh",
        "consul",
        "--availability-zones",
        "3",
        "--inputs-date",
        "2026-11-20",
    ]
    run = run_cli([*args, "-f", "json", "-f", "helm", "-f", "kustomize"], cwd=sample)
    assert run.exit_code == 0, run.stderr
    assert_golden("consul-sample-summary.txt", run.stderr.encode("utf-8"), update_golden)
    out = sample / "planner-out"
    assert_golden("consul-sample-plan.json", (out / "plan.json").read_bytes(), update_golden)
    for folder in ("helm", "kustomize"):
        files = {
            str(p.relative_to(out / folder)): p.read_bytes()
            for p in sorted((out / folder).rglob("*"))
            if p.is_file()
        }
        assert_golden_tree(f"consul-sample-{folder}", files, update_golden)


@pytest.mark.parametrize("window", [7 * 86400, 3600])
def test_sized_in_two_processes_the_plan_is_the_one_process_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forked: list[int], window: int
) -> None:
    """Past ASIDE_SERVICES the mesh is sized under today's and the recommended intentions (and
    the risks written) in a forked child while the intentions are written: byte for byte the
    plan of one process, with observed callers (7 days) and fall-backs (an hour)."""
    from planner import workers
    from planner.meshes.consul import sizing
    from reports.plan_json import render_json

    monkeypatch.setattr(sizing, "ASIDE_SERVICES", 0)
    plans = in_one_and_two_processes(
        monkeypatch, lambda: render_json(shop_plan(tmp_path, traffic_window_seconds=window))
    )
    assert plans[0] == plans[1]
    assert len(forked) == (1 if workers.can_fork() else 0)
    plan = Plan.model_validate_json(plans[1]["plan.json"])
    assert plan.scoping is not None
    assert plan.scoping.intentions
    assert plan.scoping.at_risk


@pytest.mark.parametrize("opened", [0, 5])
def test_service_grants_priced_from_codes_as_from_text(opened: int) -> None:
    """Consul's Scope keeps its service grants as the pairs' Categoricals, the callers' service
    names too (priced by their codes); priced as text instead, every viewer sees the same
    Services and costs, with and without Services every source may call (`open`)."""
    from dataclasses import replace

    from planner.meshes.consul import intentions, sizing
    from planner.model.envoy import _scoped_config, service_config
    from planner.pipeline import rated_workloads
    from planner.scoping.callgraph import call_graph

    inventory = read_inventory(DATA / "cluster.csv", DATA / "services.csv")
    traffic = read_traffic(DATA / "traffic.csv", inventory)
    workloads = rated_workloads(inventory, traffic, True)
    candidates, _ = sizing.mesh_services(inventory, workloads)
    members, _ = sizing._members(inventory, workloads, candidates)
    services, _ = sizing.registered(candidates, members, inventory, workloads)
    knobs = Knobs(mesh=MeshKind.CONSUL, traffic_window_seconds=7 * 86400.0)
    graph = call_graph(inventory, traffic.edges)
    assert graph is not None
    allowed = intentions.allowed(inventory, graph, knobs, members, services)
    scope = intentions.scope_of(allowed, services)
    names = ["namespace", "viewer", "service_namespace", "service"]
    assert all(isinstance(scope.service_grants[c].dtype, pd.CategoricalDtype) for c in names)
    assert len(scope.service_grants)
    open_rows = services[["namespace", "service"]].head(opened).astype(str)
    scope = replace(scope, open=open_rows.rename(columns={"namespace": "service_namespace"}))
    text = replace(scope, service_grants=scope.service_grants.astype(dict.fromkeys(names, "str")))
    config = service_config(inventory)
    coded, written = (
        _scoped_config(config, s).sort_values(["namespace", "viewer"], ignore_index=True)
        for s in (scope, text)
    )
    assert coded.dtypes.equals(written.dtypes)
    assert coded.astype(str).equals(written.astype(str))
