"""Services for the mobility itself: the three-party agreement and its changes, the logbook with the
host's verification, the evaluation of outcomes and the transcript. Permission-checked and audited."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ortaq.accounts.selectors import access_for, memberships
from ortaq.accounts.types import Role
from ortaq.audit.services import audit_record
from ortaq.errors import DomainError, Forbidden, ValidationFailed, VersionConflict
from ortaq.inputs import ID_MAX, LINE_MAX, TEXT_MAX, DateField, decimal_number, parse, plain_text, whole_number
from ortaq.notifications.services import names, notify

from . import grades
from .models import (
    AgreementKind,
    ChangeProposal,
    Component,
    EntryState,
    LogbookEntry,
    MobilityAgreement,
    MobilityAgreementState,
    MobilityAgreementVersion,
    Nomination,
    NominationState,
    OutcomeEvaluation,
    Party,
    ProposalState,
    Rating,
    ReasonCode,
    Signature,
    TranscriptEntry,
)
from .remote_agreement_services import mobility_agreement_shared
from .remote_change_services import change_shared
from .remote_logbook_services import logbook_shared
from .services import HOST_ROLES, document_check

LINK_SALT = "ortaq.mobility.logbook-verification"
LINK_MAX_AGE = 14 * 24 * 3600


def parties_of(actor, agreement: MobilityAgreement) -> set[str]:
    """Which of the three parties the actor may act for on this agreement."""
    nomination = agreement.nomination
    access = access_for(actor)
    held: set[str] = set()
    if nomination.application.applicant_id == actor.pk:
        held.add(Party.LEARNER)
    if access.is_admin or nomination.application.call.owner_id in access.manages:
        held.add(Party.SENDING)
    if access.is_admin or access.has_role(nomination.host_id, *HOST_ROLES):
        held.add(Party.RECEIVING)
    return held


def _require_party(actor, agreement, *parties: str) -> set[str]:
    held = parties_of(actor, agreement)
    if not held & set(parties or Party.values):
        raise Forbidden()
    return held


def people_of(agreement: MobilityAgreement) -> list:
    """Everyone who acts for one of the three parties: the learner, the sending institution's coordinators, and the
    host's coordinators and company supervisors."""
    nomination = agreement.nomination
    people = {nomination.application.applicant_id: nomination.application.applicant}
    for institution, roles in ((nomination.application.call.owner_id, [Role.COORDINATOR]), (nomination.host_id, [Role.COORDINATOR, Role.COMPANY_SUPERVISOR])):
        people |= {m.user_id: m.user for m in memberships(institutions=[institution], roles=roles).select_related("user")}
    return list(people.values())


def _tell_the_others(actor, agreement: MobilityAgreement, key: str, **params) -> None:
    """Notify every party's people but the actor, each in their own language, with a link to the agreement."""
    nomination = agreement.nomination
    notify(recipients=[p for p in people_of(agreement) if p.pk != getattr(actor, "pk", None)], key=key,
           params={"learner": nomination.application.applicant.display_name, "host": names(nomination.host), **params},
           url=reverse("mobility:agreement", args=[agreement.pk]))


def content_of(agreement: MobilityAgreement) -> dict:
    components = [
        {"code": c.code, "title": c.title, "credits": str(c.credits), "hours": c.hours, "recognition": c.recognition,
         "outcomes": sorted(c.outcomes.values_list("pk", flat=True))}
        for c in agreement.components.order_by("id")
    ]
    return {"kind": agreement.kind, "start_date": agreement.start_date.isoformat(), "end_date": agreement.end_date.isoformat(),
            "weekly_hours": agreement.weekly_hours, "components": components}


def _sha256(content: dict) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()


def allowed_outcome_ids(nomination: Nomination) -> set[int]:
    """The learning outcomes a component may serve: those of the learner's programme, or, when the application
    names none, of the programmes the sending institution awards (the modules recognition will look at)."""
    from ortaq.programmes.selectors import outcome_ids_of

    application = nomination.application
    if application.programme_id:
        return outcome_ids_of(programme_ids=[application.programme_id])
    return outcome_ids_of(awarded_by=application.call.owner_id)


