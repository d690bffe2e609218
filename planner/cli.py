"""The `planner` command: parse flags, call the library once, write outputs, map errors to exits.

Exit codes: 0 done; 1 a problem with the inputs or outputs the user can fix (printed as
"Error: ..."); 2 a flag typer rejects (unknown flag, bad choice, value out of range).

Start-up: this module imports only what the flags are declared with (typer, the models' enums
and constants); each command imports the library (pandas, scipy, the reports) when it runs, so
`planner --help` and `planner size --help` answer without loading them (tests/test_cli.py).
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import date
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from models.choices import (
    MIGRATION_DIR,
    MeshKind,
    MigrateTo,
    OutputFormat,
    ScopeGranularity,
    SizeFor,
    WaypointRule,
)
from models.errors import InputError, PlannerError, printable, quoted
from models.formats import CompareFormat, DataPlane, ReviewFormat
from models.kube import DNS_LABEL
from planner.collect.command import collect_command
from planner.interrupts import Interrupted, received
from planner.version import __version__

if TYPE_CHECKING:
    from typer._click.core import Context as CommandContext  # typer's vendored click

    from models.knobs import Knobs
    from models.profile import ProfileBase
    from planner.inputs.folder import FolderDefaults
    from planner.meshes.entry import HeadStart, MeshEntry
    from planner.workers import Content, Files, Job


class _Group(typer.core.TyperGroup):
    """The top-level command, its --help left False when not given: typer leaves it unset, and
    converts an unset flag through pydantic, which `planner size --help` would then import for
    nothing (0.1 s of its start-up)."""

    def get_help_option(self, ctx: CommandContext) -> typer.core.TyperOption | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.default = False
        return option


app = typer.Typer(
    cls=_Group,
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    help="Plan the capacity of a service mesh: size every proxy, the gateways and the control "
    "plane from an inventory of workloads and their traffic.",
    epilog="Example: planner size --inventory data/cluster.csv --services data/services.csv "
    "--traffic data/traffic.csv --traffic-window 7d (planner size --help for every option).",
)


@dataclass
class _Run:
    """What a command has done so far, for the message when it is interrupted."""

    out: Path | None = None
    written: bool = False

    def mark_written(self) -> None:
        """The outputs are in place (called while signals are held back)."""
        self.written = True


@contextmanager
def user_errors(out: Path | None = None) -> Iterator[_Run]:
    """Turn a PlannerError into `Error: <message>` on stderr and exit code 1, without traceback.

    An `Interrupted` run (SIGINT, SIGTERM: the console script turns them into it) ends the same
    way, with exit code 128 + the signal's number, once the output writer has removed its
    staging folder: `out` holds what it held before or, when the command has set `written`, this
    run's complete outputs.
    """
    run = _Run(out)
    try:
        yield run
    except PlannerError as exc:
        _fail(str(exc))
    except Exception:  # a library that wrapped the Interrupted a signal raised inside it
        interrupted = received()
        if interrupted is None:
            raise
        _stopped(run, interrupted)
    except Interrupted as exc:
        _stopped(run, exc)


def _stopped(run: _Run, exc: Interrupted) -> NoReturn:
    """The one line an interrupted command ends with, saying where its outputs stand."""
    if run.out is None:
        state = ""
    elif run.written:
        state = f" after the outputs were written to {run.out}"
    else:
        state = f"; {run.out} is as it was"
    typer.echo(f"Error: interrupted by {exc.name}{printable(state)}", err=True)
    raise typer.Exit(code=exc.exit_code) from None


_Subject = TypeVar("_Subject")


def _job(render: Callable[[_Subject], Files], subject: _Subject, output: Enum) -> Job:
    """One output's renderer as a job; the workbook, the costliest, renders in a process of its
    own while the others render here (planner.workers)."""
    from planner.workers import Job

    return Job(functools.partial(render, subject), aside=output.value == "xlsx")


def _fail(message: str) -> NoReturn:
    typer.echo(f"Error: {printable(message)}", err=True)
    raise typer.Exit(code=1)


def _finished() -> NoReturn:
    """End a command whose outputs are written by raising its exit (code 0) rather than by
    returning: the exception's traceback keeps the command's frame, and with it the inputs'
    frames, the plan and the files' bytes, alive until the process ends with os._exit
    (planner.__main__), which then frees them all at once. Returning would first free those
    millions of objects one by one: 0.19 s at 100,000 pods, for nothing (BENCHMARKS.md). A
    test's CliRunner sees the same exit code 0."""
    raise typer.Exit()


def _usage(message: str) -> NoReturn:
    """A flag that cannot be used as given: `Error: ...` and exit code 2, as typer's own."""
    typer.echo(f"Error: {printable(message)}", err=True)
    raise typer.Exit(code=2)


DEFAULT_MESH = MeshKind.ISTIO_SIDECAR
"""The mesh sized when neither the flags nor the inventory name one."""


def _from_folder(
    inventory: Path, traffic: Path | None, nodes: str | None, knobs: Knobs
) -> tuple[Path | None, str | None, Knobs, FolderDefaults | None]:
    """What a folder of tables (as planner collect writes it) gives where no flag did: its
    traffic, nodes, window and date (None: `inventory` is not such a folder)."""
    from planner.inputs.folder import folder_defaults, table_folder

    tables = table_folder(inventory)
    if tables is None:
        return traffic, nodes, knobs, None
    taken = folder_defaults(tables, traffic, knobs.traffic_window_seconds, knobs.inputs_date, nodes)
    knobs = knobs.model_copy(
        update={
            "traffic_window_seconds": taken.traffic_window_seconds,
            "inputs_date": taken.inputs_date,
        }
    )
    return taken.traffic, taken.nodes, knobs, taken


def _versions(*given: str | None) -> dict[str, str]:
    """The version flags given, by flag: --istio-version, --linkerd-version, --consul-version,
    --appmesh-version and --mesh-version, in that order."""
    flags = ("--istio-version", "--linkerd-version", "--consul-version", "--appmesh-version")
    return {
        flag: value
        for flag, value in zip((*flags, "--mesh-version"), given, strict=True)
        if value is not None
    }


