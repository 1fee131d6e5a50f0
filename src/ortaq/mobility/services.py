"""Writes for offers, calls and applications: permission-checked, validated, transactional and audited."""

from __future__ import annotations

import secrets
from dataclasses import fields
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ortaq.accounts.selectors import access_for, memberships
from ortaq.accounts.types import Role
from ortaq.agreements.selectors import condition_rows
from ortaq.agreements.types import AgreementState
from ortaq.audit.services import audit_record, snapshot
from ortaq.engines import frameworks as fw
from ortaq.errors import DomainError, Forbidden, ValidationFailed
from ortaq.inputs import ID_MAX, model_checked, whole_number

from . import eligibility
from .models import (
    Application,
    ApplicationDocument,
    ApplicationState,
    Call,
    CallOption,
    CallState,
    ChangeProposal,
    Choice,
    InternshipOffer,
    LogbookEntry,
    OfferState,
    RankingRule,
    Signature,
)

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable
    from django.core.files.uploadedfile import UploadedFile
    from ortaq.accounts.types import Actor, User
    from ortaq.agreements.types import CooperationCondition
    from ortaq.institutions.types import Institution
    from ortaq.programmes.types import Programme

    from .types import ApplicationInput, CallInput, OfferInput, Scores

HOST_ROLES = {Role.COORDINATOR, Role.COMPANY_SUPERVISOR}
APPLICATION_FIELDS = ["programme", "year_of_study", "grade", "motivation", "share_accessibility_needs"]


def _field_names(kind) -> list[str]:
    return [f.name for f in fields(kind)]


def _values(typed) -> dict:
    """A typed input's fields as keyword arguments (shallow: a model instance in it stays that instance)."""
    return {f.name: getattr(typed, f.name) for f in fields(typed)}


def _language_errors(*, language: str, framework: str, level: str) -> dict[str, list[str]]:
    """Known language and framework codes; a minimum level must exist in its framework and name its language."""
    errors: dict[str, list[str]] = {}
    if language and language not in {t.code for t in fw.languages()}:
        errors["language"] = [str(_("Choose a language from the list."))]
    if framework and framework not in {t.code for t in fw.language_frameworks()}:
        errors["language_framework"] = [str(_("Choose a language framework from the list."))]
    if level:
        if not framework or fw.language_level_rank(framework, level) is None:
            errors["language_min_level"] = [str(_("This level does not exist in the chosen framework."))]
        if not language:
            errors["language"] = [str(_("Choose the language the level applies to."))]
    return errors


# Offers -------------------------------------------------------------------------------------------------

def require_offer_host(actor: User, host_id: int) -> None:
    """Who posts and edits a host's offers (the web form, the REST API and edit_services alike)."""
    access = access_for(actor)
    if not (access.is_admin or access.has_role(host_id, *HOST_ROLES)):
        raise Forbidden(_("Only a coordinator or company supervisor of the host can post its offers."))


def offer_errors(offer: OfferInput) -> dict[str, list[str]]:
    """The domain's rules on an offer's content, field by field (empty: none broken)."""
    errors = _language_errors(language=offer.language, framework=offer.language_framework, level=offer.language_min_level)
    if offer.end_date < offer.start_date:
        errors["end_date"] = [str(_("The end date cannot be before the start date."))]
    if offer.places < 1:
        errors["places"] = [str(_("Places must be at least 1."))]
    if offer.isced_code not in {t.code for t in fw.isced_fields() if t.group == "detailed"}:
        errors["isced_code"] = [str(_("Choose a detailed ISCED-F 2013 field."))]
    if set(offer.accessibility_facilities) - {t.code for t in fw.accessibility_facilities()}:
        errors["accessibility_facilities"] = [str(_("Choose accessibility facilities from the list."))]
    return errors


@transaction.atomic
def offer_create(*, actor: User, host: Institution, offer: OfferInput, publish: bool = False) -> InternshipOffer:
    """Post an offer as a draft, or published at once (`publish`)."""
    require_offer_host(actor, host.pk)
    row = InternshipOffer(host=host, created_by=actor, **{**_values(offer), "accessibility_facilities": list(offer.accessibility_facilities)})
    model_checked(row, errors=offer_errors(offer))  # lengths, NUL and control characters: what the form would refuse, from any caller
    row.save()
    audit_record(actor=actor, action="create", obj=row, after=snapshot(row, _field_names(offer)))
    return offer_publish(actor=actor, offer=row) if publish else row