def _row_number(value, *, places: int | None = None):
    """Credits (up to one decimal) or hours (whole) of a component row; ValidationFailed otherwise."""
    if value in (None, ""):
        return Decimal(0) if places else 0
    if places:
        return decimal_number(value, name="components", minimum=-10**6, maximum=10**6, places=places)
    return whole_number(value, name="components", minimum=-10**6, maximum=10**6)


def _clean_components(rows: list[dict], *, allowed_outcomes: set[int], required: bool = True) -> list[dict]:
    errors, clean = [], []
    for number, row in enumerate(rows, start=1):
        row = row if isinstance(row, dict) else {}
        try:
            credits, hours = _row_number(row.get("credits"), places=1), _row_number(row.get("hours"))
            outcomes = [whole_number(o, name="components", minimum=1, maximum=ID_MAX) for o in row.get("outcomes") or []]
        except ValidationFailed:
            errors.append(str(_("Row %(n)d: credits and hours must be numbers.") % {"n": number}))
            continue
        try:
            code = plain_text(row.get("code"), name="components", max_length=40)
            title = plain_text(row.get("title"), name="components", max_length=300)
            recognition = plain_text(row.get("recognition"), name="components", max_length=300)
        except ValidationFailed as error:
            errors += [str(_("Row %(n)d: %(error)s") % {"n": number, "error": m}) for m in error.errors["components"]]
            continue
        if not title:
            errors.append(str(_("Row %(n)d: give the component or task a title.") % {"n": number}))
        if credits < 0 or hours < 0 or credits > 60 or hours > 2000:
            errors.append(str(_("Row %(n)d: credits or hours are out of range.") % {"n": number}))
        if set(outcomes) - allowed_outcomes:
            errors.append(str(_("Row %(n)d: link only learning outcomes of the learner's programme.") % {"n": number}))
        clean.append({"code": code or f"C{number}", "title": title, "credits": credits, "hours": hours,
                      "recognition": recognition, "outcomes": sorted(set(outcomes))})
    if required and not clean and not errors:
        errors.append(str(_("List at least one component or task.")))
    if errors:
        raise ValidationFailed({"components": errors})
    return clean


def _replace_components(agreement: MobilityAgreement, rows: list[dict]) -> None:
    agreement.components.all().delete()
    for row in rows:
        component = Component.objects.create(agreement=agreement, code=row["code"], title=row["title"], credits=row["credits"],
                                             hours=row["hours"], recognition=row["recognition"])
        if row["outcomes"]:
            component.outcomes.set(row["outcomes"])


def _share(agreement: MobilityAgreement, change: str) -> None:
    """Tell the federation, in the caller's transaction, of a version to sign ("proposed") or of the signatures and
    state recorded here ("state"), when the receiving party is hosted by another node (remote_agreement_services.py)."""
    if agreement.nomination.host.node:
        mobility_agreement_shared.send(sender=MobilityAgreement, change=change, agreement=agreement)


def _snapshot(agreement: MobilityAgreement, *, actor, reason_code: str = "", comment: str = "") -> MobilityAgreementVersion:
    content = content_of(agreement)
    version = MobilityAgreementVersion.objects.create(agreement=agreement, number=agreement.version, content=content, sha256=_sha256(content),
                                                      reason_code=reason_code, comment=comment, created_by=actor)
    _share(agreement, "proposed")  # every new version to sign goes to a receiving party on another node
    return version


def _lock(agreement: MobilityAgreement, expected_version: int | None) -> MobilityAgreement:
    fresh = MobilityAgreement.objects.select_for_update().select_related("nomination__application__call").get(pk=agreement.pk)
    if expected_version is not None and fresh.version != expected_version:
        raise VersionConflict(fresh.version, _("Someone else changed this agreement (now version %(version)d). Reload it and apply your change again.")
                              % {"version": fresh.version})
    return fresh


