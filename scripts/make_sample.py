"""Generate the bundled sample: data/cluster.csv, data/services.csv and data/traffic.csv.

The sample is "shopfront", an online retailer on one Kubernetes cluster with Istio in sidecar
mode: an ingress gateway in front of a web frontend and a mobile BFF, domain services in
catalog, checkout, payments, orders and identity, Postgres, Redis, Elasticsearch and Kafka
behind them, one external host (api.stripe.com, a ServiceEntry), a monitoring namespace without
sidecars that meshed workloads call, and an analytics namespace without sidecars that none
calls. The topology below is written out by hand; the rates are not. Requests enter at the
ingress gateway and flow down the call graph: every call multiplies the load of its
caller (requests served, or messages consumed by a worker) by a calls-per-request figure and a
lognormal factor, so a few edges carry most of the requests and many carry little.

Deterministic: one numpy RNG with a fixed seed, no clock, no network; the same code writes the
same bytes. Run from anywhere: .venv/bin/python scripts/make_sample.py
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from planner.inputs.traffic_table import OUTSIDE, TRAFFIC_TABLE
from planner.inputs.workloads import NO_SERVICES, SERVICES_TABLE, WORKLOADS_TABLE

SEED = 20261125
DATA = Path(__file__).resolve().parent.parent / "data"

ENTRY_RPS = 1200.0
"""Requests per second from outside the cluster into the ingress gateway."""
CALL_SIGMA = 0.35
"""Spread (log-space standard deviation) of the lognormal factor on each call's rate."""
OBSERVED_RATIO = 1 / 3
"""Share of workloads with observed proxy usage (as if only some namespaces were scraped)."""
OBSERVED_MIN_RPS_PER_POD = 50.0
"""Observed figures are drawn only for proxies this busy, where a p95 means something."""
PROXY_IDLE_CPU_MILLICORES = (4.0, 9.0)
"""Range of an idle sidecar's CPU (stats, xDS updates, health checks)."""
PROXY_CPU_PER_RPS_MILLICORES = 0.24
"""p95 CPU per request per second: Istio 1.24's 0.20 vCPU per 1000 rps at the mean, plus peaks."""
PROXY_BASE_MEMORY_MIB = (60.0, 76.0)
"""Range of a sidecar's memory at rest with this mesh's configuration (Istio 1.24: ~60 MB)."""
PROXY_MEMORY_PER_RPS_MIB = 0.012
"""Connection and buffer memory per request per second through a pod's proxy."""

Key = str
"""`namespace/name` of a workload or a Service."""


@dataclass(frozen=True)
class Workload:
    """One row of cluster.csv, before rates and observed usage are added."""

    key: Key
    kind: str
    replicas: int
    app_cpu_millicores: int | None
    app_memory_mib: int | None
    role: str = "workload"


@dataclass(frozen=True)
class Service:
    """A Service (or ServiceEntry) and the workloads it selects."""

    key: Key
    ports: int
    type: str
    workloads: tuple[str, ...]


@dataclass(frozen=True)
class Call:
    """Requests a workload sends to a Service.

    rps = (calls_per_request x the caller's load + rps_per_pod x its replicas) x lognormal factor;
    the load of a workload is the requests it serves plus the messages it consumes (`WORK_RPS`).
    """

    source: Key
    destination: Key
    calls_per_request: float = 0.0
    rps_per_pod: float = 0.0


UNMESHED_NAMESPACES = ("monitoring", "analytics")
"""Namespaces without sidecar injection: meshed workloads call into them, Istio sees no more."""
UNMESHED_WORKLOADS = ("istio-system/istiod",)
"""Workloads that run no sidecar in an injected namespace (istiod is the control plane)."""

