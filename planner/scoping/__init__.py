"""Scoping from the observed call graph, mesh-neutral: what each workload was seen calling and
how far that observation can be trusted. Each mesh turns it into its own mechanism (Istio's
Sidecar resources, Consul's intentions) in its package."""
