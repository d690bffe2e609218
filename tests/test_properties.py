"""The invariants a planner lives by, over random meshes (hypothesis):

- more traffic never lowers a recommendation;
- requests never exceed limits;
- results do not depend on the order of rows or columns;
- observed usage is never undercut.
"""

from __future__ import annotations

import random
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st

from models.knobs import Knobs, MeshKind, ScopeGranularity
from models.plan import Plan
from models.profile import ProfileBase
from planner.frames import (
    components,
    distinct,
    grouped_by_keys,
    grouped_dict,
    grouped_integers,
    grouped_tuples,
    matched,
    positions,
    recoded,
    records,
    row_codes,
    shared_categories,
    sort_keys,
    sorted_distinct,
    sorted_unique,
    stable_order,
    taken,
)
from planner.frames import keys as key_strings
from planner.inputs.load import read_inventory
from planner.inputs.traffic import read_traffic
from planner.inputs.traffic_table import UNREGISTERED_DESTINATIONS
from planner.meshes.profiles import load_builtin_profile
from planner.pipeline import build_plan, head_start_for
from reports.gitops.sidecars import block_yaml, dump_yaml
from reports.plan_json import PLAN_FILE, render_json, render_scoping, render_workloads
from tests.plans import istio_profile

PROFILE = istio_profile()
NAMESPACES = ("shop", "pay", "edge")


@dataclass(frozen=True)
class Workload:
    namespace: str
    name: str
    replicas: int
    injected: bool
    role: str
    observed_cpu: float | None
    observed_memory: float | None
    rps: float | None


@dataclass(frozen=True)
class Mesh:
    workloads: tuple[Workload, ...]
    edges: tuple[tuple[int, int, float], ...]  # (source index, destination index, rps)
    headroom: float

    def cluster_rows(self) -> list[list[str]]:
        def cell(value: float | None) -> str:
            return "" if value is None else repr(value)

        return [
            [
                w.namespace,
                w.name,
                str(w.replicas),
                "true" if w.injected else "false",
                w.role,
                cell(w.observed_cpu),
                cell(w.observed_memory),
                cell(w.rps),
            ]
            for w in self.workloads
        ]

    def traffic_rows(self) -> list[list[str]]:
        rows = []
        for source, destination, rps in self.edges:
            a, b = self.workloads[source], self.workloads[destination]
            rows.append([a.namespace, a.name, b.namespace, b.name, repr(rps)])
        return rows


CLUSTER_HEADER = [
    "namespace",
    "workload",
    "replicas",
    "mesh_injected",
    "role",
    "proxy_cpu_millicores",
    "proxy_memory_mib",
    "rps",
]
TRAFFIC_HEADER = [
    "source_namespace",
    "source_workload",
    "destination_namespace",
    "destination_service",
    "rps",
]

rates = st.floats(min_value=0, max_value=20_000, allow_nan=False).map(lambda x: round(x, 3))
usage = st.one_of(st.none(), st.floats(min_value=1, max_value=3000).map(lambda x: round(x, 2)))


@st.composite
def meshes(draw: st.DrawFn) -> Mesh:
    count = draw(st.integers(min_value=1, max_value=8))
    workloads = []
    for i in range(count):
        role = "ingress-gateway" if i == 0 and draw(st.booleans()) else "workload"
        workloads.append(
            Workload(
                namespace=draw(st.sampled_from(NAMESPACES)),
                name=f"w{i}",
                replicas=draw(st.integers(min_value=0, max_value=6)),
                injected=draw(st.booleans()) or role != "workload",
                role=role,
                observed_cpu=draw(usage),
                observed_memory=draw(usage),
                rps=draw(st.one_of(st.none(), rates)),
            )
        )
    edges = draw(
        st.lists(
            st.tuples(
                st.integers(min_value=0, max_value=count - 1),
                st.integers(min_value=0, max_value=count - 1),
                rates,
            ),
            max_size=12,
        )
    )
    headroom = draw(st.sampled_from([0.0, 0.25, 0.5]))
    return Mesh(tuple(workloads), tuple(edges), headroom)


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


def plan_for(
    mesh: Mesh,
    shuffle: random.Random | None = None,
    *,
    profile: ProfileBase = PROFILE,
    knobs: Knobs | None = None,
    ahead: Knobs | None = None,
) -> Plan:
    """`mesh` planned with `profile` and `knobs` (the Istio profile and the mesh's headroom by
    default), with the head start worked out with the `ahead` knobs when given (the CLI works
    it out while the traffic table is read)."""
    cluster_header, cluster_rows = CLUSTER_HEADER, mesh.cluster_rows()
    traffic_header, traffic_rows = TRAFFIC_HEADER, mesh.traffic_rows()
    if shuffle is not None:
        cluster_header, cluster_rows = _shuffled(cluster_header, cluster_rows, shuffle)
        traffic_header, traffic_rows = _shuffled(traffic_header, traffic_rows, shuffle)
    with tempfile.TemporaryDirectory() as folder:
        inventory = read_inventory(
            _write(Path(folder) / "cluster.csv", cluster_header, cluster_rows)
        )
        traffic = None
        if traffic_rows:
            path = _write(Path(folder) / "traffic.csv", traffic_header, traffic_rows)
            traffic = read_traffic(path, inventory)
        knobs = knobs or Knobs(headroom_ratio=mesh.headroom)
        knobs = knobs.model_copy(update={"mesh": profile.mesh})
        given = None
        if ahead is not None:
            given = head_start_for(
                inventory, profile, ahead.model_copy(update={"mesh": profile.mesh})
            )
            assert given is not None
            assert given.inventory is inventory
        return build_plan(inventory, traffic, profile, knobs, head_start=given)


def _shuffled(
    header: list[str], rows: list[list[str]], rng: random.Random
) -> tuple[list[str], list[list[str]]]:
    order = list(range(len(header)))
    rng.shuffle(order)
    rows = [[r[i] for i in order] for r in rows]
    rng.shuffle(rows)
    return [header[i] for i in order], rows