def _lock_row(obj):
    """Re-read `obj` under a row lock, so that of two requests making the same transition at once the second waits
    and then sees the first's result (and refuses) instead of repeating it: a second audit line, a second round of
    notifications. SQLite has no row locks; its IMMEDIATE transactions already hold the write lock from BEGIN."""
    obj.refresh_from_db(from_queryset=type(obj).objects.select_for_update())
    return obj


@transaction.atomic
def offer_publish(*, actor: User, offer: InternshipOffer) -> InternshipOffer:
    access = access_for(actor)
    if not (access.is_admin or access.has_role(offer.host_id, *HOST_ROLES)):
        raise Forbidden()
    _lock_row(offer)
    if offer.state != OfferState.DRAFT:
        raise DomainError(_("Only a draft offer can be published."), code="state")
    offer.state = OfferState.PUBLISHED
    offer.save(update_fields=["state"])
    audit_record(actor=actor, action="transition", obj=offer, before={"state": "draft"}, after={"state": "published"})
    return offer


# Calls --------------------------------------------------------------------------------------------------

def _require_call_coordinator(actor, call: Call) -> None:
    access = access_for(actor)
    if not (access.is_admin or call.owner_id in access.manages):
        raise Forbidden(_("Only a coordinator of %(institution)s manages this call.") % {"institution": call.owner})


def require_call_owner(actor: User, owner_id: int) -> None:
    """Who writes a sending institution's calls: its coordinators (the web form, the REST API and edit_services)."""
    access = access_for(actor)
    if not (access.is_admin or owner_id in access.manages):
        raise Forbidden(_("Only a coordinator of the sending institution can open its calls."))


def call_errors(*, owner: Institution, call: CallInput, programmes: list[Programme]) -> dict[str, list[str]]:
    """The domain's rules on a call's content, field by field (empty: none broken)."""
    errors = _language_errors(language=call.language, framework=call.language_framework, level=call.language_min_level)
    if [p for p in programmes if not p.awarding_institutions.filter(pk=owner.pk).exists()]:
        errors["programmes"] = [str(_("Choose programmes that %(institution)s awards.") % {"institution": owner})]
    if call.mobility_type not in {t.code for t in fw.mobility_types()}:
        errors["mobility_type"] = [str(_("Choose a mobility type from the list."))]
    if call.ranking_rule not in RankingRule.values:
        errors["ranking_rule"] = [str(_("Choose a ranking rule."))]
    elif sum((call.weight_grade, call.weight_language, call.weight_motivation, call.weight_interview)) == 0:
        errors["weight_grade"] = [str(_("At least one weight must be above zero."))]
    return errors


@transaction.atomic
def call_create(*, actor: User, owner: Institution, call: CallInput, programmes: Iterable[Programme] = ()) -> Call:
    require_call_owner(actor, owner.pk)
    programmes = list(programmes)
    errors = call_errors(owner=owner, call=call, programmes=programmes)
    seed = secrets.randbelow(10**9) if call.lottery_seed is None else call.lottery_seed
    row = Call(owner=owner, created_by=actor, **{**_values(call), "lottery_seed": seed})
    model_checked(row, errors=errors)
    row.save()
    row.eligible_programmes.set(programmes)
    audit_record(actor=actor, action="create", obj=row, after=snapshot(row, _field_names(call)))
    return row


def places_used(condition: CooperationCondition, academic_year: int, *, excluding: CallOption | None = None) -> int:
    qs = CallOption.objects.filter(condition=condition, call__academic_year=academic_year)
    if excluding is not None:
        qs = qs.exclude(pk=excluding.pk)
    return qs.aggregate(total=Sum("places"))["total"] or 0


