"""Synthetic meshes for benchmarks: cluster.csv, services.csv and traffic.csv from a pod count.

The shape follows the benchmark brief: one workload per ~5 pods (replicas heavy-tailed, at least
one each), namespaces of ~50 workloads, one Service per workload (some with 2 ports, StatefulSets
often Headless), a few ServiceEntry hosts, an ingress gateway in istio-system, 5 traffic edges per
pod with heavy-tailed rates, observed proxy usage for ~30% of workloads and app requests for most.
Everything is drawn from one numpy RNG seeded by `--seed`, so a (pods, seed) pair always gives the
same bytes. Generation is vectorised: 100k pods and 500k edges take seconds.

Example: python bench/generate.py --pods 100000 --out bench/out/pods-100000-seed-0
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

PODS_PER_WORKLOAD = 5
WORKLOADS_PER_NAMESPACE = 50
EDGES_PER_POD = 5
MIN_PODS = 500
"""Below this the workload pairs are too few to hold 5 distinct edges per pod."""

GATEWAY_NAMESPACE = "istio-system"
GATEWAY_WORKLOAD = "istio-ingressgateway"
OUTSIDE = "unknown"
"""Istio's source namespace and workload for requests from outside the mesh."""

KINDS = ("Deployment", "StatefulSet", "DaemonSet")
KIND_WEIGHTS = (0.87, 0.10, 0.03)
HEADLESS_STATEFULSET_RATIO = 0.6
TWO_PORT_RATIO = 0.15
INJECTED_RATIO = 0.97
OBSERVED_RATIO = 0.30
APP_REQUESTS_RATIO = 0.90
APP_CPU_MILLICORES = (50, 100, 250, 500, 1000, 2000)
APP_MEMORY_MIB = (64, 128, 256, 512, 1024, 2048, 4096)

SAME_NAMESPACE_RATIO = 0.6
SERVICE_ENTRY_EDGE_RATIO = 0.02
DESTINATION_WORKLOAD_RATIO = 0.5
FQDN_RATIO = 0.2
PARETO_SHAPE = 2.0
"""Shape of the Pareto weights behind replicas, out-degree and popularity: heavy, finite mean."""

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Mesh:
    """The three input tables of `planner size`, as frames of text-ready columns."""

    workloads: pd.DataFrame
    services: pd.DataFrame
    edges: pd.DataFrame


def _pareto_weights(rng: np.random.Generator, count: int) -> Floats:
    return 1.0 + rng.pareto(PARETO_SHAPE, size=count)


def _replicas(rng: np.random.Generator, workloads: int, pods: int) -> Ints:
    """Heavy-tailed replica counts, each at least 1, summing to exactly `pods`."""
    weights = _pareto_weights(rng, workloads)
    extra = rng.multinomial(pods - workloads, weights / weights.sum())
    return (1 + extra).astype(np.int64)


def _names(prefix: str, numbers: Ints, width: int) -> pd.Series:
    return prefix + pd.Series(numbers).astype(str).str.zfill(width)


def _choice_column(
    rng: np.random.Generator, values: Sequence[int], ratio: float, count: int
) -> Floats:
    """A number drawn from `values` for `ratio` of rows, NaN (an empty cell) for the rest."""
    drawn = rng.choice(np.asarray(values, dtype=np.float64), size=count)
    return np.where(rng.random(count) < ratio, drawn, np.nan)


def _observed(rng: np.random.Generator, count: int) -> tuple[Floats, Floats]:
    """Observed proxy CPU (p95) and memory (max) per pod for ~30% of workloads, else NaN."""
    seen = rng.random(count) < OBSERVED_RATIO
    cpu = np.round(rng.lognormal(math.log(30.0), 0.9, size=count), 1)
    memory = np.round(rng.lognormal(math.log(90.0), 0.4, size=count), 1)
    return np.where(seen, cpu, np.nan), np.where(seen, memory, np.nan)


def make_workloads(rng: np.random.Generator, pods: int) -> pd.DataFrame:
    """The workloads table: regular workloads in team namespaces, then the ingress gateway."""
    gateway_replicas = 3
    count = pods // PODS_PER_WORKLOAD - 1
    namespaces = math.ceil(count / WORKLOADS_PER_NAMESPACE)
    namespace_of = np.sort(rng.integers(0, namespaces, size=count))
    cpu, memory = _observed(rng, count)
    workloads = pd.DataFrame(
        {
            "namespace": _names("team-", namespace_of, 4),
            "workload": _names("app-", np.arange(count, dtype=np.int64), 6),
            "replicas": _replicas(rng, count, pods - gateway_replicas),
            "kind": rng.choice(np.asarray(KINDS), size=count, p=KIND_WEIGHTS),
            "role": "",
            "mesh_injected": np.where(rng.random(count) < INJECTED_RATIO, "true", "false"),
            "proxy_cpu_millicores": cpu,
            "proxy_memory_mib": memory,
            "app_cpu_millicores": _choice_column(
                rng, APP_CPU_MILLICORES, APP_REQUESTS_RATIO, count
            ),
            "app_memory_mib": _choice_column(rng, APP_MEMORY_MIB, APP_REQUESTS_RATIO, count),
        }
    )
    gateway = pd.DataFrame(
        {
            "namespace": [GATEWAY_NAMESPACE],
            "workload": [GATEWAY_WORKLOAD],
            "replicas": [gateway_replicas],
            "kind": ["Deployment"],
            "role": ["ingress-gateway"],
            "mesh_injected": ["true"],
        }
    )
    return pd.concat([workloads, gateway], ignore_index=True)


