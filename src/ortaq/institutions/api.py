
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from ortaq.errors import Forbidden, NotFound, valid_or_raise
from ortaq.lib.idempotency import idempotent
from ortaq.lib.schemas import InputSchema, Line, Pages

from . import selectors, services
from .forms import InstitutionForm, edit_data
from .types import EDITABLE_FIELDS

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
    node: str | None = Field(None, description="The home node (its base URL) of an institution hosted on a peer node; null for this node's own")


class InstitutionIn(InputSchema):
    kind: Line
    name_original: Line
    name_latin: Line = ""
    name_kk: Line = ""
    name_ru: Line = ""
    name_zh: Line = ""
    name_en: Line = ""
    short_name: Line = ""
    country: Line
    region: Line = ""
    city: Line = ""
    address: Line = ""
    website: Line = ""
    email: Line = ""
    phone: Line = ""
    kz_bin: Line = ""
    education_code: Line = ""
    cn_uscc: Line = ""
    schac: Line = ""
    accessibility_facilities: list[Line] = Field([], max_length=50)


class InstitutionPatch(InputSchema):
    kind: Line | None = None
    name_original: Line | None = None
    name_latin: Line | None = None
    name_kk: Line | None = None
    name_ru: Line | None = None
    name_zh: Line | None = None
    name_en: Line | None = None
    short_name: Line | None = None
    country: Line | None = None
    region: Line | None = None
    city: Line | None = None
    address: Line | None = None
    website: Line | None = None
    email: Line | None = None
    phone: Line | None = None
    kz_bin: Line | None = None
    education_code: Line | None = None
    cn_uscc: Line | None = None
    schac: Line | None = None
    accessibility_facilities: list[Line] | None = Field(None, max_length=50)


class InstitutionFilters(FilterSchema):
    q: Line = Field("", description="Search in names, city, BIN and USCC")
    kind: Line = ""
    country: Line = ""
    region: Line = ""


@router.get("/", response=list[InstitutionOut], summary="List institutions")
@paginate(Pages, page_size=50)
def list_institutions(request, filters: Query[InstitutionFilters]):
    return selectors.institution_list(actor=request.user, q=filters.q, kind=filters.kind, country=filters.country, region=filters.region)


@router.get("/{int:pk}", response=InstitutionOut, summary="An institution")
def get_institution(request, pk: int):
    institution = selectors.institution_get(actor=request.user, pk=pk)
    if institution is None:
        raise NotFound()
    return institution


@router.post("/", response={201: InstitutionOut}, summary="Register an institution")
@idempotent
def create_institution(request, payload: InstitutionIn):
    if not selectors.may_register_institutions(actor=request.user):
        raise Forbidden()  # before the input is read, as for every other refusal of who may act
    details = valid_or_raise(InstitutionForm(data=payload.dict())).details()
    institution = services.institution_create(
        actor=request.user, details=details, registered_by=selectors.steward_of_new_institutions(actor=request.user)
    )
    return Status(201, institution)


@router.patch("/{int:pk}", response=InstitutionOut, summary="Update an institution")
def update_institution(request, pk: int, payload: InstitutionPatch):
    institution = selectors.institution_get(actor=request.user, pk=pk)
    if institution is None:
        raise NotFound()
    if not selectors.may_edit_institution(actor=request.user, institution=institution):
        raise Forbidden()
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if k in EDITABLE_FIELDS}
    details = valid_or_raise(InstitutionForm(data=edit_data(institution, changes), instance=institution)).details()
    return services.institution_update(actor=request.user, institution=institution, details=details)
