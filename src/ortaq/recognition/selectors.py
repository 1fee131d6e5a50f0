from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from ortaq.accounts.selectors import access_for
from ortaq.accounts.types import Role
from ortaq.agreements.selectors import agreements_in_force

from .models import ConversionRule, Dossier, Item

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from ortaq.accounts.types import Actor
    from ortaq.agreements.types import Agreement
    from ortaq.programmes.types import Module

    from .models import AlignmentCalibration


def dossiers_visible_to(*, actor: Actor) -> QuerySet[Dossier]:
    """The student sees only their own dossiers; the home institution's coordinators and registrars see its dossiers."""
    access = access_for(actor)
    qs = Dossier.objects.select_related("student", "home_institution", "mobility_agreement__nomination__host")
    if access.is_admin:
        return qs
    return qs.filter(Q(student=actor) | Q(home_institution_id__in=access.institutions_with({Role.COORDINATOR, Role.REGISTRAR})))


def dossier_get(*, actor: Actor, pk: int) -> Dossier | None:
    return dossiers_visible_to(actor=actor).prefetch_related("items__component", "items__home_module", "appeals__reviewer").filter(pk=pk).first()


def dossier_rows() -> QuerySet[Dossier]:
    """Every dossier, whoever asks: for analytics' nightly facts only, which publish aggregates, never rows."""
    return Dossier.objects.all()


def item_rows() -> QuerySet[Item]:
    """Every dossier item, whoever asks: for analytics' nightly facts only (see dossier_rows)."""
    return Item.objects.all()


def conversion_rules() -> list[ConversionRule]:
    """The default rule first (its defaults, unsaved, until someone first edits or uses it), then the agreements' own."""
    rules = list(ConversionRule.objects.select_related("agreement").prefetch_related("versions__created_by").order_by("agreement_id"))
    if not any(r.agreement_id is None for r in rules):
        rules.insert(0, ConversionRule(agreement=None))
    return sorted(rules, key=lambda r: r.agreement_id is not None)


def inbox_items(*, actor: Actor) -> list:
    """Work waiting in recognition: dossiers for a home institution's coordinators to decide, appeals for a
    second reviewer (a coordinator or registrar other than the one who decided), and for the student a decision
    they may still appeal. Three queries at most."""
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from ortaq.lib.inbox import Action, InboxItem

    from .models import Appeal, AppealState, DossierState

    access = access_for(actor)
    if access.user_id is None:
        return []
    items = []

    def add(kind: str, action: Action, title: str, rows: list[tuple[int, str]], deadline=None) -> None:
        if rows:
            one = len(rows) == 1
            items.append(InboxItem(kind=kind, action=action, title=title, count=len(rows), deadline=deadline,
                                   url=reverse("recognition:dossier", args=[rows[0][0]]) if one else reverse("recognition:list"),
                                   ref=f"recognition.dossier:{rows[0][0]}" if one else "", subject=rows[0][1] if one else ""))

    deciding = access.institutions_with({Role.COORDINATOR})
    if deciding:
        rows = Dossier.objects.filter(home_institution_id__in=deciding, state=DossierState.OPEN).select_related("student").order_by("created_at", "id")
        add("recognition.decide", Action.DECIDE, _("Recognition dossiers to decide"), [(d.pk, d.student.display_name) for d in rows])
    reviewing = access.institutions_with({Role.COORDINATOR, Role.REGISTRAR})
    if reviewing:
        appeals = (Appeal.objects.filter(dossier__home_institution_id__in=reviewing, state=AppealState.PENDING)
                   .exclude(dossier__decided_by_id=access.user_id).select_related("dossier__student").order_by("filed_at", "id"))
        add("recognition.appeal", Action.DECIDE, _("Appeals on recognition to review"), [(a.dossier_id, a.dossier.student.display_name) for a in appeals])
    own = list(Dossier.objects.filter(student_id=access.user_id, state=DossierState.DECIDED, appeal_deadline__gte=timezone.localdate())
               .order_by("appeal_deadline", "id").values_list("id", "appeal_deadline"))
    add("recognition.decided", Action.READ, _("Recognition decided: read it, and appeal if you disagree"), [(pk, "") for pk, _d in own],
        deadline=own[0][1] if own else None)  # the earliest: ordered by the appeal deadline
    return items


def agreements_for_rules() -> QuerySet[Agreement]:
    """The agreements a rule of their own may be made for: those in force."""
    return agreements_in_force().order_by("title")