# (namespace/workload, kind, replicas, app CPU request m, app memory request Mi)
WORKLOADS = (
    Workload("istio-system/istio-ingressgateway", "Deployment", 3, None, None, "ingress-gateway"),
    Workload("istio-system/istiod", "Deployment", 2, 500, 2048),
    Workload("storefront/web-frontend", "Deployment", 8, 500, 768),
    Workload("storefront/mobile-bff", "Deployment", 5, 250, 512),
    Workload("storefront/partner-api", "Deployment", 2, None, None),
    Workload("storefront/session-service", "Deployment", 3, 100, 128),
    Workload("storefront/session-redis", "StatefulSet", 3, 250, 1024),
    Workload("storefront/image-resizer", "Deployment", 4, 1000, 1024),
    Workload("storefront/cms-content", "Deployment", 2, 250, 512),
    Workload("storefront/cms-postgres", "StatefulSet", 1, 500, 1024),
    Workload("storefront/store-locator", "Deployment", 2, None, None),
    Workload("catalog/product-catalog", "Deployment", 8, 500, 1024),
    Workload("catalog/catalog-postgres", "StatefulSet", 3, 2000, 8192),
    Workload("catalog/catalog-redis", "Deployment", 3, 250, 2048),
    Workload("catalog/search-api", "Deployment", 4, 500, 768),
    Workload("catalog/elasticsearch", "StatefulSet", 3, 2000, 8192),
    Workload("catalog/recommendations", "Deployment", 4, 1000, 2048),
    Workload("catalog/reviews-v1", "Deployment", 3, 250, 512),
    Workload("catalog/reviews-v2", "Deployment", 1, 250, 512),
    Workload("catalog/pricing", "Deployment", 4, 250, 512),
    Workload("catalog/inventory-service", "Deployment", 3, 250, 512),
    Workload("catalog/inventory-sync-worker", "Deployment", 2, 100, 256),
    Workload("catalog/catalog-indexer", "CronJob", 0, 1000, 2048),
    Workload("checkout/cart", "Deployment", 4, 250, 384),
    Workload("checkout/cart-redis", "StatefulSet", 3, 250, 1024),
    Workload("checkout/checkout-service", "Deployment", 3, 500, 1024),
    Workload("checkout/promotions", "Deployment", 2, 250, 512),
    Workload("checkout/tax-calculator", "Deployment", 2, None, None),
    Workload("checkout/wishlist", "Deployment", 2, 100, 256),
    Workload("payments/payment-service", "Deployment", 3, 500, 1024),
    Workload("payments/fraud-detection", "Deployment", 2, 1000, 2048),
    Workload("payments/gift-cards", "Deployment", 2, 100, 256),
    Workload("payments/refund-worker", "Deployment", 1, 100, 256),
    Workload("payments/payments-postgres", "StatefulSet", 2, 1000, 4096),
    Workload("orders/order-service", "Deployment", 4, 500, 1024),
    Workload("orders/order-history", "Deployment", 2, 250, 512),
    Workload("orders/orders-postgres", "StatefulSet", 3, 2000, 8192),
    Workload("orders/shipping-service", "Deployment", 2, 250, 512),
    Workload("orders/returns-service", "Deployment", 2, None, None),
    Workload("orders/fulfilment-worker", "Deployment", 3, 250, 512),
    Workload("orders/notifications", "Deployment", 2, 100, 256),
    Workload("orders/email-sender", "Deployment", 2, 100, 256),
    Workload("identity/auth-service", "Deployment", 4, 250, 512),
    Workload("identity/user-profile", "Deployment", 3, 250, 512),
    Workload("identity/loyalty", "Deployment", 2, 250, 512),
    Workload("identity/accounts-postgres", "StatefulSet", 2, 1000, 4096),
    Workload("messaging/kafka", "StatefulSet", 3, 2000, 6144),
    Workload("messaging/schema-registry", "Deployment", 2, 250, 1024),
    Workload("monitoring/prometheus", "StatefulSet", 2, 1000, 8192),
    Workload("monitoring/alertmanager", "StatefulSet", 2, 100, 256),
    Workload("monitoring/grafana", "Deployment", 1, 250, 512),
    Workload("monitoring/kube-state-metrics", "Deployment", 1, 100, 256),
    Workload("monitoring/blackbox-exporter", "Deployment", 1, None, None),
    Workload("monitoring/node-exporter", "DaemonSet", 12, 50, 64),
    Workload("monitoring/fluent-bit", "DaemonSet", 12, 100, 128),
    Workload("monitoring/otel-collector", "Deployment", 3, 500, 1024),
    Workload("monitoring/loki", "StatefulSet", 3, 500, 2048),
    # batch analytics outside the mesh, which no meshed workload calls: istiod need not watch it
    Workload("analytics/airflow-scheduler", "Deployment", 1, 500, 1024),
    Workload("analytics/airflow-web", "Deployment", 1, 250, 512),
    Workload("analytics/warehouse-db", "StatefulSet", 2, 2000, 8192),
)

