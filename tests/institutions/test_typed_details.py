"""The services take typed details (InstitutionDetails, ContactDetails) and enforce the rules themselves: a
caller that bypasses the form, the API schema and the file import gets the same refusal, with the same code,
and nothing is written (issue 14)."""

from __future__ import annotations

from dataclasses import asdict, replace

import pytest

from ortaq.errors import ErrorCode, ValidationFailed
from ortaq.institutions import services
from ortaq.institutions.forms import InstitutionForm
from ortaq.institutions.models import Contact, Institution
from ortaq.institutions.types import ContactDetails, InstitutionDetails

VALID = InstitutionDetails(kind="enterprise", name_original="Tianjin Zhilian", country="CN", city="Tianjin")


@pytest.mark.parametrize("change, field", [
    ({"country": "XX"}, "country"),
    ({"kind": "church"}, "kind"),
    ({"website": "not a url"}, "website"),
    ({"email": "nobody@"}, "email"),
    ({"kz_bin": "123456789012"}, "kz_bin"),
    ({"schac": "Not A Domain"}, "schac"),
    ({"name_original": "Bad\x00name"}, "name_original"),
    ({"accessibility_facilities": ("teleporter",)}, "accessibility_facilities"),
])
def test_details_the_form_refuses_are_refused_by_the_service_with_the_same_code(world, change, field):
    data = asdict(replace(VALID, **change))
    form = InstitutionForm(data=data | {"accessibility_facilities": list(data["accessibility_facilities"])})
    assert not form.is_valid() and field in form.errors
    with pytest.raises(ValidationFailed) as error:
        services.institution_create(actor=world["coordinator_a"], details=replace(VALID, **change))
    assert error.value.code == ErrorCode.VALIDATION and field in error.value.errors
    assert not Institution.objects.filter(city="Tianjin").exists()


def test_an_edit_with_a_bin_outside_kazakhstan_is_refused_and_the_row_keeps_its_values(world):
    with pytest.raises(ValidationFailed) as error:
        services.institution_update(actor=world["coordinator_c"], institution=world.c,
                                    details=replace(InstitutionDetails.of(world.c), kz_bin="980340000076"))
    assert "kz_bin" in error.value.errors
    world.c.refresh_from_db()
    assert world.c.kz_bin == ""


def test_an_edit_that_changes_nothing_writes_nothing(world, django_assert_num_queries):
    from ortaq.audit.models import AuditEvent

    services.institution_update(actor=world["coordinator_a"], institution=world.a, details=InstitutionDetails.of(world.a))
    assert not AuditEvent.objects.filter(action="update").exists()


def test_an_imported_file_is_written_all_or_nothing_by_the_service(world):
    good = replace(VALID, name_original="Good partner")
    with pytest.raises(ValidationFailed):
        services.institutions_import_rows(actor=world["coordinator_a"], rows=[good, replace(VALID, country="XX")], filename="x.csv")
    assert not Institution.objects.filter(city="Tianjin").exists()
    [created] = services.institutions_import_rows(actor=world["coordinator_a"], rows=[good], registered_by=world.a, filename="x.csv")
    assert created.name_latin == "Good partner" and created.registered_by == world.a


def test_a_contact_without_a_name_or_with_a_bad_email_is_refused(world):
    for contact, field in ((ContactDetails(name=""), "name"), (ContactDetails(name="Dana", email="dana@"), "email")):
        with pytest.raises(ValidationFailed) as error:
            services.contact_add(actor=world["coordinator_a"], institution=world.a, contact=contact)
        assert error.value.code == "validation" and field in error.value.errors
    assert not Contact.objects.exists()
