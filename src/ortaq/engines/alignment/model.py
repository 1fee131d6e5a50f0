"""Value types of the alignment engine: outcomes in, matches and module proposals out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

LANGS: tuple[str, ...] = ("kk", "ru", "zh", "en")
MAX_TEXT = 4000  # characters; a learning outcome is a sentence or two, not a document


class AlignmentInputError(ValueError):
    """Input the engine cannot use (wrong shape, unknown language, empty text, duplicate id)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """One learning outcome, professional-standard unit or internship task.

    ``alt`` carries other language versions of the same statement ({lang: text}); a Kazakh outcome that
    also has a Russian version is compared through the Russian text by the dense backends (Kazakh is the
    weakest language of the bundled model), and through both texts by the lexical channel.
    """

    id: str
    text: str
    lang: str
    alt: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise AlignmentInputError(f"outcome id must be a non-empty string, got {self.id!r}")
        _check_text(self.id, self.lang, self.text)
        if self.alt is not None:
            if not isinstance(self.alt, Mapping):
                raise AlignmentInputError(f"outcome {self.id!r}: 'alt' must be an object {{lang: text}}")
            for lang, text in self.alt.items():
                _check_text(self.id, lang, text, where="alt ")
            object.__setattr__(self, "alt", dict(self.alt))

    @classmethod
    def from_dict(cls, data: Any, *, where: str = "outcome") -> Outcome:
        if not isinstance(data, Mapping):
            raise AlignmentInputError(f"{where} must be an object with 'id', 'text' and 'lang'")
        missing = [key for key in ("id", "text", "lang") if key not in data]
        if missing:
            raise AlignmentInputError(f"{where} lacks {', '.join(repr(m) for m in missing)}")
        unknown = set(data) - {"id", "text", "lang", "alt"}
        if unknown:
            raise AlignmentInputError(f"{where} has unknown field(s) {', '.join(sorted(map(repr, unknown)))}")
        ident = data["id"]
        if isinstance(ident, int) and not isinstance(ident, bool):
            ident = str(ident)
        try:
            return cls(id=ident, text=data["text"], lang=data["lang"], alt=data.get("alt"))
        except AlignmentInputError as exc:
            raise AlignmentInputError(f"{where}: {exc}") from None

    def versions(self) -> list[tuple[str, str]]:
        """All (lang, text) versions, the outcome's own first."""
        out = [(self.lang, self.text)]
        for lang, text in (self.alt or {}).items():
            if lang != self.lang:
                out.append((lang, text))
        return out

    def view(self, kk_via_ru: bool = True) -> tuple[str, str]:
        """The (lang, text) a dense model should read: the Russian version of a Kazakh text if one exists."""
        if kk_via_ru and self.lang == "kk" and self.alt and "ru" in self.alt:
            return "ru", self.alt["ru"]
        return self.lang, self.text


def _check_text(ident: str, lang: Any, text: Any, where: str = "") -> None:
    if lang not in LANGS:
        raise AlignmentInputError(f"outcome {ident!r}: {where}lang must be one of {', '.join(LANGS)}, got {lang!r}")
    if not isinstance(text, str) or not text.strip():
        raise AlignmentInputError(f"outcome {ident!r}: {where}text must be a non-empty string")
    if len(text) > MAX_TEXT:
        raise AlignmentInputError(f"outcome {ident!r}: {where}text is longer than {MAX_TEXT} characters")


def check_unique(outcomes: list[Outcome], what: str) -> None:
    seen: set[str] = set()
    for o in outcomes:
        if o.id in seen:
            raise AlignmentInputError(f"{what}: duplicate id {o.id!r}")
        seen.add(o.id)


@dataclass(frozen=True, slots=True)
class Match:
    """A proposed target for one source outcome.

    ``score`` is the backend's calibrated probability that the two outcomes are equivalent (comparable
    across languages and backends); ``z`` the language-pair-normalised similarity it was ranked by;
    ``margin`` how far (in z units) this match is ahead of the next candidate (0 for the last one).
    """

    target: str
    score: float
    z: float
    margin: float
    rank: int

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "score": round(self.score, 4)}


@dataclass(frozen=True, slots=True)
class OutcomePair:
    """Evidence: an abroad outcome and the home outcome it teaches best, within one home module.

    ``shared_source`` / ``shared_target``: the terms the two outcomes share, as written in the source (abroad)
    and in the target (home) text, for highlighting (glossary terms across languages, equal words within a
    script); empty where the match rests on the dense model alone.
    """

    source: str
    target: str
    score: float
    margin: float
    shared_source: tuple[str, ...] = ()
    shared_target: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "score": round(self.score, 4),
                "margin": round(self.margin, 4), "shared_source": list(self.shared_source),
                "shared_target": list(self.shared_target)}


@dataclass(frozen=True, slots=True)
class ModuleProposal:
    """A home module proposed for recognition of the abroad module, with the evidence.

    ``score`` (0..1) = 0.8 x coverage of the home module's outcomes + 0.2 x share of the abroad outcomes
    used, both from calibrated scores. ``covered`` maps each covered home outcome to the abroad outcome
    that covers it; ``uncovered`` lists home outcomes nothing abroad matched well enough; ``unused`` lists
    abroad outcomes that cover nothing in this module; ``home_best`` gives, for every home outcome, its
    best abroad outcome with score and margin (the evidence behind covered/uncovered). People decide;
    these are proposals.

    ``probability``: the calibrated probability that a person accepts this proposal, from the module-level
    features (``features``: coverage, weakest home outcome, share covered, use of the abroad outcomes, credit
    ratio) through the model fitted on labelled module pairs (``calibration.fit_from_labelled_pairs``); None
    when no such model is stored. ``explanation``: a code for the page (``EXPLANATIONS`` in ``engine``).
    """

    module: str
    score: float
    coverage: float
    pairs: list[OutcomePair] = field(default_factory=list)
    covered: dict[str, str] = field(default_factory=dict)
    uncovered: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)
    home_best: dict[str, OutcomePair] = field(default_factory=dict)
    probability: float | None = None
    features: dict[str, float] = field(default_factory=dict)
    explanation: str = ""

    @property
    def uncovered_home(self) -> list[str]:
        """Home outcomes not covered: the candidates for "substantial differences"."""
        return list(self.uncovered)

    def to_dict(self) -> dict[str, Any]:
        return {"module": self.module, "score": round(self.score, 4), "coverage": round(self.coverage, 4),
                "probability": None if self.probability is None else round(self.probability, 4),
                "features": {k: round(v, 4) for k, v in self.features.items()}, "explanation": self.explanation,
                "pairs": [p.to_dict() for p in self.pairs], "covered": dict(self.covered),
                "uncovered": list(self.uncovered), "unused": list(self.unused),
                "home_best": {h: p.to_dict() for h, p in self.home_best.items()}}
