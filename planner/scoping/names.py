"""Kubernetes names for the resources a scoping mechanism writes."""

from __future__ import annotations

import hashlib
import re

_KEPT = re.compile(r"[a-z0-9](?:[a-z0-9.-]{0,50}[a-z0-9])?")
"""A name the cleaning below leaves as it is: lower case letters, digits, dots and dashes, at
most 52 characters, a letter or digit at either end."""


def resource_name(name: str) -> str:
    """A DNS-1123 name for a resource derived from `name`; a hash keeps mangled names apart."""
    if _KEPT.fullmatch(name):
        return name
    cleaned = re.sub(r"[^a-z0-9.-]+", "-", name.lower()).strip("-.")[:52].strip("-.")
    if cleaned == name and len(name) <= 63:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return f"{cleaned or 'sidecar'}-{digest}"
