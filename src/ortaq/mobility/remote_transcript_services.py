"""The host's evaluation and transcript of records across nodes (issue 16).

Once a learning or training agreement whose host is hosted by another node is signed by all, the host's staff record
on their node a grade for each component (in the host's scale) and a rating for each learning outcome, reading the
outcomes' texts the home node sent with the agreement. A coordinator of the host then signs them as one credential
(a ClrCredential issued by the host institution, through the credentials app's single signing service: role check,
stored, revocable, audited) and it goes home (`mobility.transcript`). The home node verifies it (the host's issuer
document and status lists reached it through the federation), and records its results as the agreement's
TranscriptEntry and OutcomeEvaluation rows, so that the home coordinator opens recognition exactly as for a local host.

Mobility knows nothing of nodes beyond `Institution.node`: it sends the signal `transcript_shared` inside its
transaction and the federation writes the outbox in that same transaction. A DomainError with code "home_node" means
the sender may not do this (not_home); a ValidationFailed is an invalid message; any other code is a conflict.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ortaq.accounts.selectors import access_for, memberships
from ortaq.accounts.types import Role
from ortaq.audit.services import audit_record
from ortaq.errors import DomainError, Forbidden, ValidationFailed
from ortaq.inputs import ID_MAX, LINE_MAX, choice, plain_text, whole_number
from ortaq.notifications.services import names, notify

from . import grades
from .models import (
    HostTranscript, MobilityAgreement, MobilityAgreementState, OutcomeEvaluation, Rating, RemoteMobilityAgreement, TranscriptEntry,
)
from .remote_services import HOST_ROLES

if TYPE_CHECKING:
    from ortaq.accounts.types import Actor, User

transcript_shared = Signal()

# The title of the host's transcript credential, in the platform's four languages.
TRANSCRIPT_TITLE = {"en": "Transcript of records from the host institution", "ru": "Академическая справка принимающей организации",
                    "kk": "Қабылдаушы ұйымның оқу нәтижелері туралы анықтамасы", "zh": "接收机构成绩单"}


# --------------------------------------------------------------------------- the host's node


def _components(row: RemoteMobilityAgreement) -> list[dict]:
    content = row.content if isinstance(row.content, dict) else {}
    return [c for c in content.get("components") or [] if isinstance(c, dict)]


def outcome_ids(row: RemoteMobilityAgreement) -> list[int]:
    """The learning outcomes the agreement's components name (home ids), in order."""
    ids: set[int] = set()
    for component in _components(row):
        ids.update(o for o in component.get("outcomes") or [] if isinstance(o, int) and not isinstance(o, bool))
    return sorted(ids)


def missing_grades(row: RemoteMobilityAgreement) -> list[str]:
    """The codes of the components without a grade yet: the transcript is sent once every one has one."""
    graded = (row.results or {}).get("components") or {}
    return [str(c.get("code") or index + 1) for index, c in enumerate(_components(row)) if str(index) not in graded]


def _locked_for_results(actor: User, agreement: RemoteMobilityAgreement) -> RemoteMobilityAgreement:
    row = RemoteMobilityAgreement.objects.select_for_update().select_related("nomination__host").get(pk=agreement.pk)
    if not access_for(actor).has_role(row.nomination.host_id, *HOST_ROLES):
        raise Forbidden(_("Only the host records results."))
    if row.state != MobilityAgreementState.SIGNED:
        raise DomainError(_("Results are recorded once all three parties have signed the agreement."), code="state")
    if row.transcript_sent_at is not None:
        raise DomainError(_("The transcript has been sent to the sending institution; its results no longer change here."), code="state")
    return row


@transaction.atomic
def remote_result_record(*, actor: User, agreement: RemoteMobilityAgreement, component: object, host_grade: object, host_scale: object) -> RemoteMobilityAgreement:
    """The host's grade of one component (by its position in the agreement), in one of the platform's scales."""
    row = _locked_for_results(actor, agreement)
    components = _components(row)
    message = _("This component is not part of the agreement.")
    index = whole_number(component, name="component", minimum=0, maximum=max(len(components) - 1, 0), message=message) if components else None
    if index is None:
        raise ValidationFailed({"component": [str(message)]})
    scale = choice(host_scale, grades.SCALES, name="host_scale")
    grade = plain_text(host_grade, name="host_grade", max_length=10, required_message=_("Give the grade."))
    try:
        grades.to_kz_letter(grade, scale)
    except grades.GradeError:
        raise ValidationFailed({"host_grade": [str(_("“%(grade)s” is not a grade of this scale.") % {"grade": grade})]})
    results = dict(row.results or {})
    before = (results.get("components") or {}).get(str(index))
    results["components"] = {**(results.get("components") or {}), str(index): {"grade": grade, "scale": scale}}
    row.results, row.results_by = results, actor
    row.save(update_fields=["results", "results_by", "updated_at"])
    audit_record(actor=actor, action="update", obj=row, before={"component": index, "result": before},
                 after={"component": index, "code": components[index].get("code"), "grade": grade, "scale": scale})
    return row


