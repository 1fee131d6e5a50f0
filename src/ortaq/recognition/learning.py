"""Recognition learning from its own decisions: every accept, change or reject of an AI proposal becomes a
labelled pair; the pairs re-fit the probability the dossier shows; an institution decides whether its pairs may
leave its node; a coordinator pastes a module's outcomes in any of the four languages.

Writes (services in all but name: split from services.py, which holds the dossier's own life)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ortaq.accounts.selectors import access_for
from ortaq.accounts.types import Role
from ortaq.audit.services import audit_record
from ortaq.engines.alignment.model import MAX_TEXT
from ortaq.errors import DomainError, Forbidden, ValidationFailed
from ortaq.inputs import plain_text

from . import calibration
from .explain import LANGUAGES, detect_language
from .models import AlignmentCalibration, AlignmentDecision, AlignmentSharing, Decision, Item, ProposalVerdict
from .types import PastedOutcome, RefitReport

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ortaq.accounts.types import User
    from ortaq.institutions.types import Institution
    from ortaq.programmes.types import Module


def _lo_texts(lo) -> dict[str, str]:
    return {"kk": lo.text_kk, "ru": lo.text_ru, "zh": lo.text_zh, "en": lo.text_en}


def module_text(module: Module) -> tuple[str, str]:
    """(lang, text) of a home module as a labelled pair keeps it: its outcomes in the language most of them are
    written in (the module's titles when it has no outcome)."""
    outcomes = [_lo_texts(lo) for lo in module.outcomes.all()]
    if not outcomes:
        outcomes = [{"kk": module.title_kk, "ru": module.title_ru, "zh": module.title_zh, "en": module.title_en}]
    lang = max(LANGUAGES, key=lambda lang: (sum(1 for o in outcomes if o[lang]), -LANGUAGES.index(lang)))
    return lang, "\n".join(o[lang] for o in outcomes if o[lang])


def component_text(component) -> tuple[str, str]:
    """(lang, text) of what was studied abroad: the component's title and outcomes, in the outcomes' language."""
    lines = [component.title]
    for lo in component.outcomes.all():
        texts = _lo_texts(lo)
        lines.append(next((texts[lang] for lang in ("zh", "ru", "kk", "en") if texts[lang]), ""))
    text = "\n".join(line for line in lines if line)
    return detect_language("\n".join(lines[1:]) or text).lang, text


def verdict_of(item: Item) -> str | None:
    """Accept (the first proposal was kept, in full or in part), change (another module) or reject (refused)."""
    if not item.proposal or item.decision == Decision.PENDING:
        return None
    if item.decision == Decision.REFUSED:
        return ProposalVerdict.REJECT
    return ProposalVerdict.ACCEPT if item.home_module_id == item.proposal[0]["module"] else ProposalVerdict.CHANGE


def _shown(proposed: dict, institution_id: int) -> float:
    """The probability the dossier showed for this proposal (as selectors.dossier_explained chooses it)."""
    from .selectors import acceptance_probability

    fitted = acceptance_probability(float(proposed["score"]), institution_id=institution_id, features=proposed.get("features"),
                                    engine=proposed.get("engine"))
    return next(float(v) for v in (fitted, proposed.get("probability"), proposed["score"]) if v is not None)


def decision_record(*, actor: User, item: Item) -> AlignmentDecision | None:
    """The item's decision as a labelled pair (one per item: a coordinator who changes their mind corrects the
    label; the audit keeps each step). Called by services.item_decide inside its transaction."""
    from ortaq.programmes.selectors import module_rows

    verdict = verdict_of(item)
    if verdict is None:
        return None
    proposed = item.proposal[0]
    module = module_rows(ids=[proposed["module"]]).select_related("programme").prefetch_related("outcomes").first()
    if module is None:
        return None
    home_lang, home_text = module_text(module)
    abroad_lang, abroad_text = component_text(item.component)
    institution_id = item.dossier.home_institution_id
    values = {
        "institution_id": institution_id, "home_module": module, "chosen_module_id": item.home_module_id,
        "home_text": home_text, "home_lang": home_lang, "abroad_text": abroad_text, "abroad_lang": abroad_lang,
        "score": float(proposed["score"]), "features": proposed.get("features") or {}, "engine_version": (proposed.get("engine") or "")[:64],
        "shown_probability": _shown(proposed, institution_id),
        "verdict": verdict, "reviewer": actor, "reviewer_language": (translation.get_language() or "")[:10],
        "isced_code": module.programme.isced_code or "", "specialty_code": module.programme.specialty_code_kz or "",
    }
    row, created = AlignmentDecision.objects.update_or_create(item=item, defaults=values)
    audit_record(actor=actor, action="create" if created else "update", obj=row,
                 after={"verdict": verdict, "score": row.score, "pair": f"{abroad_lang}>{home_lang}", "module": module.pk})
    return row


@transaction.atomic
def sharing_set(*, actor: User, institution: Institution, share: bool) -> AlignmentSharing:
    """Opt the institution in (or out) of letting its labelled pairs leave its node; its coordinators decide."""
    access = access_for(actor)
    if not (access.is_admin or access.has_role(institution.pk, Role.COORDINATOR)):
        raise Forbidden()
    row, _created = AlignmentSharing.objects.select_for_update().get_or_create(institution=institution)
    before = {"share_alignment_decisions": row.share_alignment_decisions}
    row.share_alignment_decisions = bool(share)
    row.save()
    audit_record(actor=actor, action="update", obj=row, before=before, after={"share_alignment_decisions": row.share_alignment_decisions})
    return row


@transaction.atomic
def calibration_refit(*, institution_id: int | None = None, minimum: int = calibration.MIN_DECISIONS,
                      engine_version: str | None = None) -> RefitReport:
    """Fit P(accept | engine score) on the stored decisions (of one institution, or of all) and store it; the
    dossier shows it from then on. Refused with fewer than `minimum` decisions: a fit on a handful would swing.
    Only decisions on proposals of `engine_version` (default: the engine the platform scores with now) are used:
    after a model or calibration change the older decisions' scores and features are on another scale."""
    if engine_version is None:
        engine_version = current_engine_version()
    rows = AlignmentDecision.objects.all()
    if institution_id is not None:
        rows = rows.filter(institution_id=institution_id)
    other_engines = rows.exclude(engine_version=engine_version).count()
    rows = rows.filter(engine_version=engine_version)
    pairs = list(rows.values_list("score", "shown_probability", "verdict", "features"))
    if len(pairs) < minimum:
        if other_engines:
            raise DomainError(_("Only %(n)d decisions were made on proposals of the current AI engine (%(other)d more on an earlier one, "
                                "whose scores are not comparable); at least %(min)d are needed to re-fit the calibration.")
                              % {"n": len(pairs), "other": other_engines, "min": minimum}, code="incomplete")
        raise DomainError(_("Only %(n)d decisions are stored; at least %(min)d are needed to re-fit the calibration.") % {"n": len(pairs), "min": minimum},
                          code="incomplete")  # too few decisions to fit on
    scores = [score for score, _shown, _v, _f in pairs]
    labels = [verdict == ProposalVerdict.ACCEPT for _s, _shown, verdict, _f in pairs]
    features = [f for _s, _shown, _v, f in pairs]
    # "Before": what the page showed (an earlier fit, the engine's probability or its score). The fit itself always
    # starts again from the engine's output, so fits do not compound.
    before = calibration.expected_calibration_error([score if shown is None else shown for score, shown, _v, _f in pairs], labels)
    engine_fit = calibration.engine_fit()
    if engine_fit is not None and all(features):
        # The engine's module model (its features: coverage, weakest outcome, ...), refitted on these decisions.
        method, parameters = calibration.ENGINE_METHOD, engine_fit([{**f, "accepted": label} for f, label in zip(features, labels, strict=True)])
        fitted = [calibration.apply_engine_model(parameters, f) for f in features]
    else:
        method, parameters = calibration.PLATT_METHOD, calibration.fit(scores, labels)
        fitted = [calibration.apply(parameters, s) for s in scores]
    after = calibration.expected_calibration_error(fitted, labels)
    row = AlignmentCalibration.objects.create(institution_id=institution_id, method=method, parameters=parameters,
                                              decisions=len(pairs), ece_before=before, ece_after=after, engine_version=engine_version)
    audit_record(actor=None, action="create", obj=row, after={"parameters": parameters, "decisions": len(pairs), "ece_before": before, "ece_after": after,
                                                              "engine_version": engine_version, "decisions_on_other_engines": other_engines})
    return RefitReport(decisions=len(pairs), accepted=sum(labels), ece_before=before, ece_after=after, method=method, calibration_id=row.pk,
                       engine_version=engine_version, other_engines=other_engines)


def current_engine_version() -> str:
    """The fingerprint of the engine the platform now scores proposals with (settings.ALIGNMENT_BACKEND)."""
    from django.conf import settings

    from ortaq.engines.alignment import get_backend

    return get_backend(settings.ALIGNMENT_BACKEND).fingerprint()


@dataclass(frozen=True)
class PastePreview:
    text: str
    lang: str
    confidence: float


def outcomes_detect(text: str) -> list[PastePreview]:
    """One outcome a line (blank lines skipped), each with its detected language, for the person to confirm."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return [PastePreview(line, d.lang, d.confidence) for line in lines for d in [detect_language(line)]]


@transaction.atomic
def outcomes_paste(*, actor: User, module: Module, outcomes: Sequence[PastedOutcome]) -> list:
    """Add the confirmed outcomes to the module through programmes' own service, all or none: one refused line
    (too long, unknown language) leaves the module as it was."""
    from ortaq.programmes import services as programme_services
    from ortaq.programmes.types import OutcomeText

    if not outcomes:
        raise ValidationFailed({"lines": [str(_("Paste at least one outcome, one a line."))]})
    errors = {f"lang_{i}": [str(_("Choose kk, ru, zh or en."))] for i, o in enumerate(outcomes) if o.lang not in LANGUAGES}
    for i, o in enumerate(outcomes):
        try:
            # The engine compares statements of at most MAX_TEXT characters: a longer line is a pasting mistake.
            plain_text(o.text, name=f"text_{i}", max_length=MAX_TEXT, required_message=_("An outcome line is empty."))
        except ValidationFailed as error:
            errors |= error.errors
    if errors:
        raise ValidationFailed(errors)
    existing = {lo.code for lo in module.outcomes.all()}
    number, added = len(existing), []
    for outcome in outcomes:
        number += 1
        while f"LO{number}" in existing:
            number += 1
        added.append(programme_services.outcome_add(actor=actor, module=module,
                                                    outcome=OutcomeText(code=f"LO{number}", **{f"text_{outcome.lang}": outcome.text})))
    return added