# Stateful stores get a ClusterIP Service for clients and a Headless one for pod DNS, as the
# Bitnami and ECK charts create them; clients of Kafka and Redis Sentinel reach pods directly.
SERVICES = (
    Service("istio-system/istio-ingressgateway", 3, "LoadBalancer", ("istio-ingressgateway",)),
    Service("istio-system/istiod", 4, "ClusterIP", ("istiod",)),
    Service("storefront/web-frontend", 1, "ClusterIP", ("web-frontend",)),
    Service("storefront/mobile-bff", 1, "ClusterIP", ("mobile-bff",)),
    Service("storefront/partner-api", 1, "ClusterIP", ("partner-api",)),
    Service("storefront/session-service", 2, "ClusterIP", ("session-service",)),
    Service("storefront/session-redis", 2, "ClusterIP", ("session-redis",)),
    Service("storefront/session-redis-headless", 2, "Headless", ("session-redis",)),
    Service("storefront/image-resizer", 1, "ClusterIP", ("image-resizer",)),
    Service("storefront/cms-content", 1, "ClusterIP", ("cms-content",)),
    Service("storefront/cms-postgres", 1, "ClusterIP", ("cms-postgres",)),
    Service("storefront/store-locator", 1, "ClusterIP", ("store-locator",)),
    Service("catalog/product-catalog", 2, "ClusterIP", ("product-catalog",)),
    Service("catalog/catalog-postgres", 1, "ClusterIP", ("catalog-postgres",)),
    Service("catalog/catalog-postgres-headless", 1, "Headless", ("catalog-postgres",)),
    Service("catalog/catalog-redis", 1, "ClusterIP", ("catalog-redis",)),
    Service("catalog/search-api", 1, "ClusterIP", ("search-api",)),
    Service("catalog/elasticsearch", 2, "ClusterIP", ("elasticsearch",)),
    Service("catalog/elasticsearch-headless", 2, "Headless", ("elasticsearch",)),
    Service("catalog/recommendations", 2, "ClusterIP", ("recommendations",)),
    Service("catalog/reviews", 1, "ClusterIP", ("reviews-v1", "reviews-v2")),
    Service("catalog/pricing", 2, "ClusterIP", ("pricing",)),
    Service("catalog/inventory-service", 2, "ClusterIP", ("inventory-service",)),
    Service("checkout/cart", 2, "ClusterIP", ("cart",)),
    Service("checkout/cart-redis", 2, "ClusterIP", ("cart-redis",)),
    Service("checkout/cart-redis-headless", 2, "Headless", ("cart-redis",)),
    Service("checkout/checkout-service", 1, "ClusterIP", ("checkout-service",)),
    Service("checkout/promotions", 1, "ClusterIP", ("promotions",)),
    Service("checkout/tax-calculator", 1, "ClusterIP", ("tax-calculator",)),
    Service("checkout/wishlist", 1, "ClusterIP", ("wishlist",)),
    Service("payments/payment-service", 2, "ClusterIP", ("payment-service",)),
    Service("payments/fraud-detection", 1, "ClusterIP", ("fraud-detection",)),
    Service("payments/gift-cards", 1, "ClusterIP", ("gift-cards",)),
    Service("payments/payments-postgres", 1, "ClusterIP", ("payments-postgres",)),
    Service("payments/payments-postgres-headless", 1, "Headless", ("payments-postgres",)),
    Service("payments/api.stripe.com", 1, "ServiceEntry", ()),
    Service("orders/order-service", 2, "ClusterIP", ("order-service",)),
    Service("orders/order-history", 1, "ClusterIP", ("order-history",)),
    Service("orders/orders-postgres", 1, "ClusterIP", ("orders-postgres",)),
    Service("orders/orders-postgres-headless", 1, "Headless", ("orders-postgres",)),
    Service("orders/shipping-service", 1, "ClusterIP", ("shipping-service",)),
    Service("orders/returns-service", 1, "ClusterIP", ("returns-service",)),
    Service("orders/notifications", 1, "ClusterIP", ("notifications",)),
    Service("orders/email-sender", 1, "ClusterIP", ("email-sender",)),
    Service("identity/auth-service", 2, "ClusterIP", ("auth-service",)),
    Service("identity/user-profile", 1, "ClusterIP", ("user-profile",)),
    Service("identity/loyalty", 1, "ClusterIP", ("loyalty",)),
    Service("identity/accounts-postgres", 1, "ClusterIP", ("accounts-postgres",)),
    Service("identity/accounts-postgres-headless", 1, "Headless", ("accounts-postgres",)),
    Service("messaging/kafka", 1, "ClusterIP", ("kafka",)),
    Service("messaging/kafka-headless", 2, "Headless", ("kafka",)),
    Service("messaging/schema-registry", 1, "ClusterIP", ("schema-registry",)),
    Service("monitoring/prometheus", 1, "ClusterIP", ("prometheus",)),
    Service("monitoring/prometheus-operated", 1, "Headless", ("prometheus",)),
    Service("monitoring/alertmanager", 1, "ClusterIP", ("alertmanager",)),
    Service("monitoring/alertmanager-operated", 3, "Headless", ("alertmanager",)),
    Service("monitoring/grafana", 1, "ClusterIP", ("grafana",)),
    Service("monitoring/kube-state-metrics", 2, "ClusterIP", ("kube-state-metrics",)),
    Service("monitoring/blackbox-exporter", 1, "ClusterIP", ("blackbox-exporter",)),
    Service("monitoring/node-exporter", 1, "ClusterIP", ("node-exporter",)),
    Service("monitoring/fluent-bit", 1, "ClusterIP", ("fluent-bit",)),
    Service("monitoring/otel-collector", 3, "ClusterIP", ("otel-collector",)),
    Service("monitoring/loki", 2, "ClusterIP", ("loki",)),
    Service("analytics/airflow-web", 1, "ClusterIP", ("airflow-web",)),
    Service("analytics/warehouse-db", 1, "ClusterIP", ("warehouse-db",)),
    Service("analytics/warehouse-db-headless", 1, "Headless", ("warehouse-db",)),
)

