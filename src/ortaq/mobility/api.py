"""REST API for mobility (issue 16): calls, applications, placement rounds, nominations, learning and training
agreements and their logbooks.

Every operation calls the selector or service the web page calls, so who may read or do what is decided in one
place; an object the caller may not see answers 404, one they may see but not change answers 403 (from the
service). Creation is idempotent by the records' own keys rather than by an Idempotency-Key header: an
application is one per call and applicant (PUT saves it again), a logbook week is one per week, a signature one per
party and version, and a round cannot be requested while another runs. `expected_version` is the learning or
training agreement's `version`; calls, applications, rounds and nominations have no version field (their state
transitions are guarded by row locks in the services instead).
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db import transaction
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.params.functions import Query as QueryParam
from ninja.pagination import paginate

from ortaq.errors import Forbidden, NotFound, valid_or_raise
from ortaq.i18n import requested_language, shown
from ortaq.inputs import DateField, parse
from ortaq.lib.idempotency import idempotent
from ortaq.lib.schemas import INT32_MAX, READERS, Id, InputSchema, Int, Line, Pages, Text, WrittenTitleOut

from . import (
    during, edit_services, grades, remote_agreement_services, remote_change_services, remote_logbook_services, remote_services, remote_transcript_services, round_services,
    selectors, services,
)
from .forms import ApplicationForm, ScoreForm
from .models import MobilityAgreementState, NominationState, OfferState, Party, Rating, ReasonCode

router = Router(tags=["mobility"])

IsoDate = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", max_length=10, description="YYYY-MM-DD")]
Score = Annotated[int, Field(ge=0, le=100)]


# Output ------------------------------------------------------------------------------------------------------



class CallOut(WrittenTitleOut):
    id: int
    written_in: str = Field(..., description="The language the author wrote it in (decision 0009)")
    translations: dict[str, dict[str, str]] = Field(..., description="The other language versions: {language: {\"title\": text}}")
    acceptance_days: int
    owner_id: int
    mobility_type: str
    academic_year: int
    deadline: dt.datetime
    max_choices: int
    ranking_rule: str
    state: str
    version: str = Field(..., description="Send it back as `expected_version` with an edit or a transition")

    @staticmethod
    def resolve_version(obj):
        return edit_services.call_version(obj)


class ChoiceOut(Schema):
    rank: int
    option_id: int


class ApplicationOut(Schema):
    id: int
    call_id: int
    applicant_id: int
    applicant_name: str
    state: str
    receipt: str
    year_of_study: int | None
    grade: Decimal | None
    motivation: str
    programme_id: int | None
    share_accessibility_needs: bool
    submitted_at: dt.datetime | None
    motivation_score: int | None
    interview_score: int | None
    choices: list[ChoiceOut]

    @staticmethod
    def resolve_applicant_name(obj):
        return obj.applicant.full_name

    @staticmethod
    def resolve_choices(obj):
        return sorted(obj.choices.all(), key=lambda c: c.rank)


class RoundOut(Schema):
    id: int
    call_id: int
    number: int
    state: str
    progress: int
    created_at: dt.datetime
    published_at: dt.datetime | None
    version: str = Field(..., description="Send it back as `expected_version` with a transition")

    @staticmethod
    def resolve_version(obj):
        return edit_services.round_version(obj)


class ExplanationOut(Schema):
    option: int
    reason: str
    rank: int | None = None


class PlacementOutcomeOut(Schema):
    id: int
    application_id: int
    applicant_name: str
    option_id: int | None
    explanations: list[ExplanationOut]

    @staticmethod
    def resolve_applicant_name(obj):
        return obj.application.applicant.full_name

    @staticmethod
    def resolve_explanations(obj):
        return [{"option": e["option"], "reason": e["reason"], "rank": e.get("rank") if isinstance(e.get("rank"), int) else None}
                for e in obj.explanations or []]


class NominationOut(Schema):
    id: int
    application_id: int
    applicant_name: str
    call_id: int
    option_id: int
    host_id: int
    state: str
    reason: str
    decided_at: dt.datetime | None
    mobility_agreement_id: int | None
    version: str = Field(..., description="Send it back as `expected_version` with the decision")

    @staticmethod
    def resolve_version(obj):
        return edit_services.nomination_version(obj)

    @staticmethod
    def resolve_applicant_name(obj):
        return obj.application.applicant.full_name

    @staticmethod
    def resolve_call_id(obj):
        return obj.application.call_id

    @staticmethod
    def resolve_mobility_agreement_id(obj):
        agreement = getattr(obj, "mobility_agreement", None) if hasattr(obj, "mobility_agreement") else None
        return agreement.pk if agreement else None


class RemoteNominationOut(Schema):
    """A nomination made on another node to a host here (docs/federation.md, "nomination.sent"): only what crossed."""

    id: int
    node: str = Field(..., description="The nomination's home node (its id, a base URL), where the call and the application stay")
    home_id: str = Field(..., description="The nomination's id on its home node")
    host_id: int
    sending_id: int = Field(..., description="The sending institution (this node's copy of it)")
    learner_name: str = Field(..., description="In original script")
    learner_name_latin: str
    call_title: str
    call_language: str = Field(..., description="The language `call_title` is written in")
    mobility_type: str
    academic_year: int | None
    isced_code: str
    start_date: dt.date | None
    end_date: dt.date | None
    duration: int | None
    duration_unit: str
    answer_by: dt.datetime | None
    state: str
    reason: str = Field(..., description="The host's reason for declining; for a withdrawn one, the home node's code "
                                         "(superseded, declined, lapsed)")
    decided_at: dt.datetime | None
    received_at: dt.datetime

    @staticmethod
    def resolve_node(obj):
        return obj.home_node


class ComponentOut(Schema):
    id: int
    code: str
    title: str
    credits: Decimal
    hours: int
    recognition: str
    outcome_ids: list[int]

    @staticmethod
    def resolve_outcome_ids(obj):
        return sorted(o.pk for o in obj.outcomes.all())


class SignatureOut(Schema):
    party: str
    version: int
    sha256: str
    signed_by_id: int | None  # None: the receiving party signed on its own node (signed_on_node, signer_name)
    signed_on_node: str = ""
    signer_name: str = ""
    signed_at: dt.datetime


class ProposalOut(Schema):
    id: int
    base_version: int
    reason_code: str
    comment: str
    state: str
    proposed_by_id: int | None  # None: the host proposed it on its own node (proposed_on_node, proposer_name)
    proposed_on_node: str = ""
    proposer_name: str = ""
    proposed_at: dt.datetime


class MobilityAgreementOut(Schema):
    id: int
    kind: str
    state: str
    version: int
    start_date: dt.date
    end_date: dt.date
    weekly_hours: int
    nomination_id: int
    components: list[ComponentOut]
    signatures: list[SignatureOut]
    proposals: list[ProposalOut]

    @staticmethod
    def resolve_components(obj):
        return list(obj.components.all())

    @staticmethod
    def resolve_signatures(obj):
        return [s for s in obj.signatures.all() if s.version == obj.version]

    @staticmethod
    def resolve_proposals(obj):
        return list(obj.proposals.all())


class LogbookEntryOut(Schema):
    id: int
    week_start: dt.date
    hours: Decimal
    description: str
    state: str
    verified_hours: Decimal | None
    supervisor_comment: str
    verified_on_node: str = Field("", description="The host's node, when its staff decided there (else empty)")
    verifier_name: str = Field("", description="Who decided on the host's node, as its message named them")
    outcome_ids: list[int]

    @staticmethod
    def resolve_outcome_ids(obj):
        return sorted(o.pk for o in obj.outcomes.all())


# Input -------------------------------------------------------------------------------------------------------

class CallFilters(FilterSchema):
    q: Line = Field("", description="In the title")
    state: Line = ""


class ApplicationIn(InputSchema):
    year_of_study: Int
    grade: float = Field(..., ge=0, le=100, description="Average grade, 0–100")
    motivation: Text = ""
    programme_id: Id | None = None
    share_accessibility_needs: bool = False
    option_ids: list[Id] = Field(default_factory=list, max_length=20, description="The call's options, most wanted first")
    submit: bool = Field(False, description="Submit (eligibility is checked and a receipt issued); false saves a draft")


class ApplicationFilters(FilterSchema):
    status: Literal["", *selectors.APPLICATION_FILTERS] = ""  # type: ignore[valid-type]
    option: Id | None = None
    name: Line = Field("", description="Applicant's name or receipt")


class ScoreIn(InputSchema):
    motivation_score: Score | None = None
    interview_score: Score | None = None


class OutcomeFilters(FilterSchema):
    placed: Literal["", "yes", "no"] = ""
    option: Id | None = None
    name: Line = ""


class NominationDecisionIn(InputSchema):
    decision: Literal["accept", "decline"]
    reason: Text = ""
    expected_version: Annotated[Line, Field(max_length=64)] | None = Field(None, description="The `version` you read; another current one answers 409")


class RemoteNominationDecisionIn(InputSchema):
    # No expected_version: the only change is from pending, and a second decision is refused with "state".
    decision: Literal["accept", "decline"]
    reason: Text = ""


class SignIn(InputSchema):
    party: Literal[tuple(Party.values)]  # type: ignore[valid-type]
    expected_version: Int | None = Field(None, description="Refuse the signature if the agreement has moved on")


class ComponentIn(InputSchema):
    code: Line = ""
    title: Line
    credits: float = Field(0, ge=0, le=60)
    hours: Int = 0
    recognition: Line = ""
    outcome_ids: list[Id] = Field(default_factory=list, max_length=100)


class ChangeIn(InputSchema):
    components: list[ComponentIn] = Field(..., min_length=1, max_length=200)
    reason_code: Literal[tuple(ReasonCode.values)]  # type: ignore[valid-type]
    comment: Text = ""
    expected_version: Int | None = None


class LogbookIn(InputSchema):
    week_start: IsoDate
    hours: float = Field(..., gt=0, le=80)
    description: Text
    outcome_ids: list[Id] = Field(default_factory=list, max_length=100)


class VerifyIn(InputSchema):
    decision: Literal["verify", "return"]
    verified_hours: float = Field(0, ge=0, le=80)
    comment: Text = ""


# Helpers -----------------------------------------------------------------------------------------------------

def _call(request, pk: int):
    call = selectors.call_get(actor=request.user, pk=pk)
    if call is None:
        raise NotFound()
    return call


def _own_application(request, call):
    application = selectors.own_application(actor=request.user, call=call, with_form=False)
    if application is None:
        raise NotFound()
    return application


def _round(request, pk: int):
    placement_round = selectors.round_for_page(actor=request.user, pk=pk)
    if placement_round is None:
        raise NotFound()
    return placement_round


def _agreement(request, pk: int):
    agreement = selectors.mobility_agreement_get(actor=request.user, pk=pk)
    if agreement is None:
        raise NotFound()
    return agreement


def expected_version_query() -> Any:
    """A transition without a body takes the version it was decided on in the query: `?expected_version=...`."""
    return QueryParam(None, min_length=1, max_length=64, pattern=r"^[0-9a-f]+$",
                      description="The `version` you read; another current one answers 409 version_conflict")


def _date(value: str, name: str) -> dt.date:
    return parse(DateField(), value, name=name)  # 1900–2199 and a real day, with the web forms' messages


# Calls -------------------------------------------------------------------------------------------------------

@router.get("/calls/", response=list[CallOut], summary="Calls for applications visible to you")
@paginate(Pages, page_size=50)
def list_calls(request, filters: Query[CallFilters]):
    qs = selectors.calls_visible_to(actor=request.user).prefetch_related("eligible_programmes")  # for `version`
    if filters.q:
        qs = qs.filter(title__icontains=filters.q)
    if filters.state:
        qs = qs.filter(state=filters.state)
    return qs


@router.get("/calls/{int:pk}", response=CallOut, summary="A call")
def get_call(request, pk: int):
    return _call(request, pk)


# Applications ------------------------------------------------------------------------------------------------

@router.get("/calls/{int:pk}/application", response=ApplicationOut, summary="Your own application to a call")
def get_own_application(request, pk: int):
    return _own_application(request, _call(request, pk))


@router.put("/calls/{int:pk}/application", response=ApplicationOut,
            summary="Save your application as a draft, or submit it (one per call and applicant: repeating the request changes nothing more)")
def save_own_application(request, pk: int, payload: ApplicationIn):
    call = _call(request, pk)
    form = ApplicationForm(data={"year_of_study": payload.year_of_study, "grade": str(payload.grade), "motivation": payload.motivation,
                                 "programme": payload.programme_id or "", "share_accessibility_needs": payload.share_accessibility_needs})
    said = valid_or_raise(form).to_input()
    services.application_save(actor=request.user, call=call, application=said, option_ids=list(payload.option_ids), submit=payload.submit)
    return _own_application(request, call)


@router.post("/calls/{int:pk}/application/withdraw", response=ApplicationOut, summary="Withdraw your application")
def withdraw_own_application(request, pk: int):
    call = _call(request, pk)
    services.application_withdraw(actor=request.user, application=_own_application(request, call))
    return _own_application(request, call)


@router.get("/calls/{int:pk}/applications", response=list[ApplicationOut], summary="A call's applications (its coordinators)")
@paginate(Pages, page_size=25)
def list_call_applications(request, pk: int, filters: Query[ApplicationFilters]):
    call = _call(request, pk)
    if not selectors.manages_call(actor=request.user, call=call):
        raise Forbidden()  # they see the call, not who applied to it
    rounds = list(selectors.rounds_of(call))
    return selectors.call_applications(actor=request.user, call=call, status=filters.status, option_id=filters.option, name=filters.name,
                                       rounds=rounds).prefetch_related("choices")


@router.post("/calls/{int:pk}/applications/{int:application_id}/score", response=ApplicationOut, summary="Score an application")
def score_application(request, pk: int, application_id: int, payload: ScoreIn):
    call = _call(request, pk)
    application = selectors.applications_for_coordinator(actor=request.user, call=call).filter(pk=application_id).first()
    if application is None:
        raise NotFound()
    scores = valid_or_raise(ScoreForm(data={k: "" if v is None else v for k, v in payload.dict().items()})).to_input()
    services.application_score(actor=request.user, application=application, scores=scores)
    return selectors.applications_for_coordinator(actor=request.user, call=call).get(pk=application_id)


# Rounds ------------------------------------------------------------------------------------------------------

@router.post("/calls/{int:pk}/rounds", response={201: RoundOut}, summary="Request a dry run of the placement")
@idempotent
def request_round(request, pk: int):
    placement_round = round_services.round_request(actor=request.user, call=_call(request, pk))
    return Status(201, placement_round)


@router.get("/rounds/{int:pk}", response=RoundOut, summary="A placement round")
def get_round(request, pk: int):
    return _round(request, pk)


@router.get("/rounds/{int:pk}/outcomes", response=list[PlacementOutcomeOut], summary="A round's results, a page at a time")
@paginate(Pages, page_size=50)
def list_round_outcomes(request, pk: int, filters: Query[OutcomeFilters]):
    placement_round = _round(request, pk)
    return selectors.round_outcome_rows(actor=request.user, placement_round=placement_round, placed=filters.placed,
                                        option_id=filters.option, name=filters.name)


@router.post("/rounds/{int:pk}/publish", response=RoundOut, summary="Publish a dry run: applicants see results, hosts get nominations")
def publish_round(request, pk: int, expected_version: str | None = expected_version_query()):
    placement_round = _round(request, pk)
    with transaction.atomic():
        edit_services.check_round(placement_round, expected_version)
        round_services.round_publish(actor=request.user, placement_round=placement_round)
    return _round(request, pk)


# Nominations -------------------------------------------------------------------------------------------------

class NominationFilters(FilterSchema):
    state: Literal["", "pending", "accepted", "declined"] = ""


@router.get("/nominations/", response=list[NominationOut], summary="Nominations to your institutions")
@paginate(Pages, page_size=50)
def list_nominations(request, filters: Query[NominationFilters]):
    qs = selectors.nominations_for_host(actor=request.user).select_related("mobility_agreement").order_by("-id")
    return qs.filter(state=filters.state) if filters.state else qs


class RemoteNominationFilters(FilterSchema):
    state: Literal["", *NominationState.values] = ""  # type: ignore[valid-type]  # withdrawn: by their home node


# Before `/nominations/{pk}/...`: "remote" is a segment of its own, never a nomination's id.
@router.get("/nominations/remote/", response=list[RemoteNominationOut],
            summary="Nominations made on other nodes to your institutions (the host decides here, the decision goes home)")
@paginate(Pages, page_size=50)
def list_remote_nominations(request, filters: Query[RemoteNominationFilters]):
    qs = selectors.remote_nominations_for_host(actor=request.user).order_by("-id")
    return qs.filter(state=filters.state) if filters.state else qs


@router.post("/nominations/remote/{int:pk}/decide", response=RemoteNominationOut,
             summary="Accept or decline a nomination from another node (declining needs a reason); the decision goes to its home node")
def decide_remote_nomination(request, pk: int, payload: RemoteNominationDecisionIn):
    nomination = selectors.remote_nomination_for_host(actor=request.user, pk=pk)
    if nomination is None:
        raise NotFound()
    remote_services.remote_nomination_decide(actor=request.user, nomination=nomination, accept=payload.decision == "accept", reason=payload.reason)
    return selectors.remote_nomination_for_host(actor=request.user, pk=pk)


@router.post("/nominations/{int:pk}/decide", response=NominationOut, summary="Accept or decline a nominee (declining needs a reason)")
def decide_nomination(request, pk: int, payload: NominationDecisionIn):
    nomination = selectors.nomination_for_host(actor=request.user, pk=pk)
    if nomination is None:
        raise NotFound()
    with transaction.atomic():
        edit_services.check_nomination(nomination, payload.expected_version)
        round_services.nomination_decide(actor=request.user, nomination=nomination, accept=payload.decision == "accept", reason=payload.reason)
    return selectors.nomination_for_host(actor=request.user, pk=pk)


# Agreements drafted on another node: the host's side ---------------------------------------------------------
# The host's copy of a learning or training agreement whose nomination came from another node (RemoteMobilityAgreement,
# docs/federation.md): its staff read and sign it, verify the logbook weeks the learner keeps at home, record the
# results and send them home as a signed transcript, through the services the web page calls (remote_*_services.py).
# Declared before `/agreements/{pk}...`: "remote" is a segment of its own, never an agreement's id.

class RemoteComponentOut(Schema):
    code: str
    title: str
    credits: Decimal | None
    hours: int | None
    recognition: str
    outcomes: list[int] = Field(..., description="The learning outcomes it serves, by their id on the home node (texts in `outcome_texts`)")


class RemoteContentOut(Schema):
    kind: str
    start_date: str = Field(..., description="YYYY-MM-DD")
    end_date: str = Field(..., description="YYYY-MM-DD")
    weekly_hours: int | None
    components: list[RemoteComponentOut]


class RemoteSignatureOut(Schema):
    party: str
    version: int
    sha256: str


class RemoteGradeOut(Schema):
    component: int = Field(..., description="The component's position in `content.components`, from 0")
    code: str
    host_grade: str
    host_scale: str


class RemoteRatingOut(Schema):
    outcome: int = Field(..., description="The learning outcome's id on the home node")
    rating: str
    comment: str


class RemoteResultsOut(Schema):
    components: list[RemoteGradeOut]
    outcomes: list[RemoteRatingOut]


class RemoteAgreementOut(Schema):
    id: int
    node: str = Field(..., description="The agreement's home node (its id, a base URL), where it is drafted and its logbook kept")
    home_id: str = Field(..., description="The agreement's id on its home node")
    nomination_id: int = Field(..., description="The nomination from that node (GET /nominations/remote/)")
    host_id: int
    learner_name: str = Field(..., description="In original script")
    learner_name_latin: str
    version: int = Field(..., description="Send it back as `expected_version` with the signature")
    sha256: str = Field(..., description="The SHA-256 of `content` as the home node hashed it")
    state: str = Field(..., description="As the home node records it: draft, signing, signed")
    content: RemoteContentOut
    outcome_texts: dict[str, dict[str, str]] = Field(..., description="{outcome id: {language: text}}, as the home node sent them")
    signatures: list[RemoteSignatureOut] = Field(..., description="The parties' signatures as the home node last recorded them")
    signed_version: int | None = Field(..., description="The version the host signed here (the home node confirms it in `signatures`)")
    signed_at: dt.datetime | None
    results: RemoteResultsOut = Field(..., description="The host's grades and ratings, kept here until the transcript is sent")
    transcript_credential: str = Field(..., description="The public id of the signed transcript once sent, else empty")
    transcript_sent_at: dt.datetime | None

    @staticmethod
    def resolve_node(obj):
        return obj.nomination.home_node

    @staticmethod
    def resolve_host_id(obj):
        return obj.nomination.host_id

    @staticmethod
    def resolve_learner_name(obj):
        return obj.nomination.learner_name

    @staticmethod
    def resolve_learner_name_latin(obj):
        return obj.nomination.learner_name_latin

    @staticmethod
    def resolve_content(obj):
        return _remote_content(obj.content if isinstance(obj.content, dict) else {})

    @staticmethod
    def resolve_outcome_texts(obj):
        texts = obj.outcome_texts if isinstance(obj.outcome_texts, dict) else {}
        return {str(k): {str(lang): str(t) for lang, t in v.items()} for k, v in texts.items() if isinstance(v, dict)}

    @staticmethod
    def resolve_signatures(obj):
        return [{"party": str(s.get("party", "")), "version": _whole(s.get("version")) or 0, "sha256": str(s.get("sha256", ""))}
                for s in obj.signatures or [] if isinstance(s, dict)]

    @staticmethod
    def resolve_results(obj):
        results = obj.results if isinstance(obj.results, dict) else {}
        codes = [c["code"] for c in _remote_content(obj.content if isinstance(obj.content, dict) else {})["components"]]
        graded, rated = _numbered(results.get("components")), _numbered(results.get("outcomes"))
        return {"components": [{"component": i, "code": codes[i] if i < len(codes) else "", "host_grade": str(v.get("grade", "")),
                                "host_scale": str(v.get("scale", ""))} for i, v in graded],
                "outcomes": [{"outcome": i, "rating": str(v.get("rating", "")), "comment": str(v.get("comment", ""))} for i, v in rated]}


def _numbered(entries: object) -> list[tuple[int, dict]]:
    """{"<number>": {...}} (how the results are kept) as (number, entry) pairs in order."""
    pairs = [(int(k), v) for k, v in entries.items() if str(k).isdigit() and isinstance(v, dict)] if isinstance(entries, dict) else []
    return sorted(pairs, key=lambda pair: pair[0])


def _whole(value: object) -> int | None:
    """A whole number from another node's JSON (an int, or its digits as text), else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 19 else None


