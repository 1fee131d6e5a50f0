from django import template

from ortaq.training.models import RUBRIC_LABELS

register = template.Library()


@register.filter
def rubric_name(criterion: dict) -> str:
    """A rubric criterion's name in the reader's language (by its code); a criterion of a cohort's own keeps its name."""
    code = criterion.get("code", "") if isinstance(criterion, dict) else ""
    return str(RUBRIC_LABELS[code]) if code in RUBRIC_LABELS else str(criterion.get("name", "") if isinstance(criterion, dict) else criterion)
