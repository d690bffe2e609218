"""Service port protocols as Istio selects them, and which of them its proxies handle at L4.

Istio takes a port's protocol from its `appProtocol` or, without one, from its name: `http`,
`http-web` and `grpc-api` name HTTP, HTTP and gRPC ports (the part before the first `-`).
A port with neither is detected at run time: HTTP when the traffic is HTTP, else TCP
(istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/).

What a port costs a proxy depends on it: every proxied port is an outbound cluster; a TCP port
(tcp, tls, https, mongo, mysql, redis: Istio proxies them as TCP) also gets a listener of its own
on the Service's address, while HTTP ports share one listener and route per port number; UDP is
not proxied at all. Undeclared ports are counted as HTTP: what Istio detects most of the time,
and no listener of their own.
"""

from __future__ import annotations

import pandas as pd

PROTOCOLS = (
    "http",
    "http2",
    "grpc",
    "grpc-web",
    "https",
    "tcp",
    "tls",
    "mongo",
    "mysql",
    "redis",
    "udp",
)
"""The protocols Istio's port naming and appProtocol select."""
HTTP = frozenset({"http", "http2", "grpc", "grpc-web"})
TCP = frozenset({"https", "tcp", "tls", "mongo", "mysql", "redis"})
"""Handled by the proxy at L4: TLS passes through, and Istio's MySQL and Redis filters are off
by default, so these are TCP proxying."""
NOT_PROXIED = frozenset({"udp"})
_APP_PROTOCOL_ALIASES = {
    # Kubernetes' own appProtocol values (KEP-3726)
    "kubernetes.io/h2c": "http2",
    "kubernetes.io/ws": "http",
    "kubernetes.io/wss": "https",
}

PORT_COUNTS = ("http_ports", "tcp_ports", "udp_ports")
"""Columns of a Services frame: its ports by what they cost (the rest are undeclared)."""


def port_protocol(name: object, app_protocol: object) -> str:
    """The protocol Istio selects for one port, or "" when it would detect it at run time."""
    if isinstance(app_protocol, str) and app_protocol.strip():
        chosen = app_protocol.strip().lower()
        chosen = _APP_PROTOCOL_ALIASES.get(chosen, chosen)
        if chosen in PROTOCOLS:
            return chosen
    if isinstance(name, str):
        lowered = name.lower()
        for protocol in sorted(PROTOCOLS, key=len, reverse=True):  # grpc-web before grpc
            if lowered == protocol or lowered.startswith(f"{protocol}-"):
                return protocol
    return ""


def port_counts(protocols: list[str]) -> dict[str, int]:
    """How many of a Service's ports are HTTP, TCP and UDP."""
    return {
        "http_ports": sum(p in HTTP for p in protocols),
        "tcp_ports": sum(p in TCP for p in protocols),
        "udp_ports": sum(p in NOT_PROXIED for p in protocols),
    }


def is_l4(services: pd.DataFrame) -> pd.Series:
    """Services whose every proxied port is handled at L4 (requests to them are TCP proxying)."""
    proxied = services["ports"] - services["udp_ports"]
    return (services["tcp_ports"] > 0) & (services["tcp_ports"] == proxied)
