"""Pure KPI metric and scoring code: no Flask, no database, easy to test against worked examples.

The formulas are the contract of SPEC §4; ``docs/metrics.md`` explains them for KPI integrators.
"""

from .metrics import (
    INSUFFICIENT,
    DimensionResult,
    KpiRules,
    NpsTally,
    Tally,
    adjusted_index,
    band,
    difference_interval,
    dimension_result,
    nps,
    response_rate,
    round1,
    satisfaction_index,
    wilson_interval,
)

__all__ = [
    "INSUFFICIENT",
    "DimensionResult",
    "KpiRules",
    "NpsTally",
    "Tally",
    "adjusted_index",
    "band",
    "difference_interval",
    "dimension_result",
    "nps",
    "response_rate",
    "round1",
    "satisfaction_index",
    "wilson_interval",
]
