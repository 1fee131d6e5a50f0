"""Writes for professional development: cohorts, nominations, enrolment, attendance, assessment,
self-assessment and completion (which issues a micro-credential). Permission-checked and audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from ortaq.accounts.selectors import access_for, memberships
from ortaq.accounts.types import Role
from ortaq.audit.services import audit_record
from ortaq.engines import frameworks as fw
from ortaq.errors import DomainError, Forbidden, ValidationFailed
from ortaq.i18n import clean_translations, content_language
from ortaq.inputs import plain_text, whole_number

from .models import (
    DEFAULT_RUBRIC,
    Assessment,
    AssessmentKind,
    Attendance,
    Cohort,
    CohortState,
    Enrolment,
    EnrolmentState,
    Feedback,
    Phase,
    SelfAssessment,
    Session,
)
from .selectors import after_is_open, after_opens_on, completion_status, is_trainer

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

    from ortaq.accounts.types import Actor, User
    from .models import Course

COMPETENCE_URLS = {
    "unesco_ai_teachers": "https://doi.org/10.54675/ZJTE2084",
    "digcomporg": "https://publications.jrc.ec.europa.eu/repository/handle/JRC98209",
}


def may_create_cohorts(actor: Actor) -> bool:
    """Trainers (of any provider) and platform administrators create cohorts; `cohort_create` checks the provider."""
    access = access_for(actor)
    return access.is_admin or bool(access.institutions_with({Role.TRAINER}))


def _require_trainer(actor, cohort: Cohort) -> None:
    if not is_trainer(actor, cohort):
        raise Forbidden(_("Only a trainer of this cohort can do this."))


@transaction.atomic
def cohort_create(*, actor: User, course: Course, title: str, start_date: dt.date, end_date: dt.date, capacity: int, language: str = "ru", format: str = "blended",
                  location: str = "", sessions: Sequence[tuple] = (), attendance_threshold: int = 80, pass_mark: int = 60,
                  written_in: str = "", translations: dict[str, dict[str, str]] | None = None) -> Cohort:
    """`written_in`: the language of `title` and the sessions' topics (by default the trainer's, the active one);
    `translations` {language: {"title": ...}}; a session is (starts_at, topic) or (starts_at, topic, {language:
    {"topic": ...}}) (decision 0009)."""
    access = access_for(actor)
    # The provider's trainers run its courses: the micro-credentials a cohort ends with are signed in the
    # provider's name (credentials.issuance.ISSUING_ROLES), so a trainer of another institution may not.
    if not (access.is_admin or access.has_role(course.programme.provider_id, Role.TRAINER)):
        raise Forbidden(_("Only trainers of the course's provider create its cohorts."))
    errors: dict[str, list] = {}
    try:
        title = plain_text(title, name="title", max_length=200, required_message=_("Give the cohort a title."))
        location = plain_text(location, name="location", max_length=200)
    except ValidationFailed as error:
        errors |= error.errors
    written_in = content_language(written_in or None)
    try:
        translations = clean_translations(translations, fields={"title": 200}, written_in=written_in)
        session_rows = [(row[0], row[1], clean_translations(row[2] if len(row) > 2 else {}, fields={"topic": 300}, written_in=written_in)) for row in sessions]
    except DjangoValidationError as error:
        errors["translations"] = list(error.messages)
    if end_date < start_date:
        errors["end_date"] = [str(_("The end date cannot be before the start date."))]
    try:
        capacity = whole_number(capacity, name="capacity", minimum=1, maximum=500, message=_("Capacity must be between 1 and 500."))
    except ValidationFailed as error:
        errors |= error.errors
    try:
        percent = _("Thresholds are percentages from 0 to 100.")
        attendance_threshold = whole_number(attendance_threshold, name="attendance_threshold", minimum=0, maximum=100, message=percent)
        pass_mark = whole_number(pass_mark, name="attendance_threshold", minimum=0, maximum=100, message=percent)
    except ValidationFailed as error:
        errors |= error.errors
    if errors:
        raise ValidationFailed(errors)
    cohort = Cohort.objects.create(course=course, title=title, start_date=start_date, end_date=end_date, capacity=capacity,
                                   language=language, format=format, location=location, attendance_threshold=attendance_threshold,
                                   pass_mark=pass_mark, rubric=DEFAULT_RUBRIC, written_in=written_in, translations=translations)
    cohort.trainers.add(actor)
    for starts_at, topic, versions in session_rows:
        Session.objects.create(cohort=cohort, starts_at=starts_at, topic=topic, written_in=written_in, translations=versions)
    audit_record(actor=actor, action="create", obj=cohort, after={"title": cohort.title, "capacity": capacity, "sessions": len(sessions)})
    return cohort


@transaction.atomic
def session_add(*, actor: User, cohort: Cohort, starts_at: dt.datetime, topic: str) -> Session:
    _require_trainer(actor, cohort)
    if not topic.strip():
        raise ValidationFailed({"topic": [str(_("Give the session a topic."))]})
    session = Session.objects.create(cohort=cohort, starts_at=starts_at, topic=topic.strip(), written_in=content_language())
    audit_record(actor=actor, action="create", obj=session, after={"topic": session.topic})
    return session


@transaction.atomic
def nominate(*, actor: User, cohort: Cohort, manager: User) -> Enrolment:
    """A college nominates one of its managers in training."""
    if cohort.state == CohortState.COMPLETED:
        raise DomainError(_("The cohort has ended."), code="state")
    access = access_for(actor)
    colleges = set(memberships(roles=[Role.MANAGER_IN_TRAINING]).filter(user=manager).values_list("institution_id", flat=True))
    nominating = colleges & (access.manages | (set(memberships().values_list("institution_id", flat=True)) if access.is_admin else set()))
    if not nominating:
        raise Forbidden(_("A college coordinator nominates the college's own managers in training."))
    if Enrolment.objects.filter(cohort=cohort, manager=manager).exists():
        raise DomainError(_("This manager is already nominated to the cohort."), code="duplicate")
    enrolment = Enrolment.objects.create(cohort=cohort, manager=manager, institution_id=sorted(nominating)[0], nominated_by=actor)
    audit_record(actor=actor, action="create", obj=enrolment, after={"cohort": cohort.pk, "manager": manager.pk})
    return enrolment


@transaction.atomic
def enrolment_decide(*, actor: User, enrolment: Enrolment, enrol: bool) -> Enrolment:
    cohort = Cohort.objects.select_for_update().get(pk=enrolment.cohort_id)
    _require_trainer(actor, cohort)
    if enrolment.state != EnrolmentState.NOMINATED:
        raise DomainError(_("This nomination has already been decided."), code="state")
    if enrol and cohort.enrolments.filter(state__in=[EnrolmentState.ENROLLED, EnrolmentState.COMPLETED]).count() >= cohort.capacity:
        raise DomainError(_("The cohort is full (%(n)d places).") % {"n": cohort.capacity}, code="full")
    enrolment.state = EnrolmentState.ENROLLED if enrol else EnrolmentState.DECLINED
    enrolment.decided_by = actor
    enrolment.save(update_fields=["state", "decided_by"])
    audit_record(actor=actor, action="transition", obj=enrolment, after={"state": enrolment.state})
    return enrolment


@transaction.atomic
def attendance_record(*, actor: User, session: Session, enrolment: Enrolment, present: bool) -> Attendance:
    _require_trainer(actor, session.cohort)
    if enrolment.cohort_id != session.cohort_id or enrolment.state not in (EnrolmentState.ENROLLED, EnrolmentState.NOT_COMPLETED):
        raise DomainError(_("Only enrolled participants of this cohort have attendance."), code="not_enrolled")
    mark, _created = Attendance.objects.update_or_create(session=session, enrolment=enrolment, defaults={"present": bool(present)})
    audit_record(actor=actor, action="update", obj=mark, after={"present": bool(present), "session": session.pk})
    return mark


@transaction.atomic
def attendance_list_record(*, actor: User, session: Session, present_ids: set[int]) -> list[Attendance]:
    """A session's whole list at once: each enrolled participant present exactly when named in `present_ids`."""
    enrolled = list(session.cohort.enrolments.filter(state=EnrolmentState.ENROLLED))
    if set(present_ids) - {e.pk for e in enrolled}:
        raise ValidationFailed({"present": [str(_("Only enrolled participants of this cohort have attendance."))]})
    return [attendance_record(actor=actor, session=session, enrolment=e, present=e.pk in present_ids) for e in enrolled]