WORK_RPS = (
    ("catalog/inventory-sync-worker", 6.0),
    ("orders/fulfilment-worker", 3.0),
    ("orders/notifications", 5.0),
    ("payments/refund-worker", 0.4),
)
"""Messages per second that workers consume from Kafka: load that arrives by no request."""

GATEWAY = "istio-system/istio-ingressgateway"
KAFKA = "messaging/kafka-headless"
TRACES = "monitoring/otel-collector"
TRACING_WORKLOADS = (
    "catalog/inventory-service",
    "catalog/pricing",
    "catalog/product-catalog",
    "catalog/recommendations",
    "catalog/search-api",
    "checkout/cart",
    "checkout/checkout-service",
    "checkout/promotions",
    "identity/auth-service",
    "identity/user-profile",
    "orders/notifications",
    "orders/order-service",
    "orders/shipping-service",
    "payments/fraud-detection",
    "payments/payment-service",
    "storefront/mobile-bff",
    "storefront/session-service",
    "storefront/web-frontend",
)
"""Workloads instrumented with OpenTelemetry: each pod exports span batches to the collector."""

CALLS = (
    Call(GATEWAY, "storefront/web-frontend", 0.50),
    Call(GATEWAY, "storefront/mobile-bff", 0.30),
    Call(GATEWAY, "storefront/image-resizer", 0.12),
    Call(GATEWAY, "storefront/partner-api", 0.05),
    Call(GATEWAY, "identity/auth-service", 0.03),
    Call("storefront/web-frontend", "catalog/product-catalog", 1.4),
    Call("storefront/web-frontend", "catalog/pricing", 0.5),
    Call("storefront/web-frontend", "catalog/search-api", 0.25),
    Call("storefront/web-frontend", "catalog/recommendations", 0.35),
    Call("storefront/web-frontend", "catalog/reviews", 0.2),
    Call("storefront/web-frontend", "checkout/cart", 0.35),
    Call("storefront/web-frontend", "checkout/checkout-service", 0.02),
    Call("storefront/web-frontend", "checkout/wishlist", 0.03),
    Call("storefront/web-frontend", "storefront/session-service", 0.9),
    Call("storefront/web-frontend", "storefront/cms-content", 0.3),
    Call("storefront/web-frontend", "storefront/store-locator", 0.01),
    Call("storefront/web-frontend", "identity/auth-service", 0.4),
    Call("storefront/web-frontend", "identity/user-profile", 0.05),
    Call("storefront/web-frontend", "orders/order-history", 0.02),
    Call("storefront/web-frontend", "orders/returns-service", 0.004),
    Call("storefront/mobile-bff", "catalog/product-catalog", 1.1),
    Call("storefront/mobile-bff", "catalog/pricing", 0.45),
    Call("storefront/mobile-bff", "catalog/search-api", 0.35),
    Call("storefront/mobile-bff", "catalog/recommendations", 0.25),
    Call("storefront/mobile-bff", "catalog/reviews", 0.15),
    Call("storefront/mobile-bff", "checkout/cart", 0.3),
    Call("storefront/mobile-bff", "checkout/checkout-service", 0.03),
    Call("storefront/mobile-bff", "checkout/wishlist", 0.06),
    Call("storefront/mobile-bff", "storefront/cms-content", 0.1),
    Call("storefront/mobile-bff", "storefront/store-locator", 0.02),
    Call("storefront/mobile-bff", "identity/auth-service", 0.7),
    Call("storefront/mobile-bff", "identity/user-profile", 0.08),
    Call("storefront/mobile-bff", "identity/loyalty", 0.05),
    Call("storefront/mobile-bff", "orders/order-history", 0.05),
    Call("storefront/mobile-bff", "orders/returns-service", 0.006),
    Call("storefront/partner-api", "identity/auth-service", 1.0),
    Call("storefront/partner-api", "catalog/product-catalog", 1.5),
    Call("storefront/partner-api", "catalog/inventory-service", 1.0),
    Call("storefront/partner-api", "catalog/pricing", 1.0),
    Call("storefront/partner-api", "orders/order-service", 0.02),
    Call("storefront/session-service", "storefront/session-redis", 1.6),
    Call("storefront/cms-content", "storefront/cms-postgres", 0.15),
    Call("catalog/product-catalog", "catalog/catalog-redis", 1.2),
    Call("catalog/product-catalog", "catalog/catalog-postgres", 0.2),
    Call("catalog/product-catalog", "catalog/inventory-service", 0.25),
    Call("catalog/pricing", "catalog/catalog-redis", 0.8),
    Call("catalog/pricing", "catalog/catalog-postgres", 0.05),
    Call("catalog/pricing", "checkout/promotions", 0.25),
    Call("catalog/search-api", "catalog/elasticsearch", 1.2),
    Call("catalog/search-api", "catalog/pricing", 0.3),
    Call("catalog/elasticsearch", "catalog/elasticsearch-headless", 0.3),
    Call("catalog/recommendations", "catalog/catalog-redis", 1.0),
    Call("catalog/recommendations", "catalog/product-catalog", 0.5),
    Call("catalog/recommendations", "identity/user-profile", 0.1),
    Call("catalog/reviews-v1", "catalog/catalog-postgres", 0.8),
    Call("catalog/reviews-v2", "catalog/catalog-postgres", 0.8),
    Call("catalog/reviews-v2", "identity/user-profile", 0.4),
    Call("catalog/inventory-service", "catalog/catalog-postgres", 0.7),
    Call("catalog/inventory-service", KAFKA, 0.02),
    Call("catalog/inventory-sync-worker", "catalog/inventory-service", 4.0),
    Call("catalog/inventory-sync-worker", KAFKA, rps_per_pod=4.0),
    Call("checkout/cart", "checkout/cart-redis", 2.0),
    Call("checkout/cart", "catalog/pricing", 0.5),
    Call("checkout/cart", "checkout/promotions", 0.25),
    Call("checkout/cart", "catalog/inventory-service", 0.2),
    Call("checkout/wishlist", "checkout/cart-redis", 1.5),
    Call("checkout/wishlist", "catalog/product-catalog", 0.5),
    Call("checkout/checkout-service", "checkout/cart", 1.0),
    Call("checkout/checkout-service", "catalog/pricing", 1.0),
    Call("checkout/checkout-service", "checkout/tax-calculator", 1.0),
    Call("checkout/checkout-service", "checkout/promotions", 1.0),
    Call("checkout/checkout-service", "catalog/inventory-service", 1.0),
    Call("checkout/checkout-service", "identity/user-profile", 1.0),
    Call("checkout/checkout-service", "orders/shipping-service", 0.8),
    Call("checkout/checkout-service", "payments/payment-service", 0.1),
    Call("checkout/checkout-service", "payments/gift-cards", 0.05),
    Call("checkout/checkout-service", "orders/order-service", 0.1),
    Call("checkout/promotions", "checkout/cart-redis", 0.5),
    Call("checkout/promotions", "identity/loyalty", 0.2),
    Call("payments/payment-service", "payments/fraud-detection", 1.0),
    Call("payments/payment-service", "payments/payments-postgres", 2.5),
    Call("payments/payment-service", "payments/api.stripe.com", 1.1),
    Call("payments/payment-service", KAFKA, 1.0),
    Call("payments/fraud-detection", "identity/user-profile", 0.8),
    Call("payments/fraud-detection", "orders/order-history", 0.6),
    Call("payments/fraud-detection", "payments/payments-postgres", 0.5),
    Call("payments/gift-cards", "payments/payments-postgres", 2.0),
    Call("payments/refund-worker", "payments/payment-service", 1.0),
    Call("payments/refund-worker", "payments/payments-postgres", 2.0),
    Call("payments/refund-worker", KAFKA, rps_per_pod=4.0),
    Call("orders/order-service", "orders/orders-postgres", 4.0),
    Call("orders/order-service", KAFKA, 1.5),
    Call("orders/order-service", "identity/user-profile", 0.3),
    Call("orders/order-service", "orders/notifications", 0.5),
    Call("orders/order-history", "orders/orders-postgres", 1.5),
    Call("orders/shipping-service", "orders/orders-postgres", 0.3),
    Call("orders/returns-service", "orders/order-service", 1.0),
    Call("orders/returns-service", "payments/payment-service", 0.3),
    Call("orders/returns-service", "orders/orders-postgres", 2.0),
    Call("orders/fulfilment-worker", "catalog/inventory-service", 1.0),
    Call("orders/fulfilment-worker", "orders/shipping-service", 1.0),
    Call("orders/fulfilment-worker", "orders/order-service", 1.0),
    Call("orders/fulfilment-worker", KAFKA, rps_per_pod=4.0),
    Call("orders/notifications", "orders/email-sender", 0.6),
    Call("orders/notifications", "identity/user-profile", 1.0),
    Call("orders/notifications", KAFKA, rps_per_pod=4.0),
    Call("identity/auth-service", "identity/accounts-postgres", 0.15),
    Call("identity/user-profile", "identity/accounts-postgres", 0.9),
    Call("identity/loyalty", "identity/accounts-postgres", 1.0),
    Call("messaging/schema-registry", KAFKA, rps_per_pod=1.0),
    # followers fetch from leaders continuously, and more the more is produced
    Call("messaging/kafka", KAFKA, 1.0, rps_per_pod=10.0),
    Call("orders/order-service", "messaging/schema-registry", rps_per_pod=0.05),
    Call("payments/payment-service", "messaging/schema-registry", rps_per_pod=0.05),
    *(Call(source, TRACES, rps_per_pod=1.0) for source in TRACING_WORKLOADS),
)


