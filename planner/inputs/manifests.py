"""Kubernetes manifests (multi-document YAML, or kubectl's JSON) read as an inventory."""

from __future__ import annotations

import json
import math
import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import yaml

from models.errors import InventoryError, quoted
from models.kube import (
    LABEL_PAIR,
    MAX_MIB,
    MAX_MILLICORES,
    MAX_PORT_NUMBER,
    MAX_PORTS,
    MAX_REPLICAS,
    name_problem,
)
from models.plan import Finding, InputFile, Role
from planner.inputs.appmesh import DeclaredGraph
from planner.inputs.inventory import (
    Inventory,
    MeshFound,
    listed,
    plural,
    with_default_labels,
    with_roles,
)
from planner.inputs.protocols import PORT_COUNTS, port_counts, port_protocol
from planner.inputs.tables import ROW, decode_utf8, fingerprint, per_distinct, read_file_bytes
from planner.yamltext import SAFE_LOADER

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class ProxyAnnotations:
    """The pod-template annotations that set a mesh's proxy requests and limits."""

    cpu_request: str
    memory_request: str
    cpu_limit: str
    memory_limit: str


DeclaredReader = Callable[
    [list[Any], pd.DataFrame, pd.DataFrame, pd.DataFrame, str, str], DeclaredGraph
]
"""Reads a call graph a mesh declares in its own resources (planner.inputs.appmesh)."""


@dataclass(frozen=True)
class MeshManifests:
    """How one mesh shows in manifests: what the reader needs from a mesh entry.

    `markers`: label or annotation keys whose presence on a pod template or Namespace says the
    manifests are meshed by it. `injection(records, namespaces)`: per workload record, why it
    gets no proxy ("" when it gets one); records hold `namespace`, `labels` and `annotations`
    (the pod template's, as dicts), `host_network` and `service_account`; namespaces (indexed by
    name) hold `labels` and `annotations`. `roles(records)`: the gateway role the pod labels
    give ("" for none), and `role_labels` says which labels those are, for findings.
    `settings(records, namespaces)`, when the mesh has one, gives per workload record the mesh's
    own proxy settings (columns the mesh defines; the inventory's `proxy_settings` carries them,
    keyed by namespace and workload, to the mesh's sizing). `declared(documents, workloads,
    services, backing, file, default_namespace)`, when the mesh declares its call graph in its
    own resources (App Mesh), reads it: its edges become the inventory's `declared_calls`, the
    workloads it names gateways take that role, and its findings are the inventory's;
    `declared_groups` are the API groups of the objects it reads (not reported as ignored).
    `covers`: the meshes whose markers these rules read too (Istio's ambient mode sizes the
    sidecar namespaces of a mixed cluster), so manifests that carry both are read by these rules
    rather than refused.
    """

    mesh: str
    title: str
    markers: tuple[str, ...]
    injection: Callable[[pd.DataFrame, pd.DataFrame], pd.Series]
    roles: Callable[[pd.DataFrame], npt.NDArray[np.object_]]
    role_labels: str
    proxy_annotations: ProxyAnnotations
    proxy_container: str
    settings: Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame] | None = None
    declared: DeclaredReader | None = None
    declared_groups: tuple[str, ...] = ()
    covers: tuple[str, ...] = ()


MAX_MANIFEST_MIB = {".json": 512, ".yaml": 64, ".yml": 64}
"""Largest file read, by suffix. `kubectl get deploy,sts,ds,svc -A -o json` of 20,000 workloads
and 20,000 Services is some 200 MiB and reads in seconds; PyYAML needs about 60 bytes of memory
and a second per 1 MiB of YAML, so a cluster that large is read from JSON."""

DEFAULT_NAMESPACE = "default"
"""Where `kubectl apply` without `-n` puts an object that names no namespace."""

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml")
"""kustomize's own file in a folder of manifests: not a manifest, and not applied."""

# Kind -> the API groups it is read from; "" is the core group (apiVersion: v1). A kind from
# another group (a Knative `Service`, a custom `Deployment`) is not what mesh-planner sizes.
_WORKLOAD_GROUPS: dict[str, frozenset[str]] = {
    "Deployment": frozenset({"apps", "extensions"}),
    "StatefulSet": frozenset({"apps"}),
    "DaemonSet": frozenset({"apps", "extensions"}),
    "ReplicaSet": frozenset({"apps", "extensions"}),
    "Rollout": frozenset({"argoproj.io"}),
    "DeploymentConfig": frozenset({"apps.openshift.io", ""}),
    "Job": frozenset({"batch"}),
    "CronJob": frozenset({"batch"}),
    "Pod": frozenset({""}),
}
_OTHER_GROUPS: dict[str, frozenset[str]] = {
    "Service": frozenset({""}),
    "ServiceEntry": frozenset({"networking.istio.io"}),
    "Namespace": frozenset({""}),
}
# A ReplicaSet, Job or Pod with an owner (a Deployment, a CronJob, a ReplicaSet...) is counted
# through its owner, as in `kubectl get all` output.
_COUNTED_BY_OWNER = frozenset({"ReplicaSet", "Job", "Pod"})
_SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")

_KIND = re.compile(r"[A-Za-z][A-Za-z0-9]{0,62}")
_API_VERSION = re.compile(r"(?:[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?/)?[a-z0-9]{1,63}")
_RESOURCES = ("cpu", "memory")

_QUANTITY = re.compile(
    r"(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?:[eE](?P<exponent>[+-]?[0-9]{1,3})|(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?"
)
# Kubernetes' suffixes (k8s.io/apimachinery/pkg/api/resource/quantity.go): binary (Ki = 2^10)
# and decimal (m = 10^-3, k = 10^3; `M` is mega, not mebi).
_SUFFIX_FACTORS = {
    "": Decimal(1),
    **{s: Decimal(1024) ** (i + 1) for i, s in enumerate(("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"))},
    **{s: Decimal(10) ** e for s, e in (("n", -9), ("u", -6), ("m", -3), ("k", 3), ("M", 6))},
    **{s: Decimal(10) ** e for s, e in (("G", 9), ("T", 12), ("P", 15), ("E", 18))},
}
_UNITS = {"cpu": Decimal("0.001"), "memory": Decimal(1024 * 1024)}
"""Base units (cores, bytes) per inventory unit (millicores, MiB)."""
_MAXIMA = {"cpu": (MAX_MILLICORES, "millicores"), "memory": (MAX_MIB, "MiB")}
_QUANTITY_ADVICE = {
    "cpu": "write CPU in cores or millicores, such as 0.5 or 250m",
    "memory": "write memory with a unit, such as 128Mi or 1Gi",
}


