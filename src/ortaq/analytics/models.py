"""Pre-aggregated figures behind the dashboards and the open data.

No table here holds a person: each row is a count over a group of people, refreshed from the source apps
by `services.aggregates_refresh()` (a background task and `ortaq manage analytics_refresh`). The
dashboards read only these tables, so they answer quickly whatever the size of the source tables.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    APPLIED = "applied", _("Applied")
    PLACED = "placed", _("Placed")
    DEPARTED = "departed", _("Departed")
    COMPLETED = "completed", _("Completed")


class MobilityFact(models.Model):
    """People at one stage of the funnel, for one combination of year, flow, field, level and type."""

    academic_year = models.PositiveSmallIntegerField()
    sending = models.ForeignKey("institutions.Institution", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    receiving = models.ForeignKey("institutions.Institution", null=True, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    # Copied from the institutions at refresh time, so that filters and groupings need no join.
    sending_country = models.CharField(max_length=2)
    receiving_country = models.CharField(max_length=2, blank=True)
    sending_region = models.CharField(max_length=120, blank=True)
    receiving_region = models.CharField(max_length=120, blank=True)
    sending_cluster_id = models.IntegerField(null=True)
    receiving_cluster_id = models.IntegerField(null=True)
    receiving_has_facilities = models.BooleanField(default=False)
    isced_code = models.CharField(max_length=4, blank=True)
    eqf_level = models.CharField(max_length=2, blank=True)
    mobility_type = models.CharField(max_length=30)
    stage = models.CharField(max_length=10, choices=Stage.choices)
    people = models.PositiveIntegerField()
    # Of whom: people who recorded accessibility needs and consented to their use.
    with_needs = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["academic_year", "stage"]),
            # Rows are written in stage order, so a stage's rows sit together and this index reads only them.
            models.Index(fields=["stage", "academic_year"]),
            models.Index(fields=["sending", "academic_year"]),
            models.Index(fields=["receiving", "academic_year"]),
            models.Index(fields=["sending_country", "receiving_country"]),
        ]


class PlacesFact(models.Model):
    """One cooperation condition in one academic year: places agreed, offered in calls, nominated."""

    academic_year = models.PositiveSmallIntegerField()
    agreement_id = models.IntegerField()
    agreement_title = models.CharField(max_length=300)
    condition_id = models.IntegerField()
    sending = models.ForeignKey("institutions.Institution", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    receiving = models.ForeignKey("institutions.Institution", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    sending_country = models.CharField(max_length=2)
    receiving_country = models.CharField(max_length=2)
    sending_region = models.CharField(max_length=120, blank=True)
    receiving_region = models.CharField(max_length=120, blank=True)
    isced_code = models.CharField(max_length=4)
    eqf_level = models.CharField(max_length=2, blank=True)
    mobility_type = models.CharField(max_length=30)
    places = models.PositiveIntegerField()
    offered = models.PositiveIntegerField(default=0)
    reserved_inclusion = models.PositiveIntegerField(default=0)
    nominated = models.PositiveIntegerField(default=0)
    has_inclusion_support = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["academic_year", "sending"]), models.Index(fields=["academic_year", "receiving"])]


class CredentialFact(models.Model):
    """Credentials one institution issued in one academic year, by kind: issued, and of those revoked or suspended."""

    academic_year = models.PositiveSmallIntegerField()
    institution = models.ForeignKey("institutions.Institution", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    country = models.CharField(max_length=2)
    region = models.CharField(max_length=120, blank=True)
    kind = models.CharField(max_length=12)
    issued = models.PositiveIntegerField(default=0)
    revoked = models.PositiveIntegerField(default=0)
    suspended = models.PositiveIntegerField(default=0)
    verified = models.PositiveIntegerField(default=0)


class VerificationEvent(models.Model):
    """A successful verification of a platform-issued credential (no verifier, no holder: only what and when).

    The credentials app records these through `services.verification_record()`; until it does, the dashboards
    show zero verifications and say so.
    """

    issuer_institution = models.ForeignKey("institutions.Institution", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    kind = models.CharField(max_length=12)
    verified_at = models.DateTimeField(auto_now_add=True, db_index=True)


class Refresh(models.Model):
    """When the figures were last rebuilt: the pages say how fresh they are.

    A rebuild someone asked for is recorded when it is queued, so that its page can follow it (state and step)
    until it is done or has failed; the scheduled ones are recorded when they start.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Recalculating")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    STEPS = 7  # reading institutions, five fact tables, writing them (services.aggregates_refresh)

    started_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.DONE)
    step = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The institutions whose coordinators may follow this rebuild (the requester's); empty: analysts and admins only.
    scope = models.JSONField(default=list, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
    # What the filters may offer (years, countries, regions, fields, levels), computed with the figures.
    choices = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at"]


class RecognitionFact(models.Model):
    """Recognition dossiers of returned learners, grouped like the mobility facts (flow, field, level, type).

    Filled only when the recognition app is installed; the dashboard shows its panel once rows exist.
    """

    academic_year = models.PositiveSmallIntegerField()
    sending = models.ForeignKey("institutions.Institution", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    receiving = models.ForeignKey("institutions.Institution", null=True, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    sending_country = models.CharField(max_length=2)
    receiving_country = models.CharField(max_length=2, blank=True)
    sending_region = models.CharField(max_length=120, blank=True)
    receiving_region = models.CharField(max_length=120, blank=True)
    isced_code = models.CharField(max_length=4, blank=True)
    eqf_level = models.CharField(max_length=2, blank=True)
    mobility_type = models.CharField(max_length=30)
    dossiers = models.PositiveIntegerField(default=0)
    decided = models.PositiveIntegerField(default=0)  # dossiers with a decision (decided, under appeal, final)
    items_decided = models.PositiveIntegerField(default=0)
    items_recognised = models.PositiveIntegerField(default=0)  # in full or in part
    days_to_decision = models.PositiveIntegerField(default=0)  # summed over decided dossiers: decision date − end of the mobility


class TrainingFact(models.Model):
    """Professional development of managers: enrolments by the manager's institution and cohort year."""

    academic_year = models.PositiveSmallIntegerField()
    institution = models.ForeignKey("institutions.Institution", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    country = models.CharField(max_length=2)
    region = models.CharField(max_length=120, blank=True)
    nominated = models.PositiveIntegerField(default=0)
    enrolled = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    # Growth in self-assessed competence: per manager with both a before and an after self-assessment, the
    # mean rise over all areas as a percentage of the scale; summed here, divided on display.
    growth_people = models.PositiveIntegerField(default=0)
    growth_percent_sum = models.FloatField(default=0)
