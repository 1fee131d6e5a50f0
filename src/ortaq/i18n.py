"""Multilingual model fields: `<base>_kk`, `<base>_ru`, `<base>_zh`, `<base>_en` columns, read in the active language."""

from __future__ import annotations

from typing import Any

from django.utils import translation

LANG_SUFFIXES = ("kk", "ru", "zh", "en")


def lang_suffix(language: str | None = None) -> str:
    """The column suffix for a Django language code: zh-hans -> zh, kk -> kk, anything unknown -> en."""
    code = (language or translation.get_language() or "en").lower()
    if code.startswith("zh"):
        return "zh"
    short = code.split("-")[0]
    return short if short in LANG_SUFFIXES else "en"


def localized(obj, base: str, language: str | None = None) -> str:
    """`obj.<base>_<lang>`, falling back to English, then any language that has a value."""
    preferred = lang_suffix(language)
    for suffix in (preferred, "en", *LANG_SUFFIXES):
        value = getattr(obj, f"{base}_{suffix}", "")
        if value:
            return value
    return ""


def multilingual_fields(base: str) -> list[str]:
    return [f"{base}_{suffix}" for suffix in LANG_SUFFIXES]


# Time zones ---------------------------------------------------------------------------------------------------
# A person reads times where they live: their own time zone if the account has one, else that of their
# institution's country, else the platform's (settings.TIME_ZONE). Kazakhstan has one zone (UTC+5) since 2024.
COUNTRY_TIME_ZONES = {"KZ": "Asia/Almaty", "CN": "Asia/Shanghai"}


def zone_named(name: str | None):
    """The ZoneInfo of a name, or None for an empty or unknown name."""
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def reader_time_zone(user, *, countries=None):
    """The zone `user` reads times in. `countries` (their institutions' country codes) saves the query when
    the caller knows them; an anonymous reader gets the platform's zone."""
    from django.conf import settings

    own = zone_named(getattr(user, "time_zone", "") or "")
    if own is not None:
        return own
    if countries is None and getattr(user, "is_authenticated", False):
        countries = user.memberships.order_by("pk").values_list("institution__country", flat=True)
    for country in countries or ():
        if country in COUNTRY_TIME_ZONES:
            return zone_named(COUNTRY_TIME_ZONES[country])
    return zone_named(settings.TIME_ZONE)


def reader_time_zones(users) -> dict:
    """{user id: zone} for many readers at once (a reminders run), by reader_time_zone's rule, their institutions'
    countries read in one query rather than one per reader."""
    from ortaq.accounts.selectors import memberships

    users = list(users)
    countries: dict[int, list[str]] = {}
    rows = memberships().filter(user_id__in=[user.pk for user in users]).order_by("pk").values_list("user_id", "institution__country")
    for user_id, country in rows:
        countries.setdefault(user_id, []).append(country)
    return {user.pk: reader_time_zone(user, countries=countries.get(user.pk, [])) for user in users}


def moment_in(deadline, zone):
    """A deadline as a moment: a moment as it is; a date (an agreement's or a course's first day) is the start of
    that day where the reader lives."""
    import datetime as dt

    if isinstance(deadline, dt.datetime):
        return deadline
    return dt.datetime.combine(deadline, dt.time.min, tzinfo=zone)


def when_text(moment, *, zone, language: str | None = None, label: bool = True) -> str:
    """A moment as a reader reads it: their language's format, in their zone, the zone named when `label`
    ("3 декабря 2026 г. 18:00 (Asia/Almaty)"), as an e-mail must, read away from the page. A date has no zone."""
    import datetime as dt

    from django.utils import formats, timezone

    with translation.override(language or translation.get_language()):
        if isinstance(moment, dt.datetime):
            local = timezone.localtime(moment if timezone.is_aware(moment) else timezone.make_aware(moment, dt.UTC), zone)
            text = formats.date_format(local, "DATETIME_FORMAT")
            return f"{text} ({zone.key})" if label else text
        return formats.date_format(moment, "DATE_FORMAT")


def name_with_latin(obj, language: str | None = None) -> str:
    """A row's name as a drop-down shows it: in the reader's language (`name_<lang>`, else the original), with
    the Latin form beside it when it differs, so a partner abroad recognises it too."""
    name = localized(obj, "name", language) or getattr(obj, "name_original", "") or str(obj)
    latin = getattr(obj, "name_latin", "") or ""
    return f"{name} ({latin})" if latin and latin != name else name


