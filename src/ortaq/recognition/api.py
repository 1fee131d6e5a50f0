"""REST API for recognition (issue 16): dossiers, their decisions, appeals, and the conversion rules.

The operations call the selectors and services of the recognition pages, so the same people may do the same
things. Opening a dossier is idempotent by the record's own key (one dossier per learning agreement: asking again
answers 200 with the dossier already open). Dossiers have no version field: their transitions are guarded by the
services' state checks under row locks; the conversion rules have a `version`, and a save may name the version it
was made from (`expected_version`).
"""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from ortaq.accounts.selectors import access_for
from ortaq.errors import DomainError, NotFound, ValidationFailed, VersionConflict, valid_or_raise
from ortaq.lib.idempotency import idempotent
from ortaq.lib.schemas import Id, InputSchema, Int, Pages, Text
from ortaq.mobility.selectors import mobility_agreement_get
from ortaq.programmes.selectors import module_rows

from . import selectors, services
from .forms import ConversionRuleForm
from .models import Dossier

router = Router(tags=["recognition"])


class ItemOut(Schema):
    id: int
    component_id: int
    component_title: str
    host_grade: str
    home_grade: str
    credits_home: Decimal
    home_module_id: int | None
    decision: str
    substantial_difference: str
    compensating_measure: str
    proposed_module_ids: list[int]

    @staticmethod
    def resolve_component_title(obj):
        return obj.component.title

    @staticmethod
    def resolve_proposed_module_ids(obj):
        return [p["module"] for p in obj.proposal or [] if isinstance(p.get("module"), int)]


class AppealOut(Schema):
    id: int
    reason: str
    state: str
    filed_at: dt.datetime
    response: str
    decided_at: dt.datetime | None


class DossierOut(Schema):
    id: int
    mobility_agreement_id: int
    student_id: int
    home_institution_id: int
    state: str
    rule_version: int | None
    decided_at: dt.datetime | None
    decision_sha256: str
    appeal_deadline: dt.date | None


class DossierDetailOut(DossierOut):
    items: list[ItemOut]
    appeals: list[AppealOut]

    @staticmethod
    def resolve_items(obj):
        return list(obj.items.all())

    @staticmethod
    def resolve_appeals(obj):
        return list(obj.appeals.all())


class RuleOut(Schema):
    agreement_id: int | None
    hours_per_kz_credit: int
    hours_per_cn_credit: int
    hours_per_ects: int
    version: int


class DossierFilters(FilterSchema):
    state: Literal["", "open", "decided", "appealed", "final"] = ""


class OpenIn(InputSchema):
    mobility_agreement_id: Id


class ItemDecisionIn(InputSchema):
    decision: Literal["full", "partial", "refused"]
    home_module_id: Id | None = None
    substantial_difference: Text = ""
    compensating_measure: Text = ""


class AppealIn(InputSchema):
    reason: Text


class AppealDecisionIn(InputSchema):
    outcome: Literal["uphold", "change"]
    response: Text


class RuleIn(InputSchema):
    agreement_id: Id | None = Field(None, description="An agreement in force; none: the default rule")
    hours_per_kz_credit: Int
    hours_per_cn_credit: Int
    hours_per_ects: Int
    expected_version: Int | None = Field(None, description="Refuse the save if the rule has moved on")


def _get(request, pk: int) -> Dossier:
    dossier = selectors.dossier_get(actor=request.user, pk=pk)
    if dossier is None:
        raise NotFound()
    return dossier


def _admin(request) -> None:
    if not access_for(request.user).is_admin:
        raise NotFound()  # as the rules page: nobody else learns it exists


@router.get("/dossiers/", response=list[DossierOut], summary="Recognition dossiers visible to you")
@paginate(Pages, page_size=50)
def list_dossiers(request, filters: Query[DossierFilters]):
    qs = selectors.dossiers_visible_to(actor=request.user).order_by("-id")
    return qs.filter(state=filters.state) if filters.state else qs


