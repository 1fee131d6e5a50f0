"""Writes to programmes, their modules and learning outcomes: permission-checked, validated, audited.

The services take typed details (programmes.types), never a form: the web forms and the API schemas validate
input at the edge and build them; the services check them again (programmes.rules and the models' own
validation), so that no caller writes an invalid row."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ortaq.accounts.selectors import PROGRAMME_ROLES, access_for
from ortaq.audit.services import audit_record, snapshot
from ortaq.errors import Forbidden, ValidationFailed
from ortaq.inputs import model_checked

from .models import LearningOutcome, Module, Programme
from .rules import as_errors, module_problems, outcome_problems, programme_problems
from .selectors import may_edit_programme
from .types import MODULE_FIELDS, OUTCOME_FIELDS, PROGRAMME_FIELDS, ModuleDetails, OutcomeText, ProgrammeDetails

if TYPE_CHECKING:
    from ortaq.accounts.types import User
    from ortaq.institutions.types import Institution


def _checked(programme: Programme, details: ProgrammeDetails) -> Programme:
    for name, value in (asdict(details) | {"languages": list(details.languages)}).items():
        setattr(programme, name, value)
    model_checked(programme, errors=as_errors(programme_problems(details)))
    return programme


@transaction.atomic
def programme_create(*, actor: User, details: ProgrammeDetails, awarding: list[Institution]) -> Programme:
    access = access_for(actor)
    mine = access.institutions_with(PROGRAMME_ROLES)
    if not awarding:
        raise ValidationFailed({"awarding_institutions": [str(_("Choose at least one awarding institution."))]})
    if not (access.is_admin or mine & {i.pk for i in awarding}):
        raise Forbidden(_("One of the awarding institutions must be yours."))
    programme = _checked(Programme(), details)
    programme.save()
    programme.awarding_institutions.set(awarding)
    audit_record(actor=actor, action="create", obj=programme, after={**snapshot(programme, PROGRAMME_FIELDS), "awarding": [i.pk for i in awarding]})
    return programme


@transaction.atomic
def programme_update(*, actor: User, programme: Programme, details: ProgrammeDetails) -> Programme:
    """The programme with these details (all of them: `dataclasses.replace(ProgrammeDetails.of(p), ...)`)."""
    if not may_edit_programme(actor=actor, programme=programme):
        raise Forbidden()
    # The row as stored, locked: the caller's copy may carry values an edge form set on it while validating.
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    before = snapshot(programme, PROGRAMME_FIELDS)
    programme = _checked(programme, details)
    programme.save()
    after = snapshot(programme, PROGRAMME_FIELDS)
    if after != before:
        audit_record(actor=actor, action="update", obj=programme, before=before, after=after)
    return programme


@transaction.atomic
def module_add(*, actor: User, programme: Programme, module: ModuleDetails) -> Module:
    if not may_edit_programme(actor=actor, programme=programme):
        raise Forbidden()
    row = Module(programme=programme, **asdict(module))
    # With the programme set, full_clean checks the (programme, code) constraint too: a second module with the
    # same code is refused with a message, not by the database.
    model_checked(row, errors=as_errors(module_problems(module)))
    row.save()
    audit_record(actor=actor, action="create", obj=row, after=snapshot(row, MODULE_FIELDS), summary=str(programme))
    return row


@transaction.atomic
def outcome_add(*, actor: User, module: Module, outcome: OutcomeText) -> LearningOutcome:
    if not may_edit_programme(actor=actor, programme=module.programme):
        raise Forbidden()
    row = LearningOutcome(module=module, **asdict(outcome))
    model_checked(row, errors=as_errors(outcome_problems([getattr(outcome, f) for f in OUTCOME_FIELDS[1:]])))
    row.save()
    audit_record(actor=actor, action="create", obj=row, after=snapshot(row, OUTCOME_FIELDS), summary=str(module))
    return row
