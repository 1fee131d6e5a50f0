from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ortaq.agreements.types import AgreementKind, AgreementState, DurationUnit, MobilityType  # noqa: F401 (re-exported: the enums live in types.py)


class Agreement(models.Model):
    kind = models.CharField(_("kind"), max_length=30, choices=AgreementKind.choices)
    title = models.CharField(_("title"), max_length=300)
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    summary = models.TextField(_("terms and summary"), blank=True)
    start_year = models.PositiveSmallIntegerField(_("first academic year (starting)"))
    end_year = models.PositiveSmallIntegerField(_("last academic year (starting)"))
    state = models.CharField(_("state"), max_length=20, choices=AgreementState.choices, default=AgreementState.DRAFT)
    initiator = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="initiated_agreements",
        verbose_name=_("initiator"),
    )
    parties = models.ManyToManyField(
        "institutions.Institution", through="AgreementParty", related_name="agreements", verbose_name=_("parties")
    )
    # The number of the current version; each content change bumps it and voids approvals of older versions.
    version = models.PositiveIntegerField(default=1)
    terminated_reason = models.TextField(_("reason for termination"), blank=True)
    # The node this agreement lives on when it was proposed on another one (its id: the node's base URL): this
    # row is then that node's copy, with the same versions and SHA-256, changed only by its home node's messages
    # (ortaq.federation) and by the approvals of the parties hosted here. Null for the agreements made here.
    home_node = models.CharField(_("home node"), max_length=300, null=True, blank=True, db_index=True)
    is_demo = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["state", "-updated_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def academic_years(self) -> str:
        return f"{self.start_year}/{self.start_year + 1} – {self.end_year}/{self.end_year + 1}"


class AgreementParty(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="party_links")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="agreement_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agreement", "institution"], name="unique_agreement_party")]
        indexes = [models.Index(fields=["institution", "agreement"])]


class CooperationCondition(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="conditions")
    mobility_type = models.CharField(_("mobility type"), max_length=30, choices=MobilityType.choices)
    sending = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("sending institution")
    )
    receiving = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("receiving institution")
    )
    isced_code = models.CharField(_("ISCED-F 2013 field"), max_length=4)
    eqf_level = models.CharField(_("EQF level"), max_length=2, blank=True)
    nqf_level = models.CharField(_("KZ NQF level"), max_length=2, blank=True)
    places_per_year = models.PositiveIntegerField(_("places per year"))
    duration = models.PositiveIntegerField(_("duration per mobility"))
    duration_unit = models.CharField(_("unit"), max_length=10, choices=DurationUnit.choices, default=DurationUnit.MONTHS)
    language = models.CharField(_("language"), max_length=5, blank=True)
    language_framework = models.CharField(_("language framework"), max_length=10, blank=True)
    language_min_level = models.CharField(_("minimum language level"), max_length=5, blank=True)
    start_year = models.PositiveSmallIntegerField(_("from academic year"))
    end_year = models.PositiveSmallIntegerField(_("to academic year"))
    inclusion_support = models.TextField(_("inclusion support offered"), blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_mobility_type_display()} {self.sending} → {self.receiving}"


class AgreementVersion(models.Model):
    """The exact content of every version, as the canonical JSON whose SHA-256 parties approve."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["agreement", "number"], name="unique_agreement_version")]


class AgreementApproval(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="approvals")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    # Null for an approval given on another node (the party's own): only its institution and hash cross.
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["approved_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "institution", "version"], name="one_approval_per_party_and_version"
            )
        ]
