"""`planner collect`: the command line of planner.collect.collector (registered by planner.cli)."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from models.choices import MeshKind
from models.errors import printable, quoted
from planner.collect.errors import CollectError
from planner.inputs.units import duration_text, parse_duration
from planner.outputs import write_outputs
from planner.version import __version__

if TYPE_CHECKING:
    from planner.collect.collector import Request
    from planner.collect.prometheus import Credentials, Server

TOKEN_ENV = "PLANNER_PROMETHEUS_TOKEN"
USERNAME_ENV = "PLANNER_PROMETHEUS_USERNAME"
PASSWORD_ENV = "PLANNER_PROMETHEUS_PASSWORD"
MESH_TITLES = {
    MeshKind.ISTIO_SIDECAR: "Istio",
    MeshKind.ISTIO_AMBIENT: "Istio (ambient)",
    MeshKind.LINKERD: "Linkerd",
    MeshKind.CONSUL: "Consul",
    MeshKind.APPMESH: "App Mesh",
}


def _seconds(flag: str, text: str, least: int) -> int:
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise CollectError(f"{flag} {quoted(text)}: {exc}") from None
    if seconds < least or seconds != int(seconds):
        raise CollectError(
            f"{flag} {quoted(text)}: give whole seconds, at least {duration_text(least)}"
        )
    return int(seconds)


def _end(text: str | None) -> datetime:
    if text is None:
        now = datetime.now(UTC)
        return now.replace(second=0, microsecond=0)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CollectError(
            f"--end {quoted(text)}: give an RFC 3339 time such as 2026-12-01T00:00:00Z"
        ) from None
    if moment.tzinfo is None:
        raise CollectError(f"--end {quoted(text)}: give the time zone too (Z for UTC, or +01:00)")
    return moment.astimezone(UTC)


def _headers(values: list[str]) -> tuple[tuple[str, str], ...]:
    headers = []
    for value in values:
        name, sep, content = value.partition(":")
        if not sep or not name.strip() or any(c in name for c in " \t\r\n"):
            raise CollectError(
                f"--header: {quoted(name.strip() or value[:20])}... is not `Name: value` "
                "(such as 'X-Scope-OrgID: tenant-1')"
            )
        if any(c in content for c in "\r\n"):
            raise CollectError(f"--header {quoted(name.strip())}: the value holds a line break")
        headers.append((name.strip(), content.strip()))
    return tuple(headers)


def _credentials(token_file: Path | None, username: str | None, headers: list[str]) -> Credentials:
    from planner.collect.prometheus import Credentials  # ssl and urllib: on use

    token = os.environ.get(TOKEN_ENV) or None
    if token_file is not None:
        try:
            token = token_file.read_text("utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise CollectError(
                f"--bearer-token-file {token_file}: cannot read it ({exc.__class__.__name__})"
            ) from None
        if not token:
            raise CollectError(f"--bearer-token-file {token_file}: the file is empty")
    username = username or os.environ.get(USERNAME_ENV) or None
    if token and username:
        raise CollectError("both a bearer token and a user are given; use one way to authenticate")
    return Credentials(
        bearer_token=token,
        username=username,
        password=os.environ.get(PASSWORD_ENV) if username else None,
        headers=_headers(headers),
    )


def collect_command(
    prometheus: Annotated[
        str,
        typer.Option(
            "--prometheus",
            help="The server's root URL (Prometheus, Thanos, Mimir, VictoriaMetrics), such as "
            "http://prometheus.monitoring:9090.",
        ),
    ],
    window: Annotated[
        str,
        typer.Option("--window", help="How far back the rates and usage are read (7d, 24h...)."),
    ] = "7d",
    end: Annotated[
        str | None,
        typer.Option(
            "--end",
            help="When the window ends, RFC 3339 (default: now, to the minute); pass it to "
            "collect the same inputs again.",
        ),
    ] = None,
    mesh: Annotated[
        MeshKind,
        typer.Option("--mesh", help="Whose proxy metrics to read."),
    ] = MeshKind.ISTIO_SIDECAR,
    out: Annotated[
        str, typer.Option("--out", "-o", help="Folder for the tables and collect.json.")
    ] = "collected",
    force: Annotated[
        bool, typer.Option("--force", help="Replace what an earlier collection wrote in --out.")
    ] = False,
    bearer_token_file: Annotated[
        Path | None,
        typer.Option(
            "--bearer-token-file",
            help=f"A file holding a bearer token (or the {TOKEN_ENV} environment variable).",
        ),
    ] = None,
    username: Annotated[
        str | None,
        typer.Option(
            "--username",
            help=f"Basic auth user (or {USERNAME_ENV}); the password comes from {PASSWORD_ENV}.",
        ),
    ] = None,
    header: Annotated[
        list[str] | None,
        typer.Option(
            "--header",
            metavar="'NAME: VALUE'",
            help="An extra request header (a tenant, a proxy's auth); repeat for several.",
        ),
    ] = None,
    ca_bundle: Annotated[
        Path | None,
        typer.Option(
            "--ca-bundle", help="PEM file of the CA that signed the server's certificate."
        ),
    ] = None,
    insecure_skip_verify: Annotated[
        bool,
        typer.Option("--insecure-skip-verify", help="Do not check the server's TLS certificate."),
    ] = False,
    timeout: Annotated[
        str,
        typer.Option("--timeout", help="How long one query may take (also sent to the server)."),
    ] = "2m",
    retries: Annotated[
        int,
        typer.Option(
            "--retries", min=0, max=10, help="Retries of a query that may pass, with backoff."
        ),
    ] = 3,
    match: Annotated[
        list[str] | None,
        typer.Option(
            "--match",
            metavar="MATCHER",
            help="A label matcher added to every query, such as 'cluster=\"eu-1\"' on a "
            "fleet-wide Thanos or Mimir; repeat for several.",
        ),
    ] = None,
    rate_interval: Annotated[
        str,
        typer.Option(
            "--rate-interval",
            help="The range of the per-pod CPU rate whose 95th percentile over the window is "
            "read; at least four scrape intervals.",
        ),
    ] = "5m",
) -> None:
    """Collect the inputs of planner size from Prometheus: workloads.csv, services.csv,
    traffic.csv and collect.json (the server, the window, every query) in --out.

    Every aggregation runs on the server (rates per edge, the proxies' p95 CPU and peak memory
    per workload), so no raw series is downloaded. Then: planner size --inventory DIR.

    Example:

        planner collect --prometheus http://prometheus.monitoring:9090 --window 7d
        --end 2026-12-01T00:00:00Z --out q4
    """
    from planner.cli import user_errors  # planner.cli registers this command
    from planner.collect.collector import OWNED, Request, collect, tty_progress  # pandas: on use
    from planner.collect.prometheus import Client, Server, check_url  # ssl and urllib: on use

    out_dir = Path(out)
    with user_errors(out_dir) as run:
        rate_seconds = _seconds("--rate-interval", rate_interval, 30)
        request = Request(
            mesh=mesh,
            window_seconds=_seconds("--window", window, rate_seconds),
            end=_end(end),
            rate_interval_seconds=rate_seconds,
            matchers=tuple(m.strip() for m in match or [] if m.strip()),
        )
        server = Server(
            url=check_url(prometheus),
            credentials=_credentials(bearer_token_file, username, header or []),
            ca_bundle=ca_bundle,
            insecure=insecure_skip_verify,
            timeout_seconds=float(_seconds("--timeout", timeout, 1)),
            retries=retries,
        )
        collection = collect(Client(server), request, tty_progress())
        written = write_outputs(
            out_dir,
            collection.files,
            force=force,
            owned=list(OWNED),
            switched=run.mark_written,
        )
        _summary(server, request, collection.counts, collection.findings, out_dir)
        for path in written:
            typer.echo(printable(str(path)))


def _summary(
    server: Server,
    request: Request,
    counts: dict[str, int],
    findings: list[dict[str, str]],
    out_dir: Path,
) -> None:
    when = request.end.strftime("%Y-%m-%dT%H:%M:%SZ")
    lines = [
        f"mesh-planner {__version__}: {MESH_TITLES[request.mesh]} metrics from {server.shown()}, "
        f"{duration_text(request.window_seconds)} ending {when}",
        f"  {counts['workloads']} workloads, {counts['services']} Services, "
        f"{counts['traffic_edges']} traffic edges, {counts['nodes']} nodes",
    ]
    if findings:
        lines.append(f"{len(findings)} findings (see collect.json):")
        lines += [f"  - {f['subject']}: {f['message']}" for f in findings]
    lines.append(f"Next: planner size --inventory {out_dir}")
    sys.stderr.write("".join(printable(line) + "\n" for line in lines))


__all__ = ["collect_command"]
