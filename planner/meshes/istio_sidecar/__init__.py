"""planner/meshes/istio_sidecar"""
