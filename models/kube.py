"""Kubernetes' rules for names and labels, and the bounds on inputs: the one definition of each.

Names from the inputs are kept as written (reports escape them), with two rules whatever file
carried them: no character that could act on a terminal or is not text (`UNPRINTABLE`), and no
more characters than Kubernetes allows for that kind of name (`MAX_NAME_LENGTH`). Generated
resources need stricter names (DNS labels and subdomains), checked where they are written.
"""

from __future__ import annotations

import re

from models.errors import UNPRINTABLE, quoted

DNS_LABEL = re.compile(r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?")
"""RFC 1123 label: namespaces, and most names a resource of ours gets."""
DNS_SUBDOMAIN = re.compile(
    r"(?=.{1,253}$)[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*"
)
"""RFC 1123 subdomain: Deployments, StatefulSets and most other object names (dots allowed,
never two in a row)."""
DNS_1035_LABEL = re.compile(r"[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?")
"""RFC 1035 label: Service names (a letter first)."""

_LABEL_KEY = (
    r"(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*/)?"
    r"[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
)
_LABEL_VALUE = r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?"
LABEL_PAIR = re.compile(rf"(?=[^/=]{{0,253}}(?:/|=))(?:{_LABEL_KEY})={_LABEL_VALUE}")
"""`key=value`: an optional DNS-subdomain prefix (253 at most) and `/`, a name of 63 at most, and
a value of 63 at most (k8s.io/apimachinery/pkg/util/validation)."""

MAX_NAME_LENGTH = {"namespace": 63, "name": 253}
"""Kubernetes' limits: a namespace is a DNS label (63); workloads, pods, Services and
ServiceEntry hosts are at most DNS subdomains (253)."""

# Bounds that catch typos and unit mix-ups (a value in bytes where MiB belong) before they
# become absurd plans; well above anything a real cluster holds. Every input path (tables,
# manifests, annotations) checks its numbers against these same bounds.
MAX_REPLICAS = 100_000
MAX_PORTS = 10_000
MAX_PORT_NUMBER = 65_535
MAX_RPS = 100_000_000
MAX_MILLICORES = 1_000_000
MAX_MIB = 10_000_000


def name_problem(name: str, kind: str) -> str | None:
    """What makes `name` unusable as a `kind` name ("namespace" or "name"), or None.

    The problem reads after "the name": `holds a control character ("\\x1b")`.
    """
    bad = UNPRINTABLE.search(name)
    if bad is not None:
        return f"holds a control character ({quoted(bad.group())})"
    limit = MAX_NAME_LENGTH[kind]
    if len(name) > limit:
        return f"is {len(name):,} characters long, more than the {limit} Kubernetes allows"
    return None