@transaction.atomic
def mobility_agreement_create(*, actor, nomination: Nomination, start_date, end_date, weekly_hours: int = 30, components: list[dict]) -> MobilityAgreement:
    if nomination.state != NominationState.ACCEPTED:
        raise DomainError(_("A learning or training agreement follows an accepted nomination."), code="nomination")
    probe = MobilityAgreement(nomination=nomination, kind=AgreementKind.LEARNING, start_date=start_date, end_date=end_date)
    _require_party(actor, probe, Party.LEARNER, Party.SENDING)
    if MobilityAgreement.objects.filter(nomination=nomination).exists():  # one per nomination (a second POST, two tabs)
        raise DomainError(_("This placement already has its agreement."), code="duplicate")
    start_date, end_date = parse(DateField(), start_date, name="start_date"), parse(DateField(), end_date, name="end_date")
    if end_date < start_date:
        raise ValidationFailed({"end_date": [str(_("The end date cannot be before the start date."))]})
    weekly_hours = whole_number(weekly_hours, name="weekly_hours", minimum=1, maximum=60, message=_("Target hours per week must be between 1 and 60."))
    # A draft may start without components: they are picked next, on the agreement's page, from the programmes'
    # modules. Nobody can sign it before it has one (mobility_agreement_sign).
    rows = _clean_components(components, allowed_outcomes=allowed_outcome_ids(nomination), required=False)
    kind = AgreementKind.LEARNING if nomination.application.call.mobility_type == "student_study" else AgreementKind.TRAINING
    agreement = MobilityAgreement.objects.create(nomination=nomination, kind=kind, start_date=start_date, end_date=end_date, weekly_hours=weekly_hours)
    _replace_components(agreement, rows)
    version = _snapshot(agreement, actor=actor)
    audit_record(actor=actor, action="create", obj=agreement, after=version.content)
    _tell_the_others(actor, agreement, "agreement_created")
    return agreement


@transaction.atomic
def mobility_agreement_edit(*, actor, agreement: MobilityAgreement, components: list[dict], expected_version: int | None) -> MobilityAgreement:
    """Direct edits while nobody has signed; afterwards every change is a proposal with a reason."""
    agreement = _lock(agreement, expected_version)
    _require_party(actor, agreement)
    if agreement.signatures.exists():
        raise DomainError(_("The agreement has signatures: propose a change with a reason instead."), code="signed")
    before = content_of(agreement)
    _replace_components(agreement, _clean_components(components, allowed_outcomes=allowed_outcome_ids(agreement.nomination)))
    agreement.version += 1
    agreement.save(update_fields=["version"])
    version = _snapshot(agreement, actor=actor)
    audit_record(actor=actor, action="update", obj=agreement, before=before, after=version.content)
    return agreement


@transaction.atomic
def mobility_agreement_sign(*, actor, agreement: MobilityAgreement, party: str, expected_version: int | None = None) -> Signature:
    agreement = _lock(agreement, expected_version)
    if party not in parties_of(actor, agreement):
        raise Forbidden(_("You cannot sign for this party."))
    if party == Party.RECEIVING and agreement.nomination.host.node:
        raise DomainError(_("The host signs on its own node (%(node)s).") % {"node": agreement.nomination.host.node}, code="home_node")
    if agreement.signatures.filter(version=agreement.version, party=party).exists():
        raise DomainError(_("This party has already signed this version."), code="already_signed")
    if not agreement.components.exists():
        raise ValidationFailed({"components": [str(_("List at least one component or task."))]})
    return _record_signature(agreement, party=party, actor=actor)


def _record_signature(agreement: MobilityAgreement, *, party: str, actor=None, node: str = "", signer_name: str = "") -> Signature:
    """A party's signature of the current version (signed here by `actor`, or on `node` by `signer_name`), and the
    state it leads to: signed once all three parties signed this version. The parties are told, and a receiving party
    on another node is sent the new state."""
    version = agreement.versions.get(number=agreement.version)
    signature = Signature.objects.create(agreement=agreement, version=agreement.version, party=party, sha256=version.sha256, signed_by=actor,
                                         signed_on_node=node, signer_name=signer_name)
    signed = set(agreement.signatures.filter(version=agreement.version).values_list("party", flat=True))
    agreement.state = MobilityAgreementState.SIGNED if signed == set(Party.values) else MobilityAgreementState.SIGNING
    agreement.save(update_fields=["state"])
    audit_record(actor=actor, action="approve", obj=agreement, after={"party": party, "version": agreement.version, "sha256": version.sha256},
                 summary=f"{signer_name} on {node}"[:300] if node else "")
    if agreement.state == MobilityAgreementState.SIGNED:
        _tell_the_others(None, agreement, "agreement_signed_by_all", version=agreement.version)  # the last signer too: the mobility can begin
    else:
        _tell_the_others(actor, agreement, "agreement_signed", signer=signature.signer_display, version=agreement.version)
    _share(agreement, "state")
    return signature