def make_services(rng: np.random.Generator, workloads: pd.DataFrame) -> pd.DataFrame:
    """One Service per workload (named like it), plus a few ServiceEntry hosts."""
    count = len(workloads)
    statefulset = workloads["kind"].eq("StatefulSet").to_numpy()
    headless = statefulset & (rng.random(count) < HEADLESS_STATEFULSET_RATIO)
    gateway = workloads["workload"].eq(GATEWAY_WORKLOAD).to_numpy()
    backed = pd.DataFrame(
        {
            "namespace": workloads["namespace"].to_numpy(),
            "service": workloads["workload"].to_numpy(),
            "ports": np.where(gateway, 3, np.where(rng.random(count) < TWO_PORT_RATIO, 2, 1)),
            "type": np.where(gateway, "LoadBalancer", np.where(headless, "Headless", "ClusterIP")),
            "workload": workloads["workload"].to_numpy(),
        }
    )
    entries = max(2, count // 1000)
    hosts = pd.DataFrame(
        {
            "namespace": GATEWAY_NAMESPACE,
            "service": _names("api-", np.arange(entries, dtype=np.int64), 3)
            + ".partner.example.com",
            "ports": 1,
            "type": "ServiceEntry",
            "workload": "",
        }
    )
    return pd.concat([backed, hosts], ignore_index=True)


def _unique_pairs(sources: Ints, destinations: Ints) -> pd.DataFrame:
    pairs = pd.DataFrame({"source": sources, "destination": destinations})
    pairs = pairs.loc[pairs["source"] != pairs["destination"]]
    return pairs.drop_duplicates(ignore_index=True)


def _internal_pairs(rng: np.random.Generator, namespace_codes: Ints, wanted: int) -> pd.DataFrame:
    """`wanted` distinct (source, destination) workload indices; no workload calls itself.

    Out-degree and popularity are heavy-tailed; ~60% of calls stay in the caller's namespace.
    Pairs lost to duplicates are topped up with uniform pairs, so the loop ends quickly.
    """
    count = len(namespace_codes)
    out_weights = _pareto_weights(rng, count)
    in_weights = _pareto_weights(rng, count)
    starts = np.searchsorted(namespace_codes, np.arange(namespace_codes.max() + 1))
    sizes = np.bincount(namespace_codes)
    draws = 2 * wanted
    sources = rng.choice(count, size=draws, p=out_weights / out_weights.sum())
    home = namespace_codes[sources]
    # squaring a uniform skews calls towards the first workloads of a namespace (popular ones)
    local = starts[home] + (sizes[home] * rng.random(draws) ** 2).astype(np.int64)
    remote = rng.choice(count, size=draws, p=in_weights / in_weights.sum())
    same = rng.random(draws) < SAME_NAMESPACE_RATIO
    pairs = _unique_pairs(sources, np.where(same, local, remote))
    while len(pairs) < wanted:
        filler = _unique_pairs(
            rng.integers(0, count, size=wanted), rng.integers(0, count, size=wanted)
        )
        pairs = pd.concat([pairs, filler], ignore_index=True).drop_duplicates(ignore_index=True)
    return pairs.iloc[rng.permutation(len(pairs))[:wanted]].reset_index(drop=True)


def _rates(rng: np.random.Generator, count: int, median_rps: float) -> Floats:
    """Heavy-tailed requests per second (lognormal), at least 0.001, 3 decimals."""
    return np.maximum(np.round(rng.lognormal(math.log(median_rps), 1.8, size=count), 3), 0.001)


def _edge_frame(
    source_namespace: npt.ArrayLike,
    source_workload: npt.ArrayLike,
    destination_namespace: npt.ArrayLike,
    destination_service: npt.ArrayLike,
    destination_workload: npt.ArrayLike,
    rps: Floats,
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_namespace": source_namespace,
            "source_workload": source_workload,
            "destination_namespace": destination_namespace,
            "destination_service": destination_service,
            "destination_workload": destination_workload,
            "rps": rps,
        },
        index=pd.RangeIndex(len(rps)),
    )


