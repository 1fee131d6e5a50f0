"""REST API for writing offers and calls (issue 16): create them as the web forms do and edit them afterwards.

The operations live on mobility's router (api.py imports this module at its end), because a path answers all its
methods from one router: GET and PATCH /calls/{pk} must be registered together. Input is checked by the web
forms (OfferForm, CallForm) and written by the services, so the rules and who may do what are the web's.
A PATCH sends only what changes; the rest is the record's current value, and the whole is validated again.
"""

from typing import Annotated, Any, Literal

from django.db import transaction
from ninja import Field, Status

from ortaq.errors import NotFound, ValidationFailed, valid_or_raise
from ortaq.i18n import CONTENT_LANGUAGES, lang_suffix
from ortaq.institutions.selectors import institutions_by_id
from ortaq.lib.idempotency import idempotent
from ortaq.lib.schemas import BIGINT_MAX, Id, InputSchema, Int, Line, Text
from ortaq.programmes.selectors import programmes_awarded_by

from . import edit_services, selectors, services
from .api import CallOut, OfferOut, _call, expected_version_query, router
from .forms import CallForm, OfferForm

IsoDate = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", max_length=10, description="YYYY-MM-DD")]
IsoDateTime = Annotated[Line, Field(max_length=40, description="ISO 8601, e.g. 2027-03-01T12:00:00+05:00")]
Version = Annotated[Line, Field(max_length=64, description="The `version` you read; a different current one answers 409")]
# What people write is in its author's language with other versions beside it (decision 0009).
ContentLanguage = Literal["kk", "ru", "zh-hans", "en"]
WRITTEN_IN = "The language title (and tasks) are written in; by default the request's language"


class OfferContent(InputSchema):
    title: Line
    tasks: Text
    written_in: ContentLanguage | None = Field(None, description=WRITTEN_IN)
    translations: dict[ContentLanguage, dict[Literal["title", "tasks"], Text]] = Field(default_factory=dict, description="{language: {\"title\": text, \"tasks\": text}}")
    city: Line
    start_date: IsoDate
    end_date: IsoDate
    places: Int
    isced_code: Line = Field(..., description="A detailed ISCED-F 2013 field, e.g. 0714")
    language: Line = ""
    language_framework: Line = ""
    language_min_level: Line = ""
    accessibility_facilities: list[Line] = Field(default_factory=list, max_length=50)


class OfferIn(OfferContent):
    host_id: Id
    publish: bool = Field(False, description="Publish at once; false saves a draft")


class OfferPatch(InputSchema):
    title: Line = None  # type: ignore[assignment]
    tasks: Text = None  # type: ignore[assignment]
    written_in: ContentLanguage | None = None
    translations: dict[ContentLanguage, dict[Literal["title", "tasks"], Text]] | None = Field(None, description="Replaces all other versions")
    city: Line = None  # type: ignore[assignment]
    start_date: IsoDate = None  # type: ignore[assignment]
    end_date: IsoDate = None  # type: ignore[assignment]
    places: Int = None  # type: ignore[assignment]
    isced_code: Line = None  # type: ignore[assignment]
    language: Line = None  # type: ignore[assignment]
    language_framework: Line = None  # type: ignore[assignment]
    language_min_level: Line = None  # type: ignore[assignment]
    accessibility_facilities: list[Line] | None = Field(None, max_length=50)
    expected_version: Version | None = None


class CallContent(InputSchema):
    title: Line
    written_in: ContentLanguage | None = Field(None, description=WRITTEN_IN)
    translations: dict[ContentLanguage, dict[Literal["title"], Line]] = Field(default_factory=dict, description="{language: {\"title\": text}}")
    acceptance_days: Int = Field(7, ge=1, le=60, description="Days a placed applicant has to accept or decline")
    mobility_type: Line = Field(..., description="e.g. student_study, student_internship, teacher_internship, staff_training")
    academic_year: Int
    deadline: IsoDateTime
    max_choices: Int = 3
    min_year_of_study: Int | None = None
    min_grade: float | None = Field(None, ge=0, le=100)
    language: Line = ""
    language_framework: Line = ""
    language_min_level: Line = ""
    ranking_rule: Line = "points"
    weight_grade: Int = 50
    weight_language: Int = 20
    weight_motivation: Int = 15
    weight_interview: Int = 15
    lottery_seed: int | None = Field(None, ge=0, le=BIGINT_MAX, description="Empty: the service draws one")
    programme_ids: list[Id] = Field(default_factory=list, max_length=100, description="Eligible programmes (none: any)")


class CallIn(CallContent):
    owner_id: Id


class CallPatch(InputSchema):
    title: Line = None  # type: ignore[assignment]
    written_in: ContentLanguage | None = None
    translations: dict[ContentLanguage, dict[Literal["title"], Line]] | None = Field(None, description="Replaces all other versions")
    acceptance_days: Int = Field(None, ge=1, le=60)  # type: ignore[assignment]
    mobility_type: Line = None  # type: ignore[assignment]
    academic_year: Int = None  # type: ignore[assignment]
    deadline: IsoDateTime = None  # type: ignore[assignment]
    max_choices: Int = None  # type: ignore[assignment]
    min_year_of_study: Int | None = None
    min_grade: float | None = Field(None, ge=0, le=100)
    language: Line = None  # type: ignore[assignment]
    language_framework: Line = None  # type: ignore[assignment]
    language_min_level: Line = None  # type: ignore[assignment]
    ranking_rule: Line = None  # type: ignore[assignment]
    weight_grade: Int = None  # type: ignore[assignment]
    weight_language: Int = None  # type: ignore[assignment]
    weight_motivation: Int = None  # type: ignore[assignment]
    weight_interview: Int = None  # type: ignore[assignment]
    lottery_seed: int | None = Field(None, ge=0, le=BIGINT_MAX)
    programme_ids: list[Id] | None = Field(None, max_length=100)
    expected_version: Version | None = None


