"""Nominations made on another node to a host this node hosts (issue 16, federation of national nodes).

The call, the application and the placement round stay on the sending institution's node (the nomination's home);
what crosses is only what the host needs to decide: the learner's names, the call's title, the mobility's kind,
field and period, and the answer deadline (docs/federation.md, "nomination.sent"). The host accepts or declines here;
its decision goes back to the home node, which applies it to the nomination there.
"""

__all__ = ["RemoteNomination", "RemoteMobilityAgreement", "RemoteLogbookEntry", "HostTranscript", "RemoteChangeProposal"]

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .calls import NominationState
from .learning import ProposalState, ReasonCode
from ortaq.mobility.types import EntryState


# Why the home node withdrew a nomination (nomination.withdrawn), as the host's staff read it.
WITHDRAWAL_TEXTS = {
    "superseded": _("A later round placed the learner at an option ranked higher."),
    "declined": _("The learner declined the placement."),
    "lapsed": _("The learner did not answer the placement in time."),
}


class RemoteNomination(models.Model):
    home_node = models.CharField(max_length=300)  # the sending node's id (its base URL)
    home_id = models.CharField(max_length=64)  # the nomination's id there
    host = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("host"))
    sending = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("sending institution"))  # a mirror of the home node's institution
    learner_name = models.CharField(_("name in original script"), max_length=200)
    learner_name_latin = models.CharField(_("name in Latin script"), max_length=200, blank=True)
    call_title = models.CharField(_("title"), max_length=200)
    call_language = models.CharField(max_length=10, blank=True)  # the language the call's title is written in
    mobility_type = models.CharField(_("mobility type"), max_length=30, blank=True)
    academic_year = models.PositiveSmallIntegerField(_("academic year (starting)"), null=True, blank=True)
    isced_code = models.CharField(_("ISCED-F 2013 field"), max_length=4, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    duration = models.PositiveIntegerField(_("duration per mobility"), null=True, blank=True)
    duration_unit = models.CharField(_("unit"), max_length=10, blank=True)
    answer_by = models.DateTimeField(_("answer by"), null=True, blank=True)
    state = models.CharField(max_length=12, choices=NominationState.choices, default=NominationState.PENDING)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["home_node", "home_id"], name="remote_nomination_once")]

    def __str__(self) -> str:
        return f"{self.learner_name_latin or self.learner_name} ({self.home_node} #{self.home_id})"

    @property
    def learner_display(self) -> str:
        if self.learner_name_latin and self.learner_name_latin != self.learner_name:
            return f"{self.learner_name} ({self.learner_name_latin})"
        return self.learner_name

    @property
    def duration_unit_display(self) -> str:
        """The unit in the reader's language (the home node sends the agreements' code: months, weeks, days)."""
        from ortaq.agreements.types import DurationUnit

        return str(dict(DurationUnit.choices).get(self.duration_unit, self.duration_unit))

    @property
    def reason_text(self) -> str:
        """The host's reason as written, or a withdrawal's reason in the reader's language."""
        if self.state == NominationState.WITHDRAWN and self.reason in WITHDRAWAL_TEXTS:
            return str(WITHDRAWAL_TEXTS[self.reason])
        return self.reason


