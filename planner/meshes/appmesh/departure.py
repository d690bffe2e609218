"""What leaving App Mesh for another mesh leaves to do by hand, from what the manifests hold.

mesh-planner sizes the target meshes and writes their scoping from the declared backends; it
does not translate App Mesh's routes (weights, retries, timeouts, matches) or its gateway
routes into the target's routing objects, and it does not switch a workload from one proxy
to the other. These steps say so, with the counts a migration plan needs.
"""

from __future__ import annotations

from planner.inputs.inventory import Inventory
from planner.model.findings import count_of, listed


def departure(inventory: Inventory) -> tuple[str, ...]:
    """The steps every target of a migration off App Mesh leaves to do by hand."""
    graph = inventory.declared
    steps = []
    if graph is None:
        steps.append(
            "The inventory holds no App Mesh resources (a table declares no backends): the "
            "targets' scoping, where there is any, comes from the traffic table alone; read the "
            "VirtualNodes' backends before trusting it"
        )
    else:
        routers, routes = graph.count("VirtualRouter"), graph.count("route")
        gateway_routes = graph.count("GatewayRoute")
        steps.append(
            "Routes are not translated: "
            f"{count_of(routers, 'VirtualRouter')} with {count_of(routes, 'route')} "
            f"({graph.count('weighted route')} weighted, "
            f"{graph.count('route with retries or timeouts')} with retries or timeouts) and "
            f"{count_of(gateway_routes, 'GatewayRoute')}; write the target's routing objects "
            "from them (each target's steps name its objects)"
        )
        unnamed = graph.edges.loc[graph.edges["destination_service"] == ""]
        if len(unnamed):
            targets = sorted(
                set(unnamed["destination_namespace"] + "/" + unnamed["destination_workload"])
            )
            steps.append(
                f"{count_of(len(targets), 'workload')} found through AWS Cloud Map "
                f"({listed(targets)}) "
                "have no Kubernetes Service: the targets route to a Service, and Consul "
                "registers a workload only through one; create a Service for each before moving "
                "it, and its callers' scoping then needs it too"
            )
        if len(graph.external):
            hosts = sorted(set(graph.external["host"]))
            steps.append(
                f"{count_of(len(hosts), 'external backend')} (VirtualServices outside the "
                f"cluster: {listed(hosts)}) stay outside the mesh; give the target an egress "
                "entry for each if its proxies must reach them through the mesh"
            )
    steps += [
        "Move one namespace at a time: remove App Mesh's injection (the namespace label "
        "appmesh.k8s.aws/sidecarInjectorWebhook=enabled, or the pod annotation) and turn the "
        "target's on, then restart the workloads; a pod never runs both proxies",
        "During the move each namespace runs its pods' old or new proxy, so the cluster needs "
        "the larger of the two requests per pod until the last restart (compare the data-plane "
        "rows side by side)",
        "Delete the VirtualNodes, VirtualServices, VirtualRouters, VirtualGateways, "
        "GatewayRoutes and the Mesh once no pod runs App Mesh's Envoy, then uninstall the "
        "appmesh-controller and its CRDs",
    ]
    return tuple(steps)