@transaction.atomic
def call_option_add(*, actor: User, call: Call, places: int, condition: CooperationCondition | None = None,
                    offer: InternshipOffer | None = None, reserved_inclusion: int = 0) -> CallOption:
    _require_call_coordinator(actor, call)
    if call.state not in (CallState.DRAFT, CallState.OPEN):
        raise DomainError(_("Options can only be added while the call is a draft or open."), code="state")
    if (condition is None) == (offer is None):
        raise ValidationFailed({"source": [str(_("Choose either a cooperation condition or an internship offer."))]})
    places = whole_number(places, name="places", minimum=-ID_MAX, maximum=100_000)
    reserved_inclusion = whole_number(reserved_inclusion, name="reserved_inclusion", minimum=-ID_MAX, maximum=100_000)
    if places is None or places < 1:
        raise ValidationFailed({"places": [str(_("Places must be at least 1."))]})
    if reserved_inclusion < 0 or reserved_inclusion > places:
        raise ValidationFailed({"reserved_inclusion": [str(_("Reserved places must be between 0 and the number of places."))]})
    if condition is not None:
        condition_rows(ids=[condition.pk]).select_for_update().first()
        agreement = condition.agreement
        if agreement.state not in (AgreementState.APPROVED, AgreementState.IN_EFFECT):
            raise DomainError(_("Places can only come from an approved or in-effect agreement."), code="agreement_state")
        if condition.sending_id != call.owner_id:
            raise DomainError(_("This condition sends people from another institution."), code="not_sending")
        if not condition.start_year <= call.academic_year <= condition.end_year:
            raise DomainError(_("The condition does not cover the call's academic year."), code="year")
        if condition.mobility_type != call.mobility_type:
            raise DomainError(_("The condition is for another type of mobility."), code="mobility_type")
        left = condition.places_per_year - places_used(condition, call.academic_year)
        if places > left:
            raise ValidationFailed({"places": [str(_("The agreement allows %(left)d more place(s) for this year.") % {"left": max(left, 0)})]})
        host_id = condition.receiving_id
    elif offer is not None:  # exactly one of the two was given (checked above)
        if offer.state != OfferState.PUBLISHED:
            raise DomainError(_("Only a published offer can be used in a call."), code="offer_state")
        left = offer.places - (CallOption.objects.filter(offer=offer).aggregate(total=Sum("places"))["total"] or 0)
        if places > left:
            raise ValidationFailed({"places": [str(_("The offer has %(left)d place(s) left.") % {"left": max(left, 0)})]})
        host_id = offer.host_id
    option = CallOption.objects.create(call=call, condition=condition, offer=offer, host_id=host_id, places=places, reserved_inclusion=reserved_inclusion)
    audit_record(actor=actor, action="create", obj=option, after=snapshot(option), summary=str(call))
    return option


@transaction.atomic
def call_open(*, actor: User, call: Call) -> Call:
    _require_call_coordinator(actor, call)
    _lock_row(call)  # opened twice at once, every student would be told twice
    if call.state != CallState.DRAFT:
        raise DomainError(_("Only a draft call can be opened."), code="state")
    if not call.options.exists():
        raise DomainError(_("Add at least one option with places before opening the call."), code="no_options")
    if call.deadline <= timezone.now():
        raise DomainError(_("The deadline has already passed."), code="deadline")
    call.state = CallState.OPEN
    call.save(update_fields=["state"])
    audit_record(actor=actor, action="transition", obj=call, before={"state": "draft"}, after={"state": "open"})
    from ortaq.notifications.services import notify, written

    from django.urls import reverse

    role = Role.TEACHER if call.mobility_type in ("teacher_internship", "staff_training") else Role.STUDENT
    recipients = [m.user for m in memberships(institutions=[call.owner_id], roles=[role]).select_related("user")]
    notify(recipients=recipients, key="call_opened", params={"call": written(call), "deadline": call.deadline},
                                         url=reverse("mobility:call", args=[call.pk]))
    return call


@transaction.atomic
def call_close(*, actor: User, call: Call) -> Call:
    _require_call_coordinator(actor, call)
    _lock_row(call)
    if call.state != CallState.OPEN:
        raise DomainError(_("Only an open call can be closed."), code="state")
    call.state = CallState.CLOSED
    call.save(update_fields=["state"])
    audit_record(actor=actor, action="transition", obj=call, before={"state": "open"}, after={"state": "closed"})
    return call


# Applications -------------------------------------------------------------------------------------------

def _require_open(call: Call) -> None:
    if call.state != CallState.OPEN or call.deadline <= timezone.now():
        raise DomainError(_("The call is not open for applications (deadline %(deadline)s).") % {"deadline": call.deadline.strftime("%Y-%m-%d %H:%M")}, code="closed")


def may_apply(actor: Actor, call: Call) -> bool:
    role = Role.TEACHER if call.mobility_type in ("teacher_internship", "staff_training") else Role.STUDENT
    return access_for(actor).has_role(call.owner_id, role)