class RemoteMobilityAgreement(models.Model):
    """The host's copy of a learning or training agreement drafted on the nomination's home node, for the receiving
    party to read and sign here (docs/federation.md, "mobility_agreement.proposed"). `content` is exactly what the
    home node hashed (`sha256`); `signatures` are the parties' signatures the home node has recorded, as it last told.
    The host's own signature of a version is kept in `signed_version`/`signed_by` until the home node confirms it."""

    nomination = models.OneToOneField(RemoteNomination, on_delete=models.CASCADE, related_name="mobility_agreement")
    home_id = models.CharField(max_length=64)  # the agreement's id on the nomination's home node
    version = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.JSONField(default=dict)
    state = models.CharField(max_length=10, default="signing")  # the home node's MobilityAgreementState
    signatures = models.JSONField(default=list)  # [{"party", "version", "sha256"}], as the home node records them
    signed_version = models.PositiveIntegerField(null=True, blank=True)  # the version the host signed here
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    signed_at = models.DateTimeField(null=True, blank=True)
    # The texts of the learning outcomes the content names by number ({"<id at home>": {"kk"|"ru"|"zh"|"en": text}}),
    # sent beside the content (not part of what is hashed and signed) so that the host reads and evaluates them.
    outcome_texts = models.JSONField(default=dict, blank=True)
    # The host's results, recorded here until sent home as a signed transcript (remote_transcript_services.py):
    # {"components": {"<index in content.components>": {"grade", "scale"}}, "outcomes": {"<id>": {"rating", "comment"}}}.
    results = models.JSONField(default=dict, blank=True)
    results_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    transcript_credential = models.CharField(max_length=64, blank=True)  # the IssuedCredential's public id once sent
    transcript_sent_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.nomination} agreement {self.home_id} v{self.version}"

    @property
    def state_display(self) -> str:
        from ortaq.mobility.types import MobilityAgreementState

        return str(dict(MobilityAgreementState.choices).get(self.state, self.state))

    @property
    def signed_parties(self) -> list[str]:
        """The parties whose signature of the current version the home node has recorded."""
        return [s.get("party", "") for s in self.signatures if isinstance(s, dict) and s.get("version") == self.version]


class RemoteLogbookEntry(models.Model):
    """A week of the learner's logbook kept on the agreement's home node, for the host's staff to verify here
    (docs/federation.md, "logbook.submitted"). Evidence files stay at home; `outcomes` are the home node's outcome ids
    as the agreement's content names them. The host's decision goes home (logbook.verified), which records it."""

    agreement = models.ForeignKey(RemoteMobilityAgreement, on_delete=models.CASCADE, related_name="logbook")
    home_id = models.CharField(max_length=64)  # the week's id (LogbookEntry) on the home node
    week_start = models.DateField(_("week starting"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    description = models.TextField(_("what I did"))
    outcomes = models.JSONField(default=list)  # home outcome ids
    state = models.CharField(max_length=10, choices=EntryState.choices, default=EntryState.SUBMITTED)
    verified_hours = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    comment = models.TextField(blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["week_start", "id"]
        constraints = [models.UniqueConstraint(fields=["agreement", "home_id"], name="remote_logbook_entry_once")]

    def __str__(self) -> str:
        return f"{self.agreement} week {self.week_start}"


class HostTranscript(models.Model):
    """The host's evaluation and transcript of records of a mobility made here, received from the host's node as a
    signed credential (docs/federation.md, "mobility.transcript"), verified on arrival and kept as received. Its
    results are recorded as the agreement's TranscriptEntry and OutcomeEvaluation rows, so recognition proceeds as
    for a local host."""

    agreement = models.OneToOneField("mobility.MobilityAgreement", on_delete=models.CASCADE, related_name="host_transcript")
    node = models.CharField(max_length=300)  # the host's node, which sent it
    issuer = models.CharField(max_length=300)  # the credential's issuer (the host institution's did:web there)
    credential = models.JSONField()
    version = models.PositiveIntegerField()  # the agreement's version the host evaluated
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"transcript of agreement {self.agreement_id} from {self.node}"


class RemoteChangeProposal(models.Model):
    """A change of components the host's staff propose here to an agreement made on another node (docs/federation.md,
    "mobility_agreement.change_proposed"); the agreement's home node decides it and sends its decision back
    (`mobility_agreement.change_decided`). `components` are the content's component rows, outcomes by their id at home."""

    agreement = models.ForeignKey(RemoteMobilityAgreement, on_delete=models.CASCADE, related_name="change_proposals")
    base_version = models.PositiveIntegerField()  # the copy's version it was proposed on
    components = models.JSONField(default=list)
    reason_code = models.CharField(_("reason"), max_length=30, choices=ReasonCode.choices)
    comment = models.TextField(_("comment"), blank=True)
    state = models.CharField(max_length=10, choices=ProposalState.choices, default=ProposalState.PENDING)
    response = models.TextField(_("response"), blank=True)  # the home's, with its decision
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["agreement"], condition=models.Q(state="pending"), name="remote_change_proposal_one_pending")]

    def __str__(self) -> str:
        return f"change {self.pk} of {self.agreement}"
