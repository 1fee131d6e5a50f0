"""REST API for the steps between a call and the logbook that only the web pages offered (issue 16): the places a
call offers (its options), the learner's placements and her answer, and drafting and editing the learning or
training agreement. With them a student information system, or a test driving two nodes, reaches every step of
the mobility year without a browser.

The operations live on mobility's router (api_edit.py imports this module at its end). Each calls the selector or
service its web page calls: who may do what is decided there; an object the caller may not see answers 404.
"""

import datetime as dt
from typing import Literal

from django.db import transaction
from ninja import Field, Schema, Status
from ninja.pagination import paginate

from ortaq.agreements.selectors import condition_rows
from ortaq.errors import NotFound, ValidationFailed
from ortaq.lib.idempotency import idempotent
from ortaq.lib.schemas import Id, InputSchema, Int, Pages

from . import acceptance, during, selectors, services
from .api import ComponentIn, IsoDate, MobilityAgreementOut, _agreement, _call, _date, router


def _rows(components: list[ComponentIn]) -> list[dict]:
    return [{"code": c.code, "title": c.title, "credits": str(c.credits), "hours": c.hours, "recognition": c.recognition,
             "outcomes": list(c.outcome_ids)} for c in components]


# Options of a call -----------------------------------------------------------------------------------------------

class CallOptionIn(InputSchema):
    condition_id: Id | None = Field(None, description="A cooperation condition of an agreement in effect (places from a partner)")
    offer_id: Id | None = Field(None, description="A published internship offer (places at an enterprise)")
    places: Int = Field(..., ge=1, le=100_000)
    reserved_inclusion: Int = Field(0, ge=0, le=100_000, description="Places reserved for applicants with accessibility needs")


class CallOptionOut(Schema):
    id: int
    call_id: int
    host_id: int
    condition_id: int | None
    offer_id: int | None
    places: int
    reserved_inclusion: int


@router.post("/calls/{int:pk}/options", response={201: CallOptionOut},
             summary="Offer places in a call, from a cooperation condition or a published internship offer (its coordinators)")
@idempotent
def add_call_option(request, pk: int, payload: CallOptionIn):
    call = _call(request, pk)
    if (payload.condition_id is None) == (payload.offer_id is None):
        raise ValidationFailed({"condition_id": ["Give either condition_id or offer_id."]})
    condition = condition_rows().filter(pk=payload.condition_id).first() if payload.condition_id is not None else None
    offer = selectors.offer_for_option(payload.offer_id) if payload.offer_id is not None else None
    if condition is None and offer is None:
        raise NotFound()
    option = services.call_option_add(actor=request.user, call=call, places=payload.places, condition=condition, offer=offer,
                                      reserved_inclusion=payload.reserved_inclusion)
    return Status(201, option)


# The learner's placements ----------------------------------------------------------------------------------------

class PlacementOut(Schema):
    id: int
    call_id: int
    option_id: int
    host_id: int
    state: str = Field(..., description="The host's decision: pending, accepted, declined, withdrawn")
    answer: str = Field(..., description="The learner's answer: pending, accepted, declined, lapsed")
    answer_by: dt.datetime | None
    mobility_agreement_id: int | None

    @staticmethod
    def resolve_call_id(obj):
        return obj.application.call_id

    @staticmethod
    def resolve_answer(obj):
        return selectors.placement_answer_state(obj)

    @staticmethod
    def resolve_mobility_agreement_id(obj):
        agreement = getattr(obj, "mobility_agreement", None)
        return agreement.pk if agreement is not None else None


class PlacementAnswerIn(InputSchema):
    answer: Literal["accept", "decline"]


@router.get("/placements/", response=list[PlacementOut], summary="Your placements: the nominations of your applications once published")
@paginate(Pages, page_size=50)
def list_placements(request):
    return selectors.placements_of(actor=request.user)


@router.post("/placements/{int:pk}/answer", response=PlacementOut, summary="Accept or decline your placement before its deadline")
def answer_placement(request, pk: int, payload: PlacementAnswerIn):
    nomination = selectors.placement_get(actor=request.user, pk=pk)
    if nomination is None:
        raise NotFound()
    acceptance.placement_answer(actor=request.user, nomination=nomination, accept=payload.answer == "accept")
    return selectors.placements_of(actor=request.user).get(pk=pk)


# Drafting the learning or training agreement ------------------------------------------------------------------

class MobilityAgreementIn(InputSchema):
    nomination_id: Id
    start_date: IsoDate
    end_date: IsoDate
    weekly_hours: Int = Field(30, ge=1, le=60)
    components: list[ComponentIn] = Field(default_factory=list, max_length=200)


class ComponentsIn(InputSchema):
    components: list[ComponentIn] = Field(..., min_length=1, max_length=200)
    expected_version: Int | None = Field(None, description="Refuse the edit if the agreement has moved on (409)")


@router.post("/agreements/", response={201: MobilityAgreementOut},
             summary="Draft the learning or training agreement of an accepted nomination (the learner or her coordinator)")
@idempotent
def create_mobility_agreement(request, payload: MobilityAgreementIn):
    nomination = selectors.placement_get(actor=request.user, pk=payload.nomination_id)
    if nomination is None:
        raise NotFound()
    with transaction.atomic():
        agreement = during.mobility_agreement_create(actor=request.user, nomination=nomination, start_date=_date(payload.start_date, "start_date"),
                                                     end_date=_date(payload.end_date, "end_date"), weekly_hours=payload.weekly_hours,
                                                     components=_rows(payload.components))
    return Status(201, _agreement(request, agreement.pk))


@router.put("/agreements/{int:pk}/components", response=MobilityAgreementOut,
            summary="Replace the components while nobody has signed (afterwards, propose a change)")
def replace_components(request, pk: int, payload: ComponentsIn):
    during.mobility_agreement_edit(actor=request.user, agreement=_agreement(request, pk), components=_rows(payload.components),
                                   expected_version=payload.expected_version)
    return _agreement(request, pk)