def _decimal(value: object) -> Decimal | None:
    try:
        number = Decimal(str(value)) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else None
    except ArithmeticError:
        return None
    return number if number is not None and number.is_finite() else None


def _remote_content(content: dict) -> dict:
    """The content as the home node sent it (checked on arrival: dates, components), in the shape documented here."""
    components = [c for c in content.get("components") or [] if isinstance(c, dict)]
    return {"kind": str(content.get("kind", "")), "start_date": str(content.get("start_date", "")), "end_date": str(content.get("end_date", "")),
            "weekly_hours": _whole(content.get("weekly_hours")),
            "components": [{"code": str(c.get("code", "")), "title": str(c.get("title", "")), "credits": _decimal(c.get("credits")),
                            "hours": _whole(c.get("hours")), "recognition": str(c.get("recognition", "")),
                            "outcomes": [o for o in c.get("outcomes") or [] if isinstance(o, int) and not isinstance(o, bool)]}
                           for c in components]}


class RemoteLogbookEntryOut(Schema):
    id: int
    home_id: str = Field(..., description="The week's id on the agreement's home node")
    week_start: dt.date
    hours: Decimal
    description: str
    outcomes: list[int] = Field(..., description="Learning outcomes, by their id on the home node")
    state: str
    verified_hours: Decimal | None
    comment: str
    verified_at: dt.datetime | None


