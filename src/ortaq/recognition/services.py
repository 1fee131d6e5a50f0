"""Recognition writes: open a dossier with AI proposals, decide per component, sign, appeal, review."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ortaq.accounts.selectors import access_for
from ortaq.accounts.types import Role
from ortaq.audit.services import audit_record
from ortaq.errors import DomainError, Forbidden, ValidationFailed
from ortaq.inputs import TEXT_MAX, plain_text, whole_number

from .models import Appeal, AppealState, ConversionRule, ConversionRuleVersion, Decision, Dossier, DossierState, Item, RecognisedModule

if TYPE_CHECKING:
    from collections.abc import Iterable
    from django.db.models import QuerySet
    from ortaq.accounts.types import Actor, User
    from ortaq.agreements.types import Agreement
    from ortaq.engines.alignment import Backend
    from ortaq.credentials.types import IssuedCredential
    from ortaq.mobility.types import Component, MobilityAgreement
    from ortaq.programmes.types import Module

    from .types import ConversionHours

APPEAL_DAYS = 30
# A proposal scoring at least this is shown as a likely match: the engine's calibrated threshold for a covered
# outcome (ortaq.engines.alignment COVERED), so "likely" means the same on the page as in the evidence.
LIKELY_MATCH = 0.7
_KAZAKH = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")


def text_lang(text: str) -> str:
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return "zh"
    if any(ch in _KAZAKH for ch in text):
        return "kk"
    if any("\u0400" <= ch <= "\u04ff" for ch in text):
        return "ru"
    return "en"


def _outcome(ident: str, texts: dict[str, str]):
    from ortaq.engines.alignment import Outcome

    texts = {k: v for k, v in texts.items() if v and v.strip()}
    lang = next(iter(texts))
    return Outcome(id=ident, text=texts[lang], lang=lang, alt={k: v for k, v in texts.items() if k != lang} or None)


def _lo_texts(lo) -> dict[str, str]:
    return {"ru": lo.text_ru, "kk": lo.text_kk, "zh": lo.text_zh, "en": lo.text_en}


def may_decide(actor: Actor, dossier: Dossier) -> bool:
    access = access_for(actor)
    return access.is_admin or access.has_role(dossier.home_institution_id, Role.COORDINATOR)


def candidate_modules(mobility_agreement: MobilityAgreement) -> QuerySet[Module]:
    from ortaq.programmes.selectors import module_rows

    application = mobility_agreement.nomination.application
    qs = module_rows().prefetch_related("outcomes").select_related("programme")
    if application.programme_id:
        return qs.filter(programme_id=application.programme_id)
    return qs.filter(programme__awarding_institutions=application.call.owner_id).distinct()


def propose(component: Component, modules: Iterable[Module], backend: str | Backend) -> list[dict]:
    """AI proposal for one component: home modules ranked, with outcome pairs and uncovered outcomes, each naming
    the engine that scored it (its fingerprint), so a decision on it is learnt from only with that engine's scores."""
    from ortaq.engines.alignment import compare_modules, get_backend

    backend = get_backend(backend)
    engine = backend.fingerprint()

    abroad = [_outcome(f"c{component.pk}", {text_lang(component.title): component.title})]
    abroad += [_outcome(f"lo{lo.pk}", _lo_texts(lo)) for lo in component.outcomes.all() if any(_lo_texts(lo).values())]
    home = {}
    for module in modules:
        outcomes = [_outcome(f"lo{lo.pk}", _lo_texts(lo)) for lo in module.outcomes.all() if any(_lo_texts(lo).values())]
        titles = {"ru": module.title_ru, "kk": module.title_kk, "zh": module.title_zh, "en": module.title_en}
        home[str(module.pk)] = outcomes or [_outcome(f"m{module.pk}", titles)]
    if not home:
        return []
    return [
        {"module": int(p.module), "score": round(p.score, 3), "coverage": round(p.coverage, 3),
         "pairs": [pair.to_dict() for pair in p.pairs[:5]], "uncovered": list(p.uncovered),
         # The explanation on the page: for each home outcome, the abroad outcome that teaches it best, and the words
         # the engine found both share (an engine that does not name them leaves the page to the glossary alone).
         "home_best": [{"home": h, "abroad": pair.source, "score": round(pair.score, 4), "covered": h in p.covered,
                        "shared_abroad": list(getattr(pair, "shared_source", ())), "shared_home": list(getattr(pair, "shared_target", ()))}
                       for h, pair in p.home_best.items()],
         # The engine's probability that a person accepts (when it has a module model) and the features it came from,
         # which a refit from this institution's decisions learns on.
         "probability": _rounded(getattr(p, "probability", None)), "features": dict(getattr(p, "features", None) or {}),
         "engine": engine}
        for p in compare_modules(abroad, home, backend=backend)[:3]
    ]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def rule_for(agreement: Agreement | None) -> ConversionRule:
    rule = ConversionRule.objects.filter(agreement=agreement).first() or ConversionRule.objects.filter(agreement__isnull=True).first()
    if rule is None:
        rule = ConversionRule.objects.create(agreement=None)
        ConversionRuleVersion.objects.create(rule=rule, number=1, content=_rule_content(rule))
    return rule