@dataclass(frozen=True)
class Flows:
    """Requests per second on every call, and into and out of every workload."""

    edges: Mapping[tuple[Key, Key], float]
    inbound_rps: Mapping[Key, float]
    outbound_rps: Mapping[Key, float]


@dataclass(frozen=True)
class Observed:
    """A proxy's observed usage per pod: p95 CPU and peak memory."""

    cpu_millicores: int
    memory_mib: int


def namespace_of(key: Key) -> str:
    """`catalog/pricing` -> `catalog`."""
    return key.split("/", 1)[0]


def name_of(key: Key) -> str:
    """`catalog/pricing` -> `pricing`."""
    return key.split("/", 1)[1]


def backing_workloads(service: Service) -> tuple[Key, ...]:
    """The workload keys behind a Service."""
    namespace = namespace_of(service.key)
    return tuple(f"{namespace}/{w}" for w in service.workloads)


def service_shares(
    services: Sequence[Service], replicas: Mapping[Key, int]
) -> dict[Key, tuple[tuple[Key, float], ...]]:
    """Per Service, the workloads behind it and their share of its requests (by replicas)."""
    shares: dict[Key, tuple[tuple[Key, float], ...]] = {}
    for service in services:
        backing = backing_workloads(service)
        total = sum(replicas[w] for w in backing)
        shares[service.key] = tuple((w, replicas[w] / total) for w in backing if total > 0)
    return shares


