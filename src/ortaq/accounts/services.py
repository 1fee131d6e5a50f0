from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from ortaq.audit.services import audit_record, snapshot
from ortaq.errors import Forbidden, ValidationFailed, form_errors
from ortaq.inputs import plain_text

from .forms import PROFILE_FIELDS, AccessibilityForm, LanguageCertificateForm, ProfileForm
from .models import ApiToken, LanguageCertificate, Membership, User
from .selectors import access_for
from typing import TYPE_CHECKING

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


@transaction.atomic
def user_create(*, actor: User, username: str, password: str | None, email: str = "", profile: dict | None = None) -> User:
    if actor is not None and not access_for(actor).is_admin:
        raise Forbidden()
    form = ProfileForm(data={"preferred_language": "en", **(profile or {})})
    if not form.is_valid():
        raise ValidationFailed(form_errors(form))
    user = form.save(commit=False)
    user.username = username
    user.email = email
    user.set_password(password) if password else user.set_unusable_password()
    user.save()
    audit_record(actor=actor, action="create", obj=user, after=snapshot(user, PROFILE_FIELDS + ["username", "email"]))
    return user


@transaction.atomic
def profile_update(*, actor: User, person: User, data: dict) -> User:
    if not _may_manage_person(actor, person):
        raise Forbidden()
    before = snapshot(person, PROFILE_FIELDS)
    form = ProfileForm(data={**before, **data}, instance=person)
    if not form.is_valid():
        raise ValidationFailed(form_errors(form))
    person = form.save()
    after = snapshot(person, PROFILE_FIELDS)
    if after != before:
        # The IIN is personal data: the audit trail records that it changed, not its value.
        masked = lambda d: {**d, "iin": "••••" if d.get("iin") else ""}  # noqa: E731
        audit_record(actor=actor, action="update", obj=person, before=masked(before), after=masked(after))
    return person


@transaction.atomic
def accessibility_update(*, actor: User, person: User, data: dict) -> User:
    """Only the person records or withdraws their needs; withdrawing consent erases them."""
    if actor.pk != person.pk:
        raise Forbidden()
    form = AccessibilityForm(data=data)
    if not form.is_valid():
        raise ValidationFailed(form_errors(form))
    if form.cleaned_data["consent"] and form.cleaned_data["accessibility_needs"]:
        person.accessibility_needs = form.cleaned_data["accessibility_needs"]
        person.accessibility_consent_at = timezone.now()
    else:
        person.accessibility_needs = ""
        person.accessibility_consent_at = None
    person.save(update_fields=["accessibility_needs", "accessibility_consent_at"])
    audit_record(actor=actor, action="update", obj=person, after={"accessibility_consent": bool(person.accessibility_consent_at)})
    return person


@transaction.atomic
def language_certificate_add(*, actor: User, person: User, data: dict) -> LanguageCertificate:
    if not _may_manage_person(actor, person):
        raise Forbidden()
    form = LanguageCertificateForm(data=data, instance=LanguageCertificate(user=person))
    if not form.is_valid():
        raise ValidationFailed(form_errors(form))
    certificate = form.save()
    audit_record(actor=actor, action="create", obj=certificate, after=snapshot(certificate), summary=str(person))
    return certificate


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