def _rule_content(rule: ConversionRule) -> dict:
    return {"hours_per_kz_credit": rule.hours_per_kz_credit, "hours_per_cn_credit": rule.hours_per_cn_credit,
            "hours_per_ects": rule.hours_per_ects, "grade_bands": rule.grade_bands}


@transaction.atomic
def conversion_rule_update(*, actor: User, rule: ConversionRule, hours: ConversionHours) -> ConversionRule:
    """Admins edit conversion rules; each edit is a new version and audited."""
    if not access_for(actor).is_admin:
        raise Forbidden()
    before = _rule_content(rule)
    for field, value in asdict(hours).items():
        setattr(rule, field, whole_number(value, name=field, minimum=1, maximum=60, message=_("Hours per credit must be between 1 and 60.")))
    rule.version += 1
    rule.save()
    ConversionRuleVersion.objects.create(rule=rule, number=rule.version, content=_rule_content(rule), created_by=actor)
    audit_record(actor=actor, action="update", obj=rule, before=before, after=_rule_content(rule))
    return rule


@transaction.atomic
def conversion_rule_save(*, actor: User, agreement: Agreement | None, hours: ConversionHours) -> ConversionRule:
    """A new version of the default rule (`agreement` None) or of the agreement's own rule, made at its first
    edit from the default's values (refused values leave no rule behind: one transaction)."""
    if not access_for(actor).is_admin:
        raise Forbidden()
    rule = ConversionRule.objects.filter(agreement=agreement).first() or rule_for(agreement)
    if agreement is not None and rule.agreement_id is None:
        rule = ConversionRule.objects.create(agreement=agreement)
    return conversion_rule_update(actor=actor, rule=rule, hours=hours)


@transaction.atomic
def dossier_open(*, actor: User, mobility_agreement: MobilityAgreement) -> Dossier:
    """When the transcript has arrived: one item per component with a result, each with an AI proposal."""
    home = mobility_agreement.nomination.application.call.owner
    access = access_for(actor)
    if not (access.is_admin or access.has_role(home.pk, Role.COORDINATOR)):
        raise Forbidden(_("Only a coordinator of the home institution opens recognition."))
    existing = Dossier.objects.filter(mobility_agreement=mobility_agreement).first()
    if existing:
        return existing
    results = {t.component_id: t for t in mobility_agreement.transcript.select_related("component")}
    if not results:
        raise DomainError(_("No transcript of records yet: the host must record the results first."), code="no_transcript")
    from ortaq.engines.alignment import get_backend

    # Built once for the whole dossier (it holds the model and its cache), and recorded under the name of the
    # backend actually built: "default" falls back to "lexical" when the bundled model cannot be loaded, and a
    # lexical-only score (0.008 for a Chinese and a Russian text sharing no glossary term) must not be shown as
    # the default's.
    engine = get_backend(getattr(settings, "ALIGNMENT_BACKEND", "default"))
    backend = engine.name[:40]  # Dossier.backend's length; a "local:/path" name may be longer
    condition = mobility_agreement.nomination.option.condition
    rule = rule_for(condition.agreement if condition is not None else None)
    dossier = Dossier.objects.create(mobility_agreement=mobility_agreement, student=mobility_agreement.nomination.application.applicant,
                                     home_institution=home, backend=backend, rule_version=rule.version)
    modules = list(candidate_modules(mobility_agreement))
    for component in mobility_agreement.components.prefetch_related("outcomes"):
        result = results.get(component.pk)
        if result is None:
            continue
        proposal = propose(component, modules, engine)
        credits = (Decimal(component.hours) / rule.hours_per_kz_credit).quantize(Decimal("0.1")) if component.hours else result.credits_home
        Item.objects.create(dossier=dossier, component=component, host_grade=f"{result.host_grade} ({result.host_scale})", home_grade=result.home_grade,
                            credits_home=credits, proposal=proposal, home_module_id=proposal[0]["module"] if proposal else None)
    audit_record(actor=actor, action="create", obj=dossier, after={"items": dossier.items.count(), "backend": backend, "rule_version": rule.version})
    return dossier