# Helpers -----------------------------------------------------------------------------------------------------

def _form_value(value: Any) -> Any:
    if value is None:
        return ""
    return value if isinstance(value, (str, int, list, bool)) else (value.isoformat() if hasattr(value, "isoformat") else str(value))


def _current(row, form_class) -> dict[str, Any]:
    """What the web form would show for `row`: the base a PATCH's changes are laid over."""
    current = {name: _form_value(getattr(row, name)) for name in form_class.base_fields if hasattr(row, name)}
    return current | _version_fields(getattr(row, "translations", None) or {})


def _version_fields(translations: dict) -> dict[str, str]:
    """{language: {field: text}} as the forms' `<field>_<suffix>` inputs, every one present (empty when none)."""
    fields = {f"{name}_{lang_suffix(code)}": "" for code in CONTENT_LANGUAGES for name in ("title", "tasks")}
    return fields | {f"{name}_{lang_suffix(code)}": text for code, texts in translations.items() for name, text in texts.items()}


def _form_data(changes: dict[str, Any]) -> dict[str, Any]:
    data = {name: _form_value(value) for name, value in changes.items() if name != "translations"}
    if changes.get("translations") is not None:  # given: they replace the versions, all of them
        data |= _version_fields(changes["translations"])
    if changes.get("written_in") is None:
        data.pop("written_in", None)
    return data


def _institution(pk: int, field: str):
    institution = institutions_by_id([pk]).get(pk)
    if institution is None:
        raise ValidationFailed({field: [f"unknown institution id: {pk}"]})
    return institution


def _programmes(ids: list[int]) -> list:
    found = {p.pk: p for p in programmes_awarded_by().filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationFailed({"programme_ids": [f"unknown programme id(s): {', '.join(map(str, missing))}"]})
    return [found[i] for i in ids]


def _offer(request, pk: int):
    offer = selectors.offers_visible_to(actor=request.user).filter(pk=pk).first()
    if offer is None:
        raise NotFound()
    return offer


def _call_out(request, pk: int):
    return selectors.calls_visible_to(actor=request.user).prefetch_related("eligible_programmes").get(pk=pk)


# Offers ------------------------------------------------------------------------------------------------------

@router.post("/offers/", response={201: OfferOut}, summary="Post an internship offer (a coordinator or company supervisor of the host)")
@idempotent
def create_offer(request, payload: OfferIn):
    host = _institution(payload.host_id, "host_id")
    services.require_offer_host(request.user, host.pk)  # before the form: a stranger learns nothing from its errors
    content = valid_or_raise(OfferForm(data=_form_data(payload.dict(exclude={"host_id", "publish"})))).to_input()
    offer = services.offer_create(actor=request.user, host=host, offer=content, publish=payload.publish)
    return Status(201, _offer(request, offer.pk))


@router.patch("/offers/{int:pk}", response=OfferOut, summary="Change an offer (until a call takes places from it)")
def update_offer(request, pk: int, payload: OfferPatch):
    offer = _offer(request, pk)
    services.require_offer_host(request.user, offer.host_id)
    changes = payload.dict(exclude_unset=True)
    expected = changes.pop("expected_version", None)
    content = valid_or_raise(OfferForm(data={**_current(offer, OfferForm), **_form_data(changes)})).to_input()
    edit_services.offer_update(actor=request.user, offer=offer, content=content, expected_version=expected)
    return _offer(request, pk)


@router.post("/offers/{int:pk}/publish", response=OfferOut, summary="Publish a draft offer, so that calls can take places from it")
def publish_offer(request, pk: int, expected_version: str | None = expected_version_query()):
    with transaction.atomic():
        offer = edit_services.lock_offer(_offer(request, pk), expected_version)
        services.offer_publish(actor=request.user, offer=offer)
    return _offer(request, pk)


# Calls -------------------------------------------------------------------------------------------------------

@router.post("/calls/", response={201: CallOut}, summary="Draft a call for applications (a coordinator of the sending institution)")
@idempotent
def create_call(request, payload: CallIn):
    owner = _institution(payload.owner_id, "owner_id")
    services.require_call_owner(request.user, owner.pk)
    content = valid_or_raise(CallForm(data=_form_data(payload.dict(exclude={"owner_id", "programme_ids"})))).to_input()
    call = services.call_create(actor=request.user, owner=owner, call=content, programmes=_programmes(list(payload.programme_ids)))
    return Status(201, _call_out(request, call.pk))


@router.patch("/calls/{int:pk}", response=CallOut, summary="Change a draft call's terms")
def update_call(request, pk: int, payload: CallPatch):
    call = _call(request, pk)
    services.require_call_owner(request.user, call.owner_id)
    changes = payload.dict(exclude_unset=True)
    expected = changes.pop("expected_version", None)
    programme_ids = changes.pop("programme_ids", None)
    programmes = _programmes(list(programme_ids)) if programme_ids is not None else list(call.eligible_programmes.all())
    content = valid_or_raise(CallForm(data={**_current(call, CallForm), **_form_data(changes)})).to_input()
    edit_services.call_update(actor=request.user, call=call, content=content, programmes=programmes, expected_version=expected)
    return _call_out(request, pk)
from . import api_steps  # noqa: E402,F401 (registers the call options, placements and agreement drafting; see its docstring)