def call_order(calls: Sequence[Call], services: Sequence[Service]) -> list[Key]:
    """Callers in an order where every workload comes after all workloads that call it.

    A workload calling a Service it backs itself (Kafka replication) is no dependency.
    Raises ValueError if the call graph has a cycle.
    """
    behind = {s.key: backing_workloads(s) for s in services}
    callers = sorted({c.source for c in calls})
    waits_on: dict[Key, set[Key]] = {w: set() for w in callers}
    for call in calls:
        for callee in behind[call.destination]:
            if callee in waits_on and callee != call.source:
                waits_on[callee].add(call.source)
    order: list[Key] = []
    while waits_on:
        ready = sorted(w for w, pending in waits_on.items() if not pending - set(order))
        if not ready:
            raise ValueError(f"the call graph has a cycle among {sorted(waits_on)}")
        order.extend(ready)
        for workload in ready:
            del waits_on[workload]
    return order


def propagate(rng: np.random.Generator) -> Flows:
    """Push ENTRY_RPS and the workers' messages down the call graph."""
    replicas = {w.key: w.replicas for w in WORKLOADS}
    gateways = {w.key for w in WORKLOADS if w.role != "workload"}
    # one factor per call, drawn in table order so the draws never depend on the walk;
    # a gateway forwards what it receives, so its calls keep their shares exactly
    factors = rng.lognormal(0.0, CALL_SIGMA, size=len(CALLS))
    shares = service_shares(SERVICES, replicas)
    inbound = dict.fromkeys(replicas, 0.0)
    inbound[GATEWAY] = ENTRY_RPS
    work = dict(WORK_RPS)
    edges: dict[tuple[Key, Key], float] = {(f"{OUTSIDE}/{OUTSIDE}", GATEWAY): ENTRY_RPS}
    for caller in call_order(CALLS, SERVICES):
        load = inbound[caller] + work.get(caller, 0.0)
        for call, factor in zip(CALLS, factors, strict=True):
            if call.source != caller:
                continue
            spread = 1.0 if caller in gateways else float(factor)
            rps = (call.calls_per_request * load + call.rps_per_pod * replicas[caller]) * spread
            edges[(caller, call.destination)] = edges.get((caller, call.destination), 0.0) + rps
            for workload, share in shares[call.destination]:
                inbound[workload] += rps * share
    outbound = dict.fromkeys(replicas, 0.0)
    for (source, _), rps in edges.items():
        if source in outbound:
            outbound[source] += rps
    return Flows(edges=edges, inbound_rps=inbound, outbound_rps=outbound)


