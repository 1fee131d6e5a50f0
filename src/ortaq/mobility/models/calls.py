"""Offers, calls, applications and placement rounds: the first half of a mobility, up to the nomination."""

__all__ = [
    "OfferState", "InternshipOffer", "CallState", "RankingRule", "Call", "CallOption", "ApplicationState", "Application", "Choice",
    "ApplicationDocument", "RoundState", "PlacementRound", "PlacementOutcome", "NominationState", "PlacementAnswer", "Nomination",
]


from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ortaq.i18n import translations_field, written_in_field
from ortaq.inputs import TEXT_MAX


class OfferState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")


class InternshipOffer(models.Model):
    """Places an enterprise (or a college) offers for interns, with what they will do and what they need."""

    host = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="internship_offers", verbose_name=_("host"))
    title = models.CharField(_("title"), max_length=200)
    tasks = models.TextField(_("tasks"))
    # The host's own words in `title` and `tasks`, in `written_in`; other languages beside them (decision 0009).
    written_in = written_in_field()
    translations = translations_field({"title": 200, "tasks": TEXT_MAX})
    city = models.CharField(_("location"), max_length=120)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    places = models.PositiveIntegerField(_("places"))
    isced_code = models.CharField(_("ISCED-F 2013 field"), max_length=4)
    language = models.CharField(_("working language"), max_length=5, blank=True)
    language_framework = models.CharField(_("language framework"), max_length=10, blank=True)
    language_min_level = models.CharField(_("minimum language level"), max_length=5, blank=True)
    accessibility_facilities = models.JSONField(_("accessibility facilities"), default=list, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=OfferState.choices, default=OfferState.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class CallState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for applications")
    CLOSED = "closed", _("Closed, being placed")
    PUBLISHED = "published", _("Results published")


class RankingRule(models.TextChoices):
    # One rule today. A rule where hosts rank their applicants existed without any way to enter the
    # ranks and was removed (docs/decisions/0006-placement-rounds.md); a new rule starts here.
    POINTS = "points", _("Points formula (grades, language, motivation, interview)")


class Call(models.Model):
    owner = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="calls", verbose_name=_("sending institution"))
    title = models.CharField(_("title"), max_length=200)
    written_in = written_in_field()
    translations = translations_field({"title": 200})
    mobility_type = models.CharField(_("mobility type"), max_length=30)
    academic_year = models.PositiveSmallIntegerField(_("academic year (starting)"))
    deadline = models.DateTimeField(_("application deadline"))
    max_choices = models.PositiveSmallIntegerField(_("options an applicant may rank"), default=3)
    eligible_programmes = models.ManyToManyField("programmes.Programme", blank=True, related_name="+", verbose_name=_("eligible programmes"))
    min_year_of_study = models.PositiveSmallIntegerField(_("minimum year of study"), null=True, blank=True)
    min_grade = models.DecimalField(_("minimum average grade (0–100)"), max_digits=5, decimal_places=2, null=True, blank=True)
    language = models.CharField(_("language"), max_length=5, blank=True)
    language_framework = models.CharField(_("language framework"), max_length=10, blank=True)
    language_min_level = models.CharField(_("minimum language level"), max_length=5, blank=True)
    ranking_rule = models.CharField(_("ranking rule"), max_length=20, choices=RankingRule.choices, default=RankingRule.POINTS)
    weight_grade = models.PositiveSmallIntegerField(_("weight of the grade"), default=50)
    weight_language = models.PositiveSmallIntegerField(_("weight of the language level"), default=20)
    weight_motivation = models.PositiveSmallIntegerField(_("weight of the motivation score"), default=15)
    weight_interview = models.PositiveSmallIntegerField(_("weight of the interview score"), default=15)
    lottery_seed = models.PositiveBigIntegerField(_("lottery seed"))
    # Placed applicants accept or decline within this many days of a round's publication (issue 15).
    acceptance_days = models.PositiveSmallIntegerField(_("days to accept a placement"), default=7, validators=[MinValueValidator(1), MaxValueValidator(60)])
    state = models.CharField(_("state"), max_length=12, choices=CallState.choices, default=CallState.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-deadline", "-id"]

    def __str__(self) -> str:
        return self.title


class CallOption(models.Model):
    """Places in a call, taken from an agreement's cooperation condition or from an internship offer."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="options")
    condition = models.ForeignKey("agreements.CooperationCondition", null=True, blank=True, on_delete=models.PROTECT, related_name="call_options")
    offer = models.ForeignKey(InternshipOffer, null=True, blank=True, on_delete=models.PROTECT, related_name="call_options")
    host = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("host"))
    places = models.PositiveIntegerField(_("places"))
    reserved_inclusion = models.PositiveIntegerField(_("places reserved for applicants with accessibility needs"), default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(condition__isnull=False, offer__isnull=True) | models.Q(condition__isnull=True, offer__isnull=False)),
                name="call_option_has_one_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.host} ({self.places})"

    @property
    def engine_id(self) -> str:
        return f"o{self.pk}"


class ApplicationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Application(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="applications")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications")
    programme = models.ForeignKey("programmes.Programme", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("programme"))
    year_of_study = models.PositiveSmallIntegerField(_("year of study"), null=True, blank=True)
    grade = models.DecimalField(_("average grade (0–100)"), max_digits=5, decimal_places=2, null=True, blank=True)
    motivation = models.TextField(_("motivation"), blank=True)
    share_accessibility_needs = models.BooleanField(_("share my accessibility needs with the host"), default=False)
    state = models.CharField(_("state"), max_length=12, choices=ApplicationState.choices, default=ApplicationState.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    receipt = models.CharField(max_length=20, blank=True)
    motivation_score = models.PositiveSmallIntegerField(_("motivation score (0–100)"), null=True, blank=True)
    interview_score = models.PositiveSmallIntegerField(_("interview score (0–100)"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["call", "applicant"], name="one_application_per_call")]

    def __str__(self) -> str:
        return f"{self.applicant} → {self.call}"

    @property
    def engine_id(self) -> str:
        return f"a{self.pk}"


class Choice(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="choices")
    option = models.ForeignKey(CallOption, on_delete=models.CASCADE, related_name="choices")
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["application", "rank"], name="unique_choice_rank"),
            models.UniqueConstraint(fields=["application", "option"], name="unique_choice_option"),
        ]


class ApplicationDocument(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to="applications/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)


class RoundState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DRY_RUN = "dry_run", _("Dry run ready")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")


class PlacementRound(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=12, choices=RoundState.choices, default=RoundState.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    stats = models.JSONField(default=dict)
    cutoffs = models.JSONField(default=dict)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Set with the notifications of publication, so that a re-run of that task notifies nobody twice.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["call", "number"], name="unique_round_number")]


class PlacementOutcome(models.Model):
    round = models.ForeignKey(PlacementRound, on_delete=models.CASCADE, related_name="outcomes")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="outcomes")
    option = models.ForeignKey(CallOption, null=True, on_delete=models.CASCADE, related_name="+")
    # [{"option": id, "reason": "below_cutoff" | "not_acceptable" | "no_capacity" | "not_eligible", "rank": n}]
    explanations = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "application"], name="one_outcome_per_round")]


class NominationState(models.TextChoices):
    PENDING = "pending", _("Awaiting the host's answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    # The applicant declined the placement, or let its deadline pass: the seat goes to the next round.
    WITHDRAWN = "withdrawn", _("Withdrawn by the applicant")


class PlacementAnswer(models.TextChoices):
    """The placed applicant's own answer to her placement, beside the host's (Nomination.state)."""

    PENDING = "pending", _("Awaiting your answer")
    ACCEPTED = "accepted", _("Accepted by the applicant")
    DECLINED = "declined", _("Declined by the applicant")
    LAPSED = "lapsed", _("Not answered in time")


class Nomination(models.Model):
    outcome = models.OneToOneField(PlacementOutcome, on_delete=models.CASCADE, related_name="nomination")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="nominations")
    option = models.ForeignKey(CallOption, on_delete=models.CASCADE, related_name="nominations")
    host = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="incoming_nominations")
    state = models.CharField(max_length=12, choices=NominationState.choices, default=NominationState.PENDING)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(_("applicant's answer"), max_length=12, choices=PlacementAnswer.choices, default=PlacementAnswer.PENDING)
    # Set at publication (the call's acceptance_days later); none for nominations made before answers existed.
    answer_by = models.DateTimeField(_("answer by"), null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    @property
    def answer_open(self) -> bool:
        """The applicant may still answer: no answer yet, the nomination standing, and its deadline (if any) ahead.
        A pending answer past its deadline is lapsed, whether or not the lapse has been recorded yet."""
        from django.utils import timezone

        return (self.answer == PlacementAnswer.PENDING and self.state in (NominationState.PENDING, NominationState.ACCEPTED)
                and (self.answer_by is None or self.answer_by > timezone.now()))
