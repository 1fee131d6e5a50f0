"""Latin forms of names written in Cyrillic (Kazakh, Russian) or Chinese characters.

People and institutions keep their name in the original script; the Latin form is what a partner
abroad types, prints on a badge or matches against a passport, so it is only *suggested* here and
stays editable. Cyrillic follows the passport practice of Kazakhstan and Russia, which is ICAO Doc 9303
Part 3 (machine-readable travel documents, transliteration of Cyrillic), with the Kazakh letters
ә ғ қ ң ө ұ ү һ і reduced to their base Latin letter as Kazakh passports do. Chinese uses Hanyu Pinyin
without tone marks (GB/T 28039-2011: surname first, given name written as one word).
"""

from __future__ import annotations

import unicodedata

_CYRILLIC = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e", "ё": "e",
    "ж": "zh", "з": "z", "и": "i", "й": "i", "і": "i", "к": "k", "қ": "k", "л": "l", "м": "m",
    "н": "n", "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ұ": "u", "ү": "u", "ф": "f", "х": "kh", "һ": "h", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "ie", "ы": "y", "ь": "", "э": "e", "ю": "iu", "я": "ia",
}


def _is_han(char: str) -> bool:
    return "CJK UNIFIED IDEOGRAPH" in unicodedata.name(char, "")


def _cyrillic_to_latin(text: str) -> str:
    out = []
    for char in text:
        lower = char.lower()
        if lower in _CYRILLIC:
            latin = _CYRILLIC[lower]
            out.append(latin.capitalize() if char != lower and latin else latin)
        else:
            out.append(char)
    return "".join(out)


def _han_to_pinyin(text: str, *, person: bool) -> str:
    from pypinyin import Style, lazy_pinyin

    pieces: list[str] = []
    run = ""
    for char in text + " ":
        if _is_han(char):
            run += char
            continue
        if run:
            syllables = lazy_pinyin(run, style=Style.NORMAL, v_to_u=False)
            if person and len(syllables) > 1:
                pieces.append(syllables[0].capitalize() + " " + "".join(syllables[1:]).capitalize())
            else:
                pieces.append(" ".join(s.capitalize() for s in syllables))
            run = ""
        pieces.append(char)
    return "".join(pieces).strip()


def latin_form(text: str, *, person: bool = False) -> str:
    """A suggested Latin form of `text`; Latin text comes back unchanged.

    >>> latin_form("Айгерім Сәрсенбаева", person=True)
    'Aigerim Sarsenbaeva'
    >>> latin_form("王小明", person=True)
    'Wang Xiaoming'
    """
    text = " ".join(text.split())
    if any(_is_han(c) for c in text):
        text = _han_to_pinyin(text, person=person)
    return _cyrillic_to_latin(text)