@transaction.atomic
def application_save(*, actor: User, call: Call, application: ApplicationInput, option_ids: list[int], submit: bool = False) -> Application:
    """Create or edit the actor's own application; submitting checks eligibility and issues a receipt."""
    if not may_apply(actor, call):
        raise Forbidden(_("This call is for members of %(institution)s.") % {"institution": call.owner})
    _require_open(call)
    row = Application.objects.select_for_update().filter(call=call, applicant=actor).first() or Application(call=call, applicant=actor)
    if row.state == ApplicationState.WITHDRAWN:
        row.state = ApplicationState.DRAFT
    before = snapshot(row, APPLICATION_FIELDS) if row.pk else None
    ids = [whole_number(i, name="choices", minimum=1, maximum=ID_MAX) for i in option_ids if str(i).strip()]
    if len(ids) != len(set(ids)):
        raise ValidationFailed({"choices": [str(_("Each option can be ranked only once."))]})
    if len(ids) > call.max_choices:
        raise ValidationFailed({"choices": [str(_("You may rank at most %(n)d options.") % {"n": call.max_choices})]})
    options = {o.pk: o for o in call.options.select_related("condition", "offer").filter(pk__in=ids)}
    if len(options) != len(ids):
        raise ValidationFailed({"choices": [str(_("An option you chose is not part of this call."))]})
    if submit:
        if not ids:
            raise ValidationFailed({"choices": [str(_("Rank at least one option."))]})
        certificates = list(actor.language_certificates.all())
        problems = eligibility.call_reasons(
            call, programme_id=application.programme.pk if application.programme else None, year_of_study=application.year_of_study,
            grade=application.grade, certificates=certificates, eligible_programme_ids=set(call.eligible_programmes.values_list("pk", flat=True)),
        )
        for option_id in ids:
            problems += eligibility.option_reasons(options[option_id], certificates)
        if problems:
            raise ValidationFailed({"eligibility": problems})
    for name, value in _values(application).items():
        setattr(row, name, value)
    model_checked(row, errors={"grade": [str(_("The average grade is from 0 to 100."))]} if not 0 <= application.grade <= 100 else None)
    if submit:
        row.state = ApplicationState.SUBMITTED
        row.submitted_at = timezone.now()
        row.receipt = row.receipt or f"{call.pk:04d}-{secrets.token_hex(3).upper()}"
    row.save()
    row.choices.all().delete()
    Choice.objects.bulk_create([Choice(application=row, option=options[i], rank=r) for r, i in enumerate(ids, start=1)])
    after = {**snapshot(row, APPLICATION_FIELDS), "choices": ids, "state": row.state}
    audit_record(actor=actor, action="update" if before else "create", obj=row, before=before, after=after)
    if submit:
        from django.urls import reverse

        from ortaq.notifications.services import notify, written

        notify(recipients=[actor], key="application_submitted", params={"call": written(call), "receipt": row.receipt},
                                             url=reverse("mobility:call", args=[call.pk]))
    return row


@transaction.atomic
def application_withdraw(*, actor: User, application: Application) -> Application:
    """The applicant withdraws: before the deadline, or after a result (the place then goes to the next round)."""
    if application.applicant_id != actor.pk:
        raise Forbidden()
    _lock_row(application)
    if application.state == ApplicationState.WITHDRAWN:
        raise DomainError(_("The application is already withdrawn."), code="state")
    application.state = ApplicationState.WITHDRAWN
    application.save(update_fields=["state", "updated_at"])
    audit_record(actor=actor, action="transition", obj=application, after={"state": "withdrawn"})
    return application