@transaction.atomic
def remote_outcome_evaluate(*, actor: User, agreement: RemoteMobilityAgreement, outcome: object, rating: object, comment: object = "") -> RemoteMobilityAgreement:
    """The host's rating of one learning outcome the agreement names (by its id at home), with an optional comment."""
    row = _locked_for_results(actor, agreement)
    message = _("This outcome is not part of the agreement.")
    outcome_id = whole_number(outcome, name="outcome", minimum=1, maximum=ID_MAX, message=message)
    if outcome_id not in outcome_ids(row):
        raise ValidationFailed({"outcome": [str(message)]})
    rating = choice(rating, Rating.values, name="rating")
    comment = plain_text(comment, name="comment", max_length=LINE_MAX)
    results = dict(row.results or {})
    before = (results.get("outcomes") or {}).get(str(outcome_id))
    results["outcomes"] = {**(results.get("outcomes") or {}), str(outcome_id): {"rating": rating, "comment": comment}}
    row.results, row.results_by = results, actor
    row.save(update_fields=["results", "results_by", "updated_at"])
    audit_record(actor=actor, action="update", obj=row, before={"outcome": outcome_id, "evaluation": before},
                 after={"outcome": outcome_id, "rating": rating})
    return row


def may_send_transcript(actor: Actor, row: RemoteMobilityAgreement) -> bool:
    """A coordinator or registrar of the host signs and sends (company supervisors record results, not sign for the
    institution), once, when every component has a grade."""
    return (access_for(actor).has_role(row.nomination.host_id, Role.COORDINATOR, Role.REGISTRAR) and row.state == MobilityAgreementState.SIGNED
            and row.transcript_sent_at is None and bool(_components(row)) and not missing_grades(row))


@transaction.atomic
def remote_transcript_send(*, actor: User, agreement: RemoteMobilityAgreement) -> RemoteMobilityAgreement:
    """Sign the results as the host institution's transcript credential and send it home (mobility.transcript)."""
    from ortaq.credentials.services import host_transcript_issue

    row = _locked_for_results(actor, agreement)
    if not access_for(actor).has_role(row.nomination.host_id, Role.COORDINATOR, Role.REGISTRAR):
        raise Forbidden(_("Only a coordinator or registrar of the host signs the transcript."))
    if missing := missing_grades(row):
        raise DomainError(_("Give a grade for every component first: %(codes)s.") % {"codes": ", ".join(missing)}, code="incomplete")
    results = row.results or {}
    texts = row.outcome_texts if isinstance(row.outcome_texts, dict) else {}
    components = [{"index": index, "code": str(c.get("code", "")), "title": str(c.get("title", "")), "credits": str(c.get("credits") or 0),
                   **results["components"][str(index)]} for index, c in enumerate(_components(row))]
    outcomes = [{"id": int(key), "texts": texts.get(key) or {}, **value} for key, value in sorted((results.get("outcomes") or {}).items(), key=lambda kv: int(kv[0]))]
    nomination = row.nomination
    learner_names = [n for n in dict.fromkeys([nomination.learner_name, nomination.learner_name_latin]) if n]
    credential = host_transcript_issue(
        actor=actor, issuer_institution=nomination.host, learner_names=learner_names,
        subject_key=f"{nomination.home_node}/mobility/agreements/{row.home_id}/learner",
        idempotency_key=f"host-transcript:{row.pk}:v{row.version}", title=TRANSCRIPT_TITLE, components=components, outcomes=outcomes)
    row.transcript_credential, row.transcript_sent_at = str(credential.public_id), timezone.now()
    row.save(update_fields=["transcript_credential", "transcript_sent_at", "updated_at"])
    audit_record(actor=actor, action="transition", obj=row, after={"transcript": row.transcript_credential, "version": row.version},
                 summary=f"transcript sent to {nomination.home_node}")
    transcript_shared.send(sender=RemoteMobilityAgreement, change="sent", remote=row, credential=credential.document)
    return row


# --------------------------------------------------------------------------- the home node


