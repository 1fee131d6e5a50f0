from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ortaq.accounts.selectors import PROGRAMME_ROLES, access_for
from ortaq.audit.services import audit_record, snapshot
from ortaq.errors import Forbidden, ValidationFailed, form_errors, valid_or_raise

from .forms import MODULE_FIELDS, OUTCOME_FIELDS, PROGRAMME_FIELDS, ModuleForm, OutcomeForm, ProgrammeForm
from .models import LearningOutcome, Module, Programme
from .selectors import may_edit_programme
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ortaq.accounts.types import User
    from ortaq.institutions.types import Institution


@transaction.atomic
def programme_create(*, actor: User, data: dict, awarding: list[Institution]) -> Programme:
    access = access_for(actor)
    mine = access.institutions_with(PROGRAMME_ROLES)
    if not awarding:
        raise ValidationFailed({"awarding_institutions": [str(_("Choose at least one awarding institution."))]})
    if not (access.is_admin or mine & {i.pk for i in awarding}):
        raise Forbidden(_("One of the awarding institutions must be yours."))
    programme = valid_or_raise(ProgrammeForm(data=data)).save()
    programme.awarding_institutions.set(awarding)
    audit_record(actor=actor, action="create", obj=programme, after={**snapshot(programme, PROGRAMME_FIELDS), "awarding": [i.pk for i in awarding]})
    return programme


@transaction.atomic
def programme_update(*, actor: User, programme: Programme, data: dict) -> Programme:
    if not may_edit_programme(actor=actor, programme=programme):
        raise Forbidden()
    before = snapshot(programme, PROGRAMME_FIELDS)
    programme = valid_or_raise(ProgrammeForm(data={**before, **data}, instance=programme)).save()
    after = snapshot(programme, PROGRAMME_FIELDS)
    if after != before:
        audit_record(actor=actor, action="update", obj=programme, before=before, after=after)
    return programme


@transaction.atomic
def module_add(*, actor: User, programme: Programme, data: dict) -> Module:
    if not may_edit_programme(actor=actor, programme=programme):
        raise Forbidden()
    form = ModuleForm(data=data, instance=Module(programme=programme))
    module = valid_or_raise(form).save(commit=False)
    try:  # the form leaves out the programme, so its (programme, code) constraint is checked here, not by the database
        module.validate_constraints()
    except ValidationError as error:
        raise ValidationFailed(error.message_dict)
    module.save()
    audit_record(actor=actor, action="create", obj=module, after=snapshot(module, MODULE_FIELDS), summary=str(programme))
    return module


@transaction.atomic
def outcome_add(*, actor: User, module: Module, data: dict) -> LearningOutcome:
    if not may_edit_programme(actor=actor, programme=module.programme):
        raise Forbidden()
    outcome = valid_or_raise(OutcomeForm(data=data, instance=LearningOutcome(module=module))).save()
    audit_record(actor=actor, action="create", obj=outcome, after=snapshot(outcome, OUTCOME_FIELDS), summary=str(module))
    return outcome
