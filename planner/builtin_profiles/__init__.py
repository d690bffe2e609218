"""Mesh profiles shipped with mesh-planner (YAML data, read with importlib.resources)."""
