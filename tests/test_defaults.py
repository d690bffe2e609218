"""The mesh-wide sidecar default and which workloads need their own patch."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.knobs import Knobs
from planner.meshes.istio_sidecar.sizing import resolve
from planner.model.defaults import most_covering, proxy_default
from tests.plans import istio_profile

POLICY = resolve(istio_profile(), Knobs()).policy


def test_most_covering_value_wins_and_ties_go_to_the_larger() -> None:
    values = np.array([100.0, 100.0, 110.0, 400.0, 410.0])
    assert most_covering(values, 0.2) == 110.0
    assert most_covering(np.array([100.0, 300.0]), 0.2) == 300.0


def test_outliers_get_patches() -> None:
    sidecars = pd.DataFrame(
        {
            "cpu_request_millicores": [100, 100, 110, 900],
            "cpu_limit_millicores": [2000, 2000, 2000, 2000],
            "memory_request_mib": [128, 128, 136, 128],
            "memory_limit_mib": [256, 256, 272, 256],
        }
    )
    default, patch = proxy_default(sidecars, 0.2, POLICY, "the chart's defaults")
    assert (default.cpu_request_millicores, default.memory_request_mib) == (110, 136)
    assert (default.cpu_limit_millicores, default.memory_limit_mib) == (2000, 272)
    assert patch.tolist() == [False, False, False, True]
    assert (default.workloads_within, default.workloads_patched) == (3, 1)


def test_no_sidecars_gives_the_chart_defaults() -> None:
    empty = pd.DataFrame(
        columns=[
            "cpu_request_millicores",
            "cpu_limit_millicores",
            "memory_request_mib",
            "memory_limit_mib",
        ]
    )
    default, patch = proxy_default(empty, 0.2, POLICY, "the chart's defaults")
    assert (default.cpu_request_millicores, default.cpu_limit_millicores) == (100, 2000)
    assert (default.memory_request_mib, default.memory_limit_mib) == (128, 256)
    assert len(patch) == 0