@transaction.atomic
def item_decide(*, actor: User, item: Item, decision: str, home_module: Module | None = None, substantial_difference: str = "", compensating_measure: str = "") -> Item:
    dossier = item.dossier
    if not may_decide(actor, dossier):
        raise Forbidden(_("Only a coordinator of the home institution decides on recognition."))
    if dossier.state not in (DossierState.OPEN,):
        raise DomainError(_("The decision has been signed; an appeal reopens it."), code="signed")
    errors: dict[str, list] = {}
    try:
        substantial_difference = plain_text(substantial_difference, name="substantial_difference", max_length=TEXT_MAX)
        compensating_measure = plain_text(compensating_measure, name="compensating_measure", max_length=TEXT_MAX)
    except ValidationFailed as error:
        errors |= error.errors
        substantial_difference = compensating_measure = ""
    if decision not in (Decision.FULL, Decision.PARTIAL, Decision.REFUSED):
        errors["decision"] = [str(_("Choose full, partial or no recognition."))]
    if decision in (Decision.FULL, Decision.PARTIAL) and home_module is None:
        errors["home_module"] = [str(_("Choose the home module it replaces."))]
    elif home_module is not None and not candidate_modules(dossier.mobility_agreement).filter(pk=home_module.pk).exists():
        errors["home_module"] = [str(_("Choose a module of the learner's programme at home."))]
    if decision in (Decision.PARTIAL, Decision.REFUSED) and not substantial_difference.strip():
        errors["substantial_difference"] = [str(_("State the substantial difference that justifies this decision."))]
    if decision == Decision.PARTIAL and not compensating_measure.strip():
        errors["compensating_measure"] = [str(_("State the compensating measure for partial recognition."))]
    if errors:
        raise ValidationFailed(errors)
    item.decision = decision
    item.home_module = home_module if decision != Decision.REFUSED else None
    item.substantial_difference = substantial_difference.strip()
    item.compensating_measure = compensating_measure.strip()
    item.save()
    audit_record(actor=actor, action="update", obj=item, after={"decision": decision, "module": getattr(home_module, "pk", None),
                                                                "difference": item.substantial_difference})
    from .learning import decision_record

    decision_record(actor=actor, item=item)
    return item


def _decision_content(dossier: Dossier) -> dict:
    return {"dossier": dossier.pk, "items": [
        {"component": i.component_id, "decision": i.decision, "module": i.home_module_id, "credits": str(i.credits_home), "grade": i.home_grade,
         "difference": i.substantial_difference, "measure": i.compensating_measure} for i in dossier.items.order_by("id")]}


@transaction.atomic
def dossier_sign(*, actor: User, dossier: Dossier) -> Dossier:
    """Sign the decision: its SHA-256 is kept, the student may appeal within 30 days, recognised modules
    enter the home record."""
    dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if not may_decide(actor, dossier):
        raise Forbidden()
    if dossier.state != DossierState.OPEN:
        raise DomainError(_("This decision is already signed."), code="signed")
    if dossier.items.filter(decision=Decision.PENDING).exists():
        raise DomainError(_("Decide on every component before signing."), code="pending")
    content = _decision_content(dossier)
    dossier.decision_sha256 = hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()
    dossier.decided_by, dossier.decided_at = actor, timezone.now()
    dossier.appeal_deadline = timezone.localdate() + dt.timedelta(days=APPEAL_DAYS)
    appealed = dossier.appeals.exists()
    dossier.state = DossierState.FINAL if appealed else DossierState.DECIDED
    dossier.save()
    RecognisedModule.objects.filter(item__dossier=dossier).delete()
    for item in dossier.items.exclude(decision=Decision.REFUSED).select_related("home_module"):
        # Every item not refused names its home module (item_decide requires one).
        RecognisedModule.objects.create(student=dossier.student, module=item.home_module, item=item, credits=item.credits_home,  # type: ignore[misc]
                                        grade=item.home_grade, partial=item.decision == Decision.PARTIAL)
    audit_record(actor=actor, action="approve", obj=dossier, after={"sha256": dossier.decision_sha256, **content})
    from django.urls import reverse

    from ortaq.notifications.services import notify

    notify(recipients=[dossier.student], key="recognition_decided", params={"deadline": dossier.appeal_deadline.isoformat()},
           url=reverse("recognition:dossier", args=[dossier.pk]))
    return dossier


