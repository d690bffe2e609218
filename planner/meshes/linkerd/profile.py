"""The Linkerd profile: proxy figures by version, the proxy's floors, and the control plane's
controllers, each coefficient with its source (profile.yaml beside this module); and Linkerd's
version names (2.x, stable-2.x, edge-YY.M.N) read as the 2.x whose figures apply."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, model_validator

from models.errors import ProfileError
from models.knobs import MeshKind
from models.profile import (
    Coefficient,
    ProfileBase,
    VersionRange,
    _Frozen,
    ordered_ranges,
    positive,
)
from planner.meshes.versions import in_range

VERSION_FLAG = "--linkerd-version"
_RELEASE = re.compile(r"(?:stable-)?(\d+)\.(\d+)(?:\.\d+)?")
_EDGE = re.compile(r"edge-(\d{2})\.(\d{1,2})\.(\d{1,3})")
EDGE_VERSIONS = (
    # (first edge release of the version, the version), from the linkerd2 repository's tags
    ((21, 9, 3), "2.11"),  # stable-2.11.0
    ((24, 2, 4), "2.15"),  # version-2.15
    ((24, 8, 2), "2.16"),
    ((24, 11, 8), "2.17"),
    ((25, 4, 4), "2.18"),
    ((25, 10, 7), "2.19"),
)
"""Since February 2024 Linkerd publishes edge releases only, a `version-2.x` tag marking the
first edge of each version; an edge between two marks is a pre-release of the later version but
is sized with the figures of the earlier one, which it ships the proxy of."""


class LinkerdVersionFigures(VersionRange):
    """The proxy figures that change with the Linkerd version, for one range of versions."""

    cpu_per_1000_rps_millicores: Coefficient
    base_memory_mib: Coefficient
    memory_per_connection_bytes: Coefficient


class LinkerdProxyModel(_Frozen):
    """linkerd2-proxy: its worker threads, idle cost, and the floors of its requests and limits."""

    concurrency: Coefficient
    idle_cpu_millicores: Coefficient
    tcp_cpu_ratio: Coefficient
    cpu_request_floor_millicores: Coefficient
    memory_request_floor_mib: Coefficient
    cpu_limit_floor_millicores: Coefficient
    memory_limit_floor_mib: Coefficient
    memory_limit_ratio: Coefficient


class ControllerModel(_Frozen):
    """A control-plane controller: the chart's HA values and the replica targets."""

    cpu_request_floor_millicores: Coefficient
    memory_request_floor_mib: Coefficient
    memory_limit_floor_mib: Coefficient
    cpu_limit_ratio: Coefficient
    memory_limit_ratio: Coefficient
    max_cpu_per_replica_millicores: Coefficient
    max_memory_per_replica_mib: Coefficient

    @model_validator(mode="after")
    def _divisors(self) -> ControllerModel:
        positive(self, ("max_cpu_per_replica_millicores", "max_memory_per_replica_mib"))
        return self


class DestinationModel(ControllerModel):
    """destination: the endpoints it watches and the proxies subscribed to it."""

    baseline_memory_mib: Coefficient
    memory_per_endpoint_bytes: Coefficient
    memory_per_proxy_mib: Coefficient
    cpu_per_1000_proxies_millicores: Coefficient


class IdentityModel(ControllerModel):
    """identity: the certificates it signs (each proxy renews at a share of the lifetime)."""

    certificate_lifetime_hours: Coefficient
    renew_at_ratio: Coefficient

    @model_validator(mode="after")
    def _rates(self) -> IdentityModel:
        positive(self, ("certificate_lifetime_hours", "renew_at_ratio"))
        return self


class InjectorModel(ControllerModel):
    """proxy-injector: the pods it admits."""

    injector_memory_pods_before_2_13: Coefficient


class LinkerdEvidence(_Frozen):
    """The largest published tests behind the model."""

    connected_proxies: Coefficient
    rps_per_proxy: Coefficient


class LinkerdProfile(ProfileBase):
    """The Linkerd sizing model, loaded from YAML."""

    mesh: Literal[MeshKind.LINKERD]
    default_mesh_version: str = Field(pattern=r"^\d+\.\d+$")
    versions: tuple[LinkerdVersionFigures, ...] = Field(min_length=1)
    proxy: LinkerdProxyModel
    destination: DestinationModel
    identity: IdentityModel
    proxy_injector: InjectorModel
    evidence: LinkerdEvidence

    @model_validator(mode="after")
    def _versions_ordered(self) -> LinkerdProfile:
        ordered_ranges("versions", self.versions)
        return self


def release_of(version: str) -> str:
    """The 2.x release whose figures apply to a Linkerd version: `2.18.1` and `stable-2.18.1`
    are 2.18, `edge-24.11.8` is 2.17.

    Raises ProfileError for a version Linkerd never named that way, or an edge release older
    than stable-2.11.0 (name the stable release instead).
    """
    release = _RELEASE.fullmatch(version)
    if release is not None:
        return f"{int(release.group(1))}.{int(release.group(2))}"
    edge = _EDGE.fullmatch(version)
    if edge is None:
        raise ProfileError(
            f"{VERSION_FLAG} {version}: a Linkerd version is written like 2.18, 2.18.1, "
            "stable-2.14.10 or edge-25.4.4"
        )
    key = tuple(int(part) for part in edge.groups())
    known = [name for first, name in EDGE_VERSIONS if key >= first]
    if not known:
        raise ProfileError(
            f"{VERSION_FLAG} {version}: edge releases before edge-21.9.3 (stable-2.11.0) are not "
            "mapped to a version; pass the stable release you run, such as 2.10"
        )
    return known[-1]


def figures_for(profile: LinkerdProfile, version: str) -> LinkerdVersionFigures:
    """The proxy figures whose range holds `version` (any Linkerd version name).

    Raises ProfileError for a version outside every range.
    """
    edge = _EDGE.fullmatch(version)
    if edge is not None and profile.releases is not None:
        year, month = 2000 + int(edge.group(1)), int(edge.group(2))
        known = profile.releases.as_of
        if not 1 <= month <= 12 or (year, month) > (known.year, known.month):
            # an edge release is named for the year and month it came out
            raise ProfileError(
                f"{VERSION_FLAG} {version}: not a release profile {profile.name} knows of (an "
                "edge release is named edge-YY.M.N for the year and month it came out; the "
                f"profile knows releases to {known.isoformat()}, edge-{known.year % 100}."
                f"{known.month}.N at the latest); pass {VERSION_FLAG} with the edge release you "
                "run, or its 2.x version (a release since then needs a --profile whose "
                "releases.as_of is later)"
            )
    return in_range(
        profile.name,
        profile.versions,
        release_of(version),
        "published figures",
        VERSION_FLAG,
        profile.releases,
    )


def check_version(profile: ProfileBase, version: str) -> None:
    """Raise ProfileError unless the profile has figures for `version`."""
    assert isinstance(profile, LinkerdProfile)
    figures_for(profile, version)