class RemoteAgreementFilters(FilterSchema):
    state: Literal["", *MobilityAgreementState.values] = ""  # type: ignore[valid-type]


class RemoteSignIn(InputSchema):
    expected_version: Id = Field(..., description="The `version` you read; another current one answers 409 version_conflict")


class RemoteChangeIn(InputSchema):
    components: list[ComponentIn] = Field(..., min_length=1, max_length=200,
                                          description="The whole new list; `outcome_ids` only among those the current content names (ids at home)")
    reason_code: Literal[tuple(ReasonCode.values)]  # type: ignore[valid-type]
    comment: Text = ""
    expected_version: Id = Field(..., description="The `version` you read; another current one answers 409 version_conflict")


class RemoteChangeOut(Schema):
    id: int
    base_version: int
    components: list[RemoteComponentOut]
    reason_code: str
    comment: str
    state: str = Field(..., description="pending until the agreement's home node decides: approved or rejected")
    response: str
    proposed_by_id: int | None
    proposed_at: dt.datetime


class RemoteResultIn(InputSchema):
    component: Annotated[int, Field(ge=0, le=INT32_MAX)] = Field(..., description="The component's position in `content.components`, from 0")
    host_grade: Annotated[Line, Field(min_length=1, max_length=10)]
    host_scale: Literal[grades.SCALES]  # type: ignore[valid-type]


