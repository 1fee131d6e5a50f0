
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from ortaq.errors import Forbidden, NotFound, ValidationFailed, valid_or_raise
from ortaq.institutions.selectors import institutions_by_id
from ortaq.lib.idempotency import idempotent
from ortaq.lib.schemas import Id, InputSchema, Int, Line, Pages, Text

from . import selectors, services
from .forms import AgreementForm, ConditionForm, edit_data

if TYPE_CHECKING:
    from ortaq.institutions.types import Institution

router = Router(tags=["agreements"])


class PartyOut(Schema):
    id: int
    name_latin: str
    name_original: str
    country: str


class ConditionOut(Schema):
    id: int
    mobility_type: str
    sending_id: int
    receiving_id: int
    isced_code: str
    eqf_level: str
    nqf_level: str
    places_per_year: int
    duration: int
    duration_unit: str
    language: str
    language_framework: str
    language_min_level: str
    start_year: int
    end_year: int
    inclusion_support: str


class AgreementOut(Schema):
    id: int
    kind: str
    title: str
    reference: str
    state: str
    start_year: int
    end_year: int
    version: int
    initiator_id: int
    parties: list[PartyOut]
    home_node: str | None = Field(None, description="The node where the agreement was made, if not this one (a copy kept in step)")

    @staticmethod
    def resolve_parties(obj):
        return [link.institution for link in obj.party_links.all()]


class AgreementDetailOut(AgreementOut):
    summary: str
    conditions: list[ConditionOut]
    sha256: str | None = None

    @staticmethod
    def resolve_conditions(obj):
        return list(obj.conditions.all())

    @staticmethod
    def resolve_sha256(obj):
        version = obj.versions.filter(number=obj.version).first()
        return version.sha256 if version else None


class AgreementIn(InputSchema):
    kind: Line
    title: Line
    reference: Line = ""
    summary: Text = ""
    start_year: Int
    end_year: Int
    initiator_id: Id
    party_ids: list[Id] = Field(..., max_length=100, description="Partner institutions; the initiator is added if missing")


class AgreementPatch(InputSchema):
    title: Line | None = None
    reference: Line | None = None
    summary: Text | None = None
    start_year: Int | None = None
    end_year: Int | None = None
    kind: Line | None = None
    expected_version: Int | None = Field(None, description="Refuse the change if the agreement has moved on")


class ConditionIn(InputSchema):
    mobility_type: Line
    sending: Id
    receiving: Id
    isced_code: Line
    eqf_level: Line = ""
    nqf_level: Line = ""
    places_per_year: Int
    duration: Int
    duration_unit: Line = "months"
    language: Line = ""
    language_framework: Line = ""
    language_min_level: Line = ""
    start_year: Int
    end_year: Int
    inclusion_support: Text = ""
    expected_version: Int | None = None


class ApproveIn(InputSchema):
    institution_id: Id
    expected_version: Int | None = None


class AgreementFilters(FilterSchema):
    q: Line = ""
    state: Line = ""
    kind: Line = ""
    institution: Id | None = None
    mobility_type: Line = ""


def _get(request, pk: int):
    agreement = selectors.agreement_get(actor=request.user, pk=pk)
    if agreement is None:
        raise NotFound()
    return agreement


def _editable(request, pk: int):
    """The agreement, refusing someone who may read but not edit it before their input is read (as the
    services would); a locked agreement is left to the service, which says why."""
    agreement = _get(request, pk)
    if not selectors.is_locked(agreement) and not selectors.may_edit_agreement(actor=request.user, agreement=agreement):
        raise Forbidden()
    return agreement


def _edited_terms(agreement, changes: dict):
    # A PATCH names only what changes; the form validates the whole terms, as the web's edit form does.
    return valid_or_raise(AgreementForm(data=edit_data(agreement, changes), instance=agreement)).terms()


def _institutions(ids: list[int]) -> "list[Institution]":
    found = institutions_by_id(ids)
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationFailed({"party_ids": [f"unknown institution id(s): {', '.join(map(str, missing))}"]})
    return [found[i] for i in ids]


@router.get("/", response=list[AgreementOut], summary="List agreements visible to you")
@paginate(Pages, page_size=50)
def list_agreements(request, filters: Query[AgreementFilters]):
    return selectors.agreement_list(actor=request.user, **filters.dict())


@router.get("/{int:pk}", response=AgreementDetailOut, summary="An agreement with its conditions")
def get_agreement(request, pk: int):
    return _get(request, pk)


@router.post("/", response={201: AgreementDetailOut}, summary="Draft an agreement")
@idempotent
def create_agreement(request, payload: AgreementIn):
    [initiator] = _institutions([payload.initiator_id])
    if not selectors.may_draft_for(actor=request.user, institution=initiator):
        raise Forbidden(_("Only a coordinator of the initiating institution can draft its agreements."))
    terms = valid_or_raise(AgreementForm(data=payload.dict(exclude={"initiator_id", "party_ids"}))).terms()
    agreement = services.agreement_create(
        actor=request.user, terms=terms, initiator=initiator, parties=[initiator, *_institutions(payload.party_ids)]
    )
    return Status(201, selectors.agreement_get(actor=request.user, pk=agreement.pk))


@router.patch("/{int:pk}", response=AgreementDetailOut, summary="Edit an agreement (voids approvals)")
def update_agreement(request, pk: int, payload: AgreementPatch):
    agreement = _editable(request, pk)
    changes = payload.dict(exclude_unset=True)
    expected = changes.pop("expected_version", None)
    services.agreement_update(actor=request.user, agreement=agreement, terms=_edited_terms(agreement, changes), expected_version=expected)
    return _get(request, pk)


@router.post("/{int:pk}/conditions", response={201: AgreementDetailOut}, summary="Add a cooperation condition")
@idempotent
def add_condition(request, pk: int, payload: ConditionIn):
    agreement = _editable(request, pk)
    data = payload.dict()
    expected = data.pop("expected_version", None)
    terms = valid_or_raise(ConditionForm(data=data, agreement=agreement, party_queryset=agreement.parties.all())).terms()
    services.condition_add(actor=request.user, agreement=agreement, terms=terms, expected_version=expected)
    return Status(201, _get(request, pk))


@router.post("/{int:pk}/propose", response=AgreementDetailOut, summary="Propose a draft to the partners")
def propose(request, pk: int):
    services.agreement_propose(actor=request.user, agreement=_get(request, pk))
    return _get(request, pk)


@router.post("/{int:pk}/approve", response=AgreementDetailOut, summary="Approve for one of your institutions")
def approve(request, pk: int, payload: ApproveIn):
    [institution] = _institutions([payload.institution_id])
    services.agreement_approve(actor=request.user, agreement=_get(request, pk), institution=institution, expected_version=payload.expected_version)
    return _get(request, pk)
