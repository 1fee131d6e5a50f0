"""Recognition of learning abroad (Lisbon Recognition Convention practice: recognise unless there is a
substantial difference, give reasons, allow appeal), and the conversion rules it applies."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ConversionRule(models.Model):
    """Credit and grade conversion for one agreement (or the default when `agreement` is empty). Every edit
    is kept as a version, so a decision can say which rule it applied."""

    agreement = models.OneToOneField("agreements.Agreement", null=True, blank=True, on_delete=models.CASCADE, related_name="conversion_rule")
    hours_per_kz_credit = models.PositiveSmallIntegerField(_("hours per Kazakh credit"), default=30)
    hours_per_cn_credit = models.PositiveSmallIntegerField(_("hours per Chinese credit"), default=18)
    hours_per_ects = models.PositiveSmallIntegerField(_("hours per ECTS/ECVET point"), default=27)
    # Host percentage floors -> Kazakh letter, highest first, e.g. [[95, "A"], [90, "A-"], ...]
    grade_bands = models.JSONField(_("grade bands"), default=list)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.agreement or _('Default')} v{self.version}"


class ConversionRuleVersion(models.Model):
    rule = models.ForeignKey(ConversionRule, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)


class DossierState(models.TextChoices):
    OPEN = "open", _("Awaiting the coordinator's decision")
    DECIDED = "decided", _("Decided")
    APPEALED = "appealed", _("Under appeal")
    FINAL = "final", _("Final")


class Dossier(models.Model):
    mobility_agreement = models.OneToOneField("mobility.MobilityAgreement", on_delete=models.PROTECT, related_name="recognition_dossier")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="recognition_dossiers")
    home_institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=DossierState.choices, default=DossierState.OPEN)
    backend = models.CharField(max_length=40, default="default")
    rule_version = models.PositiveIntegerField(null=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_sha256 = models.CharField(max_length=64, blank=True)
    appeal_deadline = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class Decision(models.TextChoices):
    PENDING = "pending", _("Not decided yet")
    FULL = "full", _("Recognised in full")
    PARTIAL = "partial", _("Recognised in part")
    REFUSED = "refused", _("Not recognised")


class Item(models.Model):
    """One component studied abroad, the home module proposed for it, the evidence and the decision."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="items")
    component = models.ForeignKey("mobility.Component", on_delete=models.PROTECT, related_name="+")
    host_grade = models.CharField(max_length=20, blank=True)
    home_grade = models.CharField(max_length=10, blank=True)
    credits_home = models.DecimalField(max_digits=5, decimal_places=1, default=0)
    proposal = models.JSONField(default=list)  # [{"module": id, "score", "coverage", "pairs": [...], "uncovered": [...]}]
    home_module = models.ForeignKey("programmes.Module", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    substantial_difference = models.TextField(_("substantial difference"), blank=True)
    compensating_measure = models.TextField(_("compensating measure"), blank=True)

    class Meta:
        ordering = ["id"]


class AppealState(models.TextChoices):
    PENDING = "pending", _("Pending")
    UPHELD = "upheld", _("Decision confirmed")
    CHANGED = "changed", _("Decision changed")


class Appeal(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="appeals")
    reason = models.TextField(_("grounds of appeal"))
    filed_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=10, choices=AppealState.choices, default=AppealState.PENDING)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    response = models.TextField(_("response"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)


class RecognisedModule(models.Model):
    """The home record: a module counted as passed because of learning abroad."""

    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="recognised_modules")
    module = models.ForeignKey("programmes.Module", on_delete=models.PROTECT, related_name="+")
    item = models.OneToOneField(Item, on_delete=models.CASCADE, related_name="recognised")
    credits = models.DecimalField(max_digits=5, decimal_places=1)
    grade = models.CharField(max_length=10)
    partial = models.BooleanField(default=False)
    recognised_at = models.DateTimeField(auto_now_add=True)


class ProposalVerdict(models.TextChoices):
    """What the coordinator did with the AI's first proposal for a component (the label a refit learns from)."""

    ACCEPT = "accept", _("Accepted")
    CHANGE = "change", _("Changed to another module")
    REJECT = "reject", _("Rejected")


class AlignmentDecision(models.Model):
    """A labelled pair: the AI's proposed home module for a component studied abroad, the texts compared, the
    score shown, and what the coordinator decided. Kept on the institution's node; exported only when the
    institution opts in (AlignmentSharing)."""

    item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.SET_NULL, related_name="alignment_decisions")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="+")
    home_module = models.ForeignKey("programmes.Module", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    chosen_module = models.ForeignKey("programmes.Module", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    home_text = models.TextField()
    home_lang = models.CharField(max_length=2)
    abroad_text = models.TextField()
    abroad_lang = models.CharField(max_length=2)
    score = models.FloatField()  # the engine's module score at the time (before any fitted calibration)
    shown_probability = models.FloatField(null=True, blank=True)  # what the page showed, when a fitted calibration applied
    features = models.JSONField(default=dict, blank=True)  # the engine's module features (coverage, ...) when it gave them
    # The fingerprint of the engine that scored the proposal (Backend.fingerprint): a refit learns only from decisions
    # on the engine that now scores, since another model or calibration puts scores and features on another scale.
    engine_version = models.CharField(max_length=64, blank=True, default="", db_index=True)
    verdict = models.CharField(max_length=10, choices=ProposalVerdict.choices)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reviewer_language = models.CharField(max_length=10, blank=True)
    isced_code = models.CharField(max_length=10, blank=True)
    specialty_code = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    @property
    def accepted(self) -> bool:
        return self.verdict == ProposalVerdict.ACCEPT


class AlignmentSharing(models.Model):
    """Whether an institution lets its alignment decisions leave its node (federation export). Off unless the
    institution opts in: decisions name its modules and reviewers."""

    institution = models.OneToOneField("institutions.Institution", on_delete=models.CASCADE, related_name="+")
    share_alignment_decisions = models.BooleanField(_("share alignment decisions with other nodes"), default=False)
    updated_at = models.DateTimeField(auto_now=True)


class AlignmentCalibration(models.Model):
    """A fit of P(coordinator accepts) from the engine's module score, learnt from stored decisions
    (`ortaq manage alignment_refit`). `institution` empty: fitted on every institution's decisions."""

    institution = models.ForeignKey("institutions.Institution", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=20)
    parameters = models.JSONField()
    decisions = models.PositiveIntegerField()
    ece_before = models.FloatField()
    ece_after = models.FloatField()
    engine_version = models.CharField(max_length=64, blank=True, default="")  # the engine its decisions were made on
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