def _named_mesh(
    mesh: MeshKind | None, profile: ProfileBase | None, versions: dict[str, str]
) -> tuple[MeshKind, str] | None:
    """The mesh the flags name, and which flag: --mesh, the --profile file's, or a mesh's own
    version flag. None when only the inventory can tell."""
    from planner.meshes.registry import MESHES

    if mesh is not None:
        return mesh, f"given by --mesh {mesh.value}"
    if profile is not None:
        return profile.mesh, "given by the --profile file's mesh"
    if not versions:  # no mesh's entry is needed (each is imported when looked up)
        return None
    for kind, entry in MESHES.items():
        if entry.version_flag in versions:
            return kind, f"given by {entry.version_flag}"
    return None


def _check_flags(entry: MeshEntry, versions: dict[str, str], formats: list[OutputFormat]) -> None:
    """Usage errors for a version flag or an output format the mesh has not."""
    for flag in versions:
        if flag not in (entry.version_flag, "--mesh-version"):
            _usage(
                f"{flag} does not apply to {entry.title}; give its version with "
                f"{entry.version_flag}"
            )
    missing = [f.value for f in formats if f not in entry.formats]
    if missing:
        have = ", ".join(f.value for f in entry.formats)
        _usage(
            f"--format {', '.join(missing)}: {entry.title} has no such output; its formats are "
            f"{have}"
        )


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"mesh-planner {__version__}")
        raise typer.Exit()


def _check_duration(value: str | None) -> str | None:
    from planner.inputs.units import parse_duration

    if value is not None:
        try:
            parse_duration(value)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
    return value


def _check_date(value: str | None) -> str | None:
    if value is not None:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise typer.BadParameter(f"{value!r} is not a date such as 2026-11-20") from None
    return value


def _check_namespace(value: str | None) -> str | None:
    if value is not None and not DNS_LABEL.fullmatch(value):
        raise typer.BadParameter(
            f"{quoted(value)} is not a Kubernetes namespace name (lower-case letters, digits and "
            "'-', starting and ending with a letter or digit, 63 at most), such as shop"
        )
    return value


def _check_out(value: str) -> str:
    if not value.strip():
        raise typer.BadParameter("the folder name is empty; name the folder to write to")
    return value


def _check_version(value: str | None) -> str | None:
    if value is not None:
        parts = value.split(".")
        if not (2 <= len(parts) <= 3 and all(p.isdigit() for p in parts)):
            raise typer.BadParameter(f"{value!r} is not a version such as 1.24 or 1.24.3")
    return value


def _check_linkerd_version(value: str | None) -> str | None:
    if value is not None and not LINKERD_VERSION.fullmatch(value):
        raise typer.BadParameter(
            f"{value!r} is not a Linkerd version such as 2.18, 2.18.1 or edge-25.4.4"
        )
    return value


def _check_any_version(value: str | None) -> str | None:
    if value is not None and not ANY_VERSION.fullmatch(value):
        raise typer.BadParameter(f"{value!r} is not a version such as 1.24, 2.18 or edge-25.4.4")
    return value


PricesOption = Annotated[
    Path | None,
    typer.Option(
        "--prices",
        metavar="FILE",
        help="A prices file (YAML: currency, as_of, source, price per vCPU-hour and per "
        "GiB-hour, optionally per namespace) to price the mesh's requests per month "
        "(docs/cost.md; data/prices/ has a dated example).",
    ),
]

IstioVersionOption = Annotated[
    str | None,
    typer.Option(
        "--istio-version",
        callback=_check_version,
        help="Istio version whose published figures apply (default: 1.24, the newest with "
        "published figures); one after the latest release the profile knows is refused "
        "(docs/model.md#versions).",
    ),
]
LinkerdVersionOption = Annotated[
    str | None,
    typer.Option(
        "--linkerd-version",
        callback=_check_linkerd_version,
        help="Linkerd version whose published figures apply: 2.x or an edge release "
        "(edge-25.4.4), up to the latest the profile knows; default: the profile's.",
    ),
]
ConsulVersionOption = Annotated[
    str | None,
    typer.Option(
        "--consul-version",
        callback=_check_version,
        help="Consul version whose figures apply: 1.14 or later, the consul-dataplane "
        "architecture, up to the latest release the profile knows (default: the profile's).",
    ),
]
AppMeshVersionOption = Annotated[
    str | None,
    typer.Option(
        "--appmesh-version",
        callback=_check_version,
        help="App Mesh Envoy version whose figures apply (1.34 for the image "
        "v1.34.13.3-prod; default: the profile's).",
    ),
]
MeshVersionOption = Annotated[
    str | None,
    typer.Option(
        "--mesh-version",
        callback=_check_any_version,
        help="The version of whichever mesh is sized (an alias of --istio-version, "
        "--linkerd-version, --consul-version and --appmesh-version).",
    ),
]