def is_meshed(workload: Workload) -> bool:
    """Whether the workload's pods run a sidecar (or, for a gateway, are a proxy)."""
    return (
        namespace_of(workload.key) not in UNMESHED_NAMESPACES
        and workload.key not in UNMESHED_WORKLOADS
    )


def proxy_rps_per_pod(workload: Workload, flows: Flows) -> float:
    """Requests per second through one pod's proxy: a gateway's pass through it once."""
    inbound = flows.inbound_rps[workload.key]
    outbound = flows.outbound_rps[workload.key]
    through = max(inbound, outbound) if workload.role != "workload" else inbound + outbound
    return through / max(workload.replicas, 1)


def observe(rng: np.random.Generator, flows: Flows) -> dict[Key, Observed]:
    """Observed proxy usage for about a third of the workloads, picked among the busy ones."""
    busy = [
        w
        for w in WORKLOADS
        if is_meshed(w)
        and w.replicas > 0
        and proxy_rps_per_pod(w, flows) >= OBSERVED_MIN_RPS_PER_POD
    ]
    count = min(len(busy), round(len(WORKLOADS) * OBSERVED_RATIO))
    picked = sorted(rng.choice(len(busy), size=count, replace=False).tolist())
    observed: dict[Key, Observed] = {}
    for index in picked:
        workload = busy[index]
        rps = proxy_rps_per_pod(workload, flows)
        idle = rng.uniform(*PROXY_IDLE_CPU_MILLICORES)
        per_rps = PROXY_CPU_PER_RPS_MILLICORES * rng.lognormal(0.0, 0.1)
        base_memory = rng.uniform(*PROXY_BASE_MEMORY_MIB)
        observed[workload.key] = Observed(
            cpu_millicores=math.ceil(idle + rps * per_rps),
            memory_mib=math.ceil(base_memory + rps * PROXY_MEMORY_PER_RPS_MIB),
        )
    return observed


def plain(value: float | None, digits: int = 2) -> str:
    """A number as a CSV cell: fixed decimals, no separators; empty when unknown."""
    if value is None:
        return ""
    return f"{value:.{digits}f}"