class RemoteEvaluationIn(InputSchema):
    outcome: Id = Field(..., description="A learning outcome the agreement's components name, by its id on the home node")
    rating: Literal[tuple(Rating.values)]  # type: ignore[valid-type]
    comment: Text = ""


def _remote_agreement(request, pk: int):
    row = selectors.remote_agreement_for_host(actor=request.user, pk=pk)
    if row is None:
        raise NotFound()
    return row


@router.get("/agreements/remote/", response=list[RemoteAgreementOut],
            summary="Agreements drafted on other nodes for your institutions to host (the host signs, verifies and evaluates here)")
@paginate(Pages, page_size=50)
def list_remote_agreements(request, filters: Query[RemoteAgreementFilters]):
    qs = selectors.remote_agreements_for_host(actor=request.user).order_by("-id")
    return qs.filter(state=filters.state) if filters.state else qs


@router.get("/agreements/remote/{int:pk}", response=RemoteAgreementOut, summary="An agreement drafted on another node, as its home node sent it")
def get_remote_agreement(request, pk: int):
    return _remote_agreement(request, pk)


@router.post("/agreements/remote/{int:pk}/sign", response=RemoteAgreementOut,
             summary="Sign the current version as the receiving institution; the signature goes to the agreement's home node")
def sign_remote_agreement(request, pk: int, payload: RemoteSignIn):
    remote_agreement_services.remote_agreement_sign(actor=request.user, agreement=_remote_agreement(request, pk), expected_version=payload.expected_version)
    return _remote_agreement(request, pk)


