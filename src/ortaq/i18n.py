"""Multilingual model fields: `<base>_kk`, `<base>_ru`, `<base>_zh`, `<base>_en` columns, read in the active language."""

from __future__ import annotations

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