@transaction.atomic
def mobility_agreement_sign_remote(*, agreement_id: int, node: str, version: int, sha256: str, signer_name: str) -> Signature | None:
    """On the nomination's home node: the receiving party's signature given on the host's node (`node`, which must host
    the nomination's host, else "home_node"). A signature of a version since replaced is recorded in the audit trail
    and has no effect (None), as for agreements' approvals; another SHA-256 for the current version is refused
    ("invalid"); the same signature again changes nothing."""
    agreement = MobilityAgreement.objects.select_for_update().select_related("nomination__host").filter(pk=agreement_id).first()
    if agreement is None or not node or agreement.nomination.host.node != node:
        raise DomainError(_("Only the host's node signs for the receiving party."), code="home_node")
    if version != agreement.version:
        audit_record(actor=None, action="approve", obj=agreement, after={"party": Party.RECEIVING, "version": version, "ignored": True},
                     summary=f"stale signature from {node}"[:300])
        return None
    current = agreement.versions.get(number=agreement.version)
    if sha256 != current.sha256:
        raise DomainError(_("Version %(version)d has another SHA-256 here.") % {"version": version}, code="invalid")
    found = agreement.signatures.filter(version=agreement.version, party=Party.RECEIVING).first()
    if found is not None:
        return found
    if not agreement.components.exists():
        raise DomainError(_("List at least one component or task."), code="invalid")
    return _record_signature(agreement, party=Party.RECEIVING, node=node, signer_name=signer_name.strip()[:200] or node)


@transaction.atomic
def change_propose(*, actor, agreement: MobilityAgreement, components: list[dict], reason_code: str, comment: str = "", expected_version: int | None = None) -> ChangeProposal:
    agreement = _lock(agreement, expected_version)
    _require_party(actor, agreement)
    if reason_code not in ReasonCode.values:
        raise ValidationFailed({"reason_code": [str(_("Choose a reason for the change."))]})
    comment = plain_text(comment, name="comment", max_length=LINE_MAX)
    rows = _clean_components(components, allowed_outcomes=allowed_outcome_ids(agreement.nomination))
    proposal = ChangeProposal.objects.create(
        agreement=agreement, base_version=agreement.version, reason_code=reason_code, comment=comment, proposed_by=actor,
        components=[{**r, "credits": str(r["credits"])} for r in rows],
    )
    audit_record(actor=actor, action="create", obj=proposal, after={"reason": reason_code, "base_version": agreement.version})
    return proposal


@transaction.atomic
def change_propose_remote(*, agreement_id: int, node: str, remote_id: str, version: int, sha256: str, components: list[dict], reason_code: str,
                          comment: str, proposer_name: str) -> ChangeProposal:
    """On the agreement's home node: a change the host proposed on its node (`node`, which must host the nomination's
    host, else "home_node"), on the current version only ("state"). Its components are checked as a local proposal's
    (ValidationFailed); the sending institution decides it with `change_decide`. The same proposal again changes nothing."""
    agreement = MobilityAgreement.objects.select_for_update().select_related("nomination__host").filter(pk=agreement_id).first()
    if agreement is None or not node or agreement.nomination.host.node != node:
        raise DomainError(_("Only the host's node proposes changes for the receiving party."), code="home_node")
    found = agreement.proposals.filter(proposed_on_node=node, remote_id=remote_id).first()
    if found is not None:
        return found
    if version != agreement.version or sha256 != agreement.versions.get(number=agreement.version).sha256:
        raise DomainError(_("This change was proposed on a version the agreement has since left."), code="state")
    if reason_code not in ReasonCode.values:
        raise ValidationFailed({"reason_code": [str(_("Choose a reason for the change."))]})
    comment = plain_text(comment, name="comment", max_length=LINE_MAX)
    rows = _clean_components(components, allowed_outcomes=allowed_outcome_ids(agreement.nomination))
    proposal = ChangeProposal.objects.create(
        agreement=agreement, base_version=agreement.version, reason_code=reason_code, comment=comment, proposed_by=None, proposed_on_node=node,
        proposer_name=proposer_name.strip()[:200], remote_id=remote_id, components=[{**r, "credits": str(r["credits"])} for r in rows],
    )
    audit_record(actor=None, action="create", obj=proposal, after={"reason": reason_code, "base_version": agreement.version, "remote_id": remote_id},
                 summary=f"from {node}")
    nomination = agreement.nomination
    coordinators = [m.user for m in memberships(institutions=[nomination.application.call.owner_id], roles=[Role.COORDINATOR]).select_related("user")]
    notify(recipients=list({u.pk: u for u in [nomination.application.applicant, *coordinators]}.values()), key="agreement_change_proposed_remote",
           params={"learner": nomination.application.applicant.display_name, "host": names(nomination.host), "node": node, "name": proposal.proposer_name},
           url=reverse("mobility:agreement", args=[agreement.pk]))
    return proposal


