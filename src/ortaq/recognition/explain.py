"""What the dossier page shows beside an AI proposal: which abroad outcome covers which home outcome, with the
score of each pair in words, the glossary terms both texts share (highlighted in either language), and the
language of a pasted outcome.

Pure helpers (no database): the views pass in texts already read through the selectors."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext_lazy as _

KAZAKH_LETTERS = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
LANGUAGES = ("kk", "ru", "zh", "en")
# The words for a score: the engine's threshold for a covered outcome (COVERED, 0.7) is a likely match; below
# 0.3 the pair is more often unrelated than not on the calibration specialties (docs/alignment.md).
LIKELY, POSSIBLE = 0.7, 0.3
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def score_words(score: float):
    if score >= LIKELY:
        return _("likely match")
    if score >= POSSIBLE:
        return _("possible match")
    return _("unlikely match")


def percent(score: float) -> int:
    return round(max(0.0, min(1.0, score)) * 100)


# --------------------------------------------------------------------------- language of a pasted line
@dataclass(frozen=True)
class DetectedLanguage:
    lang: str
    confidence: float  # 0..1


def detect_language(text: str) -> DetectedLanguage:
    """kk/ru/zh/en from the script. Han characters -> zh (Latin words such as PLC often sit inside Chinese
    outcomes); Cyrillic with a Kazakh-only letter (әғқңөұүһі) -> kk; Cyrillic without one -> ru, less sure for a
    short line: Kazakh-specific letters are roughly one letter in ten of Kazakh prose, so a Kazakh line of n
    Cyrillic letters shows none with probability about 0.9^n; Latin -> en."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return DetectedLanguage("en", 0.0)
    han = sum(1 for ch in letters if _HAN.match(ch))
    cyrillic = sum(1 for ch in letters if "\u0400" <= ch <= "\u04ff")
    kazakh = sum(1 for ch in letters if ch in KAZAKH_LETTERS)
    latin = len(letters) - han - cyrillic
    if han:
        return DetectedLanguage("zh", round(min(1.0, 0.5 + han / len(letters)), 2))
    if cyrillic >= latin:
        share = cyrillic / len(letters)
        if kazakh:
            return DetectedLanguage("kk", round(share * 0.99, 2))
        return DetectedLanguage("ru", round(share * (1 - 0.9 ** cyrillic), 2))
    return DetectedLanguage("en", round(latin / len(letters), 2))


# --------------------------------------------------------------------------- shared glossary terms
@lru_cache(maxsize=4096)
def term_spans(text: str, lang: str) -> dict[str, list[tuple[int, int]]]:
    """{glossary term id: [(start, end), ...]} where a term of the engine's kk/ru/zh/en vocational glossary occurs
    in `text` (in language `lang`), found as the lexical channel finds them (Glossary.spans). Cached: a dossier
    shows the same outcome beside several proposals. Callers must not change the answer."""
    from ortaq.engines.alignment.lexical import load_glossary

    found: dict[str, list[tuple[int, int]]] = {}
    for tid, surface in load_glossary().spans(lang, text):
        found.setdefault(tid, []).extend(surface_spans(text, [surface]))
    return found


def surface_spans(text: str, surfaces: list[str]) -> list[tuple[int, int]]:
    """Where the words the engine says two outcomes share (PLC, IEC, станок) occur in `text`, ignoring case."""
    low, out = text.casefold(), []
    for surface in surfaces:
        needle = surface.casefold()
        start = low.find(needle) if needle and len(low) == len(text) else -1
        while start >= 0:
            out.append((start, start + len(needle)))
            start = low.find(needle, start + len(needle))
    return out


def segments(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """The text cut into (piece, highlighted) in order; overlapping spans merged."""
    out, at = [], 0
    for start, end in sorted(spans):
        if end <= at:
            continue
        start = max(start, at)
        if start > at:
            out.append((text[at:start], False))
        out.append((text[start:end], True))
        at = end
    if at < len(text):
        out.append((text[at:], False))
    return out


@dataclass(frozen=True)
class Side:
    """One side of a pair as the page shows it: the text cut into highlighted and plain pieces, and its language."""

    code: str
    lang: str
    pieces: list[tuple[str, bool]]

    @property
    def html_lang(self) -> str:
        return "zh-Hans" if self.lang == "zh" else self.lang  # BCP 47, as the page's own <html lang> names Chinese


@dataclass(frozen=True)
class PairExplained:
    abroad: Side
    home: Side
    score: float
    percent: int
    words: str
    covered: bool
    shared_terms: list[str]


def shown_text(texts: dict[str, str], prefer: str) -> tuple[str, str]:
    """(lang, text): the version in `prefer` (the reader's language) when written, otherwise the first there is."""
    if texts.get(prefer):
        return prefer, texts[prefer]
    for lang in LANGUAGES:
        if texts.get(lang):
            return lang, texts[lang]
    return "en", ""


def explain_pair(*, abroad_code: str, abroad_texts: dict[str, str], home_code: str, home_texts: dict[str, str], score: float,
                 covered: bool, reader_lang: str, engine_shared: tuple[list[str], list[str]] = ([], [])) -> PairExplained:
    """The pair with the terms both statements share marked on each side. The abroad side keeps its own language
    (the point is to see what was studied there); the home side is shown in the reader's language when written."""
    a_lang, a_text = shown_text(abroad_texts, next((lang for lang in LANGUAGES if abroad_texts.get(lang)), reader_lang))
    h_lang, h_text = shown_text(home_texts, reader_lang)
    a_terms, h_terms = term_spans(a_text, a_lang), term_spans(h_text, h_lang)
    # A term the home module has in any of its versions counts as shared, though it is marked only where it shows.
    home_all = set(h_terms) | {t for lang, text in home_texts.items() if text for t in term_spans(text, lang)}
    abroad_all = set(a_terms) | {t for lang, text in abroad_texts.items() if text for t in term_spans(text, lang)}
    shared = sorted(home_all & abroad_all)
    # The engine's own list (when it gives one) adds words both texts share in the same script: marked where they
    # show, on each side, only when found on both.
    words = [w for w in dict.fromkeys(engine_shared[0] + engine_shared[1]) if surface_spans(a_text, [w]) and surface_spans(h_text, [w])]
    return PairExplained(
        abroad=Side(abroad_code, a_lang, segments(a_text, [s for t in shared for s in a_terms.get(t, [])] + surface_spans(a_text, words))),
        home=Side(home_code, h_lang, segments(h_text, [s for t in shared for s in h_terms.get(t, [])] + surface_spans(h_text, words))),
        score=score, percent=percent(score), words=str(score_words(score)), covered=covered, shared_terms=shared + [w for w in words if w not in shared])