# --------------------------------------------------------------------------- AI proposals: explained, learnt from
def fitted_calibration(*, institution_id: int | None, engine_version: str = "") -> AlignmentCalibration | None:
    """The newest fit of P(accept) for the institution, else the newest fit on every institution's decisions, else
    None (the page then shows the engine's own probability, or its score). Only fits learnt on decisions about the
    same engine (`engine_version`, a proposal's "engine") count: another engine's scores are on another scale."""
    from .models import AlignmentCalibration

    fits = AlignmentCalibration.objects.filter(engine_version=engine_version or "")
    return (fits.filter(institution_id=institution_id).first() if institution_id is not None else None) \
        or fits.filter(institution__isnull=True).first()


def acceptance_probability(score: float, *, institution_id: int | None, features: dict | None = None, fitted: AlignmentCalibration | None = None,
                           engine: str | None = None) -> float | None:
    """P(a coordinator accepts) for a proposal from the fitted calibration (`fitted`, or the institution's newest);
    None when none is fitted for the engine that scored the proposal (`engine`, its "engine"), or when it was fitted
    on the engine's features and this proposal has none."""
    from . import calibration

    row = fitted if fitted is not None else fitted_calibration(institution_id=institution_id, engine_version=engine or "")
    if row is None or row.engine_version != (engine or ""):
        return None
    if row.method == calibration.ENGINE_METHOD:
        return round(calibration.apply_engine_model(row.parameters, features), 4) if features else None
    return round(calibration.apply(row.parameters, score), 4)


def _texts(obj, prefix: str) -> dict[str, str]:
    return {lang: getattr(obj, f"{prefix}_{lang}", "") or "" for lang in ("kk", "ru", "zh", "en")}


def dossier_explained(*, dossier: Dossier, items: list[Item], reader_lang: str) -> None:
    """Sets on each item `proposals`: the stored proposals with their module, the probability of acceptance in
    percent and words, and for each home outcome the abroad outcome that teaches it best with the shared terms
    highlighted; the uncovered home outcomes are candidates for a substantial difference. Three queries."""
    from ortaq.programmes.selectors import module_rows

    from .explain import detect_language, explain_pair, percent, score_words

    modules = {m.pk: m for m in module_rows(ids={p["module"] for i in items for p in i.proposal} | {i.home_module_id for i in items if i.home_module_id})
               .prefetch_related("outcomes")}
    # A dossier's proposals were scored by one engine (dossier_open builds it once): the fit must be of that engine.
    engine = next((p.get("engine") or "" for item in items for p in item.proposal), "")
    fitted = fitted_calibration(institution_id=dossier.home_institution_id, engine_version=engine)
    for item in items:
        abroad = {f"c{item.component.pk}": (item.component.code, {detect_language(item.component.title).lang: item.component.title})}
        abroad |= {f"lo{lo.pk}": (lo.code, _texts(lo, "text")) for lo in item.component.outcomes.all()}
        proposals: list[dict] = []
        setattr(item, "proposals", proposals)  # what the template reads beside the stored `proposal`
        for p in item.proposal:
            module = modules.get(p["module"])
            if module is None:
                continue
            home = {f"lo{lo.pk}": (lo.code, _texts(lo, "text")) for lo in module.outcomes.all()}
            home[f"m{module.pk}"] = (module.code, _texts(module, "title"))
            best = p.get("home_best") or [{"home": pr["target"], "abroad": pr["source"], "score": pr["score"], "covered": pr["target"] not in p["uncovered"]}
                                          for pr in p.get("pairs", [])]
            pairs = [explain_pair(abroad_code=abroad[b["abroad"]][0], abroad_texts=abroad[b["abroad"]][1], home_code=home[b["home"]][0],
                                  home_texts=home[b["home"]][1], score=b["score"], covered=b["covered"], reader_lang=reader_lang,
                                  engine_shared=(b.get("shared_abroad") or [], b.get("shared_home") or []))
                     for b in best if b["abroad"] in abroad and b["home"] in home]
            probability = acceptance_probability(p["score"], institution_id=dossier.home_institution_id, features=p.get("features"), fitted=fitted,
                                                 engine=p.get("engine")) if fitted else None
            # Fitted on this node's decisions, else the engine's own probability of acceptance, else its score.
            shown = next(v for v in (probability, p.get("probability"), p["score"]) if v is not None)
            proposals.append({**p, "module_obj": module, "probability": shown, "percent": percent(shown), "words": score_words(shown),
                                   "fitted": probability is not None, "explained": pairs,
                                   "uncovered_outcomes": [lo for lo in module.outcomes.all() if f"lo{lo.pk}" in p["uncovered"]]})