def change_decide(*, actor, proposal: ChangeProposal, approve: bool, response: str = "") -> ChangeProposal:
    """Approve or reject a pending change. A proposal made on a version the agreement has since left is closed as
    rejected (committed, so it no longer waits for anyone) and the decider is told to propose again (409)."""
    decided, current_version = _change_decide(actor=actor, proposal=proposal, approve=approve, response=response)
    if current_version is not None:
        raise VersionConflict(current_version, _("The agreement has changed since this proposal; it must be proposed again."))
    return decided


@transaction.atomic
def _change_decide(*, actor, proposal: ChangeProposal, approve: bool, response: str) -> tuple[ChangeProposal, int | None]:
    agreement = _lock(proposal.agreement, None)
    _require_party(actor, agreement, Party.SENDING, Party.RECEIVING)
    if proposal.proposed_by_id == actor.pk and not access_for(actor).is_admin:
        raise DomainError(_("Another party must decide on your proposal."), code="own_proposal")
    if proposal.state != ProposalState.PENDING:
        raise DomainError(_("This proposal has already been decided."), code="state")
    response = plain_text(response, name="response", max_length=LINE_MAX)
    if proposal.base_version != agreement.version:
        proposal.state = ProposalState.REJECTED
        proposal.response = str(_("The agreement changed after this proposal was made."))
        proposal.decided_by = actor
        proposal.save()
        audit_record(actor=actor, action="transition", obj=proposal, after={"state": proposal.state, "superseded_by_version": agreement.version})
        _share_decision(proposal)
        return proposal, agreement.version
    if not approve and not response.strip():
        raise ValidationFailed({"response": [str(_("Say why the proposal is rejected."))]})
    proposal.state = ProposalState.APPROVED if approve else ProposalState.REJECTED
    proposal.response = response.strip()
    proposal.decided_by = actor
    proposal.save()
    if approve:
        before = content_of(agreement)
        _replace_components(agreement, _clean_components(proposal.components, allowed_outcomes=allowed_outcome_ids(agreement.nomination)))
        agreement.version += 1
        agreement.state = MobilityAgreementState.SIGNING  # every party signs the changed agreement again
        agreement.save(update_fields=["version", "state"])
        version = _snapshot(agreement, actor=actor, reason_code=proposal.reason_code, comment=proposal.comment)
        audit_record(actor=actor, action="update", obj=agreement, before=before, after=version.content, summary=proposal.reason_code)
    audit_record(actor=actor, action="transition", obj=proposal, after={"state": proposal.state})
    _share_decision(proposal)
    return proposal, None


def _share_decision(proposal: ChangeProposal) -> None:
    """A decision on a change the host proposed on its node goes back there (remote_change_services.py); an approved
    change's new version to sign has gone there already (_snapshot)."""
    if proposal.proposed_on_node and proposal.remote_id:
        change_shared.send(sender=ChangeProposal, change="decided", proposal=proposal)


# Logbook ------------------------------------------------------------------------------------------------