@transaction.atomic
def appeal_file(*, actor: User, dossier: Dossier, reason: str) -> Appeal:
    if dossier.student_id != actor.pk:
        raise Forbidden(_("Only the student appeals their own decision."))
    if dossier.state != DossierState.DECIDED:
        raise DomainError(_("There is no signed decision to appeal, or it is already under appeal."), code="state")
    deadline = dossier.appeal_deadline  # set when the decision was signed (state DECIDED)
    if deadline is None or timezone.localdate() > deadline:
        raise DomainError(_("The deadline for an appeal (%(date)s) has passed.") % {"date": deadline.isoformat() if deadline else "-"}, code="late")
    reason = plain_text(reason, name="reason", max_length=TEXT_MAX, required_message=_("State the grounds of your appeal."))
    appeal = Appeal.objects.create(dossier=dossier, reason=reason)
    dossier.state = DossierState.APPEALED
    dossier.save(update_fields=["state"])
    audit_record(actor=actor, action="create", obj=appeal, after={"reason": appeal.reason})
    return appeal


@transaction.atomic
def appeal_decide(*, actor: User, appeal: Appeal, change: bool, response: str) -> Appeal:
    """A second reviewer (not the one who signed) confirms the decision or reopens it to change it."""
    dossier = appeal.dossier
    access = access_for(actor)
    if not (access.is_admin or access.has_role(dossier.home_institution_id, Role.COORDINATOR, Role.REGISTRAR)):
        raise Forbidden()
    if actor.pk == dossier.decided_by_id:
        raise Forbidden(_("An appeal goes to a second reviewer, not to the person who decided."))
    if appeal.state != AppealState.PENDING:
        raise DomainError(_("This appeal has already been decided."), code="state")
    response = plain_text(response, name="response", max_length=TEXT_MAX, required_message=_("Give the reasons of the appeal decision."))
    appeal.state = AppealState.CHANGED if change else AppealState.UPHELD
    appeal.reviewer, appeal.response, appeal.decided_at = actor, response, timezone.now()
    appeal.save()
    dossier.state = DossierState.OPEN if change else DossierState.FINAL
    dossier.save(update_fields=["state"])
    audit_record(actor=actor, action="transition", obj=appeal, after={"state": appeal.state, "response": appeal.response})
    return appeal


@transaction.atomic
def transcript_credential_issue(*, actor: User, dossier: Dossier) -> IssuedCredential:
    """The recognised modules as a CLR 2.0 transcript in the student's wallet, issued by the home institution."""
    from ortaq.credentials.services import transcript_issue

    if not may_decide(actor, dossier):
        raise Forbidden()
    if dossier.state not in (DossierState.DECIDED, DossierState.FINAL):
        raise DomainError(_("Sign the decision before issuing the transcript."), code="state")
    assert dossier.decided_at is not None  # a decided or final dossier was signed
    recognised = list(RecognisedModule.objects.filter(item__dossier=dossier).select_related("module"))
    if not recognised:
        raise DomainError(_("No module was recognised: there is nothing to put on a transcript."), code="empty")
    entries = [{"code": r.module.code, "title": {k: v for k, v in {"kk": r.module.title_kk, "ru": r.module.title_ru, "zh": r.module.title_zh, "en": r.module.title_en}.items() if v},
                "credits": float(r.credits), "grade": r.grade} for r in recognised]
    return transcript_issue(actor=actor, issuer_institution=dossier.home_institution, holder=dossier.student, idempotency_key=f"transcript:dossier:{dossier.pk}",
                            title={"en": "Transcript of records: recognised learning abroad", "ru": "Академическая справка: перезачтённое обучение за рубежом",
                                   "kk": "Транскрипт: шетелде оқудың есепке алынған нәтижелері", "zh": "成绩单：境外学习认定结果"},
                            entries=entries, date=dossier.decided_at.date())
