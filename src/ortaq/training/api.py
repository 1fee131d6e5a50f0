"""REST API for professional development (issue 16): cohorts, nominations and enrolment, the managers' own
self-assessments, assessed work and completion.

Each operation calls the selector or service the cohort's page calls (training/views.py), so who may do what is
decided in one place: a cohort the caller does not see answers 404, one they see but may not change answers 403
(from the service). Creation of a cohort is validated by the page's own form. Nominations are one per cohort and
manager, assessments one per enrolment, kind and title, self-assessments one per phase and framework: repeating a
request changes nothing more or is refused with a code ("duplicate", "state").
"""

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from ortaq.errors import Forbidden, NotFound, valid_or_raise
from ortaq.i18n import lang_suffix, requested_language, shown
from ortaq.lib.idempotency import idempotent
from ortaq.lib.schemas import READERS, Id, InputSchema, Int, Line, Pages, WrittenTitleOut

from . import selectors, services
from .models import AssessmentKind, CohortState, Format, Phase
from .views import CohortForm

router = Router(tags=["training"])

IsoDate = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", max_length=10, description="YYYY-MM-DD")]
IsoMinute = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$", max_length=16, description="YYYY-MM-DD HH:MM, local time")]
Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]{1,60}$", max_length=60)]
ContentLanguage = Literal["kk", "ru", "zh-hans", "en"]
WRITTEN_IN = "The language the author wrote it in (decision 0009)"


# Output ------------------------------------------------------------------------------------------------------

class CohortOut(WrittenTitleOut):
    id: int
    written_in: str = Field(..., description=WRITTEN_IN)
    translations: dict[str, dict[str, str]] = Field(..., description="The other language versions: {language: {\"title\": text}}")
    course_id: int
    provider_id: int
    format: str
    language: str
    location: str
    start_date: dt.date
    end_date: dt.date
    capacity: int
    state: str
    attendance_threshold: int
    pass_mark: int
    trainer_ids: list[int]

    @staticmethod
    def resolve_provider_id(obj):
        return obj.course.programme.provider_id

    @staticmethod
    def resolve_trainer_ids(obj):
        return sorted(t.pk for t in obj.trainers.all())


class EnrolmentOut(Schema):
    id: int
    cohort_id: int
    manager_id: int
    manager_name: str
    institution_id: int
    state: str
    credential_id: int | None

    @staticmethod
    def resolve_manager_name(obj):
        return obj.manager.full_name


class SessionOut(Schema):
    id: int
    starts_at: dt.datetime
    topic: str = Field(..., description=READERS)
    written_in: str = Field(..., description=WRITTEN_IN)
    translations: dict[str, dict[str, str]]

    @staticmethod
    def resolve_topic(obj, context):
        return shown(obj, "topic", requested_language(context["request"])).text


class CohortDetailOut(CohortOut):
    enrolments: list[EnrolmentOut]
    sessions: list[SessionOut]

    @staticmethod
    def resolve_enrolments(obj):
        return obj.visible_enrolments  # set by _detail: only those the reader may see

    @staticmethod
    def resolve_sessions(obj):
        return list(obj.sessions.all())


class AssessmentOut(Schema):
    id: int
    enrolment_id: int
    kind: str
    title: str
    scores: dict[str, int]
    percent: int
    passed: bool


class SelfAssessmentOut(Schema):
    id: int
    enrolment_id: int
    phase: str
    framework: str
    ratings: dict[str, str]


# Input -------------------------------------------------------------------------------------------------------

class CohortFilters(FilterSchema):
    provider: Id | None = Field(None, description="The providing institution")
    state: Literal["", *CohortState.values] = ""  # type: ignore[valid-type]
    q: Line = Field("", description="In the title")


class SessionIn(InputSchema):
    starts_at: IsoMinute
    topic: Line = ""
    translations: dict[ContentLanguage, dict[Literal["topic"], Line]] = Field(default_factory=dict, description="{language: {\"topic\": text}}")


class CohortIn(InputSchema):
    course_id: Id
    title: Line
    written_in: ContentLanguage | None = Field(None, description=WRITTEN_IN + "; by default the request's language")
    translations: dict[ContentLanguage, dict[Literal["title"], Line]] = Field(default_factory=dict, description="{language: {\"title\": text}}")
    format: Literal[tuple(Format.values)] = "blended"  # type: ignore[valid-type]
    language: Literal["ru", "kk", "zh", "en"] = "ru"
    location: Line = ""
    start_date: IsoDate
    end_date: IsoDate
    capacity: Int
    sessions: list[SessionIn] = Field(default_factory=list, max_length=200)


class NominationIn(InputSchema):
    manager_id: Id


class EnrolmentDecisionIn(InputSchema):
    decision: Literal["enrol", "decline"]


class AssessmentIn(InputSchema):
    kind: Literal[tuple(AssessmentKind.values)]  # type: ignore[valid-type]
    title: Line = ""
    scores: dict[Code, Int] = Field(..., max_length=50, description="Points per criterion of the cohort's rubric")


class SelfAssessmentIn(InputSchema):
    phase: Literal[tuple(Phase.values)]  # type: ignore[valid-type]
    framework: Code
    ratings: dict[Code, Line] = Field(..., max_length=200, description="A level per area of the framework")


