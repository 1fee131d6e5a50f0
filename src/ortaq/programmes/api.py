from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from ortaq.errors import Forbidden, NotFound, ValidationFailed, valid_or_raise
from ortaq.institutions.selectors import institution_rows
from ortaq.lib.idempotency import idempotent
from ortaq.lib.schemas import Id, InputSchema, Line, Pages
from ortaq.lib.versions import check_version, content_version

from . import selectors, services
from .forms import ProgrammeForm, edit_data
from .models import Programme
from .types import PROGRAMME_FIELDS

router = Router(tags=["programmes"])


class OutcomeOut(Schema):
    code: str
    text_kk: str
    text_ru: str
    text_zh: str
    text_en: str


class ModuleOut(Schema):
    code: str
    title_kk: str
    title_ru: str
    title_zh: str
    title_en: str
    credits: int
    professional_standard_code: str
    certificate_1x_code: str
    outcomes: list[OutcomeOut]

    @staticmethod
    def resolve_outcomes(obj):
        return list(obj.outcomes.all())


class ProgrammeOut(Schema):
    id: int
    code: str
    title_kk: str
    title_ru: str
    title_zh: str
    title_en: str
    isced_code: str
    kz_nqf_level: str
    eqf_level: str
    cn_level: str
    dual_qualification: bool
    awarding_institution_ids: list[int]
    version: str = Field(..., description="Send it back as `expected_version` with an edit")

    @staticmethod
    def resolve_awarding_institution_ids(obj):
        return [i.pk for i in obj.awarding_institutions.all()]

    @staticmethod
    def resolve_version(obj):
        return content_version({"updated_at": obj.updated_at})  # the row has no version column; every save moves updated_at


class ProgrammeDetailOut(ProgrammeOut):
    modules: list[ModuleOut]

    @staticmethod
    def resolve_modules(obj):
        return list(obj.modules.all())


class ProgrammeIn(InputSchema):
    code: Line
    title_en: Line
    title_kk: Line = ""
    title_ru: Line = ""
    title_zh: Line = ""
    isced_code: Line
    kz_nqf_level: Line = ""
    eqf_level: Line = ""
    cn_level: Line = ""
    is_joint: bool = True
    dual_qualification: bool = True
    qualification_kz: Line = ""
    qualification_cn: Line = ""
    specialty_code_kz: Line = ""
    specialty_code_cn: Line = ""
    languages: list[Line] = Field([], max_length=20)
    # The form takes any positive number; ten years bounds a vocational programme with room to spare.
    duration_months: int | None = Field(None, ge=1, le=120)
    awarding_institution_ids: list[Id] = Field(..., max_length=20)


class ProgrammePatch(InputSchema):
    code: Line | None = None
    title_en: Line | None = None
    title_kk: Line | None = None
    title_ru: Line | None = None
    title_zh: Line | None = None
    isced_code: Line | None = None
    kz_nqf_level: Line | None = None
    eqf_level: Line | None = None
    cn_level: Line | None = None
    expected_version: Line | None = Field(None, max_length=64, description="The `version` you read; another current one answers 409")


class ProgrammeFilters(FilterSchema):
    q: Line = ""
    institution: Id | None = None
    isced: Line = ""


@router.get("/", response=list[ProgrammeOut], summary="List programmes")
@paginate(Pages, page_size=50)
def list_programmes(request, filters: Query[ProgrammeFilters]):
    return selectors.programme_list(actor=request.user, **filters.dict())


@router.get("/{int:pk}", response=ProgrammeDetailOut, summary="A programme with modules and outcomes")
def get_programme(request, pk: int):
    programme = selectors.programme_get(actor=request.user, pk=pk)
    if programme is None:
        raise NotFound()
    return programme


@router.post("/", response={201: ProgrammeDetailOut}, summary="Create a programme")
@idempotent
def create_programme(request, payload: ProgrammeIn):
    ids = payload.awarding_institution_ids
    awarding = list(institution_rows(ids=ids))
    if len(awarding) != len(set(ids)):
        raise ValidationFailed({"awarding_institution_ids": [str(_("Unknown institution."))]})
    details = valid_or_raise(ProgrammeForm(data=payload.dict(exclude={"awarding_institution_ids"}))).details()
    programme = services.programme_create(actor=request.user, details=details, awarding=awarding)
    return Status(201, selectors.programme_get(actor=request.user, pk=programme.pk))


@router.patch("/{int:pk}", response=ProgrammeDetailOut, summary="Update a programme")
def update_programme(request, pk: int, payload: ProgrammePatch):
    programme = selectors.programme_get(actor=request.user, pk=pk)
    if programme is None:
        raise NotFound()
    if not selectors.may_edit_programme(actor=request.user, programme=programme):
        raise Forbidden()  # before the input is read, as the service would
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if k in PROGRAMME_FIELDS}
    details = valid_or_raise(ProgrammeForm(data=edit_data(programme, changes), instance=programme)).details()
    with transaction.atomic():  # the version read under the row's lock, so that of two edits from one version one wins
        current = Programme.objects.select_for_update().only("updated_at").get(pk=programme.pk)
        check_version(expected=payload.expected_version, current=content_version({"updated_at": current.updated_at}))
        services.programme_update(actor=request.user, programme=programme, details=details)
    return selectors.programme_get(actor=request.user, pk=pk)
