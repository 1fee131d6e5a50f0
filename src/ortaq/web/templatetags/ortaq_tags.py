from django import template
from django.utils import translation

from ortaq.engines import frameworks as fw

register = template.Library()


@register.filter
def isced_name(code: str) -> str:
    """`0714` -> "0714 Electronics and automation" in the reader's language."""
    term = fw.isced_field(code or "")
    return f"{code} {fw.localized(term, translation.get_language() or 'en')}" if term else (code or "")


_KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")


@register.filter
def script_lang(text: str) -> str:
    """A BCP 47 tag for a name in its original script, so screen readers pronounce it in the right language."""
    text = text or ""
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return "zh-Hans"
    if any(ch in _KAZAKH_LETTERS for ch in text):
        return "kk"
    if any("\u0400" <= ch <= "\u04ff" for ch in text):
        return "ru"
    return "en"


@register.filter
def lookup_lang(names: dict, language: str) -> str:
    """The name in the reader's language from a {"kk", "ru", "zh-hans", "en"} dictionary, English as fallback."""
    key = "zh-hans" if (language or "").startswith("zh") else (language or "en")[:2]
    return names.get(key) or names.get("en") or next(iter(names.values()), "")


@register.filter
def multiply(value, factor):
    try:
        return int(value) * int(factor)
    except (TypeError, ValueError):
        return 0
