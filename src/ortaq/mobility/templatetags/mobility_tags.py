from django import template

from ortaq.mobility.grades import scale_label

register = template.Library()


@register.filter
def grade_scale(code: str) -> str:
    """`{{ entry.host_scale|grade_scale }}`: "ECTS grades (A to F)" in the reader's language, not "ects"."""
    return scale_label(code or "")
