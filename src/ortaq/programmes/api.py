
from ninja import FilterSchema, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from ortaq.errors import NotFound, ValidationFailed
from ortaq.institutions.models import Institution

from . import selectors, services
from .forms import PROGRAMME_FIELDS

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

    @staticmethod
    def resolve_awarding_institution_ids(obj):
        return [i.pk for i in obj.awarding_institutions.all()]


class ProgrammeDetailOut(ProgrammeOut):
    modules: list[ModuleOut]

    @staticmethod
    def resolve_modules(obj):
        return list(obj.modules.all())


class ProgrammeIn(Schema):
    code: str
    title_en: str
    title_kk: str = ""
    title_ru: str = ""
    title_zh: str = ""
    isced_code: str
    kz_nqf_level: str = ""
    eqf_level: str = ""
    cn_level: str = ""
    is_joint: bool = True
    dual_qualification: bool = True
    qualification_kz: str = ""
    qualification_cn: str = ""
    specialty_code_kz: str = ""
    specialty_code_cn: str = ""
    languages: list[str] = []
    duration_months: int | None = None
    awarding_institution_ids: list[int]


class ProgrammePatch(Schema):
    code: str | None = None
    title_en: str | None = None
    title_kk: str | None = None
    title_ru: str | None = None
    title_zh: str | None = None
    isced_code: str | None = None
    kz_nqf_level: str | None = None
    eqf_level: str | None = None
    cn_level: str | None = None


class ProgrammeFilters(FilterSchema):
    q: str = ""
    institution: int | None = None
    isced: str = ""


@router.get("/", response=list[ProgrammeOut], summary="List programmes")
@paginate(PageNumberPagination, page_size=50)
def list_programmes(request, filters: Query[ProgrammeFilters]):
    return selectors.programme_list(actor=request.user, **filters.dict())


@router.get("/{int:pk}", response=ProgrammeDetailOut, summary="A programme with modules and outcomes")
def get_programme(request, pk: int):
    programme = selectors.programme_get(actor=request.user, pk=pk)
    if programme is None:
        raise NotFound()
    return programme


@router.post("/", response={201: ProgrammeDetailOut}, summary="Create a programme")
def create_programme(request, payload: ProgrammeIn):
    ids = payload.awarding_institution_ids
    awarding = list(Institution.objects.filter(pk__in=ids))
    if len(awarding) != len(set(ids)):
        raise ValidationFailed({"awarding_institution_ids": ["unknown institution id"]})
    data = payload.dict(exclude={"awarding_institution_ids"})
    programme = services.programme_create(actor=request.user, data=data, awarding=awarding)
    return Status(201, selectors.programme_get(actor=request.user, pk=programme.pk))


@router.patch("/{int:pk}", response=ProgrammeDetailOut, summary="Update a programme")
def update_programme(request, pk: int, payload: ProgrammePatch):
    programme = selectors.programme_get(actor=request.user, pk=pk)
    if programme is None:
        raise NotFound()
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if k in PROGRAMME_FIELDS}
    services.programme_update(actor=request.user, programme=programme, data=data)
    return selectors.programme_get(actor=request.user, pk=pk)
