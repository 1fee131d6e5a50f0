from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from ortaq.accounts.selectors import access_for
from ortaq.accounts.types import Role

from .models import Dossier, Item

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from ortaq.accounts.types import Actor


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
