"""Fitting a profile's proxy coefficients to a cluster's own proxies: the drivers of each
workload from the plan `planner size` makes, a robust fit of the observed usage against them,
its 5-fold cross-validated error, and the fitted profile as YAML (docs/calibrate.md).

    CPU     observed = idle + extra + rps through the proxy per pod / 1000 x CPU per 1000 rps
            Theil-Sen (scipy.stats.theilslopes, method joint): slope and intercept
    memory  observed = base + sum of driver x cost per object (+ the terms not fitted)
            scipy.optimize.least_squares, loss soft_l1 (f_scale 1 MiB), costs >= 0

Raises InputError for data too little or too degenerate to fit, ProfileError for a profile
whose coefficients cannot be located or a mesh whose proxies are not fitted here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy.optimize import least_squares
from scipy.stats import theilslopes

from models.errors import InputError, ProfileError
from models.knobs import MeshKind
from models.plan import Assumption, Plan, ProxyPlan, Role, Term
from models.profile import Coefficient, ProfileBase, version_key
from planner.inputs.tables import read_file_bytes
from planner.meshes.registry import MESHES
from planner.model.findings import FITTED_TAG

MIN_WORKLOADS = 8
"""Fewest workloads with observed usage a fit is made from (5-fold cross-validation needs some
in every fold, and a robust fit on fewer says little)."""
MIN_RPS_LEVELS = 3
"""Fewest distinct rates through the proxy the CPU slope is fitted from."""
MIN_DRIVER_LEVELS = 3
MIN_DRIVER_SPREAD_RATIO = 0.1
"""A per-object cost is fitted only when its driver takes MIN_DRIVER_LEVELS distinct values or
more, spread over at least this share of its largest value; otherwise it cannot be told from
base memory and the profile's value is kept."""
THEIL_SEN_ALL = 2_000
THEIL_SEN_PAIRS = 2_000_000
"""Up to THEIL_SEN_ALL workloads every pair's slope counts (scipy.stats.theilslopes, quadratic
in memory); above, the median over THEIL_SEN_PAIRS pairs drawn with SEED."""
FOLDS = 5
SEED = 0
F_SCALE_MIB = 1.0
"""soft_l1's scale: residuals beyond about 1 MiB weigh linearly, not quadratically."""
SHORT_SHA = 12

_RANGES = {"version": "versions", "objects": "objects"}
"""Assumption groups that are one range of a list of version ranges in the profile."""


@dataclass(frozen=True)
class DataFile:
    """An input a fit was made from: its name and a short sha256 that ignores row order."""

    name: str
    sha256: str

    def __str__(self) -> str:
        return f"{self.name} (sha256 {self.sha256})"


def data_file(path: Path, label: str) -> DataFile:
    """`path`'s name and the first 12 hex digits of the sha256 of its header line followed by its
    other lines sorted (bytewise), so that the same table in another row order gives the same
    digest; an .xlsx workbook is digested as its bytes."""
    raw = read_file_bytes(path, label)
    if path.suffix.lower() != ".xlsx":
        lines = raw.replace(b"\r\n", b"\n").rstrip(b"\n").split(b"\n")
        raw = b"\n".join([lines[0], *sorted(lines[1:])]) + b"\n"
    return DataFile(path.name, hashlib.sha256(raw).hexdigest()[:SHORT_SHA])


@dataclass(frozen=True)
class Fitted:
    """One coefficient of the proxy model: its value in the profile and the fitted one (None:
    kept, for `kept`'s reason)."""

    name: str
    unit: str
    current: float
    fitted: float | None
    kept: str | None = None


@dataclass(frozen=True)
class HeldOut:
    """The error of predictions for workloads left out of the fit (5-fold cross-validation),
    and of the profile as it is over all workloads, for CPU or memory."""

    what: str
    unit: str
    workloads: int
    median_abs_percent: float
    rmse: float
    profile_median_abs_percent: float
    profile_rmse: float


@dataclass(frozen=True)
class Calibration:
    """What `planner calibrate` found and writes."""

    profile: ProfileBase
    base_profile: str
    mesh_title: str
    mesh_version: str
    workloads: int
    files: tuple[DataFile, ...]
    as_of: date
    coefficients: tuple[Fitted, ...]
    errors: tuple[HeldOut, HeldOut]