def workload_rows(flows: Flows, observed: Mapping[Key, Observed]) -> list[dict[str, str]]:
    """cluster.csv: one row per workload, with the rates the traffic table implies."""
    served: dict[Key, list[str]] = {w.key: [] for w in WORKLOADS}
    for service in SERVICES:
        for key in backing_workloads(service):
            served[key].append(name_of(service.key))
    rows: list[dict[str, str]] = []
    for workload in WORKLOADS:
        seen = observed.get(workload.key)
        inbound = flows.inbound_rps[workload.key]
        outbound = flows.outbound_rps[workload.key]
        rows.append(
            {
                "namespace": namespace_of(workload.key),
                "workload": name_of(workload.key),
                "replicas": str(workload.replicas),
                "kind": workload.kind,
                "services": ";".join(sorted(served[workload.key])) or NO_SERVICES,
                # unknown is not zero: traffic between unmeshed pods is invisible to Istio
                "rps": plain(inbound) if inbound > 0 else "",
                "outbound_rps": plain(outbound) if outbound > 0 else "",
                "mesh_injected": "true" if is_meshed(workload) else "false",
                "role": workload.role,
                "proxy_cpu_millicores": plain(seen.cpu_millicores if seen else None, 0),
                "proxy_memory_mib": plain(seen.memory_mib if seen else None, 0),
                "app_cpu_millicores": plain(workload.app_cpu_millicores, 0),
                "app_memory_mib": plain(workload.app_memory_mib, 0),
            }
        )
    return sorted(rows, key=lambda r: (r["namespace"], r["workload"]))


PROTOCOLS = {
    # the Helm charts' port names: status-port (undeclared), http2, https
    "istio-system/istio-ingressgateway": ";http2;https",
    # grpc-xds, https-dns, https-webhook, http-monitoring
    "istio-system/istiod": "grpc;https;https;http",
    "catalog/elasticsearch": "http;tcp",
    "catalog/elasticsearch-headless": "http;tcp",
    "messaging/kafka": "tcp",
    "messaging/kafka-headless": "tcp",
    "payments/api.stripe.com": "https",
    "monitoring/otel-collector": "grpc;http;http",
    "monitoring/alertmanager-operated": "http;tcp;tcp",
}
"""Port protocols as the charts name the ports; stores by suffix below, other Services serve
HTTP (and gRPC on a second port)."""


def protocol_of(service: Service) -> str:
    """The `protocol` cell of a Service: Istio's protocol per port."""
    if service.key in PROTOCOLS:
        return PROTOCOLS[service.key]
    name = name_of(service.key)
    for marker, protocol in (("postgres", "tcp"), ("-db", "tcp"), ("redis", "redis")):
        if marker in name:
            return protocol if service.ports == 1 else f"{protocol};tcp"
    return "http" if service.ports == 1 else ";".join(["http", "grpc", "http"][: service.ports])


def service_rows() -> list[dict[str, str]]:
    """services.csv: one row per (Service, backing workload); one row for a ServiceEntry."""
    rows = [
        {
            "namespace": namespace_of(service.key),
            "service": name_of(service.key),
            "ports": str(service.ports),
            "type": service.type,
            "protocol": protocol_of(service),
            "workload": workload,
        }
        for service in SERVICES
        for workload in service.workloads or ("",)
    ]
    return sorted(rows, key=lambda r: (r["namespace"], r["service"], r["workload"]))


def traffic_rows(flows: Flows) -> list[dict[str, str]]:
    """traffic.csv: one row per (calling workload, Service called)."""
    rows = [
        {
            "source_namespace": namespace_of(source),
            "source_workload": name_of(source),
            "destination_namespace": namespace_of(destination),
            "destination_service": name_of(destination),
            "rps": plain(rps),
        }
        for (source, destination), rps in flows.edges.items()
    ]
    return sorted(
        rows,
        key=lambda r: (
            r["source_namespace"],
            r["source_workload"],
            r["destination_namespace"],
            r["destination_service"],
        ),
    )


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, str]]) -> None:
    """Comma-separated UTF-8 with LF line endings, columns in the given order."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    """Write the three sample tables into data/."""
    rng = np.random.default_rng(SEED)
    flows = propagate(rng)
    observed = observe(rng, flows)
    traffic_columns = [c.name for c in TRAFFIC_TABLE.columns if c.required]
    write_csv(DATA / "cluster.csv", WORKLOADS_TABLE.names, workload_rows(flows, observed))
    write_csv(DATA / "services.csv", SERVICES_TABLE.names, service_rows())
    write_csv(DATA / "traffic.csv", traffic_columns, traffic_rows(flows))


if __name__ == "__main__":
    main()
