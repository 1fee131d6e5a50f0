from __future__ import annotations

import secrets
from dataclasses import asdict
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from ortaq.audit.services import audit_record, snapshot
from ortaq.errors import Forbidden
from ortaq.inputs import model_checked, plain_text
from ortaq.names import latin_form

from .models import ApiToken, LanguageCertificate, Membership, User
from .rules import as_errors, certificate_problems, consent_problems, profile_problems
from .selectors import access_for
from .types import PROFILE_FIELDS, AccessibilityChoice, LanguageCertificateDetails, ProfileDetails

if TYPE_CHECKING:
    from ortaq.institutions.types import Institution

TOKEN_PREFIX = "ortaq_"


def _may_manage_person(actor, person: User) -> bool:
    if actor.pk == person.pk:
        return True
    access = access_for(actor)
    if access.is_admin:
        return True
    person_institutions = set(Membership.objects.filter(user=person).values_list("institution_id", flat=True))
    return bool(access.manages & person_institutions)


def _checked_profile(person: User, details: ProfileDetails) -> User:
    """The profile set on the person (an empty Latin name suggested from the name), or ValidationFailed."""
    values = asdict(details)
    if details.full_name and not details.full_name_latin:
        values["full_name_latin"] = latin_form(details.full_name, person=True)
    for name, value in values.items():
        setattr(person, name, value)
    # Only the profile's own fields: the rest of the account (username, password) is not the profile's to check.
    model_checked(person, exclude=tuple(f.name for f in User._meta.concrete_fields if f.name not in PROFILE_FIELDS),
                  errors=as_errors(profile_problems(details)))
    return person


@transaction.atomic
def user_create(*, actor: User | None, username: str, password: str | None, email: str = "", profile: ProfileDetails | None = None) -> User:
    if actor is not None and not access_for(actor).is_admin:
        raise Forbidden()
    user = _checked_profile(User(username=username, email=email), profile or ProfileDetails())
    user.set_password(password) if password else user.set_unusable_password()
    user.save()
    audit_record(actor=actor, action="create", obj=user, after=snapshot(user, PROFILE_FIELDS + ["username", "email"]))
    return user


@transaction.atomic
def profile_update(*, actor: User, person: User, details: ProfileDetails) -> User:
    """The person with this profile (all of it: `dataclasses.replace(ProfileDetails.of(person), ...)`)."""
    if not _may_manage_person(actor, person):
        raise Forbidden()
    # The row as stored, locked: the caller's copy (often request.user) may carry values an edge form set on it.
    person = User.objects.select_for_update().get(pk=person.pk)
    before = snapshot(person, PROFILE_FIELDS)
    person = _checked_profile(person, details)
    person.save()
    after = snapshot(person, PROFILE_FIELDS)
    if after != before:
        # The IIN is personal data: the audit trail records that it changed, not its value.
        masked = lambda d: {**d, "iin": "••••" if d.get("iin") else ""}  # noqa: E731
        audit_record(actor=actor, action="update", obj=person, before=masked(before), after=masked(after))
    return person


@transaction.atomic
def accessibility_update(*, actor: User, person: User, choice: AccessibilityChoice) -> User:
    """Only the person records or withdraws their needs; withdrawing consent erases them."""
    if actor.pk != person.pk:
        raise Forbidden()
    # Checked on a blank row first, so that a refused choice leaves the person (often request.user) untouched.
    probe = User(accessibility_needs=choice.needs)
    model_checked(probe, exclude=tuple(f.name for f in User._meta.concrete_fields if f.name != "accessibility_needs"),
                  errors=as_errors(consent_problems(needs=choice.needs, consent=choice.consent)))
    if choice.consent and choice.needs:
        person.accessibility_needs = choice.needs
        person.accessibility_consent_at = timezone.now()
    else:
        person.accessibility_needs = ""
        person.accessibility_consent_at = None
    person.save(update_fields=["accessibility_needs", "accessibility_consent_at"])
    audit_record(actor=actor, action="update", obj=person, after={"accessibility_consent": bool(person.accessibility_consent_at)})
    return person


@transaction.atomic
def language_certificate_add(*, actor: User, person: User, certificate: LanguageCertificateDetails) -> LanguageCertificate:
    if not _may_manage_person(actor, person):
        raise Forbidden()
    row = LanguageCertificate(user=person, **asdict(certificate))
    model_checked(row, exclude=("user",), errors=as_errors(certificate_problems(certificate)))
    row.save()
    audit_record(actor=actor, action="create", obj=row, after=snapshot(row), summary=str(person))
    return row


@transaction.atomic
def membership_add(*, actor: User, user: User, institution: Institution, role: str) -> Membership:
    access = access_for(actor) if actor is not None else None
    if access is not None and not (access.is_admin or institution.pk in access.manages):
        raise Forbidden()
    membership, created = Membership.objects.get_or_create(user=user, institution=institution, role=role)
    if created:
        audit_record(actor=actor, action="create", obj=membership, after=snapshot(membership))
    return membership


@transaction.atomic
def api_token_create(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """A new token for the actor. The secret is returned once and never stored."""
    name = plain_text(name, name="name", max_length=100) or "API"
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=actor, name=name, prefix=secret[:12], digest=ApiToken.digest_of(secret))
    audit_record(actor=actor, action="token", obj=token, after={"name": token.name, "prefix": token.prefix})
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> None:
    if token.user_id != actor.pk and not access_for(actor).is_admin:
        raise Forbidden()
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="token", obj=token, after={"revoked": True})
