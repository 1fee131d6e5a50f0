"""Public types of recognition that other apps may import (see docs/decisions/0007-app-boundaries.md)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ConversionHours:
    """Hours of learner workload per credit in each system (validated at the edge by `ConversionRuleForm`;
    the service checks the range again, 1–60)."""

    hours_per_kz_credit: int
    hours_per_cn_credit: int
    hours_per_ects: int
