"""Reading `consul.hashicorp.com/connect-service-upstreams`: the services a workload without
transparent proxy is configured with.

The annotation lists `<service>:<local port>[:<datacenter>]`, comma-separated; the service may
be written `<service>.<namespace>` (Consul Enterprise namespaces) or in the labelled form
`<service>.svc.<namespace>.ns[.<partition>.ap|.<peer>.peer]:<port>`. Without a namespace the
service is looked up by name: in the workload's own namespace when it has one there, else
wherever a meshed Service has that name (Consul's community edition has one namespace).
"""

from __future__ import annotations

import pandas as pd


def _target(entry: str) -> tuple[str, str | None]:
    """(service, namespace or None) of one upstream entry."""
    name = entry.strip().split(":", 1)[0].strip()
    parts = name.split(".")
    if len(parts) >= 4 and parts[1] == "svc" and parts[3] == "ns":
        return parts[0], parts[2]
    if len(parts) == 2:
        return parts[0], parts[1]
    return parts[0], None


def parse_upstreams(
    members: pd.DataFrame, services: pd.DataFrame
) -> tuple[dict[tuple[str, str], tuple[tuple[str, str], ...]], list[str]]:
    """Per (namespace, workload) with an upstreams annotation: the (namespace, service) pairs it
    names that the mesh has, sorted; and the entries naming none, sorted."""
    by_name: dict[str, list[str]] = {}
    for namespace, service in zip(
        services["namespace"].tolist(), services["service"].tolist(), strict=True
    ):
        by_name.setdefault(str(service), []).append(str(namespace))
    grants: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}
    unknown: set[str] = set()
    listed = members.loc[members["upstreams"] != ""]
    for namespace, workload, text in zip(
        listed["namespace"], listed["workload"], listed["upstreams"], strict=True
    ):
        found: set[tuple[str, str]] = set()
        for entry in filter(None, (e.strip() for e in str(text).split(","))):
            service, where = _target(entry)
            spaces = by_name.get(service, [])
            if where is not None:
                spaces = [s for s in spaces if s == where]
            elif namespace in spaces:
                spaces = [namespace]
            if not spaces:
                unknown.add(f"{namespace}/{workload}: {entry}")
            found.update((s, service) for s in spaces)
        grants[(namespace, workload)] = tuple(sorted(found))
    return grants, sorted(unknown)
