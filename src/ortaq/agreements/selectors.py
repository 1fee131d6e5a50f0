"""Reads of agreements, scoped to what the acting user may see.

A draft belongs to the initiating institution until it is proposed; after that every party's staff see
it. Students and other non-staff members see their institution's approved and in-effect agreements.
Ministry analysts see every agreement that is no longer a draft; platform administrators see all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q, QuerySet

from ortaq.accounts.selectors import access_for

from .models import Agreement, AgreementApproval, AgreementParty, AgreementState, AgreementVersion, CooperationCondition

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ortaq.accounts.types import Actor
    from ortaq.institutions.types import Institution

LIVE_STATES = (AgreementState.PROPOSED, AgreementState.APPROVED, AgreementState.IN_EFFECT)


def _with_parties(institution_ids) -> QuerySet:
    return AgreementParty.objects.filter(institution_id__in=institution_ids).values("agreement_id")


def agreements_visible_to(*, actor: Actor) -> QuerySet[Agreement]:
    access = access_for(actor)
    if access.is_admin:
        return Agreement.objects.all()
    rule = Q(pk__in=[])
    if access.is_ministry:
        rule |= ~Q(state=AgreementState.DRAFT)
    if access.staff_of:
        rule |= Q(initiator_id__in=access.staff_of)
        rule |= Q(pk__in=_with_parties(access.staff_of)) & ~Q(state=AgreementState.DRAFT)
    if access.member_of:
        rule |= Q(pk__in=_with_parties(access.member_of)) & Q(
            state__in=[AgreementState.APPROVED, AgreementState.IN_EFFECT]
        )
    return Agreement.objects.filter(rule)


def agreement_list(
    *, actor: Actor, q: str = "", state: str = "", kind: str = "", institution: int | None = None, mobility_type: str = ""
) -> QuerySet[Agreement]:
    qs = agreements_visible_to(actor=actor)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(reference__icontains=q))
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if institution:
        qs = qs.filter(pk__in=_with_parties([institution]))
    if mobility_type:
        qs = qs.filter(conditions__mobility_type=mobility_type).distinct()
    return qs.select_related("initiator").prefetch_related(
        Prefetch("party_links", queryset=AgreementParty.objects.select_related("institution").order_by("id"))
    ).order_by("-updated_at", "-id")


def agreement_get(*, actor: Actor, pk: int) -> Agreement | None:
    return (
        agreements_visible_to(actor=actor)
        .select_related("initiator", "created_by")
        .prefetch_related(
            Prefetch("party_links", queryset=AgreementParty.objects.select_related("institution").order_by("id")),
            "conditions__sending",
            "conditions__receiving",
        )
        .filter(pk=pk)
        .first()
    )


def parties_of(agreement: Agreement) -> list:
    return [link.institution for link in agreement.party_links.all()]


def current_approvals(agreement: Agreement) -> QuerySet[AgreementApproval]:
    return agreement.approvals.filter(version=agreement.version, voided_at__isnull=True).select_related(
        "institution", "approved_by"
    )


def approval_history(agreement: Agreement) -> QuerySet[AgreementApproval]:
    return agreement.approvals.select_related("institution", "approved_by").order_by("-approved_at")


def pending_parties(agreement: Agreement) -> list:
    approved = set(current_approvals(agreement).values_list("institution_id", flat=True))
    return [inst for inst in parties_of(agreement) if inst.pk not in approved]


def versions_of(agreement: Agreement) -> QuerySet[AgreementVersion]:
    return agreement.versions.select_related("created_by").order_by("-number")


def partner_ids_of(*, institution_id: int) -> set[int]:
    """Institutions that share a proposed, approved or in-effect agreement with this one."""
    agreement_ids = AgreementParty.objects.filter(
        institution_id=institution_id, agreement__state__in=LIVE_STATES
    ).values("agreement_id")
    return set(
        AgreementParty.objects.filter(agreement_id__in=agreement_ids)
        .exclude(institution_id=institution_id)
        .values_list("institution_id", flat=True)
    )


def partner_ids_of_any(institution_ids: set[int] | frozenset[int]) -> set[int]:
    """Institutions that share an agreement in any state with at least one of these (analytics' partner scope)."""
    agreements = AgreementParty.objects.filter(institution_id__in=institution_ids).values("agreement_id")
    return set(
        AgreementParty.objects.filter(agreement_id__in=agreements)
        .exclude(institution_id__in=institution_ids)
        .values_list("institution_id", flat=True)
        .distinct()
    )


def partners_of(*, actor: Actor, institution_id: int) -> list[dict]:
    """Partners with the agreements the actor may see, for the institution's page."""
    visible = agreements_visible_to(actor=actor).filter(pk__in=_with_parties([institution_id]), state__in=LIVE_STATES)
    links = (
        AgreementParty.objects.filter(agreement__in=visible)
        .exclude(institution_id=institution_id)
        .select_related("institution", "agreement")
        .order_by("institution__name_latin")
    )
    partners: dict[int, dict] = {}
    for link in links:
        entry = partners.setdefault(link.institution_id, {"institution": link.institution, "agreements": []})
        entry["agreements"].append(link.agreement)
    return list(partners.values())


def may_draft_agreements(*, actor: Actor) -> bool:
    """Coordinators (of any institution) and administrators draft agreements."""
    access = access_for(actor)
    return access.is_admin or bool(access.manages)


def may_draft_for(*, actor: Actor, institution: Institution) -> bool:
    """A coordinator of the institution (or an administrator) drafts agreements it initiates."""
    access = access_for(actor)
    return access.is_admin or institution.pk in access.manages


def is_locked(agreement: Agreement) -> bool:
    """In effect or terminated: no one edits it any more."""
    return agreement.state in (AgreementState.IN_EFFECT, AgreementState.TERMINATED)


def agreement_page(*, actor: Actor, agreement: Agreement) -> dict:
    """What the agreement's page shows to this actor: parties, approvals, versions, and what they may do."""
    access = access_for(actor)
    parties = parties_of(agreement)
    return {
        "agreement": agreement,
        "parties": parties,
        "approvals": current_approvals(agreement),
        "approval_history": approval_history(agreement),
        "pending": pending_parties(agreement),
        "approve_for": institutions_actor_may_approve_for(actor=actor, agreement=agreement),
        "may_edit": may_edit_agreement(actor=actor, agreement=agreement),
        "may_propose": agreement.state == AgreementState.DRAFT and (access.is_admin or agreement.initiator_id in access.manages),
        "may_manage_state": access.is_admin or bool(access.manages & {p.pk for p in parties}),
        "versions": versions_of(agreement),
    }


def may_edit_agreement(*, actor: Actor, agreement: Agreement) -> bool:
    access = access_for(actor)
    if agreement.state in (AgreementState.IN_EFFECT, AgreementState.TERMINATED):
        return False
    if access.is_admin:
        return True
    if agreement.state == AgreementState.DRAFT:
        return agreement.initiator_id in access.manages
    party_ids = {link.institution_id for link in agreement.party_links.all()}
    return bool(access.manages & party_ids)


def institutions_actor_may_approve_for(*, actor: Actor, agreement: Agreement) -> list:
    if agreement.state != AgreementState.PROPOSED:
        return []
    access = access_for(actor)
    pending = pending_parties(agreement)
    return [inst for inst in pending if inst.pk in access.manages]


def diff_versions(older: AgreementVersion, newer: AgreementVersion) -> list[tuple[str, object, object]]:
    """Side-by-side rows (path, older value, newer value) for every value that differs."""

    def flatten(value, prefix="") -> dict[str, object]:
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                out.update(flatten(item, f"{prefix}.{key}" if prefix else key))
            return out
        if isinstance(value, list):
            out = {}
            for index, item in enumerate(value, start=1):
                out.update(flatten(item, f"{prefix}[{index}]"))
            return out or {prefix: "—"}
        return {prefix: value}

    a, b = flatten(older.content), flatten(newer.content)
    return [(key, a.get(key, ""), b.get(key, "")) for key in sorted(set(a) | set(b)) if a.get(key) != b.get(key)]


def agreements_in_force() -> QuerySet[Agreement]:
    """Approved agreements and those in effect, for other apps that refer to one (recognition's conversion rules)."""
    return Agreement.objects.filter(state__in=[AgreementState.APPROVED, AgreementState.IN_EFFECT])


def conditions_of_agreements_in(states: Iterable[str]) -> QuerySet[CooperationCondition]:
    """Cooperation conditions of the agreements in these states, whoever asks: for analytics' nightly facts."""
    return CooperationCondition.objects.filter(agreement__state__in=list(states))


def condition_rows(*, ids: Iterable[int] | None = None) -> QuerySet[CooperationCondition]:
    """Cooperation conditions (all, or those with these ids), whoever asks, for other apps that build on
    them: mobility offers them as call options, locks one while it counts its places, and lists those a call
    may use. So no other app imports the CooperationCondition model."""
    qs = CooperationCondition.objects.all()
    return qs.filter(pk__in=list(ids)) if ids is not None else qs


def inbox_items(*, actor: Actor) -> list:
    """Work waiting for a coordinator: proposed agreements their institution has not approved in this version,
    and drafts their institution started but has not proposed yet. Two queries, however many agreements."""
    from django.db.models import Exists, OuterRef
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from ortaq.lib.inbox import Action, InboxItem

    manages = access_for(actor).manages
    if not manages:
        return []
    approved = AgreementApproval.objects.filter(
        agreement_id=OuterRef("agreement_id"), institution_id=OuterRef("institution_id"), version=OuterRef("agreement__version"),
        voided_at__isnull=True)
    to_approve = list(
        AgreementParty.objects.filter(institution_id__in=manages, agreement__state=AgreementState.PROPOSED).exclude(Exists(approved))
        .values_list("agreement_id", "agreement__title").order_by("agreement__updated_at", "agreement_id").distinct()
    )
    drafts = list(Agreement.objects.filter(initiator_id__in=manages, state=AgreementState.DRAFT).order_by("updated_at", "id").values_list("id", "title"))
    items = []
    for rows, kind, action, title, state in (
        (to_approve, "agreements.approve", Action.APPROVE, _("Agreements to approve"), AgreementState.PROPOSED),
        (drafts, "agreements.propose", Action.PREPARE, _("Draft agreements to finish and propose"), AgreementState.DRAFT),
    ):
        if not rows:
            continue
        one = len(rows) == 1
        url = reverse("agreements:detail", args=[rows[0][0]]) if one else f"{reverse('agreements:list')}?state={state}"
        items.append(InboxItem(kind=kind, action=action, title=title, url=url, count=len(rows),
                               ref=f"agreements.agreement:{rows[0][0]}" if one else "", subject=rows[0][1] if one else ""))
    return items
