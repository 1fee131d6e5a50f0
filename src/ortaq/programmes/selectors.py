from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, Q, QuerySet

from ortaq.accounts.selectors import PROGRAMME_ROLES, access_for

from .models import Module, Programme

if TYPE_CHECKING:
    from collections.abc import Iterable
    from ortaq.accounts.types import Actor


def programme_list(*, actor: Actor, q: str = "", institution: int | None = None, isced: str = "") -> QuerySet[Programme]:
    """The programme catalogue is public to every signed-in user (students choose from it)."""
    qs = Programme.objects.all()
    if q:
        qs = qs.filter(
            Q(code__icontains=q) | Q(title_en__icontains=q) | Q(title_ru__icontains=q) | Q(title_kk__icontains=q)
            | Q(title_zh__icontains=q)
        )
    if institution:
        qs = qs.filter(awarding_institutions=institution)
    if isced:
        qs = qs.filter(isced_code__startswith=isced)
    return qs.annotate(module_count=Count("modules", distinct=True)).prefetch_related("awarding_institutions").order_by("code", "id")


def programmes_awarded_by(*, institutions: Iterable[int] | None = None) -> QuerySet[Programme]:
    """Every programme (institutions None) or those that any of these institutions awards: other apps' form
    choices, so that none imports the Programme model."""
    if institutions is None:
        return Programme.objects.all()
    return Programme.objects.filter(awarding_institutions__in=institutions).distinct()


def module_rows(*, ids: Iterable[int] | None = None) -> QuerySet[Module]:
    """Modules (all, or those with these ids) for other apps' lookups and choices (recognition's home modules)."""
    qs = Module.objects.all()
    return qs.filter(pk__in=list(ids)) if ids is not None else qs


def programme_get(*, actor: Actor, pk: int) -> Programme | None:
    return (
        Programme.objects.prefetch_related(
            "awarding_institutions",
            Prefetch("modules", queryset=Module.objects.prefetch_related("outcomes")),
        )
        .filter(pk=pk)
        .first()
    )


def may_edit_programme(*, actor: Actor, programme: Programme) -> bool:
    access = access_for(actor)
    if access.is_admin:
        return True
    awarding = {i.pk for i in programme.awarding_institutions.all()}
    return bool(access.institutions_with(PROGRAMME_ROLES) & awarding)


def may_create_programmes(*, actor: Actor) -> bool:
    access = access_for(actor)
    return access.is_admin or bool(access.institutions_with(PROGRAMME_ROLES))


def outcome_ids_of(*, programme_ids: Iterable[int] | None = None, awarded_by: int | None = None) -> set[int]:
    """Ids of the learning outcomes of these programmes, or of every programme an institution awards."""
    from .models import LearningOutcome

    qs = LearningOutcome.objects.all()
    if programme_ids is not None:
        qs = qs.filter(module__programme_id__in=programme_ids)
    if awarded_by is not None:
        qs = qs.filter(module__programme__awarding_institutions=awarded_by)
    return set(qs.values_list("pk", flat=True))


def learning_outcomes_by_id(ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """The texts of these learning outcomes, {id: {"kk"|"ru"|"zh"|"en": text}} (languages without a text left out)."""
    from .models import LearningOutcome

    rows = LearningOutcome.objects.filter(pk__in=list(ids)).values_list("pk", "text_kk", "text_ru", "text_zh", "text_en")
    return {pk: {lang: text for lang, text in zip(("kk", "ru", "zh", "en"), texts) if text} for pk, *texts in rows}