DOCUMENT_TYPES = {b"%PDF-": "application/pdf", b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024


def sniff_document(head: bytes) -> str | None:
    """The type of an uploaded document from its first bytes, never from its name or the browser's word."""
    for magic, content_type in DOCUMENT_TYPES.items():
        if head.startswith(magic):
            return content_type
    return None


def document_check(upload: UploadedFile, *, field: str = "file") -> str:
    """The content type of an uploaded document (PDF, JPEG or PNG, at most 5 MB), read from its first bytes;
    ValidationFailed otherwise. Application documents and logbook evidence pass the same check."""
    if (upload.size or 0) > MAX_DOCUMENT_BYTES:  # a request's upload always has a size
        raise ValidationFailed({field: [str(_("A document may be at most 5 MB."))]})
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff_document(head)
    if content_type is None:
        raise ValidationFailed({field: [str(_("Upload a PDF, JPEG or PNG file."))]})
    return content_type


@transaction.atomic
def document_add(*, actor: User, application: Application, upload: UploadedFile) -> ApplicationDocument:
    if application.applicant_id != actor.pk:
        raise Forbidden()
    _require_open(application.call)
    content_type = document_check(upload)
    name = "".join(ch for ch in upload.name or "" if ch.isprintable())[:200]  # a browser sends the name; NUL would stop PostgreSQL
    document = ApplicationDocument.objects.create(application=application, file=upload, original_name=name, content_type=content_type, size=upload.size or 0)
    audit_record(actor=actor, action="create", obj=document, after={"name": document.original_name, "type": content_type, "size": upload.size})
    return document


@transaction.atomic
def application_score(*, actor: User, application: Application, scores: Scores) -> Application:
    _require_call_coordinator(actor, application.call)
    if application.call.state not in (CallState.OPEN, CallState.CLOSED):
        raise DomainError(_("Scores can no longer change once results are published."), code="state")
    if any(value is not None and not 0 <= value <= 100 for value in (scores.motivation_score, scores.interview_score)):
        raise ValidationFailed({"motivation_score": [str(_("Scores are from 0 to 100."))]})
    before = {"motivation_score": application.motivation_score, "interview_score": application.interview_score}
    application.motivation_score = scores.motivation_score
    application.interview_score = scores.interview_score
    application.save(update_fields=["motivation_score", "interview_score", "updated_at"])
    audit_record(actor=actor, action="update", obj=application, before=before,
                 after={"motivation_score": application.motivation_score, "interview_score": application.interview_score})
    return application


def placements_lapse(*, now: dt.datetime | None = None, call: Call | None = None) -> int:
    """Placements left unanswered past their deadline lapse (their seats go to the next round); idempotent. Other
    apps' jobs (the reminders) reach it here; the rule lives in acceptance.py."""
    from .acceptance import placements_lapse as lapse

    return lapse(now=now, call=call)


# Nominations across nodes (remote_services.py), for the federation, which reaches mobility through this module.
from .remote_services import (  # noqa: E402,F401
    nomination_decide_remote, nomination_shared, remote_nomination_receive, remote_nomination_withdraw,
)

# Learning and training agreements across nodes (remote_agreement_services.py; the home side in during.py), for the federation.
from .remote_agreement_services import (  # noqa: E402,F401
    agreement_content_sha256, mobility_agreement_shared, remote_agreement_apply_state, remote_agreement_receive,
)


def mobility_agreement_sign_remote(*, agreement_id: int, node: str, version: int, sha256: str, signer_name: str) -> Signature | None:
    """during.mobility_agreement_sign_remote (imported when called: during imports this module)."""
    from .during import mobility_agreement_sign_remote as sign

    return sign(agreement_id=agreement_id, node=node, version=version, sha256=sha256, signer_name=signer_name)


# Logbooks across nodes (remote_logbook_services.py; the home side in during.py), for the federation.
from .remote_logbook_services import logbook_shared, remote_logbook_receive  # noqa: E402,F401


def logbook_verify_remote(*, agreement_id: int, entry_id: int, node: str, approve: bool, verified_hours: object, comment: str,
                          verifier_name: str, verifier_role: str) -> LogbookEntry:
    """during.logbook_verify_remote (imported when called: during imports this module)."""
    from .during import logbook_verify_remote as verify

    return verify(agreement_id=agreement_id, entry_id=entry_id, node=node, approve=approve, verified_hours=verified_hours, comment=comment,
                  verifier_name=verifier_name, verifier_role=verifier_role)


# Changes the host proposes on its node (remote_change_services.py; the home side in during.py), for the federation.
from .remote_change_services import change_shared, remote_change_apply_decision  # noqa: E402,F401


def change_propose_remote(*, agreement_id: int, node: str, remote_id: str, version: int, sha256: str, components: list[dict], reason_code: str,
                          comment: str, proposer_name: str) -> ChangeProposal:
    """during.change_propose_remote (imported when called: during imports this module)."""
    from .during import change_propose_remote as propose

    return propose(agreement_id=agreement_id, node=node, remote_id=remote_id, version=version, sha256=sha256, components=components,
                   reason_code=reason_code, comment=comment, proposer_name=proposer_name)


# The host's evaluation and transcript across nodes (remote_transcript_services.py), for the federation.
from .remote_transcript_services import agreement_host_id, host_transcript_receive, transcript_shared  # noqa: E402,F401


def outcome_texts_of(content: dict[str, object]) -> dict[str, dict[str, str]]:
    """The texts of the learning outcomes an agreement's content names, for the host's node (not personal data):
    {"<id>": {"kk"|"ru"|"zh"|"en": text}}."""
    from ortaq.programmes.selectors import learning_outcomes_by_id

    components = content.get("components")
    ids = {o for c in components if isinstance(c, dict) for o in c.get("outcomes") or [] if isinstance(o, int)} if isinstance(components, list) else set()
    return {str(pk): texts for pk, texts in learning_outcomes_by_id(ids).items()}
