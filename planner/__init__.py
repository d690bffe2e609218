"""mesh-planner: size a service mesh's proxies, control plane and gateways from an inventory."""