@settings(max_examples=60, deadline=None)
@given(meshes(), st.data())
def test_more_traffic_never_lowers_a_recommendation(mesh: Mesh, data: st.DataObject) -> None:
    before = plan_for(mesh)
    busier_edge = data.draw(st.booleans())
    if mesh.edges and busier_edge:
        index = data.draw(st.integers(min_value=0, max_value=len(mesh.edges) - 1))
        source, destination, rps = mesh.edges[index]
        extra = data.draw(rates)
        edges = list(mesh.edges)
        edges[index] = (source, destination, round(rps + extra, 3))
        busier = replace(mesh, edges=tuple(edges))
    else:
        index = data.draw(st.integers(min_value=0, max_value=len(mesh.workloads) - 1))
        workload = mesh.workloads[index]
        extra = data.draw(rates)
        workloads = list(mesh.workloads)
        workloads[index] = replace(workload, rps=round((workload.rps or 0.0) + extra, 3))
        busier = replace(mesh, workloads=tuple(workloads))
    after = plan_for(busier)
    for old, new in zip(before.workloads, after.workloads, strict=True):
        if old.proxy is None or new.proxy is None:
            assert old.proxy == new.proxy
            continue
        assert new.proxy.cpu_request_millicores >= old.proxy.cpu_request_millicores
        assert new.proxy.cpu_limit_millicores >= old.proxy.cpu_limit_millicores
        assert new.proxy.memory_request_mib >= old.proxy.memory_request_mib
    for old_gateway, new_gateway in zip(before.gateways, after.gateways, strict=True):
        assert new_gateway.replicas >= old_gateway.replicas
    assert after.totals.gateways.estimated_cpu_cores >= before.totals.gateways.estimated_cpu_cores
    for old_cp, new_cp in zip(
        before.control_plane.components, after.control_plane.components, strict=True
    ):
        assert new_cp.replicas >= old_cp.replicas
        assert (
            new_cp.per_replica.cpu_request_millicores >= old_cp.per_replica.cpu_request_millicores
            or new_cp.replicas > old_cp.replicas
        )
    assert after.totals.mesh.estimated_cpu_cores >= before.totals.mesh.estimated_cpu_cores


@settings(max_examples=60, deadline=None)
@given(meshes())
def test_requests_never_exceed_limits(mesh: Mesh) -> None:
    plan = plan_for(mesh)
    resources = [w.proxy for w in plan.workloads if w.proxy is not None]
    resources += [g.per_replica for g in plan.gateways]
    for r in [*resources, *(c.per_replica for c in plan.control_plane.components)]:
        assert 0 < r.cpu_request_millicores <= r.cpu_limit_millicores
        assert 0 < r.memory_request_mib <= r.memory_limit_mib


@settings(max_examples=40, deadline=None)
@given(meshes(), st.integers(min_value=0, max_value=2**32))
def test_results_do_not_depend_on_row_or_column_order(mesh: Mesh, seed: int) -> None:
    assert render_json(plan_for(mesh)) == render_json(plan_for(mesh, random.Random(seed)))


@settings(max_examples=40, deadline=None)
@given(
    meshes(),
    st.sampled_from([MeshKind.ISTIO_SIDECAR, MeshKind.CONSUL]),
    st.sampled_from(list(ScopeGranularity)),
    st.sampled_from(list(ScopeGranularity)),
)
def test_a_head_start_gives_the_plan_the_sizing_alone_gives(
    mesh: Mesh, kind: MeshKind, granularity: ScopeGranularity, ahead: ScopeGranularity
) -> None:
    """What a mesh reads of the inventory alone, worked out before the sizing (with the same
    knobs, or with Sidecars grouped the other way), changes no byte of the plan."""
    profile = load_builtin_profile(kind)
    knobs = Knobs(
        headroom_ratio=mesh.headroom,
        traffic_window_seconds=7 * 86400.0,
        scope_granularity=granularity,
    )
    alone = render_json(plan_for(mesh, profile=profile, knobs=knobs))
    other = knobs.model_copy(update={"scope_granularity": ahead})
    assert render_json(plan_for(mesh, profile=profile, knobs=knobs, ahead=other)) == alone


@settings(max_examples=40, deadline=None)
@given(meshes())
def test_plan_json_with_its_scoping_written_apart_is_the_same_bytes(mesh: Mesh) -> None:
    plan = plan_for(mesh)
    scoping = plan.scoping
    spliced = render_json(plan, scoping=lambda: render_scoping(scoping) if scoping else b"")
    assert spliced == render_json(plan)


@settings(max_examples=40, deadline=None)
@given(meshes(), st.floats(min_value=0, max_value=1), st.booleans())
def test_plan_json_with_its_workloads_written_in_two_parts_is_the_same_bytes(
    mesh: Mesh, cut: float, scoping_apart: bool
) -> None:
    """render_json writes the workloads before `n` and is given the rest (render_workloads,
    written in a forked child by the CLI): the bytes of a whole serialization, wherever the
    cut falls (at an end: not split), with or without the scoping written apart too."""
    plan = plan_for(mesh)
    scoping = plan.scoping
    n = round(cut * len(plan.workloads))
    given = (lambda: render_scoping(scoping) if scoping else b"") if scoping_apart else None
    tail = (n, lambda: render_workloads(plan.workloads[n:]))
    spliced = render_json(plan, scoping=given, workloads=tail)
    assert spliced == render_json(plan)
    # in parts, as the CLI writes them: the same bytes one after the other
    parts = render_json(plan, scoping=given, workloads=tail, joined=False)
    assert list(parts) == [PLAN_FILE]
    assert b"".join(parts[PLAN_FILE]) == spliced[PLAN_FILE]