def parse_quantity(text: str) -> Decimal:
    """A Kubernetes quantity (`250m`, `1`, `0.5`, `128Mi`, `500M`, `1e3`) in base units, exactly.

    Base units are cores for CPU and bytes for memory. Raises ValueError for text that is not a
    quantity, or a negative one.
    """
    match = _QUANTITY.fullmatch(text)
    if match is None:
        raise ValueError("is not a Kubernetes quantity")
    exponent = match["exponent"]
    if exponent is not None:
        value = Decimal(f"{match['number']}e{exponent}")
    else:
        value = Decimal(match["number"]) * _SUFFIX_FACTORS[match["suffix"] or ""]
    if value < 0:
        raise ValueError("is negative")
    return value


def request_amount(text: str, resource: str) -> float:
    """A `cpu` quantity in millicores or a `memory` quantity in MiB (ValueError when malformed)."""
    return float(parse_quantity(text) / _UNITS[resource])


@dataclass(frozen=True)
class _Object:
    """One Kubernetes object of the manifests: `position` is its 1-based position in its file
    (Lists' items counted), `number` its 1-based position among every file read (its key)."""

    label: str  # the file, as errors name it
    number: int
    position: int
    kind: str
    group: str | None  # API group of apiVersion ("" for v1); None without apiVersion
    name: str
    namespace: str  # as given, or the default namespace
    namespace_given: bool
    body: dict[str, Any]

    @property
    def where(self) -> str:
        """`bookinfo.yaml object 5 (Deployment default/reviews-v1)`."""
        return f"{self.label} object {self.position} ({self.kind} {self.namespace}/{self.name})"

    @property
    def at(self) -> str:
        """`bookinfo.yaml object 5`."""
        return f"{self.label} object {self.position}"


def _both(a: _Object, b: _Object) -> str:
    """`f.yaml objects 3 and 7`, or `a.yaml object 3 and b/c.yaml object 1` across files."""
    if a.label == b.label:
        return f"{a.label} objects {a.position} and {b.position}"
    return f"{a.at} and {b.at}"


@dataclass(frozen=True)
class ManifestFile:
    """One file of manifests: `label` names it in errors (its path as given), `name` in the
    plan (its name, or its path relative to the folder read)."""

    path: Path
    label: str
    name: str


def manifest_files(folder: Path) -> tuple[list[ManifestFile], list[str]]:
    """Every `.yaml`, `.yml` and `.json` file under `folder`, by relative path, and the
    kustomization files left out. Hidden files and folders (a leading dot) are skipped, and
    links to folders are not followed."""
    found, kustomizations = [], []
    for root, folders, names in os.walk(folder):
        folders[:] = [f for f in folders if not f.startswith(".")]
        for name in names:
            path = Path(root) / name
            if name.startswith(".") or path.suffix.lower() not in MANIFEST_SUFFIXES:
                continue
            relative = path.relative_to(folder).as_posix()
            if name in KUSTOMIZATION_FILES:
                kustomizations.append(relative)
            elif path.is_file():
                found.append(ManifestFile(path, str(path), relative))
    return sorted(found, key=lambda f: f.name), sorted(kustomizations)


def read_manifests(
    path: Path,
    meshes: tuple[MeshManifests, ...],
    mesh: str | None = None,
    namespace: str | None = None,
) -> Inventory:
    """Read Kubernetes manifests into the frames `read_inventory` gives for a workloads table.

    `path` is multi-document YAML (`.yaml`, `.yml`) or JSON (`.json`): objects, or Lists of them
    as `kubectl get -o yaml|json` prints; or a folder, whose every such file (`manifest_files`)
    is read as one inventory, in the order of their paths (a kustomize base, `helm template`
    output). An object without `metadata.namespace` goes to `namespace` (what `kubectl apply -n`
    would use; default: `default`). Injection, gateway roles and the proxy requests set
    today follow the rules of `mesh` (one of `meshes`); without it, of the mesh whose markers the
    manifests carry (the inventory's `mesh_found` says which and why; None when none does: the
    first of `meshes` is used). Raises InventoryError naming the file, the object and the field
    for anything a user has to fix, an object two files of a folder both hold, and manifests
    carrying the markers of several meshes.
    """
    label = str(path)
    context = _Context(namespace or DEFAULT_NAMESPACE, folder=path.is_dir())
    if context.folder:
        sources, kustomizations = manifest_files(path)
        # findings name the folder by its own name, never where it lies
        subject = f"{path.name or path.resolve().name}/"
    else:
        sources, kustomizations = [ManifestFile(path, label, path.name)], []
        subject = path.name
    values: list[Any] = []
    objects: list[_Object] = []
    files: list[InputFile] = []
    empty: list[str] = []
    for source in sources:
        read = _file_values(source, allow_empty=context.folder)
        if not read:
            empty.append(source.name)
            continue
        start = len(objects)
        objects += [
            _object(source.label, start + n, n, value, context) for n, value in enumerate(read, 1)
        ]
        values += read
        # a folder's files are fingerprinted one by one; one file, from what was read (below)
        digest = _objects_fingerprint(read) if context.folder else ""
        files.append(
            InputFile(role="manifests", name=source.name, fingerprint=digest, rows=len(read))
        )
    if context.folder:
        if not objects:
            raise InventoryError(
                f"{label}: no Kubernetes manifests in the folder ("
                + (
                    f"{plural(len(sources), 'file')} without objects"
                    if sources
                    else "no .yaml, .yml or .json file"
                )
                + "); give a folder of manifests, such as helm template --output-dir gives, or "
                "the folder of tables planner collect writes (with workloads.csv)"
            )
        _reject_objects_in_two_files(objects)
    by_category: dict[str, list[_Object]] = {}
    for obj in objects:
        by_category.setdefault(_category(obj), []).append(obj)
    workload_objects = by_category.get("workload", [])
    if not workload_objects:
        where = "the folder's manifests" if context.folder else "the file"
        raise InventoryError(
            f"{label}: no workloads in {where} (it holds "
            f"{_kind_counts(objects) or 'no objects'}); give manifests holding workloads "
            f"({', '.join(_WORKLOAD_GROUPS)})"
        )
    records = pd.DataFrame([_workload_record(o) for o in workload_objects])
    namespaces = _namespace_frame(by_category.get("ns", []))
    rules, found = _choose_mesh(meshes, mesh, records, namespaces, label)
    workloads, pod_labels = _workload_frame(workload_objects, records, namespaces, rules)
    services, selectors = _service_frame(
        by_category.get("service", []), by_category.get("entry", [])
    )
    backing = select_backing(pod_labels, selectors)
    # the objects the mesh reads itself (its own resources) are not ignored
    by_category["ignored"] = [
        o for o in by_category.get("ignored", []) if o.group not in rules.declared_groups
    ]
    # findings name the file, not its path: the plan must not depend on where the inputs lie
    findings = [
        *_folder_findings(subject, empty, kustomizations),
        *_file_findings(by_category, subject, namespace),
        *_workload_findings(workloads, subject, rules),
    ]
    workloads = workloads.drop(columns=["note", "injection"])
    graph = None
    if rules.declared is not None:
        graph = rules.declared(values, workloads, services, backing, subject, context.namespace)
        findings += graph.findings
        gateway = pd.MultiIndex.from_frame(workloads[["namespace", "workload"]]).isin(
            pd.MultiIndex.from_frame(graph.gateways[["namespace", "workload"]])
        )
        workloads.loc[gateway, "role"] = Role.INGRESS_GATEWAY.value
        workloads.loc[gateway, "role_inferred"] = False
    settings = None
    if rules.settings is not None:
        settings = (
            rules.settings(records, namespaces)
            .assign(
                namespace=records["namespace"].to_numpy(), workload=records["workload"].to_numpy()
            )
            .sort_values(["namespace", "workload"], ignore_index=True)
        )
    if not context.folder:  # as for tables: what was read, whatever the order of the objects
        digest = _fingerprint(workloads, services, backing)
        files = [files[0].model_copy(update={"fingerprint": digest})]
    inventory = Inventory(
        workloads=workloads.sort_values(["namespace", "workload"], ignore_index=True),
        services=services.sort_values(["namespace", "service"], ignore_index=True),
        backing=backing.sort_values(["namespace", "service", "workload"], ignore_index=True),
        files=tuple(files),
        findings=tuple(findings),
        mesh_found=found,
        proxy_settings=settings,
        declared=graph,
    )
    return inventory