def observations(plan: Plan) -> pd.DataFrame:
    """One row per sidecar of the plan (gateways are left out) with its drivers and observed
    usage, sorted by namespace and workload (so the fit does not depend on row order)."""
    proxies: list[tuple[str, str, ProxyPlan]] = [
        (w.namespace, w.workload, w.proxy)
        for w in plan.workloads
        if w.proxy is not None and w.role is Role.WORKLOAD
    ]
    columns = (
        "rps_per_pod",
        "l4_rps_per_pod",
        "visible_clusters",
        "visible_endpoints",
        "visible_listeners",
        "connections",
        "observed_cpu_millicores",
        "observed_memory_mib",
    )
    frame = pd.DataFrame(
        {
            "namespace": [p[0] for p in proxies],
            "workload": [p[1] for p in proxies],
            **{c: [getattr(p[2], c) for p in proxies] for c in columns},
        }
    )
    frame[list(columns)] = frame[list(columns)].astype(float)
    return frame.sort_values(["namespace", "workload"], ignore_index=True)


def check_mesh(mesh: MeshKind) -> None:
    """Raise ProfileError for a mesh whose workloads have no proxy of their own to fit."""
    if mesh is MeshKind.ISTIO_AMBIENT:
        raise ProfileError(
            "planner calibrate fits sidecar proxies; Istio ambient's workloads have none "
            "(ztunnel runs per node): calibrate a sidecar mesh"
        )


def calibrate(
    plan: Plan, profile: ProfileBase, files: tuple[DataFile, ...], as_of: date
) -> Calibration:
    """Fit `profile`'s proxy coefficients for the plan's mesh version to the plan's observed usage.

    `plan` is what `planner size` makes of the inputs with `profile` (observed usage on);
    `files` name the inputs (the first is the inventory), `as_of` the date the usage was taken.
    """
    check_mesh(MeshKind(plan.profile.mesh))
    model = plan.proxy_model
    values = {a.name: a for a in plan.assumptions}
    rows = observations(plan)
    where = files[0].name
    _check_observed(rows, where)
    cpu_rows = rows[rows["observed_cpu_millicores"].notna()]
    memory_rows = rows[rows["observed_memory_mib"].notna()]
    tcp = values[model.tcp_cpu_ratio].value
    extra = sum(values[name].value for name in model.extra_cpu)
    cpu = _CpuModel(
        x=(cpu_rows["rps_per_pod"] - cpu_rows["l4_rps_per_pod"] * (1 - tcp)).to_numpy(dtype=float),
        y=cpu_rows["observed_cpu_millicores"].to_numpy(dtype=float),
        extra=extra,
        idle=values[model.idle_cpu].value,
        per_1000=values[model.cpu_per_1000_rps].value,
    )
    levels = np.unique(np.round(cpu.x, 6)).size
    if levels < MIN_RPS_LEVELS:
        raise InputError(
            f"{where}: the workloads with observed proxy CPU have {levels} distinct rate(s) "
            f"through the proxy; fitting CPU per 1000 rps needs {MIN_RPS_LEVELS} at least: give "
            "rps (or --traffic) for workloads of different load"
        )
    idle, per_1000 = cpu.fit(np.arange(len(cpu.y)))
    if per_1000 <= 0:
        raise InputError(
            f"{where}: observed proxy CPU does not rise with the requests through the proxy "
            f"(Theil-Sen slope {per_1000:.3g} millicores per 1000 rps over {len(cpu.y)} "
            "workloads); check that the rates and proxy_cpu_millicores cover the same window"
        )
    memory = _MemoryModel.of(model.base_memory, model.memory_terms, values, memory_rows)
    fitted = {model.idle_cpu: idle, model.cpu_per_1000_rps: per_1000}
    fitted.update(memory.named(memory.fit(np.arange(len(memory.y)))))
    names = [model.idle_cpu, model.cpu_per_1000_rps, model.base_memory, *memory.candidates]
    coefficients = tuple(
        Fitted(
            name=name,
            unit=values[name].unit,
            current=values[name].value,
            fitted=_rounded(fitted[name], values[name].unit) if name in fitted else None,
            kept=memory.kept.get(name),
        )
        for name in names
    )
    errors = (cpu.held_out(), memory.held_out())
    observed = int(
        rows[["observed_cpu_millicores", "observed_memory_mib"]].notna().any(axis=1).sum()
    )
    new_profile = _fitted_profile(plan, profile, coefficients, values, files, as_of, observed)
    return Calibration(
        profile=new_profile,
        base_profile=profile.name,
        mesh_title=plan.profile.mesh_title,
        mesh_version=plan.profile.mesh_version,
        workloads=observed,
        files=files,
        as_of=as_of,
        coefficients=coefficients,
        errors=errors,
    )