def agreement_host_id(agreement_id: int) -> int | None:
    """The host institution of a mobility agreement made here (for the federation to find its id on the host's node)."""
    return MobilityAgreement.objects.filter(pk=agreement_id).values_list("nomination__host_id", flat=True).first()


@transaction.atomic
def host_transcript_receive(*, node: str, agreement_id: int, version: int, sha256: str, credential: dict[str, object], issuer_suffix: str) -> HostTranscript | None:
    """The host's transcript of an agreement made here, from the node hosting its host (else "home_node"). The agreement
    must be signed by all, in the version the host evaluated ("state"); the credential must verify here, be issued by the
    host's issuer on that node (its did:web ends with `issuer_suffix`) and grade every component. The same credential
    again changes nothing (None); another one after it is refused ("duplicate")."""
    from ortaq.credentials.selectors import credential_verification
    from ortaq.credentials.services import host_transcript_read

    agreement = (MobilityAgreement.objects.select_for_update().select_related("nomination__host", "nomination__application__applicant",
                                                                                "nomination__application__call__owner")
                 .filter(pk=agreement_id).first())
    if agreement is None or agreement.nomination.host.node != node:
        raise DomainError(_("No agreement with this host is held here."), code="home_node")
    existing = HostTranscript.objects.filter(agreement=agreement).first()
    if existing is not None:
        if existing.credential.get("id") == credential.get("id"):
            return None
        raise DomainError(_("The host's transcript has already been received."), code="duplicate")
    current = agreement.versions.filter(number=agreement.version).values_list("sha256", flat=True).first()
    if agreement.state != MobilityAgreementState.SIGNED or version != agreement.version or sha256 != current:
        raise DomainError(_("The host evaluated another version of the agreement than the one signed here."), code="state")
    report = credential_verification(credential)
    if not report.get("verified") or report.get("home_node") != node or not str(report.get("issuer") or "").endswith(issuer_suffix):
        failed = [c.get("check") for c in report.get("checks", []) if isinstance(c, dict) and not c.get("ok")]
        raise ValidationFailed({"credential": [f"the transcript does not verify as the host's credential: {failed or 'issuer'}"]})
    try:
        read = host_transcript_read(credential)
    except ValueError as error:
        raise ValidationFailed({"credential": [f"not a host's transcript: {error}"]}) from error
    components = list(agreement.components.order_by("id"))
    if set(read["components"]) != set(range(len(components))):
        raise ValidationFailed({"credential": ["the transcript grades other components than the agreement's"]})
    served = set(agreement.components.values_list("outcomes", flat=True)) - {None}
    if set(read["outcomes"]) - served:
        raise ValidationFailed({"credential": ["the transcript rates outcomes the agreement does not name"]})
    for index, component in enumerate(components):
        result = read["components"][index]
        if result["code"] != component.code or result["scale"] not in grades.SCALES:
            raise ValidationFailed({"credential": [f"component {index}: another code or an unknown scale"]})
        try:
            home_grade = grades.to_kz_letter(result["grade"][:10], result["scale"])
        except grades.GradeError:
            raise ValidationFailed({"credential": [f"component {index}: not a grade of its scale"]}) from None
        TranscriptEntry.objects.update_or_create(
            agreement=agreement, component=component,
            defaults={"host_grade": result["grade"][:10], "host_scale": result["scale"], "home_grade": home_grade, "credits_host": component.credits,
                      "credits_home": grades.kz_credits(component.hours, component.credits), "recorded_by": None, "recorded_on_node": node})
    for outcome_id, evaluation in read["outcomes"].items():
        OutcomeEvaluation.objects.update_or_create(
            agreement=agreement, outcome_id=outcome_id,
            defaults={"rating": evaluation["rating"], "comment": evaluation["comment"][:LINE_MAX], "evaluated_by": None, "evaluated_on_node": node})
    received = HostTranscript.objects.create(agreement=agreement, node=node, issuer=str(report.get("issuer")), credential=credential, version=version)
    audit_record(actor=None, action="create", obj=received, summary=f"from {node}",
                 after={"credential": credential.get("id"), "components": len(components), "outcomes": len(read["outcomes"])})
    nomination = agreement.nomination
    home = nomination.application.call.owner
    coordinators = [m.user for m in memberships(institutions=[home.pk], roles=[Role.COORDINATOR]).select_related("user")]
    recipients = list({u.pk: u for u in [*coordinators, nomination.application.applicant]}.values())
    notify(recipients=recipients, key="host_transcript_received", url=reverse("mobility:agreement", args=[agreement.pk]),
           params={"learner": nomination.application.applicant.display_name, "host": names(nomination.host)})
    return received