@transaction.atomic
def assessment_record(*, actor: User, enrolment: Enrolment, kind: str, title: str, scores: dict) -> Assessment:
    cohort = enrolment.cohort
    _require_trainer(actor, cohort)
    if kind not in AssessmentKind.values:
        raise ValidationFailed({"kind": [str(_("Unknown kind of assessed work."))]})
    title = plain_text(title, name="title", max_length=200)
    rubric = {c["code"]: c["max"] for c in cohort.rubric}
    clean, errors = {}, []
    for code, maximum in rubric.items():
        try:
            value = whole_number(scores.get(code), name="scores", minimum=-(10**9), maximum=10**9, message=_("Score every criterion."))
        except ValidationFailed as error:
            errors += error.errors["scores"]
            break
        if not 0 <= value <= maximum:
            errors.append(str(_("A score is outside 0–%(max)d.") % {"max": maximum}))
            break
        clean[code] = value
    if errors:
        raise ValidationFailed({"scores": errors})
    percent = round(100 * sum(clean.values()) / (sum(rubric.values()) or 1))
    assessment, _created = Assessment.objects.update_or_create(
        enrolment=enrolment, kind=kind, title=title or kind,
        defaults={"scores": clean, "percent": percent, "passed": percent >= cohort.pass_mark, "assessed_by": actor},
    )
    audit_record(actor=actor, action="update", obj=assessment, after={"percent": percent, "passed": assessment.passed})
    return assessment