def _check_observed(rows: pd.DataFrame, where: str) -> None:
    """Enough workloads with observed CPU and memory, every observed figure finite and >= 0
    (the table readers refuse others already, naming the row; this guards other inputs)."""
    for shown, column, field in (
        ("CPU", "proxy_cpu_millicores", "observed_cpu_millicores"),
        ("memory", "proxy_memory_mib", "observed_memory_mib"),
    ):
        given = rows[rows[field].notna()]
        bad = given[~np.isfinite(given[field]) | (given[field] < 0)]
        if len(bad):
            first = bad.iloc[0]
            raise InputError(
                f"{where}: workload {first['namespace']}/{first['workload']}: observed proxy "
                f"{shown} ({column}) {first[field]} is not a finite number of 0 or more; fix it "
                "or leave the cell empty"
            )
        if len(given) < MIN_WORKLOADS:
            raise InputError(
                f"{where}: {len(given)} sidecar workloads have observed proxy {shown} ({column}); "
                f"calibrating needs {MIN_WORKLOADS} at least: add the observed usage of more "
                "workloads"
            )


def _folds(count: int) -> list[np.ndarray]:
    """FOLDS groups of row positions, shuffled with the fixed SEED."""
    order = np.random.default_rng(SEED).permutation(count)
    return [np.sort(fold) for fold in np.array_split(order, FOLDS) if len(fold)]


def _errors(
    what: str, unit: str, observed: np.ndarray, held_out: np.ndarray, profile: np.ndarray
) -> HeldOut:
    def median_abs_percent(predicted: np.ndarray) -> float:
        positive = observed > 0
        if not positive.any():
            return float("nan")
        share = np.abs(predicted[positive] - observed[positive]) / observed[positive]
        return float(np.median(share) * 100)

    def rmse(predicted: np.ndarray) -> float:
        return float(np.sqrt(np.mean((predicted - observed) ** 2)))

    return HeldOut(
        what=what,
        unit=unit,
        workloads=len(observed),
        median_abs_percent=median_abs_percent(held_out),
        rmse=rmse(held_out),
        profile_median_abs_percent=median_abs_percent(profile),
        profile_rmse=rmse(profile),
    )