@transaction.atomic
def logbook_submit(*, actor, agreement: MobilityAgreement, week_start, hours, description: str, outcome_ids=(), evidence=None) -> LogbookEntry:
    if Party.LEARNER not in parties_of(actor, agreement):
        raise Forbidden(_("Only the learner keeps the logbook."))
    if agreement.state != MobilityAgreementState.SIGNED:
        raise DomainError(_("The logbook opens once all three parties have signed the agreement."), code="not_signed")
    errors: dict[str, list] = {}
    hours_message = _("Hours must be a number above 0 and at most 80 a week.")
    try:
        hours = decimal_number(hours, name="hours", minimum=0, maximum=80, places=1, message=hours_message)
        if hours == 0:
            raise ValidationFailed({"hours": [str(hours_message)]})
    except ValidationFailed as error:
        errors |= error.errors
    try:
        week_start = parse(DateField(), week_start, name="week_start")
        if not agreement.start_date <= week_start <= agreement.end_date:
            errors["week_start"] = [str(_("The week must fall within the mobility dates."))]
        elif week_start > timezone.localdate():  # a week is logged once it has begun, never ahead
            errors["week_start"] = [str(_("This week has not begun yet: log it once you have worked it."))]
    except ValidationFailed as error:
        errors |= error.errors
    try:
        description = plain_text(description, name="description", max_length=TEXT_MAX, required_message=_("Describe what you did this week."))
    except ValidationFailed as error:
        errors |= error.errors
    try:
        outcome_ids = {whole_number(o, name="outcomes", minimum=1, maximum=ID_MAX) for o in outcome_ids}
        served = set(Component.outcomes.through.objects.filter(component__agreement=agreement).values_list("learningoutcome_id", flat=True))
        if outcome_ids - served:
            errors["outcomes"] = [str(_("This outcome is not part of the agreement."))]
    except ValidationFailed as error:
        errors |= error.errors
    if evidence is not None:
        try:
            document_check(evidence, field="evidence")
        except ValidationFailed as error:
            errors |= error.errors
    if errors:
        raise ValidationFailed(errors)
    entry = LogbookEntry.objects.filter(agreement=agreement, week_start=week_start).first()
    if entry and entry.state == EntryState.VERIFIED:
        raise DomainError(_("This week is already verified by the host."), code="verified")
    entry = entry or LogbookEntry(agreement=agreement, week_start=week_start)
    entry.hours, entry.description, entry.state = hours, description, EntryState.SUBMITTED
    if evidence is not None:
        entry.evidence = evidence
    entry.save()
    entry.outcomes.set(sorted(outcome_ids))
    audit_record(actor=actor, action="update", obj=entry, after={"week": week_start.isoformat(), "hours": str(hours)})
    if agreement.nomination.host.node:  # the host verifies on its own node (remote_logbook_services.py)
        logbook_shared.send(sender=LogbookEntry, change="submitted", entry=entry)
    return entry


def supervisor_link_token(agreement: MobilityAgreement) -> str:
    """A single-purpose signed token: verify this agreement's logbook, for 14 days, without an account."""
    return signing.TimestampSigner(salt=LINK_SALT).sign_object({"agreement": agreement.pk})


def agreement_for_link(token: str) -> MobilityAgreement | None:
    try:
        data = signing.TimestampSigner(salt=LINK_SALT).unsign_object(token, max_age=LINK_MAX_AGE)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    return MobilityAgreement.objects.filter(pk=data.get("agreement")).first()


@transaction.atomic
def logbook_verify(*, entry: LogbookEntry, verified_hours, approve: bool, comment: str = "", actor=None, via_link: bool = False) -> LogbookEntry:
    """The host verifies (or returns) a week, signed in or through the supervisor link. A host on another node
    verifies on its node and its decision comes home through `logbook_verify_remote`, never here (not even by an admin)."""
    if not via_link and Party.RECEIVING not in parties_of(actor, entry.agreement):
        raise Forbidden(_("Only the host verifies the logbook."))
    if entry.agreement.nomination.host.node:
        raise DomainError(_("The host's node verifies this week; its decision comes from there."), code="home_node")
    return _record_verification(entry, verified_hours=verified_hours, approve=approve, comment=comment,
                                verified_by=actor if actor is not None and getattr(actor, "is_authenticated", False) else None, via_link=via_link)


