"""Professional development of college managers in AI and digital education: catalogue, cohorts,
attendance, assessed work, self-assessment before and after, completion."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ortaq.i18n import localized, translations_field, written_in_field

# The criteria's names are stored with each cohort in English; a page shows them in the reader's language by code.
RUBRIC_LABELS = {
    "analysis": _("Problem analysis"),
    "tools": _("Use of AI and digital tools"),
    "feasibility": _("Feasibility for the college"),
    "ethics": _("Ethics and data protection"),
}
DEFAULT_RUBRIC = [
    {"code": "analysis", "name": "Problem analysis", "max": 25},
    {"code": "tools", "name": "Use of AI and digital tools", "max": 25},
    {"code": "feasibility", "name": "Feasibility for the college", "max": 25},
    {"code": "ethics", "name": "Ethics and data protection", "max": 25},
]


class Format(models.TextChoices):
    ONLINE = "online", _("Online")
    ON_SITE = "on_site", _("On site at a partner institution")
    BLENDED = "blended", _("Blended")


class TrainingProgramme(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    title_kk = models.CharField(_("title in Kazakh"), max_length=300, blank=True)
    title_ru = models.CharField(_("title in Russian"), max_length=300, blank=True)
    title_zh = models.CharField(_("title in Chinese"), max_length=300, blank=True)
    title_en = models.CharField(_("title in English"), max_length=300)
    provider = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("provider"))
    # Like the title, a version per language (decision 0002; 0009 named this text as left in one language).
    prerequisites_kk = models.TextField(_("prerequisites in Kazakh"), blank=True)
    prerequisites_ru = models.TextField(_("prerequisites in Russian"), blank=True)
    prerequisites_zh = models.TextField(_("prerequisites in Chinese"), blank=True)
    prerequisites_en = models.TextField(_("prerequisites in English"), blank=True)

    def __str__(self) -> str:
        return self.title_en

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def prerequisites(self) -> str:
        return localized(self, "prerequisites")


class Course(models.Model):
    programme = models.ForeignKey(TrainingProgramme, on_delete=models.CASCADE, related_name="courses")
    code = models.CharField(_("code"), max_length=40)
    title_kk = models.CharField(_("title in Kazakh"), max_length=300, blank=True)
    title_ru = models.CharField(_("title in Russian"), max_length=300, blank=True)
    title_zh = models.CharField(_("title in Chinese"), max_length=300, blank=True)
    title_en = models.CharField(_("title in English"), max_length=300)
    hours = models.PositiveSmallIntegerField(_("hours"), default=36)
    modules = models.TextField(_("modules"), blank=True, help_text=_("One module per line."))
    # Competence elements (framework code:element code) the course develops: they become the alignments of the
    # micro-credential.
    competences = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return self.title_en

    @property
    def title(self) -> str:
        return localized(self, "title")


class CohortState(models.TextChoices):
    PLANNED = "planned", _("Open for nominations")
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")


class Cohort(models.Model):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="cohorts")
    title = models.CharField(_("title"), max_length=200)
    # The trainer's own title in `written_in` (not `language`, the language the cohort is taught in); decision 0009.
    written_in = written_in_field()
    translations = translations_field({"title": 200})
    format = models.CharField(_("format"), max_length=10, choices=Format.choices, default=Format.BLENDED)
    language = models.CharField(_("language"), max_length=5, default="ru")
    location = models.CharField(_("location"), max_length=200, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    trainers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="trained_cohorts", verbose_name=_("trainers"))
    attendance_threshold = models.PositiveSmallIntegerField(_("attendance needed to complete (%)"), default=80)
    pass_mark = models.PositiveSmallIntegerField(_("pass mark of assessed work (%)"), default=60)
    rubric = models.JSONField(default=list)
    state = models.CharField(max_length=10, choices=CohortState.choices, default=CohortState.PLANNED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return self.title


class Session(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("starts at"))
    topic = models.CharField(_("topic"), max_length=300)
    written_in = written_in_field()
    translations = translations_field({"topic": 300})

    class Meta:
        ordering = ["starts_at", "id"]


class EnrolmentState(models.TextChoices):
    NOMINATED = "nominated", _("Nominated by the college")
    ENROLLED = "enrolled", _("Enrolled")
    DECLINED = "declined", _("Not enrolled")
    COMPLETED = "completed", _("Completed")
    NOT_COMPLETED = "not_completed", _("Did not complete")


class Enrolment(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="enrolments")
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrolments")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=15, choices=EnrolmentState.choices, default=EnrolmentState.NOMINATED)
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    credential = models.ForeignKey("credentials.IssuedCredential", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cohort", "manager"], name="one_enrolment_per_cohort")]


class Attendance(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendance")
    present = models.BooleanField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "enrolment"], name="one_attendance_mark")]


class AssessmentKind(models.TextChoices):
    ASSIGNMENT = "assignment", _("Assignment")
    FINAL_PROJECT = "final_project", _("Final project")


class Assessment(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="assessments")
    kind = models.CharField(max_length=15, choices=AssessmentKind.choices)
    title = models.CharField(_("title"), max_length=200)
    scores = models.JSONField()  # {criterion code: points}
    percent = models.PositiveSmallIntegerField()
    passed = models.BooleanField()
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField(auto_now=True)


class Feedback(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="feedback")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("feedback"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]


class Phase(models.TextChoices):
    BEFORE = "before", _("Before the course")
    AFTER = "after", _("After the course")


class SelfAssessment(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="self_assessments")
    phase = models.CharField(max_length=6, choices=Phase.choices)
    framework = models.CharField(max_length=30)
    ratings = models.JSONField()  # {element code: level code}
    submitted_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrolment", "phase", "framework"], name="one_self_assessment_per_phase")]
