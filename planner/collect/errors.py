"""Errors of `planner collect`, apart from the Prometheus client (planner.collect.prometheus) so
that the command's option checks raise them without importing the client's ssl and urllib."""

from __future__ import annotations

from models.errors import PlannerError


class CollectError(PlannerError):
    """A server that cannot be queried, or a query it cannot answer."""
