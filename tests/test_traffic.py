"""Traffic semantics: how edges become inbound and outbound rates per workload."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli, write

HEADER = "source_namespace,source_workload,destination_namespace,destination_service,rps"


def rates(
    tmp_path: Path, cluster: str, traffic: str, services: str | None = None
) -> dict[str, tuple[float, float, str]]:
    write(tmp_path / "cluster.csv", cluster)
    write(tmp_path / "traffic.csv", traffic)
    args = ["size", "--inventory", "cluster.csv", "--traffic", "traffic.csv"]
    if services is not None:
        write(tmp_path / "services.csv", services)
        args += ["--services", "services.csv"]
    run = run_cli(args, cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    plan = json.loads((tmp_path / "planner-out" / "plan.json").read_text("utf-8"))
    return {
        f"{w['namespace']}/{w['workload']}": (w["inbound_rps"], w["outbound_rps"], w["rps_basis"])
        for w in plan["workloads"]
    }


def test_requests_into_a_service_are_split_by_replicas(tmp_path: Path) -> None:
    got = rates(
        tmp_path,
        "namespace,workload,replicas\nshop,web,1\nshop,reviews-v1,3\nshop,reviews-v2,1\n",
        f"{HEADER}\nshop,web,shop,reviews,100\n",
        "namespace,service,workload\nshop,reviews,reviews-v1\nshop,reviews,reviews-v2\n"
        "shop,web,web\n",
    )
    assert got == {
        "shop/reviews-v1": (75.0, 0.0, "traffic"),
        "shop/reviews-v2": (25.0, 0.0, "traffic"),
        "shop/web": (0.0, 100.0, "traffic"),
    }


def test_named_destination_workload_takes_the_requests(tmp_path: Path) -> None:
    got = rates(
        tmp_path,
        "namespace,workload,replicas,services\nshop,web,1,-\nshop,v1,3,reviews\nshop,v2,1,reviews\n",
        f"{HEADER},destination_workload\nshop,web,shop,reviews,100,v2\n",
    )
    assert got["shop/v1"][0] == 0.0
    assert got["shop/v2"][0] == 100.0


def test_egress_gateway_in_its_own_namespace(tmp_path: Path) -> None:
    got = rates(
        tmp_path,
        "namespace,workload,replicas,role\nistio-system,egress,2,egress-gateway\npay,api,2,\n",
        f"{HEADER},destination_workload,destination_workload_namespace\n"
        "pay,api,pay,api.stripe.com,4,egress,istio-system\n",
        "namespace,service,type,workload\nistio-system,egress,ClusterIP,egress\n"
        "pay,api,ClusterIP,api\npay,api.stripe.com,ServiceEntry,\n",
    )
    assert got["istio-system/egress"] == (4.0, 0.0, "traffic")
    assert got["pay/api"] == (0.0, 4.0, "traffic")


@pytest.mark.parametrize("destination", ["PassthroughCluster", "BlackHoleCluster", "unknown"])
def test_unregistered_destinations_count_as_outbound_only(tmp_path: Path, destination: str) -> None:
    got = rates(
        tmp_path,
        "namespace,workload,replicas\nshop,web,2\n",
        f"{HEADER}\nshop,web,,{destination},30\n",
    )
    assert got["shop/web"] == (0.0, 30.0, "traffic")


def test_outside_the_mesh_counts_as_inbound_only(tmp_path: Path) -> None:
    got = rates(
        tmp_path,
        "namespace,workload,replicas\nshop,web,2\n",
        f"{HEADER}\nunknown,unknown,shop,web,50\n",
    )
    assert got["shop/web"] == (50.0, 0.0, "traffic")


def test_traffic_wins_and_columns_fill_in(tmp_path: Path) -> None:
    got = rates(
        tmp_path,
        "namespace,workload,replicas,rps,outbound_rps\nshop,web,1,10,20\nshop,cart,1,5,\n"
        "shop,idle,1,,\n",
        f"{HEADER}\nshop,web,shop,cart,40\n",
    )
    assert got == {
        "shop/cart": (40.0, 0.0, "traffic"),
        "shop/idle": (0.0, 0.0, "none"),
        "shop/web": (10.0, 40.0, "traffic"),
    }


def test_rows_of_one_edge_are_summed_exactly(tmp_path: Path) -> None:
    rows = "".join("shop,web,shop,cart,0.1\n" for _ in range(10))
    got = rates(
        tmp_path, "namespace,workload,replicas\nshop,web,1\nshop,cart,1\n", f"{HEADER}\n{rows}"
    )
    assert got["shop/cart"][0] == 1.0


def test_fqdns_and_short_names_of_one_service_are_one_edge(tmp_path: Path) -> None:
    got = rates(
        tmp_path,
        "namespace,workload,replicas,services\nshop,web,1,-\nshop,reviews,2,reviews\n",
        f"{HEADER}\nshop,web,,reviews.shop.svc.cluster.local,60\nshop,web,shop,reviews,40\n"
        "shop,web,shop,reviews.shop.svc,5\n",
    )
    assert got["shop/reviews"][0] == 105.0
    assert got["shop/web"][1] == 105.0


def test_a_namespace_that_disagrees_with_the_fqdn_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "cluster.csv", "namespace,workload,replicas\nshop,web,1\nshop,reviews,1\n")
    write(
        tmp_path / "traffic.csv",
        f"{HEADER}\nshop,web,shop,reviews,1\nshop,web,shop,reviews.shop.svc.cluster.local,1\n"
        "shop,web,other,reviews.shop.svc.cluster.local,1\n",
    )
    run = run_cli(["size", "--inventory", "cluster.csv", "--traffic", "traffic.csv"], cwd=tmp_path)
    assert run.exit_code == 1
    assert run.stderr == (
        'Error: traffic.csv row 4 column destination_namespace: "other" disagrees with the '
        'namespace in "reviews.shop.svc.cluster.local"; fix one of them\n'
    )
    assert not (tmp_path / "planner-out").exists()


@pytest.mark.parametrize(
    "rows",
    [
        "shop,web,shop,reviews,60,source\nshop,web,shop,reviews,40,source\n"
        "shop,web,shop,reviews,90,destination\n",
        "shop,web,shop,reviews,60,destination\nshop,web,shop,reviews,40,destination\n",
    ],
    ids=["the-larger-reporter", "one-reporter-summed"],
)
def test_each_edge_counts_its_larger_reporters_sum(tmp_path: Path, rows: str) -> None:
    got = rates(
        tmp_path,
        "namespace,workload,replicas,services\nshop,web,1,-\nshop,reviews,1,reviews\n",
        f"{HEADER},reporter\n{rows}",
    )
    assert got["shop/reviews"] == (100.0, 0.0, "traffic")
    assert got["shop/web"][1] == 100.0