def _record_verification(entry: LogbookEntry, *, verified_hours, approve: bool, comment: str, verified_by=None, via_link: bool = False,
                         summary: str = "") -> LogbookEntry:
    """The host's decision on a submitted week, taken here (signed in or through the link) or on the host's node."""
    if entry.state == EntryState.VERIFIED:
        raise DomainError(_("This week is already verified."), code="verified")
    if entry.week_start > timezone.localdate():  # logged ahead before that was refused: nobody can vouch for it yet
        raise DomainError(_("This week has not begun yet, so it cannot be verified."), code="too_early")
    comment = plain_text(comment, name="comment", max_length=LINE_MAX)
    if approve:
        hours = decimal_number(verified_hours, name="verified_hours", minimum=0, maximum=entry.hours, places=1,
                               message=_("Verified hours must be between 0 and the hours submitted."))
        entry.state, entry.verified_hours = EntryState.VERIFIED, hours
    else:
        if not comment:
            raise ValidationFailed({"comment": [str(_("Say why the week is returned."))]})
        entry.state = EntryState.REJECTED
    entry.supervisor_comment = comment
    entry.verified_by = verified_by
    entry.verified_via_link = via_link
    entry.verified_at = timezone.now()
    entry.save()
    audit_record(actor=entry.verified_by, action="approve" if approve else "transition", obj=entry,
                 after={"state": entry.state, "verified_hours": str(entry.verified_hours), "via_link": via_link}, summary=summary[:300])
    return entry


@transaction.atomic
def logbook_verify_remote(*, agreement_id: int, entry_id: int, node: str, approve: bool, verified_hours, comment: str,
                          verifier_name: str, verifier_role: str) -> LogbookEntry:
    """On the agreement's home node: the host's decision on a week, taken on the host's node (`node`, which must host
    the nomination's host, else "home_node"). Recorded as a local one (no actor); the audit names the verifier and
    the node. A week already verified ("verified") or not submitted ("state") is refused."""
    entry = (LogbookEntry.objects.select_for_update().select_related("agreement__nomination__host")
             .filter(pk=entry_id, agreement_id=agreement_id).first())
    if entry is None or not node or entry.agreement.nomination.host.node != node:
        raise DomainError(_("Only the host's node verifies this logbook."), code="home_node")
    if entry.state == EntryState.REJECTED:  # returned: the host's node holds no submitted week to decide on
        raise DomainError(_("This week was returned; it waits for the learner to submit it again."), code="state")
    entry.verified_on_node, entry.verifier_name = node, verifier_name.strip()[:200]  # saved with the decision below
    return _record_verification(entry, verified_hours=verified_hours, approve=approve, comment=comment,
                                summary=f"by {node}: {verifier_name.strip()[:200]} ({verifier_role})")


def agreement_page(*, actor, agreement: MobilityAgreement) -> dict:
    """What the agreement's page shows this actor: the parties they act for, the signatures of the current version and
    who may still sign, the outcomes with their evaluations, the hours, and (to the sending and receiving sides)
    the path of the company supervisor's link."""
    held = parties_of(actor, agreement)
    remote_host = bool(agreement.nomination.host.node)
    if remote_host:  # a host on another node signs, verifies and evaluates there: nothing here is offered in its name
        held = held - {Party.RECEIVING}
    signed = {(s.version, s.party): s for s in agreement.signatures.all()}
    outcomes = {o.pk: o for c in agreement.components.all() for o in c.outcomes.all()}
    evaluations = {e.outcome_id: e for e in agreement.evaluations.all()}
    link = (reverse("mobility:logbook_link", args=[supervisor_link_token(agreement)])
            if held & {Party.RECEIVING, Party.SENDING} and not remote_host else None)
    return {
        "agreement": agreement, "held": held, "parties": Party.choices,
        "signatures": [(value, label, signed.get((agreement.version, value))) for value, label in Party.choices],
        "may_sign": [value for value, _l in Party.choices if value in held and (agreement.version, value) not in signed
                     and not (value == Party.RECEIVING and agreement.nomination.host.node)],  # a host on another node signs there
        "reasons": ReasonCode.choices, "ratings": Rating.choices, "scales": grades.SCALES,
        "outcomes": [(o, evaluations.get(o.pk)) for o in outcomes.values()], "summary": hours_summary(agreement), "supervisor_link": link,
    }


