
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from ortaq.errors import NotFound

from . import selectors, services
from .forms import EDITABLE_FIELDS

router = Router(tags=["institutions"])


class InstitutionOut(Schema):
    id: int
    kind: str
    name_original: str
    name_latin: str
    name_kk: str
    name_ru: str
    name_zh: str
    name_en: str
    short_name: str
    country: str
    region: str
    city: str
    website: str
    kz_bin: str
    cn_uscc: str
    schac: str
    education_code: str
    accessibility_facilities: list[str]
    is_demo: bool


class InstitutionIn(Schema):
    kind: str
    name_original: str
    name_latin: str = ""
    name_kk: str = ""
    name_ru: str = ""
    name_zh: str = ""
    name_en: str = ""
    short_name: str = ""
    country: str
    region: str = ""
    city: str = ""
    address: str = ""
    website: str = ""
    email: str = ""
    phone: str = ""
    kz_bin: str = ""
    education_code: str = ""
    cn_uscc: str = ""
    schac: str = ""
    accessibility_facilities: list[str] = []


class InstitutionPatch(Schema):
    kind: str | None = None
    name_original: str | None = None
    name_latin: str | None = None
    name_kk: str | None = None
    name_ru: str | None = None
    name_zh: str | None = None
    name_en: str | None = None
    short_name: str | None = None
    country: str | None = None
    region: str | None = None
    city: str | None = None
    address: str | None = None
    website: str | None = None
    email: str | None = None
    phone: str | None = None
    kz_bin: str | None = None
    education_code: str | None = None
    cn_uscc: str | None = None
    schac: str | None = None
    accessibility_facilities: list[str] | None = None


class InstitutionFilters(FilterSchema):
    q: str = Field("", description="Search in names, city, BIN and USCC")
    kind: str = ""
    country: str = ""
    region: str = ""


@router.get("/", response=list[InstitutionOut], summary="List institutions")
@paginate(PageNumberPagination, page_size=50)
def list_institutions(request, filters: Query[InstitutionFilters]):
    return selectors.institution_list(actor=request.user, q=filters.q, kind=filters.kind, country=filters.country, region=filters.region)


@router.get("/{int:pk}", response=InstitutionOut, summary="An institution")
def get_institution(request, pk: int):
    institution = selectors.institution_get(actor=request.user, pk=pk)
    if institution is None:
        raise NotFound()
    return institution


@router.post("/", response={201: InstitutionOut}, summary="Register an institution")
def create_institution(request, payload: InstitutionIn):
    managed = selectors.institutions_managed_by(actor=request.user)
    institution = services.institution_create(
        actor=request.user, data=payload.dict(), registered_by=managed.first() if managed.count() == 1 else None
    )
    return Status(201, institution)


@router.patch("/{int:pk}", response=InstitutionOut, summary="Update an institution")
def update_institution(request, pk: int, payload: InstitutionPatch):
    institution = selectors.institution_get(actor=request.user, pk=pk)
    if institution is None:
        raise NotFound()
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if k in EDITABLE_FIELDS}
    return services.institution_update(actor=request.user, institution=institution, data=data)