@router.post("/agreements/remote/{int:pk}/changes", response={201: RemoteChangeOut},
             summary="Propose a change of components of the version read (the host's staff); the agreement's home node decides it")
@idempotent
def propose_remote_change(request, pk: int, payload: RemoteChangeIn):
    rows = [{"code": c.code, "title": c.title, "credits": str(c.credits), "hours": c.hours, "recognition": c.recognition,
             "outcomes": list(c.outcome_ids)} for c in payload.components]
    proposal = remote_change_services.remote_change_propose(actor=request.user, agreement=_remote_agreement(request, pk), components=rows,
                                                            reason_code=payload.reason_code, comment=payload.comment,
                                                            expected_version=payload.expected_version)
    return Status(201, proposal)


@router.get("/agreements/remote/{int:pk}/logbook", response=list[RemoteLogbookEntryOut], summary="The logbook's weeks the learner submitted at home")
@paginate(Pages, page_size=50)
def list_remote_logbook(request, pk: int):
    return _remote_agreement(request, pk).logbook.order_by("week_start", "id")


@router.post("/agreements/remote/{int:pk}/logbook/{int:entry_id}/verify", response=RemoteLogbookEntryOut,
             summary="Verify or return a week (the host's staff); the decision goes to the agreement's home node")
def verify_remote_logbook_week(request, pk: int, entry_id: int, payload: VerifyIn):
    entry = _remote_agreement(request, pk).logbook.filter(pk=entry_id).first()
    if entry is None:
        raise NotFound()
    return remote_logbook_services.remote_logbook_verify(actor=request.user, entry=entry, approve=payload.decision == "verify",
                                                         verified_hours=str(payload.verified_hours), comment=payload.comment)