# Text people write (call, offer, cohort and session titles, offer tasks) ------------------------------------------
# Decision 0009: such a row keeps what its author wrote in its own column (`title`, `tasks`, `topic`), marks the
# language it is written in (`written_in`), and holds versions in other languages in one JSON field
# (`translations`: {language: {field: text}}). Unlike the names in `<field>_<lang>` columns above, the author's
# language varies row by row, and a reader must be told when what they read is not in their language.
CONTENT_LANGUAGES = ("kk", "ru", "zh-hans", "en")  # Django's codes, as in the URLs and the lang attribute
AUTHOR = "author"
# What a reader reads, in order (issue 15): a Kazakh reader reads Kazakh, then Russian, then the author's own
# text (English or Chinese as written); a Russian reader Russian, then Kazakh, then the author's; a Chinese reader
# Chinese, then English (the partners' common language), then the author's; an English reader English, then
# the author's, then Russian. Languages not named follow in CONTENT_LANGUAGES' order: a row always shows something.
FALLBACK_ORDER: dict[str, tuple[str, ...]] = {
    "kk": ("kk", "ru", AUTHOR),
    "ru": ("ru", "kk", AUTHOR),
    "zh-hans": ("zh-hans", "en", AUTHOR),
    "en": ("en", AUTHOR, "ru"),
}
TRANSLATIONS_MAX_FIELD = 10_000  # no field holds more than a page of tasks; the field's own limit is lower still


def content_language(language: str | None = None) -> str:
    """A content language code for a Django language code: zh, zh-hans, zh-cn -> zh-hans; unknown -> en."""
    code = (language or translation.get_language() or "en").lower()
    if code.startswith("zh"):
        return "zh-hans"
    short = code.split("-")[0]
    return short if short in CONTENT_LANGUAGES else "en"


def fallback_order(reader: str | None, author: str | None) -> tuple[str, ...]:
    """The languages to try for `reader`, the author's own in its place, each once, every language at the end."""
    author_code = content_language(author) if author else None
    order: list[str] = []
    for step in (*FALLBACK_ORDER[content_language(reader)], *CONTENT_LANGUAGES):
        code = author_code if step == AUTHOR else step
        if code and code not in order:
            order.append(code)
    return tuple(order)


def written_in_names() -> dict[str, str]:
    """The marker beside a text shown in another language than the reader's (translated at call time)."""
    from django.utils.translation import gettext

    return {"kk": gettext("(written in Kazakh)"), "ru": gettext("(written in Russian)"),
            "zh-hans": gettext("(written in Chinese)"), "en": gettext("(written in English)")}


class Shown:
    """One field of a written row as a reader reads it: the text, the language it is in, and whether that is
    another language than the reader's (then a page says so)."""

    __slots__ = ("text", "language", "reader")

    def __init__(self, text: str, language: str, reader: str) -> None:
        self.text, self.language, self.reader = text, language, reader

    @property
    def foreign(self) -> bool:
        return bool(self.text) and self.language != self.reader

    def __str__(self) -> str:
        return self.text

    def html(self, *, linebreaks: bool = False):
        """The text for a page: in the reader's language as is; otherwise in an element whose `lang` names its
        language (screen readers pronounce it right), with a small "(written in Russian)" after it."""
        from django.utils.html import escape, format_html
        from django.utils.safestring import mark_safe

        text = escape(self.text)
        if linebreaks:
            text = mark_safe(text.replace("\n", "<br>"))
        if not self.foreign:
            return mark_safe(text)
        return format_html('<span lang="{}">{}</span> <small class="written-in">{}</small>', self.language, text,
                           written_in_names()[self.language])


def versions(obj, field: str) -> dict[str, str]:
    """Every language version of `obj.<field>`: the author's text under its language, the translations beside it."""
    author = content_language(getattr(obj, "written_in", "") or "en")
    found = {author: getattr(obj, field, "") or ""}
    for code, fields in (getattr(obj, "translations", None) or {}).items():
        if code in CONTENT_LANGUAGES and code != author and isinstance(fields, dict) and isinstance(fields.get(field), str):
            found[code] = fields[field]
    return {code: text for code, text in found.items() if text}


def shown(obj, field: str, language: str | None = None) -> Shown:
    """`obj.<field>` as a reader of `language` (the active one by default) reads it, by FALLBACK_ORDER."""
    reader = content_language(language)
    texts = versions(obj, field)
    for code in fallback_order(reader, getattr(obj, "written_in", "") or "en"):
        if texts.get(code):
            return Shown(texts[code], code, reader)
    return Shown("", reader, reader)


def shown_by_language(obj, field: str) -> dict[str, str]:
    """What a reader of each language reads, keyed by column suffix (kk, ru, zh, en): for a message rendered
    later in its recipient's language (notifications' `$names` parameters)."""
    return {lang_suffix(code): shown(obj, field, code).text for code in CONTENT_LANGUAGES}


