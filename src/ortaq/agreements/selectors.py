"""Reads of agreements, scoped to what the acting user may see.

A draft belongs to the initiating institution until it is proposed; after that every party's staff see
it. Students and other non-staff members see their institution's approved and in-effect agreements.
Ministry analysts see every agreement that is no longer a draft; platform administrators see all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q, QuerySet
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ortaq.accounts.selectors import access_for
from ortaq.engines import frameworks as fw

from .models import Agreement, AgreementApproval, AgreementParty, AgreementState, AgreementVersion, CooperationCondition
from .types import AGREEMENT_FIELDS, CONDITION_FIELDS, AgreementKind, DurationUnit, MobilityType

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
        "may_manage_state": not agreement.home_node and (access.is_admin or bool(access.manages & {p.pk for p in parties})),
        "versions": versions_of(agreement),
    }


def may_edit_agreement(*, actor: Actor, agreement: Agreement) -> bool:
    access = access_for(actor)
    if agreement.home_node or agreement.state in (AgreementState.IN_EFFECT, AgreementState.TERMINATED):
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
    return [inst for inst in pending if inst.pk in access.manages and not inst.node]  # remote parties approve on their node


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


def _duration(count: object, unit: object) -> str:
    # The plural form of the unit for this count in the reader's language (1 ай / 3 месяца / 5 месяцев).
    if not isinstance(count, int):
        return "—"
    if unit == DurationUnit.DAYS:
        return ngettext("%(count)s day", "%(count)s days", count) % {"count": count}
    return ngettext("%(count)s month", "%(count)s months", count) % {"count": count}


def _term_name(terms: list[fw.Term], code: object) -> str:
    term = next((t for t in terms if t.code == code), None)
    return fw.localized(term, translation.get_language() or "en") if term else str(code)


def _readable(field: str, value: object, names: dict) -> str:
    """One stored value as the pages show it: choice labels, institution names, fields by their name."""
    if value in ("", None, []):
        return "—"
    if field == "kind":
        return str(dict(AgreementKind.choices).get(str(value), value))
    if field == "mobility_type":
        return str(dict(MobilityType.choices).get(str(value), value))
    if field in ("initiator", "sending", "receiving"):
        return names.get(value, str(value))
    if field == "isced_code":
        term = fw.isced_field(str(value))
        return f"{value} {fw.localized(term, translation.get_language() or 'en')}" if term else str(value)
    if field == "language":
        return _term_name(fw.languages(), value)
    if field == "language_framework":
        return _term_name(fw.language_frameworks(), value)
    return str(value)


def _readable_fields(content: dict, names: dict) -> dict[tuple[int, str], str]:
    """A version's content as (condition number or 0 for the agreement, field) → readable value; a duration
    and its unit are one value."""
    out: dict[tuple[int, str], str] = {(0, f): _readable(f, content.get(f), names) for f in [*AGREEMENT_FIELDS, "initiator"]}
    parties = [names.get(p.get("id"), p.get("name", "")) for p in content.get("parties", [])]
    out[(0, "parties")] = "; ".join(parties) or "—"
    for number, condition in enumerate(content.get("conditions", []), start=1):
        for f in CONDITION_FIELDS:
            if f == "duration_unit":
                continue
            value = _duration(condition.get("duration"), condition.get("duration_unit")) if f == "duration" else _readable(f, condition.get(f), names)
            out[(number, f)] = value
    return out


def readable_diff(older: AgreementVersion, newer: AgreementVersion) -> list[tuple[str, str, str]]:
    """The differences of diff_versions as a reader reads them: each field by its label in the reader's
    language ("Condition 2 · Mobility type"), each value as the agreement's page shows it; a condition only
    one version has shows "—" on the other side."""
    names = {p["id"]: p.get("name") or p.get("name_latin") or str(p["id"]) for v in (older, newer) for p in v.content.get("parties", [])}
    a, b = _readable_fields(older.content, names), _readable_fields(newer.content, names)
    rows = []
    for key in sorted(set(a) | set(b), key=lambda k: (k[0], ([*AGREEMENT_FIELDS, "initiator", "parties", *CONDITION_FIELDS]).index(k[1]))):
        old, new = a.get(key, "—"), b.get(key, "—")
        if old == new:
            continue
        number, field = key
        model = CooperationCondition if number else Agreement
        label = capfirst(str(getattr(model._meta.get_field(field), "verbose_name", field)))
        rows.append((_("Condition %(number)s · %(field)s") % {"number": number, "field": label} if number else label, old, new))
    return rows


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


def hosted_agreement(pk: int) -> Agreement | None:
    """An agreement made on this node (not a copy of another node's), for the federation's messages about it."""
    return Agreement.objects.filter(pk=pk, home_node__isnull=True).first()


def current_version(agreement: Agreement) -> AgreementVersion | None:
    return agreement.versions.filter(number=agreement.version).first()