LINKERD_VERSION = re.compile(r"(?:stable-)?\d+\.\d+(?:\.\d+)?|edge-\d{2}\.\d{1,2}\.\d{1,3}")
ANY_VERSION = LINKERD_VERSION


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Plan the capacity of a service mesh."""


@app.command()
def size(
    inventory: Annotated[
        Path,
        typer.Option(
            "--inventory",
            "-i",
            help="Workloads table (CSV or .xlsx sheet 'workloads'), a pod table with a 'pod' "
            "column (sheet 'pods'), Kubernetes manifests (.yaml/.yml/.json, as kubectl get -o "
            "yaml|json gives them), or a folder: of tables as planner collect writes them "
            "(workloads.csv, and services.csv, traffic.csv, collect.json when present), else of "
            "manifests (every .yaml/.yml/.json file under it). Columns and rules: docs/inputs.md.",
        ),
    ],
    services: Annotated[
        Path | None,
        typer.Option(
            "--services",
            help="Services table (CSV or .xlsx sheet 'services'): ports, type (Headless, "
            "ExternalName, ServiceEntry...) and the workloads behind each Service. Not with a "
            "manifest inventory, which holds its Services.",
        ),
    ] = None,
    traffic: Annotated[
        Path | None,
        typer.Option(
            "--traffic",
            help="Requests per second between workloads and Services (CSV or .xlsx sheet "
            "'traffic'); Istio's istio_requests_total labels are accepted as column names.",
        ),
    ] = None,
    mesh: Annotated[
        MeshKind | None,
        typer.Option(
            "--mesh",
            help="Mesh flavour to size (default: the one a manifest inventory is meshed by, "
            "else istio-sidecar).",
        ),
    ] = None,
    istio_version: IstioVersionOption = None,
    linkerd_version: LinkerdVersionOption = None,
    consul_version: ConsulVersionOption = None,
    appmesh_version: AppMeshVersionOption = None,
    mesh_version: MeshVersionOption = None,
    namespace: Annotated[
        str | None,
        typer.Option(
            "--namespace",
            "-n",
            metavar="NS",
            callback=_check_namespace,
            help="The namespace of manifest objects that name none, as kubectl apply -n NS "
            "places them (default: default); not for tables, whose rows name their namespace.",
        ),
    ] = None,
    profile: Annotated[
        Path | None,
        typer.Option(
            "--profile",
            help="A sizing profile YAML of your own, in place of the built-in one "
            "(start from planner/meshes/<mesh>/profile.yaml).",
        ),
    ] = None,
    headroom_ratio: Annotated[
        float,
        typer.Option(
            "--headroom-ratio",
            min=0.0,
            max=5.0,
            help="Added on top of expected usage to give requests: 0.25 means +25%.",
        ),
    ] = 0.25,
    min_control_plane_replicas: Annotated[
        int | None,
        typer.Option(
            "--min-control-plane-replicas",
            min=1,
            max=100,
            help="Fewest replicas of each control-plane component (default: 2 for istiod, 3 for "
            "Linkerd's controllers, as their HA values run; Consul's servers follow "
            "--availability-zones).",
        ),
    ] = None,
    pod_churn_ratio: Annotated[
        float,
        typer.Option(
            "--pod-churn-ratio",
            min=0.0,
            max=1.0,
            help="Share of the mesh's pods replaced at once during rollouts (0.25: Kubernetes' "
            "default surge); the control plane is sized for that churn in flight.",
        ),
    ] = 0.25,
    availability_zones: Annotated[
        int | None,
        typer.Option(
            "--availability-zones",
            min=1,
            max=10,
            help="Availability zones the cluster's nodes span, for a control plane that is a "
            "quorum (Consul's servers: 5 over 3 or more zones, else 3; default: 3 assumed).",
        ),
    ] = None,
    min_gateway_replicas: Annotated[
        int | None,
        typer.Option(
            "--min-gateway-replicas",
            min=1,
            max=1000,
            help="Fewest replicas per gateway (default: the profile's, 2).",
        ),
    ] = None,
    formats: Annotated[
        list[OutputFormat] | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="Output to write besides plan.json, one of: "
            + ", ".join(f.value for f in OutputFormat)
            + " (each mesh has its own: docs/outputs.md); repeat for several.",
        ),
    ] = None,
    out: Annotated[
        str,
        typer.Option(
            "--out",
            "-o",
            metavar="FOLDER",
            callback=_check_out,
            help="Folder the outputs are written to, which mesh-planner owns: replaced as a "
            "whole, all at once (docs/outputs.md).",
        ),
    ] = "planner-out",
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace the outputs of an earlier run in --out."),
    ] = False,
    traffic_window: Annotated[
        str | None,
        typer.Option(
            "--traffic-window",
            callback=_check_duration,
            help="How long the traffic table was observed (7d, 24h...). Without it, or when it "
            "is shorter than --min-traffic-window, scoping falls back to namespace level.",
        ),
    ] = None,
    min_traffic_window: Annotated[
        str,
        typer.Option(
            "--min-traffic-window",
            callback=_check_duration,
            help="Shortest window trusted for workload-level scoping (weekly jobs need 7d).",
        ),
    ] = "7d",
    min_edge_requests: Annotated[
        float,
        typer.Option(
            "--min-edge-requests",
            min=0,
            help="A call seen fewer times over the window puts its caller on namespace-level "
            "scoping and keeps the callee's exportTo open.",
        ),
    ] = 10.0,
    scope_granularity: Annotated[
        ScopeGranularity,
        typer.Option(
            "--scope-granularity",
            help="One Sidecar per workload (per label selector) or one per namespace.",
        ),
    ] = ScopeGranularity.WORKLOAD,
    mesh_root_namespace: Annotated[
        str | None,
        typer.Option(
            "--mesh-root-namespace",
            help="Istio's root namespace, kept visible (default: istio-system).",
        ),
    ] = None,
    cluster_domain: Annotated[
        str, typer.Option("--cluster-domain", help="DNS domain of Service hosts.")
    ] = "cluster.local",
    max_export_namespaces: Annotated[
        int,
        typer.Option(
            "--max-export-namespaces",
            min=0,
            max=100,
            help="A Service called from more other namespaces keeps exportTo '*'.",
        ),
    ] = 3,
    size_for: Annotated[
        SizeFor | None,
        typer.Option(
            "--size-for",
            help="Size proxies and the control plane for the scoped or the unscoped mesh "
            "(default: scoped when --traffic is given and the mesh has scoping, so the "
            "recommendations match it).",
        ),
    ] = None,
    use_observed: Annotated[
        bool,
        typer.Option(
            "--observed/--no-observed",
            help="Let the inventory's observed proxy usage raise the model's estimate (default); "
            "--no-observed sizes from the model alone, for a what-if of a mesh whose proxies "
            "were not the ones measured (observed Envoy usage says nothing of Linkerd's).",
        ),
    ] = True,
    patch_threshold_ratio: Annotated[
        float,
        typer.Option(
            "--patch-threshold-ratio",
            min=0.0,
            max=10.0,
            help="A workload whose proxy recommendation differs from the mesh-wide default by "
            "more than this (0.2 = 20%) gets its own patch.",
        ),
    ] = 0.2,
    inputs_date: Annotated[
        str | None,
        typer.Option(
            "--inputs-date",
            callback=_check_date,
            help="The date the inventory and traffic were taken (2026-11-20), written in the "
            "headers of generated files (the run's own date never is, so reruns are identical).",
        ),
    ] = None,
    top: Annotated[
        int,
        typer.Option("--top", min=0, max=1000, help="How many heavy proxies the summary lists."),
    ] = 10,
    waypoints: Annotated[
        WaypointRule | None,
        typer.Option(
            "--waypoints",
            help="Istio ambient: plan a waypoint (L7 proxy) per namespace of captured workloads, "
            "per service account (the pod template's serviceAccountName), or none (default: as "
            "the manifests' istio.io/use-waypoint labels say, else none).",
        ),
    ] = None,
    nodes: Annotated[
        str | None,
        typer.Option(
            "--nodes",
            metavar="N|FILE",
            help="The cluster's nodes: a number (for a cluster being planned) or a nodes table "
            "(CSV or .xlsx sheet 'nodes': node, and where known pods, cpu_cores, memory_gib); "
            "gives the mesh's cost per node (docs/inputs.md). Without it, a pod table's node "
            "column is used.",
        ),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="A traffic row whose source workload or destination Service is not in the "
            "inventory is an error; without it such rows are left out of sizing and a finding "
            "names them (a collected table drifts: workloads deleted during the window).",
        ),
    ] = False,
    migrate_to: Annotated[
        list[MigrateTo] | None,
        typer.Option(
            "--migrate-to",
            metavar="MESH",
            help="Plan a migration off App Mesh: size the same workloads for this mesh too ("
            + ", ".join(m.value for m in MigrateTo)
            + "; istio is the sidecar mode), side by side with today, its scoping from the "
            f"declared backends and its hand-over files in {MIGRATION_DIR}/<mesh>/; repeat for "
            "several. A target's version flag (--istio-version...) sets its version.",
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            metavar="PLAN",
            help="Last review's plan.json: also write review.json, what changed since and why "
            "(as planner review --baseline PLAN --current <this plan.json> does).",
        ),
    ] = None,
    prices: PricesOption = None,
    scenario: Annotated[
        list[Path] | None,
        typer.Option(
            "--scenario",
            metavar="FILE",
            help="A YAML file of named what-if scenarios (more traffic, Services, replicas, a "
            "namespace like another, another mesh version, scoping, headroom), each sized like "
            "today and shown beside it (docs/scenarios.md); repeat for several files.",
        ),
    ] = None,
) -> None:
    """Size every sidecar, the gateways and the control plane; write plan.json and a summary.

    Reads the inventory (and, when given, Services and traffic), sizes each proxy from the
    requests through it and what it holds, sizes the control plane and the gateways, prints a
    summary to stderr and the paths written to stdout.

    Example:

        planner size --inventory data/cluster.csv --services data/services.csv
        --traffic data/traffic.csv --traffic-window 7d --out planner-out
    """
    from planner.inputs.traffic import traffic_ahead, traffic_from

    out_dir = Path(out)
    with user_errors(out_dir) as run, ExitStack() as stack:
        # a table given by --traffic is parsed from here on (in a forked child when it is
        # large) while the rest of the library is imported and the inventory read; its
        # errors still come after the inventory's (planner.workers.Ahead). A table found in
        # an --inventory folder is started once it is found, below.
        given = stack.enter_context(traffic_ahead(traffic)) if traffic is not None else None
        from pydantic import ValidationError

        from models.knobs import Knobs
        from models.plan import SCHEMA_VERSION, Plan, ScopingPlan
        from planner.cost import load_prices, review_cost, with_cost
        from planner.inputs.load import read_inventory
        from planner.inputs.nodes import parse_nodes_option
        from planner.inputs.units import parse_duration
        from planner.meshes.profiles import load_builtin_profile, load_profile_file
        from planner.meshes.registry import MESHES
        from planner.migration import (
            NOT_MODELLED,
            TARGETS,
            Sized,
            check_target,
            folder_of,
            migration,
            size_target,
            target_meshes,
        )
        from planner.outputs import joined, write_outputs
        from planner.pipeline import build_plan, entry_for, head_start_for
        from planner.review import read_plan, review
        from planner.scenarios import read_scenario_files, size_scenarios
        from planner.workers import ASIDE_SERVICES, Ahead, Part, render_files
        from reports import ENTRIES, HANDOVERS, renderers
        from reports.plan_json import PLAN_FILE, render_json, render_scoping, render_workloads
        from reports.review import REVIEW_FILE, render_review_json, render_review_summary
        from reports.scenarios import render_scenarios_summary
        from reports.summary import render_summary, source_counts

        for choice in migrate_to or []:
            if choice in NOT_MODELLED:
                _usage(f"--migrate-to {choice.value}: {NOT_MODELLED[choice]}")
        # last quarter's plan is read first: a wrong --baseline fails before any sizing
        last = read_plan(baseline, "--baseline") if baseline is not None else None
        versions = _versions(
            istio_version, linkerd_version, consul_version, appmesh_version, mesh_version
        )
        # a target mesh's own version flag is that target's version, not today's mesh's
        wanted = {kind for c in migrate_to or [] if (kind := TARGETS[c]) is not None}
        target_versions = {
            kind: versions[MESHES[kind].version_flag]
            for kind in sorted(wanted)
            if MESHES[kind].version_flag in versions
        }
        for kind in wanted:  # both of Istio's modes take --istio-version
            versions.pop(MESHES[kind].version_flag, None)
        if len(versions) > 1:
            _usage(f"{' and '.join(versions)}: give the version once, with the flag of the mesh")
        try:
            knobs = Knobs(
                mesh_version=next(iter(versions.values()), None),
                headroom_ratio=headroom_ratio,
                min_control_plane_replicas=min_control_plane_replicas,
                availability_zones=availability_zones,
                pod_churn_ratio=pod_churn_ratio,
                min_gateway_replicas=min_gateway_replicas,
                scope_granularity=scope_granularity,
                mesh_root_namespace=mesh_root_namespace,
                cluster_domain=cluster_domain,
                traffic_window_seconds=(
                    parse_duration(traffic_window) if traffic_window is not None else None
                ),
                min_traffic_window_seconds=parse_duration(min_traffic_window),
                min_edge_requests=min_edge_requests,
                max_export_namespaces=max_export_namespaces,
                size_for=size_for,
                patch_threshold_ratio=patch_threshold_ratio,
                use_observed=use_observed,
                inputs_date=date.fromisoformat(inputs_date) if inputs_date else None,
                waypoints=waypoints,
            )
        except ValidationError as exc:  # typer has checked ranges; this guards the rest
            first = exc.errors()[0]
            flag = "--" + str(first["loc"][0]).replace("_seconds", "").replace("_", "-")
            _fail(f"{flag}: {first['msg']}")
        what_ifs = read_scenario_files(scenario or [])
        traffic, nodes, knobs, taken = _from_folder(inventory, traffic, nodes, knobs)
        for kind in sorted(wanted):  # a target version without figures fails before any input
            check_target(kind, target_versions.get(kind))
        user_profile = load_profile_file(profile) if profile else None
        chosen = _named_mesh(mesh, user_profile, versions)
        if chosen is not None:
            # a version without figures, or a format the mesh lacks, fails before any file is read
            mesh_profile = user_profile or load_builtin_profile(chosen[0])
            knobs = knobs.model_copy(update={"mesh": chosen[0]})
            _check_flags(MESHES[chosen[0]], versions, formats or [])
            entry = entry_for(mesh_profile, knobs)
        given_nodes = parse_nodes_option(nodes) if nodes is not None else None
        priced = load_prices(prices) if prices is not None else (None, None)
        parsing = given
        if parsing is None and traffic is not None:  # from the --inventory folder
            parsing = stack.enter_context(traffic_ahead(traffic))
        checked = read_inventory(inventory, services, chosen[0] if chosen else None, namespace)
        if taken is not None:
            checked = replace(checked, findings=(*taken.findings, *checked.findings))
        if chosen is None:
            found = checked.mesh_found
            kind = MeshKind(found.mesh) if found else DEFAULT_MESH
            chosen = (
                kind,
                found.evidence
                if found
                else "the default: no --mesh, and the inventory names no mesh",
            )
            mesh_profile = load_builtin_profile(kind)
            knobs = knobs.model_copy(update={"mesh": kind})
            _check_flags(MESHES[kind], versions, formats or [])
            entry = entry_for(mesh_profile, knobs)
        targets = target_meshes(chosen[0], migrate_to) if migrate_to else ()
        if waypoints is not None and MeshKind.ISTIO_AMBIENT not in (chosen[0], *targets):
            _usage(
                f"--waypoints {waypoints.value}: waypoints are Istio ambient's; this run sizes "
                f"{MESHES[chosen[0]].title} (use --mesh istio-ambient, or leave --waypoints out)"
            )
        # what the mesh reads of the inventory alone is worked out while the traffic table is
        # still being read (MeshEntry.head_start)
        head_start = head_start_for(checked, mesh_profile, knobs) if parsing else None
        edges = traffic_from(parsing.result(), checked, strict=strict) if parsing else None
        early: list[tuple[object, Ahead[Part]]] = []

        def scoped(scoping: ScopingPlan) -> None:
            # plan.json's scoping (half of it in a large mesh) is written out in a forked child
            # while the plan's workload records are built
            aside = len(checked.services) >= ASIDE_SERVICES
            ahead = Ahead[Part](functools.partial(render_scoping, scoping), aside=aside)
            early.append((scoping, stack.enter_context(ahead)))

        plan = build_plan(
            checked,
            edges,
            mesh_profile,
            knobs,
            mesh_chosen_by=chosen[1],
            nodes=given_nodes,
            scoped=scoped,
            head_start=head_start,
        )
        files: dict[str, Content] = {}
        sized = []
        for target in targets:
            target_plan = size_target(
                checked, edges, knobs, target, target_versions.get(target), given_nodes
            )
            folder = folder_of(target)
            for output in sorted({OutputFormat.JSON, *HANDOVERS[target]}):
                rendered = renderers(target)[output](target_plan)
                files.update({f"{folder}/{name}": data for name, data in rendered.items()})
            entries = {ENTRIES[f] for f in (OutputFormat.JSON, *HANDOVERS[target])}
            sized.append(Sized(target_plan, tuple(sorted(entries))))
        if targets:
            plan = migration(plan, checked, edges, sized)
        if what_ifs:
            sized_what_ifs = size_scenarios(
                what_ifs,
                checked,
                edges,
                mesh_profile,
                knobs,
                plan,
                chosen[1],
                given_nodes,
                (priced[0], priced[1]) if priced[0] is not None and priced[1] is not None else None,
            )
            plan = plan.model_copy(update={"scenarios": sized_what_ifs})
        plan = with_cost(plan, *priced)
        # plan.json is always written: every other output renders from it, and it is what a
        # reviewer reaches for when a report raises a question
        outputs = sorted({OutputFormat.JSON, *(formats or [])})
        # the scoping written out early is used when the plan still holds that scoping
        scoping_json = next((a.result for s, a in early if s is plan.scoping), None)
        # in a large mesh the second half of plan.json's workloads is written out in a forked
        # child while this process writes the summary and the first half
        workloads_json = None
        counts = None
        if len(checked.services) >= ASIDE_SERVICES and len(plan.workloads) > 1:
            if plan.scoping is not None and plan.scoping.intentions:
                # before the fork, whose copy-on-write the summary's walk over every source
                # would pay for (reports.summary.source_counts)
                counts = source_counts(plan.scoping)
            half = len(plan.workloads) // 2
            tail = Ahead[Part](functools.partial(render_workloads, plan.workloads[half:]))
            workloads_json = (half, stack.enter_context(tail).result)
        chosen_renderers: dict[OutputFormat, Callable[[Plan], Files]] = {
            **renderers(entry.kind),
            # plan.json in parts, written one after the other (planner.outputs)
            OutputFormat.JSON: functools.partial(
                render_json, scoping=scoping_json, workloads=workloads_json, joined=False
            ),
        }
        made, summary = render_files(
            [_job(chosen_renderers[o], plan, o) for o in outputs],
            lambda: (render_summary(plan, top, counts) + render_scenarios_summary(plan)).split(
                "\n"
            ),
        )
        files.update(made)
        reviewed = None
        if last is not None and baseline is not None:
            # the review reads this plan as plan.json holds it, as planner review would
            written_plan = Plan.model_validate_json(joined(files[PLAN_FILE]))
            reviewed = review(
                last[0], written_plan, baseline, out_dir / PLAN_FILE, (last[1], SCHEMA_VERSION)
            )
            if priced[0] is not None:  # priced as planner review --prices prices it
                cost = review_cost(last[0], written_plan, *priced)
                reviewed = reviewed.model_copy(update={"cost": cost})
            files.update(render_review_json(reviewed))
        written = write_outputs(
            out_dir,
            files,
            force=force,
            owned=[*ENTRIES.values(), f"{MIGRATION_DIR}/", REVIEW_FILE],
            switched=run.mark_written,
        )
        sys.stderr.write("\n".join(printable(line) for line in summary))
        if reviewed is not None:
            sys.stderr.write("\n" + printable(render_review_summary(reviewed)).replace("\\n", "\n"))
        for path in written:
            typer.echo(printable(str(path)))
    _finished()


@app.command()
def compare(
    inventory: Annotated[
        Path,
        typer.Option(
            "--inventory",
            "-i",
            help="Workloads or pods table, Kubernetes manifests, or a folder of either (as planner "
            "collect writes it: its traffic, nodes and window too), as for planner size.",
        ),
    ],
    services: Annotated[
        Path | None, typer.Option("--services", help="Services table, as for planner size.")
    ] = None,
    traffic: Annotated[
        Path | None, typer.Option("--traffic", help="Traffic table, as for planner size.")
    ] = None,
    traffic_window: Annotated[
        str | None,
        typer.Option(
            "--traffic-window",
            callback=_check_duration,
            help="How long the traffic table was observed (7d, 24h...).",
        ),
    ] = None,
    nodes: Annotated[
        str | None,
        typer.Option(
            "--nodes",
            metavar="N|FILE",
            help="The cluster's nodes: a number or a nodes table (Istio ambient needs them; every "
            "data plane's cost per node follows them).",
        ),
    ] = None,
    data_planes: Annotated[
        list[DataPlane] | None,
        typer.Option(
            "--data-plane",
            metavar="PLANE",
            help="A data plane to size: "
            + ", ".join(d.value for d in DataPlane)
            + "; repeat for several (default: all of them).",
        ),
    ] = None,
    baseline: Annotated[
        DataPlane | None,
        typer.Option(
            "--baseline",
            help="The data plane the others are compared with (default: the first).",
        ),
    ] = None,
    headroom_ratio: Annotated[
        float,
        typer.Option("--headroom-ratio", min=0.0, max=5.0, help="Added on top of expected usage."),
    ] = 0.25,
    use_observed: Annotated[
        bool,
        typer.Option(
            "--observed/--no-observed",
            help="Let the inventory's observed proxy usage raise each model's estimate "
            "(default, as planner size); --no-observed compares the models alone.",
        ),
    ] = True,
    out: Annotated[
        str,
        typer.Option(
            "--out",
            "-o",
            metavar="FOLDER",
            callback=_check_out,
            help="Folder compare.json and the --format files are written to (owned by "
            "mesh-planner, as for planner size).",
        ),
    ] = "planner-compare",
    formats: Annotated[
        list[CompareFormat] | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="Output to write besides compare.json, one of: "
            + ", ".join(f.value for f in CompareFormat)
            + " (compare.html, compare.xlsx); repeat for several.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the outputs of an earlier run in --out.")
    ] = False,
    prices: PricesOption = None,
) -> None:
    """Size one inventory for several data planes side by side; write compare.json.

    Each data plane is sized as planner size --mesh <mesh> sizes it with the same inputs and
    knobs (istio-ambient-waypoints with --waypoints namespace, istio-ambient with none), and
    compared with a baseline. A table goes to stderr, the paths written to stdout; --format html
    adds a page with a chart (compare.html), --format xlsx a workbook with live formulas
    (compare.xlsx).

    Example:

        planner compare --inventory data/cluster.csv --services data/services.csv
        --traffic data/traffic.csv --traffic-window 7d --nodes data/nodes.csv --format html
    """
    from models.knobs import Knobs
    from planner.compare import DEFAULT_DATA_PLANES, MESH_OF, head_starts, size_data_planes
    from planner.compare import compare as compare_plans
    from planner.cost import compare_cost, load_prices
    from planner.inputs.load import read_inventory, read_per_mesh
    from planner.inputs.nodes import parse_nodes_option
    from planner.inputs.traffic import traffic_ahead, traffic_from
    from planner.inputs.traffic_table import TrafficTable
    from planner.inputs.units import parse_duration
    from planner.outputs import write_outputs
    from planner.workers import render_files
    from reports import COMPARE_ENTRIES, COMPARE_RENDERERS
    from reports.compare import render_compare_summary

    out_dir = Path(out)
    chosen = list(dict.fromkeys(data_planes or DEFAULT_DATA_PLANES))
    base = baseline or chosen[0]
    if base not in chosen:
        _usage(
            f"--baseline {base.value}: not among the data planes compared; add --data-plane "
            f"{base.value} or choose one of {', '.join(d.value for d in chosen)}"
        )
    with user_errors(out_dir) as run, ExitStack() as stack:
        knobs = Knobs(
            headroom_ratio=headroom_ratio,
            traffic_window_seconds=(
                parse_duration(traffic_window) if traffic_window is not None else None
            ),
            use_observed=use_observed,
        )
        traffic, nodes, knobs, _ = _from_folder(inventory, traffic, nodes, knobs)
        given_nodes = parse_nodes_option(nodes) if nodes is not None else None
        priced = load_prices(prices) if prices is not None else None
        # the traffic table is read once, beside the first inventory, and checked against each
        parsing = stack.enter_context(traffic_ahead(traffic)) if traffic is not None else None
        table: TrafficTable | None = None
        # tables are read once; manifests once per mesh, with its injection rules
        per_mesh = read_per_mesh(inventory)
        read: dict[MeshKind | None, tuple[Any, Any]] = {}
        ahead: dict[DataPlane, HeadStart] = {}
        keys = [MESH_OF[d][0] if per_mesh else None for d in chosen]
        for data_plane, key in zip(chosen, keys, strict=True):
            if key not in read:
                checked = read_inventory(inventory, services, MESH_OF[data_plane][0])
                if parsing is not None and table is None:
                    # what the data planes' meshes read of this inventory alone is worked out
                    # while the traffic table is still being read (MeshEntry.head_start)
                    mine = [d for d, k in zip(chosen, keys, strict=True) if k == key]
                    ahead.update(head_starts(checked, knobs, mine, parsing.running))
                    table = parsing.result()
                read[key] = (checked, traffic_from(table, checked) if table else None)
        inputs = [read[key] for key in keys]
        plans = size_data_planes(inputs, knobs, chosen, given_nodes, [ahead.get(d) for d in chosen])
        comparison = compare_plans(plans, base, knobs)
        if priced is not None:
            comparison = comparison.model_copy(update={"cost": compare_cost(comparison, *priced)})
        files: dict[str, Content] = {}
        # compare.json is always written: the page and the sheet render from it
        outputs = sorted({CompareFormat.JSON, *(formats or [])})
        rendered, summary = render_files(
            [_job(COMPARE_RENDERERS[o], comparison, o) for o in outputs],
            lambda: render_compare_summary(comparison).split("\n"),
        )
        files.update(rendered)
        written = write_outputs(
            out_dir,
            files,
            force=force,
            owned=list(COMPARE_ENTRIES.values()),
            switched=run.mark_written,
        )
        sys.stderr.write("\n".join(printable(line) for line in summary))
        for path in written:
            typer.echo(printable(str(path)))
    _finished()


app.command(name="collect")(collect_command)
MAX_HORIZON_DAYS = 3 * 365


def _horizon(text: str) -> int:
    from planner.inputs.units import parse_duration

    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise InputError(f"--horizon {quoted(text)}: {exc}") from None
    days = seconds / 86_400
    if days < 1 or days > MAX_HORIZON_DAYS or days != int(days):
        raise InputError(
            f"--horizon {quoted(text)}: give whole days from 1d to {MAX_HORIZON_DAYS}d, such as "
            "90d (the next quarterly review)"
        )
    return int(days)


def review_command(
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            help="Last review's plan.json (planner size's output); with --history, the "
            "history's last but one by default.",
        ),
    ] = None,
    current: Annotated[
        Path | None,
        typer.Option(
            "--current",
            help="This review's plan.json, of the same mesh; with --history, its last by default.",
        ),
    ] = None,
    history: Annotated[
        list[Path] | None,
        typer.Option(
            "--history",
            help="A dated plan.json (sized with --inputs-date) of an earlier quarter, or a "
            "folder planner collect wrote (dated by its collect.json, sized as the newest plan "
            "was), for the forecast; repeat for each (four or more give intervals worth "
            "reading).",
        ),
    ] = None,
    horizon: Annotated[
        str,
        typer.Option(
            "--horizon", help="How far after the last plan to project (90d: the next review)."
        ),
    ] = "90d",
    out: Annotated[
        str, typer.Option("--out", "-o", help="Folder for review.json and the --format files.")
    ] = "review",
    formats: Annotated[
        list[ReviewFormat] | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="Output to write besides review.json, one of: "
            + ", ".join(f.value for f in ReviewFormat)
            + " (review.html, review.xlsx); repeat for several.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace what an earlier review wrote in --out.")
    ] = False,
    prices: PricesOption = None,
) -> None:
    """Compare this quarter's plan with last quarter's: what changed per part of the mesh,
    namespace and workload, and why (pods, traffic, what each proxy holds, observed usage, the
    model, the headroom), the drivers adding up to the change; with --history, fit each
    driver's growth and project the mesh to --horizon. --format html adds a page with charts
    (review.html), --format xlsx a workbook with the forecast's inputs and live fit
    (review.xlsx).

    Examples:

        planner review --baseline q3/plan.json --current q4/plan.json --format html
        --format xlsx --out review

        planner review --history q1/plan.json --history q2/plan.json --history q3/plan.json
        --history q4/plan.json --horizon 90d --out review
    """
    from models.plan import SCHEMA_VERSION
    from planner.cost import load_prices, review_cost
    from planner.forecast import forecast
    from planner.outputs import write_outputs
    from planner.review import read_plan, review
    from planner.snapshots import sized_snapshot
    from reports import REVIEW_ENTRIES, REVIEW_RENDERERS
    from reports.review import render_review_summary

    out_dir = Path(out)
    with user_errors(out_dir) as run:
        days = _horizon(horizon)
        priced = load_prices(prices) if prices is not None else None
        read = {path: read_plan(path, "--history") for path in history or [] if not path.is_dir()}
        given = [plan for plan, _ in read.values()]
        newest = current or baseline
        if not given and newest is not None:
            given.append(read_plan(newest, "--current" if current else "--baseline")[0])
        # an input snapshot (a folder planner collect wrote) is sized as the newest plan was
        like = max(given, key=lambda p: p.knobs.inputs_date or date.min) if given else None
        past = [
            (path, *read[path])
            if path in read
            else (path, sized_snapshot(path, like), SCHEMA_VERSION)
            for path in history or []
        ]
        if (baseline is None) != (current is None) and not past:
            raise InputError("give both --baseline and --current (or --history with two plans)")
        if baseline is None and current is None and len(past) < 2:
            raise InputError(
                "give --baseline and --current, or two dated plans or more with --history"
                if not past
                else "--history: one snapshot cannot be projected; give two dated plans at "
                "least (four or more for an interval worth reading)"
            )
        if past:
            ordered = sorted(
                past, key=lambda p: (p[1].knobs.inputs_date is None, p[1].knobs.inputs_date)
            )
        old_path, (old, old_schema) = (
            (baseline, read_plan(baseline, "--baseline"))
            if baseline
            else (ordered[-2][0], ordered[-2][1:])
        )
        new_path, (new, new_schema) = (
            (current, read_plan(current, "--current"))
            if current
            else (ordered[-1][0], ordered[-1][1:])
        )
        result = review(old, new, old_path, new_path, (old_schema, new_schema))
        if priced is not None:
            result = result.model_copy(update={"cost": review_cost(old, new, *priced)})
        if past:
            result = result.model_copy(
                update={"forecast": forecast([(plan, str(path)) for path, plan, _ in past], days)}
            )
        files: dict[str, Content] = {}
        # review.json is always written: the page and the workbook render from it
        for output in sorted({ReviewFormat.JSON, *(formats or [])}):
            files.update(REVIEW_RENDERERS[output](result))
        written = write_outputs(
            out_dir,
            files,
            force=force,
            owned=list(REVIEW_ENTRIES.values()),
            switched=run.mark_written,
        )
        sys.stderr.write(printable(render_review_summary(result)).replace("\\n", "\n"))
        for path in written:
            typer.echo(printable(str(path)))
    _finished()


app.command(name="review")(review_command)


def calibrate_command(
    inventory: Annotated[
        Path,
        typer.Option(
            "--inventory",
            "-i",
            help="The workloads (or pods) table with observed proxy usage (proxy_cpu_millicores, "
            "proxy_memory_mib), or a folder planner collect wrote (docs/inputs.md).",
        ),
    ],
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="The fitted profile YAML to write (a file)."),
    ],
    services: Annotated[
        Path | None, typer.Option("--services", help="Services table, as planner size reads it.")
    ] = None,
    traffic: Annotated[
        Path | None,
        typer.Option("--traffic", help="Traffic table, as planner size reads it (rps per edge)."),
    ] = None,
    mesh: Annotated[
        MeshKind | None,
        typer.Option("--mesh", help="Mesh whose profile is fitted (default: as planner size)."),
    ] = None,
    istio_version: IstioVersionOption = None,
    linkerd_version: LinkerdVersionOption = None,
    consul_version: ConsulVersionOption = None,
    appmesh_version: AppMeshVersionOption = None,
    mesh_version: MeshVersionOption = None,
    profile: Annotated[
        Path | None,
        typer.Option("--profile", help="The profile to fit (default: the mesh's built-in one)."),
    ] = None,
    traffic_window: Annotated[
        str | None,
        typer.Option("--traffic-window", callback=_check_duration, help="As planner size."),
    ] = None,
    size_for: Annotated[
        SizeFor,
        typer.Option(
            "--size-for",
            help="What the measured proxies hold: the unscoped mesh (default: mesh-planner's "
            "scoping is a recommendation, not what runs), or the scoped one when its "
            "recommended scoping is applied.",
        ),
    ] = SizeFor.UNSCOPED,
    strict: Annotated[
        bool, typer.Option("--strict", help="As planner size: traffic drift is an error.")
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            callback=_check_date,
            help="The date the usage was observed (2026-11-20), written into each fitted "
            "coefficient's source; default: the end of a planner collect folder's collection.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")] = False,
) -> None:
    """Fit the sizing profile's proxy coefficients to the cluster's own proxies (observed usage)
    and write a profile that planner size --profile takes; the fit and its held-out error go to
    stderr (docs/calibrate.md).

    Example:

        planner calibrate --inventory data/cluster.csv --services data/services.csv
        --traffic data/traffic.csv --as-of 2026-11-20 --out fitted-profile.yaml
    """
    from models.knobs import Knobs
    from planner.calibrate import calibrate, check_mesh, data_file, render_profile, render_report
    from planner.inputs.folder import folder_defaults, table_folder
    from planner.inputs.load import read_inventory
    from planner.inputs.traffic import read_traffic
    from planner.inputs.units import parse_duration
    from planner.meshes.profiles import load_builtin_profile, load_profile_file
    from planner.meshes.registry import MESHES
    from planner.outputs import write_file
    from planner.pipeline import build_plan

    with user_errors():
        versions = _versions(
            istio_version, linkerd_version, consul_version, appmesh_version, mesh_version
        )
        if len(versions) > 1:
            _usage(f"{' and '.join(versions)}: give the version once, with the flag of the mesh")
        knobs = Knobs(
            mesh_version=next(iter(versions.values()), None),
            traffic_window_seconds=(
                parse_duration(traffic_window) if traffic_window is not None else None
            ),
            size_for=size_for,
        )
        tables = table_folder(inventory)
        taken_date = None
        if tables is not None:
            taken = folder_defaults(tables, traffic, knobs.traffic_window_seconds, None)
            traffic, taken_date = taken.traffic, taken.inputs_date
            knobs = knobs.model_copy(
                update={"traffic_window_seconds": taken.traffic_window_seconds}
            )
        day = date.fromisoformat(as_of) if as_of else taken_date
        if day is None:
            raise InputError(
                f"{inventory}: give --as-of YYYY-MM-DD, the date the usage was observed (a "
                "planner collect folder's collect.json gives it)"
            )
        user_profile = load_profile_file(profile) if profile else None
        chosen = _named_mesh(mesh, user_profile, versions)
        if chosen is not None:
            check_mesh(chosen[0])
        checked = read_inventory(inventory, services, chosen[0] if chosen else None)
        found = checked.mesh_found
        kind = chosen[0] if chosen else (MeshKind(found.mesh) if found else DEFAULT_MESH)
        check_mesh(kind)
        mesh_profile = user_profile or load_builtin_profile(kind)
        knobs = knobs.model_copy(update={"mesh": kind})
        _check_flags(MESHES[kind], versions, [])
        edges = read_traffic(traffic, checked, strict=strict) if traffic is not None else None
        plan = build_plan(checked, edges, mesh_profile, knobs)
        if tables is not None:
            paths = [tables.workloads, tables.services, traffic]
        else:
            paths = [inventory, services, traffic]
        files = tuple(data_file(p, str(p)) for p in paths if p is not None and p.is_file())
        result = calibrate(plan, mesh_profile, files, day)
        write_file(out, render_profile(result), force=force)
        sys.stderr.write(printable(render_report(result)).replace("\\n", "\n"))
        typer.echo(printable(str(out)))
    _finished()


app.command(name="calibrate")(calibrate_command)