# Helpers -----------------------------------------------------------------------------------------------------

def _cohort(request, pk: int):
    cohort = selectors.cohort_get(actor=request.user, pk=pk)
    if cohort is None:
        raise NotFound()
    return cohort


def _enrolment(cohort, pk: int):
    enrolment = cohort.enrolments.select_related("manager").filter(pk=pk).first()
    if enrolment is None:
        raise NotFound()
    return enrolment


def _detail(request, pk: int):
    cohort = _cohort(request, pk)
    # Participants as the page lists them: all to the trainers, a college its own, a manager themself.
    cohort.visible_enrolments = list(selectors.enrolments_visible(actor=request.user, cohort=cohort).order_by("id"))
    return cohort


# Cohorts -----------------------------------------------------------------------------------------------------

@router.get("/cohorts/", response=list[CohortOut], summary="Cohorts visible to you")
@paginate(Pages, page_size=50)
def list_cohorts(request, filters: Query[CohortFilters]):
    qs = selectors.cohorts_visible_to(actor=request.user)
    if filters.provider:
        qs = qs.filter(course__programme__provider_id=filters.provider)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.q:
        qs = qs.filter(title__icontains=filters.q)
    return qs


@router.post("/cohorts/", response={201: CohortDetailOut}, summary="Create a cohort of a course (a trainer of the course's provider)")
@idempotent
def create_cohort(request, payload: CohortIn):
    if not services.may_create_cohorts(request.user):
        raise Forbidden()  # as the page: trainers and administrators; the service checks the course's provider
    sessions = "\n".join(f"{s.starts_at} | {s.topic}" for s in payload.sessions)
    form = CohortForm(data={"course": payload.course_id, "title": payload.title, "format": payload.format, "language": payload.language,
                            "location": payload.location, "start_date": payload.start_date, "end_date": payload.end_date,
                            "capacity": payload.capacity, "sessions": sessions, "written_in": payload.written_in or "",
                            **{f"title_{lang_suffix(code)}": texts.get("title", "") for code, texts in payload.translations.items()}})
    cleaned = valid_or_raise(form).cleaned_data
    # each session's versions as given (the page's one-line syntax is for people typing, not for JSON)
    cleaned["sessions"] = [(starts, topic, {code: dict(t) for code, t in given.translations.items()})
                           for (starts, topic, _versions), given in zip(cleaned["sessions"], payload.sessions, strict=True)]
    cohort = services.cohort_create(actor=request.user, **cleaned)
    return Status(201, _detail(request, cohort.pk))


@router.get("/cohorts/{int:pk}", response=CohortDetailOut, summary="A cohort with the participants you may see and its sessions")
def get_cohort(request, pk: int):
    return _detail(request, pk)


# Enrolment ---------------------------------------------------------------------------------------------------

@router.post("/cohorts/{int:pk}/nominations", response={201: EnrolmentOut},
             summary="Nominate a manager in training of a college you coordinate (once per cohort and manager)")
@idempotent
def nominate(request, pk: int, payload: NominationIn):
    cohort = _cohort(request, pk)
    manager = selectors.managers_of(actor=request.user).filter(pk=payload.manager_id).first()
    if manager is None:
        raise NotFound()
    enrolment = services.nominate(actor=request.user, cohort=cohort, manager=manager)
    return Status(201, enrolment)


@router.post("/cohorts/{int:pk}/enrolments/{int:enrolment_id}/decide", response=EnrolmentOut, summary="Enrol or decline a nominee (a trainer)")
def decide_enrolment(request, pk: int, enrolment_id: int, payload: EnrolmentDecisionIn):
    cohort = _cohort(request, pk)
    return services.enrolment_decide(actor=request.user, enrolment=_enrolment(cohort, enrolment_id), enrol=payload.decision == "enrol")


@router.post("/cohorts/{int:pk}/enrolments/{int:enrolment_id}/assessments", response=AssessmentOut,
             summary="Record assessed work against the cohort's rubric (a trainer; the same kind and title is scored again)")
def record_assessment(request, pk: int, enrolment_id: int, payload: AssessmentIn):
    cohort = _cohort(request, pk)
    return services.assessment_record(actor=request.user, enrolment=_enrolment(cohort, enrolment_id), kind=payload.kind, title=payload.title,
                                      scores=dict(payload.scores))


@router.post("/cohorts/{int:pk}/enrolments/{int:enrolment_id}/complete", response=EnrolmentOut,
             summary="Decide completion (a trainer): a manager who completes receives a micro-credential")
def complete_enrolment(request, pk: int, enrolment_id: int):
    cohort = _cohort(request, pk)
    return services.completion_decide(actor=request.user, enrolment=_enrolment(cohort, enrolment_id))


@router.post("/cohorts/{int:pk}/self-assessment", response=SelfAssessmentOut,
             summary="Submit your own self-assessment (a participant), before the course or in its last part")
def submit_self_assessment(request, pk: int, payload: SelfAssessmentIn):
    cohort = _cohort(request, pk)
    enrolment = cohort.enrolments.filter(manager=request.user).first()
    if enrolment is None:
        raise NotFound()
    return services.self_assessment_submit(actor=request.user, enrolment=enrolment, phase=payload.phase, framework=payload.framework,
                                           ratings=dict(payload.ratings))