@settings(max_examples=60, deadline=None)
@given(meshes())
def test_observed_usage_is_never_undercut(mesh: Mesh) -> None:
    plan = plan_for(mesh)
    grow = 1.0 + mesh.headroom
    for workload in plan.workloads:
        proxy = workload.proxy
        if proxy is None:
            continue
        if proxy.observed_cpu_millicores is not None:
            assert proxy.cpu_request_millicores >= proxy.observed_cpu_millicores * grow - 1e-6
        if proxy.observed_memory_mib is not None:
            assert proxy.memory_request_mib >= proxy.observed_memory_mib * grow - 1e-6
    for gateway in plan.gateways:
        proxy = gateway.per_replica
        if proxy.observed_cpu_millicores is not None:
            total = proxy.observed_cpu_millicores * gateway.replicas
            assert proxy.cpu_request_millicores * gateway.replicas >= total * grow - 1e-6
        if proxy.observed_memory_mib is not None:
            assert proxy.memory_request_mib >= proxy.observed_memory_mib * grow - 1e-6


def _reachable(
    plan: Plan, caller_namespace: str, caller: str, namespace: str, service: str
) -> bool:
    """Whether, after scoping, the caller's proxy still holds the destination Service."""
    assert plan.scoping is not None
    assert plan.scoping.discovery is not None
    if namespace not in plan.scoping.discovery.namespaces:
        return False
    export = next(
        e for e in plan.scoping.exports if (e.namespace, e.service) == (namespace, service)
    )
    exported = (
        "*" in export.export_to
        or caller_namespace in export.export_to
        or ("." in export.export_to and caller_namespace == namespace)
    )
    if not exported:
        return False
    workload = next(
        w for w in plan.workloads if (w.namespace, w.workload) == (caller_namespace, caller)
    )
    if workload.scoping is None or workload.scoping.sidecar is None:
        return True  # a gateway, or a workload no Sidecar selects: it sees the whole mesh
    hosts = next(
        s.egress_hosts
        for s in plan.scoping.sidecars
        if (s.namespace, s.name) == (workload.namespace, workload.scoping.sidecar)
    )
    exact = f"{namespace}/{service}.{namespace}.svc.cluster.local"
    return (
        exact in hosts
        or f"{namespace}/*" in hosts
        or ("./*" in hosts and namespace == caller_namespace)
    )


