"""During and after a mobility: the three-party learning or training agreement, the logbook, the host's
evaluation and the transcript of records."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ortaq.mobility.types import EntryState, MobilityAgreementState  # noqa: F401 (re-exported: the enums live in types.py)

__all__ = [
    "AgreementKind", "MobilityAgreementState", "MobilityAgreement", "Component", "MobilityAgreementVersion", "Party", "Signature",
    "ReasonCode", "ProposalState", "ChangeProposal", "EntryState", "LogbookEntry", "Rating", "OutcomeEvaluation", "TranscriptEntry",
]


class AgreementKind(models.TextChoices):
    LEARNING = "learning", _("Learning agreement")
    TRAINING = "training", _("Training agreement")


class MobilityAgreement(models.Model):
    """What the learner will study or do abroad and how it will count at home, signed by three parties."""

    nomination = models.OneToOneField("mobility.Nomination", on_delete=models.PROTECT, related_name="mobility_agreement")
    kind = models.CharField(max_length=10, choices=AgreementKind.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    weekly_hours = models.PositiveSmallIntegerField(_("target hours per week"), default=30)
    version = models.PositiveIntegerField(default=1)
    state = models.CharField(max_length=10, choices=MobilityAgreementState.choices, default=MobilityAgreementState.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.nomination.application.applicant}"


class Component(models.Model):
    agreement = models.ForeignKey(MobilityAgreement, on_delete=models.CASCADE, related_name="components")
    code = models.CharField(_("code"), max_length=40)
    title = models.CharField(_("component or task"), max_length=300)
    credits = models.DecimalField(_("credits"), max_digits=5, decimal_places=1, default=0)
    hours = models.PositiveIntegerField(_("hours"), default=0)
    outcomes = models.ManyToManyField("programmes.LearningOutcome", blank=True, related_name="+", verbose_name=_("learning outcomes served"))
    recognition = models.CharField(_("recognised at home as"), max_length=300, blank=True)

    class Meta:
        ordering = ["id"]


class MobilityAgreementVersion(models.Model):
    agreement = models.ForeignKey(MobilityAgreement, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    sha256 = models.CharField(max_length=64)
    reason_code = models.CharField(max_length=30, blank=True)
    comment = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["agreement", "number"], name="unique_mobility_agreement_version")]


class Party(models.TextChoices):
    LEARNER = "learner", _("Learner")
    SENDING = "sending", _("Sending institution")
    RECEIVING = "receiving", _("Receiving institution")


class Signature(models.Model):
    agreement = models.ForeignKey(MobilityAgreement, on_delete=models.CASCADE, related_name="signatures")
    version = models.PositiveIntegerField()
    party = models.CharField(max_length=10, choices=Party.choices)
    sha256 = models.CharField(max_length=64)
    # A local signer, or (the receiving party of a host on another node) none here: the node it signed on and the
    # signer's name as that node sent them (mobility_agreement.signed, docs/federation.md).
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    signed_on_node = models.CharField(max_length=300, blank=True)
    signer_name = models.CharField(max_length=200, blank=True)
    signed_at = models.DateTimeField(auto_now_add=True)

    @property
    def signer_display(self) -> str:
        return self.signed_by.display_name if self.signed_by is not None else self.signer_name

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agreement", "version", "party"], name="one_signature_per_party_and_version")]


class ReasonCode(models.TextChoices):
    # Reasons for changing a learning agreement, as in the Erasmus Online Learning Agreement.
    NOT_AVAILABLE = "not_available", _("The component is not available")
    LANGUAGE_MISMATCH = "language_mismatch", _("Language of instruction differs from the one announced")
    TIMETABLE_CONFLICT = "timetable_conflict", _("Timetable conflict")
    SUBSTITUTE_DELETED = "substitute_deleted", _("Substituting a deleted component")
    EXTENDING = "extending", _("Extending the mobility")
    OTHER = "other", _("Other")


class ProposalState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ChangeProposal(models.Model):
    agreement = models.ForeignKey(MobilityAgreement, on_delete=models.CASCADE, related_name="proposals")
    base_version = models.PositiveIntegerField()
    components = models.JSONField()  # the proposed list of components
    reason_code = models.CharField(_("reason"), max_length=30, choices=ReasonCode.choices)
    comment = models.TextField(_("comment"), blank=True)
    state = models.CharField(max_length=10, choices=ProposalState.choices, default=ProposalState.PENDING)
    # Empty when the host proposed it on its own node (docs/federation.md, "mobility_agreement.change_proposed"):
    # `proposed_on_node` names that node, `proposer_name` the person there, `remote_id` the proposal's id there.
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    proposed_on_node = models.CharField(max_length=300, blank=True)
    proposer_name = models.CharField(max_length=200, blank=True)
    remote_id = models.CharField(max_length=64, blank=True)
    proposed_at = models.DateTimeField(auto_now_add=True)
    response = models.TextField(_("response"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")


class LogbookEntry(models.Model):
    agreement = models.ForeignKey(MobilityAgreement, on_delete=models.CASCADE, related_name="logbook")
    week_start = models.DateField(_("week starting"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    description = models.TextField(_("what I did"))
    outcomes = models.ManyToManyField("programmes.LearningOutcome", blank=True, related_name="+", verbose_name=_("learning outcomes evidenced"))
    evidence = models.FileField(_("evidence"), upload_to="logbooks/%Y/%m/", blank=True)
    state = models.CharField(max_length=10, choices=EntryState.choices, default=EntryState.SUBMITTED)
    verified_hours = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    verified_via_link = models.BooleanField(default=False)
    # A decision taken on the host's node (issue 16): who decided there, and the node, as its message named them.
    verified_on_node = models.CharField(max_length=300, blank=True)
    verifier_name = models.CharField(max_length=200, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    supervisor_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["week_start", "id"]
        constraints = [models.UniqueConstraint(fields=["agreement", "week_start"], name="one_logbook_entry_per_week")]


class Rating(models.TextChoices):
    ACHIEVED = "achieved", _("Achieved")
    PARTIALLY = "partially", _("Partially achieved")
    NOT_ACHIEVED = "not_achieved", _("Not achieved")


class OutcomeEvaluation(models.Model):
    agreement = models.ForeignKey(MobilityAgreement, on_delete=models.CASCADE, related_name="evaluations")
    outcome = models.ForeignKey("programmes.LearningOutcome", on_delete=models.PROTECT, related_name="+")
    rating = models.CharField(max_length=15, choices=Rating.choices)
    comment = models.TextField(blank=True)
    # Null when the host evaluated on its own node (issue 16): `evaluated_on_node` names that node then.
    evaluated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    evaluated_on_node = models.CharField(max_length=300, blank=True)
    evaluated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agreement", "outcome"], name="one_evaluation_per_outcome")]


class TranscriptEntry(models.Model):
    """A result abroad in the host's scale, and the same result converted to the home scale."""

    agreement = models.ForeignKey(MobilityAgreement, on_delete=models.CASCADE, related_name="transcript")
    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="+")
    host_grade = models.CharField(_("grade at the host"), max_length=10)
    host_scale = models.CharField(_("host grading scale"), max_length=20)
    home_grade = models.CharField(_("grade at home"), max_length=10)
    credits_host = models.DecimalField(max_digits=5, decimal_places=1)
    credits_home = models.DecimalField(max_digits=5, decimal_places=1)
    # Null when the host recorded the result on its own node (issue 16): `recorded_on_node` names that node then.
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_on_node = models.CharField(max_length=300, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agreement", "component"], name="one_result_per_component")]