def make_edges(
    rng: np.random.Generator, workloads: pd.DataFrame, services: pd.DataFrame, wanted: int
) -> pd.DataFrame:
    """`wanted` distinct edges: outside -> gateway -> front ends, workload -> Service, -> hosts."""
    regular = workloads.loc[workloads["role"] == ""].reset_index(drop=True)
    namespaces = regular["namespace"].to_numpy(dtype=object)
    names = regular["workload"].to_numpy(dtype=object)
    fronts = rng.choice(len(regular), size=max(5, len(regular) // 100), replace=False)
    ingress = _edge_frame(
        np.array([OUTSIDE, *[GATEWAY_NAMESPACE] * len(fronts)], dtype=object),
        np.array([OUTSIDE, *[GATEWAY_WORKLOAD] * len(fronts)], dtype=object),
        np.concatenate([[GATEWAY_NAMESPACE], namespaces[fronts]]),
        np.concatenate([[GATEWAY_WORKLOAD], names[fronts]]),
        "",
        _rates(rng, len(fronts) + 1, 50.0),
    )
    hosts = services.loc[services["type"] == "ServiceEntry"].reset_index(drop=True)
    external = _unique_pairs(
        rng.integers(0, len(regular), size=int(wanted * SERVICE_ENTRY_EDGE_RATIO)),
        len(regular) + rng.integers(0, len(hosts), size=int(wanted * SERVICE_ENTRY_EDGE_RATIO)),
    )
    outbound = _edge_frame(
        namespaces[external["source"]],
        names[external["source"]],
        hosts["namespace"].to_numpy()[external["destination"] - len(regular)],
        hosts["service"].to_numpy()[external["destination"] - len(regular)],
        "",
        _rates(rng, len(external), 0.5),
    )
    pairs = _internal_pairs(
        rng,
        pd.factorize(regular["namespace"])[0].astype(np.int64),
        wanted - len(ingress) - len(outbound),
    )
    internal = _internal_edges(rng, namespaces, names, pairs)
    return pd.concat([ingress, outbound, internal], ignore_index=True)


def _internal_edges(
    rng: np.random.Generator,
    namespaces: npt.NDArray[np.object_],
    names: npt.NDArray[np.object_],
    pairs: pd.DataFrame,
) -> pd.DataFrame:
    """Edges between workloads; some name the serving workload, some use the Service's FQDN."""
    count = len(pairs)
    source = pairs["source"].to_numpy()
    destination = pairs["destination"].to_numpy()
    service = pd.Series(names[destination], dtype=object)
    fqdn = service + "." + namespaces[destination] + ".svc.cluster.local"
    use_fqdn = rng.random(count) < FQDN_RATIO
    named = rng.random(count) < DESTINATION_WORKLOAD_RATIO
    return _edge_frame(
        namespaces[source],
        names[source],
        namespaces[destination],
        np.where(use_fqdn, fqdn.to_numpy(), service.to_numpy()),
        np.where(named, names[destination], ""),
        _rates(rng, count, 0.5),
    )


def generate_mesh(pods: int, seed: int) -> Mesh:
    """A synthetic mesh of exactly `pods` pods and `EDGES_PER_POD x pods` distinct edges."""
    if pods < MIN_PODS:
        raise ValueError(f"--pods {pods} is too small; give at least {MIN_PODS}")
    rng = np.random.default_rng(seed)
    workloads = make_workloads(rng, pods)
    services = make_services(rng, workloads)
    edges = make_edges(rng, workloads, services, EDGES_PER_POD * pods)
    return Mesh(workloads=workloads, services=services, edges=edges)


def write_mesh(mesh: Mesh, out: Path, *, pods: int, seed: int) -> dict[str, int]:
    """Write cluster.csv, services.csv, traffic.csv and manifest.json; return the counts."""
    out.mkdir(parents=True, exist_ok=True)
    mesh.workloads.to_csv(out / "cluster.csv", index=False, float_format="%g")
    mesh.services.to_csv(out / "services.csv", index=False)
    mesh.edges.to_csv(out / "traffic.csv", index=False, float_format="%.3f")
    counts = {
        "pods": int(mesh.workloads["replicas"].sum()),
        "workloads": len(mesh.workloads),
        "services": len(mesh.services),
        "edges": len(mesh.edges),
        "seed": seed,
    }
    if counts["pods"] != pods:
        raise AssertionError(f"generated {counts['pods']} pods where {pods} were asked for")
    # written last: a manifest means the folder is complete (bench/run.py caches on it)
    (out / "manifest.json").write_text(json.dumps(counts, indent=2) + "\n", encoding="utf-8")
    return counts


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line of the generator."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pods", type=int, required=True, help=f"pods (at least {MIN_PODS})")
    parser.add_argument("--out", type=Path, required=True, help="folder the tables go to")
    parser.add_argument("--seed", type=int, default=0, help="RNG seed (default 0)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Generate one mesh; print its counts as JSON to stdout."""
    args = parse_args(argv)
    try:
        mesh = generate_mesh(args.pods, args.seed)
    except ValueError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    counts = write_mesh(mesh, args.out, pods=args.pods, seed=args.seed)
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
