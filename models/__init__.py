"""Typed nouns of mesh-planner: inventory rows, knobs, mesh profiles and the plan."""
