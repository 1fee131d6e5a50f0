from django import template
from django.utils import translation

from ortaq.engines import frameworks as fw

register = template.Library()


@register.filter
def isced_name(code: str) -> str:
    """`0714` -> "0714 Electronics and automation" in the reader's language."""
    term = fw.isced_field(code or "")
    return f"{code} {fw.localized(term, translation.get_language() or 'en')}" if term else (code or "")