@router.post("/agreements/remote/{int:pk}/results", response=RemoteAgreementOut,
             summary="Record a component's grade in one of the platform's scales (the host's staff); kept here until the transcript is sent")
def record_remote_result(request, pk: int, payload: RemoteResultIn):
    remote_transcript_services.remote_result_record(actor=request.user, agreement=_remote_agreement(request, pk), component=payload.component,
                                                    host_grade=payload.host_grade, host_scale=payload.host_scale)
    return _remote_agreement(request, pk)


@router.post("/agreements/remote/{int:pk}/evaluations", response=RemoteAgreementOut,
             summary="Rate a learning outcome the agreement names (the host's staff); rating it again replaces the rating")
def evaluate_remote_outcome(request, pk: int, payload: RemoteEvaluationIn):
    remote_transcript_services.remote_outcome_evaluate(actor=request.user, agreement=_remote_agreement(request, pk), outcome=payload.outcome,
                                                       rating=payload.rating, comment=payload.comment)
    return _remote_agreement(request, pk)


@router.post("/agreements/remote/{int:pk}/transcript", response=RemoteAgreementOut,
             summary="Sign the results as the host institution's transcript of records and send it to the agreement's home node "
                     "(a coordinator or registrar of the host, once every component has a grade; once)")
def send_remote_transcript(request, pk: int):
    remote_transcript_services.remote_transcript_send(actor=request.user, agreement=_remote_agreement(request, pk))
    return _remote_agreement(request, pk)