def _choose_mesh(
    meshes: tuple[MeshManifests, ...],
    mesh: str | None,
    records: pd.DataFrame,
    namespaces: pd.DataFrame,
    label: str,
) -> tuple[MeshManifests, MeshFound | None]:
    """The rules of `mesh`, or of the one mesh whose markers the manifests carry."""
    if mesh is not None:
        return next(m for m in meshes if m.mesh == mesh), None
    seen = [(m, _marked(m, records, namespaces)) for m in meshes]
    marked = [(m, where) for m, where in seen if where]
    covering = [
        (m, where)
        for m, where in marked
        if all(other is m or other.mesh in m.covers for other, _ in marked)
    ]
    if len(marked) > 1 and covering:
        rules, where = covering[0]
        covered = [f"{o.title}: {w[0]}" for o, w in marked if o is not rules]
        return rules, MeshFound(
            rules.mesh,
            f"detected from the manifests: {where[0]}, with {'; '.join(covered)} (a mixed "
            f"cluster: {rules.title} rules read both)",
        )
    if len(marked) > 1:
        shown = "; ".join(f"{m.title}: {where[0]}" for m, where in marked)
        raise InventoryError(
            f"{label}: the manifests carry the markers of more than one mesh ({shown}); pass "
            "--mesh to say which mesh to size"
        )
    if not marked:
        return meshes[0], None
    rules, where = marked[0]
    more = f" and {len(where) - 1} more" if len(where) > 1 else ""
    return rules, MeshFound(rules.mesh, f"detected from the manifests: {where[0]}{more}")


def _marked(rules: MeshManifests, records: pd.DataFrame, namespaces: pd.DataFrame) -> list[str]:
    """Where the manifests carry `rules`' markers: `Namespace shop (linkerd.io/inject)`..."""
    where = []
    for name, labels, notes in zip(
        namespaces.index, namespaces["labels"], namespaces["annotations"], strict=True
    ):
        keys = [k for k in rules.markers if k in labels or k in notes]
        if keys:
            where.append(f"Namespace {name} ({keys[0]})")
    for namespace, workload, labels, notes in zip(
        records["namespace"],
        records["workload"],
        records["labels"],
        records["annotations"],
        strict=True,
    ):
        keys = [k for k in rules.markers if k in labels or k in notes]
        if keys:
            where.append(f"workload {namespace}/{workload} ({keys[0]})")
    return where