@transaction.atomic
def feedback_add(*, actor: User, session: Session, text: str) -> Feedback:
    cohort = session.cohort
    if not (is_trainer(actor, cohort) or cohort.enrolments.filter(manager=actor, state__in=[EnrolmentState.ENROLLED, EnrolmentState.COMPLETED]).exists()):
        raise Forbidden()
    text = plain_text(text, name="text", max_length=4000, required_message=_("Write your feedback."))
    feedback = Feedback.objects.create(session=session, author=actor, text=text)
    # The text stays out of the audit trail (it may be personal); who wrote on which session is recorded.
    audit_record(actor=actor, action="create", obj=feedback, after={"session": session.pk})
    return feedback


@transaction.atomic
def self_assessment_submit(*, actor: User, enrolment: Enrolment, phase: str, framework: str, ratings: dict) -> SelfAssessment:
    if enrolment.manager_id != actor.pk:
        raise Forbidden(_("Only the manager assesses themself."))
    spec = fw.competency_framework(framework)
    if spec is None or phase not in Phase.values:
        raise ValidationFailed({"framework": [str(_("Unknown framework."))]})
    if phase == Phase.AFTER and not after_is_open(enrolment.cohort):
        raise DomainError(_("The closing self-assessment opens in the last part of the course, on %(date)s.")
                          % {"date": formats.date_format(after_opens_on(enrolment.cohort), "SHORT_DATE_FORMAT")}, code="too_early")
    levels = {t.code for t in spec.levels}
    missing = [e.code for e in spec.elements if str(ratings.get(e.code, "")) not in levels]
    if missing:
        raise ValidationFailed({"ratings": [str(_("Rate every area (%(n)d missing).") % {"n": len(missing)})]})
    assessment, _created = SelfAssessment.objects.update_or_create(
        enrolment=enrolment, phase=phase, framework=framework, defaults={"ratings": {e.code: str(ratings[e.code]) for e in spec.elements}})
    audit_record(actor=actor, action="update", obj=assessment, after={"phase": phase, "framework": framework})
    return assessment


@transaction.atomic
def completion_decide(*, actor: User, enrolment: Enrolment) -> Enrolment:
    """Apply the rules; a manager who completes receives a micro-credential aligned to the course's competences."""
    from ortaq.credentials.services import micro_credential_issue

    cohort = enrolment.cohort
    _require_trainer(actor, cohort)
    if enrolment.state not in (EnrolmentState.ENROLLED, EnrolmentState.NOT_COMPLETED):
        raise DomainError(_("Only enrolled participants can complete."), code="state")
    status = completion_status(enrolment)
    if not status["complete"]:
        if cohort.state == CohortState.COMPLETED:
            # The course is over: the outcome is final and recorded.
            enrolment.state = EnrolmentState.NOT_COMPLETED
            enrolment.save(update_fields=["state"])
            audit_record(actor=actor, action="transition", obj=enrolment, after={"state": "not_completed", "reasons": status["reasons"]})
            return enrolment
        raise DomainError("; ".join(status["reasons"]), code="incomplete")
    course = cohort.course
    competences = []
    for ref in course.competences:
        framework_code, element_code = ref.split(":", 1)
        spec = fw.competency_framework(framework_code)
        element = next((e for e in spec.elements if e.code == element_code), None) if spec else None
        if element and spec:
            names = {("zh" if k == "zh-hans" else k): v for k, v in element.names.items()}
            competences.append((spec.names["en"], element.code, names, f"{COMPETENCE_URLS.get(framework_code, '')}#{element.code}"))
    title = {k: v for k, v in {"kk": course.title_kk, "ru": course.title_ru, "zh": course.title_zh, "en": course.title_en}.items() if v}
    enrolment.credential = micro_credential_issue(
        actor=actor, issuer_institution=course.programme.provider, holder=enrolment.manager, idempotency_key=f"training:{cohort.pk}:{enrolment.manager_id}",
        title=title, description={"en": f"{course.hours} hours, {cohort.get_format_display()}, {cohort.title}"}, competences=competences,
        date=min(cohort.end_date, timezone.localdate()),
    )
    enrolment.state = EnrolmentState.COMPLETED
    enrolment.save(update_fields=["state", "credential"])
    audit_record(actor=actor, action="transition", obj=enrolment, after={"state": "completed", "credential": str(enrolment.credential.public_id)})
    return enrolment


@transaction.atomic
def cohort_set_state(*, actor: User, cohort: Cohort, state: str) -> Cohort:
    _require_trainer(actor, cohort)
    if state not in CohortState.values:
        raise ValidationFailed({"state": [str(_("Unknown state."))]})
    cohort.state = state
    cohort.save(update_fields=["state"])
    audit_record(actor=actor, action="transition", obj=cohort, after={"state": state})
    return cohort