# Learning and training agreements ----------------------------------------------------------------------------

@router.get("/agreements/{int:pk}", response=MobilityAgreementOut, summary="A learning or training agreement with its components")
def get_mobility_agreement(request, pk: int):
    return _agreement(request, pk)


@router.post("/agreements/{int:pk}/sign", response=MobilityAgreementOut, summary="Sign the current version for a party you represent")
def sign_mobility_agreement(request, pk: int, payload: SignIn):
    during.mobility_agreement_sign(actor=request.user, agreement=_agreement(request, pk), party=payload.party, expected_version=payload.expected_version)
    return _agreement(request, pk)


@router.post("/agreements/{int:pk}/changes", response={201: ProposalOut}, summary="Propose a change of components, with a reason")
@idempotent
def propose_change(request, pk: int, payload: ChangeIn):
    rows = [{"code": c.code, "title": c.title, "credits": str(c.credits), "hours": c.hours, "recognition": c.recognition,
             "outcomes": list(c.outcome_ids)} for c in payload.components]
    proposal = during.change_propose(actor=request.user, agreement=_agreement(request, pk), components=rows, reason_code=payload.reason_code,
                                     comment=payload.comment, expected_version=payload.expected_version)
    return Status(201, proposal)


@router.get("/agreements/{int:pk}/logbook", response=list[LogbookEntryOut], summary="The logbook's weeks")
@paginate(Pages, page_size=50)
def list_logbook(request, pk: int):
    return _agreement(request, pk).logbook.prefetch_related("outcomes").order_by("week_start")


@router.post("/agreements/{int:pk}/logbook", response={201: LogbookEntryOut}, summary="Log a week (the learner); a week is logged once, until verified")
@idempotent
def add_logbook_week(request, pk: int, payload: LogbookIn):
    agreement = _agreement(request, pk)
    with transaction.atomic():
        entry = during.logbook_submit(actor=request.user, agreement=agreement, week_start=_date(payload.week_start, "week_start"),
                                      hours=str(payload.hours), description=payload.description, outcome_ids=list(payload.outcome_ids))
    return Status(201, agreement.logbook.prefetch_related("outcomes").get(pk=entry.pk))


@router.post("/agreements/{int:pk}/logbook/{int:entry_id}/verify", response=LogbookEntryOut, summary="Verify or return a week (the host)")
def verify_logbook_week(request, pk: int, entry_id: int, payload: VerifyIn):
    agreement = _agreement(request, pk)
    entry = agreement.logbook.filter(pk=entry_id).first()
    if entry is None:
        raise NotFound()
    during.logbook_verify(entry=entry, verified_hours=str(payload.verified_hours), approve=payload.decision == "verify", comment=payload.comment,
                          actor=request.user)
    return agreement.logbook.prefetch_related("outcomes").get(pk=entry_id)


# Calls: opening and closing (issue 16) -----------------------------------------------------------------------

@router.post("/calls/{int:pk}/open", response=CallOut, summary="Open a draft call (its coordinators): eligible people are notified")
def open_call(request, pk: int, expected_version: str | None = expected_version_query()):
    with transaction.atomic():
        call = edit_services.lock_call(_call(request, pk), expected_version)
        return services.call_open(actor=request.user, call=call)