# ---- reading the file ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """How the objects are read: the namespace of those that name none, and whether they come
    from a folder (whose errors say how a folder is read)."""

    namespace: str
    folder: bool


def _file_values(source: ManifestFile, *, allow_empty: bool) -> list[Any]:
    """The objects of one file, Lists' items one by one; [] for an empty file when
    `allow_empty` (a file of a folder), else an error."""
    text = _read_text(source.path, source.label, allow_empty=allow_empty)
    values = list(_flat(_documents(text, source.path.suffix.lower(), source.label)))
    if _SURROGATE_ESCAPE.search(text):
        _reject_surrogates(source.label, values)
    return values


def _objects_fingerprint(values: list[Any]) -> str:
    """A digest of a file's objects that ignores their order and how they are written (YAML
    or JSON, key order, spacing)."""
    dumped = [json.dumps(v, sort_keys=True, default=str, ensure_ascii=True) for v in values]
    return fingerprint(pd.DataFrame({"object": dumped, ROW: range(len(dumped))}))


def _read_text(path: Path, label: str, *, allow_empty: bool = False) -> str:
    data = read_file_bytes(
        path,
        label,
        limit_mib=MAX_MANIFEST_MIB[path.suffix.lower()],
        too_large="export only the kinds it sizes, as JSON "
        "(kubectl get deploy,sts,ds,svc -A -o json)",
    )
    text = decode_utf8(data, label, unit="line", advice="save it as UTF-8")
    if not text.strip() and not allow_empty:
        raise InventoryError(
            f"{label}: the file is empty; give Kubernetes manifests, such as the output of "
            "kubectl get deploy,sts,ds,svc -A -o yaml"
        )
    return text


def _documents(text: str, suffix: str, label: str) -> list[Any]:
    """The top-level values of a JSON file, or of each non-empty document of a YAML file."""
    try:
        if suffix == ".json":
            return _json_documents(text, label)
        return _yaml_documents(text, label)
    except RecursionError:
        raise InventoryError(
            f"{label}: the file is nested too deeply to be Kubernetes manifests"
        ) from None
    except ValueError as exc:  # a value the parser cannot build: a huge integer, a bad date
        problem = str(exc).split("\n", 1)[0]
        if "integer string conversion" in problem:
            problem = f"a number has more than {sys.get_int_max_str_digits():,} digits"
        raise InventoryError(
            f"{label}: a value cannot be read ({problem}); fix the file or export it again with "
            "kubectl get -o yaml|json"
        ) from None


def _json_documents(text: str, label: str) -> list[Any]:
    try:
        return [json.loads(text)]
    except json.JSONDecodeError as exc:
        raise InventoryError(
            f"{label} line {exc.lineno}: not valid JSON ({exc.msg}); fix the file or export it "
            "again with kubectl get -o json"
        ) from None


def _yaml_documents(text: str, label: str) -> list[Any]:
    try:
        return [d for d in yaml.load_all(text, Loader=SAFE_LOADER) if d is not None]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{label} line {mark.line + 1}" if mark is not None else label
        problem = exc.problem or exc.context or "unreadable"
        raise InventoryError(
            f"{where}: not valid YAML ({problem}); fix the file or export it again with "
            "kubectl get -o yaml"
        ) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        character = exc.character if isinstance(exc.character, str) else chr(exc.character)
        raise InventoryError(
            f"{label} line {line}: not valid YAML (the character {quoted(character)} is not "
            "allowed in YAML); remove it"
        ) from None
    except yaml.YAMLError as exc:
        first = str(exc).split("\n", 1)[0]
        raise InventoryError(f"{label}: not valid YAML ({first})") from None


# JSON and YAML write a lone UTF-16 surrogate (which is not text, and no output can hold) only
# as an escape; a file with such an escape has its strings checked.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}|\\U0000[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _reject_surrogates(label: str, values: list[Any]) -> None:
    """An error naming the first object of `values` with a lone surrogate in a string."""
    for number, value in enumerate(values, 1):
        pending = [value]
        while pending:
            item = pending.pop()
            if isinstance(item, dict):
                pending.extend(item.keys())
                pending.extend(item.values())
            elif isinstance(item, list):
                pending.extend(item)
            elif isinstance(item, str) and _SURROGATE.search(item):
                raise InventoryError(
                    f"{label} object {number}: the text {quoted(item)} holds a lone UTF-16 "
                    "surrogate, which is not a character; fix the file or export it again"
                )


def _flat(documents: Iterable[Any]) -> Iterator[Any]:
    """Every object of the documents, the items of Lists one by one."""
    for document in documents:
        if isinstance(document, list):  # a JSON array of objects
            yield from document
        elif isinstance(document, dict) and isinstance(document.get("items"), list):
            yield from _list_items(document)
        else:
            yield document


def _list_items(document: dict[str, Any]) -> Iterator[Any]:
    """The items of a `List` (kubectl) or a `DeploymentList` (the API: items without a kind)."""
    kind = document.get("kind")
    item_kind = kind.removesuffix("List") if isinstance(kind, str) else ""
    for item in document["items"]:
        if item_kind and isinstance(item, dict) and "kind" not in item:
            yield {"kind": item_kind, "apiVersion": document.get("apiVersion"), **item}
        else:
            yield item


def _object(label: str, number: int, position: int, value: Any, context: _Context) -> _Object:
    """Check that `value` is an object with a kind and a name."""
    where = f"{label} object {position}"
    advice = "every object needs apiVersion, kind and metadata.name"
    # a table saved as JSON or YAML lands here: say how such a file is read
    manifests = (
        "(every .yaml, .yml and .json file under an --inventory folder is read as Kubernetes "
        "manifests: render a chart with helm template first, and keep other files elsewhere)"
        if context.folder
        else "(a .json or .yaml inventory is read as Kubernetes manifests)"
    )
    if not isinstance(value, dict):
        raise InventoryError(
            f"{where}: not a Kubernetes object (found {_type_name(value)}); {advice} {manifests}"
        )
    kind = value.get("kind")
    if not isinstance(kind, str) or not kind.strip():
        raise InventoryError(f"{where}: kind is missing; {advice} {manifests}")
    metadata = value.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise InventoryError(f"{where} ({kind}): metadata.name is missing; {advice}")
    if not _KIND.fullmatch(kind):
        raise InventoryError(
            f"{where}: kind {quoted(kind)} is not a Kubernetes kind (letters and digits, such as "
            "Deployment); fix the manifest"
        )
    namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
    if namespace is not None and not isinstance(namespace, str):
        raise InventoryError(
            f"{where} ({kind} {name}) field metadata.namespace: {_type_name(namespace)} is not a "
            "namespace name; write the name or leave the field out"
        )
    for field, text, rule in (("name", name, "name"), ("namespace", namespace, "namespace")):
        problem = name_problem(text, rule) if text else None
        if problem:
            raise InventoryError(
                f"{where} ({kind}) field metadata.{field}: the name {problem}; fix the manifest"
            )
    api_version = value.get("apiVersion")
    if api_version is not None and not (
        isinstance(api_version, str) and _API_VERSION.fullmatch(api_version)
    ):
        raise InventoryError(
            f"{where} ({kind} {name}) field apiVersion: {_shown(api_version)} is not an API "
            "version (such as apps/v1 or v1); fix the manifest"
        )
    return _Object(
        label=label,
        number=number,
        position=position,
        kind=kind,
        group=api_version.rpartition("/")[0] if isinstance(api_version, str) else None,
        name=name,
        namespace=namespace or context.namespace,
        namespace_given=bool(namespace),
        body=value,
    )


def _reject_objects_in_two_files(objects: list[_Object]) -> None:
    """Two files of a folder holding one object (kind, API group, namespace, name) would apply
    it twice: the later would replace the earlier."""
    first: dict[tuple[str, str, str, str], _Object] = {}
    for obj in objects:
        key = (obj.kind, obj.group or "", obj.namespace, obj.name)
        seen = first.setdefault(key, obj)
        if seen.label != obj.label:
            raise InventoryError(
                f"{_both(seen, obj)}: {obj.kind} {obj.namespace}/{obj.name} appears in both "
                "files; keep it in one of them"
            )


def _shown(value: Any) -> str:
    """A value for a message: a scalar quoted as written, anything else by its type (an alias
    bomb is never expanded into text)."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return quoted(value)
    return _type_name(value)


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "a mapping" if isinstance(value, dict) else type(value).__name__


def _category(obj: _Object) -> str:
    """workload, service, entry (a ServiceEntry), ns (a Namespace), owned or ignored."""
    if _is(obj, _WORKLOAD_GROUPS):
        owned = obj.kind in _COUNTED_BY_OWNER and _get(obj, ("metadata", "ownerReferences"))
        return "owned" if owned else "workload"
    if _is(obj, _OTHER_GROUPS):
        return {"Service": "service", "ServiceEntry": "entry", "Namespace": "ns"}[obj.kind]
    return "ignored"


def _is(obj: _Object, groups: dict[str, frozenset[str]]) -> bool:
    known = groups.get(obj.kind)
    return known is not None and (obj.group is None or obj.group in known)


