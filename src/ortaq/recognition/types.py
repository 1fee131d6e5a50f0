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


@dataclass(frozen=True, kw_only=True)
class PastedOutcome:
    """One pasted learning outcome, in the language the person confirmed (kk, ru, zh or en)."""

    text: str
    lang: str


@dataclass(frozen=True, kw_only=True)
class RefitReport:
    """What `ortaq manage alignment_refit` fitted: on how many decisions, and the expected calibration error of
    the shown probability before (the engine's score) and after (the fitted one)."""

    decisions: int
    accepted: int
    ece_before: float
    ece_after: float
    method: str  # recognition.calibration.PLATT_METHOD or ENGINE_METHOD
    calibration_id: int
    engine_version: str = ""  # the engine whose decisions were fitted on (Backend.fingerprint)
    other_engines: int = 0  # decisions left out: made on proposals of another engine
