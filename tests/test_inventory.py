"""Reading the inventory: pod roll-up, Service defaults, the services table, names as written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from planner.inputs.load import read_inventory
from tests.conftest import run_cli, write


def test_pod_table_is_rolled_up_to_workloads(tmp_path: Path) -> None:
    cpu = [10, 20, 30, 40, 200]
    rows = (
        "".join(f"shop,web-{i},web,{c},{64 + i},5\n" for i, c in enumerate(cpu))
        + "shop,db-0,db,,,\n"
    )
    path = write(
        tmp_path / "pods.csv",
        "namespace,pod,workload,proxy_cpu_millicores,proxy_memory_mib,rps\n" + rows,
    )
    inventory = read_inventory(path)
    web = inventory.workloads.set_index("workload").loc["web"]
    assert web["replicas"] == 5
    assert web["proxy_cpu_millicores"] == pytest.approx(np.percentile(cpu, 95))
    assert web["proxy_memory_mib"] == 68
    assert web["rps"] == 25.0
    db = inventory.workloads.set_index("workload").loc["db"]
    assert db["replicas"] == 1
    assert np.isnan(db["proxy_cpu_millicores"])
    assert np.isnan(db["rps"])
    assert [f.code for f in inventory.findings] == ["pods-rolled-up"]


def test_services_default_to_one_named_like_the_workload(tmp_path: Path) -> None:
    path = write(
        tmp_path / "cluster.csv",
        "namespace,workload,replicas,services\nshop,web,2,\nshop,job,1,-\nshop,api,3,api;api-admin\n",
    )
    inventory = read_inventory(path)
    pairs = inventory.backing[["service", "workload"]].to_records(index=False).tolist()
    assert pairs == [("api", "api"), ("api-admin", "api"), ("web", "web")]
    assert inventory.services["ports"].tolist() == [1, 1, 1]


def test_services_table_is_the_list_of_services(tmp_path: Path) -> None:
    cluster = write(
        tmp_path / "cluster.csv", "namespace,workload,replicas\nshop,db,3\nshop,web,1\n"
    )
    services = write(
        tmp_path / "services.csv",
        "namespace,service,ports,type,workload\nshop,db,2,ClusterIP,db\nshop,db-headless,1,headless,db\n"
        "shop,stripe.com,1,ServiceEntry,\n",
    )
    inventory = read_inventory(cluster, services)
    assert inventory.services[["service", "ports", "type"]].to_records(index=False).tolist() == [
        ("db", 2, "ClusterIP"),
        ("db-headless", 1, "Headless"),
        ("stripe.com", 1, "ServiceEntry"),
    ]
    # web backs nothing: with a services table, no Service is invented for it
    assert sorted(inventory.backing["workload"]) == ["db", "db"]


def test_configuration_each_proxy_holds(tmp_path: Path) -> None:
    write(tmp_path / "cluster.csv", "namespace,workload,replicas\nshop,db,3\nshop,web,2\n")
    write(
        tmp_path / "services.csv",
        "namespace,service,ports,type,workload\nshop,db,2,ClusterIP,db\nshop,db-headless,1,Headless,db\n"
        "shop,web,1,ClusterIP,web\nshop,stripe.com,1,ServiceEntry,\n",
    )
    run = run_cli(
        ["size", "--inventory", "cluster.csv", "--services", "services.csv"], cwd=tmp_path
    )
    assert run.exit_code == 0, run.stderr
    plan = json.loads((tmp_path / "planner-out" / "plan.json").read_text("utf-8"))
    web = next(w["proxy"] for w in plan["workloads"] if w["workload"] == "web")
    # clusters: db 2 + db-headless 1 + web 1 + stripe 1 + own inbound 1 + 7 fixed = 13
    # endpoints: db 2 ports x 3 pods + web 1 x 2 + stripe 1 = 9; listeners: headless 1 x 3 pods
    assert (web["visible_services"], web["visible_clusters"]) == (4, 13)
    assert (web["visible_endpoints"], web["visible_listeners"]) == (9, 3)


@pytest.mark.parametrize(
    "name",
    [
        "<script>alert(1)</script>",
        '=HYPERLINK("http://x","y")',
        "+cmd|' /C calc'!A0",
        "../../etc",
        "café",
    ],
)
def test_names_are_kept_as_written(tmp_path: Path, name: str) -> None:
    quoted = '"' + name.replace('"', '""') + '"'
    write(tmp_path / "cluster.csv", f"namespace,workload,replicas\nshop,{quoted},1\n")
    run = run_cli(["size", "--inventory", "cluster.csv"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    assert run.stdout == "planner-out/plan.json\n"
    plan = json.loads((tmp_path / "planner-out" / "plan.json").read_text("utf-8"))
    assert [w["workload"] for w in plan["workloads"]] == [name]
    assert sorted(p.name for p in (tmp_path / "planner-out").iterdir()) == ["plan.json"]


def test_current_proxy_requests_come_from_the_inventory_or_the_chart(tmp_path: Path) -> None:
    write(
        tmp_path / "cluster.csv",
        "namespace,workload,replicas,current_proxy_cpu_millicores,current_proxy_memory_mib\n"
        "shop,web,1,250,512\nshop,cart,1,,\n",
    )
    run = run_cli(["size", "--inventory", "cluster.csv"], cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    plan = json.loads((tmp_path / "planner-out" / "plan.json").read_text("utf-8"))
    current = {
        w["workload"]: (
            w["proxy"]["current_cpu_request_millicores"],
            w["proxy"]["current_memory_request_mib"],
            w["proxy"]["current_source"],
        )
        for w in plan["workloads"]
    }
    assert current == {
        "cart": (100.0, 128.0, "chart default"),
        "web": (250.0, 512.0, "inventory"),
    }