def hours_summary(agreement: MobilityAgreement, today=None) -> dict:
    """Planned, submitted and verified hours to date, and whether the learner is falling behind (under 80 %)."""
    today = today or timezone.localdate()
    end = min(today, agreement.end_date)
    weeks = max(0, ((end - agreement.start_date).days + 1) // 7) if end >= agreement.start_date else 0
    planned = weeks * agreement.weekly_hours
    entries = list(agreement.logbook.all())
    submitted = sum((e.hours for e in entries if e.state != EntryState.REJECTED), Decimal(0))
    verified = sum((e.verified_hours or 0 for e in entries if e.state == EntryState.VERIFIED), Decimal(0))
    return {"planned": planned, "submitted": submitted, "verified": verified, "behind": planned > 0 and submitted < Decimal("0.8") * planned}


# Evaluation and transcript ------------------------------------------------------------------------------

@transaction.atomic
def outcome_evaluate(*, actor, agreement: MobilityAgreement, outcome_id: int, rating: str, comment: str = "") -> OutcomeEvaluation:
    if Party.RECEIVING not in parties_of(actor, agreement):
        raise Forbidden(_("Only the host evaluates the learning outcomes."))
    if agreement.nomination.host.node:  # the host evaluates on its node; its signed transcript brings the ratings
        raise DomainError(_("The host's node evaluates this mobility; its results come from there."), code="home_node")
    if rating not in Rating.values:
        raise ValidationFailed({"rating": [str(_("Choose a rating."))]})
    outcome_message = _("This outcome is not part of the agreement.")
    outcome_id = whole_number(outcome_id, name="outcome", minimum=1, maximum=ID_MAX, message=outcome_message)
    served = set(Component.outcomes.through.objects.filter(component__agreement=agreement).values_list("learningoutcome_id", flat=True))
    if outcome_id not in served:
        raise ValidationFailed({"outcome": [str(outcome_message)]})
    comment = plain_text(comment, name="comment", max_length=LINE_MAX)
    evaluation, _created = OutcomeEvaluation.objects.update_or_create(
        agreement=agreement, outcome_id=outcome_id, defaults={"rating": rating, "comment": comment, "evaluated_by": actor})
    audit_record(actor=actor, action="update", obj=evaluation, after={"outcome": outcome_id, "rating": rating})
    return evaluation


@transaction.atomic
def transcript_record(*, actor, agreement: MobilityAgreement, component: Component, host_grade: str, host_scale: str) -> TranscriptEntry:
    if Party.RECEIVING not in parties_of(actor, agreement):
        raise Forbidden(_("Only the host records results."))
    if agreement.nomination.host.node:  # the host records results on its node; its signed transcript brings them
        raise DomainError(_("The host's node evaluates this mobility; its results come from there."), code="home_node")
    if component.agreement_id != agreement.pk:
        raise ValidationFailed({"component": [str(_("This component is not part of the agreement."))]})
    if host_scale not in grades.SCALES:
        raise ValidationFailed({"host_scale": [str(_("Unknown grading scale."))]})
    host_grade = plain_text(host_grade, name="host_grade", max_length=10)  # the column's width
    try:
        home = grades.to_kz_letter(host_grade, host_scale)
    except grades.GradeError:
        raise ValidationFailed({"host_grade": [str(_("“%(grade)s” is not a grade of this scale.") % {"grade": host_grade})]})
    entry, _created = TranscriptEntry.objects.update_or_create(
        agreement=agreement, component=component,
        defaults={"host_grade": host_grade, "host_scale": host_scale, "home_grade": home, "credits_host": component.credits,
                  "credits_home": grades.kz_credits(component.hours, component.credits), "recorded_by": actor},
    )
    audit_record(actor=actor, action="update", obj=entry, after={"component": component.code, "host": host_grade, "home": home})
    return entry