def may_see_alignment_stats(*, actor: Actor) -> bool:
    access = access_for(actor)
    return access.sees_everything or bool(access.institutions_with({Role.COORDINATOR}))


def alignment_stats(*, actor: Actor) -> dict | None:
    """How often the AI's first proposal was accepted, per month, language pair (abroad > home) and ISCED field.
    A coordinator sees their own institutions' decisions in full; the platform administrator and the ministry's
    analysts see every institution's together, with counts from 1 to 4 withheld (analytics' disclosure rule)."""
    from django.db.models import Count, Q
    from django.db.models.functions import TruncMonth

    from ortaq.analytics.selectors import disclosure

    from .models import AlignmentDecision, ProposalVerdict

    access = access_for(actor)
    if not may_see_alignment_stats(actor=actor):
        return None
    rows = AlignmentDecision.objects.all()
    aggregated = access.sees_everything
    if not aggregated:
        rows = rows.filter(institution_id__in=access.institutions_with({Role.COORDINATOR}))
    grouped = (rows.annotate(month=TruncMonth("created_at")).values("month", "abroad_lang", "home_lang", "isced_code")
               .annotate(n=Count("id"), n_accepted=Count("id", filter=Q(verdict=ProposalVerdict.ACCEPT)),
                         changed=Count("id", filter=Q(verdict=ProposalVerdict.CHANGE)))
               .order_by("-month", "abroad_lang", "home_lang", "isced_code"))

    def shown(value: int) -> int | None:
        return disclosure.suppress_cell(value) if aggregated else value

    table = []
    for g in grouped:
        n, accepted = shown(g["n"]), shown(g["n_accepted"])
        rate = round(100 * g["n_accepted"] / g["n"]) if n is not None and accepted is not None and g["n"] else None
        table.append({"month": g["month"], "pair": f"{g['abroad_lang']} → {g['home_lang']}", "isced_code": g["isced_code"], "rate": rate,
                      "cells": [n, accepted, shown(g["changed"]), shown(g["n"] - g["n_accepted"] - g["changed"])]})
    by_pair: dict[str, dict] = {}
    pairs = rows.values("abroad_lang", "home_lang").annotate(n=Count("id"), n_accepted=Count("id", filter=Q(verdict=ProposalVerdict.ACCEPT)))
    for pg in pairs.order_by("abroad_lang", "home_lang"):
        n = shown(pg["n"])
        rate = round(100 * pg["n_accepted"] / pg["n"]) if n is not None and shown(pg["n_accepted"]) is not None else None
        by_pair[f"{pg['abroad_lang']} → {pg['home_lang']}"] = {"n": n, "rate": rate}
    return {"rows": table, "by_pair": by_pair, "aggregated": aggregated, "threshold": disclosure.THRESHOLD}


def decisions_for_export(*, institution_id: int | None = None) -> QuerySet:
    """The labelled pairs that may leave this node: only those of institutions that opted in
    (AlignmentSharing.share_alignment_decisions; off unless set). For the federation's export."""
    from .models import AlignmentDecision, AlignmentSharing

    opted_in = AlignmentSharing.objects.filter(share_alignment_decisions=True).values("institution_id")
    rows = AlignmentDecision.objects.filter(institution_id__in=opted_in)
    return rows.filter(institution_id=institution_id) if institution_id is not None else rows


def module_for_outcomes(*, actor: Actor, pk: int) -> Module | None:
    """A home module whose outcomes the actor may add (a coordinator or registrar of an awarding institution)."""
    from ortaq.programmes.selectors import may_edit_programme, module_rows

    module = module_rows(ids=[pk]).select_related("programme").prefetch_related("outcomes").first()
    return module if module is not None and may_edit_programme(actor=actor, programme=module.programme) else None


def pasteable_modules(*, actor: Actor, dossier: Dossier) -> set[int]:
    """The dossier's home modules whose outcomes the actor may paste (offered as a link beside a proposal)."""
    from ortaq.programmes.selectors import may_edit_programme, module_rows

    modules = module_rows(ids={p["module"] for i in dossier.items.all() for p in i.proposal}).select_related("programme").prefetch_related("programme__awarding_institutions")
    return {m.pk for m in modules if may_edit_programme(actor=actor, programme=m.programme)}