def theil_sen(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Theil-Sen slope and intercept (the median of y - slope x, scipy's `joint` method, which
    wild points move no more than the slope): scipy's over every pair
    of workloads up to THEIL_SEN_ALL, above that the median over THEIL_SEN_PAIRS pairs drawn
    with the fixed SEED, so that a cluster of many workloads costs linear time and memory."""
    if len(x) <= THEIL_SEN_ALL:
        result = theilslopes(y, x, method="joint")
        return float(result.slope), float(result.intercept)
    rng = np.random.default_rng(SEED)
    first = rng.integers(0, len(x), THEIL_SEN_PAIRS)
    second = rng.integers(0, len(x), THEIL_SEN_PAIRS)
    apart = x[first] != x[second]
    first, second = first[apart], second[apart]
    slope = float(np.median((y[second] - y[first]) / (x[second] - x[first])))
    return slope, float(np.median(y - slope * x))


@dataclass(frozen=True)
class _CpuModel:
    """Observed CPU per pod (`y`) against the rate through the proxy per pod (`x`, L4 requests
    at the TCP ratio); `extra` is CPU the model adds beside the idle figure (not fitted)."""

    x: np.ndarray
    y: np.ndarray
    extra: float
    idle: float
    per_1000: float

    def fit(self, rows: np.ndarray) -> tuple[float, float]:
        """Idle CPU (at least 0) and CPU per 1000 rps from the rows at `rows`."""
        x, y = self.x[rows], self.y[rows]
        if np.unique(x).size < 2:  # a fold with a single rate: no slope to see
            return max(float(np.median(y)) - self.extra, 0.0), 0.0
        slope, intercept = theil_sen(x, y)
        return max(intercept - self.extra, 0.0), slope * 1000

    def predict(self, idle: float, per_1000: float, rows: np.ndarray) -> np.ndarray:
        return np.asarray(idle + self.extra + self.x[rows] / 1000 * per_1000)

    def held_out(self) -> HeldOut:
        predicted = np.empty_like(self.y)
        for fold in _folds(len(self.y)):
            train = np.setdiff1d(np.arange(len(self.y)), fold)
            predicted[fold] = self.predict(*self.fit(train), fold)
        profile = self.predict(self.idle, self.per_1000, np.arange(len(self.y)))
        return _errors("CPU", "millicores", self.y, predicted, profile)


@dataclass(frozen=True)
class _MemoryModel:
    """Observed memory per pod (`y`) = base + x @ cost per object (MiB) + offset, where `x`
    holds the drivers whose cost is fitted and `offset` the terms kept at the profile's values.

    `candidates`: the per-object coefficients (one per driver: its term without a factor);
    `fitted_names` those fitted, `kept` why the others were not; `divisors` turn a fitted cost
    in MiB back into the coefficient's unit; `start`: the profile's values, base first."""

    base: str
    candidates: tuple[str, ...]
    fitted_names: tuple[str, ...]
    kept: dict[str, str]
    divisors: np.ndarray
    x: np.ndarray
    offset: np.ndarray
    y: np.ndarray
    start: np.ndarray

    @classmethod
    def of(
        cls,
        base: str,
        terms: tuple[Term, ...],
        values: dict[str, Assumption],
        rows: pd.DataFrame,
    ) -> _MemoryModel:
        """The model of `terms` over `rows`, deciding which per-object costs can be fitted."""
        offset = np.zeros(len(rows))
        primary: dict[str, Term] = {}
        for term in terms:
            if term.driver is not None and term.factor is None:
                primary.setdefault(term.driver, term)
        kept: dict[str, str] = {}
        chosen: list[Term] = []
        columns: list[np.ndarray] = [np.ones(len(rows))]
        for driver, term in primary.items():
            level = rows[driver].fillna(0).to_numpy(dtype=float)
            distinct = np.unique(level).size
            top = float(np.max(np.abs(level))) if len(level) else 0.0
            spread = float(np.ptp(level)) if len(level) else 0.0
            if distinct < MIN_DRIVER_LEVELS or spread < MIN_DRIVER_SPREAD_RATIO * top:
                shown = (
                    f"is {_number(float(level.min()))} for every workload"
                    if distinct == 1
                    else f"takes {distinct} values from {_number(float(level.min()))} to "
                    f"{_number(float(level.max()))}"
                )
                kept[term.coefficient] = (
                    f"{driver} {shown}: too little variation to tell its cost from base memory"
                )
            elif np.linalg.matrix_rank(np.column_stack([*columns, level])) <= len(columns):
                kept[term.coefficient] = (
                    f"{driver} moves in step with the drivers fitted before it: its cost cannot "
                    "be told from theirs"
                )
            else:
                chosen.append(term)
                columns.append(level)
        for term in terms:
            if term in chosen:
                continue
            level = (
                np.ones(len(rows))
                if term.driver is None
                else rows[term.driver].fillna(0).to_numpy(dtype=float)
            )
            factor = values[term.factor].value if term.factor is not None else 1.0
            offset += level * values[term.coefficient].value * factor / term.divisor
        divisors = np.array([t.divisor for t in chosen], dtype=float)
        start = np.array(
            [values[base].value, *(values[t.coefficient].value for t in chosen)], dtype=float
        )
        return cls(
            base=base,
            candidates=tuple(t.coefficient for t in primary.values()),
            fitted_names=tuple(t.coefficient for t in chosen),
            kept=kept,
            divisors=divisors,
            x=np.column_stack(columns[1:]) if chosen else np.zeros((len(rows), 0)),
            offset=offset,
            y=rows["observed_memory_mib"].to_numpy(dtype=float),
            start=np.concatenate([start[:1], start[1:] / divisors]),
        )

    def fit(self, rows: np.ndarray) -> np.ndarray:
        """Base memory and the fitted costs (MiB per object) from the rows at `rows`."""
        scale = np.maximum(np.max(np.abs(self.x), axis=0, initial=0.0), 1e-12)
        x, offset, y = self.x[rows] / scale, self.offset[rows], self.y[rows]

        def residuals(theta: np.ndarray) -> np.ndarray:
            return np.asarray(theta[0] + x @ theta[1:] + offset - y)

        weights = np.concatenate([[1.0], scale])
        result = least_squares(
            residuals,
            np.maximum(self.start * weights, 0.0),
            bounds=(0.0, np.inf),
            loss="soft_l1",
            f_scale=F_SCALE_MIB,
        )
        return np.asarray(result.x / weights)

    def predict(self, theta: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return np.asarray(theta[0] + self.x[rows] @ theta[1:] + self.offset[rows])

    def named(self, theta: np.ndarray) -> dict[str, float]:
        """The fitted coefficients in their profile units."""
        costs = theta[1:] * self.divisors
        return {
            self.base: float(theta[0]),
            **{n: float(c) for n, c in zip(self.fitted_names, costs, strict=True)},
        }

    def held_out(self) -> HeldOut:
        predicted = np.empty_like(self.y)
        for fold in _folds(len(self.y)):
            train = np.setdiff1d(np.arange(len(self.y)), fold)
            predicted[fold] = self.predict(self.fit(train), fold)
        profile = self.predict(self.start, np.arange(len(self.y)))
        return _errors("memory", "MiB", self.y, predicted, profile)


def _rounded(value: float, unit: str) -> float:
    """A fitted value to the precision its unit is written in: whole bytes, else 2 decimals."""
    return float(round(value)) if unit.startswith("bytes") else round(value, 2)


def _number(value: float) -> str:
    """A value as a reader reads it: thousands separated, at most 2 decimals, no trailing 0."""
    text = f"{value:,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _locate(profile: ProfileBase, name: str, used: Assumption, version: str) -> list[str | int]:
    """The path in the profile's data of the coefficient the plan names `name` (`version.x`:
    the version range it was taken from, `proxy.x`: the proxy group's).

    Raises ProfileError when it cannot be found.
    """
    group, field = name.split(".", 1)
    wanted = Coefficient.model_validate(used.model_dump(exclude={"name"}))
    container = _RANGES.get(group)
    if container is None:
        if getattr(getattr(profile, group, None), field, None) == wanted:
            return [group, field]
        found: list[int] = []
    else:
        ranges = getattr(profile, container, ())
        found = [i for i, r in enumerate(ranges) if getattr(r, field, None) == wanted]
        if len(found) > 1:  # the same figure in several ranges: the one holding the version
            try:
                key = version_key(version)
                found = [
                    i
                    for i in found
                    if version_key(ranges[i].first) <= key
                    and (ranges[i].last is None or key <= version_key(ranges[i].last))
                ]
            except ValueError:
                pass
        if len(found) == 1:
            return [container, found[0], field]
    raise ProfileError(
        f"profile {profile.name}: coefficient {name} of mesh version {version} cannot be "
        "located in the profile, so it cannot be replaced by a fitted value"
    )


def _fitted_profile(
    plan: Plan,
    profile: ProfileBase,
    coefficients: tuple[Fitted, ...],
    values: dict[str, Assumption],
    files: tuple[DataFile, ...],
    as_of: date,
    workloads: int,
) -> ProfileBase:
    """`profile` with each fitted coefficient replaced, tagged `fitted`, its source naming the
    data and date; the others keep their own."""
    version = plan.profile.mesh_version
    data = profile.model_dump(mode="json", exclude_defaults=True)
    source = (
        f"planner calibrate: fitted to the observed proxy usage of {workloads} workloads in "
        f"{', '.join(str(f) for f in files)}, as of {as_of.isoformat()}"
    )
    for fitted in coefficients:
        if fitted.fitted is None:
            continue
        used = values[fitted.name]
        path = _locate(profile, fitted.name, used, version)
        holder: Any = data
        for part in path[:-1]:
            holder = holder[part]
        holder[str(path[-1])] = Coefficient(
            value=fitted.fitted,
            unit=used.unit,
            source=source,
            holds_for=f"the cluster measured, {plan.profile.mesh_title} {version}",
            tag=FITTED_TAG,
            derivation=f"{METHODS.get(fitted.name.split('.', 1)[1], MEMORY_METHOD)}; the "
            f"profile's value was {_number(fitted.current)} ({used.tag}: {used.source})",
        ).model_dump(mode="json", exclude_defaults=True)
    if not profile.name.endswith("-fitted"):
        data["name"] = f"{profile.name}-fitted"
    data["title"] = f"{profile.title}, fitted to {files[0].name} as of {as_of.isoformat()}"
    data["profile_version"] = f"{profile.profile_version}+fitted.{as_of.isoformat()}"
    return MESHES[profile.mesh].profile_model.model_validate(data)


METHODS = {
    "idle_cpu_millicores": "Theil-Sen intercept of observed proxy CPU against the rps through "
    "the proxy per pod, less the model's other fixed CPU",
    "cpu_per_1000_rps_millicores": "Theil-Sen slope of observed proxy CPU against the rps "
    "through the proxy per pod, x 1000",
}
MEMORY_METHOD = (
    "robust least squares (soft_l1, f_scale 1 MiB, non-negative) of observed proxy memory "
    "against the configuration each proxy holds"
)


def render_report(calibration: Calibration) -> str:
    """The fit as a table for a reader: coefficients, profile against fitted, and the held-out
    error (stderr, and the header of the written profile)."""
    c = calibration
    lines = [
        f"planner calibrate: profile {c.base_profile} ({c.mesh_title} {c.mesh_version}) fitted "
        f"to {c.workloads} workloads with observed proxy usage",
        f"data: {', '.join(str(f) for f in c.files)}; as of {c.as_of.isoformat()}",
        "",
    ]
    rows = [("coefficient", "profile", "fitted", "unit")] + [
        (
            f.name,
            _number(f.current),
            _number(f.fitted) if f.fitted is not None else "kept",
            f.unit,
        )
        for f in c.coefficients
    ]
    lines += _table(rows, right=(1, 2))
    lines += [f"kept {f.name}: {f.kept}" for f in c.coefficients if f.kept is not None]
    lines += ["", f"held-out error ({FOLDS}-fold cross-validation, seed {SEED}):"]
    errors = [
        (
            "",
            "workloads",
            "fitted: median abs error",
            "RMSE",
            "profile as it is: median abs error",
            "RMSE",
        )
    ] + [
        (
            e.what,
            str(e.workloads),
            _percent(e.median_abs_percent),
            f"{e.rmse:,.1f} {e.unit}",
            _percent(e.profile_median_abs_percent),
            f"{e.profile_rmse:,.1f} {e.unit}",
        )
        for e in c.errors
    ]
    lines += _table(errors, right=(1, 2, 3, 4, 5))
    return "\n".join(lines) + "\n"


def _percent(value: float) -> str:
    return "n/a" if np.isnan(value) else f"{value:.1f} %"


def _table(rows: Sequence[tuple[str, ...]], right: tuple[int, ...]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ).rstrip()
        for row in rows
    ]


def render_profile(calibration: Calibration) -> bytes:
    """The fitted profile as YAML that `planner size --profile` reads, the fit's report in
    comments at its head."""
    header = [
        "# mesh-planner sizing profile fitted by planner calibrate (docs/calibrate.md).",
        "# Coefficients tagged `fitted` were fitted to the data below; the others keep their",
        "# source. Use it with: planner size --profile <this file> ...",
        "#",
        *(f"# {line}".rstrip() for line in render_report(calibration).splitlines()),
        "",
    ]
    body = yaml.safe_dump(
        calibration.profile.model_dump(mode="json", exclude_defaults=True),
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
    return ("\n".join(header) + "\n" + body).encode("utf-8")
