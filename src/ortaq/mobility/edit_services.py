"""Writes that change an offer or a call after it was created (issue 16: the REST API edits what the web form
creates). Same rules as creation (services.offer_errors, services.call_errors), same people; and the record must
still be in a state where a change misleads nobody:

- an offer may change until a call takes places from it (applicants then rank it as it was);
- a call may change while it is a draft (once open, people apply to its terms as published).

Offers and calls have no version column, so their `version` is a hash of what may change (ortaq.lib.versions);
`expected_version`, when given, must be that hash, or the edit is refused with 409 and the current one.
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ortaq.audit.services import audit_record, snapshot
from ortaq.errors import DomainError
from ortaq.inputs import model_checked
from ortaq.lib.versions import check_version, content_version

from .models import Call, CallState, InternshipOffer, Nomination, PlacementRound
from .services import call_errors, offer_errors, require_call_owner, require_offer_host

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ortaq.accounts.types import User
    from ortaq.programmes.types import Programme

    from .types import CallInput, OfferInput

OFFER_VERSIONED = ["title", "tasks", "city", "start_date", "end_date", "places", "isced_code", "language", "language_framework",
                   "language_min_level", "accessibility_facilities", "state", "written_in", "translations"]
CALL_VERSIONED = ["title", "mobility_type", "academic_year", "deadline", "max_choices", "min_year_of_study", "min_grade", "language",
                  "language_framework", "language_min_level", "ranking_rule", "weight_grade", "weight_language", "weight_motivation",
                  "weight_interview", "lottery_seed", "acceptance_days", "state", "written_in", "translations"]


def offer_version(offer: InternshipOffer) -> str:
    return content_version({name: getattr(offer, name) for name in OFFER_VERSIONED})


def call_version(call: Call) -> str:
    """The call's content, its state and its eligible programmes (their ids are part of its terms)."""
    programme_ids = sorted(p.pk for p in call.eligible_programmes.all()) if call.pk else []  # prefetched on lists
    return content_version({**{name: getattr(call, name) for name in CALL_VERSIONED}, "eligible_programmes": programme_ids})


def nomination_version(nomination: Nomination) -> str:
    return content_version({"state": nomination.state, "reason": nomination.reason, "decided_at": nomination.decided_at})


def round_version(placement_round: PlacementRound) -> str:
    return content_version({"state": placement_round.state, "published_at": placement_round.published_at})


def check_nomination(nomination: Nomination, expected_version: str | None) -> None:
    """Refuse a decision taken on a nomination someone else has decided since (409, with the current version)."""
    check_version(expected=expected_version, current=nomination_version(_locked(Nomination, nomination.pk)))


def check_round(placement_round: PlacementRound, expected_version: str | None) -> None:
    fresh = PlacementRound.objects.select_for_update().only("state", "published_at").get(pk=placement_round.pk)  # not its cutoffs
    check_version(expected=expected_version, current=round_version(fresh))


def _locked(model, pk: int):
    # Of two edits sent at once, the second waits here and is then compared with the first's result.
    return model.objects.select_for_update().get(pk=pk)


def lock_offer(offer: InternshipOffer, expected_version: str | None) -> InternshipOffer:
    """The offer re-read under a row lock, refused (409) when it no longer has the version the caller read."""
    fresh = _locked(InternshipOffer, offer.pk)
    check_version(expected=expected_version, current=offer_version(fresh))
    return fresh


def lock_call(call: Call, expected_version: str | None) -> Call:
    fresh = _locked(Call, call.pk)
    check_version(expected=expected_version, current=call_version(fresh))
    return fresh


def _assign(row, typed) -> list[str]:
    names = [f.name for f in fields(typed)]
    for name in names:
        value = getattr(typed, name)
        setattr(row, name, list(value) if isinstance(value, tuple) else value)
    return names


@transaction.atomic
def offer_update(*, actor: User, offer: InternshipOffer, content: OfferInput, expected_version: str | None = None) -> InternshipOffer:
    """Replace an offer's content (a draft or a published offer no call uses yet)."""
    require_offer_host(actor, offer.host_id)
    offer = lock_offer(offer, expected_version)
    if offer.call_options.exists():
        raise DomainError(_("A call already offers places from this offer; it can no longer be changed."), code="locked")
    before = snapshot(offer, [f.name for f in fields(content)])
    names = _assign(offer, content)
    model_checked(offer, errors=offer_errors(content))
    offer.save()
    audit_record(actor=actor, action="update", obj=offer, before=before, after=snapshot(offer, names))
    return offer


@transaction.atomic
def call_update(*, actor: User, call: Call, content: CallInput, programmes: Iterable[Programme], expected_version: str | None = None) -> Call:
    """Replace a draft call's terms and eligible programmes; the lottery seed stays unless one is given."""
    require_call_owner(actor, call.owner_id)
    call = lock_call(call, expected_version)
    if call.state != CallState.DRAFT:
        raise DomainError(_("Only a draft call can be changed."), code="state")
    programmes = list(programmes)
    before = {**snapshot(call, [f.name for f in fields(content)]), "eligible_programmes": sorted(call.eligible_programmes.values_list("pk", flat=True))}
    seed = call.lottery_seed
    names = _assign(call, content)
    if content.lottery_seed is None:
        call.lottery_seed = seed
    model_checked(call, errors=call_errors(owner=call.owner, call=content, programmes=programmes))
    call.save()
    call.eligible_programmes.set(programmes)
    after = {**snapshot(call, names), "eligible_programmes": sorted(p.pk for p in programmes)}
    audit_record(actor=actor, action="update", obj=call, before=before, after=after)
    return call
