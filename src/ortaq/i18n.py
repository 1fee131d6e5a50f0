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
