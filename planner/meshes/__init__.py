"""The meshes mesh-planner sizes: one sub-package per mesh flavour (its profile, how manifests
show it, its proxy and control-plane sizing, its scoping or why it has none), the contract they
share (entry.py), the registry of them (registry.py) and the loading of their profiles."""