def _kind_counts(objects: Iterable[_Object]) -> str:
    """`4 ServiceAccount, 1 Service (serving.knative.dev)`, by kind."""
    counts = Counter(o.kind if o.group in (None, "") else f"{o.kind} ({o.group})" for o in objects)
    return ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))


# ---- fields of an object ------------------------------------------------------------------


def _get(obj: _Object, path: tuple[str, ...]) -> Any:
    """The value at `path`, None when absent; a mapping expected on the way is checked."""
    value: Any = obj.body
    for depth, key in enumerate(path):
        if value is None:
            return None
        if not isinstance(value, dict):
            _not_a(obj, path[:depth], "mapping", value)
        value = value.get(key)
    return value


def _mapping(obj: _Object, path: tuple[str, ...]) -> dict[Any, Any]:
    value = _get(obj, path)
    if value is not None and not isinstance(value, dict):
        _not_a(obj, path, "mapping", value)
    return value or {}


def _sequence(obj: _Object, path: tuple[str, ...]) -> list[Any]:
    value = _get(obj, path)
    if value is not None and not isinstance(value, list):
        _not_a(obj, path, "list", value)
    return value or []


def _not_a(obj: _Object, path: Iterable[str | int], expected: str, value: Any) -> None:
    raise InventoryError(
        f"{obj.where} field {_field(path)}: expected a {expected}, found {_type_name(value)}; "
        "fix the manifest"
    )


