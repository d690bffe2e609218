"""The built-in profile is its own derivation: every derived coefficient is what its published
figures give, and each source figure can be predicted without itself where others determine it."""

from __future__ import annotations

import pytest

from models.knobs import Knobs
from planner.meshes.istio_sidecar.profile import IstioSidecarProfile as MeshProfile
from planner.pipeline import build_plan
from tests.conftest import DATA
from tests.plans import istio_profile
from tools.accuracy.cases import ISTIOD_PROXY_CASES, Figure, load_figures, small_mesh
from tools.accuracy.derivations import (
    Context,
    coefficient,
    derivations,
    derive,
    derived_paths,
    leave_one_out,
    with_values,
)

PROFILE = istio_profile()


@pytest.fixture(scope="module")
def figures() -> dict[str, Figure]:
    return load_figures(DATA / "published-figures.csv")


@pytest.fixture(scope="module")
def derived(figures: dict[str, Figure]) -> MeshProfile:
    return derive(PROFILE, figures)


@pytest.mark.parametrize("path", derived_paths(PROFILE))
def test_the_shipped_coefficient_is_its_derivation(path: str, derived: MeshProfile) -> None:
    shipped = coefficient(PROFILE, path).value
    again = coefficient(derived, path).value
    # the YAML rounds to what the figures support: 0.5 % (or half a unit of the last digit)
    assert shipped == pytest.approx(again, rel=0.005, abs=0.05), path


def test_every_derived_coefficient_cites_its_figures() -> None:
    for path in derived_paths(PROFILE):
        value = coefficient(PROFILE, path)
        assert value.tag in ("derived", "pub"), path
        assert value.figure_ids, path


def test_a_derivation_without_enough_figures_says_so(figures: dict[str, Figure]) -> None:
    proxy_terms = next(d for d in derivations(PROFILE) if d.cases == ISTIOD_PROXY_CASES)
    assert proxy_terms.solve(Context(figures, PROFILE), ISTIOD_PROXY_CASES[:2]) is None


def test_leaving_a_figure_out_changes_what_predicts_it(figures: dict[str, Figure]) -> None:
    # the perf mesh's point pulls the fixed per-proxy term down; without it the fit is the AKS
    # points alone and over-predicts the perf mesh
    without = leave_one_out(PROFILE, figures, "istiod-memory-perf")
    assert without is not None
    published = figures["perf-009"].value
    assert 1.1 * published < without < 1.4 * published
    assert leave_one_out(PROFILE, figures, "sidecar-cpu-1.24") is None  # its range's only page
    assert leave_one_out(PROFILE, figures, "istiod-memory-aks-1.18-15k") is None  # held out


def test_with_values_sets_one_coefficient_and_keeps_the_rest() -> None:
    changed = with_values(PROFILE, {"objects[1.7].memory_per_cluster_bytes": 1.0})
    assert coefficient(changed, "objects[1.7].memory_per_cluster_bytes").value == 1.0
    assert coefficient(changed, "objects[1.8].memory_per_cluster_bytes").value == 38727
    assert changed.control_plane == PROFILE.control_plane


@pytest.mark.parametrize(
    ("version", "per_cluster", "per_endpoint", "inbound", "figure"),
    [
        ("1.3", 41460, 2739, 1, "mp-envoy-003"),
        ("1.10", 38727, 1380, 0, "envoy-006"),
        ("1.24", 38727, 1380, 0, "envoy-006"),
        ("1.1", 57165, 2739, 1, "mp-envoy-001"),
        ("1.7", 34977, 1380, 0, "mp-envoy-005"),
    ],
)
def test_the_version_switch_prices_objects_of_their_time(
    version: str, per_cluster: int, per_endpoint: int, inbound: int, figure: str
) -> None:
    scenario = small_mesh(version, 100.0)
    plan = build_plan(scenario.inventory, None, PROFILE, Knobs(mesh_version=version))
    assumptions = {a.name: a for a in plan.assumptions}
    cluster = assumptions["objects.memory_per_cluster_bytes"]
    assert cluster.value == per_cluster
    assert figure in cluster.figure_ids
    assert assumptions["objects.memory_per_endpoint_bytes"].value == per_endpoint
    assert assumptions["objects.inbound_listeners_per_port"].value == inbound
    sidecar = next(w.proxy for w in plan.workloads if w.namespace == "ns000" and w.proxy)
    # one inbound port each: before 1.6 it is a listener of its own
    assert sidecar.visible_listeners == inbound


def test_the_same_mesh_costs_differently_in_1_3_1_10_and_1_24() -> None:
    memory = {}
    for version in ("1.3", "1.10", "1.24"):
        scenario = small_mesh(version, 100.0)
        plan = build_plan(scenario.inventory, None, PROFILE, Knobs(mesh_version=version))
        proxy = next(w.proxy for w in plan.workloads if w.namespace == "ns000" and w.proxy)
        assert proxy is not None
        base = next(a for a in plan.assumptions if a.name == "version.base_memory_mib").value
        memory[version] = proxy.estimated_memory_mib - base
    assert memory["1.3"] > memory["1.10"] == memory["1.24"]
