"""Writes to the institutions registry: permission-checked, validated, transactional and audited.

The services take typed details (institutions.types), never a form: the web form, the API schema and the file
import validate input at the edge and build them; the services check them again (institutions.rules and the
models' own validation), so that no caller writes an invalid row."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from django.db import transaction

from ortaq.audit.services import audit_record, snapshot
from ortaq.errors import Forbidden
from ortaq.inputs import model_checked
from ortaq.names import latin_form

from .models import Contact, Institution
from .rules import as_errors, details_problems
from .selectors import may_edit_institution, may_register_institutions
from .types import EDITABLE_FIELDS, ContactDetails, InstitutionDetails

if TYPE_CHECKING:
    from ortaq.accounts.types import User


def _checked(institution: Institution, details: InstitutionDetails) -> Institution:
    """The details set on the row (an empty Latin name suggested from the original), or ValidationFailed with
    every broken rule."""
    values = asdict(details)
    values["accessibility_facilities"] = list(details.accessibility_facilities)
    if details.name_original and not details.name_latin:
        values["name_latin"] = latin_form(details.name_original)
    for name, value in values.items():
        setattr(institution, name, value)
    model_checked(institution, errors=as_errors(details_problems(details)))
    return institution


def _register(*, actor: User, details: InstitutionDetails, registered_by: Institution | None, action: str, summary: str = "") -> Institution:
    institution = _checked(Institution(registered_by=registered_by), details)
    institution.save()
    audit_record(actor=actor, action=action, obj=institution, after=snapshot(institution, EDITABLE_FIELDS), summary=summary)
    return institution


@transaction.atomic
def institution_create(*, actor: User, details: InstitutionDetails, registered_by: Institution | None = None) -> Institution:
    if not may_register_institutions(actor=actor):
        raise Forbidden()
    return _register(actor=actor, details=details, registered_by=registered_by, action="create")


@transaction.atomic
def institutions_import_rows(
    *, actor: User, rows: list[InstitutionDetails], registered_by: Institution | None = None, filename: str = ""
) -> list[Institution]:
    """All the rows of an imported file, or none (the file was checked row by row at the edge, institutions.importing)."""
    if not may_register_institutions(actor=actor):
        raise Forbidden()
    return [_register(actor=actor, details=row, registered_by=registered_by, action="import", summary=filename[:200]) for row in rows]


@transaction.atomic
def institution_update(*, actor: User, institution: Institution, details: InstitutionDetails) -> Institution:
    """The institution with these details (all of them: `dataclasses.replace(InstitutionDetails.of(i), ...)`)."""
    if not may_edit_institution(actor=actor, institution=institution):
        raise Forbidden()
    # The row as stored, locked: the caller's copy may carry values an edge form set on it while validating.
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    before = snapshot(institution, EDITABLE_FIELDS)
    if details == InstitutionDetails.of(institution):  # an edit that changes nothing writes nothing
        return institution
    institution = _checked(institution, details)
    institution.save()
    after = snapshot(institution, EDITABLE_FIELDS)
    if after != before:
        audit_record(actor=actor, action="update", obj=institution, before=before, after=after)
    return institution


@transaction.atomic
def institution_mirror_remote(*, node: str, details: InstitutionDetails, institution: Institution | None = None) -> Institution:
    """The local mirror of an institution hosted by a trusted peer node (ortaq.federation, from the peer's
    manifest): created, or brought up to date. Checked as any profile; no person acts, the audit names the node."""
    if institution is not None:
        institution = Institution.objects.select_for_update().get(pk=institution.pk)
        if details == InstitutionDetails.of(institution) and institution.node == node:
            return institution
    before = snapshot(institution, EDITABLE_FIELDS) if institution is not None else None
    institution = _checked(institution or Institution(), details)
    institution.node = node
    institution.save()
    audit_record(actor=None, action="mirror", obj=institution, before=before, after=snapshot(institution, EDITABLE_FIELDS), summary=node[:300])
    return institution


@transaction.atomic
def contact_add(*, actor: User, institution: Institution, contact: ContactDetails) -> Contact:
    if not may_edit_institution(actor=actor, institution=institution):
        raise Forbidden()
    values = asdict(contact)
    if contact.name and not contact.name_latin:
        values["name_latin"] = latin_form(contact.name, person=True)
    row = Contact(institution=institution, **values)
    model_checked(row, exclude=("institution",))
    row.save()
    audit_record(actor=actor, action="create", obj=row, after=snapshot(row), summary=str(institution))
    return row


@transaction.atomic
def contact_remove(*, actor: User, contact: Contact) -> None:
    if not may_edit_institution(actor=actor, institution=contact.institution):
        raise Forbidden()
    audit_record(actor=actor, action="delete", obj=contact, before=snapshot(contact), summary=str(contact.institution))
    contact.delete()
