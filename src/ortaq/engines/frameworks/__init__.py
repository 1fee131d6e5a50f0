"""Reference data: fields of education, qualification levels, languages, countries.

Pure Python, read-only data shipped as JSON files in ``data/`` (each with a
``_meta`` key citing its source), loaded once and cached.

Contents
--------
* ISCED-F 2013 (UNESCO Institute for Statistics, *ISCED Fields of Education
  and Training 2013*): the complete published code list — 12 broad codes
  (00-10 plus 99 "Field unknown"), 58 narrow and 149 detailed codes,
  including the "not further defined" (xx0/xxx0), inter-disciplinary
  (xx8/xxx8) and "not elsewhere classified" (xx9/xxx9) codes.  The 80
  "substantive" detailed fields are those not ending in 0, 8 or 9.
* Qualification levels: EQF (Council Recommendation of 22 May 2017), the
  National Qualifications Framework of the Republic of Kazakhstan, and the
  Chinese education levels relevant to TVET.
* Language proficiency frameworks: CEFR (Council of Europe 2001/2020),
  HSK 3.0 (GF 0025-2021, nine levels), KAZTEST (A1-C1).
* ISO 639-1 languages, ISO 3166-1 alpha-2 countries, mobility types and
  accessibility facilities.

Crosswalk KZ NQF <-> EQF <-> CN (indicative)
-------------------------------------------
**Indicative, to be confirmed by the recognition authority.**  There is no
officially referenced crosswalk between the three.  The rows returned by
:func:`crosswalk` are an Ortaq working table built through ISCED 2011
levels, which all three systems use for international reporting:

* EQF levels follow the usual EQF/ISCED 2011 correspondence
  (EQF 2 ~ ISCED 2, EQF 3-4 ~ ISCED 3/4, EQF 5 ~ ISCED 5, EQF 6/7/8 ~
  ISCED 6/7/8; Cedefop national referencing reports).
* The Kazakh NQF (2016, eight levels) was designed on the EQF model; its
  levels are described by typical education pathways (TVE worker
  qualification at levels 3-4, mid-level specialist at 5, bachelor 6,
  master 7, doctorate 8), so KZ level *n* is read as EQF level *n*.
* China has no nationally referenced qualifications framework yet (a
  national credit/qualifications framework, 国家资历框架, is announced in
  the 2019 National Vocational Education Reform Implementation Plan); the
  Chinese levels are placed by the ISCED 2011 level of the programme:
  中职 ISCED 3 (EQF 3-4), 高职专科 ISCED 5 (short-cycle tertiary), 职业本科
  and 本科 ISCED 6, 硕士 ISCED 7, 博士 ISCED 8.

Every crosswalk row carries a four-language ``note`` saying so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "LANGS",
    "LEVEL_FRAMEWORKS",
    "LANGUAGE_FRAMEWORKS",
    "Term",
    "accessibility_facilities",
    "countries",
    "country",
    "crosswalk",
    "is_isced_code",
    "isced_field",
    "isced_fields",
    "isced_parent",
    "language_frameworks",
    "language_level_rank",
    "language_levels",
    "languages",
    "level",
    "levels",
    "localized",
    "mobility_types",
    "normalize_lang",
]

LANGS: tuple[str, ...] = ("kk", "ru", "zh-hans", "en")
LEVEL_FRAMEWORKS: tuple[str, ...] = ("eqf", "kz_nqf", "cn")
LANGUAGE_FRAMEWORKS: tuple[str, ...] = ("cefr", "hsk", "kaztest")
_FALLBACK = "en"


@dataclass(frozen=True)
class Term:
    """A coded reference term with its name in each of :data:`LANGS`."""

    code: str
    names: dict[str, str]
    group: str = ""

    def __hash__(self) -> int:  # names is a dict; identity is code + group
        return hash((self.code, self.group))


# --------------------------------------------------------------------- loading


@cache
def _load(name: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(text)


def _terms(raw: list[dict[str, Any]]) -> tuple[Term, ...]:
    return tuple(Term(code=t["code"], names=dict(t["names"]), group=t.get("group", "")) for t in raw)


@cache
def _isced() -> tuple[Term, ...]:
    return _terms(_load("isced_f_2013.json")["terms"])


@cache
def _isced_index() -> dict[str, Term]:
    return {t.code: t for t in _isced()}


@cache
def _levels() -> dict[str, tuple[Term, ...]]:
    return {fw: _terms(raw) for fw, raw in _load("levels.json")["frameworks"].items()}


@cache
def _language_levels() -> dict[str, tuple[Term, ...]]:
    return {fw: _terms(raw) for fw, raw in _load("language_frameworks.json")["levels"].items()}


@cache
def _simple(name: str) -> tuple[Term, ...]:
    return _terms(_load(name)["terms"])


@cache
def _country_index() -> dict[str, Term]:
    return {t.code: t for t in _simple("countries.json")}


def _norm_key(value: str) -> str:
    return value.strip().lower().replace("-", "_") if isinstance(value, str) else ""


# ----------------------------------------------------------------------- ISCED


def isced_fields() -> list[Term]:
    """All ISCED-F 2013 codes (broad, narrow, detailed) in published order."""
    return list(_isced())


def isced_field(code: str) -> Term | None:
    return _isced_index().get(code.strip()) if isinstance(code, str) else None


def is_isced_code(code: str) -> bool:
    return isced_field(code) is not None


def isced_parent(code: str) -> str | None:
    """``"0413" -> "041"``, ``"041" -> "04"``, broad codes and unknown codes -> None."""
    if not is_isced_code(code):
        return None
    code = code.strip()
    return code[:-1] if len(code) > 2 else None


# ---------------------------------------------------------- qualification levels


def levels(framework: str) -> list[Term]:
    """Levels of ``"eqf"``, ``"kz_nqf"`` or ``"cn"``, lowest first; unknown framework -> []."""
    return list(_levels().get(_norm_key(framework), ()))


def level(framework: str, code: str) -> Term | None:
    for term in levels(framework):
        if term.code == str(code).strip():
            return term
    return None


def crosswalk() -> list[dict]:
    """Indicative KZ NQF <-> EQF <-> CN rows; see the module docstring.

    Each row: ``{"kz_nqf", "eqf", "cn", "isced_2011", "note": {lang: text}}``.
    Indicative, to be confirmed by the recognition authority.
    """
    return [
        {**row, "note": dict(row["note"])} for row in _load("levels.json")["crosswalk"]
    ]


# -------------------------------------------------------- language proficiency


def language_frameworks() -> list[Term]:
    return list(_terms(_load("language_frameworks.json")["frameworks"]))


def language_levels(framework: str) -> list[Term]:
    """Levels of ``"cefr"``, ``"hsk"`` or ``"kaztest"``, ordered low -> high."""
    return list(_language_levels().get(_norm_key(framework), ()))


def language_level_rank(framework: str, code: str) -> int | None:
    """0-based position of ``code`` within the framework (for "at least B1")."""
    wanted = str(code).strip().upper()
    if wanted.startswith("HSK"):
        wanted = wanted[3:].strip()
    for rank, term in enumerate(language_levels(framework)):
        if term.code.upper() == wanted:
            return rank
    return None


# ------------------------------------------------------------ other vocabularies


def languages() -> list[Term]:
    return list(_simple("languages.json"))


def countries() -> list[Term]:
    return list(_simple("countries.json"))


def country(code: str) -> Term | None:
    return _country_index().get(code.strip().upper()) if isinstance(code, str) else None


def mobility_types() -> list[Term]:
    return list(_simple("mobility_types.json"))


def accessibility_facilities() -> list[Term]:
    return list(_simple("accessibility_facilities.json"))


# ---------------------------------------------------------------- localisation


def normalize_lang(lang: str | None) -> str:
    """Map a language tag to one of :data:`LANGS` (``"zh"``, ``"zh-Hans"`` ->
    ``"zh-hans"``, ``"kk-KZ"`` -> ``"kk"``); anything else -> ``"en"``."""
    if not lang:
        return _FALLBACK
    tag = lang.strip().lower().replace("_", "-")
    primary = tag.split("-", 1)[0]
    if primary == "zh":
        return "zh-hans"
    return primary if primary in LANGS else _FALLBACK


def localized(term: Term, lang: str) -> str:
    """Name of ``term`` in ``lang``, falling back to English (then any name, then the code)."""
    names = term.names
    for key in (normalize_lang(lang), _FALLBACK):
        if names.get(key):
            return names[key]
    return next((v for v in names.values() if v), term.code)


@dataclass(frozen=True)
class CompetencyFramework:
    """A public framework a manager assesses themself against: elements rated on ordered levels."""

    code: str
    names: dict[str, str]
    levels: tuple[Term, ...]
    elements: tuple[Term, ...]
    source: str


@cache
def _competences() -> dict[str, CompetencyFramework]:
    raw = _load("competences.json")
    sources = raw["_meta"]["sources"]
    return {
        f["code"]: CompetencyFramework(f["code"], dict(f["names"]), _terms(f["levels"]), _terms(f["elements"]), sources[f["code"]])
        for f in raw["frameworks"]
    }


def competency_frameworks() -> list[CompetencyFramework]:
    return list(_competences().values())


def competency_framework(code: str) -> CompetencyFramework | None:
    return _competences().get(code)


# -------------------------------------------------------------------- regions


_REGION_WORDS = (" region", " oblysy", " облысы", " область", " obl.", "省", "州", "自治区", "市")


def _region_key(name: str) -> str:
    key = " ".join(name.split()).lower()
    for word in _REGION_WORDS:
        if key.endswith(word) and len(key) > len(word):
            return key[: -len(word)].strip()
    return key


@cache
def _region_index() -> dict[tuple[str, str], Term]:
    """(country, name) -> region, by every name of each region, exact and without the word for region;
    exact names first, so the city of Almaty is not taken for the Almaty Region."""
    terms = _simple("regions.json")
    index: dict[tuple[str, str], Term] = {}
    for term in terms:
        for name in {term.code, *term.names.values()}:
            index.setdefault((term.group, _region_key(name)), term)
    for term in terms:
        for name in {term.code, *term.names.values()}:
            index[(term.group, " ".join(name.split()).lower())] = term
    return index


def region(country: str, name: str) -> Term | None:
    """A region of Kazakhstan or China (data/regions.json) from the name an institution recorded, in any of
    its languages, e.g. region("CN", "Xinjiang") -> 新疆 / Шыңжаң / Синьцзян."""
    if not isinstance(name, str) or not name.strip() or not isinstance(country, str):
        return None
    index = _region_index()
    country = country.strip().upper()
    return index.get((country, " ".join(name.split()).lower())) or index.get((country, _region_key(name)))
