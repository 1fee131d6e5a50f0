import re

from django import template
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ortaq.engines import frameworks as fw

register = template.Library()


@register.filter
def content(obj, field: str):
    """`{{ call|content:"title" }}`: what people wrote, in the reader's language or the nearest version they read
    (ortaq.i18n.FALLBACK_ORDER), marked "(written in Russian)" with its `lang` when it is another language."""
    from ortaq.i18n import shown

    return shown(obj, field).html(linebreaks=field == "tasks")


@register.filter
def content_text(obj, field: str) -> str:
    """`{{ call|content_text:"title" }}`: the same text without markup (a <title>, an <option>, an attribute)."""
    from ortaq.i18n import shown

    return shown(obj, field).text


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


@register.filter
def audit_state(code: str, object_type: str) -> str:
    """A state code in an object's history ("proposed") as its model names it in the reader's language
    ("Предложено"), from the choices of the model's `state` field; an unknown code stays as it is."""
    from django.apps import apps
    from django.core.exceptions import FieldDoesNotExist

    try:
        field = apps.get_model(object_type)._meta.get_field("state")
    except (LookupError, ValueError, FieldDoesNotExist):
        return code or ""
    return str(dict(field.flatchoices).get(code, code or ""))


# Summaries services write in the audit trail as fixed English phrases (older rows) or codes: shown in the
# reader's language. Anything else in a summary is what a person wrote (a reason) or a name, shown as written.
_SUMMARIES = {
    "all parties approved": _("all parties approved"),
    "approved_by_all": _("all parties approved"),
    "reprint": _("reprinted"),
}
_VOIDED = re.compile(r"^(?:(\d+) approval\(s\) voided by an edit|approvals_voided:(\d+))$")


@register.filter
def audit_summary(summary: str) -> str:
    summary = summary or ""
    if summary in _SUMMARIES:
        return str(_SUMMARIES[summary])
    if match := _VOIDED.match(summary):
        count = int(match[1] or match[2])
        return ngettext("%(count)d approval voided by an edit", "%(count)d approvals voided by an edit", count) % {"count": count}
    return summary


@register.filter
def audit_field(name: str, object_type: str) -> str:
    """A field name in an object's history as its model labels it in the reader's language."""
    from django.apps import apps
    from django.core.exceptions import FieldDoesNotExist

    try:
        return str(apps.get_model(object_type)._meta.get_field(name).verbose_name)
    except (LookupError, ValueError, FieldDoesNotExist, AttributeError):
        return name


# A count with its noun takes the noun's plural form for that count in the reader's language (Russian has three:
# 1 день, 3 дня, 5 дней), which a plain "{{ n }} {{ unit label }}" cannot give.
_COUNTED = {
    "days": lambda n: ngettext("%(count)s day", "%(count)s days", n),
    "weeks": lambda n: ngettext("%(count)s week", "%(count)s weeks", n),
    "months": lambda n: ngettext("%(count)s month", "%(count)s months", n),
    "hours": lambda n: ngettext("%(count)s hour", "%(count)s hours", n),
}


@register.filter
def counted(count, unit: str) -> str:
    """`{{ c.duration|counted:c.duration_unit }}` -> "3 дня"; an unknown unit is written after the number."""
    try:
        number = int(count)
    except (TypeError, ValueError):
        return f"{count} {unit}".strip()
    if unit not in _COUNTED:
        return f"{number} {unit}"
    return _COUNTED[unit](number) % {"count": number}


@register.filter
def region_name(name: str, country: str = "") -> str:
    """A region recorded by its English (or any) name, in the reader's language (engines.frameworks regions);
    a region not in the list stays as recorded."""
    for code in ([country] if country else ["KZ", "CN"]):
        term = fw.region(code, name or "")
        if term:
            return fw.localized(term, translation.get_language() or "en")
    return name or ""
