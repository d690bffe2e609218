"""The default model reproduces the published cases within the tolerances the project promises."""

from __future__ import annotations

import statistics
import subprocess
import sys

import pytest

from tests.conftest import DATA, REPO
from tests.plans import istio_profile
from tools.accuracy.cases import PERF_VERSIONS, Result, Role, cases, evaluate, load_figures


@pytest.fixture(scope="module")
def results() -> dict[str, Result]:
    profile = istio_profile()
    return {r.case.key: r for r in evaluate(load_figures(DATA / "published-figures.csv"), profile)}


@pytest.mark.parametrize("version", [v for v, _, _ in PERF_VERSIONS])
@pytest.mark.parametrize("resource", ["cpu", "memory"])
def test_sidecar_at_1000_rps_within_25_percent(
    results: dict[str, Result], version: str, resource: str
) -> None:
    result = results[f"sidecar-{resource}-{version}"]
    assert abs(result.error_ratio) <= 0.25, result


def test_at_least_three_versions_are_checked() -> None:
    assert len({v.split(".")[1] for v, _, _ in PERF_VERSIONS}) >= 3


def test_istiod_25000_sidecars_one_service_within_25_percent(results: dict[str, Result]) -> None:
    result = results["istiod-memory-aks-25k"]
    assert result.figure.id == "istiod-002"
    assert abs(result.error_ratio) <= 0.25, result


def test_istiod_1000_services_2000_sidecars_within_35_percent(results: dict[str, Result]) -> None:
    result = results["istiod-memory-perf"]
    assert result.figure.id == "perf-009"
    assert abs(result.error_ratio) <= 0.35, result


def test_no_held_out_istiod_memory_case_is_under_estimated_by_more_than_25_percent(
    results: dict[str, Result],
) -> None:
    held_out = [
        r
        for r in results.values()
        if r.case.role is Role.HELD_OUT and r.case.key.startswith("istiod-memory")
    ]
    assert len(held_out) >= 8
    assert [r.case.key for r in held_out if r.error_ratio < -0.25] == []


def test_held_out_median_error_is_no_worse_than_before_round_two(
    results: dict[str, Result],
) -> None:
    # docs/accuracy.md before the per-cluster istiod term: 14 held-out cases, median 16.1 %
    errors = [abs(r.error_ratio) for r in results.values() if r.case.role is Role.HELD_OUT]
    assert statistics.median(errors) <= 0.161


def test_istiod_memory_per_proxy_grows_with_the_services_it_sees(
    results: dict[str, Result],
) -> None:
    # the same number of proxies seeing 1000 Services instead of 1 costs istiod more per proxy
    one = results["istiod-memory-aks-1.18-15k"].model
    many = results["istiod-memory-aks-1.18-1000-services-15k"].model
    assert many > 1.7 * one


def test_every_case_names_a_published_figure() -> None:
    figures = load_figures(DATA / "published-figures.csv")
    missing = [c.figure_id for c in cases() if c.figure_id not in figures]
    assert missing == []


def test_generated_docs_are_current() -> None:
    check = subprocess.run(
        [sys.executable, "scripts/docs.py", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (check.returncode, check.stderr) == (0, ""), "run python scripts/docs.py"


def test_profile_figure_ids_exist_in_data() -> None:
    profile = istio_profile()
    text = (DATA / "published-figures.csv").read_text("utf-8")
    known = {line.split(",", 1)[0] for line in text.splitlines()[1:]}
    cited: set[str] = set()
    for group in (profile.proxy, profile.gateway, profile.control_plane, *profile.versions):
        for _, value in group:
            cited.update(getattr(value, "figure_ids", ()))
    assert cited
    assert cited <= known, sorted(cited - known)


@pytest.fixture(scope="module")
def linkerd_results() -> dict[str, Result]:
    from models.knobs import MeshKind
    from planner.meshes.linkerd.profile import LinkerdProfile
    from planner.meshes.profiles import load_builtin_profile
    from tools.accuracy.linkerd import evaluate_linkerd

    profile = load_builtin_profile(MeshKind.LINKERD)
    assert isinstance(profile, LinkerdProfile)
    figures = load_figures(DATA / "published-figures.csv")
    return {r.case.key: r for r in evaluate_linkerd(figures, profile)}


def test_linkerd_source_figures_are_reproduced(linkerd_results: dict[str, Result]) -> None:
    sources = [r for r in linkerd_results.values() if r.case.role is Role.SOURCE]
    assert len(sources) >= 8
    for result in sources:
        assert abs(result.error_ratio) <= 0.15, result


def test_linkerd_held_out_proxy_cpu_within_15_percent(linkerd_results: dict[str, Result]) -> None:
    for key in ("shopify-client", "shopify-server"):
        assert abs(linkerd_results[key].error_ratio) <= 0.15, linkerd_results[key]


def test_linkerd_held_out_control_plane_memory_within_25_percent(
    linkerd_results: dict[str, Result],
) -> None:
    result = linkerd_results["buoyant-2.10-cp-memory"]
    assert abs(result.error_ratio) <= 0.25, result
    # CPU of another version's control plane is far off, and the page says so
    assert linkerd_results["buoyant-2.10-cp-cpu"].error_ratio > 1.0


@pytest.fixture(scope="module")
def consul_results() -> dict[str, Result]:
    from models.knobs import MeshKind
    from planner.meshes.consul.profile import ConsulProfile
    from planner.meshes.profiles import load_builtin_profile
    from tools.accuracy.consul import evaluate_consul

    profile = load_builtin_profile(MeshKind.CONSUL)
    assert isinstance(profile, ConsulProfile)
    figures = load_figures(DATA / "published-figures.csv")
    return {r.case.key: r for r in evaluate_consul(figures, profile)}


def test_consul_source_figures_are_reproduced(consul_results: dict[str, Result]) -> None:
    sources = [r for r in consul_results.values() if r.case.role is Role.SOURCE]
    assert len(sources) == 4
    for result in sources:
        assert abs(result.error_ratio) <= 0.01, result


def test_consul_server_class_is_shown_beside_the_model(consul_results: dict[str, Result]) -> None:
    memory = consul_results["scale-server-memory"]
    assert memory.case.role is Role.GUIDELINE
    # the model's server for 172,000 instances is well under the class's 32 GB
    assert memory.model < memory.figure.value
    assert (
        consul_results["scale-server-cpu"].model > consul_results["scale-server-cpu"].figure.value
    )