def clean_translations(value, *, fields: dict[str, int], written_in: str = "") -> dict[str, dict[str, str]]:
    """`translations` as stored, from anything a form, the API or a script gives: only known languages and fields,
    text no longer than the field's limit, no nesting, no control characters; empty versions and a version in the
    author's own language (the row's column holds that one) dropped. Raises ValidationError otherwise."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from ortaq.inputs import validate_plain_text

    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationError(_("Give the other language versions as {language: {field: text}}."), code="invalid")
    clean: dict[str, dict[str, str]] = {}
    for code, texts in value.items():
        if code not in CONTENT_LANGUAGES:
            raise ValidationError(_("Unknown language: %(code)s.") % {"code": str(code)[:20]}, code="invalid")
        if not isinstance(texts, dict):
            raise ValidationError(_("Give the other language versions as {language: {field: text}}."), code="invalid")
        for name, text in texts.items():
            if name not in fields:
                raise ValidationError(_("Unknown field: %(name)s.") % {"name": str(name)[:40]}, code="invalid")
            if not isinstance(text, str):
                raise ValidationError(_("Give the other language versions as {language: {field: text}}."), code="invalid")
            text = text.strip()
            if len(text) > min(fields[name], TRANSLATIONS_MAX_FIELD):
                raise ValidationError(_("Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).")
                                      % {"limit_value": fields[name], "show_value": len(text)}, code="max_length")
            validate_plain_text(text.replace("\n", " ").replace("\r", " ").replace("\t", " "))
            if text and code != written_in:
                clean.setdefault(code, {})[name] = text
    return clean


class TranslationsValidator:
    """The model's own check of `translations` (model_checked runs it for every service)."""

    def __init__(self, fields: dict[str, int]) -> None:
        self.fields = dict(fields)

    def __call__(self, value) -> None:
        clean_translations(value, fields=self.fields)

    def __eq__(self, other) -> bool:
        return isinstance(other, TranslationsValidator) and other.fields == self.fields

    def deconstruct(self):
        return ("ortaq.i18n.TranslationsValidator", (), {"fields": self.fields})


def written_in_field():
    """The `written_in` column of a row people write: the language of its author's text."""
    from django.db import models
    from django.utils.translation import gettext_lazy

    return models.CharField(gettext_lazy("written in"), max_length=7, default="en",
                            choices=[("kk", "Қазақша"), ("ru", "Русский"), ("zh-hans", "中文"), ("en", "English")])


def translations_field(fields: dict[str, int]):
    """The `translations` column: {language: {field: text}} for the languages other than the author's."""
    from django.db import models
    from django.utils.translation import gettext_lazy

    return models.JSONField(gettext_lazy("other language versions"), default=dict, blank=True,
                            validators=[TranslationsValidator(fields)])


def detect_language(text: str) -> str:
    """The language a demo or legacy text is most likely written in, by its script: Cyrillic with a letter only
    Kazakh has -> kk, other Cyrillic -> ru, Chinese characters -> zh-hans, anything else -> en. (Used once, by the
    migrations that marked existing rows; an author says it herself from then on.)"""
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return "zh-hans"
    if any("\u0400" <= ch <= "\u04ff" for ch in text):
        return "kk" if any(ch in "әғқңөұүһіӘҒҚҢӨҰҮҺІ" for ch in text) else "ru"
    return "en"


def add_version_fields(form, fields: dict[str, int], labels: dict[str, dict[str, Any]], *, textareas: tuple[str, ...] = ()) -> None:
    """Optional fields `<field>_<suffix>` (title_kk, title_ru, title_zh, title_en...) on `form` for the versions of
    what its author writes in other languages, filled from the instance being edited. `written_in` says which one
    the main field holds; a version in that same language is ignored (versions_from_form)."""
    from django import forms

    existing = getattr(getattr(form, "instance", None), "translations", None) or {}
    for code in CONTENT_LANGUAGES:
        for name, limit in fields.items():
            widget = forms.Textarea(attrs={"rows": 3}) if name in textareas else forms.TextInput()
            widget.attrs["lang"] = code  # typed and spell-checked in that language
            form.fields[f"{name}_{lang_suffix(code)}"] = forms.CharField(
                label=labels[name][code], required=False, max_length=limit, widget=widget,
                initial=(existing.get(code) or {}).get(name, "") if isinstance(existing.get(code), dict) else "")


def versions_from_form(cleaned: dict, fields: dict[str, int], *, written_in: str) -> dict[str, dict[str, str]]:
    """The `translations` a valid form gives (add_version_fields' fields), without the author's own language."""
    raw = {code: {name: cleaned.get(f"{name}_{lang_suffix(code)}") or "" for name in fields} for code in CONTENT_LANGUAGES}
    return clean_translations(raw, fields=fields, written_in=written_in)


def written_in_choices() -> list[tuple[str, str]]:
    """Each language by its own name, as a writer recognises it whatever language the page is in."""
    return [("kk", "Қазақша"), ("ru", "Русский"), ("zh-hans", "中文"), ("en", "English")]


def requested_language(request) -> str:
    """The content language an API reader asks for: `?lang=` when it names one, else the request's language
    (LocaleMiddleware: the URL's prefix, the cookie, Accept-Language)."""
    asked = (request.GET.get("lang") or "").strip().lower()[:10] if request is not None else ""
    if asked and (asked in CONTENT_LANGUAGES or asked.startswith("zh") or asked in ("kk-kz", "ru-ru", "en-gb", "en-us")):
        return content_language(asked)
    return content_language(getattr(request, "LANGUAGE_CODE", None))