@router.post("/calls/{int:pk}/close", response=CallOut, summary="Close an open call to applications (its coordinators)")
def close_call(request, pk: int, expected_version: str | None = expected_version_query()):
    with transaction.atomic():
        call = edit_services.lock_call(_call(request, pk), expected_version)
        return services.call_close(actor=request.user, call=call)


# Change proposals: the other parties' decision ---------------------------------------------------------------

class ChangeDecisionIn(InputSchema):
    decision: Literal["approve", "reject"]
    response: Text = Field("", description="Why, when rejected")


@router.post("/agreements/{int:pk}/changes/{int:proposal_id}/decide", response=ProposalOut,
             summary="Approve or reject a proposed change (the sending or receiving party that did not propose it)")
def decide_change(request, pk: int, proposal_id: int, payload: ChangeDecisionIn):
    proposal = _agreement(request, pk).proposals.filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFound()
    return during.change_decide(actor=request.user, proposal=proposal, approve=payload.decision == "approve", response=payload.response)


# Results at the host: learning outcomes evaluated and the transcript of records -------------------------------

class EvaluationIn(InputSchema):
    outcome_id: Id = Field(..., description="A learning outcome one of the agreement's components serves")
    rating: Literal[tuple(Rating.values)]  # type: ignore[valid-type]
    comment: Text = ""


class EvaluationOut(Schema):
    id: int
    agreement_id: int
    outcome_id: int
    rating: str
    comment: str
    evaluated_at: dt.datetime


class TranscriptIn(InputSchema):
    component_id: Id
    host_grade: Annotated[Line, Field(min_length=1, max_length=10)]
    host_scale: Literal[grades.SCALES]  # type: ignore[valid-type]


class TranscriptOut(Schema):
    id: int
    agreement_id: int
    component_id: int
    host_grade: str
    host_scale: str
    home_grade: str
    credits_host: Decimal
    credits_home: Decimal


@router.post("/agreements/{int:pk}/evaluations", response=EvaluationOut,
             summary="Evaluate a learning outcome (the host); evaluating it again replaces the rating")
def evaluate_outcome(request, pk: int, payload: EvaluationIn):
    return during.outcome_evaluate(actor=request.user, agreement=_agreement(request, pk), outcome_id=payload.outcome_id, rating=payload.rating,
                                   comment=payload.comment)


@router.post("/agreements/{int:pk}/transcript", response=TranscriptOut,
             summary="Record a component's result in the host's scale (the host); it is converted to the home scale")
def record_transcript(request, pk: int, payload: TranscriptIn):
    agreement = _agreement(request, pk)
    component = agreement.components.filter(pk=payload.component_id).first()
    if component is None:
        raise NotFound()
    return during.transcript_record(actor=request.user, agreement=agreement, component=component, host_grade=payload.host_grade,
                                    host_scale=payload.host_scale)


# Internship offers -------------------------------------------------------------------------------------------

class OfferOut(WrittenTitleOut):
    id: int
    host_id: int
    tasks: str = Field(..., description=READERS)
    tasks_language: str = Field(..., description="The language `tasks` is in")
    written_in: str = Field(..., description="The language the host wrote title and tasks in (decision 0009)")
    translations: dict[str, dict[str, str]] = Field(..., description="The other language versions: {language: {\"title\": text, \"tasks\": text}}")
    city: str
    start_date: dt.date
    end_date: dt.date
    places: int
    isced_code: str
    language: str
    language_framework: str
    language_min_level: str
    accessibility_facilities: list[str]
    state: str
    version: str = Field(..., description="Send it back as `expected_version` with an edit or a transition")

    @staticmethod
    def resolve_version(obj):
        return edit_services.offer_version(obj)

    @staticmethod
    def resolve_tasks(obj, context):
        return shown(obj, "tasks", requested_language(context["request"])).text

    @staticmethod
    def resolve_tasks_language(obj, context):
        return shown(obj, "tasks", requested_language(context["request"])).language


class OfferFilters(FilterSchema):
    host: Id | None = None
    state: Literal["", *OfferState.values] = ""  # type: ignore[valid-type]
    q: Line = Field("", description="In the title")


@router.get("/offers/", response=list[OfferOut], summary="Internship offers: published ones, and drafts of the hosts you work for")
@paginate(Pages, page_size=50)
def list_offers(request, filters: Query[OfferFilters]):
    qs = selectors.offers_visible_to(actor=request.user).order_by("-id")
    if filters.host:
        qs = qs.filter(host_id=filters.host)
    if filters.state:
        qs = qs.filter(state=filters.state)
    return qs.filter(title__icontains=filters.q) if filters.q else qs


@router.get("/offers/{int:pk}", response=OfferOut, summary="An internship offer")
def get_offer(request, pk: int):
    offer = selectors.offers_visible_to(actor=request.user).filter(pk=pk).first()
    if offer is None:
        raise NotFound()
    return offer


from . import api_edit  # noqa: E402,F401 (registers the offer and call writes on this router; see its docstring)
