"""Grade and credit conversion from host scales to the Kazakh home scale.

Kazakhstan's credit system grades with letters mapped to percentages (Order No. 152 of the Minister of
Education and Science, 20 April 2011, on the organisation of education under the credit system, table of
the point-rating letter system). Chinese vocational colleges grade in percentages (百分制) or in five
bands (五级制); ECTS uses A–F. Every host grade is first brought to a percentage, then to a KZ letter.
One Kazakh academic credit is 30 hours of learner workload (same order), so credits convert by hours.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

KZ_LETTERS = [(95, "A"), (90, "A-"), (85, "B+"), (80, "B"), (75, "B-"), (70, "C+"), (65, "C"), (60, "C-"), (55, "D+"), (50, "D"), (0, "F")]
CN_FIVE_BANDS = {"优秀": 95, "良好": 85, "中等": 75, "及格": 65, "不及格": 40}
ECTS = {"A": 95, "B": 85, "C": 75, "D": 67, "E": 60, "FX": 45, "F": 30}
SCALES = ("percent", "cn_five_band", "ects")
# What a reader sees for each scale code (a page shows the label, the form sends the code).
SCALE_LABELS = {
    "percent": _("Percentage (0–100)"),
    "cn_five_band": _("Five-level grades (优秀 to 不及格)"),
    "ects": _("ECTS grades (A to F)"),
}
HOURS_PER_KZ_CREDIT = 30


class GradeError(ValueError):
    pass


def to_percent(grade: str, scale: str) -> Decimal:
    grade = grade.strip()
    if scale == "percent":
        try:
            value = Decimal(grade.replace(",", "."))
        except Exception:
            raise GradeError(grade)
        if not value.is_finite() or not 0 <= value <= 100:  # NaN would raise on comparison
            raise GradeError(grade)
        return value
    table = CN_FIVE_BANDS if scale == "cn_five_band" else ECTS if scale == "ects" else None
    if table is None or grade.upper() not in {k.upper() for k in table}:
        raise GradeError(grade)
    return Decimal(next(v for k, v in table.items() if k.upper() == grade.upper()))


def to_kz_letter(grade: str, scale: str) -> str:
    percent = to_percent(grade, scale)
    return next(letter for floor, letter in KZ_LETTERS if percent >= floor)


def kz_credits(hours: int, fallback: Decimal) -> Decimal:
    if not hours:
        return Decimal(fallback)
    return (Decimal(hours) / HOURS_PER_KZ_CREDIT).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def scale_label(code: str) -> str:
    """The reader's name of a grading scale; a code not known here is shown as stored."""
    return str(SCALE_LABELS[code]) if code in SCALE_LABELS else code