@settings(max_examples=80, deadline=None)
@given(meshes(), st.sampled_from([None, 3600.0, 7 * 86400.0]), st.booleans())
def test_scoping_never_drops_an_observed_destination(
    mesh: Mesh, window: float | None, by_namespace: bool
) -> None:
    if not mesh.edges:
        return
    with tempfile.TemporaryDirectory() as folder:
        inventory = read_inventory(
            _write(Path(folder) / "cluster.csv", CLUSTER_HEADER, mesh.cluster_rows())
        )
        traffic = read_traffic(
            _write(Path(folder) / "traffic.csv", TRAFFIC_HEADER, mesh.traffic_rows()), inventory
        )
    knobs = Knobs(
        traffic_window_seconds=window,
        scope_granularity=ScopeGranularity.NAMESPACE if by_namespace else ScopeGranularity.WORKLOAD,
    )
    plan = build_plan(inventory, traffic, PROFILE, knobs)
    for source, destination, _ in mesh.edges:
        caller, callee = mesh.workloads[source], mesh.workloads[destination]
        if not caller.injected:
            continue  # no sidecar: scoping does not touch it
        assert _reachable(plan, caller.namespace, caller.name, callee.namespace, callee.name)
    for workload in plan.workloads:
        if workload.scoping is not None:
            assert workload.scoping.clusters_after <= workload.scoping.clusters_before
            assert workload.scoping.endpoints_after <= workload.scoping.endpoints_before


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c", None]),
            st.sampled_from(["x", "y"]),
            st.sampled_from(["s1", "s2", "s3"]),
        ),
        max_size=40,
    )
)
def test_grouped_tuples_is_groupby_agg_tuple(rows: list[tuple[str | None, str, str]]) -> None:
    """planner.frames.grouped_tuples gives what `groupby(keys)[column].agg(tuple)` gives, and
    grouped_dict the same as a dict."""
    frame = pd.DataFrame(rows, columns=["ns", "name", "value"], dtype=object)
    for keys in (["ns"], ["ns", "name"]):
        expected = frame.groupby(keys, sort=True)["value"].agg(tuple)
        found = grouped_tuples(frame, keys, "value")
        assert found.index.equals(expected.index)
        assert list(found) == list(expected)
        # the same groups as a lookup, from text or Categorical keys
        for table in (frame, frame.astype({"ns": "category", "name": "str"})):
            assert grouped_dict(table, keys, "value") == expected.to_dict()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "B", "a-b", "a.b", None]),
            st.sampled_from(["x", "y", "x-1", "é"]),
            st.sampled_from(["s1", "s2", "s10", "s-1"]),
        ),
        max_size=40,
    ),
    st.booleans(),
)
def test_sorted_distinct_is_drop_duplicates_then_sort_values(
    rows: list[tuple[str | None, str, str]], categorical: bool
) -> None:
    """planner.frames.sorted_distinct gives what `drop_duplicates(keys)` then
    `sort_values(keys, ignore_index=True)` give, and `distinct` what `drop_duplicates(keys)`
    gives (and `row_codes` numbers groups as `ngroup` does), `sort_keys` orders groups as a
    sorted groupby and `matched` keeps the
    rows a merge with unique keys keeps, for text and for Categorical columns; `recoded` parts
    concatenate into Categoricals holding the same values; and planner.frames.keys gives
    `namespace + "/" + name` row by row."""
    frame = pd.DataFrame(rows, columns=["ns", "name", "value"], dtype=str)
    if categorical:
        frame = frame.assign(ns=frame["ns"].astype("category"))
    for columns in (["ns"], ["ns", "name"], ["name", "ns", "value"]):
        expected = frame.drop_duplicates(columns).sort_values(columns, ignore_index=True)
        assert sorted_distinct(frame, columns).equals(expected)
        assert distinct(frame, columns).equals(frame.drop_duplicates(columns))
        codes, first = row_codes(frame, columns)
        numbered = frame.groupby(columns, sort=False, dropna=False, observed=True).ngroup()
        assert codes.tolist() == numbered.tolist()
        assert frame.take(first).equals(frame.drop_duplicates(columns))
        grouped = frame.groupby(columns, sort=True, dropna=False, observed=True).ngroup()
        assert pd.factorize(sort_keys(frame, columns), sort=True)[0].tolist() == grouped.tolist()
        table = frame.drop_duplicates(columns).iloc[::2]
        merged = frame.merge(table[columns], on=columns)
        assert matched(frame, columns, table).astype(object).equals(merged.astype(object))
    halves = recoded([frame.iloc[: len(frame) // 2], frame.iloc[len(frame) // 2 :]], ["ns", "name"])
    joined = pd.concat(halves)
    assert all(isinstance(joined[c].dtype, pd.CategoricalDtype) for c in ("ns", "name"))
    assert joined.astype(object).equals(frame.astype(object))
    plain = frame["ns"].astype(str) + "/" + frame["name"].astype(str)
    assert key_strings(frame, "ns", "name").equals(plain)


def _keyed_rows(*values: st.SearchStrategy[Any], size: int) -> st.SearchStrategy[Any]:
    """Rows of (namespace, name, *values): keys repeated, missing, empty and not ASCII."""
    keys = (st.sampled_from(["a", "b", "B", "é", None]), st.sampled_from(["x", "y", ""]))
    return st.lists(st.tuples(*keys, *values), max_size=size)


@settings(max_examples=60, deadline=None)
@given(
    _keyed_rows(st.integers(-(10**12), 10**12), st.integers(-(10**6), 10**6), size=40),
    st.booleans(),
    st.sampled_from(["sum", "max"]),
    st.booleans(),
)
def test_grouped_integers_is_pandas_groupby(
    rows: list[tuple[str | None, str, int, int]], categorical: bool, how: str, both: bool
) -> None:
    """planner.frames.grouped_integers gives pandas' sorted groupby sum or max of one integer
    column or several, for text and Categorical keys (a missing key: pandas' own answer)."""
    frame = pd.DataFrame(rows, columns=["ns", "name", "value", "other"]).astype(
        {"ns": str, "name": str, "value": np.int64, "other": np.int64}
    )
    if categorical:
        frame = frame.astype({"ns": "category", "name": "category"})
    keys = ["ns", "name"]
    columns = ["value", "other"] if both else ["value"]
    expected = frame.groupby(keys, sort=True, as_index=False, observed=True)[columns].agg(how)
    assert grouped_integers(frame, keys, columns if both else "value", how).equals(expected)


@settings(max_examples=60, deadline=None)
@given(_keyed_rows(st.floats(-1e9, 1e9, allow_nan=False), st.booleans(), size=60), st.booleans())
def test_grouped_by_keys_is_pandas_groupby_agg(
    rows: list[tuple[str | None, str, float, bool]], categorical: bool
) -> None:
    """planner.frames.grouped_by_keys gives pandas' sorted groupby of text or Categorical keys,
    float sums the same to the bit (a missing key: pandas' own answer)."""
    frame = pd.DataFrame(rows, columns=["ns", "name", "rps", "flag"]).astype(
        {"ns": str, "name": str}
    )
    if categorical:
        frame = frame.astype({"ns": "category", "name": "category"})
    keys = ["ns", "name"]
    wanted = {"rps": ("rps", "sum"), "flag": ("flag", "any")}
    expected = frame.groupby(keys, as_index=False, sort=True).agg(**wanted)
    found = grouped_by_keys(frame, keys, **wanted)
    assert found.equals(expected)
    assert found["rps"].to_numpy().tobytes() == expected["rps"].to_numpy().tobytes()


def test_sorted_distinct_and_distinct_hold_past_62_bits_of_keys() -> None:
    """Six columns of 1,500 distinct values each need 64 bits of combined key: the keys are
    renumbered part-way, in order, and the results stay pandas' (text and Categoricals); every
    row finds itself among the distinct rows."""
    rng = np.random.default_rng(7)
    columns = [f"c{i}" for i in range(6)]
    frame = pd.DataFrame(
        {
            c: pd.Series(rng.permutation(1500).repeat(2)[:3000]).map("v{:04d}".format)
            for c in columns
        }
    )
    frame.iloc[::7, 2] = None
    for shaped in (frame.astype(str), frame.astype({"c1": "category", "c4": "category"})):
        assert sorted_distinct(shaped, columns).equals(
            shaped.drop_duplicates(columns).sort_values(columns, ignore_index=True)
        )
        assert distinct(shaped, columns[::-1]).equals(shaped.drop_duplicates(columns[::-1]))
        table = shaped.iloc[::-1].drop_duplicates(columns).reset_index(drop=True)
        at = positions(shaped, columns, table)
        assert (at >= 0).all()
        assert table.iloc[at].reset_index(drop=True).equals(shaped.reset_index(drop=True))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.floats(allow_nan=True)),
            st.integers(-(2**40), 2**40),
            st.booleans(),
            st.sampled_from(["a", "é", "", None]),
            st.sampled_from([None, ("x",), "y", 3]),
        ),
        max_size=12,
    ),
    st.booleans(),
)
def test_records_are_to_dict_records(
    rows: list[tuple[float | None, int, bool, str | None, object]], nullable: bool
) -> None:
    """planner.frames.records gives what `to_dict("records")` gives, value for value and type
    for type: floats with NaN, integers, booleans, text with missing values as str and as a
    Categorical, Python objects, dates, and (by falling back) nullable integers."""
    frame = pd.DataFrame(rows, columns=["f", "i", "b", "s", "o"]).astype(
        {"f": float, "i": np.int64, "b": bool, "s": "str"}
    )
    frame["c"] = frame["s"].astype("category")
    frame["d"] = pd.Timestamp("2026-12-06") + pd.to_timedelta(frame["i"] % 1000, unit="D")
    if nullable:
        frame["n"] = pd.array([None if i % 3 == 0 else i for i in frame["i"]], dtype="Int64")
    expected = frame.to_dict("records")
    got = records(frame)
    assert repr(got) == repr(expected)
    assert [[type(v) for v in r.values()] for r in got] == [
        [type(v) for v in r.values()] for r in expected
    ]
    assert records(frame[[]]) == frame[[]].to_dict("records")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["", "a", "a\x00", "b", "é", "Z", "a b", "app-1", "app-10"]),
            st.text(max_size=6),
            st.text(min_size=257, max_size=260),
        ),
        max_size=30,
    )
)
@example(["a", "a\x00", "b"])  # a fixed-width array would drop the NUL: "a" twice
@example(["x" * 300, "y"])
def test_unique_text_is_np_unique(values: list[str]) -> None:
    """frames._unique_text (texts sorted as a fixed-width array where that orders them as
    Python does) gives np.unique's distinct values, in its order, and the same inverse."""
    from planner.frames import _unique_text

    array = np.array(values, dtype=object)
    expected, expected_inverse = np.unique(array, return_inverse=True)
    every, inverse = _unique_text(array)
    assert every.dtype == object
    assert every.tolist() == expected.tolist()
    assert [type(v) for v in every] == [type(v) for v in expected]
    assert inverse.tolist() == expected_inverse.tolist()


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=1, max_value=40).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=60),
        )
    )
)
def test_components_number_as_scipy_does(graph: tuple[int, list[tuple[int, int]]]) -> None:
    """planner.frames.components finds scipy's connected components, numbered as scipy numbers
    them (Sidecar groups keep their names and order)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    count, edges = graph
    a = np.array([e[0] for e in edges], dtype=np.intp)
    b = np.array([e[1] for e in edges], dtype=np.intp)
    matrix = coo_matrix((np.ones(len(edges)), (a, b)), shape=(count, count))
    _, expected = connected_components(matrix, directed=False)
    assert components(count, a, b).tolist() == expected.tolist()


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b", "a-b", None]), st.sampled_from(["x", "y", "é"])),
        max_size=30,
    ),
    st.lists(
        st.tuples(st.sampled_from(["a", "b", "c", None]), st.sampled_from(["x", "y", "z"])),
        max_size=12,
        unique=True,
    ),
    st.booleans(),
)
def test_positions_find_what_a_left_merge_finds(
    rows: list[tuple[str | None, str]], table_rows: list[tuple[str | None, str]], categorical: bool
) -> None:
    """planner.frames.positions: each row's match in a table of unique keys, as a left merge on
    those keys matches it (missing matching missing), for text and Categorical rows; `taken`
    brings the matched values, or the filler."""
    frame = pd.DataFrame(rows, columns=["ns", "name"], dtype=str)
    if categorical:
        frame = frame.astype("category")
    table = pd.DataFrame(table_rows, columns=["namespace", "workload"], dtype=str)
    table["value"] = [f"v{i}" for i in range(len(table))]
    at = positions(frame, ["ns", "name"], table, ["namespace", "workload"])
    merged = (
        frame.astype(str if not categorical else object)
        .merge(
            table.assign(position=range(len(table))),
            left_on=["ns", "name"],
            right_on=["namespace", "workload"],
            how="left",
        )["position"]
        .fillna(-1)
        .astype(int)
    )
    assert at.tolist() == merged.tolist()
    assert taken(table["value"], at, "-").tolist() == [f"v{i}" if i >= 0 else "-" for i in merged]


_TRICKY = st.sampled_from(
    [
        "app",
        "team-0001/app.team-0001.svc.cluster.local",
        "istio-system/*",
        "*",
        "yes",
        "No",
        "null",
        "~",
        "1.24",
        "0x1f",
        "1e3",
        "2026-11-20",
        "a: b",
        "#tag",
        "-x",
        "- x",
        "",
        " padded ",
        "x" * 1200,
        "line\nbreak",
        "é-ü",
        "'quoted'",
        '"double"',
        "a,b",
        "{x}",
    ]
)
_SCALAR = st.one_of(_TRICKY, st.text(max_size=12))
_MANIFEST = st.recursive(
    _SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(_SCALAR, inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_SCALAR, _MANIFEST, min_size=1, max_size=4))
def test_block_yaml_writes_what_pyyaml_writes(document: dict[str, Any]) -> None:
    """sidecars.yaml's own writer gives PyYAML's text for every document, tricky strings,
    empty containers and long lines included (it hands PyYAML what it does not write)."""
    assert block_yaml(document) == dump_yaml(document)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(min_value=0, max_value=2.0**60, allow_nan=False),
            st.integers(min_value=0, max_value=10**7).map(lambda n: n + 0.5),
            st.floats(min_value=-1e6, max_value=0, allow_nan=False),
        ),
        max_size=40,
    )
)
@example([0.5, 1.5, 2.5, 2.0**53 - 0.5, 2.0**53, 1e16 + 2, 999.5, 1000.49999])
@example([-0.4, 3.0])  # "{:,.0f}" writes -0.4 as "-0": the general path
@example([-0.0, 3.0])
def test_request_counts_grouped_by_thousands_are_written_as_format_writes_them(
    values: list[float],
) -> None:
    from planner.meshes.consul.intentions import _thousands

    written = _thousands(np.array(values, dtype=float)).tolist()
    assert written == [f"{v:,.0f}" for v in values]
    # the text around each number is written as it is, braces too
    framed = _thousands(np.array(values, dtype=float), "seen {", "} times").tolist()
    assert framed == ["seen {" + f"{v:,.0f}" + "} times" for v in values]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 6),
            st.one_of(
                st.floats(min_value=-1e6, max_value=1e12),
                st.sampled_from([0.0, -0.0, float("inf"), float("nan"), 0.1, 0.2]),
            ),
        ),
        max_size=30,
    ),
    st.booleans(),
)
@example([(0, -0.0), (1, float("nan")), (2, float("inf")), (3, 0.1)], True)
@example([(0, 0.1), (0, 0.2), (0, 0.3), (1, -0.0)], False)
def test_requests_summed_per_source_as_pandas_sums_them(
    rows: list[tuple[int, float]], distinct: bool
) -> None:
    from planner.meshes.consul.intentions import _runs, _summed

    if distinct:  # each key once: the path without grouping
        rows = list(dict(rows).items())
    rows.sort(key=lambda row: row[0])
    keys = np.array([key for key, _ in rows], dtype=np.int64)
    values = np.array([value for _, value in rows], dtype=float)
    expected = pd.Series(values).groupby(keys).sum().to_numpy()
    summed = _summed(values, keys, _runs(keys)[0])
    assert summed.dtype == np.float64
    assert summed.tobytes() == expected.tobytes()  # to the bit: -0.0 and +0.0 differ


def _reference_rates(inventory: Any, edges: pd.DataFrame) -> pd.DataFrame:
    """The rates as planner.model.rates first worked them out, by name with pandas' groupbys
    and merges: the reference its code on positions must match to the bit."""
    from planner.inputs.protocols import is_l4

    workloads = inventory.workloads
    index = pd.MultiIndex.from_frame(workloads[["namespace", "workload"]])

    def outbound(rows: pd.DataFrame) -> pd.Series:
        out = rows.groupby(["source_namespace", "source_workload"])["rps"].sum()
        out.index.names = ["namespace", "workload"]
        return out

    def inbound(rows: pd.DataFrame) -> pd.Series:
        direct = rows.loc[rows["destination_workload"] != ""]
        direct_in = direct.groupby(["destination_workload_namespace", "destination_workload"])[
            "rps"
        ].sum()
        direct_in.index.names = ["namespace", "workload"]
        spread = rows.loc[rows["destination_workload"] == ""]
        per_service = (
            spread.groupby(["destination_namespace", "destination_service"])["rps"]
            .sum()
            .rename_axis(["namespace", "service"])
            .reset_index()
        )
        replicas = workloads[["namespace", "workload", "replicas"]]
        backing = inventory.backing.merge(replicas, on=["namespace", "workload"], how="inner")
        total = backing.groupby(["namespace", "service"])["replicas"].transform("sum")
        count = backing.groupby(["namespace", "service"])["replicas"].transform("size")
        backing = backing.assign(
            weight=np.where(total > 0, backing["replicas"] / total.where(total > 0, 1), 1.0 / count)
        )
        shares = per_service.merge(backing, on=["namespace", "service"], how="inner")
        shares["rps"] = shares["rps"] * shares["weight"]
        spread_in = shares.groupby(["namespace", "workload"])["rps"].sum()
        result: pd.Series = spread_in.add(direct_in, fill_value=0.0)
        return result

    inside = (edges["source_workload"] != "unknown").to_numpy()
    services = inventory.services
    l4_keys = pd.MultiIndex.from_frame(services.loc[is_l4(services), ["namespace", "service"]])
    to_l4 = pd.MultiIndex.from_frame(edges[["destination_namespace", "destination_service"]]).isin(
        l4_keys
    )
    return pd.DataFrame(
        {
            "traffic_inbound_rps": inbound(edges).reindex(index).to_numpy(),
            "outbound": outbound(edges.loc[inside]).reindex(index).to_numpy(),
            "inbound_l4_rps": inbound(edges.loc[to_l4]).reindex(index, fill_value=0.0).to_numpy(),
            "outbound_l4_rps": outbound(edges.loc[inside & to_l4])
            .reindex(index, fill_value=0.0)
            .to_numpy(),
        }
    )


@st.composite
def rated_tables(draw: st.DrawFn) -> tuple[str, str, str]:
    """Workloads, Services behind one or more of them (some proxied at L4), and traffic from
    workloads or from outside, to a Service or to a named workload behind it: CSV text."""
    names = [f"w{i}" for i in range(draw(st.integers(min_value=1, max_value=7)))]
    homes = {w: draw(st.sampled_from(NAMESPACES[:2])) for w in names}
    cluster = ["namespace,workload,replicas"]
    cluster += [f"{homes[w]},{w},{draw(st.integers(min_value=0, max_value=4))}" for w in names]
    services = ["namespace,service,protocol,workload"]
    behind: dict[tuple[str, str], list[str]] = {}
    # listed out of their sorted order: a workload behind several Services takes its shares in
    # that order
    listed = draw(st.permutations([f"s{i}" for i in range(6)]))
    for service in listed[: draw(st.integers(min_value=1, max_value=6))]:
        namespace = draw(st.sampled_from(NAMESPACES[:2]))
        local = [w for w in names if homes[w] == namespace]
        chosen = draw(st.lists(st.sampled_from(local), unique=True)) if local else []
        protocol = draw(st.sampled_from(["http", "tcp"]))
        behind[namespace, service] = chosen
        services += [f"{namespace},{service},{protocol},{w}" for w in chosen or [""]]
    traffic = [
        "source_namespace,source_workload,destination_namespace,destination_service,"
        "destination_workload,rps"
    ]
    for _ in range(draw(st.integers(min_value=1, max_value=14))):
        source = draw(st.sampled_from([*names, "unknown"]))
        origin = "unknown" if source == "unknown" else homes[source]
        (namespace, service), chosen = draw(st.sampled_from(sorted(behind.items())))
        served = draw(st.sampled_from(["", *chosen]))
        rps = draw(st.floats(min_value=0, max_value=5000, allow_nan=False))
        traffic.append(f"{origin},{source},{namespace},{service},{served},{rps:.6f}")
    return "\n".join(cluster) + "\n", "\n".join(services) + "\n", "\n".join(traffic) + "\n"


@settings(max_examples=80, deadline=None)
@given(rated_tables())
def test_rates_are_the_groupbys_by_name_to_the_bit(tables: tuple[str, str, str]) -> None:
    """planner.model.rates sums on positions what grouping and merging by name sums, in the
    same order: the same floats to the bit, inbound and outbound, at L4 and in all."""
    from planner.model.rates import workload_rates

    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder) / name for name in ("cluster.csv", "services.csv", "traffic.csv")]
        for path, text in zip(paths, tables, strict=True):
            path.write_text(text, encoding="utf-8")
        inventory = read_inventory(paths[0], paths[1])
        traffic = read_traffic(paths[2], inventory)
    expected = _reference_rates(inventory, traffic.edges)
    found = workload_rates(inventory, traffic.edges)
    for column, values in (
        ("traffic_inbound_rps", found["traffic_inbound_rps"]),
        ("inbound_l4_rps", found["inbound_l4_rps"]),
        ("outbound_l4_rps", found["outbound_l4_rps"]),
    ):
        # NaN (no traffic) compared apart: its bits are not the point
        wanted, got = expected[column].to_numpy(), values.to_numpy()
        assert np.array_equal(np.isnan(wanted), np.isnan(got)), column
        assert got[~np.isnan(got)].tobytes() == wanted[~np.isnan(wanted)].tobytes(), column
    # without traffic out of a workload, its outbound rate is the inventory's (none here: 0)
    sent = expected["outbound"].to_numpy()
    has_out = ~np.isnan(sent)
    outbound = found["outbound_rps"].to_numpy()
    assert outbound[has_out].tobytes() == sent[has_out].tobytes()
    assert (outbound[~has_out] == 0.0).all()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.sampled_from(["a", "-", ".", " ", "é", "\x00", "\x1b", "\x7f", "\x85"])
            | st.sampled_from(["\u2028", "\u202e", "\u2066", "Z", "9", "\t"]),
            max_size=8,
        )
        | st.sampled_from(["a" * 63, "a" * 64, "a" * 253, "a" * 254]),
        max_size=12,
    ),
    st.sampled_from(["name", "namespace"]),
    st.booleans(),
)
def test_unusable_names_is_the_pattern_and_the_length_limit(
    names: list[str], kind: str, categorical: bool
) -> None:
    """planner.inputs.tables.unusable_names (which skips the pattern when every name is
    printable ASCII) flags exactly the names UNPRINTABLE matches or longer than the limit."""
    from models.errors import UNPRINTABLE
    from models.kube import MAX_NAME_LENGTH
    from planner.inputs.tables import unusable_names

    text = pd.Series(names, dtype=str)
    values = text.astype("category") if categorical else text
    expected = [bool(UNPRINTABLE.search(n)) or len(n) > MAX_NAME_LENGTH[kind] for n in names]
    assert unusable_names(values, kind).tolist() == expected


def _reference_resource_name(name: str) -> str:
    """planner.scoping.names.resource_name as first written: every name cleaned, then kept when
    the cleaning changed nothing."""
    import hashlib
    import re

    cleaned = re.sub(r"[^a-z0-9.-]+", "-", name.lower()).strip("-.")[:52].strip("-.")
    if cleaned == name and len(name) <= 63:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return f"{cleaned or 'sidecar'}-{digest}"


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.text(max_size=70),
        st.text(alphabet="abz09.-_A\u0130\u212a ", max_size=60),
        st.from_regex(r"[a-z0-9][a-z0-9.-]{0,55}[a-z0-9]", fullmatch=True),
    )
)
@example("")
@example("a" * 52)
@example("a" * 53)
@example("reviews-v1.")
@example("-reviews")
@example("\u0130stanbul")  # lower() turns it into two characters
def test_resource_names_kept_as_written_are_those_the_cleaning_keeps(name: str) -> None:
    from planner.scoping.names import resource_name

    assert resource_name(name) == _reference_resource_name(name)


_NAMESPACES = ["a", "b", "c"]
_SERVICES = [(ns, name) for ns in _NAMESPACES for name in ("x", "y")]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.sampled_from([None, "*", "a", "b", "c", "a+b"]), min_size=6, max_size=6),
    st.lists(st.tuples(st.sampled_from(_NAMESPACES), st.sampled_from(_NAMESPACES)), max_size=4),
    st.lists(st.tuples(st.sampled_from(_NAMESPACES), st.sampled_from(_SERVICES)), max_size=8),
    st.booleans(),
)
def test_scoped_configuration_is_the_sum_over_the_services_each_viewer_sees(
    exported: list[str | None],
    namespace_grants: list[tuple[str, str]],
    service_grants: list[tuple[str, tuple[str, str]]],
    categorical: bool,
) -> None:
    """planner.model.envoy's pricing of a Scope gives each viewer (one per namespace here) the
    Services it sees, summed: those of a granted namespace and those granted one by one, each
    once, when exported to everyone (no exportTo, or `*`) or to the viewer's namespace. Drawn
    scopes include ones where no Service is exported to everyone."""
    from planner.model.envoy import Scope, _scoped_config

    services = pd.DataFrame(
        {
            "namespace": [ns for ns, _ in _SERVICES],
            "service": [name for _, name in _SERVICES],
            "clusters": [1, 2, 4, 8, 16, 32],
            "endpoints": [100, 200, 400, 800, 1600, 3200],
            "listeners": [3, 5, 7, 11, 13, 17],
        }
    )
    pairs = zip(_SERVICES, exported, strict=True)
    targets = {s: (None if t is None else t.split("+")) for s, t in pairs}
    exports = pd.DataFrame(
        [(ns, name, to) for (ns, name), to_all in targets.items() for to in to_all or []],
        columns=["service_namespace", "service", "exported_to"],
    ).astype(str)
    grants = pd.DataFrame(
        [(viewer, viewer, granted) for viewer, granted in namespace_grants],
        columns=["namespace", "viewer", "service_namespace"],
    ).astype(str)
    exact = pd.DataFrame(
        [(viewer, viewer, ns, name) for viewer, (ns, name) in service_grants],
        columns=["namespace", "viewer", "service_namespace", "service"],
    ).astype(str)
    if categorical:
        exact = exact.astype("category")
    viewers = pd.DataFrame(
        {"namespace": _NAMESPACES, "workload": _NAMESPACES, "viewer": _NAMESPACES}
    )
    scope = Scope(viewers, grants, exact, exports, discovered=None)
    priced = _scoped_config(services, scope)
    got = {
        (row.namespace, row.viewer): (
            row.visible_services,
            row.clusters,
            row.endpoints,
            row.listeners,
        )
        for row in priced.itertuples()
        if row.visible_services
    }

    def sees(viewer: str, service: tuple[str, str]) -> bool:
        to = targets[service]
        return to is None or "*" in to or viewer in to

    expected = {}
    for viewer in _NAMESPACES:
        seen = {s for s in _SERVICES if (viewer, s[0]) in namespace_grants and sees(viewer, s)}
        seen |= {s for v, s in service_grants if v == viewer and sees(viewer, s)}
        rows = services.loc[[s in seen for s in _SERVICES]]
        if len(rows):
            expected[(viewer, viewer)] = (
                len(rows),
                int(rows["clusters"].sum()),
                int(rows["endpoints"].sum()),
                int(rows["listeners"].sum()),
            )
    assert got == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-(2**62), 2**62), max_size=60), st.integers(0, 5))
def test_sorted_unique_is_np_unique(keys: list[int], repeat: int) -> None:
    values = np.array(keys * (repeat + 1), dtype=np.int64)
    assert np.array_equal(sorted_unique(values), np.unique(values))
    assert sorted_unique(values).dtype == np.int64


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "B", "é", "", "ab"]), st.sampled_from(["b", "a", "z"])),
        min_size=1,
        max_size=30,
    ),
    st.booleans(),
)
def test_shared_categories_are_the_sorted_union(rows: list[tuple[str, str]], sort: bool) -> None:
    """Columns recoded to one set of categories: every name either holds, sorted, each row's
    value kept; from sorted categories (merged) or from categories in any order (sorted)."""
    frame = pd.DataFrame(rows, columns=["x", "y"], dtype=str)
    coded = frame.astype("category")
    if not sort:  # categories in the order the values first appear
        coded = pd.DataFrame(
            {c: pd.Categorical(frame[c], categories=pd.unique(frame[c])) for c in ("x", "y")}
        )
    shared = shared_categories(coded, ["x", "y"])
    expected = sorted({*frame["x"], *frame["y"]})
    for column in ("x", "y"):
        assert list(shared[column].cat.categories) == expected
        assert shared[column].astype(str).tolist() == frame[column].tolist()


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.integers(0, 70_000), st.integers(0, 2**62), st.sampled_from([0, 65_535, 65_536])
        ),
        max_size=60,
    ),
    st.integers(0, 3),
    st.booleans(),
)
@example([65_536, 1, 65_536, 0, 2**40 + 1, 2**40], 1, False)  # equal low digits, ties kept
def test_stable_order_is_a_stable_argsort(keys: list[int], repeat: int, negative: bool) -> None:
    values = np.array(keys * (repeat + 1) + ([-3, -3] if negative else []), dtype=np.int64)
    order = stable_order(values)
    assert np.array_equal(order, np.argsort(values, kind="stable"))
    assert order.dtype == np.intp


_PEER_NAMES = st.sampled_from(["a", "b", "é", ""])
_PEER_SERVICES = st.sampled_from(["s", "t", "u", "PassthroughCluster", "unknown"])


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(_PEER_NAMES, _PEER_NAMES, _PEER_NAMES, _PEER_SERVICES), max_size=40),
    st.lists(st.tuples(_PEER_NAMES, _PEER_SERVICES, _PEER_NAMES), max_size=12),
    st.lists(st.tuples(_PEER_NAMES, _PEER_NAMES), min_size=1, max_size=8, unique=True),
    st.booleans(),
)
# a workload behind two Services one caller calls both of (counted once), and a caller calling
# one Service twice (once)
@example(
    [("a", "x", "b", "s"), ("a", "x", "b", "t"), ("a", "x", "b", "s")],
    [("b", "s", "w"), ("b", "t", "w")],
    [("b", "w"), ("a", "x")],
    True,
)
def test_ambient_peers_are_distinct_callers_and_callees(
    calls: list[tuple[str, str, str, str]],
    backing_rows: list[tuple[str, str, str]],
    captured_keys: list[tuple[str, str]],
    categorical: bool,
) -> None:
    """Istio ambient's connections per workload (the Services it calls, plus the workloads
    calling a Service it backs, each once) counted on codes are what merges, drop_duplicates
    and groupby-sizes over the names give, for text and Categorical edges."""
    from types import SimpleNamespace

    from planner.meshes.istio_ambient.sizing import _peers

    columns = [
        "source_namespace",
        "source_workload",
        "destination_namespace",
        "destination_service",
    ]
    edges = pd.DataFrame(calls, columns=columns).astype(dict.fromkeys(columns, str))
    if categorical:
        edges = edges.astype(dict.fromkeys(columns, "category"))
    backing = pd.DataFrame(backing_rows, columns=["namespace", "service", "workload"]).astype(str)
    captured = pd.DataFrame(captured_keys, columns=["namespace", "workload"]).astype(str)
    captured.index = pd.RangeIndex(3, 3 + len(captured))
    traffic = SimpleNamespace(edges=edges)
    inventory = SimpleNamespace(backing=backing)
    kept = edges.loc[~edges["destination_service"].isin(UNREGISTERED_DESTINATIONS)]
    out = kept[columns].drop_duplicates().groupby(columns[:2], observed=True).size()
    called = kept.merge(
        backing.rename(columns={"namespace": columns[2], "service": columns[3]}), on=columns[2:]
    )
    into = (
        called[[columns[2], "workload", *columns[:2]]]
        .drop_duplicates()
        .groupby([columns[2], "workload"], observed=True)
        .size()
    )
    index = pd.MultiIndex.from_frame(captured)
    expected = (
        out.reindex(index, fill_value=0).to_numpy() + into.reindex(index, fill_value=0).to_numpy()
    )
    got = _peers(captured, traffic, inventory)  # type: ignore[arg-type]
    assert got.index.equals(captured.index)
    assert got.tolist() == expected.tolist()
