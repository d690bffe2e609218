"""Sizing a control-plane component from the terms its mesh gives: mesh-neutral arithmetic.

    shared memory (each replica) = sum of shared terms
    serving memory (all replicas) = sum of serving terms x (1 + sum of multiplier terms)
    CPU (all replicas)            = sum of CPU terms
    a term                        = driver x coefficient / divisor (a constant without a driver)
    replicas                      = the fewest, at least the minimum, that keep each replica's
                                    request within the per-replica CPU and memory targets
    memory per replica            = shared + serving / replicas; CPU per replica = CPU / replicas
    request per replica           = max(estimate x (1 + headroom), the chart's default)
    limits                        = request x the limit ratios (memory: at least the chart's
                                    limit, where it sets one)

Every replica holds the whole state it watches; what it serves is shared out among replicas.
A mesh entry says what its components are sized from (drivers) and by which coefficients
(terms); this module does the rest the same way for every mesh.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from models.errors import ProfileError
from models.kube import MAX_REPLICAS
from models.plan import ComponentPlan, ComponentPolicy, Driver, Finding, Resources, Term
from models.profile import Rounding
from planner.model.sizing import ceil_step


@dataclass(frozen=True)
class ComponentModel:
    """A component as its mesh describes it: drivers, terms, policy and the formula in words.

    `guideline` terms give a rule-of-thumb figure shown beside the model, never used by it.
    `per_node`, when above 0, makes it a DaemonSet on that many nodes: one replica per node,
    each sized for the busiest node (its terms give that node's load: nothing is shared out).
    """

    component: str
    title: str
    drivers: tuple[Driver, ...]
    shared: tuple[Term, ...]
    serving: tuple[Term, ...]
    multiplier: tuple[Term, ...]
    cpu: tuple[Term, ...]
    policy: ComponentPolicy
    model_formula: str
    guideline: tuple[Term, ...] = ()
    guideline_formula: str | None = None
    state_advice: str = "more replicas cannot help"
    replicas_floor: int = 1
    quorum: bool = False
    replicas_note: str = ""
    per_node: int = 0


def model_of(component: ComponentPlan) -> ComponentModel:
    """The model a sized component was sized with, read back from the plan alone (a DaemonSet's
    replicas are its nodes)."""
    return ComponentModel(
        component=component.component,
        title=component.title,
        drivers=component.drivers,
        shared=component.shared_memory_terms,
        serving=component.serving_memory_terms,
        multiplier=component.serving_memory_multiplier_terms,
        cpu=component.cpu_terms,
        policy=component.policy,
        model_formula=component.model_formula,
        guideline=component.guideline_memory_terms,
        replicas_floor=component.replicas_floor,
        quorum=component.quorum,
        per_node=component.replicas if component.per_node else 0,
    )


def term_sum(
    terms: tuple[Term, ...], drivers: Mapping[str, float], values: Mapping[str, float]
) -> float:
    """The sum of `terms` with these drivers and coefficient values."""
    return sum(
        (drivers[t.driver] if t.driver is not None else 1.0)
        * values[t.coefficient]
        * (values[t.factor] if t.factor is not None else 1.0)
        / t.divisor
        for t in terms
    )


def memory_mib(model: ComponentModel, values: Mapping[str, float]) -> tuple[float, float]:
    """(shared, serving) memory of the component in MiB: what every replica holds, and what all
    replicas together serve."""
    drivers = {d.name: d.value for d in model.drivers}
    shared = term_sum(model.shared, drivers, values)
    serving = term_sum(model.serving, drivers, values) * (
        1.0 + term_sum(model.multiplier, drivers, values)
    )
    return shared, serving


def autoscale_target_percent(headroom_ratio: float, share: float) -> int:
    """The autoscaler's CPU target: utilisation once `share` of the headroom is used.

    A pod at its sized load runs at 1 / (1 + headroom) of its request; the target sits at
    (1 + share x headroom) / (1 + headroom), between 50 % and 95 %.
    """
    percent = 100.0 * (1.0 + share * headroom_ratio) / (1.0 + headroom_ratio)
    return int(min(95, max(50, round(percent))))


def size_component(
    model: ComponentModel,
    values: Mapping[str, float],
    rounding: Rounding,
    headroom_ratio: float,
    min_replicas: int,
) -> tuple[ComponentPlan, list[Finding]]:
    """Replicas and per-replica resources of one component: at least `min_replicas` (the
    knob) and the component's own floor; a quorum runs exactly that many and never grows with
    load (when the load needs more, a finding says so and each replica carries more than its
    target).
    """
    min_replicas = max(min_replicas, model.replicas_floor)
    max_replicas = min_replicas if model.quorum else None
    policy = model.policy
    drivers = {d.name: d.value for d in model.drivers}
    shared, serving = memory_mib(model, values)
    cpu_total = term_sum(model.cpu, drivers, values)
    grow = 1.0 + headroom_ratio
    max_cpu = values[policy.max_cpu_per_replica]
    max_memory = values[policy.max_memory_per_replica]
    findings: list[Finding] = []
    if model.per_node:
        # a DaemonSet: one replica per node, each carrying the busiest node's load
        replicas = model.per_node
        estimated_memory, estimated_cpu = shared + serving, cpu_total
    else:
        by_cpu = math.ceil(round(cpu_total * grow / max_cpu, 9))
        if shared * grow < max_memory:
            by_memory = math.ceil(round(serving * grow / (max_memory - shared * grow), 9))
        else:
            by_memory = 1
            findings.append(
                Finding(
                    code="control-plane-state-too-large",
                    subject=model.component,
                    message=(
                        f"the mesh state alone needs {shared * grow:,.0f} MiB per replica, above "
                        f"the {max_memory:,.0f} MiB per-replica target; {model.state_advice}"
                    ),
                )
            )
        replicas = max(min_replicas, by_cpu, by_memory, 1)
        if replicas > MAX_REPLICAS:
            raise ProfileError(
                f"{model.component}: the profile's per-replica targets "
                f"({policy.max_cpu_per_replica} {max_cpu:g}, {policy.max_memory_per_replica} "
                f"{max_memory:g}) need more than {MAX_REPLICAS:,} replicas; check those figures "
                "in the profile"
            )
        if max_replicas is not None and replicas > max_replicas:
            findings.append(
                Finding(
                    code="control-plane-replicas-capped",
                    subject=model.component,
                    message=(
                        f"the load needs {replicas} replicas within the per-replica targets, but "
                        f"{model.title} runs {max_replicas}: each carries more than its target "
                        f"({max_cpu:,.0f}m CPU, {max_memory:,.0f} MiB); {model.state_advice}"
                    ),
                )
            )
            replicas = max_replicas
        estimated_memory = shared + serving / replicas
        estimated_cpu = cpu_total / replicas
    cpu_step, memory_step = rounding.cpu_step_millicores, rounding.memory_step_mib
    cpu_request = ceil_step(max(estimated_cpu * grow, values[policy.cpu_request_floor]), cpu_step)
    memory_request = ceil_step(
        max(estimated_memory * grow, values[policy.memory_request_floor]), memory_step
    )
    cpu_limit = max(cpu_request, ceil_step(cpu_request * values[policy.cpu_limit_ratio], cpu_step))
    chart_limit = (
        ceil_step(values[policy.memory_limit_floor], memory_step)
        if policy.memory_limit_floor is not None
        else 0
    )
    memory_limit = max(
        memory_request,
        ceil_step(memory_request * values[policy.memory_limit_ratio], memory_step),
        chart_limit,
    )
    if model.per_node:
        rule = f"{replicas}: one per node (a DaemonSet; each replica sized for the busiest node)"
    elif max_replicas is None:
        rule = (
            f"max(minimum {min_replicas}, CPU {cpu_total * grow:,.0f}m / {max_cpu:,.0f}m per "
            f"replica -> {by_cpu}, memory -> {by_memory}) = {replicas}"
        )
    else:
        rule = f"{replicas} (a quorum: {model.replicas_note})"
    autoscaled = (
        policy.autoscale_max_ratio is not None and policy.autoscale_headroom_share is not None
    )
    plan = ComponentPlan(
        component=model.component,
        title=model.title,
        replicas=replicas,
        autoscale_min=replicas if autoscaled else None,
        autoscale_max=(
            max(replicas + 1, math.ceil(replicas * values[str(policy.autoscale_max_ratio)]))
            if autoscaled
            else None
        ),
        autoscale_target_cpu_percent=(
            autoscale_target_percent(headroom_ratio, values[str(policy.autoscale_headroom_share)])
            if autoscaled
            else None
        ),
        drivers=model.drivers,
        shared_memory_terms=model.shared,
        serving_memory_terms=model.serving,
        serving_memory_multiplier_terms=model.multiplier,
        cpu_terms=model.cpu,
        guideline_memory_terms=model.guideline,
        per_replica=Resources(
            estimated_cpu_millicores=round(estimated_cpu, 3),
            estimated_memory_mib=round(estimated_memory, 3),
            cpu_request_millicores=cpu_request,
            cpu_limit_millicores=cpu_limit,
            memory_request_mib=memory_request,
            memory_limit_mib=memory_limit,
        ),
        shared_memory_mib=round(shared, 3),
        serving_memory_mib=round(serving, 3),
        single_replica_estimated_memory_mib=round(shared + serving, 3),
        single_replica_estimated_cpu_millicores=round(cpu_total, 3),
        guideline_memory_mib=(
            round(term_sum(model.guideline, drivers, values), 3) if model.guideline else None
        ),
        guideline_formula=model.guideline_formula,
        model_formula=model.model_formula,
        replicas_rule=rule,
        policy=policy,
        replicas_floor=model.replicas_floor,
        quorum=model.quorum,
        per_node=bool(model.per_node),
    )
    return plan, findings