@router.post("/dossiers/", response={200: DossierDetailOut, 201: DossierDetailOut},
             summary="Open recognition for a learning agreement whose transcript has arrived (201; 200 when it is already open)")
@idempotent
def open_dossier(request, payload: OpenIn):
    agreement = mobility_agreement_get(actor=request.user, pk=payload.mobility_agreement_id)
    if agreement is None:
        raise NotFound()
    existed = selectors.dossiers_visible_to(actor=request.user).filter(mobility_agreement_id=agreement.pk).exists()
    dossier = services.dossier_open(actor=request.user, mobility_agreement=agreement)
    return Status(200 if existed else 201, _get(request, dossier.pk))


@router.get("/dossiers/{int:pk}", response=DossierDetailOut, summary="A dossier with its items and appeals")
def get_dossier(request, pk: int):
    return _get(request, pk)


@router.post("/dossiers/{int:pk}/items/{int:item_id}/decide", response=DossierDetailOut, summary="Decide on one component's recognition")
def decide_item(request, pk: int, item_id: int, payload: ItemDecisionIn):
    dossier = _get(request, pk)
    item = dossier.items.filter(pk=item_id).first()
    if item is None:
        raise NotFound()
    module = None
    if payload.home_module_id is not None:
        module = module_rows(ids=[payload.home_module_id]).first()
        if module is None:
            raise ValidationFailed({"home_module_id": [str(_("Choose a module of the learner's programme at home."))]})
    services.item_decide(actor=request.user, item=item, decision=payload.decision, home_module=module,
                         substantial_difference=payload.substantial_difference, compensating_measure=payload.compensating_measure)
    return _get(request, pk)


@router.post("/dossiers/{int:pk}/sign", response=DossierDetailOut, summary="Sign the decision (every component decided)")
def sign_dossier(request, pk: int):
    services.dossier_sign(actor=request.user, dossier=_get(request, pk))
    return _get(request, pk)


@router.post("/dossiers/{int:pk}/appeals", response={201: AppealOut}, summary="Appeal the signed decision (the student, within 30 days)")
@idempotent
def file_appeal(request, pk: int, payload: AppealIn):
    appeal = services.appeal_file(actor=request.user, dossier=_get(request, pk), reason=payload.reason)
    return Status(201, appeal)


@router.post("/dossiers/{int:pk}/appeals/{int:appeal_id}/decide", response=AppealOut, summary="Decide an appeal (a second reviewer)")
def decide_appeal(request, pk: int, appeal_id: int, payload: AppealDecisionIn):
    appeal = _get(request, pk).appeals.filter(pk=appeal_id).first()
    if appeal is None:
        raise NotFound()
    return services.appeal_decide(actor=request.user, appeal=appeal, change=payload.outcome == "change", response=payload.response)


@router.get("/rules", response=list[RuleOut], summary="Credit conversion rules (platform administrators)")
def list_rules(request):
    _admin(request)
    return selectors.conversion_rules()


@router.post("/rules", response=RuleOut, summary="Save a new version of the default rule or of an agreement's rule")
def save_rule(request, payload: RuleIn):
    _admin(request)
    data = payload.dict()
    expected = data.pop("expected_version")
    form = valid_or_raise(ConversionRuleForm(data={**data, "agreement": data.pop("agreement_id") or ""}))
    agreement = form.cleaned_data["agreement"]
    current = next((r for r in selectors.conversion_rules() if r.agreement_id == getattr(agreement, "pk", None)), None)
    if expected is not None and current is not None and current.version != expected:
        # Checked here, not under the service's lock: the service takes no expected version yet (a save racing
        # this check still makes a new, audited version rather than losing one).
        raise VersionConflict(current.version, _("The rule has changed since you read it (now version %(version)d).") % {"version": current.version})
    return services.conversion_rule_save(actor=request.user, agreement=agreement, hours=form.to_input())
