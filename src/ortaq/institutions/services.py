"""Writes to the institutions registry: permission-checked, validated, transactional and audited."""

from __future__ import annotations

from django.db import transaction

from ortaq.audit.services import audit_record, snapshot
from ortaq.errors import Forbidden, ValidationFailed, form_errors

from .forms import EDITABLE_FIELDS, ContactForm, InstitutionForm
from .models import Contact, Institution
from .selectors import may_edit_institution, may_register_institutions
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ortaq.accounts.types import User


def institution_validate(data: dict, *, instance: Institution | None = None) -> InstitutionForm:
    form = InstitutionForm(data=data, instance=instance)
    if not form.is_valid():
        raise ValidationFailed(form_errors(form))
    return form


@transaction.atomic
def institution_create(*, actor: User, data: dict, registered_by: Institution | None = None) -> Institution:
    if not may_register_institutions(actor=actor):
        raise Forbidden()
    form = institution_validate(data)
    institution = form.save(commit=False)
    institution.registered_by = registered_by
    institution.save()
    audit_record(actor=actor, action="create", obj=institution, after=snapshot(institution, EDITABLE_FIELDS))
    return institution


@transaction.atomic
def institution_update(*, actor: User, institution: Institution, data: dict) -> Institution:
    if not may_edit_institution(actor=actor, institution=institution):
        raise Forbidden()
    before = snapshot(institution, EDITABLE_FIELDS)
    merged = {**before, **data}
    form = institution_validate(merged, instance=institution)
    if form.has_changed():  # an edit that changes nothing writes nothing
        institution = form.save()
    after = snapshot(institution, EDITABLE_FIELDS)
    if after != before:
        audit_record(actor=actor, action="update", obj=institution, before=before, after=after)
    return institution


@transaction.atomic
def contact_add(*, actor: User, institution: Institution, data: dict) -> Contact:
    if not may_edit_institution(actor=actor, institution=institution):
        raise Forbidden()
    form = ContactForm(data=data)
    if not form.is_valid():
        raise ValidationFailed(form_errors(form))
    contact = form.save(commit=False)
    contact.institution = institution
    contact.save()
    audit_record(actor=actor, action="create", obj=contact, after=snapshot(contact), summary=str(institution))
    return contact


@transaction.atomic
def contact_remove(*, actor: User, contact: Contact) -> None:
    if not may_edit_institution(actor=actor, institution=contact.institution):
        raise Forbidden()
    audit_record(actor=actor, action="delete", obj=contact, before=snapshot(contact), summary=str(contact.institution))
    contact.delete()
