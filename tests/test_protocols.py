"""Port protocols as Istio selects them, what they cost a proxy, and TCP traffic counted apart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from models.knobs import Knobs, SizeFor
from planner.inputs.load import read_inventory
from planner.inputs.protocols import port_protocol
from planner.inputs.traffic import read_traffic
from planner.model.envoy import service_config
from planner.pipeline import build_plan
from tests.conftest import write
from tests.plans import istio_profile
from tests.test_bad_input import assert_user_error, size

PROFILE = istio_profile()


@pytest.mark.parametrize(
    ("name", "app_protocol", "expected"),
    [
        ("http", None, "http"),
        ("http-web", None, "http"),
        ("https-admin", None, "https"),
        ("grpc-web-ui", None, "grpc-web"),
        ("grpc-api", None, "grpc"),
        ("tcp-postgres", None, "tcp"),
        ("redis", None, "redis"),
        ("web", None, ""),  # no protocol prefix: Istio detects it
        (None, None, ""),
        ("web", "http2", "http2"),  # appProtocol wins over the name
        ("tcp", "kubernetes.io/h2c", "http2"),
        ("x", "kubernetes.io/wss", "https"),
        ("HTTP-Upper", None, "http"),
        ("web", "unknown-thing", ""),
    ],
)
def test_port_protocol_follows_istios_selection(
    name: str | None, app_protocol: str | None, expected: str
) -> None:
    assert port_protocol(name, app_protocol) == expected


def tables(tmp_path: Path, protocol: str, ports: int = 2) -> tuple[Path, Path]:
    cluster = write(
        tmp_path / "cluster.csv",
        "namespace,workload,replicas\nshop,web,2\nshop,db,1\n",
    )
    services = write(
        tmp_path / "services.csv",
        "namespace,service,ports,type,protocol,workload\n"
        f"shop,web,1,ClusterIP,http,web\nshop,db,{ports},ClusterIP,{protocol},db\n",
    )
    return cluster, services


@pytest.mark.parametrize(
    ("protocol", "ports", "counts"),
    [
        ("tcp", 2, (0, 2, 0)),
        ("http;tcp", 2, (1, 1, 0)),
        ("mysql;udp", 2, (0, 1, 1)),
        ("", 2, (0, 0, 0)),
        (";tcp", 2, (0, 1, 0)),
        ("HTTP2", 3, (3, 0, 0)),
    ],
)
def test_the_services_table_protocol_column(
    protocol: str, ports: int, counts: tuple[int, int, int], tmp_path: Path
) -> None:
    inventory = read_inventory(*tables(tmp_path, protocol, ports))
    row = inventory.services.set_index("service").loc["db"]
    assert (row["http_ports"], row["tcp_ports"], row["udp_ports"]) == counts


def test_an_unknown_protocol_is_refused(tmp_path: Path) -> None:
    tables(tmp_path, "http;postgres")
    assert_user_error(
        size(tmp_path, "cluster.csv", "--services", "services.csv"),
        tmp_path,
        'services.csv row 3 column protocol: "postgres" is not one of http, http2, grpc, '
        "grpc-web, https, tcp, tls, mongo, mysql, redis, udp; write Istio's protocol name, or "
        "leave the cell empty",
    )


def test_a_protocol_list_of_the_wrong_length_is_refused(tmp_path: Path) -> None:
    tables(tmp_path, "http;tcp;tcp", ports=2)
    assert_user_error(
        size(tmp_path, "cluster.csv", "--services", "services.csv"),
        tmp_path,
        "services.csv row 3 column protocol: 3 protocols for 2 ports; give one for every port "
        "or one per port",
    )


def test_rows_of_one_service_must_agree_on_the_protocol(tmp_path: Path) -> None:
    write(tmp_path / "cluster.csv", "namespace,workload,replicas\nshop,a,1\nshop,b,1\n")
    write(
        tmp_path / "services.csv",
        "namespace,service,ports,protocol,workload\nshop,s,1,http,a\nshop,s,1,tcp,b\n",
    )
    assert_user_error(
        size(tmp_path, "cluster.csv", "--services", "services.csv"),
        tmp_path,
        'services.csv rows 2 and 3 column protocol: Service "shop/s" is listed with protocol '
        "http and tcp; give it one value",
    )


def manifest(tmp_path: Path, *objects: dict[str, Any]) -> Path:
    path = tmp_path / "apps.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": list(objects)}))
    return path


def service(name: str, ports: list[dict[str, Any]], kind: str = "Service") -> dict[str, Any]:
    if kind == "ServiceEntry":
        return {
            "apiVersion": "networking.istio.io/v1",
            "kind": "ServiceEntry",
            "metadata": {"name": name, "namespace": "shop"},
            "spec": {"hosts": [f"{name}.example.com"], "ports": ports},
        }
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"selector": {"app": "web"}, "ports": ports},
    }


def test_manifest_ports_give_their_protocols(tmp_path: Path) -> None:
    web = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"template": {"metadata": {"labels": {"app": "web"}}}},
    }
    path = manifest(
        tmp_path,
        web,
        service(
            "mixed",
            [
                {"name": "http-web", "port": 80},
                {"name": "tcp-db", "port": 5432},
                {"name": "web2", "port": 81, "appProtocol": "kubernetes.io/h2c"},
                {"name": "dns", "port": 53, "protocol": "UDP"},
                {"name": "plain", "port": 9000},
            ],
        ),
        service("ext", [{"number": 443, "name": "x", "protocol": "TLS"}], "ServiceEntry"),
    )
    services = read_inventory(path).services.set_index("service")
    mixed = services.loc["mixed"]
    assert (mixed["ports"], mixed["http_ports"], mixed["tcp_ports"], mixed["udp_ports"]) == (
        5,
        2,
        1,
        1,
    )
    entry = services.loc["ext.example.com"]
    assert (entry["http_ports"], entry["tcp_ports"]) == (0, 1)


def test_tcp_ports_cost_a_listener_and_udp_ports_nothing(tmp_path: Path) -> None:
    inventory = read_inventory(*tables(tmp_path, "tcp;udp"))
    config = service_config(inventory).set_index("service")
    assert (config.loc["db", "clusters"], config.loc["db", "listeners"]) == (1, 1)
    assert (config.loc["db", "endpoints"]) == 1  # one proxied port x one pod
    assert (config.loc["web", "clusters"], config.loc["web", "listeners"]) == (1, 0)


def test_requests_to_tcp_services_are_counted_apart(tmp_path: Path) -> None:
    cluster, services = tables(tmp_path, "tcp")
    write(
        tmp_path / "traffic.csv",
        "source_namespace,source_workload,destination_namespace,destination_service,rps\n"
        "shop,web,shop,db,300\nunknown,unknown,shop,web,100\n",
    )
    inventory = read_inventory(cluster, services)
    traffic = read_traffic(tmp_path / "traffic.csv", inventory)
    plan = build_plan(inventory, traffic, PROFILE, Knobs(size_for=SizeFor.UNSCOPED))
    proxies = {w.workload: w.proxy for w in plan.workloads if w.proxy is not None}
    assert proxies["web"].l4_rps_per_pod == pytest.approx(150.0)  # 300 out over 2 pods
    assert proxies["web"].rps_per_pod == pytest.approx(200.0)  # and 100 in
    assert proxies["db"].l4_rps_per_pod == pytest.approx(300.0)
    assert [f.code for f in plan.findings if f.code == "tcp-priced-as-http"] == [
        "tcp-priced-as-http"
    ]


def test_without_a_protocol_nothing_is_counted_as_tcp(tmp_path: Path) -> None:
    cluster, services = tables(tmp_path, "")
    assert pd.read_csv(services)["protocol"].isna().tolist() == [False, True]
    plan = build_plan(read_inventory(cluster, services), None, PROFILE, Knobs())
    assert all(w.proxy.l4_rps_per_pod == 0 for w in plan.workloads if w.proxy is not None)
