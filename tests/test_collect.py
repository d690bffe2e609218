"""`planner collect` against a real Prometheus (tests/prom.py): the tables it writes are the ones
written by hand for the same known clusters (Bookinfo and Online Boutique, a week of samples),
for Istio's and Linkerd's metrics; the plan from them is the plan from the hand-written ones;
and a server that is down, refuses the credentials, rejects a query or has nothing in the
window ends in one clear line."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import pytest

from planner.collect.errors import CollectError
from planner.collect.prometheus import Client, Server
from tests import prom
from tests.conftest import run_cli, write

END = int(time.time()) // 3600 * 3600 - 3600
"""The collections' end: the last full hour but one (the samples lie in the week before)."""
END_TEXT = datetime.fromtimestamp(END, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
TABLES = ("nodes.csv", "services.csv", "traffic.csv", "workloads.csv")


@pytest.fixture(scope="module")
def truth() -> prom.Truth:
    return prom.truth()


@pytest.fixture(scope="module")
def istio_data(truth: prom.Truth, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prom.backfill(prom.openmetrics(truth, "istio", END), tmp_path_factory.mktemp("istio"))


@pytest.fixture(scope="module")
def istio(istio_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[prom.Prometheus]:
    """Istio's metrics behind basic auth (prom.USER, prom.PASSWORD), served from a copy: a
    server compacts the blocks it serves, and tests copy `istio_data` for servers of their own
    (a copy taken while the blocks were being compacted failed, files vanishing under it)."""
    served = prom.copy_data(istio_data, tmp_path_factory.mktemp("istio-served"))
    yield from prom.serve(served, auth=True)


@pytest.fixture(scope="module")
def linkerd(
    truth: prom.Truth, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[prom.Prometheus]:
    data = prom.backfill(prom.openmetrics(truth, "linkerd", END), tmp_path_factory.mktemp("l5d"))
    yield from prom.serve(data)


@pytest.fixture(scope="module")
def consul(
    truth: prom.Truth, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[prom.Prometheus]:
    data = prom.backfill(prom.openmetrics(truth, "consul", END), tmp_path_factory.mktemp("consul"))
    yield from prom.serve(data)


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANNER_PROMETHEUS_USERNAME", prom.USER)
    monkeypatch.setenv("PLANNER_PROMETHEUS_PASSWORD", prom.PASSWORD)


def _collect(
    folder: Path, server: prom.Prometheus, *extra: str, out: str = "q4"
) -> tuple[int, str, str]:
    args = ["collect", "--prometheus", server.url, "--window", "7d", "--end", END_TEXT]
    run = run_cli([*args, *extra, "--out", out], cwd=folder)
    return run.exit_code, run.stdout, run.stderr


def _hand_written(folder: Path, truth: prom.Truth, mesh: str) -> Path:
    target = folder / "by-hand"
    target.mkdir()
    for name, text in truth.tables(mesh).items():
        write(target / name, text)
    return target


def test_collect_reads_back_the_istio_cluster_it_was_given(
    tmp_path: Path, istio: prom.Prometheus, truth: prom.Truth, credentials: None
) -> None:
    code, stdout, stderr = _collect(tmp_path, istio)
    assert code == 0, stderr
    assert stdout == "".join(f"q4/{name}\n" for name in ("collect.json", *TABLES))
    assert stderr == (
        f"mesh-planner 0.1.0: Istio metrics from {istio.url}, 7d ending {END_TEXT}\n"
        "  18 workloads, 16 Services, 22 traffic edges, 3 nodes\n"
        "Next: planner size --inventory q4\n"
    )
    # the known rates, usage, requests and backing, exactly as written by hand
    expected = truth.tables("istio")
    for name in TABLES:
        assert (tmp_path / "q4" / name).read_text("utf-8") == expected[name], name
    record = json.loads((tmp_path / "q4" / "collect.json").read_text("utf-8"))
    assert record["server"] == istio.url
    assert record["authentication"] == "basic"
    assert (record["end"], record["window_seconds"]) == (END_TEXT, 7 * 86_400)
    assert record["counts"] == {
        "workloads": 18,
        "services": 16,
        "traffic_edges": 22,
        "nodes": 3,
    }
    assert [q["name"] for q in record["queries"]][:2] == ["replicas", "meshed_pods"]
    assert all(q["query"] and not q["split_by_namespace"] for q in record["queries"])
    assert prom.PASSWORD not in (tmp_path / "q4" / "collect.json").read_text("utf-8")


def test_the_plan_from_collected_tables_is_the_plan_from_hand_written_ones(
    tmp_path: Path, istio: prom.Prometheus, truth: prom.Truth, credentials: None
) -> None:
    code, _, stderr = _collect(tmp_path, istio)
    assert code == 0, stderr
    by_hand = _hand_written(tmp_path, truth, "istio")
    plans = []
    for folder in (tmp_path / "q4", by_hand):
        args = ["size", "-i", f"{folder}/workloads.csv", "--services", f"{folder}/services.csv"]
        args += ["--traffic", f"{folder}/traffic.csv", "--traffic-window", "7d"]
        args += ["--nodes", f"{folder}/nodes.csv"]
        run = run_cli([*args, "-o", f"{folder.name}-plan"], cwd=tmp_path)
        assert run.exit_code == 0, run.stderr
        plans.append((tmp_path / f"{folder.name}-plan" / "plan.json").read_bytes())
    assert plans[0] == plans[1]
    plan = json.loads(plans[0])
    observed = {w["workload"]: w["proxy"]["cpu_basis"] for w in plan["workloads"] if w["proxy"]}
    assert observed  # the collected proxy usage reached the sizing
    assert plan["scoping"] is not None  # and the traffic the scoping


def test_collect_reads_linkerds_metrics(
    tmp_path: Path, linkerd: prom.Prometheus, truth: prom.Truth
) -> None:
    code, _, stderr = _collect(tmp_path, linkerd, "--mesh", "linkerd")
    assert code == 0, stderr
    assert "Linkerd metrics from" in stderr
    expected = truth.tables("linkerd")
    for name in TABLES:
        assert (tmp_path / "q4" / name).read_text("utf-8") == expected[name], name
    record = json.loads((tmp_path / "q4" / "collect.json").read_text("utf-8"))
    assert record["authentication"] == "none"
    assert 'request_total{direction="outbound"}' in record["queries"][-1]["query"]


def test_collect_reads_consuls_envoy_statistics(
    tmp_path: Path, consul: prom.Prometheus, truth: prom.Truth
) -> None:
    code, _, stderr = _collect(tmp_path, consul, "--mesh", "consul")
    assert code == 0, stderr
    assert stderr.startswith(f"mesh-planner 0.1.0: Consul metrics from {consul.url}, 7d ending")
    # the known rates: requests, and a TCP upstream's connections (Online Boutique's
    # redis-cart), never an HTTP upstream's connections on top of its requests; each
    # destination in its Kubernetes namespace whether Consul names it (mirroring) or not
    expected = truth.tables("consul")
    for name in TABLES:
        assert (tmp_path / "q4" / name).read_text("utf-8") == expected[name], name
    assert "boutique,cartservice,boutique,redis-cart," in expected["traffic.csv"]
    record = json.loads((tmp_path / "q4" / "collect.json").read_text("utf-8"))
    assert [f for f in record["findings"] if f["code"] == "collect-consul-destination-unknown"] == [
        {
            "code": "collect-consul-destination-unknown",
            "subject": "traffic.csv",
            "message": "1 edge(s) (1 rps) to Consul services no Kubernetes Service could be "
            "matched to by name in the destination's Consul namespace, the caller's namespace or "
            "the cluster (0 of them named by several namespaces' Services) were left out: "
            "default/ghost; a service registered under another name "
            "(consul.hashicorp.com/connect-service) needs its traffic written by hand",
        }
    ]
    queries = {q["name"]: q["query"] for q in record["queries"]}
    assert "unless on" in queries["consul_tcp_connections"]
    # and the plan sizes from them as from the hand-written tables
    plans = []
    for folder in (tmp_path / "q4", _hand_written(tmp_path, truth, "consul")):
        run = run_cli(
            [
                "size",
                "-i",
                str(folder),
                "--mesh",
                "consul",
                "--traffic-window",
                "7d",
                "-o",
                f"{folder.name}-plan",
            ],
            cwd=tmp_path,
        )
        assert run.exit_code == 0, run.stderr
        plans.append(json.loads((tmp_path / f"{folder.name}-plan" / "plan.json").read_bytes()))
    assert plans[0]["workloads"] == plans[1]["workloads"]
    assert plans[0]["totals"] == plans[1]["totals"]


def test_a_server_that_is_down_is_one_line(tmp_path: Path) -> None:
    port = prom.free_port()
    args = ["collect", "--prometheus", f"http://127.0.0.1:{port}", "--end", END_TEXT]
    run = run_cli([*args, "--retries", "0", "-o", "q4"], cwd=tmp_path)
    assert run.exit_code == 1
    assert run.stderr == (
        f"Error: the Prometheus server at http://127.0.0.1:{port} failed once ([Errno 111] "
        "Connection refused); nothing answers there: check --prometheus (scheme, host and port) "
        "and that the server runs, or raise --retries if it is starting\n"
    )
    assert not (tmp_path / "q4").exists()


def test_refused_credentials_are_one_line_and_never_shown(
    tmp_path: Path, istio: prom.Prometheus, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, stderr = _collect(tmp_path, istio)
    assert code == 1
    assert stderr == (
        f"Error: the Prometheus server at {istio.url} refused the credentials (401 "
        "Unauthorized); check the token (--bearer-token-file, PLANNER_PROMETHEUS_TOKEN), the "
        "user and password (PLANNER_PROMETHEUS_USERNAME, PLANNER_PROMETHEUS_PASSWORD) or "
        "--header\n"
    )
    monkeypatch.setenv("PLANNER_PROMETHEUS_USERNAME", prom.USER)
    monkeypatch.setenv("PLANNER_PROMETHEUS_PASSWORD", "not-the-password-1234")
    code, stdout, stderr = _collect(tmp_path, istio)
    assert code == 1
    assert "refused the credentials (401 Unauthorized)" in stderr
    assert "not-the-password-1234" not in stderr + stdout
    assert not (tmp_path / "q4").exists()


def test_a_query_the_server_rejects_is_quoted(
    tmp_path: Path, istio: prom.Prometheus, credentials: None
) -> None:
    code, _, stderr = _collect(tmp_path, istio, "--match", "cluster=eu-1")
    assert code == 1
    assert stderr.startswith(
        f'Error: the Prometheus server at {istio.url} rejected a query ("invalid parameter '
        '"query": 1:'
    )
    assert "parse error" in stderr
    assert stderr.endswith(
        "kube_daemonset_status_desired_number_scheduled{cluster=eu-1}, "
        '"workload", "$1", "daemonset", "(.+)"), "kind", "DaemonSet", "namespace", ".*"))\n'
    )
    assert stderr.count("\n") == 1
    assert not (tmp_path / "q4").exists()


def test_a_matcher_narrows_every_query(
    tmp_path: Path, istio: prom.Prometheus, credentials: None
) -> None:
    """A fleet-wide server labels each cluster's series (cluster="eu-1" here)."""
    code, _, stderr = _collect(tmp_path, istio, "--match", 'cluster="eu-1"')
    assert code == 0, stderr
    assert "  18 workloads, 16 Services, 22 traffic edges, 3 nodes\n" in stderr
    record = json.loads((tmp_path / "q4" / "collect.json").read_text("utf-8"))
    assert record["matchers"] == ['cluster="eu-1"']
    assert all('cluster="eu-1"' in q["query"] for q in record["queries"])
    code, _, stderr = _collect(tmp_path, istio, "--match", 'cluster="us-2"', out="us")
    assert code == 1
    assert stderr.startswith("Error: no workloads at ")


def test_an_empty_window_says_why(
    tmp_path: Path, istio: prom.Prometheus, credentials: None
) -> None:
    args = ["collect", "--prometheus", istio.url, "--end", "2020-01-01T00:00:00Z", "-o", "q4"]
    run = run_cli(args, cwd=tmp_path)
    assert run.exit_code == 1
    assert run.stderr == (
        "Error: no workloads at 2020-01-01T00:00:00Z: kube-state-metrics' "
        "kube_deployment_spec_replicas, kube_statefulset_replicas and "
        "kube_daemonset_status_desired_number_scheduled gave nothing; check that this server "
        "scrapes kube-state-metrics (v2) and that --end lies within its retention\n"
    )
    assert not (tmp_path / "q4").exists()


def test_a_query_too_large_for_the_server_is_split_by_namespace(
    tmp_path: Path, istio_data: Path, truth: prom.Truth
) -> None:
    """A server that loads at most 100,000 samples per query refuses the week of the proxies'
    CPU at once (137,123 at its peak); collect asks again namespace by namespace (48,397 and
    88,727 samples) and gets the same tables."""
    data = prom.copy_data(istio_data, tmp_path / "small")
    for server in prom.serve(data, "--query.max-samples=100000"):
        code, _, stderr = _collect(tmp_path, server)
        assert code == 0, stderr
    record = json.loads((tmp_path / "q4" / "collect.json").read_text("utf-8"))
    split = [q["name"] for q in record["queries"] if q["split_by_namespace"]]
    assert "proxy_cpu_usage" in split
    expected = truth.tables("istio")
    for name in TABLES:
        assert (tmp_path / "q4" / name).read_text("utf-8") == expected[name], name


class _Failing(http.server.BaseHTTPRequestHandler):
    statuses: ClassVar[list[int]] = []

    def do_POST(self) -> None:
        self.statuses.append(503)
        self.send_response(503)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        del format, args


def test_retries_back_off_then_give_up() -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Failing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        pauses: list[float] = []
        client = Client(Server(url, retries=3), sleep=pauses.append)
        with pytest.raises(CollectError) as raised:
            client.query("up", datetime.fromtimestamp(END, UTC))
    finally:
        server.shutdown()
        server.server_close()
    assert pauses == [0.5, 1.0, 2.0]
    assert len(_Failing.statuses) == 4
    assert str(raised.value) == (
        f"the Prometheus server at {url} failed 4 times (HTTP 503 Service Unavailable); it may "
        "be overloaded: retry later, or raise --timeout or --retries"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--prometheus", "prometheus:9090"],
            'Error: --prometheus "prometheus:9090": give the server\'s http:// or https:// '
            "URL, such as http://prometheus.monitoring:9090\n",
        ),
        (
            ["--prometheus", "http://p:9090", "--window", "3m"],
            'Error: --window "3m": give whole seconds, at least 5m\n',
        ),
        (
            ["--prometheus", "http://p:9090", "--end", "yesterday"],
            'Error: --end "yesterday": give an RFC 3339 time such as 2026-12-01T00:00:00Z\n',
        ),
        (
            ["--prometheus", "http://p:9090", "--header", "X-Scope-OrgID"],
            'Error: --header: "X-Scope-OrgID"... is not `Name: value` '
            "(such as 'X-Scope-OrgID: tenant-1')\n",
        ),
    ],
)
def test_bad_flags_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    run = run_cli(["collect", *args, "-o", "q4"], cwd=tmp_path)
    assert (run.exit_code, run.stderr) == (1, message)
    assert not (tmp_path / "q4").exists()


def test_ambient_takes_every_workload_as_captured_and_keeps_the_sidecars_it_sees(
    tmp_path: Path, istio: prom.Prometheus, credentials: None
) -> None:
    """No metric shows ztunnel's capture: mesh_injected is left to the reader's default
    (captured), and a workload whose pods run istio-proxy keeps its sidecar (a mixed cluster)."""
    code, _, stderr = _collect(tmp_path, istio, "--mesh", "istio-ambient")
    assert code == 0, stderr
    assert "  - mesh_injected: left empty (every workload taken as captured by ztunnel)" in stderr
    rows = (tmp_path / "q4" / "workloads.csv").read_text("utf-8").splitlines()
    header = rows[0].split(",")
    assert header[4:6] == ["mesh_injected", "labels"]
    cells = {r.split(",")[1]: r.split(",")[4:6] for r in rows[1:]}
    assert cells["loadgenerator"] == ["", ""]
    assert cells["frontend"] == ["", "sidecar.istio.io/inject=true"]
    folder = tmp_path / "q4"
    args = ["size", "-i", f"{folder}/workloads.csv", "--services", f"{folder}/services.csv"]
    args += ["--traffic", f"{folder}/traffic.csv", "--traffic-window", "7d"]
    args += ["--nodes", f"{folder}/nodes.csv", "--mesh", "istio-ambient", "-o", "plan"]
    run = run_cli(args, cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    plan = json.loads((tmp_path / "plan" / "plan.json").read_text("utf-8"))
    kept = {w["workload"] for w in plan["workloads"] if w["proxy"]}
    assert kept == {k for k, v in cells.items() if v[1]}
    assert plan["nodes"]["count"] == 3
