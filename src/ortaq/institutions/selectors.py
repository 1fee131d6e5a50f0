"""Reads of the institutions registry. The public profile of an institution is visible to every signed-in
user; contacts (people) only to its own staff, its partners and platform administrators."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from ortaq.accounts.selectors import access_for, memberships

from .models import Contact, Institution

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ortaq.accounts.types import Actor


def institution_list(
    *, actor: Actor, q: str = "", kind: str = "", country: str = "", region: str = ""
) -> QuerySet[Institution]:
    qs = Institution.objects.all()
    if q:
        qs = qs.filter(
            Q(name_latin__icontains=q) | Q(name_original__icontains=q) | Q(name_kk__icontains=q)
            | Q(name_ru__icontains=q) | Q(name_zh__icontains=q) | Q(name_en__icontains=q)
            | Q(short_name__icontains=q) | Q(city__icontains=q) | Q(kz_bin=q) | Q(cn_uscc=q.upper())
        )
    if kind:
        qs = qs.filter(kind=kind)
    if country:
        qs = qs.filter(country=country.upper())
    if region:
        qs = qs.filter(region__icontains=region)
    return qs.order_by("name_latin", "id")


def institution_get(*, actor: Actor, pk: int) -> Institution | None:
    return Institution.objects.select_related("parent_cluster", "registered_by").filter(pk=pk).first()


def may_edit_institution(*, actor: Actor, institution: Institution) -> bool:
    access = access_for(actor)
    if access.is_admin or institution.pk in access.manages:
        return True
    # A steward (the registering institution) keeps the profile only while the institution has no coordinator.
    if institution.registered_by_id and institution.registered_by_id in access.manages:
        from ortaq.accounts.types import Role

        return not memberships(institutions=[institution], roles=[Role.COORDINATOR]).exists()
    return False


def may_register_institutions(*, actor: Actor) -> bool:
    access = access_for(actor)
    return access.is_admin or bool(access.manages)


def may_see_contacts(*, actor: Actor, institution: Institution) -> bool:
    access = access_for(actor)
    if access.is_admin or institution.pk in access.staff_of:
        return True
    from ortaq.agreements.selectors import partner_ids_of

    return bool(access.staff_of & partner_ids_of(institution_id=institution.pk))


def contacts_of(*, actor: Actor, institution: Institution) -> QuerySet[Contact]:
    if not may_see_contacts(actor=actor, institution=institution):
        return Contact.objects.none()
    return institution.contacts.all()


def institutions_managed_by(*, actor: Actor) -> QuerySet[Institution]:
    access = access_for(actor)
    if access.is_admin:
        return Institution.objects.all()
    return Institution.objects.filter(pk__in=access.manages)


def steward_of_new_institutions(*, actor: Actor) -> Institution | None:
    """The institution that registers what this actor adds (a college adding a partner enterprise keeps its profile
    up to date until it has coordinators of its own): the one they manage, or none when they manage several or none."""
    managed = institutions_managed_by(actor=actor)
    return managed.first() if managed.count() == 1 else None


def institution_rows(*, ids: Iterable[int] | None = None) -> QuerySet[Institution]:
    """Institutions as full rows (all, or those with these ids), for other apps' form choices and lookups, so
    that no other app imports the Institution model."""
    qs = Institution.objects.all()
    return qs.filter(pk__in=list(ids)) if ids is not None else qs


def institutions_by_id(ids: Iterable[int]) -> dict[int, Institution]:
    """The institutions with these ids, by id; an unknown id is simply absent (the caller says which)."""
    return {institution.pk: institution for institution in institution_rows(ids=ids)}


def institution_choices(*, ids: set[int] | None = None) -> QuerySet[Institution]:
    qs = Institution.objects.only("id", "name_latin", "name_original", "kind", "country")
    return qs.filter(pk__in=ids) if ids is not None else qs
