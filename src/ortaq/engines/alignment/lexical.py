"""The lexical channel: character n-gram TF-IDF within a script, plus glossary terms across languages.

Features of one outcome (all its language versions together):

* ``g:<ngram>``: character 3-5-grams of each word (with word boundaries) for kk/ru/en, character 1-2-grams
  of Han text for zh. They only meet texts in the same script: ru/kk share loanwords (трактор, дизель).
* ``t:<term>``: a term of the kk/ru/zh/en vocational glossary (``glossary.json``), the only bridge
  between scripts.

Both channels are TF-IDF weighted (sublinear tf, smoothed idf over the request's texts), L2-normalised
separately and mixed: similarity = 0.5 x cos(n-grams) + 0.5 x cos(terms).
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from .model import Outcome

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
NGRAM_WEIGHT = 0.5


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")


@dataclass(frozen=True)
class Glossary:
    version: str
    # (lang, first stem) -> list of (term id, stems tuple, exact flags)
    index: dict[tuple[str, str], list[tuple[str, tuple[str, ...], tuple[bool, ...]]]]
    zh_terms: list[tuple[str, str]]  # (term id, substring)
    size: int

    def terms(self, lang: str, text: str) -> list[str]:
        norm = normalise(text)
        if lang == "zh":
            found = [tid for tid, sub in self.zh_terms if sub in norm]
            # Latin words inside Chinese text (PLC, SQL, Git) match like English.
            words = _WORD.findall(_HAN.sub(" ", norm))
            return found + self._match_words("en", words)
        return self._match_words(lang, _WORD.findall(norm))

    def spans(self, lang: str, text: str) -> list[tuple[str, str]]:
        """(term id, the words of ``text`` that matched it, as written) for every glossary term in the text:
        what the dossier highlights as shared terms."""
        nfkc = unicodedata.normalize("NFKC", text)
        out: list[tuple[str, str]] = []
        if lang == "zh":
            low = nfkc.casefold()
            for tid, sub in self.zh_terms:
                at = low.find(sub)
                if at >= 0:
                    out.append((tid, nfkc[at : at + len(sub)]))
            nfkc = _HAN.sub(" ", nfkc)
            lang = "en"
        found = [(m.group(), m.group().casefold().replace("ё", "е")) for m in _WORD.finditer(nfkc)]
        words = [w for _, w in found]
        for tid, i, n in self._match_positions(lang, words):
            out.append((tid, " ".join(orig for orig, _ in found[i : i + n])))
        return out

    def _match_words(self, lang: str, words: list[str]) -> list[str]:
        return [tid for tid, _, _ in self._match_positions(lang, words)]

    def _match_positions(self, lang: str, words: list[str]) -> list[tuple[str, int, int]]:
        found = []
        for i, word in enumerate(words):
            for key_len in (4, 3, 2, 1):
                cands = self.index.get((lang, word[:key_len]))
                if not cands:
                    continue
                for tid, stems, exact in cands:
                    if i + len(stems) > len(words):
                        continue
                    if all(_word_matches(words[i + j], stems[j], exact[j]) for j in range(len(stems))):
                        found.append((tid, i, len(stems)))
        return found


def _word_matches(word: str, stem: str, exact: bool) -> bool:
    if exact:
        return word == stem
    if not word.startswith(stem):
        return False
    return len(word) <= len(stem) + (4 if len(stem) <= 4 else 14)


@lru_cache(maxsize=1)
def load_glossary() -> Glossary:
    data = json.loads(resources.files(__package__).joinpath("glossary.json").read_text("utf-8"))
    index: dict[tuple[str, str], list] = {}
    zh_terms: list[tuple[str, str]] = []
    for term in data["terms"]:
        tid = term["id"]
        for lang in ("kk", "ru", "en", "zh"):
            for stem in term.get(lang, []):
                stem = normalise(stem)
                if lang == "zh" and _HAN.search(stem):
                    zh_terms.append((tid, stem))
                    continue
                parts = tuple(stem.split())
                exact = tuple(p.startswith("=") for p in parts)
                parts = tuple(p.lstrip("=") for p in parts)
                key_lang = "en" if lang == "zh" else lang
                key = (key_lang, parts[0][: min(4, len(parts[0]))])
                index.setdefault(key, []).append((tid, parts, exact))
    return Glossary(version=data["version"], index=index, zh_terms=zh_terms, size=len(data["terms"]))


def ngrams(lang: str, text: str) -> list[str]:
    norm = normalise(text)
    out: list[str] = []
    for run in _HAN.findall(norm):
        out.extend(run)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    for word in _WORD.findall(_HAN.sub(" ", norm)):
        padded = f" {word} "
        if len(word) <= 2:
            out.append(padded)
            continue
        for n in (3, 4, 5):
            out.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return out


def shared_terms(a: Outcome, b: Outcome, glossary: Glossary | None = None) -> tuple[list[str], list[str]]:
    """The terms two outcomes share, as written in each: glossary terms found on both sides (in any of their
    language versions), then words the two texts share in the same script (PLC, CNC, G71, станок, ...; at
    least 3 characters, equal after normalisation). Lists keep text order and have no repeats."""
    spans: Callable[[str, str], list[tuple[str, str]]]
    terms: Callable[[str, str], list[str]]
    if glossary is None:  # the shipped glossary: memoised per text (a module proposal asks for each text often)
        spans, terms = _cached_spans, _cached_terms
    else:
        spans, terms = glossary.spans, glossary.terms
    sa = spans(a.lang, a.text)
    sb = spans(b.lang, b.text)
    ids_a = {tid for lang, text in a.versions() for tid in terms(lang, text)}
    ids_b = {tid for lang, text in b.versions() for tid in terms(lang, text)}
    common = ids_a & ids_b
    left = [surface for tid, surface in sa if tid in common]
    right = [surface for tid, surface in sb if tid in common]
    wa = {normalise(w): w for w in _WORD.findall(_HAN.sub(" ", unicodedata.normalize("NFKC", a.text))) if len(w) >= 3}
    wb = {normalise(w): w for w in _WORD.findall(_HAN.sub(" ", unicodedata.normalize("NFKC", b.text))) if len(w) >= 3}
    for key in wa.keys() & wb.keys():
        if key not in _STOP:
            left.append(wa[key])
            right.append(wb[key])
    return _unique_in_order(left, a.text), _unique_in_order(right, b.text)


@lru_cache(maxsize=20_000)
def _cached_spans(lang: str, text: str) -> list[tuple[str, str]]:
    return load_glossary().spans(lang, text)


@lru_cache(maxsize=20_000)
def _cached_terms(lang: str, text: str) -> list[str]:
    return load_glossary().terms(lang, text)


# Function words two same-script outcomes share without sharing any content.
_STOP = frozenset("and the for with from into using use его для при или the and них них и в на по с от до из".split())


def _unique_in_order(surfaces: list[str], text: str) -> list[str]:
    seen: set[str] = set()
    low = unicodedata.normalize("NFKC", text).casefold()
    out = []
    for s in sorted(surfaces, key=lambda s: (low.find(s.casefold()) % (len(low) + 1), -len(s))):
        key = s.casefold()
        if key not in seen and not any(key in other for other in seen):
            seen.add(key)
            out.append(s)
    return out


def features(outcome: Outcome, glossary: Glossary,
             lexicon: Mapping[str, Sequence[str]] | None = None) -> tuple[Counter, Counter]:
    """n-gram and term features; ``lexicon`` (``fitting.mine_lexicon``'s "terms") adds mined term pairs."""
    grams: Counter = Counter()
    terms: Counter = Counter()
    for lang, text in outcome.versions():
        grams.update(ngrams(lang, text))
        found = set(glossary.terms(lang, text))
        if lexicon:
            from .fitting import lexicon_features

            for f in lexicon_features(lang, text):
                found.update(lexicon.get(f"{lang}:{f}", ()))
        terms.update(found)
    return grams, terms


def _tfidf_matrices(src: list[Counter], tgt: list[Counter]) -> tuple[np.ndarray, np.ndarray]:
    """Dense TF-IDF rows restricted to features both sides share (others change only the norms)."""
    docs = src + tgt
    df: Counter = Counter()
    for d in docs:
        df.update(d.keys())
    n = len(docs)
    src_keys: set = set().union(*(d.keys() for d in src)) if src else set()
    tgt_keys: set = set().union(*(d.keys() for d in tgt)) if tgt else set()
    shared = sorted(src_keys & tgt_keys)
    col = {f: i for i, f in enumerate(shared)}
    idf = {f: math.log((1 + n) / (1 + c)) + 1.0 for f, c in df.items()}

    def build(rows: list[Counter]) -> np.ndarray:
        m = np.zeros((len(rows), len(shared)), dtype=np.float32)
        for r, d in enumerate(rows):
            weights = {f: (1.0 + math.log(c)) * idf[f] for f, c in d.items()}
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            for f, w in weights.items():
                j = col.get(f)
                if j is not None:
                    m[r, j] = w / norm
        return m

    return build(src), build(tgt)


def lexical_similarity(sources: Sequence[Outcome], targets: Sequence[Outcome],
                       lexicon: Mapping[str, Sequence[str]] | None = None) -> np.ndarray:
    glossary = load_glossary()
    fs = [features(o, glossary, lexicon) for o in sources]
    ft = [features(o, glossary, lexicon) for o in targets]
    gs, gt = _tfidf_matrices([f[0] for f in fs], [f[0] for f in ft])
    ts, tt = _tfidf_matrices([f[1] for f in fs], [f[1] for f in ft])
    sim = np.zeros((len(sources), len(targets)), dtype=np.float32)
    if gs.shape[1]:
        sim += NGRAM_WEIGHT * (gs @ gt.T)
    if ts.shape[1]:
        sim += (1.0 - NGRAM_WEIGHT) * (ts @ tt.T)
    return sim
