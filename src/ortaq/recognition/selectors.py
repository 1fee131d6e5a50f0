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