def _field(path: Iterable[str | int]) -> str:
    """`spec.template.spec.containers[0].resources` from its keys and indexes."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".")


def _count(obj: _Object, path: tuple[str, ...], default: int) -> int:
    """A whole number of pods at `path`, `default` when absent."""
    value = _get(obj, path)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_REPLICAS:
        raise InventoryError(
            f"{obj.where} field {_field(path)}: {_shown(value)} is not a whole number of pods "
            f"from 0 to {MAX_REPLICAS:,}; fix the manifest"
        )
    return value


def _labels(obj: _Object, path: tuple[str, ...]) -> list[tuple[str, str]]:
    """(key, value) pairs of a label map; Kubernetes wants text, so anything else is an error."""
    pairs = []
    for key, value in _mapping(obj, path).items():
        if not isinstance(key, str) or not (value is None or isinstance(value, str)):
            raise InventoryError(
                f"{obj.where} field {_field(path)}: label {_shown(key)} has "
                f"{_type_name(value)} as its value; label keys and values are text in "
                "Kubernetes, so quote them"
            )
        pairs.append((key, value or ""))
    return pairs


def _text(value: Any) -> str:
    """A scalar annotation or flag as text (`true` for YAML's true), `` for anything else."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else ""


# ---- workloads ----------------------------------------------------------------------------


_TEMPLATES = {"CronJob": ("spec", "jobTemplate", "spec", "template"), "Pod": ()}
"""Where the pod template is, by kind; others keep it at spec.template."""


def _template(obj: _Object) -> tuple[str, ...]:
    return _TEMPLATES.get(obj.kind, ("spec", "template"))


def _workload_frame(
    objects: list[_Object], records: pd.DataFrame, namespaces: pd.DataFrame, rules: MeshManifests
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The workloads (as `read_inventory` has them, plus `note` and `injection`) and their pod
    labels as (namespace, workload, pair) rows."""
    _reject_duplicate_workloads(records, {o.number: o for o in objects})
    pairs = _checked_pairs(
        [(o, (*_template(o), "metadata", "labels")) for o in objects],
        {o.number: o for o in objects},
    )
    labels = (
        pairs.sort_values([ROW, "key"]).groupby(ROW, sort=False)["pair"].agg(";".join)
        if not pairs.empty
        else pd.Series(dtype=str)
    )
    app = _app_requests(objects, rules.proxy_container)
    mapped = records[ROW].map(labels)
    injection = rules.injection(records, namespaces)
    current = _current_requests(objects, records, rules.proxy_annotations)
    workloads = pd.DataFrame(
        {
            "namespace": records["namespace"],
            "workload": records["workload"],
            "replicas": records["replicas"].astype(np.int64),
            "labels": np.where(mapped.isna(), "", mapped.astype(str)),
            "kind": records["kind"],
            "role": rules.roles(records),
            "mesh_injected": injection.eq("").to_numpy(),
            "rps": np.nan,
            "outbound_rps": np.nan,
            "proxy_cpu_millicores": np.nan,
            "proxy_memory_mib": np.nan,
            "app_cpu_millicores": records[ROW].map(app["cpu"]).to_numpy(dtype=np.float64),
            "app_memory_mib": records[ROW].map(app["memory"]).to_numpy(dtype=np.float64),
            **current,
            ROW: records[ROW].astype(np.int64),
            "note": records["note"],
            "injection": injection,
        }
    )
    owners = records[[ROW, "namespace", "workload"]]
    pod_labels = pairs[[ROW, "pair"]].merge(owners, on=ROW)[["namespace", "workload", "pair"]]
    return with_default_labels(with_roles(workloads)), pod_labels


def _workload_record(obj: _Object) -> dict[str, object]:
    """What any mesh's rules read of a workload: its pod template's labels and annotations."""
    template = _template(obj)
    labels = dict(_labels(obj, (*template, "metadata", "labels")))
    annotations = _mapping(obj, (*template, "metadata", "annotations"))
    replicas, note = _replicas(obj)
    return {
        "namespace": obj.namespace,
        "workload": obj.name,
        "kind": obj.kind,
        "replicas": replicas,
        "note": note,
        "host_network": _text(_get(obj, (*template, "spec", "hostNetwork"))).lower() == "true",
        "service_account": _service_account(obj, template),
        "labels": labels,
        "annotations": {str(k): _text(v) for k, v in annotations.items()},
        ROW: obj.number,
    }


def _service_account(obj: _Object, template: tuple[str, ...]) -> str:
    """The pod's service account: serviceAccountName, else the deprecated serviceAccount, else
    the namespace's `default` (as Kubernetes assigns it)."""
    for key in ("serviceAccountName", "serviceAccount"):
        name = _text(_get(obj, (*template, "spec", key))).strip()
        if name:
            return name
    return "default"


def _current_requests(
    objects: list[_Object], records: pd.DataFrame, names: ProxyAnnotations
) -> dict[str, npt.NDArray[np.float64]]:
    """The proxy requests and limits each pod template sets today through the mesh's
    annotations, NaN where it sets none."""
    by_number = {o.number: o for o in objects}
    columns = {
        "current_proxy_cpu_millicores": (names.cpu_request, "cpu"),
        "current_proxy_memory_mib": (names.memory_request, "memory"),
        "current_proxy_cpu_limit_millicores": (names.cpu_limit, "cpu"),
        "current_proxy_memory_limit_mib": (names.memory_limit, "memory"),
    }
    return {
        column: np.array(
            [_proxy_annotation(by_number[int(n)], name, resource) for n in records[ROW]],
            dtype=np.float64,
        )
        for column, (name, resource) in columns.items()
    }


def _proxy_annotation(obj: _Object, name: str, resource: str) -> float:
    """The proxy request or limit the pod template sets today through annotation `name`, or
    NaN."""
    annotations = _mapping(obj, (*_template(obj), "metadata", "annotations"))
    value = annotations.get(name)
    if value is None:
        return float("nan")
    text = _quantity_text(obj, f'metadata.annotations["{name}"]', value)
    try:
        amount = request_amount(text.strip(), resource)
        maximum, unit = _MAXIMA[resource]
        if not amount <= maximum:
            raise ValueError(f"is more than {maximum:,} {unit}")
    except ValueError as exc:
        raise InventoryError(
            f'{obj.where} field metadata.annotations["{name}"] of the pod '
            f"template: {quoted(text)} {exc}; write a quantity such as "
            f"{'250m' if resource == 'cpu' else '256Mi'}"
        ) from None
    return amount


def _replicas(obj: _Object) -> tuple[int, str]:
    """Pods of the workload, and a note (daemonset, cronjob) when the manifest cannot say."""
    if obj.kind == "DaemonSet":
        if _get(obj, ("status", "desiredNumberScheduled")) is None:
            return 1, "daemonset"
        return _count(obj, ("status", "desiredNumberScheduled"), 1), ""
    if obj.kind == "CronJob":
        return 0, "cronjob"
    if obj.kind == "Pod":
        return 1, ""
    if obj.kind == "Job":
        return _count(obj, ("spec", "parallelism"), 1), ""
    return _count(obj, ("spec", "replicas"), 1), ""


def _reject_duplicate_workloads(records: pd.DataFrame, by_number: dict[int, _Object]) -> None:
    twice = records.duplicated(["namespace", "workload"], keep=False).to_numpy()
    if not twice.any():
        return
    first = records.loc[twice].iloc[0]
    same = records.loc[
        (records["namespace"] == first["namespace"]) & (records["workload"] == first["workload"])
    ]
    a, b = (by_number[int(n)] for n in same[ROW].iloc[:2])
    what = (
        f"{a.kind} {a.namespace}/{a.name} appears twice"
        if a.kind == b.kind
        else f"{a.kind} {a.namespace}/{a.name} and {b.kind} {b.namespace}/{b.name} would be one "
        "workload (workloads are named by namespace and name)"
    )
    raise InventoryError(f"{_both(a, b)}: {what}; keep one of them")


def _checked_pairs(
    places: list[tuple[_Object, tuple[str, ...]]], by_number: dict[int, _Object]
) -> pd.DataFrame:
    """`key=value` rows (_row, field, key, pair) of the label maps at `places`, checked."""
    rows = [
        (obj.number, _field(path), key, f"{key}={value}")
        for obj, path in places
        for key, value in _labels(obj, path)
    ]
    pairs = pd.DataFrame(rows, columns=[ROW, "field", "key", "pair"])
    valid = per_distinct(pairs["pair"], lambda v: v.str.fullmatch(LABEL_PAIR.pattern)).astype(bool)
    bad = ~valid.to_numpy()
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        obj = by_number[int(pairs[ROW].iloc[index])]
        raise InventoryError(
            f'{obj.where} field {pairs["field"].iloc[index]}: "{pairs["pair"].iloc[index]}" is '
            'not a Kubernetes label (a key and a value of letters, digits, "-", "_" and "."); '
            "fix the manifest"
        )
    return pairs


def _app_requests(objects: list[_Object], proxy_container: str) -> dict[str, pd.Series]:
    """Per resource, the requests of each workload's app containers, summed, by `_row`.

    CPU in millicores, memory in MiB. A workload whose containers request nothing is absent.
    """
    by_number = {o.number: o for o in objects}
    requests = pd.DataFrame(
        [r for o in objects for r in _container_requests(o, proxy_container)],
        columns=[ROW, "resource", "field", "text"],
    )
    sums = {}
    for resource in _RESOURCES:
        asked = requests.loc[requests["resource"] == resource]
        amounts = per_distinct(asked["text"], partial(_amounts, resource=resource)).to_numpy(
            dtype=np.float64
        )
        maximum, unit = _MAXIMA[resource]
        bad = np.isnan(amounts) | ~(amounts <= maximum)
        if bad.any():
            index = int(np.flatnonzero(bad)[0])
            text = str(asked["text"].iloc[index])
            obj = by_number[int(asked[ROW].iloc[index])]
            problem = _quantity_problem(text) or f"is more than {maximum:,} {unit}"
            raise InventoryError(
                f"{obj.where} field {asked['field'].iloc[index]}: {quoted(text)} {problem}; "
                f"{_QUANTITY_ADVICE[resource]}"
            )
        sums[resource] = pd.Series(amounts, index=asked[ROW].to_numpy()).groupby(level=0).sum()
    return sums


def _amounts(texts: pd.Series, resource: str) -> pd.Series:
    return texts.map(partial(_amount, resource=resource)).astype(np.float64)


def _amount(text: str, resource: str) -> float:
    try:
        return request_amount(text, resource)
    except ValueError:
        return math.nan


def _quantity_problem(text: str) -> str:
    try:
        parse_quantity(text)
    except ValueError as exc:
        return str(exc)
    return ""


def _container_requests(obj: _Object, proxy_container: str) -> list[tuple[int, str, str, str]]:
    """(_row, resource, field, quantity) for the requests of the pod's app containers.

    The container named `proxy_container` is the mesh's, not the app's; init containers run before
    the app, except native sidecars (restartPolicy: Always), which run beside it. A container that
    sets a limit and no request requests its limit, as Kubernetes defaults it.
    """
    spec = (*_template(obj), "spec")
    containers: list[tuple[tuple[str | int, ...], Any]] = [
        ((*spec, "containers", i), c) for i, c in enumerate(_sequence(obj, (*spec, "containers")))
    ]
    containers += [
        ((*spec, "initContainers", i), c)
        for i, c in enumerate(_sequence(obj, (*spec, "initContainers")))
        if isinstance(c, dict) and c.get("restartPolicy") == "Always"
    ]
    found = []
    for path, container in containers:
        if not isinstance(container, dict):
            _not_a(obj, path, "mapping", container)
        if container.get("name") == proxy_container:
            continue
        resources = _nested(obj, container, path, "resources")
        for resource in _RESOURCES:
            for source in ("requests", "limits"):
                value = _nested(obj, resources, (*path, "resources"), source).get(resource)
                if value is not None:
                    field = _field((*path, "resources", source, resource))
                    found.append((obj.number, resource, field, _quantity_text(obj, field, value)))
                    break
    return found


def _nested(
    obj: _Object, parent: dict[Any, Any], path: tuple[str | int, ...], key: str
) -> dict[Any, Any]:
    value = parent.get(key)
    if value is not None and not isinstance(value, dict):
        _not_a(obj, (*path, key), "mapping", value)
    return value or {}


def _quantity_text(obj: _Object, field: str, value: Any) -> str:
    """A quantity as written: YAML reads `cpu: 1` and `cpu: 0.5` as numbers."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(value)
    raise InventoryError(
        f"{obj.where} field {field}: {_type_name(value)} is not a Kubernetes quantity; write a "
        "quantity such as 250m or 128Mi"
    )


# ---- namespaces ---------------------------------------------------------------------------


def _namespace_frame(namespaces: list[_Object]) -> pd.DataFrame:
    """Per Namespace object (indexed by name): its labels and annotations, as dicts."""
    rows = [
        {
            "namespace": obj.name,
            "labels": dict(_labels(obj, ("metadata", "labels"))),
            "annotations": {
                str(k): _text(v) for k, v in _mapping(obj, ("metadata", "annotations")).items()
            },
        }
        for obj in namespaces
    ]
    frame = pd.DataFrame(rows, columns=["namespace", "labels", "annotations"])
    return frame.drop_duplicates("namespace").set_index("namespace")


# ---- Services -----------------------------------------------------------------------------


def _service_frame(
    services: list[_Object], entries: list[_Object]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Services and ServiceEntry hosts (namespace, service, ports, type), and the selectors
    that pick their workloads as (namespace, service, pair) rows."""
    by_number = {o.number: o for o in [*services, *entries]}
    columns = ["namespace", "service", "ports", "type", *PORT_COUNTS, ROW]
    listed = pd.DataFrame([_service_record(o) for o in services], columns=columns)
    twice = listed.duplicated(["namespace", "service"], keep=False).to_numpy()
    if twice.any():
        a, b = (by_number[int(n)] for n in listed.loc[twice].sort_values(ROW)[ROW].iloc[:2])
        raise InventoryError(
            f"{_both(a, b)}: Service {a.namespace}/{a.name} appears twice; keep one of them"
        )
    entry_hosts = pd.DataFrame([r for o in entries for r in _entry_records(o)], columns=columns)
    hosts = (
        entry_hosts.sort_values(ROW)
        .groupby(["namespace", "service"], as_index=False, sort=False)
        .agg(
            ports=("ports", "max"),
            type=("type", "first"),
            **{c: (c, "max") for c in PORT_COUNTS},
            **{ROW: (ROW, "min")},
        )
    )
    # a host named like a Service of its namespace is that Service
    hosts = hosts.loc[~_keys(hosts).isin(_keys(listed))]
    rows = pd.concat([listed, hosts], ignore_index=True)
    places: list[tuple[_Object, tuple[str, ...]]] = [
        (o, ("spec", "selector")) for o in services if _get(o, ("spec", "type")) != "ExternalName"
    ]
    places += [(o, ("spec", "workloadSelector", "labels")) for o in entries]
    pairs = _checked_pairs(places, by_number)
    names = pd.concat([listed, entry_hosts], ignore_index=True)[[ROW, "namespace", "service"]]
    selectors = pairs[[ROW, "pair"]].merge(names, on=ROW)[["namespace", "service", "pair"]]
    services_frame = rows[columns[:-1]].astype(
        {
            "namespace": str,
            "service": str,
            "ports": np.int64,
            "type": str,
            **dict.fromkeys(PORT_COUNTS, np.int64),
        }
    )
    return services_frame, selectors


def _keys(frame: pd.DataFrame) -> pd.Series:
    return frame["namespace"].astype(str) + "/" + frame["service"].astype(str)


def _service_record(obj: _Object) -> dict[str, object]:
    kind = _get(obj, ("spec", "type")) or "ClusterIP"
    if kind not in _SERVICE_TYPES:
        raise InventoryError(
            f"{obj.where} field spec.type: {_shown(kind)} is not one of "
            f"{', '.join(_SERVICE_TYPES)}; fix the manifest"
        )
    if kind == "ClusterIP" and _get(obj, ("spec", "clusterIP")) == "None":
        kind = "Headless"
    protocols = _port_protocols(obj, "port", required=kind != "ExternalName")
    return {
        "namespace": obj.namespace,
        "service": obj.name,
        "ports": len(protocols),
        "type": kind,
        **port_counts(protocols),
        ROW: obj.number,
    }


def _entry_records(obj: _Object) -> list[dict[str, object]]:
    """One row per host of a ServiceEntry."""
    hosts = _sequence(obj, ("spec", "hosts"))
    if not hosts or not all(isinstance(h, str) and h.strip() for h in hosts):
        raise InventoryError(
            f"{obj.where} field spec.hosts: a ServiceEntry needs a list of one or more host "
            "names; fix the manifest"
        )
    for index, host in enumerate(hosts):
        problem = name_problem(host, "name")
        if problem:
            raise InventoryError(
                f"{obj.where} field spec.hosts[{index}]: the host name {problem}; fix the manifest"
            )
    protocols = _port_protocols(obj, "number", required=True)
    return [
        {
            "namespace": obj.namespace,
            "service": host,
            "ports": max(1, len(protocols)),
            "type": "ServiceEntry",
            **port_counts(protocols),
            ROW: obj.number,
        }
        for host in hosts
    ]


def _port_protocols(obj: _Object, number_field: str, *, required: bool) -> list[str]:
    """The protocol Istio selects for each port of `spec.ports` ("" where it detects it), each
    port checked: a mapping whose `number_field` (`port` for a Service, `number` for a
    ServiceEntry) is a port number, with text names and protocols.

    A Service port's protocol comes from its appProtocol or name (UDP from `protocol: UDP`); a
    ServiceEntry port's from its `protocol` field, else its name.
    """
    ports = _sequence(obj, ("spec", "ports"))
    if len(ports) > MAX_PORTS:
        raise InventoryError(
            f"{obj.where} field spec.ports: {len(ports):,} ports, more than the {MAX_PORTS:,} "
            "mesh-planner takes; fix the manifest"
        )
    for index, port in enumerate(ports):
        path = ("spec", "ports", index)
        if not isinstance(port, dict):
            _not_a(obj, path, "mapping", port)
        number = port.get(number_field)
        if number is None and not required:
            continue
        if isinstance(number, bool) or not isinstance(number, int):
            found = "is missing" if number is None else f"{_shown(number)} is not a port number"
        elif not 1 <= number <= MAX_PORT_NUMBER:
            found = f"{_shown(number)} is not a port number"
        else:
            found = ""
        if found:
            raise InventoryError(
                f"{obj.where} field {_field((*path, number_field))}: {found}; write a whole "
                f"number from 1 to {MAX_PORT_NUMBER:,}"
            )
        for key in ("name", "protocol", "appProtocol"):
            value = port.get(key)
            if value is not None and not isinstance(value, str):
                raise InventoryError(
                    f"{obj.where} field {_field((*path, key))}: {_type_name(value)} is not text; "
                    "fix the manifest"
                )
    return [_protocol_of(port, number_field) for port in ports]


def _protocol_of(port: dict[str, Any], number_field: str) -> str:
    transport = str(port.get("protocol") or "").lower()
    if number_field == "number":  # a ServiceEntry names Istio's protocol in `protocol`
        return port_protocol(port.get("name"), transport)
    if transport == "udp":
        return "udp"
    return port_protocol(port.get("name"), port.get("appProtocol"))


def select_backing(pod_labels: pd.DataFrame, selectors: pd.DataFrame) -> pd.DataFrame:
    """(namespace, service, workload) for each workload whose pod labels hold all of a selector.

    pod_labels: (namespace, workload, pair); selectors: (namespace, service, pair), pairs written
    `key=value`. Each selector is joined on its rarest pair only and those candidates checked
    for its other pairs, so the work grows with the matches, not with workloads x Services.
    A Service without selector pairs selects nothing.
    """
    on = ["namespace", "pair"]
    service = ["namespace", "service"]
    counts = pod_labels.groupby(on, as_index=False).size().rename(columns={"size": "pods"})
    ranked = selectors.merge(counts, on=on, how="left").fillna({"pods": 0})
    rarest = ranked.sort_values([*service, "pods", "pair"]).drop_duplicates(service)
    candidates = rarest[[*service, "pair"]].merge(pod_labels, on=on)[[*service, "workload"]]
    checks = candidates.merge(selectors, on=service)  # a row per candidate and selector pair
    held = checks.merge(pod_labels, on=["namespace", "workload", "pair"])
    found = held.groupby([*service, "workload"], as_index=False).size()
    needed = selectors.groupby(service, as_index=False).size().rename(columns={"size": "needed"})
    matched = found.merge(needed, on=service)
    chosen = matched.loc[matched["size"] == matched["needed"], [*service, "workload"]]
    return chosen.reset_index(drop=True)


# ---- findings -----------------------------------------------------------------------------


_NOTES = {
    "daemonset": "a DaemonSet runs one pod per node and this manifest has no "
    "status.desiredNumberScheduled to say how many: sized as 1 replica; export it from the "
    "cluster (kubectl get ds -o yaml) to size every pod",
    "cronjob": "a CronJob's pods run only on schedule: sized with 0 replicas; give a workloads "
    "table with the pods that run at once to size them",
}


def _folder_findings(label: str, empty: list[str], kustomizations: list[str]) -> list[Finding]:
    """What a folder held besides manifests."""
    findings = []
    if empty:
        findings.append(
            Finding(
                code="files-without-objects",
                subject=label,
                message=f"{plural(len(empty), 'file')} without objects skipped: {listed(empty)}",
            )
        )
    if kustomizations:
        findings.append(
            Finding(
                code="kustomization-not-applied",
                subject=label,
                message=f"{listed(kustomizations)}: kustomize's own files are not manifests and "
                "are not applied: the resources are read as the folder holds them, without "
                "the kustomization's patches, name prefixes or namespace (read the output of "
                "kubectl kustomize to size what the cluster gets)",
            )
        )
    return findings


def _file_findings(
    by_category: dict[str, list[_Object]], label: str, namespace: str | None
) -> list[Finding]:
    findings = []
    used = [o for c in ("workload", "service", "entry") for o in by_category.get(c, [])]
    defaulted = sum(not o.namespace_given for o in used)
    if defaulted:
        applied = (
            f"{namespace} (--namespace), as kubectl apply -n {namespace} does"
            if namespace is not None
            else f"{DEFAULT_NAMESPACE}, as kubectl apply without -n does"
        )
        findings.append(
            Finding(
                code="namespace-defaulted",
                subject=label,
                message=f"{plural(defaulted, 'object')} without metadata.namespace placed in "
                f"namespace {applied}",
            )
        )
    for category, code, meaning in (
        ("owned", "objects-owned", "not sized themselves, as their owner is sized"),
        ("ignored", "objects-ignored", "of kinds that are not sized were ignored"),
    ):
        objects = by_category.get(category, [])
        if objects:
            findings.append(
                Finding(
                    code=code,
                    subject=label,
                    message=f"{plural(len(objects), 'object')} {meaning}: {_kind_counts(objects)}",
                )
            )
    return findings


def _workload_findings(workloads: pd.DataFrame, label: str, rules: MeshManifests) -> list[Finding]:
    ordered = workloads.sort_values(["namespace", "workload"])
    findings = [
        Finding(code="replicas-assumed", subject=f"{ns}/{wl}", message=_NOTES[note])
        for ns, wl, note in ordered[["namespace", "workload", "note"]].itertuples(index=False)
        if note
    ]
    # gateways are proxies themselves, sized whatever their injection says
    sidecarless = (ordered["injection"] != "") & (ordered["role"] == Role.WORKLOAD.value)
    reasons = ordered.loc[sidecarless, "injection"].value_counts(sort=False)
    if not reasons.empty:
        counts = ", ".join(f"{n} for {reason}" for reason, n in sorted(reasons.items()))
        findings.append(
            Finding(
                code="not-injected",
                subject=label,
                message=f"{plural(int(reasons.sum()), 'workload')} get no sidecar: {counts}",
            )
        )
    inferred = ordered.loc[ordered["role_inferred"]]
    findings += [
        Finding(
            code="role-inferred",
            subject=f"{ns}/{wl}",
            message=f"treated as {role} from its name, as its pod labels do not say "
            f"({rules.role_labels}); give a workloads table with a role column to change it",
        )
        for ns, wl, role in inferred[["namespace", "workload", "role"]].itertuples(index=False)
    ]
    return findings


def _fingerprint(workloads: pd.DataFrame, services: pd.DataFrame, backing: pd.DataFrame) -> str:
    """The fingerprint of what was read (as for tables: row order does not count)."""
    cells = pd.concat(
        [
            frame.drop(columns=[ROW], errors="ignore").astype(str).assign(table=name)
            for name, frame in (
                ("workloads", workloads),
                ("services", services),
                ("backing", backing),
            )
        ],
        ignore_index=True,
    ).fillna("")
    return fingerprint(cells.assign(**{ROW: 0}))
